#!/usr/bin/env bash
# Make sure a Debian package a group of tests needs is installed:
#
#   scripts/ensure-tool.sh COMMAND PACKAGE "WHAT NEEDS IT" ["SIZE NOTE"]
#
# `chromium` for the browser tests (driven through Playwright; never
# `playwright install`), `msgfmt` (gettext) for the translation catalogue test.
# As root, a missing package is installed with apt-get. Otherwise the script says
# how to install it: with CI=true that is an error, locally those tests skip.
set -euo pipefail

command=$1 package=$2 what=$3 size=${4:-}

if command -v "$command" >/dev/null 2>&1; then
  echo "$command: $(command -v "$command")"
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "$command is missing: installing Debian's $package${size:+ ($size)} for $what with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "$package"
  command -v "$command"
  exit 0
fi

echo "$command is missing. Install it with: sudo apt-get install -y $package" >&2
echo "Without it $what skip (and fail when CI=true)." >&2
if [ "${CI:-}" = "true" ]; then
  exit 1
fi
exit 0
