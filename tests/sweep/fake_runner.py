"""A stand-in for dendrisim.api.run: writes a realistic results folder in milliseconds.

Toy physics (deterministic): first-order consumption with a rate that grows with L/D,
drops with the SEI protection factor and follows Arrhenius in the ambient temperature;
the interface heats with the consumed fraction; "runaway" above a threshold temperature
that falls with L/D. Environment knobs (inherited by worker processes):

- FAKE_RUNNER_LOG: file; each call appends "<case name>\n" (counts runner calls)
- FAKE_RUNNER_FAIL: comma-separated case names that "diverge" (SimulationError)
- FAKE_RUNNER_CRASH: comma-separated case names whose process dies mid-run (os._exit)
- FAKE_RUNNER_SLEEP_S: seconds to sleep per case (for kill/resume tests)
- FAKE_RUNNER_INTERRUPT: comma-separated case names stopped mid-run as by SIGUSR1 with a
  checkpoint (manifest `interrupted`, a stand-in `checkpoint.h5`, RunInterrupted exit 0)
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path

from dendrisim.config import Case
from dendrisim.core.errors import ResultsExistError, RunInterrupted, SimulationError
from dendrisim.io.result import Result
from dendrisim.io.run_folder import read_manifest
from dendrisim.io.timeseries import TIMESERIES_COLUMNS, read_timeseries

R = 8.314462618
RUNAWAY_BASE_K = 470.0


def rate_per_s(case: Case) -> float:
    """Toy consumption rate [1/s]."""
    g = case.geometry
    ld = g.length_um / g.diameter_um
    arr = math.exp(
        -case.kinetics.activation_energy_J_mol / R * (1.0 / case.thermal.ambient_K - 1.0 / 439.05)
    )
    return 0.02 * math.sqrt(ld) * case.sei.protection_factor * arr


def runaway_K(case: Case) -> float:
    """Toy critical ambient temperature [K]: lower for thinner dendrites."""
    g = case.geometry
    return RUNAWAY_BASE_K - 5.0 * math.log(g.length_um / g.diameter_um)


def _names(var: str) -> set[str]:
    return {n for n in os.environ.get(var, "").split(",") if n}


def _manifest(out: Path, case: Case, status: str, reason: str | None) -> None:
    data = {
        "case": case.name,
        "status": status,
        "stop_reason": reason,
        "ranks": 1,
        "wall_time_s": 0.001,
        "runner": "fake",
        "launcher_ranks": int(os.environ.get("PMI_SIZE", "1")),
    }  # set by mpiexec
    tmp = out / "manifest.json.tmp"
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(out / "manifest.json")


def run(case: Case, out=None, force: bool = False, quiet: bool = True) -> Result:
    """Fake solver run with the api.run signature."""
    out = Path(out) if out else Path("results") / case.name
    if os.environ.get("PMI_RANK", "0") != "0":  # several ranks: rank 0 writes (as api.run)
        return Result(path=out, case=case)
    log = os.environ.get("FAKE_RUNNER_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(case.name + "\n")
    old = read_manifest(out)
    if old and old.get("status") in ("finished", "running") and not force:
        raise ResultsExistError(f"{out} already holds a {old['status']} result")
    if out.exists() and force:
        for p in sorted(out.rglob("*"), reverse=True):
            p.unlink() if p.is_file() else p.rmdir()
    out.mkdir(parents=True, exist_ok=True)
    (out / "case.toml").write_text("# resolved case (fake runner)\n" + case.to_toml(), "utf-8")
    _manifest(out, case, "running", None)
    sleep = float(os.environ.get("FAKE_RUNNER_SLEEP_S", "0") or 0)
    k = rate_per_s(case)
    t_end = case.time.end_s
    t_run = t_end * 0.6 if case.thermal.ambient_K > runaway_K(case) else None
    n = 10
    with open(out / "timeseries.csv", "w", encoding="utf-8") as fh:
        fh.write(",".join(TIMESERIES_COLUMNS) + "\n")
        for i in range(n + 1):
            t = (t_run or t_end) * i / n
            ret = math.exp(-k * t)
            T = case.thermal.ambient_K + 20.0 * (1.0 - ret)
            row = [
                t,
                (t_run or t_end) / n,
                ret,
                ret,
                1e-15 * (1 - ret),
                T - 0.5,
                T,
                1e-15 * k * ret,
                240e3 * 1e-15 * k * ret,
                1e-3 * ret,
                3,
            ]
            fh.write(",".join(repr(float(v)) for v in row) + "\n")
            fh.flush()
            if i == n // 2:
                if sleep:
                    time.sleep(sleep)
                if case.name in _names("FAKE_RUNNER_CRASH"):
                    os._exit(17)
                if case.name in _names("FAKE_RUNNER_INTERRUPT"):
                    (out / "checkpoint.h5").write_bytes(b"stand-in")
                    _manifest(out, case, "interrupted", "interrupted")
                    raise RunInterrupted(f"{case.name}: interrupted by SIGUSR1 (injected)", 0)
                if case.name in _names("FAKE_RUNNER_FAIL"):
                    _manifest(out, case, "failed", "diverged")
                    raise SimulationError(f"Newton diverged at t = {t:.3g} s (injected)")
    _manifest(out, case, "finished", "runaway" if t_run else "end_time")
    return Result(
        path=out,
        case=case,
        manifest=read_manifest(out),
        timeseries=read_timeseries(out / "timeseries.csv"),
    )
