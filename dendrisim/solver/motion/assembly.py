"""Small assembly helpers shared by the parts of the mesh motion (UFL measures, nodal sums).

Every nodal quantity of the motion (area-weighted normals, nodal rates, nodal areas) is an
assembled vector form whose ghost contributions are added to their owners; the owned part
is copied to numpy and the PETSc vector destroyed at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dendrisim.core import compat

compat.load_solver_libraries()

import dolfinx  # noqa: E402
import dolfinx.fem.petsc  # noqa: E402
import ufl  # noqa: E402
from dolfinx import fem  # noqa: E402


def petsc() -> Any:
    """The petsc4py ``PETSc`` module (imported after the solver libraries)."""
    from petsc4py import PETSc

    return PETSc


def radial_weight(mesh: dolfinx.mesh.Mesh, formulation: str) -> Any:
    """Measure weight: 2*pi*r for axisymmetric (x[0] = r), 1 otherwise."""
    if formulation == "axisymmetric":
        return 2.0 * np.pi * ufl.SpatialCoordinate(mesh)[0]
    return fem.Constant(mesh, dolfinx.default_scalar_type(1.0))


def facet_weight(w: Any, formulation: str) -> Any:
    """The measure weight on interior facets (``avg`` of 2*pi*r in axisymmetric)."""
    return ufl.avg(w) if formulation == "axisymmetric" else w


def li_outward_normal(mesh: dolfinx.mesh.Mesh, li_indicator: fem.Function) -> Any:
    """Outward unit normal of a region on interior facets (chi('+') n('+') + chi('-') n('-')).

    ``li_indicator`` is the DG0 indicator of the region (the Li, or the solid Li and SEI).
    """
    n = ufl.FacetNormal(mesh)
    return li_indicator("+") * n("+") + li_indicator("-") * n("-")


def region_indicator(Q0: Any, cell_tags: Any, ids: list[int], name: str) -> fem.Function:
    """DG0 indicator (1 on the cells tagged with any of ``ids``, else 0), ghosts updated."""
    chi = fem.Function(Q0, name=name)
    cells = cell_tags.indices[np.isin(cell_tags.values, ids)]
    chi.x.array[Q0.dofmap.list[cells, 0]] = 1.0
    chi.x.scatter_forward()
    return chi


def interior_measure(dS: Any, ids: list[int]) -> Any:
    """The sum of the interior-facet measures ``dS(i)`` over the tags ``ids`` (at least one)."""
    return sum((dS(i) for i in ids[1:]), dS(ids[0]))


def nodal(form: Any, n_owned: int, bs: int = 1) -> np.ndarray:
    """Owned nodal values of an assembled vector form (ghost contributions added).

    Args:
        form: a compiled linear form.
        n_owned: number of owned (block) dofs.
        bs: block size of the form's space (1: scalar, returns (n_owned,)).

    Returns:
        (n_owned,) or (n_owned, bs) array (a copy).
    """
    PETSc = petsc()
    vec = dolfinx.fem.petsc.assemble_vector(form)
    vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
    out = vec.array_r.reshape(-1, bs)[:n_owned].copy()
    vec.destroy()
    return out if bs > 1 else out[:, 0]
