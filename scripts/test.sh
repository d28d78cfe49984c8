#!/usr/bin/env bash
# The whole test suite: unit, integration and end-to-end tests of every package of the
# workspace (the bot and its stand-ins crate), against a real PostgreSQL. Uses $DATABASE_URL
# when set; otherwise starts a throwaway server for the run (scripts/with-postgres.sh). Extra
# arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/with-postgres.sh cargo test --locked --workspace "$@"
