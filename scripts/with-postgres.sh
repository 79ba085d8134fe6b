#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL server, then deletes the server:
#
#   scripts/with-postgres.sh cargo test --workspace
#
# Creates a cluster in a new folder under /tmp, starts it on 127.0.0.1 at a free port
# (fsync=off: the data is disposable), creates an empty database and runs COMMAND with
# DATABASE_URL (and LAZO_TEST_POSTGRES_URL, and libpq's PG* variables) pointing at it. The server
# is stopped and its folder deleted however the command ends; the command's exit status is
# returned. Takes about two seconds. No Docker.
#
# Needs the PostgreSQL server programs (Debian/Ubuntu: `apt-get install postgresql`), found in
# $PG_BIN, else on PATH, else in the newest /usr/lib/postgresql/*/bin. PostgreSQL refuses to run
# as root: as root the server runs as the `postgres` user the package creates. The server listens
# on 127.0.0.1 only and requires a random password (other users of the machine cannot use it).
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG...]   (e.g. $0 cargo test --workspace)" >&2
    exit 2
fi

say() { echo "with-postgres: $*" >&2; }
now_ms() { date +%s%3N; }
t0=$(now_ms)

# The server programs.
bin=${PG_BIN:-}
if [ -z "$bin" ]; then
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        bin=$(dirname "$(readlink -f "$(command -v initdb)")")
    else
        bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    fi
fi
for program in initdb pg_ctl createdb; do
    if [ -z "$bin" ] || [ ! -x "$bin/$program" ]; then
        say "PostgreSQL's $program not found (PATH, PG_BIN, /usr/lib/postgresql/*/bin)."
        say "Install the server: sudo apt-get install postgresql (Debian/Ubuntu)."
        exit 127
    fi
done

# Who runs the server.
if [ "$(id -u)" -eq 0 ]; then
    if ! id postgres >/dev/null 2>&1; then
        say "running as root, but there is no 'postgres' user to run the server as"
        exit 1
    fi
    runuser=$(command -v runuser || echo /usr/sbin/runuser)
    as_server() { "$runuser" -u postgres -- "$@"; }
    server_user=postgres
else
    as_server() { "$@"; }
    server_user=$(id -un)
fi

work=$(mktemp -d /tmp/lazo-pg.XXXXXX)
cleanup() {
    if [ -f "$work/data/postmaster.pid" ]; then
        as_server "$bin/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 700 "$work"

user=lazo
password=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$password" >"$work/password"
chown -R "$server_user" "$work"

as_server "$bin/initdb" --pgdata="$work/data" --username="$user" --pwfile="$work/password" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C --no-sync >"$work/initdb.log" 2>&1 || {
    cat "$work/initdb.log" >&2
    say "initdb failed"
    exit 1
}

# A free port: one nobody answers on; if another process takes it first, the start fails and
# the next candidate is tried.
started=
for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        continue
    fi
    if as_server "$bin/pg_ctl" --pgdata="$work/data" --log="$work/server.log" --wait \
        --timeout=60 --silent start -o "-p $port -c listen_addresses=127.0.0.1 \
        -c unix_socket_directories=$work -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=200" >/dev/null 2>&1; then
        started=1
        break
    fi
done
if [ -z "$started" ]; then
    cat "$work/server.log" >&2 || true
    say "the server did not start"
    exit 1
fi

export PGHOST=127.0.0.1 PGPORT=$port PGUSER=$user PGPASSWORD=$password PGDATABASE=lazo
"$bin/createdb" lazo
export DATABASE_URL="postgres://$user:$password@127.0.0.1:$port/lazo"
export LAZO_TEST_POSTGRES_URL=$DATABASE_URL
version=$("$bin/pg_ctl" --version | awk '{print $3}')
say "PostgreSQL $version on 127.0.0.1:$port ready in $(($(now_ms) - t0)) ms; running: $*"

# The command runs in the background so that a signal to this script alone (a CI timeout's
# SIGTERM) stops it and the server at once; it keeps this script's stdin.
exec 3<&0
"$@" <&3 3<&- &
child=$!
trap 'kill -INT "$child" 2>/dev/null; wait "$child"; exit 130' INT
trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit 143' TERM
status=0
wait "$child" || status=$?
exit "$status"
