#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (Playwright's own browser download cannot work
# on a closed network). Install it when missing and we are allowed to.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "Chromium is not installed and cannot be installed here (need root for apt-get)." >&2
  echo "Install it with: sudo apt-get install chromium   (browser tests will fail without it)" >&2
fi
