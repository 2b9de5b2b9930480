"""Acknowledged saves survive SIGKILL of the server (short run of bench/durability.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "durability.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, str(SCRIPT), "--kills", "2", "--clients", "8", "--interval", "2", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_sigkill_loses_no_acknowledged_save_on_sqlite():
    result = _run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problems" in result.stdout


@pytest.mark.slow
@pytest.mark.postgres
def test_sigkill_loses_no_acknowledged_save_on_postgres(postgres_url):
    result = _run("--database-url", postgres_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problems" in result.stdout
