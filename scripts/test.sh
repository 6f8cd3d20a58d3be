#!/usr/bin/env bash
# The README's test command (CI runs it too): install what the tests need beyond Rust, then run
# `cargo test` with any arguments given. The HTML report's browser test needs headless Chromium
# (Debian's `chromium` package); it is installed when missing and this machine can (root and
# apt-get). Without it that test fails and says why, unless DPG_AUDIT_SKIP_BROWSER=1 is set.
#
# Then the Python package: a virtualenv (target/pyvenv, or $DPG_AUDIT_PYVENV) with what
# python/requirements-test.txt lists, the extension built into it (maturin develop), and pytest
# on python/ (API, doctests, Spark in local mode, Dask). DPG_AUDIT_SKIP_PYTHON=1 skips that part
# locally; CI runs it.
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

cargo test "$@"

if [ "${DPG_AUDIT_SKIP_PYTHON:-}" = 1 ]; then
  echo "== Python tests skipped (DPG_AUDIT_SKIP_PYTHON=1)"
  exit 0
fi
echo "== Python package: virtualenv, extension, pytest"
venv="${DPG_AUDIT_PYVENV:-target/pyvenv}"
python="${PYTHON:-python3}"
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv" 2>/dev/null; then
    # Debian's python3 has venv in a package of its own.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y -qq python3-venv >/dev/null 2>&1 \
        || { apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq python3-venv >/dev/null 2>&1; } || true
    fi
    rm -rf "$venv"
    "$python" -m venv "$venv"
  fi
fi
venv="$(cd "$venv" && pwd)"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r python/requirements-test.txt
# The CLI the Python tests compare with (cargo test built it; this is a no-op then).
cargo build -q --bin dpg-audit
cli="$PWD/target/debug/dpg-audit"
VIRTUAL_ENV="$venv" "$venv/bin/maturin" develop -q -m python/Cargo.toml
cd python
exec env DPG_AUDIT_BIN="$cli" "$venv/bin/python" -m pytest -q -p no:cacheprovider
