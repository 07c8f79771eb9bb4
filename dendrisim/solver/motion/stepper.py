"""Moving the Li surface after an accepted step: motion sub-steps, remeshing, observables.

Staggered ALE: the surface recedes by V_m r dt with the rate of the accepted step, and the
mesh velocity of this motion enters the next step's transport terms.  The observables'
``before_move`` / ``after_move`` hooks update the row (retention from the Li volume, the
amounts held and exchanged, cell quality).
"""

from __future__ import annotations

import math
import time

import numpy as np


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
        """Sub-steps so that the surface moves at most max_motion_per_step at a time."""
        motion, ic = self.sim.model.motion, self.sim.case.interface
        n = math.ceil(motion.prescribed_fraction(dt) / ic.max_motion_per_step - 1e-9)
        return min(self.MAX_SUBSTEPS, max(1, n))

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
