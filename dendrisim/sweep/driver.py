"""Run a sweep: expand, skip what is finished, run the rest on a back end, keep the table.

Layout of a sweep folder ``out``::

    out/<case>/              one results folder per case (docs/architecture.md#results-layout)
    out/summary.csv          one row per case, rewritten after every case (atomic)
    out/sweep/sweep.json     the sweep as run: spec and the list of cases with their values
    out/sweep/cases/*.toml   the resolved case files (also what SLURM array tasks read)
    out/sweep/log.txt        one line per case start/end, with wall times
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from dendrisim.io.run_folder import FINISHED
from dendrisim.sweep.backends import LocalBackend, MPIBackend, default_workers
from dendrisim.sweep.execute import CaseOutcome, CaseTask, absolute_runner
from dendrisim.sweep.expand import SweepCase, expand, varying_keys
from dendrisim.sweep.spec import SweepError, SweepSpec, load_sweep
from dendrisim.sweep.status import FAILED, INCOMPLETE, STALE, CaseState, case_state
from dendrisim.sweep.summary import SummaryTable, atomic_write
from dendrisim.sweep.sweep_progress import Counts, SweepProgress

# failures of the installation, not of the case: such cases run again on the next call
ENVIRONMENT_ERRORS = ("NotBuiltYetError", "MissingDependencyError")
TABLE_WRITE_EVERY_S = 1.0  # summary.csv rewritten at most this often while cases end [s]
META = "sweep"  # sub-folder of `out` holding the sweep's own files (not a case name)


@dataclass
class SweepReport:
    """What a sweep call did (returned by :func:`run_sweep` and ``api.sweep``)."""

    out: Path
    cases: list[SweepCase]
    states: dict[str, CaseState]
    planned: list[str] = field(default_factory=list)  # cases this call runs (or would run)
    outcomes: dict[str, CaseOutcome] = field(default_factory=dict)
    summary: Path | None = None
    script: Path | None = None  # slurm job script
    dry_run: bool = False

    def count(self, status: str) -> int:
        """Cases whose current state is ``status``."""
        return sum(1 for s in self.states.values() if s.status == status)

    def __str__(self) -> str:
        lines = []
        if self.dry_run:
            lines.append(f"{len(self.cases)} cases in {self.out} (dry run, nothing written):")
            for sc in self.cases:
                st = self.states[sc.name]
                todo = "run" if sc.name in self.planned else "skip"
                lines.append(
                    f"  {todo:4} {sc.name:<40} {st.status:<10} "
                    + " ".join(f"{k}={v}" for k, v in sc.varied.items())
                )
            return "\n".join(lines)
        done, failed = self.count(FINISHED), self.count(FAILED)
        lines.append(
            f"sweep {self.out}: {len(self.cases)} cases, {done} finished, {failed} "
            f"failed, {len(self.cases) - done - failed} not run"
        )
        for name, st in self.states.items():
            if st.status == FAILED:
                lines.append(
                    f"  failed {name}: {st.stop_reason}"
                    + (f" — {st.detail.splitlines()[0]}" if st.detail else "")
                )
        if self.summary:
            lines.append(f"summary: {self.summary} (trend plots: dendrisim plot {self.out})")
        if self.script:
            lines.append(
                f"SLURM job array written: submit with `sbatch {self.script}` (or bash "
                f"{self.script.parent / 'submit.sh'}); when it has run, collect with "
                "`dendrisim sweep SWEEP.toml --collect`"
            )
        return "\n".join(lines)


def write_case_file(sc: SweepCase, folder: Path) -> Path:
    """The resolved case as TOML (a user mesh path made absolute)."""
    d = sc.case.to_input_dict()  # loadable again (to_dict holds both size pairs)
    if sc.case.geometry.mesh:
        src = Path(sc.case.source_dir) if sc.case.source_dir else None
        d["geometry"]["mesh"] = str(sc.case.geometry.mesh_path(src).resolve())
    path = folder / f"{sc.name}.toml"
    atomic_write(path, "# resolved case of a dendrisim sweep\n" + tomli_w.dumps(d))
    return path


def _log(out: Path, text: str) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    with open(out / META / "log.txt", "a", encoding="utf-8") as fh:
        fh.write(f"{stamp} {text}\n")


class _Lock:
    """``out/sweep/lock``: refuse a second live sweep on the same folder (same host)."""

    def __init__(self, out: Path):
        self.path = out / META / "lock"

    def __enter__(self) -> _Lock:
        if self.path.is_file():
            try:
                host, pid = self.path.read_text().split()
                alive = host == socket.gethostname() and _pid_alive(int(pid))
            except (ValueError, OSError):
                alive = False
            if alive:
                raise SweepError(
                    f"{self.path.parent.parent} is being run by process {pid}; "
                    "wait for it, or stop it first"
                )
        self.path.write_text(f"{socket.gethostname()} {os.getpid()}")
        return self

    def __exit__(self, *exc) -> None:
        self.path.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return pid != os.getpid()


def _launcher_size() -> int:
    """Ranks of the MPI job this process was started in (1 outside mpiexec/srun)."""
    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MPI_LOCALNRANKS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return 1


def check_launch(backend: str) -> None:
    """Refuse a launch where every MPI rank would drive its own copy of the sweep."""
    if _launcher_size() <= 1:
        return
    if backend == "mpi":
        from dendrisim.sweep.backends import in_mpi_futures_server

        if in_mpi_futures_server():
            return
        how = (
            "run `mpiexec -n N python -m mpi4py.futures -m dendrisim sweep SWEEP.toml "
            "--backend mpi` (rank 0 drives the sweep, N-1 ranks run cases)"
        )
    else:
        how = (
            f'run backend {backend!r} without mpiexec; use backend "mpi" inside an MPI '
            "allocation, or run.ranks_per_case for cases that use several ranks"
        )
    raise SweepError(f"the sweep was started on several MPI ranks: {how}")


def plan(
    spec: SweepSpec, cases: list[SweepCase], out: Path, force: bool, retry_failed: bool
) -> tuple[dict[str, CaseState], list[str]]:
    """Current state of each case and the names to run; stale finished results need force."""
    states = {sc.name: case_state(out / sc.name, sc.case) for sc in cases}
    stale = [
        f"{n}: {s.detail}"
        for n, s in states.items()
        if s.status == STALE and s.previous == FINISHED
    ]
    if stale and not force:
        raise SweepError(
            [
                f"{out} holds finished results of other inputs (the sweep changed): "
                + "; ".join(stale[:3])
                + (" …" if len(stale) > 3 else ""),
                "re-run them with --force, or give the sweep another out folder",
            ]
        )
    run = {"pending", INCOMPLETE, STALE} | ({FAILED} if retry_failed else set())
    todo = [
        sc.name
        for sc in cases
        if force
        or states[sc.name].status in run
        or (
            states[sc.name].status == FAILED
            and states[sc.name].detail.startswith(ENVIRONMENT_ERRORS)
        )
    ]
    return states, todo


def run_sweep(
    sweep: str | Path | SweepSpec,
    *,
    force: bool = False,
    backend: str | None = None,
    workers: int | None = None,
    ranks_per_case: int | None = None,
    runner: str | None = None,
    out: str | Path | None = None,
    dry_run: bool = False,
    collect: bool = False,
    retry_failed: bool = False,
    quiet: bool = False,
) -> SweepReport:
    """Run (or resume) a sweep; keyword arguments override the file's ``[run]`` and ``out``."""
    overrides = {
        "run.backend": backend,
        "run.workers": workers,
        "run.ranks_per_case": ranks_per_case,
        "run.runner": runner,
        "out": str(out) if out else None,
    }
    spec = sweep if isinstance(sweep, SweepSpec) else load_sweep(sweep, overrides)
    cases = expand(spec)
    if not dry_run and not collect:
        check_launch(spec.run.backend)
    if any(sc.name == META for sc in cases):
        raise SweepError(f"a case may not be named {META!r} (the sweep's own folder)")
    out_dir = spec.out_dir().resolve()
    states, todo = plan(spec, cases, out_dir, force and not collect, retry_failed)
    report = SweepReport(out_dir, cases, states, planned=[] if collect else todo, dry_run=dry_run)
    if dry_run:
        return report
    case_dir = out_dir / META / "cases"
    case_dir.mkdir(parents=True, exist_ok=True)
    with _Lock(out_dir):
        shutil.rmtree(out_dir / META / "running", ignore_errors=True)  # left by a killed run
        files = {sc.name: write_case_file(sc, case_dir) for sc in cases}
        _write_meta(spec, cases, out_dir)
        table = SummaryTable(cases, varying_keys(spec), out_dir)
        for sc in cases:
            st = states[sc.name]
            table.update(sc, st.status, st.stop_reason, st.detail if st.status == FAILED else "")
        report.summary = table.write()
        if collect or not todo:
            return report
        tasks = _tasks(spec, todo, files, out_dir)
        if spec.run.backend == "slurm":
            from dendrisim.sweep.slurm import write_job

            report.script = write_job(spec, tasks, out_dir)
            _log(out_dir, f"slurm job array written for {len(tasks)} cases: {report.script}")
            return report
        try:
            _execute(spec, tasks, _Recorder(out_dir, cases, states, table, report), quiet)
        finally:  # the last rows the recorder's throttle held back
            report.summary = table.write()
    return report


