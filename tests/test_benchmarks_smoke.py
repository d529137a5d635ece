"""The benchmark script runs (small sizes, no R): benchmarks must never rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_meta.py"


def test_benchmark_script_quick_run():
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-r"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


WORKBENCH = SCRIPT.with_name("bench_workbench.py")


def test_workbench_benchmark_quick_run():
    """A server process, three reviewers, five vote-and-fetch steps each (a few seconds)."""
    pytest.importorskip("uvicorn")
    pytest.importorskip("httpx")
    proc = subprocess.run(
        [sys.executable, str(WORKBENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "stored = acknowledged" in proc.stdout
