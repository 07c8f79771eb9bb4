"""Preconditioner reuse for the Krylov solvers (``solver.reuse_preconditioner``, 3D AMG).

Building the GAMG hierarchy (aggregation, prolongators, Galerkin coarse operators,
Chebyshev eigenvalue estimates) costs several Jacobian-vector products per fine-grid
unknown, and the Jacobian of the coupled c–T system changes little between Newton
iterations and between steps.  :class:`PreconditionerReuse` keeps the hierarchy built from
an earlier Jacobian (``PCSetReusePreconditioner``: the Krylov method always uses the
current Jacobian, only the preconditioner is stale) and rebuilds it only when

- the Krylov count has grown: a linear solve took more than ``growth`` times (and at least
  ``slack`` more than) the iterations of the first solve after the last build, or
- a linear solve with the kept preconditioner failed (then the Newton solve is repeated
  from its start with a fresh one: :meth:`NewtonSolver.solve
  <dendrisim.solver.newton.NewtonSolver.solve>`), or
- the step weight γ (∝ Δt, the only step weight in the Jacobian) changed by more than
  ``max_gamma_change`` (5 %) since the build.

A solve with a kept preconditioner may take at most ``max(3 base, base + 20)``
iterations: past that it fails and the Newton solve is repeated with fresh ones (bounded
cost).  Measured on the 102k-cell 3D fig5-stable cell: within a step and across steps of
nearly equal Δt the kept hierarchy needs the same 13–15 iterations as a fresh one, but
one built at γ = 0.041 s stalled (500 iterations) at γ = 0.054 s: PETSc's Chebyshev
smoothers keep the eigenvalue bounds of the build while the fine-level operator changes
in place, so a larger change of the matrix is not a mild perturbation of the
preconditioner.

The Newton iterates do not depend on the preconditioner beyond the Krylov tolerance
(``ksp_rtol`` 1e-10), so the answers are those of a fresh build to the Newton tolerance
(``tests/verification/test_solver_3d.py``).  Only for Krylov solvers: with a direct solve
(``preonly``) a stale factorisation would be the answer, so reuse is never switched on.
"""

from __future__ import annotations

import math


class PreconditionerReuse:
    """Decides before each linear solve whether the KSP's preconditioner is rebuilt.

    Observes every solve through a KSP post-solve hook; ``builds`` counts preconditioner
    set-ups asked for, ``reuses`` the solves that kept the last one.
    """

    def __init__(
        self,
        snes,
        model,
        enabled: bool = True,
        growth: float = 1.5,
        slack: int = 5,
        max_gamma_change: float = 0.05,
    ):
        self.ksp = snes.getKSP()
        self.model = model
        self.hooked = self.ksp.getType() != "preonly"  # counts builds, AMG levels
        self.enabled = enabled and self.hooked  # False: a fresh preconditioner every solve
        self.growth, self.slack, self.max_gamma_change = growth, slack, max_gamma_change
        self.max_it = self.ksp.getTolerances()[3] if self.hooked else 0
        self.builds = 0
        self.reuses = 0
        self.base: int | None = None  # Krylov iterations of the first solve after a build
        self.levels = 0  # multigrid levels of the last build (0: not a multigrid PC)
        self.rebuild = True  # rebuild before the next solve
        self.gamma: float | None = None  # step weight γ [s] of the last build
        self._built_now = False
        if self.hooked:
            self.ksp.setPreSolve(self._pre)
            self.ksp.setPostSolve(self._post)

    def force_rebuild(self) -> None:
        """Rebuild the preconditioner before the next linear solve."""
        self.rebuild = True

    def _pre(self, ksp, b, x) -> None:
        gamma = self.model.step_weights[0]
        if self.gamma is None or abs(gamma / self.gamma - 1.0) > self.max_gamma_change:
            self.rebuild = True
        fresh = not self.enabled or self.rebuild or self.base is None
        ksp.getPC().setReusePreconditioner(not fresh)
        self._built_now = fresh
        if fresh:
            self.builds += 1
            self.rebuild, self.gamma = False, gamma
            ksp.setTolerances(max_it=self.max_it)
        else:
            self.reuses += 1
            ksp.setTolerances(max_it=min(self.max_it, max(3 * self.base, self.base + 20)))

    def _post(self, ksp, b, x) -> None:
        its, ok = ksp.getIterationNumber(), ksp.getConvergedReason() > 0
        if self._built_now:
            self.base = its if ok else None
            pc = ksp.getPC()
            self.levels = pc.getMGLevels() if pc.getType() in ("gamg", "mg") else 0
            return
        if not ok or its > max(math.ceil(self.growth * self.base), self.base + self.slack):
            self.rebuild = True