def _tasks(spec: SweepSpec, todo: list[str], files: dict[str, Path], out_dir: Path):
    """One :class:`CaseTask` per case to run."""
    return [
        CaseTask(
            name=n,
            case_file=str(files[n]),
            out=str(out_dir / n),
            runner=absolute_runner(spec.run.runner),
            ranks=spec.run.ranks_per_case,
            mpiexec=spec.run.mpiexec,
            timeout_s=spec.run.case_timeout_s,
            isolate=spec.run.case_timeout_s is not None,  # to enforce it
            cwd=os.getcwd(),
        )
        for n in todo
    ]


def _execute(spec: SweepSpec, tasks: list[CaseTask], rec: _Recorder, quiet: bool) -> None:
    """Run the tasks on the sweep's local or MPI back end, recording each outcome."""
    run = spec.run
    if run.backend == "mpi":
        engine = MPIBackend(run.workers)
    else:
        engine = LocalBackend(run.workers or default_workers(), run.start_method, run.fresh_process)
    pending = {t.name for t in tasks}
    states = rec.states
    counts = Counts(
        total=len(rec.by_name),
        done=sum(1 for n, s in states.items() if s.status == FINISHED and n not in pending),
        failed=sum(1 for n, s in states.items() if s.status == FAILED and n not in pending),
        to_run=len(tasks),
    )
    pool = f"{engine.workers} workers" if engine.workers else "pool from mpiexec"
    _log(
        rec.out_dir,
        f"start: {len(tasks)} of {len(rec.by_name)} cases on backend {run.backend} ({pool})",
    )
    with SweepProgress(counts, engine.workers or 1, quiet=quiet) as progress:
        rec.progress = progress
        try:
            engine.run(tasks, rec.on_done)
        except KeyboardInterrupt:
            _log(rec.out_dir, "interrupted: unfinished cases stay incomplete and run on resume")
            raise
    _log(rec.out_dir, f"end: {counts.line()}")


