#!/usr/bin/env bash
# Fresh clone → the whole test suite (lint, architecture, unit, real models, RTSP, PostgreSQL, GUI).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
