#!/usr/bin/env bash
# What durability and batched pull counting cost, on this machine:
#  1. push time of one SIF (curl, single-part) with BlobStore:FlushToDisk on and off (fsync before the rename and of
#     the folder after), median of BENCH_REPEAT runs each;
#  2. a pull storm on SQLite with pushes at the same time: PULLERS anonymous pullers and PUSHERS pushers for
#     STORM_SECONDS; prints pulls/s, push errors (must be 0) and whether the stored counts equal the pulls made.
# Usage: bench/durability.sh [SIZE_MIB]   (default 1024)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size=${1:-1024}
repeat=${BENCH_REPEAT:-3}
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for package in siftool curl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || { apt-get update -qq && apt-get install -y -qq "$package" >/dev/null; }
done

work=$(mktemp -d /var/tmp/sreg-durability.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

dotnet build SRegistry.Web -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
app="$root/SRegistry.Web/bin/Release/net10.0/SRegistry.Web.dll"
run_app() { exec env Registry__DataPath="$work/$1/data" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning "${@:2}"; }
start() { # NAME PORT ENV...
  local name=$1 port=$2; shift 2
  mkdir -p "$work/$name"
  ( run_app "$name" "$@" dotnet "$app" --urls "http://127.0.0.1:$port" >"$work/$name/server.log" 2>&1 ) &
  echo $! >"$work/$name/pid"; pids+=("$!")
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
}
token_for() { ( run_app "$1" dotnet "$app" token create --user bench ) | tail -n 1; }
collection() { curl -sf -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$1/v1/collections" >/dev/null; }

sif="$work/image.sif"
head -c $((size * 1024 * 1024)) /dev/urandom >"$work/payload"
siftool new "$sif" >/dev/null && siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 "$sif" "$work/payload" >/dev/null
rm "$work/payload"
bytes=$(stat -c %s "$sif")

echo "Machine: $(nproc) cores, $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'); image $size MiB; median of $repeat"
printf '%-34s %10s %10s\n' "push (curl, single-part)" "seconds" "MB/s"
declare -A medians
for flush in true false; do
  name="flush-$flush"; token=$(token_for "$name"); port=$(free_port)
  start "$name" "$port" BlobStore__FlushToDisk=$flush Registry__MultipartUploads=false
  collection "http://127.0.0.1:$port" "$token"
  times=()
  for i in $(seq 1 "$repeat"); do
    sync
    times+=("$(python3 bench/lib/curl_push.py "http://127.0.0.1:$port" "$token" "$sif" "bench/run-$i")")
  done
  medians[$flush]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%-34s %10s %10.1f\n' "FlushToDisk=$flush" "${medians[$flush]}" "$(python3 -c "print($bytes/1e6/${medians[$flush]})")"
  kill "$(cat "$work/$name/pid")"
done
python3 -c "print(f'fsync cost: {${medians[true]}/${medians[false]}:.2f}x the push time without it')"

echo
token=$(token_for storm); port=$(free_port)
start storm "$port"
collection "http://127.0.0.1:$port" "$token"
python3 bench/lib/pull_storm_counts.py "http://127.0.0.1:$port" "$token" "$work" \
  "${PULLERS:-64}" "${PUSHERS:-5}" "${STORM_SECONDS:-30}" "$(cat "$work/storm/pid")"
