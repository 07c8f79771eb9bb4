"""Near-null space of the coupled c–T Jacobian for smoothed-aggregation AMG (GAMG).

Smoothed aggregation builds its coarse spaces from the near-null space of the operator:
per aggregate, the restriction of each near-null vector (PETSc manual, PCGAMGAGG: "call
MatSetBlockSize() ... Call MatSetNearNullSpace() to indicate the near null space of the
operator"; Vaněk, Mandel & Brezina, Computing 56 (1996) 179).  Without one, PCGAMG takes
one constant vector per block component, for the blocked (c, T) space the constant c and
the constant T on every node.

That is wrong for c: the species equation lives in the electrolyte only, and the species
dofs that touch no electrolyte cell (the Li interior, about a third of the cell's nodes)
are Dirichlet rows (identity, c = 0: ``CoupledModel.boundary_conditions``).  The constant
c including them is not a low-energy vector of the operator (A·1 = 1 on every such row),
so every aggregate that straddles the Li surface gets a coarse basis function with a
spurious mass, and the electrolyte's smooth modes next to the surface are not in the
coarse space.  The more aggregates straddle the surface, the worse: the Krylov iterations
per Newton iteration grew with the interface refinement (14.3 → 20.2 → 26.2 on the
43k-cell cell, its halved interface and its split, 1 rank;
docs/scale.md#the-near-null-space-of-the-species-field).  Each field's constant with its
Dirichlet dofs set to zero is the null space of the field's operator without the
Dirichlet rows (the electrolyte's Neumann diffusion operator for c, the heat operator for
T, up to the small mass and reaction terms): 8.9 → 9.6 → 9.8.
"""

from __future__ import annotations

from petsc4py import PETSc

import numpy as np


def field_near_null_space(A, bcs, bs: int = 2):
    """One constant vector per block component of ``A``, zero on the Dirichlet dofs of ``bcs``.

    ``A`` is the Jacobian of the blocked space (block size ``bs``, interleaved components);
    ``bcs`` the dolfinx Dirichlet conditions (unrolled dof indices, owned first).  The
    vectors have disjoint supports and unit norm (orthonormal, as MatNullSpaceCreate needs).
    None if a component has no free dof (then GAMG keeps its default).  Collective.
    """
    fixed = np.zeros(A.getLocalSize()[0], dtype=bool)
    for bc in bcs:
        dofs, owned = bc.dof_indices()
        fixed[dofs[:owned]] = True
    vecs = []
    for k in range(bs):
        v = A.createVecRight()
        arr = np.zeros(fixed.size)
        arr[k::bs] = 1.0
        arr[fixed] = 0.0
        v.setArray(arr)
        if v.normalize() == 0.0:  # (collective: every rank takes the same branch)
            return None
        vecs.append(v)
    return PETSc.NullSpace().create(vectors=vecs, comm=A.getComm())
