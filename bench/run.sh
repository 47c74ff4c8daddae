#!/usr/bin/env bash
# The benchmark suite in one command: push and pull against nginx (the machine's limit), image lookups and pages
# under wrk, memory while streaming, and cost growth from 1x to 10x the metadata. Prints every figure as it goes
# and writes docs/benchmarks.md and docs/benchmarks-throughput.png.
#
# Usage: bench/run.sh                     sizes 1024 and 4096 MiB (about 10 minutes on 2 cores)
#        BENCH_SIZES="256" bench/run.sh   a quick run
# Env: BENCH_WRK_SECONDS (10), BENCH_META_BASE collections at 1x (1000; 10x is ten times that, 10 images each),
#      BENCH_META=0 skips the metadata part, BENCH_PEERS=0 the peers part (bench/peers.sh; BENCH_PEERS_SIZE MiB,
#      1024; STORM_SIZE, STORM_CLIENTS pass through).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
sizes=${BENCH_SIZES:-"1024 4096"}
wrk_seconds=${BENCH_WRK_SECONDS:-10}
meta_base=${BENCH_META_BASE:-1000}
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=()
for package in nginx wrk gnuplot-nox siftool golang-go golang-github-apptainer-container-library-client-dev curl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /var/tmp/sreg-bench.XXXXXX)
chmod 755 "$work"
results="$work/results.tsv"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$results"; printf '  %-44s %10s %s\n' "$1 ($2)" "$3" "$4"; }
mbps() { python3 -c "import sys; print(f'{int(sys.argv[1])/1e6/float(sys.argv[2]):.1f}')" "$1" "$2"; }
timed() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); python3 -c "print(f'{$t1-$t0:.3f}')"; }
sha_of() { sha256sum "$1" | cut -d' ' -f1; }

echo "Building (Release) and the library-client driver..."
dotnet build SRegistry.Web -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
app="$root/SRegistry.Web/bin/Release/net10.0/SRegistry.Web.dll"
SRegistry.Tests/EndToEnd/LibraryClient/build.sh "$work/driver"
driver="$work/driver"

