"""Driver of scripts/bench: runs every ``bench_*.py`` module's ``main(quick)``.

Each benchmark runs in its own Python process, so that its peak memory (RSS) and JIT time
are its own, not those of the benchmarks before it.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    """Run all benchmarks (or a quick subset); returns the number of failed ones."""
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="the < 3 min subset")
    p.add_argument("-n", "--ranks", type=int, default=1, help="also run on N MPI ranks")
    p.add_argument("only", nargs="*", help="benchmark names (e.g. geometry solver)")
    args = p.parse_args()
    names = sorted(f.stem[len("bench_") :] for f in HERE.glob("bench_*.py"))
    if args.only:
        names = [n for n in names if n in args.only]
    failed = 0
    for name in names:
        print(f"\n=== benchmark: {name}", flush=True)
        mod = importlib.import_module(f"benchmarks.bench_{name}")
        if "quick" in inspect.signature(mod.main).parameters:
            code = f"import benchmarks.bench_{name} as m; m.main(quick={args.quick})"
            cmd = [sys.executable, "-c", code]
        else:  # a benchmark with its own argument parser: defaults (or its quick flag)
            cmd = [sys.executable, "-m", f"benchmarks.bench_{name}"] + (
                ["--quick"] if args.quick and getattr(mod, "HAS_QUICK_FLAG", False) else []
            )
        # a broken benchmark must not hide the others
        if subprocess.run(cmd, check=False, cwd=HERE.parent).returncode != 0:
            print(f"benchmark {name} failed", flush=True)
            failed += 1
        if args.ranks > 1 and getattr(mod, "MPI_CAPABLE", False):
            cmd = [
                "mpiexec",
                "-n",
                str(args.ranks),
                sys.executable,
                "-c",
                f"import benchmarks.bench_{name} as m; m.main(quick={args.quick})",
            ]
            print(f"=== benchmark: {name} on {args.ranks} ranks", flush=True)
            failed += subprocess.run(cmd, check=False, cwd=HERE.parent).returncode != 0
    return failed


if __name__ == "__main__":
    sys.exit(main())
