#!/usr/bin/env bash
# OCI blob push and pull on the same bytes (issue 18 item 7): SRegistry's /v2/ beside Debian's docker-registry
# (CNCF distribution 2.8) and nginx (WebDAV PUT, static GET). Push: monolithic (POST, one PUT with the whole body and
# ?digest=) and chunked (POST, 5 MiB PATCHes with Content-Range, PUT ?digest=, as the Singularity/Apptainer clients
# send it, by the Go driver in SRegistry.Tests/EndToEnd/OciClient). Pull: one whole GET, and ranged GETs of 5 MiB,
# 3 at a time (the clients' default). nginx has no uploads protocol: its push is one PUT (both rows), its ranged
# pull is the same ranged GETs. Every figure in MB/s, median of BENCH_REPEAT, with its ratio to nginx.
#
# Usage: bench/oci.sh   Env: SIZE (MiB, 256), BENCH_REPEAT (3), OCI_RESULTS (append TSV rows there too).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size=${SIZE:-256}
repeat=${BENCH_REPEAT:-3}
chunk=$((5 * 1024 * 1024))
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
missing=()
for package in nginx docker-registry golang-go golang-github-containers-image-dev curl; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; }

work=$(mktemp -d /var/tmp/sreg-oci.XXXXXX)
chmod 755 "$work"
results=${OCI_RESULTS:-$work/results.tsv}
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx/nginx.pid" ] && kill "$(cat "$work/nginx/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# The helpers of bench/peers.sh: a free port, MB/s, a timed command, the median over BENCH_REPEAT runs.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mbps() { python3 -c "import sys; print(f'{int(sys.argv[1])/1e6/float(sys.argv[2]):.1f}')" "$1" "$2"; }
timed() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N); python3 -c "print(f'{$t1-$t0:.3f}')"; }
median() { # FUNCTION ARGS... -> median seconds over BENCH_REPEAT runs, each after a sync
  local fn=$1 times=() i; shift
  for i in $(seq 1 "$repeat"); do sync; times+=("$("$fn" "$i" "$@")"); done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
declare -A base
rate=""
record() { # OPERATION TARGET SECONDS [BASE_KEY]: prints MB/s and its ratio to the nginx figure named BASE_KEY; sets $rate
  local ratio=""
  rate=$(mbps "$bytes" "$3")
  [ -n "${4:-}" ] && [ -n "${base[$4]:-}" ] && ratio=$(python3 -c "print(f'{$rate/${base[$4]}:.2f}')")
  printf 'oci\t%s\t%s\t%s\tMB/s\t%s\n' "$1" "$2" "$rate" "$ratio" >>"$results"
  printf '  %-34s %-14s %9s MB/s %6s\n' "$1" "$2" "$rate" "${ratio:+${ratio}x}"
}

dotnet build SRegistry.Web -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
app="$root/SRegistry.Web/bin/Release/net10.0/SRegistry.Web.dll"
SRegistry.Tests/EndToEnd/OciClient/build.sh "$work/oci-driver"
driver="$work/oci-driver"

# --- nginx: WebDAV PUT and static GET of the same file ---
mkdir -p "$work/nginx"/{www,tmp,logs}
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
    location /www/ { alias $work/nginx/www/; dav_methods PUT DELETE; create_full_put_path on; }
  }
}
CONF
nginx -c "$work/nginx/nginx.conf"
nginx_url="http://127.0.0.1:$nginx_port"

# --- docker-registry on a loopback port, filesystem storage, deletes on (so each push starts from nothing) ---
dr_port=$(free_port)
cat >"$work/dr.yml" <<YML
version: 0.1
log: { level: error, accesslog: { disabled: true } }
storage: { filesystem: { rootdirectory: $work/dr }, delete: { enabled: true } }
http: { addr: 127.0.0.1:$dr_port }
YML
docker-registry serve "$work/dr.yml" >"$work/dr.log" 2>&1 & pids+=("$!")
until curl -sf "http://127.0.0.1:$dr_port/v2/" >/dev/null; do sleep 0.2; done

# --- SRegistry in Production, as bench/peers.sh starts it; its API token is the bearer token OCI requests carry ---
sreg_port=$(free_port)
mkdir -p "$work/sreg"
sreg_env=(Registry__DataPath="$work/sreg/data" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning)
token=$(env "${sreg_env[@]}" dotnet "$app" token create --user bench | tail -n 1)
env "${sreg_env[@]}" dotnet "$app" --urls "http://127.0.0.1:$sreg_port" >"$work/sreg/server.log" 2>&1 & pids+=("$!")
until curl -sf "http://127.0.0.1:$sreg_port/healthz" >/dev/null; do sleep 0.2; done

