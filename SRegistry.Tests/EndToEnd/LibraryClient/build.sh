#!/usr/bin/env bash
# Builds the library-client driver offline, in GOPATH mode, against the Go sources Debian installs under
# /usr/share/gocode (no module downloads). Usage: build.sh OUTPUT_BINARY
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/src/sregistry-driver"
cp "$here/driver/main.go" "$work/src/sregistry-driver/"
cd "$work/src/sregistry-driver"
GO111MODULE=off GOPATH="$work:/usr/share/gocode" GOCACHE="${GOCACHE:-$HOME/.cache/sregistry-go-build}" GOFLAGS= \
  go build -o "$out" .
