"""Field transfer between meshes: the model's fields carried onto a rebuilt mesh.

After a remesh (:mod:`dendrisim.meshing.remesh`) the solution is interpolated from the old
mesh onto the new one (non-matching interpolation: each new dof is evaluated in the old
cell that contains it, found over all ranks).  A linear field is carried exactly.
"""

from __future__ import annotations

import numpy as np

from dendrisim.core import compat

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
    data = fem.create_interpolation_data(V, u_from.function_space, cells, padding=padding)
    u_to.interpolate_nonmatching(u_from, cells, data)
    u_to.x.scatter_forward()
