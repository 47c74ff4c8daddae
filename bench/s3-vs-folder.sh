#!/usr/bin/env bash
# Push and pull one image with Apptainer's library client (the test driver) against one registry process on the
# folder store, then against one on PostgreSQL + S3 (radosgw), and prints the throughput of each. A short, rough
# measurement for a shared machine: run it when the machine is quiet, read the numbers as an order of magnitude.
# Usage: bench/s3-vs-folder.sh SIZE_MIB PG_CONNECTION S3_URL
#   e.g. bench/s3-vs-folder.sh 512 "Host=127.0.0.1;Port=55491;Username=app;Password=app" http://127.0.0.1:7491
# Needs a build (dotnet build), the driver built once by the tests (/tmp/sregistry-driver/*/driver) and siftool.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:?size in MiB}; pg=${2:?PostgreSQL connection string without Database}; s3=${3:?S3 URL}
driver=$(ls -t /tmp/sregistry-driver/*/driver | head -1)
app=SRegistry.Tests/bin/Debug/net10.0/SRegistry.Web.dll
work=$(mktemp -d); trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
head -c $((size_mib * 1024 * 1024)) /dev/urandom > "$work/payload"
siftool new "$work/image.sif" >/dev/null
siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 "$work/image.sif" "$work/payload" >/dev/null
rm "$work/payload"
bytes=$(stat -c %s "$work/image.sif")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
run() { # name, then environment for the app
  local name=$1; shift
  rm -rf "$work/data"; mkdir -p "$work/data"
  env "$@" ASPNETCORE_ENVIRONMENT=Development Registry__DataPath="$work/data" Logging__LogLevel__Default=Warning \
    Logging__LogLevel__SRegistry.Requests=Information Logging__Console__FormatterName=systemd \
    dotnet "$app" --urls "http://127.0.0.1:$port" > "$work/$name.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
  local token; token=$(env "$@" Registry__DataPath="$work/data" dotnet "$app" token create --user bench | tail -1)
  sync
  local t0 t1 t2
  t0=$(date +%s.%N)
  "$driver" -url "http://127.0.0.1:$port" -token "$token" push "$work/image.sif" bench/speed/image -tags 1 >/dev/null 2>&1
  t1=$(date +%s.%N)
  "$driver" -url "http://127.0.0.1:$port" -token "$token" pull bench/speed/image 1 "$work/pulled.sif" -concurrency 4 >/dev/null 2>&1
  t2=$(date +%s.%N)
  cmp -s "$work/image.sif" "$work/pulled.sif" || { echo "$name: pulled file differs" >&2; exit 1; }
  rm -f "$work/pulled.sif"
  python3 - "$name" "$bytes" "$t0" "$t1" "$t2" <<'PY'
import sys
name, size, t0, t1, t2 = sys.argv[1], int(sys.argv[2]), *map(float, sys.argv[3:])
mib = size / 1048576
print(f"{name:7} {mib:7.0f} MiB  push {t1 - t0:6.2f} s = {mib / (t1 - t0):6.0f} MiB/s   pull (4 ranges) {t2 - t1:6.2f} s = {mib / (t2 - t1):6.0f} MiB/s")
PY
  # Of the push, the completion request: assembling (folder) or read-back, verify and copy (S3).
  grep -o '_multipart_complete → 200 in [0-9.]* ms' "$work/$name.log" | sed "s/^/  $name: /" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
run folder
db="sreg_bench_$$"; bucket="sreg-bench-$$"
run s3 Database__Provider=PostgreSql "ConnectionStrings__Registry=$pg;Database=$db" BlobStore__Kind=S3 BlobStore__S3__ServiceUrl="$s3" \
  BlobStore__S3__Bucket="$bucket" BlobStore__S3__AccessKey=TESTACCESSKEY BlobStore__S3__SecretKey=TESTSECRETKEY0123456789 BlobStore__S3__CreateBucket=true
echo "(the S3 bucket $bucket and database $db are left behind for inspection; throwaway test services only)"
