"""A case on a tagged mesh: model, mesh motion, Newton, observables, events and sinks.

:class:`Simulation` holds the parts; :meth:`Simulation.run` hands them to the time loop
(:mod:`dendrisim.solver.loop`).  Outputs are sinks given by the caller
(:mod:`dendrisim.solver.sinks`; :func:`dendrisim.api.run_case.simulation` composes the
results-folder writers); stop rules and events come from :mod:`dendrisim.solver.events`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()

from dolfinx import fem  # noqa: E402
from petsc4py import PETSc  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.observables.collection import Observables  # noqa: E402
from dendrisim.physics.forms import CoupledModel  # noqa: E402
from dendrisim.physics.lumped import heat_capacity_factor  # noqa: E402
from dendrisim.physics.params import ModelParameters  # noqa: E402
from dendrisim.physics.programme import HeatWaitSeek, programme_K  # noqa: E402
from dendrisim.solver.events import VALID_STOPS, EventSet, build_events  # noqa: E402
from dendrisim.solver.newton import NewtonSolver  # noqa: E402
from dendrisim.solver.sinks import HistorySink, Sink  # noqa: E402
from dendrisim.solver.timings import Timings  # noqa: E402

log = logging.getLogger("dendrisim")


@dataclass
class RunSummary:
    """How a run ended, with timings [s] and event times [s] (None: did not happen)."""

    stop_reason: str
    time_s: float
    steps: int
    rejected: int
    newton_iterations: int
    krylov_iterations: int
    runaway_onset_s: float | None
    timings: dict[str, float] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    runaway_s: float | None = None
    remeshes: int = 0
    moving: bool = False
    li_removed_fraction: float = 0.0  # thin Li removed at remeshes / initial dendrite Li
    events: dict[str, float] = field(default_factory=dict)  # event name -> time [s]
    event_solves: int = 0  # trial Newton solves that located events
    jacobian_assemblies: int = 0  # = LU factorisations / AMG set-ups (solver.reuse_jacobian)
    checkpoint_s: float | None = None  # time of the last checkpoint written [s]

    @property
    def valid(self) -> bool:
        """True for a run that reached a valid stop."""
        return self.stop_reason in VALID_STOPS


@dataclass
class Attempt:
    """One Newton solve of a step of ``dt_s`` [s] from the accepted state."""

    converged: bool
    dt_s: float
    iterations: int
    krylov_iterations: int
    reason: int
    dT_K: float = 0.0  # largest temperature change over the step


def _check_supported(case) -> None:
    """Refuse case keys whose behaviour is not built yet (rather than ignoring them)."""
    from dendrisim.core.errors import NotBuiltYetError

    history = case.kinetics.product_layer != "none" or case.sei.decomposition_amount_mol_m2 > 0
    if case.time.scheme == "bdf2" and history:
        raise NotBuiltYetError(
            'time.scheme = "bdf2" (the default) with kinetics.product_layer or '
            "sei.decomposition_amount_mol_m2 > 0 is not built yet; set "
            'time.scheme = "backward_euler"'
        )


def _can_move(bundle) -> bool:
    """The ALE motion needs a degree-1 geometry, a 2D/3D mesh and the interface group."""
    mesh = bundle.mesh
    ok = (
        mesh.topology.dim >= 2
        and mesh.geometry.cmaps[0].degree == 1
        and bundle.has("interface")
        and bundle.has("lithium")
    )
    if not ok:
        log.warning(
            "interface.moving = true but this mesh cannot move (needs geometry order "
            "1, 2D/3D, groups 'lithium' and 'interface'): fixed geometry"
        )
    return ok


class Simulation:
    """A case on a tagged mesh: model + Newton + observables + events + output sinks.

    Args:
        case: the validated case.
        bundle: the tagged mesh (MeshBundle).
        folder: where the solver's own files go (the gmsh inputs of remeshes); None: nowhere.
        quiet: no progress line.
        params: model parameters (default: from the case).
        sinks: output sinks (time series, fields, ...); the rows are also kept in
            ``history`` (a list of dicts).
        events: stop rules and events (default: :func:`build_events` of the case).
    """

    def __init__(
        self,
        case,
        bundle,
        folder: str | Path | None = None,
        quiet: bool = False,
        params: ModelParameters | None = None,
        sinks: Sequence[Sink] = (),
        events: EventSet | None = None,
    ):
        t0 = time.perf_counter()
        self.case, self.bundle, self.quiet = case, bundle, quiet
        self.folder = Path(folder) if folder is not None else None
        self.comm = bundle.mesh.comm
        _check_supported(case)
        self.params = params or ModelParameters.from_case(case)
        self.events = events if events is not None else build_events(case)
        self._history = HistorySink()
        self.sinks: list[Sink] = [self._history, *sinks]
        self.stop_request = None  # a solver.interrupt.StopRequest: signals end the run cleanly
        self.checkpoints = None  # a solver.restart.state.Checkpointer: checkpoints are written
        if self.folder is not None and not sinks:
            log.warning(
                "Simulation(folder=%s) writes no time series or fields by itself: use "
                "dendrisim.api.run_case.simulation() or pass sinks=",
                self.folder,
            )
        self.moving = case.interface.moving and _can_move(bundle)
        self.remesher = self._remesher(bundle) if self.moving else None
        self.remesh_reports: list = []
        self.dt_prev: float | None = None  # the last accepted step [s] (BDF2 weights)
        self.predictor = None  # BDF2 on a moving mesh: solver.motion.predictor (TimeLoop)
        self.li_removed_m3 = 0.0  # Li thinner than the remesh threshold, removed [m^3]
        self.hws = HeatWaitSeek.of(self.params)  # ARC schedule (None without one)
        self.exotherm_s: float | None = None  # ARC: when the exotherm tracked now was detected
        self.exotherms_s: list[float] = []  # ARC: every detection (the first is arc_onset)
        self.resumes_s: list[float] = []  # ARC: where heat-wait-seek resumed after one
        self.assemblies_before = 0  # Jacobian assemblies of the solvers before remeshes
        self._setup(bundle)
        self._resolve_lumped()
        self.model.set_initial()
        self.observables = Observables(self.model)
        self.timings = Timings(setup=time.perf_counter() - t0, newton=0.0)
        self.timings.update(observables=0.0, output=0.0)

    @property
    def history(self) -> list[dict[str, float]]:
        """Every accepted step's values (the rows of the time series), t = 0 first."""
        return self._history.rows

    def _remesher(self, bundle):
        ic = self.case.interface
        if not (ic.remesh and ic.max_remeshes > 0):
            return None
        if bundle.mesh.topology.dim == 3:
            from dendrisim.meshing.remesh import RemeshError
            from dendrisim.meshing.remesh.remesher3d import Remesher3D

            try:
                return Remesher3D(bundle, self._receding_groups(), ic.remesh_quality)
            except RemeshError as exc:
                log.info(
                    "%s: this 3D run stops (mesh_quality) if its cells degrade below "
                    "interface.min_quality = %g",
                    exc,
                    ic.min_quality,
                )
                return None
        from dendrisim.meshing.remesh import Remesher

        return Remesher(bundle, self._receding_groups())

    def _receding_groups(self) -> list[str]:
        return ["interface", "li_sei"] + (["substrate_top"] if self.params.substrate_reacts else [])

    def _setup(self, bundle) -> None:
        """Model, mesh motion, boundary conditions and Newton solver on ``bundle``'s mesh."""
        s = self.case.solver
        self.bundle = bundle
        self.model = CoupledModel(
            bundle,
            self.params,
            degree=s.element_degree,
            ale=self.moving,
            scheme=self.case.time.scheme,
        )
        self.model.motion = None
        if self.moving:
            from dendrisim.solver.motion import MeshMotion

            self.model.motion = MeshMotion(
                bundle.mesh,
                bundle.cell_tags,
                bundle.facet_tags,
                bundle.groups,
                bundle.formulation,
                molar_volume_m3_mol=1.0 / self.params.li_molar_density_mol_m3,
                substrate_reacts=self.params.substrate_reacts,
                keep_layout=bool(self.remesher and self.remesher.count)
                and bundle.formulation == "3d",
            )
            self.model.motion.set_rate(self._motion_rate())
        self.bcs = self.model.boundary_conditions()
        self.newton = NewtonSolver(
            self.model,
            self.bcs,
            rtol=s.newton_rtol,
            atol=s.newton_atol,
            stol=s.newton_stol,
            max_it=s.newton_max_it,
            linear=s.linear,
            extra_options=dict(s.petsc_options),
            reuse=s.reuse_jacobian,
            reuse_pc=s.reuse_preconditioner,
        )
        tdim = bundle.mesh.topology.dim
        self.cells = bundle.mesh.topology.index_map(tdim).size_global
        self.dofs = self.model.V.dofmap.index_map.size_global * 2

    def _resolve_lumped(self) -> None:
        """The lumped extra heat capacity from the initial mesh (physics/lumped.py), once."""
        m = self.model
        if not self.params.needs_lumped or self.params.heat_capacity_factor is not None:
            return
        w = m.weight
        own = sum(
            m.integrate(
                self.params.regions[n].density_kg_m3
                * self.params.regions[n].heat_capacity_J_kgK
                * w
                * m.region_dx(n)
            )
            for n in m.region_ids
        )
        area = m.integrate(m.interface_integral(1.0))
        factor = heat_capacity_factor(self.params, own, area)
        self.params = self.params.with_(heat_capacity_factor=factor)
        m.params = self.params
        m.lumped.value = factor - 1.0

    def _motion_rate(self):
        """The rate that moves the surface: the step's (BE) or the extrapolated one (BDF2)."""
        m = self.model
        if m.u_nm1 is None:
            return m.rate()("+")
        from dendrisim.solver.motion.predictor import predicted_rate

        old = getattr(self, "rate_theta", None)  # a remesh while moving keeps θ
        theta = float(old.value) if old is not None else 0.0
        self.rate_theta = fem.Constant(m.mesh, PETSc.ScalarType(theta))
        return predicted_rate(m, self.rate_theta)

    def solve(self, t: float, dt: float) -> Attempt:
        """Newton solve of the step [t, t + dt] from the accepted state ``u_n`` (collective)."""
        m = self.model
        m.set_step(dt, self.dt_prev)
        m.set_time(t + dt)
        if self.predictor is not None:
            self.predictor.set_velocity()
        m.u.x.array[:] = m.u_n.x.array
        # predictor: the sample follows its temperature programme (0 without one), so
        # Newton's first residual measures the physics, not the programme's rise
        rise_K = programme_K(self.params, t + dt) - programme_K(self.params, t)
        if self.hws is not None:  # the ARC heater of this step (steps land on phase ends)
            m.heater.value = self.hws.heater_K_s(t + 0.5 * dt, self.exotherm_s)
            rise_K = float(m.heater.value) * dt
        if rise_K:
            m.u.x.array[1::2] += rise_K / m.T_scale
        with self.timings.part("newton"):
            res = self.newton.solve()
        att = Attempt(res.converged, dt, res.iterations, res.krylov_iterations, res.reason)
        if res.converged:
            diff = np.abs(m.u.x.array[1::2] - m.u_n.x.array[1::2])
            att.dT_K = parallel.global_max(diff, self.comm) * m.T_scale
        return att

    def advance(self, dt_s: float) -> None:
        """The step of ``dt_s`` [s] ending in ``model.u`` was accepted: shift the history."""
        m = self.model
        if m.u_nm1 is not None:
            m.u_nm1.x.array[:] = m.u_n.x.array
            self.dt_prev = dt_s
        if m.surface is not None:
            m.surface.advance(m, dt_s)  # from u_n to u
        m.u_n.x.array[:] = m.u.x.array

    def remesh(self, t: float) -> bool:
        """Rebuild the mesh from the current boundaries and carry the run over (collective).

        The fields are interpolated onto the new mesh, the observables keep their initial
        inventories and running totals, the sinks are told (fields go to a new file).
        Returns False (with a warning) when the mesh cannot be rebuilt.
        """
        from dendrisim.meshing.remesh import RemeshError
        from dendrisim.physics.transfer import transfer

        k = self.remesher.count + 1
        msh = self.folder / f"mesh_remesh{k}.msh" if self.folder is not None else None
        t1 = time.perf_counter()
        try:
            bundle, report = self.remesher.remesh(self.bundle, msh)
        except RemeshError as exc:
            log.warning(
                "t = %.6g s: %s; no further remeshing: the run goes on until a cell "
                "falls below interface.min_quality",
                t,
                exc,
            )
            self.remesher = None
            return False
        old_model, old_newton, old_obs = self.model, self.newton, self.observables
        self._setup(bundle)
        transfer(old_model.u, self.model.u)
        if self.model.surface is not None:
            self.model.surface.adopt(old_model.surface)
        self.model.u.x.array[self.model.li_species_dofs] = 0.0
        self.model.u_n.x.array[:] = self.model.u.x.array
        if self.model.u_nm1 is not None:  # BDF2 restarts with a backward-Euler step
            self.model.u_nm1.x.array[:] = self.model.u.x.array
            self.dt_prev = None
        self.observables = Observables(self.model, inventory=old_obs.inventory)
        self.observables.adopt(old_obs, report)
        self.assemblies_before += old_newton.reuse.assemblies
        old_newton.destroy()
        if old_model.motion is not None:
            old_model.motion.destroy()
        for sink in self.sinks:
            sink.remeshed(self.model, k)
        report.time_s, report.wall_s = t, time.perf_counter() - t1
        self._log_remesh(report, k)
        return True

    def _log_remesh(self, report, k: int) -> None:
        self.remesh_reports.append(report)
        self.li_removed_m3 += report.li_removed_m3
        log.info(
            "t = %.6g s: remeshed (%d): %d -> %d cells, Li area (2D) or volume (3D) change "
            "%.3g (rel.), thin Li removed %.3g of the initial dendrite Li, %.3g s",
            report.time_s,
            k,
            report.cells_before,
            report.cells_after,
            report.area_change.get("lithium", 0.0),
            report.li_removed_m3 / max(self.observables.inventory.li_volume_m3, 1e-300),
            report.wall_s,
        )

    def destroy(self) -> None:
        """Free the PETSc objects now, on every rank together (collective)."""
        self.newton.destroy()
        if self.model.motion is not None:
            self.model.motion.destroy()

    def rebase(self, bundle) -> None:
        """Continue on ``bundle`` (a resumed run: the mesh of its last remesh; collective).

        As :meth:`remesh` without the field transfer: the checkpoint fills the fields.
        """
        old_newton, old_motion = self.newton, self.model.motion
        self._setup(bundle)
        self.observables = Observables(self.model, inventory=self.observables.inventory)
        old_newton.destroy()
        if old_motion is not None:
            old_motion.destroy()

    def run(self, resume: tuple | None = None) -> RunSummary:
        """Integrate from t = 0 (or a checkpoint's (state, arrays)) to a stop.

        Returns the summary (never raises on divergence).
        """
        from dendrisim.solver.loop import TimeLoop

        return TimeLoop(self).run(resume)
