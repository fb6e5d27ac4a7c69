#!/usr/bin/env bash
# Fresh clone → analysed demo video, database and pictures in ./storesight-demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/storesight demo --out storesight-demo "$@"
