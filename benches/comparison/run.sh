#!/usr/bin/env bash
# The load harness's LOAD_BOT_BINARY for the discord.py comparison bot: the schema comes from
# the Rust bot's migrations, then the Python bot takes this process's place (so the harness
# measures its CPU). Set up once with benches/comparison/setup.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/../../target/release/dlc-share-bot" migrate >/dev/null
exec "$here/.venv/bin/python" "$here/discord_py_bot.py"
