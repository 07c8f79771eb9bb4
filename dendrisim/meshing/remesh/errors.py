"""Errors of remeshing (no dolfinx, no gmsh: the gmsh child process raises them too)."""

from __future__ import annotations

import numpy as np

from dendrisim.core.errors import MeshError


class RemeshError(MeshError):
    """The current boundaries cannot be rebuilt into a mesh (self-touching region, gmsh).

    ``bad_cells_um``: centres [µm] of the worst cells of a mesh gmsh made below the
    quality floor ((0, 3) when none), so that the caller can retry where it failed.
    """

    def __init__(self, message: str, bad_cells_um=None):
        super().__init__(message)
        self.bad_cells_um = np.asarray(
            [] if bad_cells_um is None else bad_cells_um, dtype=float
        ).reshape(-1, 3)


class RebuildError(Exception):
    """The boundaries do not form a valid planar model (raised in the gmsh child)."""
