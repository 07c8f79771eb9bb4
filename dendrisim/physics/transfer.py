"""Field transfer between meshes: the model's fields carried onto a rebuilt mesh.

After a remesh (:mod:`dendrisim.meshing.remesh`) the solution is interpolated from the old
mesh onto the new one (non-matching interpolation: each new dof is evaluated in the old
cell that contains it, found over all ranks).  A linear field is carried exactly.

The cells are searched with both meshes scaled by a power of two to unit size (exact in
floating point, undone afterwards): dolfinx's point location has absolute tolerances, and
with coordinates in metres (cells of 1e-8 m) it put some points of a 3D mesh in a wrong
cell (a 0/1 step field was carried over as 1.85 or -0.19 at 72 of 1390 nodes; a linear
field cannot show it, tests/verification/test_remesh3d.py).
"""

from __future__ import annotations

import numpy as np

from dendrisim.core import compat, parallel

compat.load_solver_libraries()

from dolfinx import fem  # noqa: E402

PADDING = 1e-10  # absolute padding of the bounding boxes of the cell search [m]


def transfer(u_from: fem.Function, u_to: fem.Function, padding: float = PADDING) -> None:
    """Interpolate ``u_from`` (old mesh) into ``u_to`` (new mesh, same element) (collective).

    Args:
        u_from: the field on the old mesh.
        u_to: the field on the new mesh, overwritten (ghosts updated).
        padding: absolute padding [m] of the bounding boxes used to find the cells.
    """
    V = u_to.function_space
    mesh = V.mesh
    tdim = mesh.topology.dim
    n_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    cells = np.arange(n_cells, dtype=np.int32)
    old = u_from.function_space.mesh
    scale = unit_scale(mesh)
    saved = [m.geometry.x.copy() for m in (mesh, old)]
    try:
        for m in (mesh, old):
            m.geometry.x[:] *= scale
        data = fem.create_interpolation_data(
            V, u_from.function_space, cells, padding=padding * scale
        )
        u_to.interpolate_nonmatching(u_from, cells, data)
    finally:
        for m, x in zip((mesh, old), saved, strict=True):
            m.geometry.x[:] = x
    u_to.x.scatter_forward()


def unit_scale(mesh) -> float:
    """A power of two that scales the mesh's extent to about 1 (collective)."""
    x = mesh.geometry.x
    extent = parallel.global_max(np.abs(x).max(initial=0.0), mesh.comm)
    return 2.0 ** -round(np.log2(extent)) if extent > 0 else 1.0
