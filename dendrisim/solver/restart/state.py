"""A time loop's state captured into a checkpoint and restored from one.

What a resumed run needs to repeat the uninterrupted one step for step: the mesh
coordinates (it moves), the solution and previous-step fields (two levels for BDF2), the
mesh velocity and displacement, time, step counts and the step controller's next Δt, the
BDF2 error control's last solutions, the observables' running totals and the run's
inventory, the events that happened, the remesh count, and every row of the time series
(exact floats: the event windows and stop rules read the last rows).
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np

from dendrisim.core import parallel
from dendrisim.solver.restart import mapping, store


def report_state(report) -> dict:
    """A RemeshReport as checkpoint metadata (JSON), without ``li_removed_cells``.

    Those are this rank's removed-cell rows (an array the observables took at the remesh;
    their totals are in the observables' own state).
    """
    return {k: v for k, v in dataclasses.asdict(report).items() if k != "li_removed_cells"}


def _fields(loop) -> dict:
    """{name: dolfinx Function} of every field a checkpoint holds."""
    m = loop.sim.model
    out = {"u_n": m.u_n}
    if m.u_nm1 is not None:
        out["u_nm1"] = m.u_nm1
    if m.velocity is not None:
        out["model_velocity"] = m.velocity
    if m.motion is not None:
        out["motion_velocity"] = m.motion.velocity
        out["displacement"] = m.motion.displacement
    if m.surface is not None:  # the product layer's z and the SEI remaining (history terms)
        out["surface_z"], out["surface_x_sei"] = m.surface.z, m.surface.x_sei
    return out


def _full(V, owned: np.ndarray) -> np.ndarray:
    """An owned dof array completed with its ghost values (collective)."""
    from dolfinx import fem

    f = fem.Function(V)
    f.x.array[: owned.size] = owned
    f.x.scatter_forward()
    return f.x.array


def _scattered(V, rows: np.ndarray) -> np.ndarray:
    """A dof array of ``V`` (ghosts included) from rows per input cell (collective)."""
    from dolfinx import fem

    f = fem.Function(V)
    mapping.scatter_cells(V, rows, f.x.array)
    f.x.scatter_forward()
    return f.x.array.copy()


def capture(loop) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON state, arrays on rank 0) of ``loop`` between two steps (collective)."""
    sim, comm = loop.sim, loop.sim.comm
    m = sim.model
    fields = {k: (f.function_space, f.x.array) for k, f in _fields(loop).items()}
    err_times = []
    for i, (t, u) in enumerate(loop.errors.history if loop.errors is not None else []):
        fields[f"bdf2_u{i}"] = (m.V, _full(m.V, u))
        err_times.append(t)
    pred = sim.predictor  # BDF2 on a moving mesh: the last two moves' displacements
    if pred is not None:
        W = m.velocity.function_space
        fields["predictor_d"], fields["predictor_d_prev"] = (W, pred.d), (W, pred.d_prev)
    arrays = {k: mapping.gather_cells(V, a, comm) for k, (V, a) in fields.items()}
    arrays["x"] = mapping.gather_nodes(m.mesh, comm)
    columns = list(sim.history[-1].keys())
    arrays["history"] = np.array([[r.get(c, math.nan) for c in columns] for r in sim.history])
    motion = m.motion
    meta = {
        "case_toml": sim.case.to_toml(),
        "time_s": loop.t,
        "counts": [loop.steps, loop.rejected, loop.iterations, loop.krylov],
        "locator": [loop.locator.iterations, loop.locator.krylov_iterations, loop.locator.solves],
        "occurred": dict(loop.occurred),
        "dt_next_s": loop.ctrl.dt,
        "targets_s": list(loop.ctrl.targets),  # ARC: pruned once the exotherm is found
        "exotherm_s": getattr(sim, "exotherm_s", None),
        # ARC: the schedule (resumed after an exotherm died out), every detection/resume
        "hws": dataclasses.asdict(sim.hws) if getattr(sim, "hws", None) is not None else None,
        "exotherms_s": list(getattr(sim, "exotherms_s", [])),
        "hws_resumes_s": list(getattr(sim, "resumes_s", [])),
        "outputs_next": loop.outputs.next,
        "bdf2_times_s": err_times,
        "bdf2_start_s": loop.errors.start_s if loop.errors is not None else 0.0,
        "dt_prev_s": sim.dt_prev,
        "li_removed_m3": sim.li_removed_m3,
        "remesh_reports": [report_state(r) for r in sim.remesh_reports],
        "remesher_alive": sim.remesher is not None,
        "shell_scale": motion.kinematics.shell_scale if motion is not None else 1.0,
        "observables": sim.observables.state(),
        "predictor": pred.state() if pred is not None else None,
        "timings_s": dict(sim.timings),
        "history_columns": columns,
        "ranks": parallel.size(comm),
        "resumes": loop.resumes,
    }
    return meta, arrays


def base_mesh(meta: dict) -> str:
    """The .msh (in the results folder) the checkpoint's mesh was built from."""
    k = len(meta["remesh_reports"])
    return "mesh.msh" if k == 0 else f"mesh_remesh{k}.msh"


