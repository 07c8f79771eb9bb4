"""Moving the Li surface after an accepted step: motion sub-steps, remeshing, observables.

Staggered ALE: the surface recedes by V_m r dt with the rate of the accepted step, and the
mesh velocity of this motion enters the next step's transport terms.  The observables'
``before_move`` / ``after_move`` hooks update the row (retention from the Li volume, the
amounts held and exchanged, cell quality).
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np

from dendrisim.core.errors import SimulationError

log = logging.getLogger("dendrisim")


class MotionStepper:
    """Moves the mesh of a :class:`~dendrisim.solver.simulation.Simulation` after each step.

    ``fraction``: how far the last move went, as a fraction of the local interface cell
    size (the step controller caps the next Δt with it).
    """

    MAX_SUBSTEPS = 64

    def __init__(self, sim):
        self.sim = sim
        self.fraction = 0.0

    def move(self, dt: float, values: dict[str, float]) -> float:
        """Recede the Li surface over a step of ``dt`` [s]; update ``values`` in place.

        Returns the global minimum cell quality after the move.
        """
        sim = self.sim
        t1 = time.perf_counter()
        before = dict(values)
        sim.observables.before_move(values)
        quality, velocity = self.substeps(dt, values["time_s"])
        motion = sim.model.motion
        motion.velocity.x.array[:] = velocity
        sim.model.velocity.interpolate(motion.velocity)
        sim.observables.after_move(values, before, quality)
        sim.timings.add("mesh_motion", time.perf_counter() - t1)
        return quality

    def _count(self, dt: float) -> int:
        """Sub-steps so that the surface moves at most max_motion_per_step at a time.

        Bounded by :attr:`MAX_SUBSTEPS` (a warning says when the bound binds); a fraction
        that is not a finite number stops the run with a SimulationError naming it.
        """
        motion, ic = self.sim.model.motion, self.sim.case.interface
        fraction = motion.prescribed_fraction(dt)  # global: the same on every rank
        return substep_count(fraction, ic.max_motion_per_step, self.MAX_SUBSTEPS, dt)

    def _can_remesh(self, quality: float) -> bool:
        sim, ic = self.sim, self.sim.case.interface
        return (
            quality < ic.remesh_quality
            and sim.remesher is not None
            and sim.remesher.count < ic.max_remeshes
        )

    def substeps(self, dt: float, t: float) -> tuple[float, np.ndarray]:
        """Move in sub-steps (normals recomputed, remeshing possible in between).

        Returns the final quality and the mean mesh velocity over the step.
        """
        sim, ic = self.sim, self.sim.case.interface
        n_sub = self._count(dt)
        motion = sim.model.motion
        velocity = np.zeros_like(motion.velocity.x.array)
        self.fraction = 0.0
        for _ in range(n_sub):
            x_before = sim.model.mesh.geometry.x.copy()
            quality = motion.step(dt / n_sub, prescribed=n_sub == 1)
            self.fraction += motion.moved_fraction(x_before)
            velocity += motion.velocity.x.array / n_sub
            if self._can_remesh(quality):
                redo = quality < ic.min_quality  # too distorted to rebuild from: step back
                if redo:
                    motion.undo_last()
                    velocity -= motion.velocity.x.array / n_sub
                if sim.remesh(t):
                    motion = sim.model.motion
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
        return quality, velocity


def substep_count(fraction: float, max_motion: float, max_substeps: int, dt: float) -> int:
    """Number of motion sub-steps for a surface that would move ``fraction`` of its cell size.

    ``ceil(fraction / max_motion)``, at least 1 and at most ``max_substeps``.  A bound
    that binds is logged (each sub-step then moves more than ``max_motion``; the cell
    quality check stops the run if the mesh tangles); a non-finite ``fraction`` (a reaction
    rate that is not a number, a surface facet of zero size) raises SimulationError.
    """
    if not math.isfinite(fraction):
        raise SimulationError(
            f"mesh motion: the Li surface would move {fraction} of its local cell size in a "
            f"step of {dt:.6g} s (not a finite number: a reaction rate that is not a number or "
            "a surface facet of zero size); stopping"
        )
    n = max(1, math.ceil(fraction / max_motion - 1e-9))
    if n > max_substeps:
        log.warning(
            "mesh motion: the Li surface would move %.3g of its local cell size in a step of "
            "%.6g s; %d sub-steps (the bound) move %.3g each, more than "
            "interface.max_motion_per_step = %g",
            fraction,
            dt,
            max_substeps,
            fraction / max_substeps,
            max_motion,
        )
    return min(max_substeps, n)
