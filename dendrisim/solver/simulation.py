"""The time loop: Newton per step, adaptive Δt, stop rules, time series, fields, manifest."""

from __future__ import annotations

import csv
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import dolfinx  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.core.units import K_per_s_to_K_per_min  # noqa: E402
from dendrisim.io.timeseries import TIMESERIES_COLUMNS  # noqa: E402
from dendrisim.observables.registry import Observables, StepState  # noqa: E402
from dendrisim.physics.forms import CoupledModel  # noqa: E402
from dendrisim.physics.params import ModelParameters  # noqa: E402
from dendrisim.solver.newton import NewtonSolver  # noqa: E402
from dendrisim.solver.progress import Progress  # noqa: E402
from dendrisim.solver.stepsize import StepController  # noqa: E402

log = logging.getLogger("dendrisim")

VALID_STOPS = ("end_time", "runaway", "li_exhausted")


@dataclass
class RunSummary:
    """How a run ended, with timings [s]."""

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

    @property
    def valid(self) -> bool:
        """True for a run that reached a valid stop."""
        return self.stop_reason in VALID_STOPS


def _check_supported(case) -> None:
    """Refuse case keys whose behaviour is not built yet (rather than ignoring them)."""
    from dendrisim.core.errors import NotBuiltYetError

    if case.time.scheme != "backward_euler":
        raise NotBuiltYetError(
            f'time.scheme = "{case.time.scheme}" is not built yet; allowed now: "backward_euler"'
        )
    if case.output.format != "xdmf":
        raise NotBuiltYetError(
            f'output.format = "{case.output.format}" is not built yet; allowed now: "xdmf"'
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


class TimeSeriesWriter:
    """``timeseries.csv`` on rank 0, one flushed row per accepted step."""

    def __init__(self, path: Path | None, columns: list[str], comm=None):
        self.columns = columns
        self.fh = None
        if path is not None and parallel.is_root(comm):
            self.fh = open(path, "w", newline="", encoding="utf-8")
            self.writer = csv.writer(self.fh)
            self.writer.writerow(columns)
            self.fh.flush()

    def write(self, values: dict[str, float]) -> None:
        """Append one row."""
        if self.fh is not None:
            self.writer.writerow([f"{values.get(c, math.nan):.12g}" for c in self.columns])
            self.fh.flush()

    def close(self) -> None:
        """Close the file."""
        if self.fh is not None:
            self.fh.close()
            self.fh = None


class Simulation:
    """A case on a tagged mesh: model + Newton + controller + observables + output."""

    def __init__(
        self,
        case,
        bundle,
        folder: str | Path | None = None,
        quiet: bool = False,
        params: ModelParameters | None = None,
    ):
        self.case = case
        self.bundle = bundle
        self.folder = Path(folder) if folder is not None else None
        self.quiet = quiet
        self.comm = bundle.mesh.comm
        t0 = time.perf_counter()
        _check_supported(case)
        self.params = params or ModelParameters.from_case(case)
        self._moving = case.interface.moving and _can_move(bundle)
        self._state_ale: dict = {"species": 0.0, "energy": 0.0}
        self.timings_motion = 0.0
        self.remesh_reports: list = []
        self.li_removed_m3 = 0.0  # Li thinner than the remesh threshold, removed [m^3]
        self.remesher = None
        ic = case.interface
        if self._moving and ic.remesh and ic.max_remeshes > 0:
            if bundle.mesh.topology.dim == 2:
                from dendrisim.meshing.remesh import Remesher

                self.remesher = Remesher(bundle, self._receding_groups())
            else:
                log.info(
                    "remeshing is built for 2D meshes: this 3D run stops (mesh_quality) "
                    "if its cells degrade below interface.min_quality = %g",
                    ic.min_quality,
                )
        self.writer = None
        self._setup(bundle)
        self.model.set_initial()
        self.observables = Observables(self.model, dirichlet_flux=self._dirichlet_flux)
        self.timings = {
            "setup": time.perf_counter() - t0,
            "newton": 0.0,
            "observables": 0.0,
            "output": 0.0,
        }

    def _receding_groups(self) -> list[str]:
        return ["interface", "li_sei"] + (["substrate_top"] if self.params.substrate_reacts else [])

    def _setup(self, bundle) -> None:
        """Model, mesh motion, boundary conditions and Newton solver on ``bundle``'s mesh."""
        s = self.case.solver
        self.bundle = bundle
        self.model = CoupledModel(bundle, self.params, degree=s.element_degree, ale=self._moving)
        self.model.motion = None
        if self._moving:
            from dendrisim.solver.motion import MeshMotion

            self.model.motion = MeshMotion(
                bundle.mesh,
                bundle.cell_tags,
                bundle.facet_tags,
                bundle.groups,
                bundle.formulation,
                molar_volume_m3_mol=1.0 / self.params.li_molar_density_mol_m3,
                substrate_reacts=self.params.substrate_reacts,
            )
            self.model.motion.set_rate(self.model.rate()("+"))
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
        )
        self._residual_form = fem.form(self.model.F)
        self._has_dirichlet = (
            parallel.global_sum(
                float(sum(d.size for d in self.model.flux_dofs.values())), self.comm
            )
            > 0
        )
        tdim = bundle.mesh.topology.dim
        self.cells = bundle.mesh.topology.index_map(tdim).size_global
        self.dofs = self.model.V.dofmap.index_map.size_global * 2
        self._state_ale.pop("forms", None)
        self.motion_fraction = 0.0

    def _remesh(self, t: float) -> bool:
        """Rebuild the mesh from the current boundaries and carry the run over (collective).

        The fields are interpolated onto the new mesh, the observables keep their initial
        inventories and running totals, fields go to a new ``fields_remesh<k>.xdmf``.
        Returns False (with a warning) when the mesh cannot be rebuilt.
        """
        from dendrisim.meshing.remesh import RemeshError, transfer

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
        self.model.u.x.array[self.model.li_species_dofs] = 0.0
        self.model.u_n.x.array[:] = self.model.u.x.array
        self.observables = Observables(self.model, dirichlet_flux=self._dirichlet_flux)
        self.observables.adopt(old_obs)
        old_newton.destroy()
        if old_model.motion is not None:
            old_model.motion.destroy()
        if self.writer is not None:
            from dendrisim.io.field_writer import FieldWriter

            self.writer.close()
            self.writer = FieldWriter(
                self.folder / f"fields_remesh{k}.xdmf", self.model, self.case.output.fields
            )
        report.time_s = t
        report.wall_s = time.perf_counter() - t1
        self.remesh_reports.append(report)
        self.li_removed_m3 += report.li_removed_m3
        log.info(
            "t = %.6g s: remeshed (%d): %d -> %d cells, Li area change %.3g (rel.), "
            "thin Li removed %.3g of the dendrite, %.3g s",
            t,
            k,
            report.cells_before,
            report.cells_after,
            report.area_change.get("lithium", 0.0),
            report.li_removed_m3 / max(self.observables.li_volume_m3, 1e-300),
            report.wall_s,
        )
        return True

    def _move_mesh(self, dt: float, values: dict[str, float]) -> float | None:
        """Recede the Li surface by V_m r dt (rate of the accepted step) and move the mesh.

        Staggered ALE: the mesh velocity of this motion enters the next step's transport
        terms.  ``values`` (computed on the mesh the step was solved on) are updated: the
        volume-based Li retention, and species/energy held after the move, with the amounts
        exchanged by the moving mesh (the ALE advection of this step plus the change of
        the integrals when the nodes move: electrolyte and heat that fill the volume the
        Li left) accumulated in ``species_ale_exchange_mol`` / ``energy_ale_exchange_J``
        so that the balances stay exact.  Returns the global minimum cell quality (None on
        a fixed mesh).
        """
        motion = self.model.motion
        if motion is None:
            return None
        t1 = time.perf_counter()
        acc = self._state_ale
        forms = self._ale_forms()
        adv_s = dt * parallel.global_sum(fem.assemble_scalar(forms["adv_species"]), self.comm)
        adv_e = dt * parallel.global_sum(fem.assemble_scalar(forms["adv_energy"]), self.comm)
        ic = self.case.interface
        # sub-steps: the surface moves at most max_motion_per_step of its local cell size
        # at a time (normals recomputed, remeshing possible in between)
        n_sub = min(
            64, max(1, math.ceil(motion.prescribed_fraction(dt) / ic.max_motion_per_step - 1e-9))
        )
        velocity = np.zeros_like(motion.velocity.x.array)
        self.motion_fraction = 0.0
        for _ in range(n_sub):
            x_before = self.model.mesh.geometry.x.copy()
            quality = motion.step(dt / n_sub, prescribed=n_sub == 1)
            self.motion_fraction += motion.moved_fraction(x_before)
            velocity += motion.velocity.x.array / n_sub
            if (
                quality < ic.remesh_quality
                and self.remesher is not None
                and self.remesher.count < ic.max_remeshes
            ):
                redo = quality < ic.min_quality  # too distorted to rebuild from: step back
                if redo:
                    motion.undo_last()
                    velocity -= motion.velocity.x.array / n_sub
                if self._remesh(values["time_s"]):
                    motion = self.model.motion
                    forms = self._ale_forms()
                    velocity = np.zeros_like(motion.velocity.x.array)
                    quality = motion.min_quality()
                    if redo:
                        quality = motion.step(dt / n_sub)
                        velocity += motion.velocity.x.array / n_sub
                elif redo:
                    quality = motion.step(dt / n_sub)  # the run stops on this geometry
                    break
            if quality < ic.min_quality:
                break
        motion.velocity.x.array[:] = velocity
        self.model.velocity.interpolate(motion.velocity)
        s_after = parallel.global_sum(fem.assemble_scalar(forms["species"]), self.comm)
        e_after = parallel.global_sum(fem.assemble_scalar(forms["energy"]), self.comm)
        acc["species"] += adv_s + s_after - values["species_mol"]
        acc["energy"] += adv_e + e_after - values["energy_stored_J"]
        values["species_mol"] = s_after
        values["energy_stored_J"] = e_after
        values["species_ale_exchange_mol"] = acc["species"]
        values["energy_ale_exchange_J"] = acc["energy"]
        obs = self.observables
        if obs.li_volume_form is not None and obs.li_volume_m3 > 0:
            values["li_retention"] = (
                parallel.global_sum(fem.assemble_scalar(obs.li_volume_form), self.comm)
                - obs.li_slab_m3
            ) / obs.li_volume_m3
        state = StepState(self.model, values["time_s"], dt, 0, values=values)
        values["species_balance_rel"] = obs._species_balance(values, state)
        values["energy_balance_rel"] = obs._energy_balance(values, state)
        values["mesh_quality_min"] = quality
        values["li_retention_gap"] = values["li_retention"] - values["li_retention_from_moles"]
        self.timings_motion += time.perf_counter() - t1
        self.timings["mesh_motion"] = self.timings_motion
        return quality

    def _ale_forms(self) -> dict:
        """Compiled forms of the moving-mesh accounting (once)."""
        if "forms" not in self._state_ale:
            m = self.model
            w = m.weight
            adv_e = sum(m.ale_heat_advection(n) * w * m.dx(rid) for n, rid in m._region_ids.items())
            held = {
                ob.name: ob.form
                for ob in self.observables.items
                if ob.name in ("species_mol", "energy_stored_J")
            }
            self._state_ale["forms"] = {
                "adv_species": fem.form(
                    ufl.inner(m.velocity, ufl.grad(m.concentration()))
                    * w
                    * m.region_dx("electrolyte")
                ),
                "adv_energy": fem.form(adv_e),
                "species": held["species_mol"],  # the observables' compiled integrals
                "energy": held["energy_stored_J"],
            }
        return self._state_ale["forms"]

    # --- balances on Dirichlet boundaries --------------------------------------------------
    def _dirichlet_flux(self, dt: float) -> tuple[float, float]:
        """(species inflow [mol/s], heat outflow [W]) through Dirichlet boundaries.

        The unconstrained residual summed over the Dirichlet rows of a field is the discrete
        boundary flux (the other rows vanish at convergence).
        """
        m = self.model
        if not self._has_dirichlet:
            return (0.0, 0.0)
        vec = fem.assemble_vector(self._residual_form)
        vec.scatter_reverse(dolfinx.la.InsertMode.add)
        n_owned = m.V.dofmap.index_map.size_local * 2
        out = []
        for comp, dofs in ((0, m.flux_dofs["species"]), (1, m.flux_dofs["heat"])):
            owned = dofs[dofs < n_owned]
            total = parallel.global_sum(vec.array[owned], self.comm)
            scale = m.scales["species" if comp == 0 else "heat"]
            out.append(total / (scale * dt))
        return (out[0], -out[1])

    # --- the loop ---------------------------------------------------------------------------
    def run(self) -> RunSummary:
        """Integrate from t = 0 to a stop; returns the summary (never raises on divergence)."""
        case, m = self.case, self.model
        tc = case.time
        end = tc.end_s
        every = case.output.fields_every_s
        out_times = [min(k * every, end) for k in range(1, int(math.ceil(end / every)) + 1)]
        ctrl = StepController(
            tc.dt_initial_s,
            tc.dt_min_s,
            tc.dt_max_s,
            tc.max_dT_per_step_K,
            targets=out_times + [end],
        )
        extra = [ob.name for ob in self.observables.items if ob.name not in TIMESERIES_COLUMNS]
        columns = list(TIMESERIES_COLUMNS) + extra
        ts = TimeSeriesWriter(
            self.folder / "timeseries.csv" if self.folder else None, columns, self.comm
        )
        if self.folder is not None and case.output.fields:
            from dendrisim.io.field_writer import FieldWriter

            self.writer = FieldWriter(self.folder / "fields.xdmf", m, case.output.fields)
        next_out = 0
        t, steps, rejected, its_total, kry_total = 0.0, 0, 0, 0, 0
        onset: float | None = None
        runaway: float | None = None
        prev_rate = 0.0
        values = self.observables.compute(0.0, 0.0, 0, first=True)
        self.history = [dict(values)]  # every accepted step's values (also in the CSV)
        ts.write(values)
        if self.writer is not None:
            self.writer.write(0.0)
        stop = None
        st = case.stop
        try:
            with Progress(end, quiet=self.quiet, comm=self.comm) as progress:
                while stop is None:
                    m = self.model  # a new one after a remesh
                    dt = ctrl.next_dt(t)
                    m.dt.value = dt
                    m.t.value = t + dt
                    m.u.x.array[:] = m.u_n.x.array
                    t1 = time.perf_counter()
                    res = self.newton.solve()
                    self.timings["newton"] += time.perf_counter() - t1
                    its_total += res.iterations
                    kry_total += res.krylov_iterations
                    if not res.converged:
                        rejected += 1
                        ctrl.diverged(dt)
                        log.debug(
                            "t = %.6g s: Newton diverged (reason %d) with dt = %.3g s",
                            t,
                            res.reason,
                            dt,
                        )
                        if ctrl.gave_up():
                            stop = "diverged"
                        continue
                    dT = (
                        parallel.global_max(
                            np.abs(m.u.x.array[1::2] - m.u_n.x.array[1::2]), self.comm
                        )
                        * m.T_scale
                    )
                    if ctrl.too_hot(dt, dT):
                        rejected += 1
                        if ctrl.gave_up():
                            stop = "dt_too_small"
                        continue
                    t_prev_T = values["T_interface_mean_K"]
                    t += dt
                    steps += 1
                    t1 = time.perf_counter()
                    values = self.observables.compute(t, dt, res.iterations)  # needs u_n
                    self.timings["observables"] += time.perf_counter() - t1
                    quality = self._move_mesh(dt, values)
                    m = self.model
                    m.u_n.x.array[:] = m.u.x.array
                    t1 = time.perf_counter()
                    self.history.append(dict(values))
                    ts.write(values)
                    if (
                        self.writer is not None
                        and next_out < len(out_times)
                        and t >= out_times[next_out] * (1 - 1e-12)
                    ):
                        self.writer.write(t)
                        next_out += 1
                    self.timings["output"] += time.perf_counter() - t1
                    progress.update(t, dt, res.iterations, values["T_interface_mean_K"])
                    rate_K_min = K_per_s_to_K_per_min(
                        (values["T_interface_mean_K"] - t_prev_T) / dt
                    )
                    if onset is None and rate_K_min > st.onset_K_per_min:
                        onset = t
                        log.info(
                            "self-heating onset (> %g K/min) at t = %.6g s", st.onset_K_per_min, t
                        )
                    # runaway: above the ARC rate on two steps and accelerating (a cooling-
                    # down relaxation after a start far from steady state is not a runaway)
                    accelerating = rate_K_min > prev_rate > st.runaway_K_per_min
                    prev_rate = rate_K_min
                    if accelerating and runaway is None:
                        runaway = t
                        log.info(
                            "thermal runaway (> %g K/min) at t = %.6g s", st.runaway_K_per_min, t
                        )
                    if runaway is not None and st.runaway_stops:
                        stop = "runaway"
                    elif (
                        min(values["li_retention_from_moles"], values["li_retention"])
                        <= st.li_exhausted_retention
                    ):
                        stop = "li_exhausted"
                    elif quality is not None and quality < case.interface.min_quality:
                        log.warning(
                            "mesh quality %.3g below interface.min_quality = %g at t = "
                            "%.6g s (worst cell at %s um): stopping",
                            quality,
                            case.interface.min_quality,
                            t,
                            self.model.motion.worst_cell_um(),
                        )
                        stop = "mesh_quality"
                    elif t >= end * (1 - 1e-12):
                        stop = "end_time"
                    else:
                        ctrl.accepted(res.iterations, dT)
                        if quality is not None:
                            ctrl.limit_motion(
                                dt, self.motion_fraction, case.interface.max_motion_per_step
                            )
        finally:
            ts.close()
            if self.writer is not None:
                self.writer.close()
            self.newton.destroy()
            if self.model.motion is not None:
                self.model.motion.destroy()
        return RunSummary(
            stop,
            t,
            steps,
            rejected,
            its_total,
            kry_total,
            onset,
            dict(self.timings),
            dict(values),
            runaway,
            remeshes=len(self.remesh_reports),
            moving=self._moving,
            li_removed_fraction=self.li_removed_m3 / max(self.observables.li_volume_m3, 1e-300),
        )
