"""Jacobian/LU reuse (``solver.reuse_jacobian``): chord Newton with a fresh Jacobian when needed.

SNES asks for the Jacobian at every Newton iteration; :class:`JacobianReuse` stands in for
dolfinx's assembly callback and assembles (hence the LU/AMG set-up runs again: PETSc's
preconditioner is rebuilt only when the matrix changed) only when

- there is no Jacobian yet, or the step weights (γ, β) changed since it was assembled
  (another Δt: the Jacobian of another problem), or
- the last iteration contracted poorly: ‖δ_k‖/‖δ_{k−1}‖ (or ‖F_1‖/‖F_0‖ at the first
  iteration of a solve) above ``max_contraction``.

Otherwise the last Jacobian (and its factorisation) is kept, also across steps; on a
moving mesh it was assembled on the mesh of an earlier step (the contraction decides).

The converged answer must not depend on the Jacobian used, so with reuse the solve
converges on the residual (‖F‖ < ``solver.newton_atol``) or on the tests of full Newton
(:class:`~dendrisim.solver.newton.PredictedErrorTest`) after an iteration whose Jacobian
was fresh, i.e. on the true Newton increment: when a chord iteration passes them, one
Newton iteration with a fresh Jacobian follows.  (Accepting chord iterates broke the
balances: a stale Jacobian across the Li melting peak gave ‖δ_2‖/‖δ_1‖ = 1e-7 with the
residual still at 9e-5, and PETSc's ``snes_lag_jacobian`` stopped on ‖F‖ < rtol ‖F_0‖ just
below the tolerance: species balance 5e-6..9e-6 instead of 1e-9.)  So a step costs at least
one assembly; what is saved are the other iterations' assemblies and factorisations.
"""

from __future__ import annotations

from petsc4py import PETSc


class JacobianReuse:
    """Assembles the Jacobian only when needed (``enabled``); counts assemblies and reuses."""

    def __init__(self, problem, model, enabled: bool = True, max_contraction: float = 0.2):
        self.model, self.enabled = model, enabled
        self.max_contraction = max_contraction
        snes = problem.solver
        J, P, (func, args, kargs) = snes.getJacobian()
        self._assemble, self._args, self._kargs = func, args or (), kargs or {}
        snes.setJacobian(self, J, P)
        self.assemblies = 0  # Jacobian assemblies = LU factorisations (AMG set-ups)
        self.reused = 0  # Newton iterations that kept the last Jacobian
        self.weights: tuple[float, float] | None = None
        self.fresh = True  # assemble at the next call
        self.last_fresh = True  # the last iteration's Jacobian was assembled for it

    def __call__(self, snes, x, J, P) -> None:
        """SNES's Jacobian callback: assemble, or keep the last matrix untouched."""
        weights = tuple(self.model.step_weights)
        if self.enabled and not self.fresh and weights == self.weights:
            self.reused += 1
            self.last_fresh = False
            return
        self._assemble(snes, x, J, P, *self._args, **self._kargs)
        self.assemblies += 1
        self.weights, self.fresh, self.last_fresh = weights, False, True

    def reason(self, reason: int, theta: float) -> int:
        """The convergence test's ``reason`` after an iteration of contraction ``theta``.

        A converged reason counts only after an iteration with a fresh Jacobian (the true
        Newton increment, the test of full Newton); after a chord iteration it asks for a
        fresh Jacobian and one more iteration.
        """
        if theta > self.max_contraction:
            self.fresh = True  # poor contraction: a fresh Jacobian next iteration
        if reason > 0 and not self.last_fresh:
            self.fresh = True
            return PETSc.SNES.ConvergedReason.ITERATING
        return reason
