#!/usr/bin/env bash
# The registry beside its peers in one run, on the same bytes: nginx (static GET, WebDAV PUT), Debian's
# docker-registry (CNCF distribution 2.8, monolithic blob upload and blob GET), SRegistry direct and SRegistry behind
# nginx with Registry:Downloads:Offload=XAccelRedirect; sha256sum beside openssl; pull storms (16 and 64 clients,
# whole and ranged) with aggregate MB/s and p99; the real library client against a sink that discards (its ceiling);
# and what durability (FlushToDisk) and the counted lookup + 303 cost. Every figure also as a ratio to nginx.
#
# Usage: bench/peers.sh   Env: SIZE (MiB, 1024), STORM_SIZE (MiB, 256), BENCH_REPEAT (3), STORM_CLIENTS ("16 64"),
#        PEERS_RESULTS (append TSV rows there too, as bench/run.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size=${SIZE:-1024}
storm_size=${STORM_SIZE:-256}
repeat=${BENCH_REPEAT:-3}
storm_clients=${STORM_CLIENTS:-"16 64"}
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
missing=()
for package in nginx docker-registry openssl siftool golang-go golang-github-apptainer-container-library-client-dev curl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }

work=$(mktemp -d /var/tmp/sreg-peers.XXXXXX)
chmod 755 "$work"
results=${PEERS_RESULTS:-$work/results.tsv}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mbps() { python3 -c "import sys; print(f'{int(sys.argv[1])/1e6/float(sys.argv[2]):.1f}')" "$1" "$2"; }
timed() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); python3 -c "print(f'{$t1-$t0:.3f}')"; }
median() { # FUNCTION ARGS... -> median seconds over BENCH_REPEAT runs, each after a sync
  local fn=$1 times=() i; shift
  for i in $(seq 1 "$repeat"); do sync; times+=("$("$fn" "$i" "$@")"); done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
declare -A base
record() { # GROUP LABEL VALUE UNIT [BASE_KEY] [P99] [CPU]: prints the figure and its ratio to the nginx figure named BASE_KEY
  local ratio=""
  [ -n "${5:-}" ] && [ -n "${base[$5]:-}" ] && ratio=$(python3 -c "print(f'{$3/${base[$5]}:.2f}')")
  printf 'peers\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$ratio" "${6:-}" "${7:-}" >>"$results"
  printf '  %-58s %9s %-5s %6s %s %s\n' "$1: $2" "$3" "$4" "${ratio:+${ratio}x}" "${6:+p99 ${6}s}" "${7:-}"
}
# Busy CPU seconds of the whole machine (all cores) since boot: the storms compare servers with the same clients, so
# the difference in busy seconds per GiB served is what each server's path costs (and 100% busy means CPU-bound).
busy_seconds() { awk -v hz="$(getconf CLK_TCK)" '/^cpu / {print ($2 + $3 + $4 + $7 + $8) / hz}' /proc/stat; }

dotnet build SRegistry.Web -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
app="$root/SRegistry.Web/bin/Release/net10.0/SRegistry.Web.dll"
SRegistry.Tests/EndToEnd/LibraryClient/build.sh "$work/driver"
driver="$work/driver"

# --- nginx: static files, WebDAV PUT, a discarding sink for the client's ceiling, and the proxy in front of SRegistry ---
mkdir -p "$work/nginx"/{www,put,tmp,logs}
nginx_port=$(free_port); proxy_port=$(free_port); sreg_port=$(free_port); sink_port=$(free_port)
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
  proxy_temp_path $work/nginx/tmp;
  server {
    listen 127.0.0.1:$nginx_port;
    location /www/ { alias $work/nginx/www/; }
    location /put/ { alias $work/nginx/put/; dav_methods PUT; create_full_put_path on; }
    location /sink/ { add_header ETag '"sink"' always; return 200; }
  }
  server { # docs/deploy.md §1.1 and §1.8
    listen 127.0.0.1:$proxy_port;
    proxy_http_version 1.1;
    proxy_set_header Host \$http_host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto \$scheme;
    proxy_set_header X-Forwarded-Host \$http_host;
    location /_blobs/ { proxy_pass http://127.0.0.1:$sreg_port; proxy_request_buffering off; proxy_buffering off; }
    location / { proxy_pass http://127.0.0.1:$sreg_port; }
    location /_blobfiles/ { internal; alias $work/sreg/data/blobs/; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf"
nginx_url="http://127.0.0.1:$nginx_port"

# --- docker-registry on a loopback port, filesystem storage ---
dr_port=$(free_port)
cat >"$work/dr.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/dr }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$dr_port }
YML
docker-registry serve "$work/dr.yml" >"$work/dr.log" 2>&1 & pids+=("$!")
dr_url="http://127.0.0.1:$dr_port"
until curl -sf "$dr_url/v2/" >/dev/null; do sleep 0.2; done

# --- SRegistry: one instance serves direct requests itself and hands proxied downloads to nginx ---
start_registry() { # NAME PORT ENV...
  local name=$1 port=$2; shift 2
  mkdir -p "$work/$name"
  env Registry__DataPath="$work/$name/data" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning "$@" \
    dotnet "$app" --urls "http://127.0.0.1:$port" >"$work/$name/server.log" 2>&1 &
  echo $! >"$work/$name/pid"; pids+=("$!")
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
}
token_for() { env Registry__DataPath="$work/$1/data" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning dotnet "$app" token create --user bench | tail -n 1; }
token=$(token_for sreg)
start_registry sreg "$sreg_port" Registry__TrustedProxies__0=127.0.0.1 Registry__Downloads__Offload=XAccelRedirect
sreg_url="http://127.0.0.1:$sreg_port"
proxy_url="http://127.0.0.1:$proxy_port"
nosync_port=$(free_port); nosync_token=$(token_for nosync)
start_registry nosync "$nosync_port" BlobStore__FlushToDisk=false
for u in "$sreg_url $token" "http://127.0.0.1:$nosync_port $nosync_token"; do
  set -- $u; curl -sf -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d '{"name":"bench"}' "$1/v1/collections" >/dev/null
done

make_sif() { # PATH MIB
  head -c $(($2 * 1024 * 1024)) /dev/urandom >"$work/payload"
  siftool new "$1" >/dev/null && siftool add --datatype 4 --parttype 2 --partfs 1 --partarch 2 "$1" "$work/payload" >/dev/null
  rm "$work/payload"
}
sif="$work/image.sif"; make_sif "$sif" "$size"; bytes=$(stat -c %s "$sif")
hex=$(sha256sum "$sif" | cut -d' ' -f1)
cat "$sif" >/dev/null
echo "Machine: $(nproc) cores, $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg); image $size MiB, median of $repeat"
printf 'peers-info\tload\t%s\npeers-info\tsize\t%s\npeers-info\tstorm size\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$size" "$storm_size" >>"$results"

# --- push: the same file to each ---
run_nginx_put() { local s; s=$(timed curl -sf -o /dev/null -T "$sif" "$nginx_url/put/image.sif"); rm -f "$work/nginx/put/image.sif"; echo "$s"; }
run_dr_put() { # monolithic: POST for the session, one PUT with the whole body and ?digest=
  local t0 t1 location
  rm -rf "$work/dr/docker/registry/v2/blobs"
  t0=$(date +%s.%N)
  location=$(curl -sf -o /dev/null -D - -X POST "$dr_url/v2/bench/image/blobs/uploads/" | awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' -T "$sif" "$location&digest=sha256:$hex"
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1-$t0:.3f}')"
}
run_sreg_curl() { python3 bench/lib/curl_push.py "$1" "$2" "$sif" "bench/curl-$3-$4"; }
run_curl_direct() { run_sreg_curl "$sreg_url" "$token" direct "$1"; }
run_curl_proxy() { run_sreg_curl "$proxy_url" "$token" proxy "$1"; }
run_curl_nosync() { run_sreg_curl "http://127.0.0.1:$nosync_port" "$nosync_token" nosync "$1"; }
seconds_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["seconds"])'; }
run_client() { "$driver" -url "$sreg_url" -token "$token" push "$sif" "bench/bench/client-$1" 2>>"$work/driver.log" | seconds_of; }
run_sink() { "$driver" -url "http://127.0.0.1:$sink_port" -token sink push "$sif" "bench/bench/sink-$1" 2>>"$work/driver.log" | seconds_of; }
run_curl_sink() { timed curl -sf -o /dev/null -T "$sif" "$nginx_url/sink/whole"; }

echo "== hashing and push ($size MiB) =="
base[put]=$(mbps "$bytes" "$(median run_nginx_put)"); record push "nginx PUT (WebDAV)" "${base[put]}" MB/s put
run_sha() { timed sha256sum "$sif"; }
run_openssl() { timed openssl dgst -sha256 "$sif"; }
record hash "sha256sum" "$(mbps "$bytes" "$(median run_sha)")" MB/s put
record hash "openssl dgst -sha256" "$(mbps "$bytes" "$(median run_openssl)")" MB/s put
record push "docker-registry monolithic POST+PUT ?digest=" "$(mbps "$bytes" "$(median run_dr_put)")" MB/s put
record push "SRegistry curl single-part, direct (FlushToDisk on)" "$(mbps "$bytes" "$(median run_curl_direct)")" MB/s put
record push "SRegistry curl single-part, FlushToDisk=false" "$(mbps "$bytes" "$(median run_curl_nosync)")" MB/s put
record push "SRegistry curl single-part, through nginx" "$(mbps "$bytes" "$(median run_curl_proxy)")" MB/s put
record push "real client multipart -> SRegistry" "$(mbps "$bytes" "$(median run_client)")" MB/s put
record push "curl -> discarding sink (the sink's ceiling)" "$(mbps "$bytes" "$(median run_curl_sink)")" MB/s put
python3 bench/lib/sink.py "$sink_port" "$nginx_url/sink" multipart & pids+=("$!")
until curl -sf "http://127.0.0.1:$sink_port/version" >/dev/null; do sleep 0.1; done
record push "real client multipart -> sink (client's ceiling)" "$(mbps "$bytes" "$(median run_sink)")" MB/s put
kill "${pids[-1]}"; sink_port=$(free_port)
python3 bench/lib/sink.py "$sink_port" "$nginx_url/sink" single & pids+=("$!")
until curl -sf "http://127.0.0.1:$sink_port/version" >/dev/null; do sleep 0.1; done
record push "real client single-part -> sink (client's ceiling)" "$(mbps "$bytes" "$(median run_sink)")" MB/s put

# --- one-client pulls of the same bytes ---
cp "$sif" "$work/nginx/www/image.sif"
pull_url="$sreg_url/v1/imagefile/bench/bench/client-1:latest?arch=amd64"
location=$(curl -sf -o /dev/null -w '%{redirect_url}' -H "Authorization: Bearer $token" "$pull_url")
proxy_location=$(curl -sf -o /dev/null -w '%{redirect_url}' -H "Authorization: Bearer $token" "$proxy_url/v1/imagefile/bench/bench/client-1:latest?arch=amd64")
check() { [ "$(sha256sum "$work/out" | cut -d' ' -f1)" = "$hex" ] || { echo "pulled bytes differ: $*" >&2; exit 1; }; rm -f "$work/out"; }
run_get() { local s; s=$(timed curl -sf "${@:2}" -o "$work/out"); check "${@:2}"; echo "$s"; }
run_client_pull() { local s; s=$("$driver" -url "$1" -token "$token" pull bench/bench/client-1 latest "$work/out" -concurrency "$2" -part-size $((16 << 20)) 2>>"$work/driver.log" | seconds_of); check client; echo "$s"; }
pull_client_direct() { run_client_pull "$sreg_url" 0; }
pull_client_proxy() { run_client_pull "$proxy_url" 4; }
echo "== one-client pull ($size MiB, written to disk, checked) =="
base[get]=$(mbps "$bytes" "$(median run_get "$nginx_url/www/image.sif")"); record pull "nginx static GET" "${base[get]}" MB/s get
record pull "docker-registry blob GET" "$(mbps "$bytes" "$(median run_get "$dr_url/v2/bench/image/blobs/sha256:$hex")")" MB/s get
record pull "SRegistry direct, curl -L (lookup + 303 + bytes)" "$(mbps "$bytes" "$(median run_get -L -H "Authorization: Bearer $token" "$pull_url")")" MB/s get
record pull "SRegistry direct, download URL only" "$(mbps "$bytes" "$(median run_get "$location")")" MB/s get
record pull "SRegistry behind nginx, XAccelRedirect" "$(mbps "$bytes" "$(median run_get "$proxy_location")")" MB/s get
record pull "real client single stream, direct" "$(mbps "$bytes" "$(median pull_client_direct)")" MB/s get
record pull "real client 4 ranged streams, behind nginx offload" "$(mbps "$bytes" "$(median pull_client_proxy)")" MB/s get

# --- pull storms on a smaller image (64 clients x STORM_SIZE each) ---
rm -f "$work/nginx/www/image.sif" "$sif"
small="$work/storm.sif"; make_sif "$small" "$storm_size"; small_bytes=$(stat -c %s "$small")
small_hex=$(sha256sum "$small" | cut -d' ' -f1)
cp "$small" "$work/nginx/www/storm.sif"
location=$(curl -sf -D - -o /dev/null -X POST "$dr_url/v2/bench/storm/blobs/uploads/" | awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
curl -sf -o /dev/null -X PUT -T "$small" "$location&digest=sha256:$small_hex"
"$driver" -url "$sreg_url" -token "$token" push "$small" bench/bench/storm 2>>"$work/driver.log" >/dev/null
rm -f "$small"
storm_pull="$sreg_url/v1/imagefile/bench/bench/storm:latest?arch=amd64"
storm_location=$(curl -sf -o /dev/null -w '%{redirect_url}' -H "Authorization: Bearer $token" "$storm_pull")
storm_proxy=$(curl -sf -o /dev/null -w '%{redirect_url}' -H "Authorization: Bearer $token" "$proxy_url/v1/imagefile/bench/bench/storm:latest?arch=amd64")
storm() { # LABEL BASE_KEY URL CLIENTS MODE CURL_ARGS...
  local out busy0 busy1 t0 t1 cpu; sync
  busy0=$(busy_seconds); t0=$(date +%s.%N)
  out=$(python3 bench/lib/storm.py "$3" "$small_bytes" "$4" "$5" "${@:6}")
  busy1=$(busy_seconds); t1=$(date +%s.%N)
  cpu=$(python3 -c "g = $small_bytes * $4 / 2**30; print(f'cpu {($busy1 - $busy0) / g:.2f} s/GiB, {100 * ($busy1 - $busy0) / ($(nproc) * ($t1 - $t0)):.0f}% busy')")
  [ "$1" = nginx ] && base[$2]=${out% *}
  record storm "$4 clients $5: $1" "${out% *}" MB/s "$2" "${out#* }" "$cpu"
}
echo "== pull storms ($storm_size MiB each, to /dev/null, byte counts checked) =="
for clients in $storm_clients; do
  for mode in whole ranged; do
    key="storm-$clients-$mode"
    storm nginx "$key" "$nginx_url/www/storm.sif" "$clients" "$mode"
    storm "docker-registry" "$key" "$dr_url/v2/bench/storm/blobs/sha256:$small_hex" "$clients" "$mode"
    storm "SRegistry direct, download URL" "$key" "$storm_location" "$clients" "$mode"
    storm "SRegistry behind nginx, XAccelRedirect" "$key" "$storm_proxy" "$clients" "$mode"
  done
  # What the counted lookup and the 303 cost at this concurrency: every client starts at /v1/imagefile.
  storm "SRegistry direct via /v1/imagefile (lookup, count, 303)" "storm-$clients-whole" "$storm_pull" "$clients" whole -L -H "Authorization: Bearer $token"
done
[ -z "${PEERS_RESULTS:-}" ] || echo "rows appended to $PEERS_RESULTS"
