#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for the PostgreSQL test pass. Usage: start-pg.sh DIR PORT
# Prints the postmaster's PID. Stop it with: runuser -u postgres -- pg_ctl -D DIR/data -m fast stop (or kill the PID).
# PostgreSQL refuses to run as root, so the cluster belongs to the postgres user; every parent of DIR must be traversable by it.
set -euo pipefail
dir=$(realpath -m "$1"); port=$2
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
rm -rf "$dir"; mkdir -p "$dir"; chmod 755 "$dir"; chown postgres:postgres "$dir"
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
# Durability settings are for tests only: the cluster is thrown away afterwards.
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
as_pg "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB" >/dev/null
head -1 "$dir/data/postmaster.pid"
