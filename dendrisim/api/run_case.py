"""One run of a case end to end: mesh -> simulation -> results folder.

The folder's layout: docs/architecture.md#results-layout.

``run_case`` is what :func:`dendrisim.api.run` and ``dendrisim run`` call.  It prepares the
results folder (refusing to overwrite a finished result), gets the mesh (the case's own
.msh, copied to ``mesh.msh``, or a generated one written there), runs the time loop, and
records the stop reason in ``manifest.json`` before raising
:class:`~dendrisim.core.errors.SimulationError` for runs without a valid stop.
"""

from __future__ import annotations

import logging
import shutil
import signal
import time
from pathlib import Path

from dendrisim.api.resume_check import load_case_file, resumable
from dendrisim.api.run_figures import write_run_figures
from dendrisim.core import parallel
from dendrisim.core.errors import RunInterrupted, SimulationError
from dendrisim.core.logs import FILE_ONLY
from dendrisim.io.run_folder import FAILED, FINISHED, INTERRUPTED, ResultsDir
from dendrisim.solver.interrupt import StopRequest, signal_name
from dendrisim.solver.restart import store
from dendrisim.solver.restart.state import base_mesh
from dendrisim.solver.thermal_cell import thermal_cell

log = logging.getLogger("dendrisim")

STOP_MESSAGES = {
    "end_time": "reached the end time",
    "runaway": "thermal runaway: interface self-heating above the runaway rate",
    "li_exhausted": "the dendrite Li is consumed",
    "dt_too_small": "time step fell below time.dt_min_s (temperature changes too fast)",
    "diverged": "Newton did not converge even at time.dt_min_s",
    "mesh_quality": "the moving Li surface distorted the mesh below interface.min_quality "
    "(remeshing off, not possible for this mesh, or failed: see log.txt)",
    "interrupted": "interrupted (SIGINT/SIGTERM/SIGUSR1); the results so far are kept",
    "error": "an error stopped the run",
}


class _LogToFile:
    """Attach a log.txt handler to the ``dendrisim`` logger on rank 0 (context manager)."""

    def __init__(self, path: Path, comm=None):
        self.handler = None
        if parallel.is_root(comm):
            self.handler = logging.FileHandler(path, mode="a", encoding="utf-8")
            self.handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        self.previous = log.level

    def __enter__(self):
        if self.handler is not None:
            self.handler.setLevel(logging.INFO)  # log.txt keeps INFO and above
            log.addHandler(self.handler)
            # the logger passes INFO to the file; a console handler filters on its own level
            log.setLevel(min(logging.INFO, self.previous or logging.WARNING))
        return self

    def __exit__(self, *exc):
        if self.handler is not None:
            log.removeHandler(self.handler)
            self.handler.close()
        log.setLevel(self.previous)


def case_mesh(case, folder: Path, comm=None):
    """The case's mesh as a MeshBundle; a copy (or the generated mesh) goes to mesh.msh."""
    from dendrisim.meshing.load import load_msh

    target = folder / "mesh.msh"
    g = case.geometry
    if g.mesh:
        src = g.mesh_path(Path(case.source_dir) if case.source_dir else None)
        parallel.on_root(lambda: shutil.copyfile(src, target), comm)
        return load_msh(
            target, comm, unit=g.mesh_unit, formulation=g.formulation, label=f"geometry.mesh {src}"
        )
    from dendrisim.geometry.generator import generate

    generate(case, out_msh=target)
    return load_msh(target, comm, unit="um", formulation=g.formulation)