blob="$work/blob.bin"
head -c $((size * 1024 * 1024)) /dev/urandom >"$blob"
bytes=$(stat -c %s "$blob"); hex=$(sha256sum "$blob" | cut -d' ' -f1)
cat "$blob" >/dev/null

# TARGET -> host, repository (push i gets its own, so no push finds the blob already there), auth header
host_of() { case $1 in sregistry) echo "127.0.0.1:$sreg_port";; distribution) echo "127.0.0.1:$dr_port";; esac; }
auth_of() { [ "$1" = sregistry ] && echo "Authorization: Bearer $token" || echo "X-No-Auth: 1"; }
repo_of() { echo "bench/oci$2/blob"; }

push_monolithic() { # RUN TARGET
  local t0 t1 location host; host=$(host_of "$2")
  t0=$(date +%s.%N)
  location=$(curl -sf -o /dev/null -D - -X POST -H "$(auth_of "$2")" "http://$host/v2/$(repo_of "$2" "m$1")/blobs/uploads/" |
    awk 'tolower($1) == "location:" {print $2}' | tr -d '\r')
  case $location in http*) ;; *) location="http://$host$location";; esac
  case $location in *\?*) location="$location&digest=sha256:$hex";; *) location="$location?digest=sha256:$hex";; esac
  curl -sf -o /dev/null -X PUT -H "$(auth_of "$2")" -H 'Content-Type: application/octet-stream' -T "$blob" "$location"
  t1=$(date +%s.%N)
  python3 -c "print(f'{$t1-$t0:.3f}')"
}
push_chunked() { # RUN TARGET
  local bearer=(); [ "$2" = sregistry ] && bearer=(-bearer "$token")
  timed "$driver" -registry "$(host_of "$2")" -repo "$(repo_of "$2" "c$1")" "${bearer[@]}" push-chunked "$blob" "$chunk"
}
push_nginx() { local s; s=$(timed curl -sf -o /dev/null -T "$blob" "$nginx_url/www/put-$1.bin"); rm -f "$work/nginx/www/put-$1.bin"; echo "$s"; }

blob_url() { # TARGET
  case $1 in nginx) echo "$nginx_url/www/blob.bin";; *) echo "http://$(host_of "$1")/v2/$(repo_of "$1" m1)/blobs/sha256:$hex";; esac
}
pull_whole() { timed curl -sf -L -o /dev/null -H "$(auth_of "$2")" "$(blob_url "$2")"; }
for ((o = 0; o < bytes; o += chunk)); do echo "$o-$((o + chunk - 1 < bytes - 1 ? o + chunk - 1 : bytes - 1))"; done >"$work/ranges"
pull_ranged() { # 5 MiB ranges, 3 requests at a time
  timed xargs -a "$work/ranges" -P 3 -I R curl -sf -L -o /dev/null -H "$(auth_of "$2")" -r R "$(blob_url "$2")"
}

echo "Machine: $(nproc) cores, $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load $(cut -d' ' -f1-3 /proc/loadavg); blob $size MiB, median of $repeat"
printf '  %-34s %-14s %9s      %s\n' operation target rate "vs nginx"
record "push (one PUT)" nginx "$(median push_nginx)"; base[push]=$rate
for target in distribution sregistry; do record "push monolithic (POST, PUT)" "$target" "$(median push_monolithic "$target")" push; done
for target in distribution sregistry; do record "push chunked (5 MiB PATCHes)" "$target" "$(median push_chunked "$target")" push; done
cp "$blob" "$work/nginx/www/blob.bin"
record "pull whole (GET)" nginx "$(median pull_whole nginx)"; base[whole]=$rate
for target in distribution sregistry; do record "pull whole (GET)" "$target" "$(median pull_whole "$target")" whole; done
record "pull ranged (5 MiB x 3)" nginx "$(median pull_ranged nginx)"; base[ranged]=$rate
for target in distribution sregistry; do record "pull ranged (5 MiB x 3)" "$target" "$(median pull_ranged "$target")" ranged; done
# The bytes each registry serves are the bytes pushed.
for target in distribution sregistry; do
  [ "$(curl -sf -L -H "$(auth_of "$target")" "$(blob_url "$target")" | sha256sum | cut -d' ' -f1)" = "$hex" ] || { echo "$target served other bytes" >&2; exit 1; }
done
