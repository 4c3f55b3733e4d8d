#!/usr/bin/env bash
# Set up everything Cairn needs on this machine: Python's venv support, the virtual
# environment with pinned packages, Node with the pinned TypeScript that checks the app's
# types, and (with --browser) a Chromium for the e2e tests, and Firefox ESR and WebKitGTK
# for the core journey in the other engines.
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
want_browser=no
[ "${1:-}" = "--browser" ] && want_browser=yes

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root to run: $*" >&2; return 1; fi
}

apt_install() {
  command -v apt-get >/dev/null || { echo "Please install: $*" >&2; return 1; }
  if [ -z "${APT_UPDATED:-}" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Cairn needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))." >&2; exit 1; }

# Debian splits venv and ensurepip out of python3.
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  apt_install python3-venv
fi

stamp=$VENV/.installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[dev]'
  touch "$stamp"
fi

# OpenSSL's command signs time-stamps when the server is its own authority (CAIRN_TSA=own)
# and stands in for one in the tests.
if ! command -v openssl >/dev/null; then
  apt_install openssl
fi

# nginx, the TLS proxy the hosting tests put in front of two server processes (as
# docs/hosting.md does); only its program is used, never its system service.
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  apt_install nginx
  if [ -d /run/systemd/system ]; then as_root systemctl disable --now nginx >/dev/null 2>&1 || true; fi
fi

# The type checker: Debian's Node and npm if they are missing, then the exact TypeScript
# that package-lock.json pins, into node_modules/.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt_install nodejs npm
fi
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

if [ "$want_browser" = yes ]; then
  bundled=$("$VENV/bin/python" - <<'PY'
from playwright.sync_api import sync_playwright
with sync_playwright() as p:
    print(p.chromium.executable_path)
PY
)
  if [ -x "$bundled" ] || [ -x /usr/bin/chromium ]; then
    :
  elif command -v apt-get >/dev/null; then
    apt_install chromium
  else
    "$VENV/bin/playwright" install chromium
  fi
  # pdftotext reads back the printed report in the evidence tests.
  command -v pdftotext >/dev/null || apt_install poppler-utils || true
  # The other engines the core journey runs in (e2e/test_engines.py): Debian's Firefox ESR,
  # driven over WebDriver BiDi; and WebKitGTK (Safari's engine) through WebKitWebDriver on
  # an Xvfb screen, in a small browser made of the system Python's GTK bindings.
  if ! command -v firefox-esr >/dev/null; then
    apt_install firefox-esr || echo "No Firefox ESR: its browser tests will be skipped." >&2
  fi
  if ! command -v WebKitWebDriver >/dev/null || ! command -v Xvfb >/dev/null ||
    ! /usr/bin/python3 -c "import gi; gi.require_version('WebKit2', '4.1')" 2>/dev/null; then
    apt_install webkit2gtk-driver xvfb python3-gi gir1.2-webkit2-4.1 ||
      echo "No WebKitGTK: its browser tests will be skipped." >&2
  fi
fi