class _Recorder:
    """Records each finished case: its state (from its folder), the table, the log."""

    def __init__(self, out_dir: Path, cases, states: dict, table: SummaryTable, report):
        self.out_dir, self.states, self.table, self.report = out_dir, states, table, report
        self.by_name = {sc.name: sc for sc in cases}
        self.progress = None
        self._written_at = -math.inf  # time.monotonic() of the last table write [s]

    def on_done(self, outcome: CaseOutcome) -> None:
        """A case ended (in a worker): check its folder, update table, log and progress."""
        sc = self.by_name[outcome.name]
        st = case_state(self.out_dir / sc.name, sc.case)
        if outcome.status == FINISHED and st.status != FINISHED:
            st = CaseState(
                FAILED,
                "error",
                f"runner returned but the folder is not a finished result ({st.detail})",
            )
        elif outcome.status != FINISHED and st.status != FAILED:
            st = CaseState(FAILED, outcome.stop_reason or "error", outcome.error)
        stop = st.stop_reason or outcome.stop_reason
        self.states[sc.name] = CaseState(st.status, stop, outcome.error or st.detail)
        self.report.outcomes[sc.name] = outcome
        self.table.update(sc, st.status, stop, outcome.error)
        # The table is rebuilt whole, so writing it after every case is quadratic in the
        # sweep's size (a 3584-case sweep spent most of its time there): at most once per
        # TABLE_WRITE_EVERY_S, and once at the end; each case's own folder is its record
        now = time.monotonic()
        if now - self._written_at >= TABLE_WRITE_EVERY_S:
            self.table.write()
            self._written_at = now
        first = f" — {outcome.error.splitlines()[0]}" if outcome.error else ""
        _log(
            self.out_dir,
            f"{sc.name}: {st.status} ({stop}) in {outcome.wall_time_s:.3f} s on "
            f"{outcome.host}:{outcome.pid}{first}",
        )
        if self.progress is not None:
            self.progress.update(outcome)


def _write_meta(spec: SweepSpec, cases: list[SweepCase], out: Path) -> None:
    data: dict[str, Any] = {
        "name": spec.name,
        "spec": spec.model_dump(mode="json"),
        "source_dir": spec.source_dir,
        "varied_keys": varying_keys(spec),
        "cases": [{"name": sc.name, "varied": sc.varied} for sc in cases],
    }
    atomic_write(out / META / "sweep.json", json.dumps(data, indent=2, default=str))
