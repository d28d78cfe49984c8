#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a PostgreSQL server.
#
#   scripts/with-postgres.sh cargo test --test suite store::
#
# When DATABASE_URL is already set, the command simply runs against it. Otherwise a throwaway
# server is created for the command alone: initdb into a fresh temporary directory as an
# unprivileged user (PostgreSQL refuses to run as root), a free port on 127.0.0.1 only, trust
# authentication, and fsync off (durability is pointless for test data). It is stopped and
# deleted when the command ends, and the command's exit status is passed on.
#
# Environment: PG_BINDIR overrides where initdb/pg_ctl are looked for.
set -euo pipefail

readonly DB_NAME=dlcshare
readonly DB_SUPERUSER=postgres

die() {
    echo "with-postgres: $*" >&2
    exit 1
}

if [[ $# -eq 0 ]]; then
    echo "usage: $0 <command> [args...]" >&2
    exit 2
fi

if [[ -n "${DATABASE_URL:-}" ]]; then
    exec "$@"
fi

# The newest PostgreSQL installed: Debian's versioned directories, else whatever is on PATH.
find_bindir() {
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/initdb" ]] || die "PG_BINDIR=$PG_BINDIR has no initdb"
        echo "$PG_BINDIR"
        return
    fi
    local dir
    dir=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null |
        sort -V | tail -n 1)
    if [[ -n "$dir" && -x "$dir/initdb" ]]; then
        echo "$dir"
        return
    fi
    if command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return
    fi
    die "no PostgreSQL server binaries found (looked in /usr/lib/postgresql/*/bin and PATH); install them, e.g. 'apt-get install postgresql', or set DATABASE_URL"
}

# PostgreSQL will not run as root: use the `postgres` system user, creating one if needed.
pick_server_user() {
    if [[ $EUID -ne 0 ]]; then
        id -un
        return
    fi
    if ! id -u postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin postgres ||
            die "cannot create the 'postgres' user to run the server as"
    fi
    echo postgres
}

# Runs a command as the server user (plainly when that is us), from the work directory so
# that an unreadable current directory (say /root) does not trouble the server tools.
as_server_user() (
    cd "$WORKDIR"
    if [[ $EUID -ne 0 ]]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u "$SERVER_USER" -- "$@"
    else
        setpriv --reuid="$SERVER_USER" --regid="$(id -g "$SERVER_USER")" --init-groups -- "$@"
    fi
)

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

random_port() {
    echo $((20000 + RANDOM % 40000))
}

BINDIR=$(find_bindir)
SERVER_USER=$(pick_server_user)
WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/dlcshare-pg.XXXXXX")
DATADIR="$WORKDIR/data"
LOGFILE="$WORKDIR/server.log"
STARTED=0

# shellcheck disable=SC2317 # reached through the EXIT trap
cleanup() {
    local status=$?
    if [[ $STARTED -eq 1 ]]; then
        as_server_user "$BINDIR/pg_ctl" -D "$DATADIR" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORKDIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $EUID -eq 0 ]]; then
    chown "$SERVER_USER" "$WORKDIR"
fi
chmod 700 "$WORKDIR"

if ! as_server_user "$BINDIR/initdb" -D "$DATADIR" -U "$DB_SUPERUSER" --auth=trust \
    --encoding=UTF8 --locale=C --no-sync >"$WORKDIR/initdb.log" 2>&1; then
    cat "$WORKDIR/initdb.log" >&2
    die "initdb failed"
fi

# A port that looks free may be taken before the server binds it: retry a few times.
PORT=""
for _ in $(seq 1 20); do
    candidate=$(random_port)
    port_in_use "$candidate" && continue
    if as_server_user "$BINDIR/pg_ctl" -D "$DATADIR" -l "$LOGFILE" -w -t 60 \
        -o "-p $candidate -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORKDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null 2>&1; then
        PORT=$candidate
        STARTED=1
        break
    fi
    # A failed start may have left a half-started postmaster behind.
    as_server_user "$BINDIR/pg_ctl" -D "$DATADIR" -m immediate -w stop >/dev/null 2>&1 || true
done
if [[ -z "$PORT" ]]; then
    cat "$LOGFILE" >&2 2>/dev/null || true
    die "could not start PostgreSQL on a free port"
fi

"$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U "$DB_SUPERUSER" "$DB_NAME" ||
    die "could not create database $DB_NAME"

export DATABASE_URL="postgres://$DB_SUPERUSER@127.0.0.1:$PORT/$DB_NAME"
echo "with-postgres: throwaway PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') at 127.0.0.1:$PORT" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
