"""The extension solver: the interface displacement extended into the whole mesh.

A harmonic (Laplace) solve of the displacement increment with the prescribed interface
motion, the fixed and the sliding boundaries as Dirichlet data.  The stiffness is inversely
proportional to the cell size (small cells near the interface move rigidly instead of
being squashed).  The operator of the reference mesh is kept (a lagged operator): it is
assembled and factorised once, and each step is one right-hand side and one
back-substitution.

PETSc objects and their lifetime: :class:`ExtensionSolver` owns two matrices (the
constrained operator and the free one that lifts the boundary data), two vectors and a
KSP (options prefix ``dendrisim_ale_``), created on construction and released by
:meth:`ExtensionSolver.destroy` (collective: every rank together).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dendrisim.core import compat, parallel

compat.load_solver_libraries()

import dolfinx  # noqa: E402
import dolfinx.fem.petsc  # noqa: E402
import dolfinx.la.petsc  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402

from dendrisim.solver.motion.assembly import petsc  # noqa: E402
from dendrisim.solver.motion.quality import cell_quality  # noqa: E402

OPTIONS_PREFIX = "dendrisim_ale_"
DIRECT_2D = {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
# 3D: CG + GAMG (a direct factorisation of the 3D extension grows as n^2); the operator is
# lagged, so the AMG hierarchy is built once per mesh (reused across steps and remeshes
# rebuild it); each solve starts from the last increment (a warm start: the tolerance is
# relative to the right-hand side, so the answer is the same to ksp_rtol)
ITERATIVE_3D = {"ksp_type": "cg", "pc_type": "gamg", "ksp_rtol": 1e-10}


def size_stiffness(mesh: dolfinx.mesh.Mesh, Q0: Any, comm: Any) -> fem.Function:
    """DG0 stiffness (smallest cell size) / (cell size), 1 on the smallest cell."""
    stiff = fem.Function(Q0)
    _, signed = cell_quality(mesh)
    size = np.abs(signed)
    smallest = parallel.global_min(size, comm)
    stiff.x.array[Q0.dofmap.list[: size.size, 0]] = smallest / np.maximum(size, 1e-300)
    stiff.x.scatter_forward()
    return stiff


class ExtensionSolver:
    """Harmonic extension of the boundary displacement with a lagged, factorised operator.

    Args:
        V: vector P1 space of the displacement.
        stiffness: the DG0 stiffness (:func:`size_stiffness`).
        bcs: the Dirichlet conditions (prescribed, fixed, sliding); the prescribed values
            are read from their functions at each :meth:`solve`.
    """

    def __init__(self, V: Any, stiffness: fem.Function, bcs: list):
        PETSc = petsc()
        self.V, self.bcs = V, bcs
        mesh = V.mesh
        u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
        form = fem.form(stiffness * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx)
        opts = ITERATIVE_3D if mesh.topology.dim == 3 else DIRECT_2D
        self._A = dolfinx.fem.petsc.assemble_matrix(form, bcs=bcs)
        self._A.assemble()
        self._A_free = dolfinx.fem.petsc.assemble_matrix(form)
        self._A_free.assemble()
        imap, bs = V.dofmap.index_map, V.dofmap.index_map_bs
        self._b = dolfinx.la.petsc.create_vector([(imap, bs)])
        self._g_vec = dolfinx.la.petsc.create_vector([(imap, bs)])
        self._ksp = PETSc.KSP().create(mesh.comm)
        self._ksp.setOptionsPrefix(OPTIONS_PREFIX)
        opt = PETSc.Options()
        for k, val in opts.items():
            opt[f"{OPTIONS_PREFIX}{k}"] = val
        self._ksp.setFromOptions()
        self._ksp.setOperators(self._A)
        self._ksp.setInitialGuessNonzero(opts is ITERATIVE_3D)  # warm start (3D)
        self.solves = self.iterations = 0  # extension solves and their Krylov iterations

    def solve(self, du: fem.Function) -> None:
        """Fill ``du`` with the extension of the current Dirichlet data (collective)."""
        g, b = self._g_vec, self._b
        g.zeroEntries()
        dolfinx.fem.petsc.set_bc(g, self.bcs)  # g = prescribed values on constrained dofs
        self._A_free.mult(g, b)
        b.scale(-1.0)  # lifting: free rows get -A g
        dolfinx.fem.petsc.set_bc(b, self.bcs)  # constrained rows: the prescribed values
        self._ksp.solve(b, du.x.petsc_vec)
        du.x.scatter_forward()
        self.solves += 1
        self.iterations += self._ksp.getIterationNumber()

    def destroy(self) -> None:
        """Destroy the PETSc objects (collective; call on every rank together)."""
        for name in ("_ksp", "_A", "_A_free", "_b", "_g_vec"):
            obj = getattr(self, name, None)
            if obj is not None:
                obj.destroy()
                setattr(self, name, None)


def geometry_to_dof(mesh: dolfinx.mesh.Mesh, V: Any) -> np.ndarray:
    """Block dof of the P1 space ``V`` at every geometry node of ``mesh`` (degree 1)."""
    gmap = np.empty(mesh.geometry.x.shape[0], dtype=np.int64)
    gmap[mesh.geometry.dofmaps[0].ravel()] = V.dofmap.list.ravel()
    return gmap


def displace_geometry(mesh: dolfinx.mesh.Mesh, values: np.ndarray, gmap: np.ndarray) -> None:
    """Add the nodal vectors ``values`` (block dofs x bs) [m] to the mesh coordinates."""
    gdim = mesh.geometry.dim
    mesh.geometry.x[:, :gdim] += values[gmap, :gdim]
