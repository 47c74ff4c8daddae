#!/usr/bin/env bash
# Installs the npm packages of each folder given (the identity bridge, the browser tests' axe-core) from its committed
# lock file, once: a folder is skipped while its lock is unchanged.
set -euo pipefail
for folder in "$@"; do
  (
    cd "$folder"
    stamp=node_modules/.lock-sha256
    want=$(sha256sum package-lock.json | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
      exit 0
    fi
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    echo "$want" >"$stamp"
  )
done
