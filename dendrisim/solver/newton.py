"""Newton solve of the coupled system with PETSc SNES (analytic Jacobian from UFL)."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from dolfinx.fem.petsc import NonlinearProblem  # noqa: E402
from petsc4py import PETSc  # noqa: E402

from dendrisim.physics.registry import Registry  # noqa: E402
from dendrisim.solver.nearnull import field_near_null_space  # noqa: E402
from dendrisim.solver.pcreuse import PreconditionerReuse  # noqa: E402
from dendrisim.solver.reuse import JacobianReuse  # noqa: E402

_COUNTER = itertools.count()


LINEAR_SOLVERS = Registry("solver.linear")  # name -> options(tdim) [PETSc KSP/PC options]


@LINEAR_SOLVERS.register("direct")
def direct_options(tdim: int) -> dict:
    """MUMPS LU."""
    return {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}


@LINEAR_SOLVERS.register("iterative")
def iterative_options(tdim: int) -> dict:
    """GMRES preconditioned by smoothed-aggregation AMG (GAMG).

    :class:`NewtonSolver` gives GAMG the fields' near-null space (each field's constant,
    zero on its Dirichlet dofs: :mod:`dendrisim.solver.nearnull`); with PETSc's default
    (constants on every dof) the Krylov iterations grow with the interface refinement.
    """
    return {
        "ksp_type": "gmres",
        "ksp_rtol": 1e-10,
        "ksp_atol": 1e-14,
        "ksp_max_it": 500,
        "ksp_gmres_restart": 100,
        "pc_type": "gamg",
        "pc_gamg_type": "agg",
        "mg_levels_ksp_type": "chebyshev",
        "mg_levels_pc_type": "jacobi",
    }


@LINEAR_SOLVERS.register("auto")
def auto_options(tdim: int) -> dict:
    """Direct in 1D/2D, iterative in 3D."""
    return (direct_options if tdim < 3 else iterative_options)(tdim)


def linear_solver_options(kind: str, tdim: int) -> dict:
    """PETSc KSP/PC options of the linear solver registered as ``kind``.

    ``direct``: MUMPS LU, ``iterative``: GMRES + GAMG, ``auto``: direct in 2D and
    iterative in 3D.
    """
    return LINEAR_SOLVERS.get(kind)(tdim)


class PredictedErrorTest:
    """SNES convergence test on the predicted error of the iterate (plus PETSc's own tests).

    After iteration k (update δ_k, norms in the scaled unknowns) the contraction rate
    θ_k = ‖δ_k‖/‖δ_{k−1}‖ predicts the next update, i.e. the error left in the iterate:
    ‖δ_{k+1}‖ ≈ θ_k ‖δ_k‖ = ‖δ_k‖²/‖δ_{k−1}‖.  The solve has converged when that is below
    ``stol`` ‖x‖ (θ_k < 1 only), so a converged step ends after the iteration that converged
    it instead of after a confirming one (whose update is at round-off).  PETSc's default
    tests are kept: ‖F‖ < atol, ‖F‖ < rtol ‖F_0‖, ‖δ_k‖ < stol ‖x‖; a NaN residual
    diverges; at least one iteration always (snes_force_iteration).  Deuflhard, Newton
    Methods for Nonlinear Problems (2004), §2.1 (a-posteriori error estimate from θ).
    """

    def __init__(self, rtol: float, atol: float, stol: float, reuse=None):
        self.rtol, self.atol, self.stol = rtol, atol, stol
        self.fnorm0 = self.prev_fnorm = math.inf
        self.prev_ynorm = math.inf
        self.reuse = reuse  # a JacobianReuse: chord rules (below)

    def __call__(self, snes, it: int, norms: tuple[float, float, float]) -> int:
        """PETSc's reason after iteration ``it``; norms = (‖x‖, ‖δ_it‖, ‖F(x)‖)."""
        xnorm, ynorm, fnorm = norms
        R = PETSc.SNES.ConvergedReason
        if math.isnan(fnorm):
            return R.DIVERGED_FNORM_NAN
        if it == 0:
            self.fnorm0 = self.prev_fnorm = fnorm
            self.prev_ynorm = math.inf
            return R.ITERATING  # at least one iteration
        prev, self.prev_ynorm = self.prev_ynorm, ynorm
        prev_f, self.prev_fnorm = self.prev_fnorm, fnorm
        if fnorm < self.atol:
            return R.CONVERGED_FNORM_ABS
        reason = R.ITERATING
        if fnorm <= self.rtol * self.fnorm0:
            reason = R.CONVERGED_FNORM_RELATIVE
        elif it > 1 and ynorm < prev and ynorm * ynorm / prev < self.stol * xnorm:
            reason = R.CONVERGED_SNORM_RELATIVE  # predicted: the next update is negligible
        elif ynorm < self.stol * xnorm:
            reason = R.CONVERGED_SNORM_RELATIVE
        if self.reuse is not None:  # chord: only a true Newton iteration may converge
            theta = ynorm / prev if it > 1 else fnorm / prev_f
            return self.reuse.reason(reason, theta)
        return reason


@dataclass
class NewtonResult:
    """Outcome of one Newton solve."""

    converged: bool
    iterations: int
    krylov_iterations: int
    reason: int


class NewtonSolver:
    """SNES Newton on the model's residual, own options prefix, at least one iteration.

    ``predicted``: stop on the predicted error of the iterate (:class:`PredictedErrorTest`);
    False: PETSc's default test (which needs a confirming iteration once the residual is
    at round-off).  ``reuse``: chord Newton with a fresh Jacobian when needed
    (:class:`~dendrisim.solver.reuse.JacobianReuse`, ``solver.reuse_jacobian``).
    """

    def __init__(
        self,
        model,
        bcs,
        rtol: float = 1e-9,
        atol: float = 1e-10,
        stol: float = 1e-10,
        max_it: int = 25,
        linear: str = "auto",
        extra_options: dict | None = None,
        predicted: bool = True,
        reuse: bool = False,
        reuse_pc: bool = True,
        near_null: bool = True,
    ):
        opts = {
            "snes_type": "newtonls",
            "snes_linesearch_type": "basic",
            "snes_rtol": rtol,
            "snes_atol": atol,
            "snes_stol": stol,
            "snes_max_it": max_it,
            "snes_force_iteration": True,
            "snes_error_if_not_converged": False,
            "ksp_error_if_not_converged": False,
        }
        opts.update(linear_solver_options(linear, model.tdim))
        opts.update(extra_options or {})
        self.prefix = f"dendrisim_{next(_COUNTER)}_"
        self.problem = NonlinearProblem(
            model.F,
            model.u,
            bcs=bcs,
            J=model.J,
            petsc_options_prefix=self.prefix,
            petsc_options=opts,
        )
        self.snes = self.problem.solver
        self.near_null = None  # GAMG: the fields' near-null space (nearnull.py)
        if near_null and opts.get("pc_type") == "gamg":
            self.set_near_null_space(field_near_null_space(self.problem.A, bcs))
        self.reuse = JacobianReuse(self.problem, model, enabled=reuse)  # counts assemblies
        self.pc_reuse = PreconditionerReuse(self.snes, model, enabled=reuse_pc)  # Krylov only
        if predicted or reuse:
            chord = self.reuse if reuse else None
            self.snes.setConvergenceTest(PredictedErrorTest(rtol, atol, stol, chord))
        self.options = opts

    def set_near_null_space(self, space) -> None:
        """Attach ``space`` (a PETSc NullSpace, or None: GAMG's default) to the Jacobian."""
        if self.near_null is not None:
            self.near_null.destroy()
        self.near_null = space
        self.problem.A.setNearNullSpace(space if space is not None else PETSc.NullSpace())

    def destroy(self) -> None:
        """Destroy the PETSc objects now, on every rank together (collective).

        Left to the garbage collector, ``NonlinearProblem.__del__`` would destroy them at a
        different moment on each rank and deadlock against the next collective call.
        """
        pb = self.problem
        for attr in ("_snes", "_A", "_b", "_x", "_P_mat"):
            obj = getattr(pb, attr, None)
            if obj is not None:
                obj.destroy()
                setattr(pb, attr, None)
        if self.near_null is not None:
            self.near_null.destroy()
            self.near_null = None

    def solve(self) -> NewtonResult:
        """Solve from the current ``model.u``; the caller checks ``converged``.

        A failed solve that reused a Jacobian (chord) or a preconditioner is repeated from
        the same start with full Newton and fresh preconditioners, so reuse never cuts the
        step.
        """
        reuse, pcr = self.reuse, self.pc_reuse
        if not (reuse.enabled or pcr.enabled):
            return self._solve()
        u = self.problem.u
        start, marks = u.x.array.copy(), (reuse.reused, pcr.reuses)
        res = self._solve()
        if res.converged or marks == (reuse.reused, pcr.reuses):
            return res
        u.x.array[:] = start
        enabled = reuse.enabled, pcr.enabled
        reuse.enabled = pcr.enabled = False
        reuse.fresh = True
        pcr.force_rebuild()
        try:
            full = self._solve()
        finally:
            reuse.enabled, pcr.enabled = enabled
        return NewtonResult(
            full.converged,
            res.iterations + full.iterations,
            res.krylov_iterations + full.krylov_iterations,
            full.reason,
        )

    def _solve(self) -> NewtonResult:
        try:
            self.problem.solve()
        except PETSc.Error:
            return NewtonResult(False, self.snes.getIterationNumber(), 0, -100)
        reason = self.snes.getConvergedReason()
        return NewtonResult(
            reason > 0, self.snes.getIterationNumber(), self.snes.getLinearSolveIterations(), reason
        )
