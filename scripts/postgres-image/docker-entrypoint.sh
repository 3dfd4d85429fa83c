#!/bin/sh
# Entrypoint of the local PostgreSQL image: honours POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB like the
# official image (a new cluster on first start, password authentication over TCP), then runs the server as
# the postgres user with the command's own `-c` settings.
set -eu

PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA

if [ "${1:-postgres}" != postgres ]; then
  exec "$@"
fi
[ $# -gt 0 ] && shift

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA" /var/run/postgresql
  chown -R postgres:postgres "$PGDATA" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" postgres "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  user="${POSTGRES_USER:-postgres}"
  db="${POSTGRES_DB:-$user}"
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "docker-entrypoint: POSTGRES_PASSWORD is required" >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
  initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  printf 'host all all all scram-sha-256\n' >>"$PGDATA/pg_hba.conf"
  if [ "$db" != postgres ]; then
    ident="$(printf '%s' "$db" | sed 's/"/""/g')"
    owner="$(printf '%s' "$user" | sed 's/"/""/g')"
    printf 'CREATE DATABASE "%s" OWNER "%s";\n' "$ident" "$owner" |
      postgres --single -D "$PGDATA" -j postgres >/dev/null
  fi
fi

exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
