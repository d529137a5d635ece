"""The benchmark script runs (small sizes, no R): benchmarks must never rot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
