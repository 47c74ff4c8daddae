#!/usr/bin/env bash
# Runs every SRegistry test on this machine, installing what the tests need first.
# Idempotent: on a machine that already has everything, it installs nothing and goes straight to the tests.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

# Debian packages: the real library and key clients (Go source), siftool and gnupg for end-to-end pushes, pulls and keys,
# chromium for browser tests, slapd for the identity provider.
packages=(golang-go golang-github-apptainer-container-library-client-dev golang-github-apptainer-container-key-client-dev
          golang-github-sylabs-sif-dev siftool gnupg chromium slapd ldap-utils nodejs)
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
# The identity provider's npm packages (kept next to it, installed from its lock file).
if [ -x SRegistry.Tests/EndToEnd/Identity/install-deps.sh ]; then
  SRegistry.Tests/EndToEnd/Identity/install-deps.sh
fi

dotnet build SRegistry.sln -v q -nologo -clp:ErrorsOnly

# Browser tests write screenshots of the main pages here (not committed).
export SREG_SCREENSHOTS="$PWD/TestResults/screenshots"
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
set +e
dotnet test --project SRegistry.Tests/SRegistry.Tests.csproj --no-build \
  --report-xunit-trx --report-xunit-trx-filename results.trx --results-directory "$results" "$@"
status=$?
set -e
# CI reads a plain closing line, not the runner's summary.
python3 - "$results/results.trx" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    c = ET.parse(sys.argv[1]).getroot().find('.//{*}Counters')
    skipped = int(c.get('total', 0)) - int(c.get('executed', c.get('total', 0)))
    print(f"{c.get('passed')} passed, {c.get('failed')} failed, {max(skipped, 0)} skipped")
except (OSError, ET.ParseError):
    print("0 passed, 1 failed (no test results were written)")
PY
echo "Screenshots: $SREG_SCREENSHOTS"
exit $status
