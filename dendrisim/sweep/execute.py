"""Running one case of a sweep: in this process, or in a fresh (MPI) subprocess.

A :class:`CaseTask` is plain picklable data (paths and strings), so the same task runs in a
local worker process, an MPI pool worker or a SLURM array task.  The runner is injectable:
``"dendrisim.api:run"`` (default) or ``"path/to/file.py:function"``; it is called as
``runner(case, out=folder, force=True, quiet=True)`` and returns a result with ``.status``
and ``.stop_reason``, or raises (after writing a failed manifest, for DendrisimError).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dendrisim.core.errors import DendrisimError
from dendrisim.io.folder_lock import is_locked
from dendrisim.io.run_folder import (
    FAILED,
    FINISHED,
    INTERRUPTED,
    is_results_folder,
    read_manifest,
)
from dendrisim.sweep.lifeline import child_preexec
from dendrisim.sweep.spec import DEFAULT_RUNNER

OUTCOME_MARK = "DENDRISIM_SWEEP_OUTCOME "
# environment of an MPI launcher; a child process must not inherit it (it would try to join
# the parent's MPI job instead of starting its own)
_MPI_ENV_PREFIXES = ("PMI_", "PMIX_", "HYDRA_", "HYDI_", "MPI_LOCAL", "OMPI_", "MPIEXEC_")


@dataclass(frozen=True)
class CaseTask:
    """Everything a worker needs to run one case (picklable)."""

    name: str
    case_file: str  # resolved case TOML (absolute path)
    out: str  # results folder of this case (absolute path)
    runner: str = DEFAULT_RUNNER
    ranks: int = 1  # MPI ranks of the case
    isolate: bool = False  # run in a fresh subprocess (needed under an MPI pool, ranks > 1)
    mpiexec: str = "mpiexec"
    timeout_s: float | None = None
    cwd: str = ""


@dataclass(frozen=True)
class CaseOutcome:
    """How one case ended, as seen by the sweep."""

    name: str
    status: str  # finished | failed | interrupted
    stop_reason: str | None = None
    error: str = ""
    wall_time_s: float = 0.0
    host: str = ""
    pid: int = 0

    def to_json(self) -> str:
        """One-line JSON."""
        return json.dumps(asdict(self))


def absolute_runner(spec: str, base: str | Path = ".") -> str:
    """A runner given by file path made absolute (module paths are kept)."""
    target, func = spec.rsplit(":", 1)
    if target.endswith(".py") or os.sep in target:
        return f"{(Path(base) / target).resolve()}:{func}"
    return spec


def import_runner(spec: str) -> Callable[..., Any]:
    """``"pkg.module:function"`` or ``"path/file.py:function"`` -> the function."""
    target, func = spec.rsplit(":", 1)
    if target.endswith(".py") or os.sep in target:
        path = Path(target).resolve()
        if not path.is_file():
            raise DendrisimError(f"run.runner = {spec!r}: file {path} not found")
        mod_name = f"_dendrisim_runner_{abs(hash(str(path)))}"
        module = sys.modules.get(mod_name)
        if module is None:
            loader_spec = importlib.util.spec_from_file_location(mod_name, path)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[mod_name] = module
            loader_spec.loader.exec_module(module)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise DendrisimError(
                f"run.runner = {spec!r}: cannot import {target!r} ({exc})"
            ) from None
    fn = getattr(module, func, None)
    if not callable(fn):
        raise DendrisimError(f"run.runner = {spec!r}: {target} has no function {func!r}")
    return fn


def mark_failed(folder: Path, reason: str, message: str, case_file: str | None = None) -> None:
    """Record a failure in ``folder/manifest.json`` unless the run already wrote a final one.

    ``case_file`` is copied to ``folder/case.toml`` when the run did not get to write it, so
    the failure is kept as the result of this case (a resumed sweep does not re-run it).
    """
    if folder.is_dir() and (is_locked(folder) or not is_results_folder(folder)):
        return  # a live run owns it (it writes its own manifest), or it is not dendrisim's
    folder.mkdir(parents=True, exist_ok=True)
    if case_file and not (folder / "case.toml").is_file():
        shutil.copyfile(case_file, folder / "case.toml")
    manifest = read_manifest(folder) or {"case": folder.name}
    status = manifest.get("status")
    if status in (FINISHED, INTERRUPTED) or (status == FAILED and manifest.get("error")):
        return
    if status != FAILED or not manifest.get("stop_reason"):
        manifest["stop_reason"] = reason
    manifest.update(
        status=FAILED,
        error=message,
        finished_utc=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    tmp = folder / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    tmp.replace(folder / "manifest.json")


def has_checkpoint(folder: Path, case) -> bool:
    """True if ``folder`` holds an unfinished run of ``case`` with a checkpoint."""
    from dendrisim.solver.restart import store

    manifest = read_manifest(folder) or {}
    if manifest.get("status") == FINISHED:
        return False
    path = store.latest(folder) if folder.is_dir() else None
    return path is not None and store.read_meta(path).get("case_toml") == case.to_toml()


def run_in_process(task: CaseTask, root: bool = True) -> CaseOutcome:
    """Load the case, call the runner, turn any failure into a failed outcome.

    With several MPI ranks every rank calls the runner; only ``root`` records failures.
    """
    from dendrisim.config import load_case

    t0 = time.perf_counter()
    folder = Path(task.out)
    who = {"host": socket.gethostname(), "pid": os.getpid()}
    if task.cwd:
        os.chdir(task.cwd)
    try:
        case = load_case(task.case_file)
        resume = task.runner == DEFAULT_RUNNER and has_checkpoint(folder, case)
        if resume:  # an interrupted case with a checkpoint of this very case: continue it
            result = import_runner("dendrisim.api:resume")(folder, case, quiet=True)
        else:
            result = import_runner(task.runner)(case, out=folder, force=True, quiet=True)
        status = str(getattr(result, "status", FINISHED))
        reason = getattr(result, "stop_reason", None)
        error = "" if status == FINISHED else f"run ended with status {status!r}"
        if status != FINISHED:
            if root:
                mark_failed(folder, reason or "error", error, task.case_file)
            status = FAILED
    except DendrisimError as exc:
        manifest = read_manifest(folder) or {}
        reason = manifest.get("stop_reason") or "error"
        status, error = FAILED, f"{type(exc).__name__}: {exc}"
        if root:
            mark_failed(folder, reason, error, task.case_file)
    except Exception as exc:  # noqa: BLE001 - a bug in one case must not stop the sweep
        reason, status = "error", FAILED
        error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
        if root:
            mark_failed(folder, reason, error, task.case_file)
    return CaseOutcome(
        task.name, status, reason, error.strip(), round(time.perf_counter() - t0, 3), **who
    )


def clean_env(extra_pythonpath: str = "") -> dict[str, str]:
    """The environment of this process without the MPI launcher's variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_MPI_ENV_PREFIXES)}
    paths = [p for p in (extra_pythonpath, env.get("PYTHONPATH", "")) if p]
    if paths:
        env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def worker_command(
    task: CaseTask,
    python: str | None = None,
    launcher: list[str] | None = None,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """Command line that runs ``task`` in its own process (under mpiexec for ranks > 1)."""
    cmd = [
        python or sys.executable,
        "-m",
        "dendrisim.sweep.worker",
        "--runner",
        task.runner,
        "--ranks",
        str(task.ranks),
        *extra,
        task.case_file,
        task.out,
    ]
    if launcher is None:
        launcher = [task.mpiexec, "-n", str(task.ranks)] if task.ranks > 1 else []
    return launcher + cmd


def run_subprocess(task: CaseTask) -> CaseOutcome:
    """Run ``task`` in a fresh process; its outcome comes back as one marked stdout line."""
    t0 = time.perf_counter()
    who = {"host": socket.gethostname(), "pid": os.getpid()}
    cwd = task.cwd or os.getcwd()
    try:
        proc = subprocess.run(
            worker_command(task),
            cwd=cwd,
            env=clean_env(cwd),
            capture_output=True,
            text=True,
            timeout=task.timeout_s,
            check=False,
            preexec_fn=child_preexec(os.getpid()),  # the worker dies with this process
            # its own process group: an mpiexec that is stopped (e.g. SIGTERM when this
            # worker ends first) cleans up its own group, never the sweep's (or pytest's)
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        msg = f"timed out after {task.timeout_s:g} s (run.case_timeout_s)"
        mark_failed(Path(task.out), "timeout", msg, task.case_file)
        return CaseOutcome(
            task.name, FAILED, "timeout", msg, round(time.perf_counter() - t0, 3), **who
        )
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(OUTCOME_MARK):
            data = json.loads(line[len(OUTCOME_MARK) :])
            data["wall_time_s"] = round(time.perf_counter() - t0, 3)
            return CaseOutcome(**data)
    tail = "\n".join(proc.stderr.strip().splitlines()[-6:])
    msg = f"worker process exited with code {proc.returncode} without a result: {tail}"
    mark_failed(Path(task.out), "error", msg, task.case_file)
    return CaseOutcome(task.name, FAILED, "error", msg, round(time.perf_counter() - t0, 3), **who)


def running_marker(task: CaseTask) -> Path:
    """``<sweep>/sweep/running/<case>``: exists while a worker runs the case."""
    return Path(task.out).parent / "sweep" / "running" / Path(task.out).name


def execute(task: CaseTask) -> CaseOutcome:
    """Run one case as the task says (the function the pools call).

    A marker file names the cases being run (host and pid inside); if the worker dies, the
    marker stays and tells the sweep which case was in progress.
    """
    marker = running_marker(task)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(f"{socket.gethostname()} {os.getpid()}\n", encoding="utf-8")
    outcome = run_subprocess(task) if task.isolate or task.ranks > 1 else run_in_process(task)
    marker.unlink(missing_ok=True)
    return outcome
