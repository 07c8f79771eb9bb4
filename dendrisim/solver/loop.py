"""The time loop: step attempts, located events, mesh motion, rows and output times.

One accepted step: Newton from the accepted state (:meth:`Simulation.solve`; a diverged
solve or a too large temperature change is retried with a shorter Δt) -> the observables
of the step (computed, not yet committed) -> events: a terminal threshold event crossed in
the step cuts it at the crossing, a non-terminal one is located by trial solves and the
step kept (:mod:`dendrisim.solver.locate`) -> commit -> mesh motion -> row to the sinks,
fields at output times -> stop rules on the row.
"""

from __future__ import annotations

import logging
import math

from dendrisim.core import parallel
from dendrisim.core.logs import FILE_ONLY
from dendrisim.solver.arc import phase_ends, seek_end
from dendrisim.solver.events import VALID_STOPS, Event, Window
from dendrisim.solver.interrupt import signal_name
from dendrisim.solver.locate import EventLocator, Trial
from dendrisim.solver.motion.predictor import MeshPredictor
from dendrisim.solver.motion.stepper import MotionStepper
from dendrisim.solver.restart.state import resume_loop
from dendrisim.solver.run_progress import RunProgress
from dendrisim.solver.simulation import RunSummary
from dendrisim.solver.sinks import OutputTimes
from dendrisim.solver.stepsize import StepController
from dendrisim.solver.timeerror import LocalErrorControl

log = logging.getLogger("dendrisim")

PROGRAMME_ERROR_TOL = 1e-3  # [I] time.consumed_error_tol = 0 with a programme (0.34 % in the test)


