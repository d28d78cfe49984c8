#!/usr/bin/env bash
# The bot at work in one command, with no accounts and nothing configured. Builds the real
# dlc-share-bot and the demo (crates/stand-ins/src/bin/demo), which runs the bot against the
# project's Discord and PAI-DLC stand-ins and a throwaway PostgreSQL (scripts/with-postgres.sh),
# plays a short scripted session, prints it as a transcript, and writes target/demo/index.html
# showing the replies as Discord would. Exits non-zero if any step does not see what it expects.
#
#   scripts/demo.sh                 # build, run, print the transcript, write the page
#   scripts/demo.sh --screenshot    # the same, then re-take docs/images/demo.png with chromium
#
# Needs Rust and PostgreSQL server binaries, nothing else. It uses a debug build, because a
# newcomer's first run compiles everything: from an empty target directory a debug build is
# ready in about two minutes on two cores, without a release build's optimising passes, and a
# handful of interactions do not need their speed. Everything it starts (PostgreSQL, the bot,
# their temporary directories) is stopped and removed when it ends, on Ctrl-C too.
set -euo pipefail
cd "$(dirname "$0")/.."

screenshot=0
case "${1:-}" in
"") ;;
--screenshot) screenshot=1 ;;
*)
    echo "usage: $0 [--screenshot]" >&2
    exit 2
    ;;
esac

# One cargo invocation for both, so the dependencies they share are built once.
cargo build --locked -p dlc-share-bot -p dlc-share-stand-ins --bin dlc-share-bot --bin demo
bin="${CARGO_TARGET_DIR:-target}/debug"

# Always a throwaway server, never one DATABASE_URL may point at: the demo leaves nothing behind.
env -u DATABASE_URL scripts/with-postgres.sh \
    "$bin/demo" --bot "$bin/dlc-share-bot" --out target/demo

if [[ $screenshot -eq 1 ]]; then
    chromium=$(command -v chromium || command -v chromium-browser) ||
        {
            echo "demo: --screenshot needs chromium (Debian: apt-get install chromium)" >&2
            exit 1
        }
    profile=$(mktemp -d)
    trap 'rm -rf "$profile"' EXIT
    # Chromium's sandbox cannot run as root.
    sandbox=()
    if [[ $EUID -eq 0 ]]; then sandbox=(--no-sandbox); fi
    "$chromium" --headless "${sandbox[@]}" --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$profile" --screenshot="$PWD/docs/images/demo.png" \
        --window-size=1100,1850 "file://$PWD/target/demo/index.html" 2>/dev/null
    echo "demo: docs/images/demo.png re-taken"
fi