# --- nginx: a static GET and a WebDAV PUT writing to the same disk as the registry's data folder ---
mkdir -p "$work/nginx"/{www,put,tmp,logs}
nginx_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_max_body_size 0;
  client_body_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    location /www/ { alias $work/nginx/www/; }
    location /put/ { alias $work/nginx/put/; dav_methods PUT; create_full_put_path on; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf"
nginx_url="http://127.0.0.1:$nginx_port"

# --- the registry, Production, Release; a second instance with multipart off measures the client's single-part path ---
start_registry() { # NAME PORT [extra env...]
  local name=$1 port=$2; shift 2
  mkdir -p "$work/$name"
  env Registry__DataPath="$work/$name/data" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning "$@" \
    dotnet "$app" --urls "http://127.0.0.1:$port" >"$work/$name/server.log" 2>&1 &
  echo $! >"$work/$name/pid"
  pids+=("$!")
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
}
stop_registry() { kill "$(cat "$work/$1/pid")"; wait "$(cat "$work/$1/pid")" 2>/dev/null || true; }
token_for() { env Registry__DataPath="$work/$1/data" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$app" token create --user bench | tail -n 1; }

token=$(token_for main)
single_token=$(token_for single)
main_port=$(free_port); start_registry main "$main_port"
single_port=$(free_port); start_registry single "$single_port" Registry__MultipartUploads=false
url="http://127.0.0.1:$main_port"
single_url="http://127.0.0.1:$single_port"
main_pid=$(cat "$work/main/pid")

# Peak RSS of the main registry while a command runs, minus its RSS just before: what streaming costs.
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$main_pid/status"; }
with_rss() { # OUT_FILE command...
  local out=$1; shift
  local before peak sampler
  before=$(rss_kb)
  ( peak=0; while true; do r=$(rss_kb); [ "$r" -gt "$peak" ] && peak=$r && echo "$peak" >"$out.peak"; sleep 0.05; done ) &
  sampler=$!
  "$@"
  kill "$sampler"; wait "$sampler" 2>/dev/null || true
  echo "$before $(cat "$out.peak" 2>/dev/null || echo "$before")" >"$out"
}

make_sif() { # PATH MIB
  head -c $(($2 * 1024 * 1024)) /dev/urandom >"$work/payload"
  siftool new "$1" >/dev/null && siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 "$1" "$work/payload" >/dev/null
  rm "$work/payload"
}

echo
echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC')"
printf 'machine\t-\t%s cores, %s\t-\n' "$(nproc)" "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)" >"$results"
printf 'date\t-\t%s\t-\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" >>"$results"

# Each transfer runs BENCH_REPEAT times and the median counts: the disk's write-back makes single runs vary by
# a third. Every run starts after a sync, so none pays for the dirty pages of the one before.
repeat=${BENCH_REPEAT:-3}
median() { # FUNCTION ARGS... -> median seconds of FUNCTION RUN_NUMBER ARGS...
  local fn=$1 times=() i
  shift
  for i in $(seq 1 "$repeat"); do sync; times+=("$("$fn" "$i" "$@")"); done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
seconds_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; }
run_sha() { timed sha256sum "$sif"; }
run_nginx_put() { local s; s=$(timed curl -sf -o /dev/null -T "$sif" "$nginx_url/put/image.sif"); rm -f "$work/nginx/put/image.sif"; echo "$s"; }
run_nginx_get() { local s; s=$(timed curl -sf -o "$work/out.sif" "$nginx_url/www/image.sif"); rm -f "$work/out.sif"; echo "$s"; }
run_push_multipart() { "$driver" -url "$url" -token "$token" push "$sif" "bench/bench/multi-$size-$1" 2>>"$work/driver.log" | seconds_of; }
run_push_single() { "$driver" -url "$single_url" -token "$single_token" push "$sif" "bench/bench/single-$size-$1" 2>>"$work/driver.log" | seconds_of; }
run_push_curl() { python3 bench/lib/curl_push.py "$url" "$token" "$sif" "bench/curl-$size-$1"; }
run_pull() { # RUN CONCURRENCY
  local s
  s=$("$driver" -url "$url" -token "$token" pull "bench/bench/multi-$size-1" latest "$work/out.sif" -concurrency "$2" \
      -part-size $((16 * 1024 * 1024)) 2>>"$work/driver.log" | seconds_of)
  [ "$(sha_of "$work/out.sif")" = "$expected" ] || { echo "pulled bytes differ" >&2; exit 1; }
  rm -f "$work/out.sif"
  echo "$s"
}
run_pull_curl() {
  local s
  s=$(timed curl -sfL -H "Authorization: Bearer $token" -o "$work/out.sif" "$url/v1/imagefile/bench/bench/multi-$size-1:latest?arch=amd64")
  [ "$(sha_of "$work/out.sif")" = "$expected" ] || { echo "curl pulled bytes differ" >&2; exit 1; }
  rm -f "$work/out.sif"
  echo "$s"
}
run_pull_curl_ranged() { # four curls, one quarter each, written into one file at their offsets (what the ranged client does)
  local location quarter t0 t1 i
  location=$(curl -sf -o /dev/null -w '%{redirect_url}' -H "Authorization: Bearer $token" "$url/v1/imagefile/bench/bench/multi-$size-1:latest?arch=amd64")
  quarter=$(( (bytes + 3) / 4 ))
  truncate -s "$bytes" "$work/out.sif"
  t0=$(date +%s.%N)
  for i in 0 1 2 3; do
    curl -sf -r "$((i * quarter))-$(( (i + 1) * quarter - 1 ))" "$location" | dd of="$work/out.sif" bs=4M seek=$((i * quarter)) oflag=seek_bytes conv=notrunc status=none &
  done
  wait
  t1=$(date +%s.%N)
  [ "$(sha_of "$work/out.sif")" = "$expected" ] || { echo "ranged curl bytes differ" >&2; exit 1; }
  rm -f "$work/out.sif"
  python3 -c "print(f'{$t1-$t0:.3f}')"
}

for size in $sizes; do
  echo
  echo "== $size MiB image (median of $repeat runs) =="
  sif="$work/image-$size.sif"
  make_sif "$sif" "$size"
  bytes=$(stat -c %s "$sif")
  expected=$(sha_of "$sif")
  cat "$sif" >/dev/null # every run reads the source from the page cache, as the tools below would after the first

  record "sha256sum" "$size" "$(mbps "$bytes" "$(median run_sha)")" MB/s
  record "nginx PUT" "$size" "$(mbps "$bytes" "$(median run_nginx_put)")" MB/s
  cp "$sif" "$work/nginx/www/image.sif"
  record "nginx GET" "$size" "$(mbps "$bytes" "$(median run_nginx_get)")" MB/s
  rm -f "$work/nginx/www/image.sif"

  with_rss "$work/rss-push" median run_push_multipart >"$work/push.seconds"
  record "push real client multipart" "$size" "$(mbps "$bytes" "$(cat "$work/push.seconds")")" MB/s
  read -r before peak <"$work/rss-push"
  record "RSS growth push" "$size" "$(( (peak - before) / 1024 ))" MB
  record "push real client single-part" "$size" "$(mbps "$bytes" "$(median run_push_single)")" MB/s
  record "push curl single-part" "$size" "$(mbps "$bytes" "$(median run_push_curl)")" MB/s

  with_rss "$work/rss-pull" median run_pull 0 >"$work/pull.seconds"
  record "pull real client single stream" "$size" "$(mbps "$bytes" "$(cat "$work/pull.seconds")")" MB/s
  read -r before peak <"$work/rss-pull"
  record "RSS growth pull" "$size" "$(( (peak - before) / 1024 ))" MB
  record "pull real client 4 ranged streams" "$size" "$(mbps "$bytes" "$(median run_pull 4)")" MB/s
  record "pull curl" "$size" "$(mbps "$bytes" "$(median run_pull_curl)")" MB/s
  record "pull curl 4 ranges" "$size" "$(mbps "$bytes" "$(median run_pull_curl_ranged)")" MB/s
  rm -f "$sif"
  # Free the disk for the next size: the driver deletes by reference, the blob goes with its last image.
  for i in $(seq 1 "$repeat"); do
    "$driver" -url "$url" -token "$token" delete "bench/bench/multi-$size-$i:sha256.$expected" -arch amd64 >/dev/null 2>&1 || true
    "$driver" -url "$url" -token "$token" delete "bench/bench/curl-$size-$i:sha256.$expected" -arch amd64 >/dev/null 2>&1 || true
    "$driver" -url "$single_url" -token "$single_token" delete "bench/bench/single-$size-$i:sha256.$expected" -arch amd64 >/dev/null 2>&1 || true
  done
done
stop_registry single

# --- metadata: lookups and pages under wrk, at 1x and 10x the data ---
lookup_lua="$root/bench/lib/lookup.lua"
wrk_run() { # LABEL SCALE PATH_OR_SCRIPT
  local out
  if [ "${3:0:1}" = "/" ] && [ -f "$3" ]; then
    out=$(BENCH_COLLECTIONS=$collections wrk -t2 -c64 -d"${wrk_seconds}s" --latency -s "$3" "$url" 2>&1)
  else
    out=$(wrk -t2 -c64 -d"${wrk_seconds}s" --latency "$url$3" 2>&1)
  fi
  local rps p99 errors
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  errors=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  record "$1 rps" "$2" "${rps%.*}" req/s
  record "$1 p99" "$2" "$p99" latency
  [ -z "$errors" ] || record "$1 non-2xx" "$2" "$errors" responses
}
# Tiered JIT keeps recompiling hot code for the first seconds under load: measure after it settles.
warm_up() {
  for path in /version /collections; do wrk -t1 -c8 -d4s "$url$path" >/dev/null; done
  BENCH_COLLECTIONS=$collections wrk -t1 -c8 -d6s -s "$lookup_lua" "$url" >/dev/null
  # Every image asked for once, so "image lookup" measures answers from a warm cache (the "cache off" run measures misses).
  # wrk has no request count: the script stops its thread at the end, and the run lasts long enough for ~2k misses/s.
  BENCH_COLLECTIONS=$collections BENCH_SEQUENTIAL=1 wrk -t1 -c8 -d$((collections * 10 / 2000 + 10))s -s "$lookup_lua" "$url" >/dev/null
}
scales="1 10"
[ "${BENCH_META:-1}" = 0 ] && scales=""
for scale in $scales; do
  # New bytes at each scale: the same file again would be recognised and not uploaded.
  small="$work/small-$scale.sif"
  make_sif "$small" 64
  small_bytes=$(stat -c %s "$small")
  collections=$((meta_base * scale))
  stop_registry main
  already=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT COUNT(*) FROM Collections WHERE Name LIKE 'meta-%'\").fetchone()[0])" "$work/main/data/registry.db")
  python3 bench/lib/seed_metadata.py "$work/main/data/registry.db" $((collections - already)) 10 >/dev/null
  # A lifetime longer than the warm-up and the runs, so the warm cache stays warm while it is measured.
  start_registry main "$main_port" Registry__LookupCacheLifetime=00:05:00
  main_pid=$(cat "$work/main/pid")
  echo
  echo "== metadata at ${scale}x: $collections collections, $((collections * 10)) images =="
  rss_fresh=$(rss_kb)
  warm_up
  wrk_run "trivial endpoint /version" "${scale}x" /version
  wrk_run "image lookup" "${scale}x" "$lookup_lua"
  # What the lookup cache holds after every image has been asked for about twice.
  record "RSS growth lookups" "${scale}x" "$(( ($(rss_kb) - rss_fresh) / 1024 ))" MB
  wrk_run "collections page" "${scale}x" /collections
  # The same lookups with the lookup cache off: what every first lookup of an image costs.
  stop_registry main
  start_registry main "$main_port" Registry__LookupCacheLifetime=00:00:00
  main_pid=$(cat "$work/main/pid")
  warm_up
  wrk_run "image lookup, cache off" "${scale}x" "$lookup_lua"
  stop_registry main
  start_registry main "$main_port"
  main_pid=$(cat "$work/main/pid")
  s=$("$driver" -url "$url" -token "$token" push "$small" "bench/scale-$scale/tool" 2>>"$work/driver.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
  record "push 64 MiB" "${scale}x" "$(mbps "$small_bytes" "$s")" MB/s
  s=$("$driver" -url "$url" -token "$token" pull "bench/scale-$scale/tool" latest "$work/out.sif" 2>>"$work/driver.log" | python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
  record "pull 64 MiB" "${scale}x" "$(mbps "$small_bytes" "$s")" MB/s
  rm -f "$work/out.sif"
done

# --- peers on the same bytes in one run: docker-registry, nginx, SRegistry direct and behind nginx (bench/peers.sh) ---
if [ "${BENCH_PEERS:-1}" != 0 ]; then
  echo; echo "== peers (bench/peers.sh) =="
  PEERS_RESULTS="$results" SIZE="${BENCH_PEERS_SIZE:-1024}" bench/peers.sh
fi

python3 bench/lib/report.py "$results" docs/benchmarks.md docs/benchmarks-throughput.png
echo
echo "Wrote docs/benchmarks.md and docs/benchmarks-throughput.png"