class TimeLoop:
    """Runs a :class:`~dendrisim.solver.simulation.Simulation` from t = 0 to a stop."""

    def __init__(self, sim):
        self.sim = sim
        tc = sim.case.time
        self.end_s = tc.end_s
        self.outputs = OutputTimes(sim.case.output.fields_every_s, tc.end_s)
        self.ctrl = StepController(
            tc.dt_initial_s,
            tc.dt_min_s,
            tc.dt_max_s,
            tc.max_dT_per_step_K,
            targets=self.outputs.times + [tc.end_s] + phase_ends(sim, tc.end_s),
        )
        self.locator = EventLocator(sim)
        self.errors = None  # BDF2: the local error control
        if tc.scheme == "bdf2":
            self.errors = LocalErrorControl.for_case(tc, sim.comm)
        self.error_tol = tc.consumed_error_tol or (
            PROGRAMME_ERROR_TOL if sim.case.thermal.program != "none" else 0.0
        )
        self.mover = MotionStepper(sim) if sim.model.motion is not None else None
        if self.mover is not None and self.errors is not None:  # BDF2: move before a step
            sim.predictor = MeshPredictor(sim, self.mover)
        self.t = 0.0
        self.steps = self.rejected = self.iterations = self.krylov = 0
        self.stop: str | None = None
        self.occurred: dict[str, float] = {}  # event name -> time [s]
        self.resumes = 0  # how many times this run was resumed from a checkpoint

    # --- the loop ---------------------------------------------------------------------
    def run(self, resume: tuple | None = None) -> RunSummary:
        """Integrate to a stop (from ``resume``: a checkpoint's (state, arrays)).

        Sinks closed, PETSc objects freed at the end; ``sim.checkpoints`` (a restart
        ``Checkpointer``) writes checkpoints when due and when a signal stops the run.
        """
        sim, ckpt = self.sim, getattr(self.sim, "checkpoints", None)
        try:
            self._start() if resume is None else resume_loop(self, resume, ckpt)
            with RunProgress(self.end_s, quiet=sim.quiet, comm=sim.comm) as progress:
                while self.stop is None and not self._signalled():
                    self._step(progress)
                    if ckpt is not None and self.stop is None and ckpt.due(self.t):
                        ckpt.write(self)
            if ckpt is not None and self.stop == "interrupted":
                ckpt.write(self)
        except KeyboardInterrupt:
            log.warning("interrupted at t = %.6g s: the results so far are kept", self.t)
            self.stop = "interrupted"
        finally:
            for sink in sim.sinks:
                sink.close()
            sim.destroy()
        return self._summary()

    def _signalled(self) -> bool:
        """True once SIGINT/SIGTERM reached any rank (collective; ``sim.stop_request``)."""
        req = getattr(self.sim, "stop_request", None)
        if req is None or not req.pending():
            return False
        if parallel.is_root(self.sim.comm):  # one line, not one per rank
            log.warning(  # log.txt only: the run's end prints the one console line
                "%s at t = %.6g s: the run stops here; the results so far are kept",
                signal_name(req.agreed),
                self.t,
                extra={FILE_ONLY: True},
            )
        self.stop = "interrupted"
        return True

    def _start(self) -> None:
        sim = self.sim
        values = sim.observables.compute(0.0, 0.0, 0, first=True)
        if self.errors is not None:
            self.errors.push(0.0, self._owned(sim.model.u.x.array))
        sim.observables.commit(values, first=True)
        with sim.timings.part("output"):
            for sink in sim.sinks:
                sink.start(sim.model, sim.observables.columns, values)
                sink.output(sim.model, 0.0)
        if sim.predictor is not None:
            sim.predictor.move(0.0, self.ctrl.next_dt(0.0), None)

    def _step(self, progress) -> None:
        """Attempt one step from the accepted state; accept it or cut Δt."""
        sim = self.sim
        if _below_dt_min(self):
            return
        att = sim.solve(self.t, self.ctrl.next_dt(self.t))
        self.iterations += att.iterations
        self.krylov += att.krylov_iterations
        if not att.converged:
            self.rejected += 1
            self.ctrl.diverged(att.dt_s)
            log.debug(
                "t = %.6g s: Newton diverged (reason %d) with dt = %.3g s",
                self.t,
                att.reason,
                att.dt_s,
            )
            if self.ctrl.gave_up():
                self.stop = "diverged"
            return
        factor = 1.0
        if self.errors is not None:
            err = self.errors.error(self.t + att.dt_s, self._owned(sim.model.u.x.array))
            factor = self.errors.factor(err)
            if err is not None and err > 1.0:
                log.debug("t = %.6g s: local error %.3g with dt = %.3g s", self.t, err, att.dt_s)
                self.ctrl.set_dt(att.dt_s * factor, "the local error (time.rtol/atol)")
                self.rejected += 1
                if self.ctrl.gave_up():
                    self.stop = "dt_too_small"
                return
        if self.ctrl.too_hot(att.dt_s, att.dT_K):
            self.rejected += 1
            if self.ctrl.gave_up():
                self.stop = "dt_too_small"
            return
        with sim.timings.part("observables"):
            values = sim.observables.compute(self.t + att.dt_s, att.dt_s, att.iterations)
            if sim.predictor is not None:  # the step's mesh is the moved one
                sim.observables.after_move(values, dict(values), sim.predictor.quality)
        step = Trial(att.dt_s, values, sim.model.u.x.array.copy(), att.iterations)
        with sim.timings.part("event_location"):
            step = self._events_in_step(step)
        self._accept(step, progress)
        if self.stop is None:
            if self.errors is None:
                self.ctrl.accepted(step.iterations, att.dT_K)
            else:
                self.ctrl.scaled(att.dt_s, factor)
            if self.mover is not None:
                mm = sim.case.interface.max_motion_per_step
                moved_dt = step.dt_s if sim.predictor is None else sim.predictor.interval
                if moved_dt > 0:  # 0: the mesh was ahead, no move (its fraction is stale)
                    self.ctrl.limit_motion(moved_dt, self.mover.fraction, mm)
            self._limit_error(step.dt_s)
            if sim.predictor is not None and not self.ctrl.gave_up():
                self._premove()

    def _premove(self) -> None:
        """BDF2 on a moving mesh: move it to the end of the next step (motion.predictor)."""
        sim = self.sim
        sim.predictor.move(self.t, self.t + self.ctrl.next_dt(self.t), sim.dt_prev)
        if sim.predictor.restarted:  # remeshed: the error estimate's history restarts
            self.errors.restart(self.t, self._owned(sim.model.u_n.x.array))

    def _limit_error(self, dt_s: float) -> None:
        """Error per unit step of the consumed Li (time.consumed_error_tol)."""
        tol = self.error_tol
        h = self.sim.history
        if tol <= 0 or len(h) < 2:
            return
        rate = h[-1]["reaction_rate_mol_s"]
        jump = abs(rate - h[-2]["reaction_rate_mol_s"])
        # error grows at most tol x (the consumption rate + the dendrite's Li per run time)
        allowed = tol * (abs(rate) + self.sim.observables.inventory.li_moles0 / self.end_s)
        self.ctrl.limit_error(dt_s, jump, allowed)

    def _accept(self, step: Trial, progress) -> None:
        """Commit the step, move the mesh, write the row, apply the stop rules."""
        sim = self.sim
        values = step.values
        sim.observables.commit(values)
        self.t += step.dt_s
        self.steps += 1
        quality = None
        if sim.predictor is not None:
            quality = sim.predictor.quality
        elif self.mover is not None:
            quality = self.mover.move(step.dt_s, values)
        m = sim.model
        sim.advance(step.dt_s)
        if self.errors is not None:
            self.errors.push(self.t, self._owned(m.u.x.array))
        with sim.timings.part("output"):
            for sink in sim.sinks:
                sink.row(values)
            if self.outputs.due(self.t):
                for sink in sim.sinks:
                    sink.output(m, self.t)
        progress.update(self.t, step.dt_s, step.iterations, values["T_interface_mean_K"])
        seek_end(self, values)
        self._apply_stop_rules(quality)

    def _owned(self, arr):
        """The owned part of a dof array of the model's space."""
        V = self.sim.model.V
        return arr[: V.dofmap.index_map.size_local * V.dofmap.index_map_bs]

    # --- events -----------------------------------------------------------------------
    def _window(self, row=None) -> Window:
        """Rows for ``g``: ``row`` (default: the last accepted) and the accepted ones before."""
        h = self.sim.history
        if row is None:
            return Window(h[-1], h[-2] if len(h) > 1 else None, h[-3] if len(h) > 2 else None)
        return Window(row, h[-1], h[-2] if len(h) > 1 else None)

    def _events_in_step(self, step: Trial) -> Trial:
        """Cut the step at the earliest terminal crossing; locate and record the others.

        Each terminal event is located on the step as cut so far, so the last cut is the
        earliest crossing; only events that happen by the end of the final step are
        recorded (a later crossing of another terminal event never happened).
        """
        start = self._window()
        found = []
        for e in self.sim.events.threshold():
            if e.terminal and e.located:
                t_event, step = self._locate(e, start, step)
                if t_event is not None:
                    found.append((e, t_event))
        end = self.t + step.dt_s
        for e, t_event in found:
            if t_event <= end * (1 + 1e-12):
                self._record(e, t_event)
        for e in self.sim.events.threshold():
            if not e.terminal and e.located and e.name not in self.occurred:
                t_event, _ = self._locate(e, start, step)
                if t_event is not None:
                    self._record(e, t_event)
        self._restore(step)
        return step

    def _locate(self, e: Event, start: Window, step: Trial) -> tuple[float | None, Trial]:
        """(time of ``e``'s crossing in ``step`` or None, the step cut there if terminal)."""
        g0 = e.g(start)
        g1 = e.g(Window(step.values, start.row, start.prev))
        if not e.crossed(g0, g1):
            return None, step
        t_event, cut = self.t + step.dt_s, step
        if math.isfinite(g0):  # located; an undefined start: the end of the step
            cut, s = self.locator.locate(e, self.t, start, g0, step)
            t_event = self.t + s
        return t_event, (cut if e.terminal else step)

    def _restore(self, step: Trial) -> None:
        """Put the model back to the solution of ``step`` (after trial solves)."""
        m = self.sim.model
        m.u.x.array[:] = step.u
        m.set_step(step.dt_s, self.sim.dt_prev)
        m.set_time(self.t + step.dt_s)
        if self.sim.predictor is not None:
            self.sim.predictor.set_velocity()

    def _record(self, e: Event, t_event: float) -> None:
        if e.name in self.occurred:
            return
        self.occurred[e.name] = t_event
        bad_end = e.terminal and e.name not in VALID_STOPS
        row = self.sim.history[-1] if self.sim.history else {}
        log.log(logging.WARNING if bad_end else logging.INFO, "%s", e.message(t_event, row))

    def _apply_stop_rules(self, quality: float | None) -> None:
        """The first terminal threshold event that the accepted row crossed stops the run."""
        now, before = self._window(), None
        h = self.sim.history
        if len(h) > 1:
            before = Window(h[-2], h[-3] if len(h) > 2 else None, h[-4] if len(h) > 3 else None)
        for e in self.sim.events.threshold():
            g1 = e.g(now)
            if e.crossed(e.g(before) if before else math.nan, g1):
                self._record(e, self.t)
                if e.terminal and self.stop is None:
                    self.stop = e.name
        if (
            self.stop is not None
            and quality is not None
            and quality < self.sim.case.interface.min_quality
        ):
            # the worst cell's position (collective: every rank reaches this line)
            log.warning("worst cell at %s um", self.sim.model.motion.worst_cell_um())

    def _summary(self) -> RunSummary:
        sim = self.sim
        last = sim.history[-1] if sim.history else {}
        li0 = sim.observables.inventory.li_volume_m3
        return RunSummary(
            self.stop,
            self.t,
            self.steps,
            self.rejected,
            self.iterations + self.locator.iterations,
            self.krylov + self.locator.krylov_iterations,
            self.occurred.get("onset"),
            dict(sim.timings),
            dict(last),
            self.occurred.get("runaway"),
            remeshes=len(sim.remesh_reports),
            moving=sim.moving,
            li_removed_fraction=sim.li_removed_m3 / max(li0, 1e-300),
            events=dict(self.occurred),
            event_solves=self.locator.solves,
            jacobian_assemblies=sim.assemblies_before + sim.newton.reuse.assemblies,
            checkpoint_s=getattr(getattr(sim, "checkpoints", None), "last_s", None),
        )


def _below_dt_min(loop: TimeLoop) -> bool:
    """Stop (dt_too_small, or diverged after Newton failures) if Δt fell below dt_min.

    Asked before every attempt, so whichever rule cut Δt (error controls, motion, Newton
    iterations), no step is ever shorter than ``time.dt_min_s``.
    """
    ctrl = loop.ctrl
    if not ctrl.gave_up():
        return False
    log.warning(
        "t = %.6g s: the time step %.3g s, set by %s, is below time.dt_min_s = %g s",
        loop.t,
        ctrl.dt,
        ctrl.limited_by,
        ctrl.dt_min,
    )
    loop.stop = "diverged" if ctrl.limited_by == "Newton divergence" else "dt_too_small"
    return True