def _check_complete(loop, meta: dict, arrays: dict) -> None:
    """ResumeError (one line) for a checkpoint without a field this run needs (older format)."""
    from dendrisim.core.errors import ResumeError

    need = list(_fields(loop))
    if loop.sim.predictor is not None:
        need += ["predictor_d", "predictor_d_prev"]
    missing = [k for k in need if k not in arrays]
    if missing or (loop.sim.predictor is not None and not meta.get("predictor")):
        raise ResumeError(
            f"the checkpoint lacks {', '.join(missing) or 'the mesh predictor state'} "
            "(written by an older dendrisim): run the case again to start over"
        )


def restore(loop, meta: dict, arrays: dict[str, np.ndarray]) -> None:
    """Put ``loop`` (its simulation on the mesh of :func:`base_mesh`) into the saved state."""
    from dendrisim.meshing.remesh.remesher import RemeshReport

    sim = loop.sim
    m = sim.model
    _check_complete(loop, meta, arrays)
    mapping.scatter_nodes(m.mesh, arrays["x"])
    for name, f in _fields(loop).items():
        mapping.scatter_cells(f.function_space, arrays[name], f.x.array)
        f.x.scatter_forward()  # ghost dofs outside this rank's cells
    m.u.x.array[:] = m.u_n.x.array
    if loop.errors is not None:
        n = m.V.dofmap.index_map.size_local * m.V.dofmap.index_map_bs
        loop.errors.start_s = meta.get("bdf2_start_s", 0.0)
        for i, t in enumerate(meta["bdf2_times_s"]):
            full = np.zeros_like(m.u.x.array)
            mapping.scatter_cells(m.V, arrays[f"bdf2_u{i}"], full)
            loop.errors.history.append((t, full[:n].copy()))
    loop.t = meta["time_s"]
    loop.steps, loop.rejected, loop.iterations, loop.krylov = meta["counts"]
    loc = loop.locator
    loc.iterations, loc.krylov_iterations, loc.solves = meta["locator"]
    loop.occurred = dict(meta["occurred"])
    loop.ctrl.dt, loop.outputs.next = meta["dt_next_s"], meta["outputs_next"]
    loop.ctrl.targets = list(meta["targets_s"])
    sim.exotherm_s = meta["exotherm_s"]
    if meta.get("hws") is not None:
        from dendrisim.physics.programme import HeatWaitSeek

        sim.hws = HeatWaitSeek(**meta["hws"])
    sim.exotherms_s = list(meta.get("exotherms_s", []))
    sim.resumes_s = list(meta.get("hws_resumes_s", []))
    loop.resumes = meta["resumes"] + 1
    sim.dt_prev, sim.li_removed_m3 = meta["dt_prev_s"], meta["li_removed_m3"]
    sim.remesh_reports = [RemeshReport(**r) for r in meta["remesh_reports"]]
    if sim.remesher is not None:
        sim.remesher.count = len(sim.remesh_reports)
        if not meta["remesher_alive"]:
            sim.remesher = None
    if m.motion is not None:
        m.motion.kinematics.shell_scale = meta["shell_scale"]
    if sim.predictor is not None:
        W = m.velocity.function_space
        d = [_scattered(W, arrays[k]) for k in ("predictor_d", "predictor_d_prev")]
        sim.predictor.restore(meta["predictor"], *d)
    sim.observables.restore(meta["observables"])
    sim.timings.update(meta["timings_s"])
    cols = meta["history_columns"]
    sim.history[:] = [dict(zip(cols, map(float, row), strict=True)) for row in arrays["history"]]


def resume_loop(loop, resume: tuple, ckpt) -> None:
    """Continue ``loop`` from a checkpoint's (state, arrays); the sinks append."""
    restore(loop, *resume)
    sim = loop.sim
    for sink in sim.sinks:
        sink.resumed(sim.model, sim.observables.columns, len(sim.history))
    if ckpt is not None:
        ckpt.skip_to(loop.t)


class Checkpointer:
    """Writes checkpoints of a time loop into ``folder`` every ``every_s`` of simulated time.

    ``every_s`` = 0: only when asked (:meth:`write`, e.g. when a signal stops the run).
    A checkpoint is taken after the first accepted step at or past each multiple.
    """

    def __init__(self, folder: str | Path, every_s: float = 0.0, comm=None):
        self.folder, self.every_s, self.comm = Path(folder), every_s, comm
        self.next_s = every_s if every_s > 0 else math.inf
        self.last_s: float | None = None  # time of the last checkpoint written [s]

    def due(self, t: float) -> bool:
        """True when a checkpoint is due at the accepted time ``t`` [s]."""
        return t >= self.next_s * (1 - 1e-12)

    def write(self, loop) -> None:
        """Capture ``loop`` and write it (collective); the next one is one interval later."""
        meta, arrays = capture(loop)
        store.write(self.folder, meta, arrays, self.comm)
        self.last_s = loop.t
        self.skip_to(loop.t)

    def skip_to(self, t: float) -> None:
        """The next checkpoint: the first multiple of ``every_s`` after ``t`` [s]."""
        if self.every_s > 0:
            self.next_s = (math.floor(t / self.every_s * (1 + 1e-12)) + 1) * self.every_s
