#!/usr/bin/env bash
# Builds the key-client driver offline, in GOPATH mode, against the Go sources Debian installs under
# /usr/share/gocode (the key client, go-crypto and the SIF library; no module downloads). Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/sregistry-keydriver"
cp "$here/driver/main.go" "$work/src/sregistry-keydriver/"
# Debian installs the SIF module (github.com/sylabs/sif/v2) without its /v2 directory; GOPATH mode needs the full path.
mkdir -p "$work/src/github.com/sylabs/sif"
ln -s /usr/share/gocode/src/github.com/sylabs/sif "$work/src/github.com/sylabs/sif/v2"
cd "$work/src/sregistry-keydriver"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="${GOCACHE:-$HOME/.cache/sregistry-go-build}" GOFLAGS= \
  go build -o "$out" .
