#!/usr/bin/env bash
# Fresh clone → the whole test suite (lint, architecture, unit, real models, RTSP, PostgreSQL, GUI).
#   bash scripts/test.sh [PYTEST_ARGS…]          everything, slow tests included (what CI runs)
#   bash scripts/test.sh --fast [PYTEST_ARGS…]   the tests but the slow ones, on 2 worker processes
#                                                (docs/testing.md); sets up only when .venv/ is missing
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${1:-}" == "--fast" ]]; then
    shift
    [[ -x .venv/bin/python ]] || bash scripts/setup.sh --test
    exec .venv/bin/python -m pytest -m "not slow" -n "${STORESIGHT_TEST_WORKERS:-2}" --dist loadfile "$@"
fi
bash scripts/setup.sh --test
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
