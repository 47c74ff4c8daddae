#!/usr/bin/env bash
# Runs every SRegistry test on this machine, installing what the tests need first.
# Idempotent: on a machine that already has everything, it installs nothing and goes straight to the tests.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Debian packages: the real library and key clients (Go source), siftool and gnupg for end-to-end pushes, pulls and keys,
# squashfs-tools for real image partitions,
# chromium for browser tests, slapd for the identity provider, nginx and openssl for the TLS deployment tests;
# PostgreSQL and a one-node Ceph with radosgw (S3) for the scaled-out pass; xxd and openssl for the sregistry
# fixture's make-storage.sh (import tests); strace and systemd-analyze for the durability and service-unit tests;
# skopeo, the containers/image Go source and the reference registry (docker-registry) for the OCI client and peer tests.
packages=(golang-go golang-github-apptainer-container-library-client-dev golang-github-apptainer-container-key-client-dev
          golang-github-sylabs-sif-dev siftool squashfs-tools gnupg chromium slapd ldap-utils nodejs
          postgresql radosgw ceph-mon ceph-osd nginx xxd openssl strace systemd
          skopeo golang-github-containers-image-dev docker-registry)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ] && ! { [ "${missing[*]}" = "nodejs" ] && command -v node >/dev/null; }; then
  echo "Installing: ${missing[*]}"
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | grep -vx nodejs | tr '\n' ' ') >/dev/null
fi
# npm packages from their lock files: the identity provider's, and axe-core for the browser tests' accessibility checks.
SRegistry.Tests/install-npm-deps.sh SRegistry.Tests/EndToEnd/Identity SRegistry.Tests/Browser/axe

dotnet build SRegistry.sln -v q -nologo -clp:ErrorsOnly

# Browser tests write screenshots of the main pages here (not committed).
export SREG_SCREENSHOTS="$PWD/TestResults/screenshots"
results=$(mktemp -d)
chmod 755 "$results"   # the PostgreSQL cluster below lives in here and runs as postgres
service_pids=()
stop_services() {
  # Only what this script started, by PID: radosgw, then the OSD, then the monitor; PostgreSQL by its data folder.
  for pid in "${service_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -f "$results/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)/pg_ctl" -D "$results/pg/data" -m fast stop >/dev/null 2>&1 || true
  fi
  service_pids=()
}
# The services' own logs stay in TestResults when the second pass fails (radosgw's and the OSD's say why they stopped).
keep_service_logs() { [ -d "$results/ceph/log" ] && mkdir -p TestResults/service-logs && cp -r "$results/ceph/log" TestResults/service-logs/ceph; }
trap 'stop_services; rm -rf "$results"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

set +e
# First pass: everything on SQLite and the data folder (the scaled-out tests need the second pass's services).
dotnet test --project SRegistry.Tests/SRegistry.Tests.csproj --no-build \
  --report-xunit-trx --report-xunit-trx-filename results.trx --results-directory "$results" \
  --filter-not-class 'SRegistry.Tests.Scale.*' "$@"
status=$?
trx=("$results/results.trx")

# Second pass: the whole suite again on PostgreSQL + S3 (a throwaway cluster and a one-node Ceph with radosgw,
# started once here), plus the replica tests (two app processes behind nginx). Tests of SQLite or the data folder
# alone skip there with their reason. The Chromium tests run in the first pass only: what they check (layout,
# keyboard, sign-in flows) is the same on either stack, and the Core calls behind every page run on both stacks
# through the bUnit and API tests. Skipped when the caller picked tests with arguments.
if [ $# -eq 0 ]; then
  pg_port=$(free_port)
  SRegistry.Tests/Scale/start-pg.sh "$results/pg" "$pg_port" >/dev/null
  # A one-node Ceph now and then fails to come up (the OSD or radosgw never answers): start it afresh, up to three times.
  for attempt in 1 2 3; do
    rgw_port=$(free_port); mon_port=$(free_port); ceph_pids=()
    read -r -a ceph_pids < <(SRegistry.Tests/Scale/start-ceph-rgw.sh "$results/ceph" "$rgw_port" "$mon_port" 2>"$results/ceph-start.log")
    [ ${#ceph_pids[@]} -eq 3 ] && break
    echo "Ceph did not start (attempt $attempt): $(tail -n 3 "$results/ceph-start.log" | tr '\n' ' ')"
    pkill -f -- "-c $results/ceph/ceph.conf" || true
    sleep 2
  done
  service_pids+=("${ceph_pids[@]}")
  SREG_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=app;Password=app" SREG_TEST_S3="http://127.0.0.1:$rgw_port" \
  dotnet test --project SRegistry.Tests/SRegistry.Tests.csproj --no-build \
    --report-xunit-trx --report-xunit-trx-filename scaled.trx --results-directory "$results" \
    --filter-not-class 'SRegistry.Tests.Browser.*' --filter-not-class 'SRegistry.Tests.Tls.TlsSignInTests'
  scaled=$?
  [ $scaled -eq 0 ] || keep_service_logs || true
  [ $status -eq 0 ] && status=$scaled
  trx+=("$results/scaled.trx")
  stop_services
fi
set -e
# CI reads a plain closing line, not the runner's summary: both passes added up.
python3 - "${trx[@]}" <<'PY'
import sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        c = ET.parse(path).getroot().find('.//{*}Counters')
    except (OSError, ET.ParseError):
        failed += 1
        print(f"no test results were written to {path}")
        continue
    passed += int(c.get('passed', 0))
    failed += int(c.get('failed', 0))
    skipped += max(int(c.get('total', 0)) - int(c.get('executed', c.get('total', 0))), 0)
    # The failures by name next to the closing line, where a truncated log still shows them.
    for result in ET.parse(path).getroot().findall('.//{*}UnitTestResult'):
        if result.get('outcome') == 'Failed':
            message = result.find('.//{*}Message')
            first = (message.text or '').strip().splitlines()[:1] if message is not None else []
            print(f"FAILED {result.get('testName')}: {first[0][:300] if first else ''}")
# The slowest test classes of each pass, so a CI run that nears its time limit says where the time went.
for path in sys.argv[1:]:
    try:
        results = ET.parse(path).getroot().findall('.//{*}UnitTestResult')
    except (OSError, ET.ParseError):
        continue
    seconds = {}
    for result in results:
        h, m, s = (result.get('duration') or '0:0:0').split(':')
        name = result.get('testName', '').split('(')[0].rsplit('.', 1)[0].rsplit('.', 1)[-1]
        seconds[name] = seconds.get(name, 0) + int(h) * 3600 + int(m) * 60 + float(s)
    slowest = sorted(seconds.items(), key=lambda item: -item[1])[:8]
    print(f"slowest in {path.rsplit('/', 1)[-1]}: " + ", ".join(f"{name} {total:.0f}s" for name, total in slowest))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
echo "Screenshots: $SREG_SCREENSHOTS"
exit $status
