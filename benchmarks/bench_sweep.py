"""Sweep throughput: `dendrisim sweep` on N workers vs the same cases one by one.

    python benchmarks/bench_sweep.py                    # real solver (api.run), 2 workers
    python benchmarks/bench_sweep.py --cases 6 --end-s 0.5
    python benchmarks/bench_sweep.py --runner tests/sweep/fake_runner.py:run --sleep-s 2
                                                        # the machinery alone, emulated solve

Sequential baseline: one `dendrisim run CASE --out DIR --force -q` subprocess per case (with
--runner: `python -m dendrisim.sweep.worker --runner R CASE DIR`, the same thing for an
injected runner). Sweep: `run_sweep` with the local back end (fresh worker process per case).
A warm-up case runs first so both see a warm dolfinx JIT cache (shared on disk by default).
Prints cases/min for both and their ratio (target >= 1.8 with 2 workers) and appends one JSON
line to benchmarks/results/bench_sweep.jsonl. Exits 3 with "solver not built yet" while
api.run is a stub.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def sweep_text(out: Path, n: int, end_s: float, runner: str, workers: int) -> str:
    ratios = [1.0, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 40.0][:n]
    return (
        f'base = "fig5-stable"\nout = "{out}"\n[set]\n"time.end_s" = {end_s}\n'
        f'[axes]\n"geometry.aspect_ratio" = {ratios}\n'
        f'[run]\nbackend = "local"\nworkers = {workers}\nrunner = "{runner}"\n'
    )


def run_one(case_file: Path, out: Path, runner: str | None) -> subprocess.CompletedProcess:
    if runner:
        cmd = [
            sys.executable,
            "-m",
            "dendrisim.sweep.worker",
            "--runner",
            runner,
            str(case_file),
            str(out),
        ]
    else:
        cmd = [
            sys.executable,
            "-m",
            "dendrisim",
            "run",
            str(case_file),
            "--out",
            str(out),
            "--force",
            "-q",
        ]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--end-s", type=float, default=1.0, help="simulated time per case [s]")
    ap.add_argument("--runner", default=None, help="module:function or file.py:function")
    ap.add_argument(
        "--sleep-s",
        type=float,
        default=0.0,
        help="with the fake runner: emulated solve time per case [s]",
    )
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    from dendrisim.sweep import expand, load_sweep, run_sweep
    from dendrisim.sweep.driver import write_case_file
    from dendrisim.sweep.execute import absolute_runner

    runner = absolute_runner(args.runner) if args.runner else None
    if args.sleep_s:
        os.environ["FAKE_RUNNER_SLEEP_S"] = str(args.sleep_s)
    work = Path(tempfile.mkdtemp(prefix="bench_sweep_"))
    try:
        sweep_file = work / "bench.toml"
        sweep_file.write_text(
            sweep_text(
                work / "sweep", args.cases, args.end_s, runner or "dendrisim.api:run", args.workers
            )
        )
        cases = expand(load_sweep(sweep_file))
        case_dir = work / "cases"
        case_dir.mkdir()
        files = [write_case_file(sc, case_dir) for sc in cases]
        # warm-up (JIT cache, imports) and the "is the solver built" check
        warm = run_one(files[0], work / "warmup", runner)
        if warm.returncode == 3:
            print(
                "bench_sweep: solver not built yet (api.run is a stub): "
                + warm.stderr.strip().splitlines()[-1]
            )
            return 3
        if warm.returncode != 0:
            print(f"bench_sweep: warm-up case failed:\n{warm.stderr[-2000:]}")
            return 1
        t0 = time.perf_counter()
        for f in files:
            p = run_one(f, work / "seq" / f.stem, runner)
            if p.returncode != 0:
                print(f"bench_sweep: {f.stem} failed in the sequential run:\n{p.stderr[-1000:]}")
                return 1
        t_seq = time.perf_counter() - t0
        t0 = time.perf_counter()
        report = run_sweep(sweep_file, quiet=True)
        t_sweep = time.perf_counter() - t0
        if report.count("finished") != len(cases):
            print(f"bench_sweep: sweep had failures:\n{report}")
            return 1
        rec = {
            "benchmark": "sweep_throughput",
            "cases": len(cases),
            "workers": args.workers,
            "cores": len(os.sched_getaffinity(0)),
            "runner": runner or "dendrisim.api:run",
            "end_s": args.end_s,
            "emulated_solve_s": args.sleep_s,
            "sequential_s": round(t_seq, 3),
            "sweep_s": round(t_sweep, 3),
            "sequential_cases_per_min": round(60 * len(cases) / t_seq, 3),
            "sweep_cases_per_min": round(60 * len(cases) / t_sweep, 3),
            "speedup": round(t_seq / t_sweep, 3),
            "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        print(
            f"sequential `dendrisim run`: {rec['sequential_cases_per_min']:.3g} cases/min "
            f"({t_seq:.2f} s for {len(cases)} cases)"
        )
        print(
            f"sweep, {args.workers} workers:     {rec['sweep_cases_per_min']:.3g} cases/min "
            f"({t_sweep:.2f} s)"
        )
        print(f"speedup: {rec['speedup']:.2f}x (target >= 1.8x with 2 workers)")
        results = HERE / "results"
        results.mkdir(exist_ok=True)
        with open(results / "bench_sweep.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