def simulation(case, bundle, folder=None, quiet: bool = False, params=None):
    """A Simulation of ``case`` on ``bundle`` with the results-folder outputs (collective).

    With ``folder``: ``timeseries.csv`` every accepted step and the fields of
    ``output.fields`` at the output times (a new fields file after each remesh); without:
    the rows are only kept in ``Simulation.history``.  Events: the case's stop rules
    (:func:`dendrisim.solver.events.build_events`).
    """
    from dendrisim.io.field_writer import FieldSink
    from dendrisim.io.timeseries import TimeSeriesCsv
    from dendrisim.solver.events import build_events
    from dendrisim.solver.simulation import Simulation

    sinks = []
    if folder is not None:
        folder = Path(folder)
        sinks.append(TimeSeriesCsv(folder / "timeseries.csv", bundle.mesh.comm))
        if case.output.fields:
            sinks.append(FieldSink(folder, case.output.fields, case.output.format))
    return Simulation(
        case,
        bundle,
        folder=folder,
        quiet=quiet,
        params=params,
        sinks=sinks,
        events=build_events(case),
    )


def run_stats(summary, wall_s: float) -> dict:
    """The manifest entries of a finished run (counts, event times, timings, final row)."""
    return {
        "time_s": summary.time_s,
        "steps": summary.steps,
        "rejected_steps": summary.rejected,
        "newton_iterations": summary.newton_iterations,
        "krylov_iterations": summary.krylov_iterations,
        "event_solves": summary.event_solves,
        "jacobian_assemblies": summary.jacobian_assemblies,
        "runaway_onset_s": summary.runaway_onset_s,
        "runaway_s": summary.runaway_s,
        "events_s": summary.events,
        "timings_s": {k: round(v, 4) for k, v in summary.timings.items()},
        "run_wall_s": round(wall_s, 3),
        "li_retention_source": (
            "Li volume V(t)/V(0) (moving surface)" if summary.moving else "moles (fixed geometry)"
        ),
        "remeshes": summary.remeshes,
        "li_removed_thin_fraction": summary.li_removed_fraction,
        "final": summary.last,
    }


def _interrupted(case, rd: ResultsDir, summary, stats: dict, stop: StopRequest) -> None:
    """Record a run ended by a signal and raise RunInterrupted.

    Exit 0 when a checkpoint was written (the run continues with ``--resume``), else
    128 + the signal.
    """
    name = signal_name(stop.agreed or stop.signum or signal.SIGINT)
    ckpt = summary.checkpoint_s
    rd.finish(INTERRUPTED, "interrupted", signal=name, checkpoint_s=ckpt, **stats)
    then = (
        f"a checkpoint at t = {ckpt:.6g} s: continue with `dendrisim run --resume {rd.path}`"
        if ckpt is not None
        else "no checkpoint (output.checkpoint = false): run the case again to start over"
    )
    message = (
        f"{case.name}: interrupted by {name} at t = {summary.time_s:.6g} s; the results so "
        f"far are kept in {rd.path} (status interrupted); {then}"
    )
    if parallel.is_root(rd.comm):
        log.warning(message, extra={FILE_ONLY: True})  # the CLI prints the exception once
    raise RunInterrupted(message, 0 if ckpt is not None else stop.exit_code)


def _simulate(case, rd: ResultsDir, quiet: bool, comm, stop=None, resume=None):
    """Mesh, simulation and time loop into ``rd``; returns the run summary.

    ``resume``: a checkpoint's (state, arrays): the run continues on the saved mesh.
    """
    from dendrisim.solver.restart.state import Checkpointer

    if resume is None:
        bundle = case_mesh(case, rd.path, comm)
    else:
        bundle = _saved_mesh(case, rd.path / "mesh.msh", comm)
    if stop is not None:
        stop.reinstall()  # gmsh.initialize() reset SIGTERM
    log.info(
        "case %s: %s mesh, %d ranks",
        case.name,
        case.geometry.formulation,
        parallel.size(comm),
    )
    sim = simulation(case, bundle, folder=rd.path, quiet=quiet)
    if resume is not None and resume[0]["remesh_reports"]:
        if sim.remesher is not None:  # a remeshed mesh: set up as after a remesh (keep_layout)
            sim.remesher.count = len(resume[0]["remesh_reports"])
        sim.rebase(_saved_mesh(case, rd.path / base_mesh(resume[0]), comm, remeshed=True))
    sim.stop_request = stop
    if case.output.checkpoint:
        sim.checkpoints = Checkpointer(rd.path, case.output.checkpoint_every_s, comm)
    rd.write_manifest(cells=sim.cells, dofs=sim.dofs, thermal_cell=thermal_cell(sim))
    return sim.run(resume)


