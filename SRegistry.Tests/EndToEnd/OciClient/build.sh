#!/usr/bin/env bash
# Builds the OCI client driver offline, in GOPATH mode, against the Go sources Debian installs under
# /usr/share/gocode (containers/image and its dependencies; no module downloads). Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/sregistry-oci-driver"
cp "$here"/driver/*.go "$work/src/sregistry-oci-driver/"
# Debian installs containers/image without its major-version suffix; the sources import ".../image/v5/...".
mkdir -p "$work/src/github.com/containers/image"
ln -s /usr/share/gocode/src/github.com/containers/image "$work/src/github.com/containers/image/v5"
cd "$work/src/sregistry-oci-driver"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="${GOCACHE:-$HOME/.cache/sregistry-go-build}" GOFLAGS= \
  go build -o "$out" .
