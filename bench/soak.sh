#!/usr/bin/env bash
# Soak: many pullers and a few pushers against one registry on loopback for a while, then the figures that matter for
# keeping people's images safe under load: errors (must be 0), every pulled file verified by SHA-256, requests served,
# bytes moved, and the server's memory over time (must stay flat).
#
# Usage: bench/soak.sh                        50 pullers, 5 pushers, 2 minutes
#        SOAK_SECONDS=10 bench/soak.sh        a quick look
# Env: SOAK_SECONDS (120), SOAK_PULLERS (50), SOAK_PUSHERS (5),
#      SOAK_RSS_GROWTH_MB (64): how far the server's RSS may climb from where it settles (20-30 % of the run, after
#      warm-up) to the last tenth.
# Exit status: 0 when there were no errors and memory stayed flat, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${SOAK_SECONDS:-120}
pullers=${SOAK_PULLERS:-50}
pushers=${SOAK_PUSHERS:-5}
growth_limit_mb=${SOAK_RSS_GROWTH_MB:-64}
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=()
for package in siftool curl python3; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work=$(mktemp -d /var/tmp/sreg-soak.XXXXXX)
server_pid=""
sampler_pid=""
cleanup() {
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null || true
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "Building (Release)..."
dotnet build SRegistry.Web -c Release -v q -nologo -clp:ErrorsOnly >/dev/null
app="$root/SRegistry.Web/bin/Release/net10.0/SRegistry.Web.dll"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
# Small parts so pushes exercise multipart as well as single-part; Production, as deployed.
settings=(Registry__DataPath="$work/data" ASPNETCORE_ENVIRONMENT=Production Logging__LogLevel__Default=Warning
          Registry__PartSizeBytes=$((5 * 1024 * 1024)))
token=$(env "${settings[@]}" dotnet "$app" token create --user soak | tail -n 1)
env "${settings[@]}" dotnet "$app" --urls "$url" >"$work/server.log" 2>&1 &
server_pid=$!
until curl -sf "$url/healthz" >/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.2
done

# The server's resident memory once a second, for the whole run.
( while kill -0 "$server_pid" 2>/dev/null; do
    awk -v t="$(date +%s)" '/VmRSS/ {print t, $2}' "/proc/$server_pid/status" 2>/dev/null || true
    sleep 1
  done ) >"$work/rss.txt" &
sampler_pid=$!

python3 bench/lib/soak.py "$url" "$token" "$work" "$seconds" "$pullers" "$pushers" >"$work/result.json"
kill "$sampler_pid" 2>/dev/null || true
sampler_pid=""
server_errors=$(grep -c -E '^(fail|crit):' "$work/server.log" || true)

python3 - "$work/result.json" "$work/rss.txt" "$growth_limit_mb" "$server_errors" "$pullers" "$pushers" <<'PY'
import json, statistics, sys
result = json.load(open(sys.argv[1]))
samples = [int(line.split()[1]) for line in open(sys.argv[2]) if len(line.split()) == 2]
limit_mb, server_errors, pullers, pushers = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
# The first fifth is warm-up (JIT, pools filling); memory is flat when the last tenth sits where the run settled.
tenth = max(1, len(samples) // 10)
settled = samples[2 * tenth:3 * tenth] or samples[:tenth]
early, late = statistics.median(settled) / 1024, statistics.median(samples[-tenth:]) / 1024
peak = max(samples) / 1024
flat = late - early <= limit_mb
seconds = result["seconds"]
print()
print(f"Soak: {pullers} pullers, {pushers} pushers, {seconds:.0f} s on loopback")
print(f"  requests served      {result['requests']:>12,}  ({result['requests'] / seconds:,.0f}/s)")
print(f"  bytes moved          {result['bytes'] / 1e9:>12.2f} GB ({result['bytes'] / 1e6 / seconds:,.0f} MB/s)")
print(f"  pulls verified       {result['pulls']:>12,}  (every file's SHA-256 checked)")
print(f"  pushes               {result['pushes']:>12,}  (each read back and verified, the one before deleted)")
print(f"  errors               {result['errors']:>12,}  (client side), {server_errors} logged by the server")
print(f"  server RSS           {early:>9.0f} MB once settled (20-30 % of the run), {late:.0f} MB in the last tenth, peak {peak:.0f} MB"
      f" -> {'flat' if flat else 'GREW'} (limit +{limit_mb} MB)")
for sample in result["error_samples"]:
    print("  error:", sample)
sys.exit(0 if result["errors"] == 0 and server_errors == 0 and flat else 1)
PY
