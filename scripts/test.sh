#!/usr/bin/env bash
# The README's test command (CI runs it too): install what the tests need beyond Rust, then run
# `cargo test` with any arguments given. The HTML report's browser test needs headless Chromium
# (Debian's `chromium` package); it is installed when missing and this machine can (root and
# apt-get). Without it that test fails and says why, unless DPG_AUDIT_SKIP_BROWSER=1 is set.
set -euo pipefail
cd "$(dirname "$0")/.."

have_browser() {
  [ -n "${DPG_AUDIT_CHROMIUM:-}" ] && return 0
  command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 \
    || command -v google-chrome >/dev/null 2>&1
}

if [ "${DPG_AUDIT_SKIP_BROWSER:-}" != 1 ] && ! have_browser; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing chromium (for the HTML report's browser test)"
    export DEBIAN_FRONTEND=noninteractive
    # A fresh machine may have no package lists yet: update only when a plain install fails.
    if ! apt-get install -y -qq chromium >/dev/null 2>&1; then
      apt-get update -qq >/dev/null 2>&1 || true
      apt-get install -y -qq chromium >/dev/null 2>&1 \
        || echo "warning: could not install chromium; the browser test will fail" >&2
    fi
  else
    echo "warning: chromium is missing and cannot be installed here (needs root and apt-get);" \
      "the browser test will fail unless DPG_AUDIT_SKIP_BROWSER=1" >&2
  fi
fi

exec cargo test "$@"
