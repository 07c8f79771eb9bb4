"""BDF2 on a moving Li surface: the mesh is moved *before* each step ("predicted mesh" ALE).

Backward Euler moves the mesh after an accepted step with that step's rate and solves the
next step on it (staggered, first order: the surface lags one step,
:mod:`dendrisim.solver.motion.stepper`).  For a second-order scheme the surface must be
where it is at the end of the step being solved.  After the step to t_{k} is accepted the
mesh, which represents the time ``t_mesh``, is moved to where the surface will be at
t_target = t_k + h (h the next step the controller plans):

- the recession is V_m r̄ (t_target − t_mesh) with r̄ the rate extrapolated linearly from
  the last two accepted solutions to the middle of [t_mesh, t_target]:
  r̄ = (1 + θ) r(u^k) − θ r(u^{k−1}), θ = ((t_mesh + t_target)/2 − t_k)/h_{k−1}
  (second order, like the two-step Adams–Bashforth; θ = 0 without a previous step);
- the step is then solved on the moved mesh with the previous two levels as the same dof
  vectors (nodal values carried by the nodes) and the mesh velocity of BDF2 applied to the
  node positions, w = (d_k − β d_{k−1})/γ (d the node displacements of the last two
  moves, (γ, β) the step weights of :func:`dendrisim.physics.forms.step_weights`): the
  ALE identity ∂u/∂t = du/dt|_node − w·∇u holds to second order;
- a rejected or cut step keeps the mesh (its w uses the step's own γ, β: the ALE form stays
  consistent; only the surface position is off by the rate times the cut) and the next
  move starts from ``t_mesh``, so the position error is not carried on;
- a remesh while moving transfers the fields (:mod:`dendrisim.physics.transfer`) and the
  next step restarts BDF2 with a backward-Euler step (u_{n−1} := u_n, the error estimate's
  history restarts; docs/physics.md#time-discretisation).
"""

from __future__ import annotations

import time

import numpy as np


def predicted_rate(model, theta):
    """r̄ = (1 + θ) r(u_n) − θ r(u_{n−1}) restricted to the '+' side (UFL)."""
    return ((1 + theta) * model.rate(model.u_n) - theta * model.rate(model.u_nm1))("+")


class MeshPredictor:
    """Moves the mesh of a BDF2 run ahead to the end of the next step (collective)."""

    def __init__(self, sim, mover):
        self.sim, self.mover = sim, mover
        self.t_mesh = 0.0  # the time the mesh's surface position represents [s]
        self.interval = 0.0  # the last move's time interval [s]
        self.quality = 1.0  # worst cell quality after the last move
        self.restarted = False  # the last move remeshed (BDF2 restarts)
        self._zero()

    def _zero(self) -> None:
        self.model = self.sim.model
        self.d = np.zeros_like(self.model.velocity.x.array)  # displacement of the last move
        self.d_prev = np.zeros_like(self.d)

    def move(self, t: float, t_target: float, h_last: float | None) -> None:
        """Move the surface from ``t_mesh`` to ``t_target`` (accepted state at ``t``)."""
        sim = self.sim
        interval = t_target - self.t_mesh
        self.d_prev, self.restarted = self.d, False
        if interval <= 1e-9 * max(t_target, 1e-300):  # the mesh is ahead already
            self.d, self.interval = np.zeros_like(self.d_prev), 0.0
            self.set_velocity()
            return
        t1 = time.perf_counter()
        mid = 0.5 * (self.t_mesh + t_target)
        sim.rate_theta.value = (mid - t) / h_last if h_last else 0.0
        ale = _ale(sim)
        ale.mesh_moving()
        self.quality, velocity = self.mover.substeps(interval, t)
        if sim.model is not self.model:  # remeshed: restart with backward Euler
            self._restart()
        ale = _ale(sim)
        ale.mesh_moved()
        if self.restarted:
            ale.restart()
        motion = sim.model.motion
        motion.velocity.x.array[:] = velocity
        self.model.velocity.interpolate(motion.velocity)
        self.d = self.model.velocity.x.array * interval
        self.t_mesh, self.interval = t_target, interval
        self.set_velocity()
        sim.timings.add("mesh_motion", time.perf_counter() - t1)

    def _restart(self) -> None:
        """After a remesh (``Simulation.remesh`` set u_{n−1} := u_n and no previous step)."""
        self._zero()
        self.restarted = True

    def state(self) -> dict:
        """The scalars a checkpoint holds (the displacements ``d``, ``d_prev`` are arrays)."""
        theta = getattr(self.sim, "rate_theta", None)
        return {
            "t_mesh_s": self.t_mesh,
            "interval_s": self.interval,
            "quality": self.quality,
            "restarted": self.restarted,
            "rate_theta": float(theta.value) if theta is not None else 0.0,
            "fraction": self.mover.fraction,
        }

    def restore(self, state: dict, d: np.ndarray, d_prev: np.ndarray) -> None:
        """Take back :meth:`state` and the last two moves' displacements (a resumed run)."""
        self.model = self.sim.model
        self.t_mesh, self.interval = state["t_mesh_s"], state["interval_s"]
        self.quality, self.restarted = state["quality"], state["restarted"]
        self.mover.fraction = state["fraction"]
        if getattr(self.sim, "rate_theta", None) is not None:
            self.sim.rate_theta.value = state["rate_theta"]
        self.d, self.d_prev = d.copy(), d_prev.copy()

    def set_velocity(self) -> None:
        """Set the mesh velocity w = (d_k − β d_{k−1})/γ with the model's current step weights."""
        gamma, beta = self.model.step_weights
        w = self.model.velocity
        w.x.array[:] = (self.d - beta * self.d_prev) / gamma
        w.x.scatter_forward()


def _ale(sim):
    from dendrisim.observables.moving import PredictedAleExchange

    return next(ob for ob in sim.observables.items if isinstance(ob, PredictedAleExchange))
