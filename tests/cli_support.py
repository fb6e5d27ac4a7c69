"""Helpers for CLI tests: run ``storesight`` in-process and read its one error line."""

from __future__ import annotations

import pytest

from app.cli.main import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the CLI with ``argv``; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    """The single ``storesight: error:`` line of stderr (and no traceback)."""
    lines = [ln for ln in err.splitlines() if ln.startswith("storesight: error:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]
