#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the browser tests (tests/browser).
#
# The tests drive the system's `chromium` through Playwright; they never use
# `playwright install`. As root (CI), a missing chromium is installed with
# apt-get. Otherwise the script says how to install it: with CI=true that is
# an error, locally the browser tests simply skip.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium)"
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "chromium is missing: installing Chromium (about 480 MB) for the browser tests with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q chromium
  command -v chromium
  exit 0
fi

echo "chromium is missing. Install it with: sudo apt-get install -y chromium" >&2
echo "(never 'playwright install'). Without it the browser tests skip (and fail when CI=true)." >&2
if [ "${CI:-}" = "true" ]; then
  exit 1
fi
exit 0
