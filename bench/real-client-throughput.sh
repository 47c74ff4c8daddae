#!/usr/bin/env bash
# Push and pull one SIF image through Apptainer's real library client against a Release build of the registry,
# on loopback, and print MB/s. Usage: bench/real-client-throughput.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1024}
work=$(mktemp -d /var/tmp/sreg-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { [ -n "${server:-}" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

dotnet build SRegistry.Web -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
SRegistry.Tests/EndToEnd/LibraryClient/build.sh "$work/driver"
export Registry__DataPath="$work/data" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
token=$(dotnet SRegistry.Web/bin/Release/net10.0/SRegistry.Web.dll token create --user bench | tail -n 1)
dotnet SRegistry.Web/bin/Release/net10.0/SRegistry.Web.dll --urls "http://127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done

head -c $((size_mib * 1024 * 1024)) /dev/urandom >"$work/payload"
siftool new "$work/image.sif" && siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 "$work/image.sif" "$work/payload"
rm "$work/payload"
bytes=$(stat -c %s "$work/image.sif")
expected=$(sha256sum "$work/image.sif" | cut -d' ' -f1)

rate() { python3 -c "import sys; print(f'{$bytes/1e6/float(sys.argv[1]):8.1f} MB/s  ({float(sys.argv[1]):.2f} s)')" "$1"; }
seconds() { python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; }
url="http://127.0.0.1:$port"
echo "image: $((bytes / 1024 / 1024)) MiB, $(nproc) cores, $(date -u +%Y-%m-%d)"
echo "push (real client, multipart):  $(rate "$("$work/driver" -url "$url" -token "$token" push "$work/image.sif" bench/throughput/image | seconds)")"
for mode in 0 4; do
  rm -f "$work/pulled.sif"; sync
  s=$("$work/driver" -url "$url" -token "$token" pull bench/throughput/image latest "$work/pulled.sif" -concurrency $mode -part-size $((16 * 1024 * 1024)) | seconds)
  [ "$(sha256sum "$work/pulled.sif" | cut -d' ' -f1)" = "$expected" ] || { echo "pulled bytes differ"; exit 1; }
  label=$([ $mode = 0 ] && echo "single stream" || echo "4 concurrent ranges")
  echo "pull (real client, $label): $(rate "$s")"
done
echo "server peak RSS: $(grep VmHWM /proc/$server/status | awk '{print $2/1024 " MB"}')"
