#!/usr/bin/env bash
# The README's test command: install what the suite needs, then run all of it.
# System packages: Chromium for the browser tests; PostgreSQL, Redis and libpq for the real CKAN.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
command -v pg_config >/dev/null || need+=(libpq-dev)
command -v wrk >/dev/null || need+=(wrk)  # the benchmark's load on the served hub
# CKAN's venv needs venv/ensurepip, and psycopg2 is compiled: gcc and the Python headers.
python3 -c "import ensurepip" 2>/dev/null || need+=(python3-venv)
command -v gcc >/dev/null || need+=(gcc)
[ -f "$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" ] || need+=(python3-dev)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests/run.sh: please install as root: apt-get install -y ${need[*]}" >&2
    exit 2
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
python3 tests/ckan/portal.py install  # CKAN 2.12 in .ckan/venv (once; the CKAN tests start it)
python3 -m pytest "$@"