def _saved_mesh(case, path: Path, comm, remeshed: bool = False):
    """A mesh the run wrote (mesh.msh or a remesh's), loaded as the run loaded it."""
    from dendrisim.meshing.load import load_msh

    g = case.geometry
    unit = g.mesh_unit if (g.mesh and not remeshed) else "um"
    return load_msh(path, comm, unit=unit, formulation=g.formulation)


def run_case(
    case, out: str | Path | None = None, force: bool = False, quiet: bool = False, comm=None
):
    """Run ``case``; returns the results folder path (raises SimulationError on a bad stop)."""
    from dendrisim.core.compat import import_dolfinx

    # on every rank before any root-only work: importing dolfinx/petsc4py is collective
    # (ResultsDir.prepare -> versions() would otherwise import it on rank 0 alone)
    import_dolfinx()
    comm = comm or parallel.world()
    with StopRequest(comm) as stop:  # SIGINT/SIGTERM: end after the current step
        rd = ResultsDir.prepare(case, out=out, force=force, comm=comm)
        try:
            with _LogToFile(rd.path / "log.txt", comm):
                if rd.replaced:
                    log.info("replacing the %s in %s", rd.replaced, rd.path)
                return _run_into(case, rd, quiet, comm, stop)
        finally:
            rd.release()  # the folder's lock (already free after the final manifest)


def resume_case(folder: str | Path, case=None, quiet: bool = False, comm=None):
    """Continue the interrupted run in ``folder`` from its last checkpoint (collective).

    ``case``: must equal the folder's case (None: the folder's ``case.toml``).  Returns
    the folder; raises :class:`~dendrisim.core.errors.ResumeError` (one line) when there
    is no checkpoint, the run finished, or the case differs.
    """
    from dendrisim.core.compat import import_dolfinx

    import_dolfinx()
    comm = comm or parallel.world()
    folder = Path(folder)
    saved = parallel.on_root(lambda: resumable(folder, case), comm)
    case = case or load_case_file(folder / "case.toml")
    with StopRequest(comm) as stop:
        rd = ResultsDir.reopen(case, folder, comm=comm)
        try:
            with _LogToFile(rd.path / "log.txt", comm):
                resume = store.read(saved, comm)
                log.info("resuming from %s at t = %.6g s", saved, resume[0]["time_s"])
                return _run_into(case, rd, quiet, comm, stop, resume)
        finally:
            rd.release()


def _run_into(case, rd: ResultsDir, quiet: bool, comm, stop: StopRequest, resume=None):
    """The run into the locked folder ``rd``; the final manifest records how it ended."""
    t0 = time.perf_counter()
    try:
        summary = _simulate(case, rd, quiet, comm, stop, resume)
    except Exception as exc:
        rd.finish(FAILED, "error", error=str(exc))
        if parallel.is_root(comm):  # once, not once per rank
            log.error("run failed: %s", exc, extra={FILE_ONLY: True})  # the CLI prints it
        raise
    stats = run_stats(summary, time.perf_counter() - t0)
    message = (
        f"{case.name}: stopped at t = {summary.time_s:.6g} s: "
        f"{STOP_MESSAGES.get(summary.stop_reason, summary.stop_reason)} "
        f"[{summary.stop_reason}]"
    )
    if summary.valid:
        rd.finish(FINISHED, summary.stop_reason, **stats)
        write_run_figures(case, rd.path, comm)
        log.info(message)  # stderr with the CLI's default level; always in log.txt
        return rd.path
    if summary.stop_reason == "interrupted":
        _interrupted(case, rd, summary, stats, stop)
    rd.finish(FAILED, summary.stop_reason, **stats)
    write_run_figures(case, rd.path, comm)
    log.error(message)
    raise SimulationError(message + f"; partial results in {rd.path}")
