"""Speed benchmarks of the meta-analysis engine, against R metafor's ``rma()``.

Usage::

    .venv/bin/python benchmarks/bench_meta.py            # full run; writes results/latest.json
    .venv/bin/python benchmarks/bench_meta.py --quick    # small sizes, a smoke test; writes nothing

What is measured (see benchmarks/README.md for the figures):

1. one REML fit of k = 20 studies with ``es.meta_analysis``: per-call wall time (timeit);
2. the same fit with metafor's ``rma(yi, vi, method = "REML")`` in an R loop (bench_rma.R);
3. ``es.meta_analysis_batch``, REML, 100,000 analyses of k = 10: wall time, in a child process
   whose peak memory is read with ``getrusage`` (and ``tracemalloc`` for the call itself);
4. metafor looping ``rma()`` over the first 2,000 of those analyses (extrapolated to all);
5. checks: batch answers equal single-fit answers (asserted), and evsynth agrees with metafor.

The data are simulated from fixed seeds: ``vi ~ U(0.01, 0.1)``, ``yi ~ N(mu, vi + tau2)``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import timeit
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
R_SCRIPT = HERE / "bench_rma.R"
RESULTS = HERE / "results" / "latest.json"

SINGLE_SEED = 20240601
BATCH_SEED = 20240602
CHECK_SEED = 20240603

#: tolerance of the batch == single check (tighter than the 1e-6 bar against metafor)
CHECK_RTOL = 1e-8
CHECK_ATOL = 1e-10

#: requirements from issue 2 ("Speed")
REQ_SINGLE_MS = 0.2
REQ_BATCH_S = 2.0

FULL = {
    "single_k": 20,
    "single_number": 20,  # calls per timeit measurement
    "single_repeat": 250,  # measurements (so 5,000 timed calls)
    "r_single_calls": 2000,
    "r_single_reps": 5,
    "batch_n": 100_000,
    "batch_k": 10,
    "batch_runs": 5,
    "r_batch_n": 2000,
    "r_batch_reps": 3,
    "n_checks": 25,
}
QUICK = {
    "single_k": 20,
    "single_number": 10,
    "single_repeat": 20,
    "r_single_calls": 50,
    "r_single_reps": 2,
    "batch_n": 2000,
    "batch_k": 10,
    "batch_runs": 2,
    "r_batch_n": 30,
    "r_batch_reps": 1,
    "n_checks": 10,
}


# --------------------------------------------------------------------------------------
# data


def single_data(k: int, seed: int = SINGLE_SEED) -> tuple[np.ndarray, np.ndarray]:
    """One analysis: tau2 = 0.05, mu = 0.3, vi ~ U(0.01, 0.1)."""
    rng = np.random.default_rng(seed)
    vi = rng.uniform(0.01, 0.1, k)
    yi = rng.normal(0.3, np.sqrt(vi + 0.05))
    return yi, vi


def batch_data(n: int, k: int, seed: int = BATCH_SEED) -> tuple[np.ndarray, np.ndarray]:
    """Many analyses: per analysis mu ~ N(0.3, 0.2), tau2 drawn from {0, 0.01, 0.05, 0.1}."""
    rng = np.random.default_rng(seed)
    mu = rng.normal(0.3, 0.2, (n, 1))
    tau2 = rng.choice([0.0, 0.01, 0.05, 0.1], size=(n, 1))
    V = rng.uniform(0.01, 0.1, (n, k))
    Y = rng.normal(mu, np.sqrt(V + tau2))
    return Y, V


# --------------------------------------------------------------------------------------
# environment


def _run_text(cmd: list[str]) -> str | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_info() -> dict:
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = round(int(line.split()[1]) / 1024**2, 1)
                break
    except OSError:
        pass
    nproc = _run_text(["nproc"])
    return {
        "nproc": int(nproc) if nproc else os.cpu_count(),
        "cpu_model": cpu,
        "memory_gib": mem_gib,
        "platform": platform.platform(),
    }


def versions() -> dict:
    import scipy

    import evsynth

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "evsynth": evsynth.__version__,
        "git_head": _run_text(["git", "-C", str(ROOT), "rev-parse", "HEAD"]),
        "stats_source_sha256": source_fingerprint(),
    }


def source_fingerprint() -> str:
    """sha256 (first 16 hex digits) of the engine's source files: which code was timed."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((ROOT / "src" / "evsynth" / "stats").glob("*.py")):
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def r_available() -> bool:
    """Rscript on PATH with metafor installed (checked without loading it: fast)."""
    if shutil.which("Rscript") is None:
        return False
    check = 'quit(status = as.integer(length(find.package("metafor", quiet = TRUE)) == 0))'
    try:
        proc = subprocess.run(
            ["Rscript", "--vanilla", "-e", check], capture_output=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return proc.returncode == 0


def _run_r(args: list[str], timeout: float) -> dict[str, list[str]]:
    """Run bench_rma.R; return its "key value" output lines as key -> list of values."""
    proc = subprocess.run(
        ["Rscript", "--vanilla", str(R_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"bench_rma.R {args[0]} failed:\n{proc.stderr}")
    out: dict[str, list[str]] = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2:
            out.setdefault(parts[0], []).append(parts[1])
    return out


def _quartiles(x) -> dict:
    x = np.asarray(x, dtype=float)
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    return {
        "median": float(med),
        "q1": float(q1),
        "q3": float(q3),
        "iqr": float(q3 - q1),
        "min": float(x.min()),
        "max": float(x.max()),
    }


# --------------------------------------------------------------------------------------
# 1-2: one fit


def _reference_loop() -> int:
    """A fixed amount of pure-Python work, timed beside the fit to gauge the machine's speed."""
    s = 0
    for i in range(3000):
        s += i * i
    return s


def bench_single(cfg: dict, use_r: bool, tmp: Path) -> dict:
    import evsynth as es

    yi, vi = single_data(cfg["single_k"])
    res = es.meta_analysis(yi, vi, method="REML", test="z")
    timer = timeit.Timer(lambda: es.meta_analysis(yi, vi, method="REML", test="z"))
    timer.timeit(number=max(10, cfg["single_number"]))  # warm-up
    number = cfg["single_number"]
    # interleaved with each measurement, a fixed pure-Python loop: this shared machine runs
    # at different speeds at different times, and the loop shows which speed it was in
    ref = timeit.Timer(_reference_loop)
    times, ref_times = [], []
    for _ in range(cfg["single_repeat"]):
        times.append(timer.timeit(number=number))
        ref_times.append(ref.timeit(number=1))
    per_call_ms = np.array(times) / number * 1e3
    ref_ms = np.array(ref_times) * 1e3
    out = {
        "k": cfg["single_k"],
        "method": "REML",
        "test": "z",
        "seed": SINGLE_SEED,
        "evsynth": {
            **{f"{key}_ms": val for key, val in _quartiles(per_call_ms).items()},
            "calls": number * cfg["single_repeat"],
            "how": (
                f"timeit: {cfg['single_repeat']} measurements of {number} calls each "
                "(gc disabled, as timeit does); per-call time = measurement / calls"
            ),
            "estimate": res.estimate,
            "tau2": res.tau2,
            "iterations": res.iterations,
        },
        "reference_loop_median_ms": float(np.median(ref_ms)),
        "reference_loop_how": (
            "one run of a fixed pure-Python loop (sum of i*i for i < 3000) after each "
            "measurement (see benchmarks/README.md on this machine's two speeds)"
        ),
        "requirement_ms": REQ_SINGLE_MS,
    }
    out["meets_requirement"] = out["evsynth"]["median_ms"] <= REQ_SINGLE_MS
    if use_r:
        path = tmp / "single.csv"
        np.savetxt(path, np.c_[yi, vi], delimiter=",", header="yi,vi", comments="", fmt="%.17g")
        r = _run_r(
            ["single", str(path), str(cfg["r_single_calls"]), str(cfg["r_single_reps"])],
            timeout=1800,
        )
        per_call_r = np.array([float(x) for x in r["per_call_s"]]) * 1e3
        r_est, r_tau2 = float(r["estimate"][0]), float(r["tau2"][0])
        # metafor stops at |change in tau2| < 1e-5 by default, so agreement is to that order
        if not (abs(r_est - res.estimate) < 1e-4 and abs(r_tau2 - res.tau2) < 1e-4):
            raise AssertionError(
                f"evsynth and metafor disagree on the single fit: estimate {res.estimate} vs "
                f"{r_est}, tau2 {res.tau2} vs {r_tau2}"
            )
        out["metafor"] = {
            **{f"{key}_ms": val for key, val in _quartiles(per_call_r).items()},
            "calls": cfg["r_single_calls"] * cfg["r_single_reps"],
            "how": (
                f"R loop of {cfg['r_single_calls']} calls of rma(yi, vi, method='REML'), "
                f"{cfg['r_single_reps']} repetitions; per-call time = loop elapsed / calls"
            ),
            "estimate": r_est,
            "tau2": r_tau2,
        }
        out["r_version"] = r["r_version"][0]
        out["metafor_version"] = r["metafor_version"][0]
        out["ratio_metafor_over_evsynth"] = (
            out["metafor"]["median_ms"] / out["evsynth"]["median_ms"]
        )
    return out


# --------------------------------------------------------------------------------------
# 3: the batch, in a child process


def _child_batch(n: int, k: int, runs: int, n_checks: int, n_keep: int) -> None:
    """Runs in a fresh interpreter; prints one JSON object on stdout."""
    import resource
    import time
    import tracemalloc

    import evsynth as es

    Y, V = batch_data(n, k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es.meta_analysis_batch(Y[:50], V[:50], method="REML")  # warm-up: lazy imports etc.
    rss_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times = []
    caught: list[str] = []
    for _ in range(runs):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            res = es.meta_analysis_batch(Y, V, method="REML")
            times.append(time.perf_counter() - t0)
        caught = [f"{x.category.__name__}: {x.message}" for x in w]
    rss_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    # batch == single on random analyses (both converge to 1e-12: agreement to rounding)
    rng = np.random.default_rng(CHECK_SEED)
    idx = rng.choice(n, size=min(n_checks, n), replace=False)
    fields = ("estimate", "se", "ci_low", "ci_high", "pvalue", "tau2", "q", "i2", "h2", "pi_low")
    worst = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i in idx:
            one = es.meta_analysis(Y[i], V[i], method="REML")
            for f in fields:
                a, b = getattr(one, f), getattr(res, f)[i]
                if not np.isclose(a, b, rtol=CHECK_RTOL, atol=CHECK_ATOL):
                    raise AssertionError(
                        f"batch != single for analysis {i}, field {f}: {b!r} vs {a!r}"
                    )
                worst = max(worst, abs(a - b) / max(abs(a), 1e-300))
            assert np.allclose(one.weights, res.weights[i], rtol=CHECK_RTOL, atol=CHECK_ATOL), i

    # tracemalloc: memory allocated by the call itself (untimed; tracing slows it down)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        es.meta_analysis_batch(Y, V, method="REML")
        traced_peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()

    iters = res.iterations
    print(
        json.dumps(
            {
                "times_s": times,
                "rss_before_kib": rss_before_kib,
                "rss_peak_kib": rss_peak_kib,
                "tracemalloc_peak_bytes": traced_peak,
                "input_bytes": Y.nbytes + V.nbytes,
                "checked_indices": [int(i) for i in idx],
                "check_max_rel_diff": worst,
                "warnings": caught,
                "not_converged": int((~res.converged).sum()),
                "iterations_median": float(np.median(iters)),
                "iterations_p99": float(np.percentile(iters, 99)),
                "iterations_max": int(iters.max()),
                "estimate": res.estimate[:n_keep].tolist(),
                "tau2": res.tau2[:n_keep].tolist(),
                "converged": res.converged[:n_keep].tolist(),
            }
        )
    )


def bench_batch(cfg: dict, use_r: bool, tmp: Path) -> dict:
    n, k = cfg["batch_n"], cfg["batch_k"]
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child-batch",
        json.dumps([n, k, cfg["batch_runs"], cfg["n_checks"], cfg["r_batch_n"]]),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"the batch child process failed:\n{proc.stderr}")
    child = json.loads(proc.stdout)
    times = np.array(child["times_s"])
    out = {
        "n_analyses": n,
        "k": k,
        "method": "REML",
        "test": "z",
        "seed": BATCH_SEED,
        "evsynth": {
            "runs": len(times),
            "times_s": times.tolist(),
            "median_s": float(np.median(times)),
            "min_s": float(times.min()),
            "max_s": float(times.max()),
            "peak_rss_mib": child["rss_peak_kib"] / 1024,
            "peak_rss_before_call_mib": child["rss_before_kib"] / 1024,
            "tracemalloc_peak_mib": child["tracemalloc_peak_bytes"] / 1024**2,
            "input_mib": child["input_bytes"] / 1024**2,
            "memory_how": (
                "peak_rss: getrusage(RUSAGE_SELF).ru_maxrss of a fresh child process "
                "(interpreter, imports, input arrays and the calls); peak_rss_before_call: "
                "the same after data generation and a warm-up call on 50 analyses; "
                "tracemalloc_peak: peak of memory allocated during one call (NumPy buffers "
                "included), measured in a separate untimed call"
            ),
            "not_converged": child["not_converged"],
            "warnings": child["warnings"],
            "iterations_median": child["iterations_median"],
            "iterations_p99": child["iterations_p99"],
            "iterations_max": child["iterations_max"],
        },
        "check_batch_equals_single": {
            "analyses_checked": len(child["checked_indices"]),
            "max_rel_diff": child["check_max_rel_diff"],
            "passed": True,  # the child asserts; it would have failed otherwise
        },
        "requirement_s": REQ_BATCH_S,
    }
    out["meets_requirement"] = out["evsynth"]["median_s"] <= REQ_BATCH_S
    if use_r:
        m = min(cfg["r_batch_n"], n)
        Y, V = batch_data(n, k)
        Y, V = Y[:m], V[:m]
        path = tmp / "batch.csv"
        res_path = tmp / "batch_out.csv"
        header = ",".join([f"y{j + 1}" for j in range(k)] + [f"v{j + 1}" for j in range(k)])
        np.savetxt(path, np.c_[Y, V], delimiter=",", header=header, comments="", fmt="%.17g")
        r = _run_r(["batch", str(path), str(res_path), str(cfg["r_batch_reps"])], timeout=3600)
        loops = np.array([float(x) for x in r["loop_s"]])
        loop_med = float(np.median(loops))
        r_res = np.genfromtxt(res_path, delimiter=",", names=True, dtype=None, encoding="utf-8")
        failed = np.array([str(x).upper() == "TRUE" for x in r_res["failed"]])
        est_e = np.array(child["estimate"][:m])
        tau2_e = np.array(child["tau2"][:m])
        conv_e = np.array(child["converged"][:m], dtype=bool)
        ok = ~failed
        d_est = np.abs(r_res["estimate"][ok].astype(float) - est_e[ok])
        d_tau2 = np.abs(r_res["tau2"][ok].astype(float) - tau2_e[ok])
        out["metafor"] = {
            "analyses_timed": m,
            "reps": len(loops),
            "loop_times_s": loops.tolist(),
            "loop_median_s": loop_med,
            "per_analysis_ms": loop_med / m * 1e3,
            "extrapolated_to_n_s": loop_med / m * n,
            "extrapolated": True,
            "errors_nonconvergence": int(failed.sum()),
        }
        out["r_version"] = r["r_version"][0]
        out["metafor_version"] = r["metafor_version"][0]
        out["ratio_metafor_over_evsynth"] = (
            out["metafor"]["extrapolated_to_n_s"] / out["evsynth"]["median_s"]
        )
        out["check_vs_metafor"] = {
            "analyses_compared": int(ok.sum()),
            "max_abs_diff_estimate": float(d_est.max()) if d_est.size else None,
            "max_abs_diff_tau2": float(d_tau2.max()) if d_tau2.size else None,
            "n_tau2_diff_over_1e-4": int((d_tau2 > 1e-4).sum()),
            "indices_tau2_diff_over_1e-4": [int(i) for i in np.flatnonzero(ok)[d_tau2 > 1e-4]],
            "indices_metafor_error": [int(i) for i in np.flatnonzero(failed)],
            "indices_evsynth_not_converged": [int(i) for i in np.flatnonzero(~conv_e)],
            "note": (
                "metafor at its defaults stops when tau2 changes by < 1e-5, evsynth at a "
                "relative 1e-12, so differences of order 1e-5 in tau2 are expected"
            ),
        }
    return out


# --------------------------------------------------------------------------------------
# report


def _fmt(x, spec: str) -> str:
    return "n/a" if x is None else format(x, spec)


def print_table(single: dict, batch: dict, quick: bool = False) -> None:
    ev, mf = single["evsynth"], single.get("metafor")
    bev, bmf = batch["evsynth"], batch.get("metafor")
    rows = [
        (
            f"one REML fit, k={single['k']}: evsynth median (IQR)",
            f"{ev['median_ms']:.4f} ms ({ev['q1_ms']:.4f}-{ev['q3_ms']:.4f})",
            f"<= {REQ_SINGLE_MS} ms",
            "PASS" if single["meets_requirement"] else "FAIL",
        ),
        (
            "  machine-speed reference loop (median)",
            f"{single['reference_loop_median_ms']:.4f} ms",
            "",
            "",
        ),
        (
            f"one REML fit, k={single['k']}: metafor rma() median (IQR)",
            f"{mf['median_ms']:.4f} ms ({mf['q1_ms']:.4f}-{mf['q3_ms']:.4f})" if mf else "n/a",
            "",
            "",
        ),
        (
            "  ratio metafor / evsynth",
            _fmt(single.get("ratio_metafor_over_evsynth"), ".2f"),
            "",
            "",
        ),
        (
            f"batch REML, {batch['n_analyses']:,} x k={batch['k']}: evsynth median (min-max)",
            f"{bev['median_s']:.3f} s ({bev['min_s']:.3f}-{bev['max_s']:.3f})",
            f"<= {REQ_BATCH_S} s",
            "PASS" if batch["meets_requirement"] else "FAIL",
        ),
        ("  peak RSS of the child process", f"{bev['peak_rss_mib']:.0f} MiB", "report", ""),
        ("  tracemalloc peak of one call", f"{bev['tracemalloc_peak_mib']:.0f} MiB", "", ""),
        (
            "  analyses not converged (DL fallback)",
            f"{bev['not_converged']}",
            "",
            "" if bev["not_converged"] == 0 else "NOTE",
        ),
        (
            "  iterations median / p99 / max",
            f"{bev['iterations_median']:.0f} / {bev['iterations_p99']:.0f} / "
            f"{bev['iterations_max']}",
            "",
            "",
        ),
        (
            f"batch: metafor loop over {bmf['analyses_timed']:,}" if bmf else "batch: metafor",
            f"{bmf['loop_median_s']:.2f} s ({bmf['per_analysis_ms']:.3f} ms each)"
            if bmf
            else "n/a",
            "",
            "",
        ),
        (
            f"  extrapolated to {batch['n_analyses']:,}",
            f"{bmf['extrapolated_to_n_s']:.1f} s" if bmf else "n/a",
            "",
            "",
        ),
        ("  ratio metafor / evsynth", _fmt(batch.get("ratio_metafor_over_evsynth"), ".1f"), "", ""),
        (
            "check: batch == single",
            f"{batch['check_batch_equals_single']['analyses_checked']} analyses, max rel diff "
            f"{batch['check_batch_equals_single']['max_rel_diff']:.1e}",
            "assert",
            "PASS",
        ),
    ]
    cvm = batch.get("check_vs_metafor")
    if cvm:
        rows.append(
            (
                "check: evsynth vs metafor (R subset)",
                f"max |d est| {cvm['max_abs_diff_estimate']:.1e}, |d tau2| "
                f"{cvm['max_abs_diff_tau2']:.1e}; {cvm['n_tau2_diff_over_1e-4']} with "
                "|d tau2| > 1e-4",
                "",
                "" if cvm["n_tau2_diff_over_1e-4"] == 0 else "NOTE",
            )
        )
        if bmf["errors_nonconvergence"]:
            rows.append(
                (
                    "  metafor errors (non-convergence)",
                    str(bmf["errors_nonconvergence"]),
                    "",
                    "",
                )
            )
    if quick:  # small sizes: the requirements do not apply
        rows = [
            (a, b, c, "" if d in ("PASS", "FAIL") and c.startswith("<=") else d)
            for a, b, c, d in rows
        ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    head = ("figure", "value", "requirement", "")
    widths = [max(w, len(h)) for w, h in zip(widths, head, strict=True)]
    line = "  ".join("-" * w for w in widths)
    print("  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    print(line)
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; write nothing")
    parser.add_argument("--no-r", action="store_true", help="skip the R metafor comparison")
    parser.add_argument("--child-batch", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_batch:
        _child_batch(*json.loads(args.child_batch))
        return 0

    cfg = QUICK if args.quick else FULL
    use_r = not args.no_r and r_available()
    if not use_r:
        why = "--no-r given" if args.no_r else "Rscript with metafor not found"
        print(f"note: {why}; the metafor comparison is skipped", file=sys.stderr)
    started = _dt.datetime.now(_dt.UTC)
    load_before = os.getloadavg()
    vers = versions()  # before the runs: the source fingerprint is of the code timed
    with tempfile.TemporaryDirectory(prefix="evsynth-bench-") as td:
        tmp = Path(td)
        # the batch child first: nothing else is running beside it
        batch = bench_batch(cfg, use_r, tmp)
        single = bench_single(cfg, use_r, tmp)

    mach = machine_info()
    if versions()["stats_source_sha256"] != vers["stats_source_sha256"]:
        print("warning: src/evsynth/stats changed during the run", file=sys.stderr)
        vers["stats_source_changed_during_run"] = True
    # other processes compete for the 2 cores: the load average says how quiet it was
    mach["loadavg_1_5_15_before"] = [round(x, 2) for x in load_before]
    mach["loadavg_1_5_15_after"] = [round(x, 2) for x in os.getloadavg()]
    vers["r"] = single.get("r_version")
    vers["metafor"] = single.get("metafor_version")
    print(
        f"evsynth {vers['evsynth']} | Python {vers['python']} | NumPy {vers['numpy']} | "
        f"SciPy {vers['scipy']} | R {vers['r']} | metafor {vers['metafor']}"
    )
    print(
        f"{mach['nproc']} x {mach['cpu_model']}, {mach['memory_gib']} GiB | {started:%Y-%m-%d} | "
        f"load avg before {load_before[0]:.2f}, after {mach['loadavg_1_5_15_after'][0]:.2f}"
    )
    if args.quick:
        print("(--quick: small sizes, figures not comparable with the requirements)")
    print()
    print_table(single, batch, quick=args.quick)

    if not args.quick:
        result = {
            "date": started.isoformat(timespec="seconds"),
            "command": ".venv/bin/python benchmarks/bench_meta.py",
            "machine": mach,
            "versions": vers,
            "single_fit": single,
            "batch": batch,
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
