#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine: system packages for the
# real-OpenSSH and browser tests, then the npm dependencies (which bring Node 22 with them).
# Idempotent and quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(openssh-server openssh-client rsync chromium git tar)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "setup: missing system packages: ${missing[*]} (install them with apt-get as root); tests that need them will fail" >&2
  fi
fi

# The lock file is the single record of what gets installed; `npm ci` refuses a lock that no
# longer matches package.json, and so does this check when node_modules is already current
# (a dry run resolves the tree without touching node_modules, about a second).
if [ ! -x node_modules/.bin/vitest ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error
elif ! npm ci --dry-run --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null 2>&1; then
  echo "setup: package-lock.json is out of sync with package.json; run \`npm install\` and commit the lock" >&2
  exit 1
fi
