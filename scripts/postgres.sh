#!/usr/bin/env bash
# Install (Debian's package) and start a local PostgreSQL for the server tests, make a role
# and database for them, and print the database's URL on stdout (everything else on stderr).
#   export CAIRN_TEST_DATABASE_URL=$(scripts/postgres.sh)
# Needs root (or sudo) the first time, to install and start the server.
set -euo pipefail

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root to run: $*" >&2; return 1; fi
}
as_postgres() { as_root su postgres -c "$1"; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main "; then
  as_root pg_createcluster "$version" main >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  as_root pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 50); do
  pg_isready -q -h localhost -p "$port" && break
  sleep 0.2
done

psql_do() { as_postgres "psql -p $port -qtAc \"$1\""; }
[ "$(psql_do "SELECT 1 FROM pg_roles WHERE rolname = 'cairn'")" = 1 ] ||
  psql_do "CREATE ROLE cairn LOGIN PASSWORD 'cairn'" >&2
[ "$(psql_do "SELECT 1 FROM pg_database WHERE datname = 'cairn_test'")" = 1 ] ||
  psql_do "CREATE DATABASE cairn_test OWNER cairn" >&2

echo "postgresql://cairn:cairn@localhost:$port/cairn_test"
