#!/usr/bin/env bash
# Installs the identity bridge's npm packages from the committed lock file, once: skipped while the lock is unchanged.
set -euo pipefail
cd "$(dirname "$0")"
stamp=node_modules/.lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" >"$stamp"
