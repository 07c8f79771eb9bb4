"""Helpers for tests that start real ``dendrisim run`` processes and signal them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

# a run of many short steps (dt <= 1 ms): it lasts minutes, rows come every few ms
LONG_RUN = [
    "--set",
    "time.end_s=1000",
    "--set",
    "time.dt_max_s=0.001",
    "--set",
    "output.fields=[]",
    "--set",
    "interface.moving=false",
]


def env() -> dict[str, str]:
    """This process's environment with the checkout first on PYTHONPATH."""
    root = str(Path(__file__).resolve().parents[2])
    e = dict(os.environ)
    e["PYTHONPATH"] = os.pathsep.join(p for p in (root, e.get("PYTHONPATH", "")) if p)
    return e


def dendrisim(*args: str, **kw) -> subprocess.CompletedProcess:
    """``python -m dendrisim ARGS`` to completion (text output)."""
    return subprocess.run(
        [sys.executable, "-m", "dendrisim", *args],
        capture_output=True,
        text=True,
        env=env(),
        timeout=kw.pop("timeout", 180),
        **kw,
    )


def start_long_run(
    out: Path,
    case: str = "fig5-stable",
    launcher: tuple[str, ...] = (),
    extra: tuple[str, ...] = (),
) -> subprocess.Popen:
    """A ``dendrisim run`` into ``out`` that is writing rows when this returns."""
    proc = subprocess.Popen(
        [
            *launcher,
            sys.executable,
            "-m",
            "dendrisim",
            "run",
            case,
            *LONG_RUN,
            *extra,
            "--out",
            str(out),
            "-q",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    wait_rows(proc, out / "timeseries.csv", 5)
    return proc


def wait_rows(proc: subprocess.Popen, csv: Path, n: int, timeout_s: float = 120) -> None:
    """Wait until ``csv`` has ``n`` lines (fails if the process ends first)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        if csv.is_file() and csv.read_bytes().count(b"\n") >= n:
            return
        if proc.poll() is not None:
            raise AssertionError(f"run ended early: rc {proc.returncode}: {proc.stderr.read()}")
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"no {n} rows in {csv} after {timeout_s} s")


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    """{relative path: (mtime_ns, content)} of every file in ``folder``."""
    return {
        str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
