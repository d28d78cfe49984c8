#!/usr/bin/env bash
# The comparison bot's Python environment (discord.py, asyncpg, the official PAI-DLC SDK), from
# PyPI, in benches/comparison/.venv.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python3 -m venv "$here/.venv"
"$here/.venv/bin/pip" install --quiet "discord.py==2.7.1" "asyncpg==0.32.0" "alibabacloud-pai-dlc20201203==1.11.6"
