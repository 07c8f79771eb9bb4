"""Remeshing a mesh from its current (moved) boundaries with gmsh (2D; 3D: :mod:`.remesher3d`).

Modules, in the order a remesh uses them (:mod:`.remesher` orchestrates):

- :mod:`.extract` (dolfinx, collective): region boundaries and cells gathered over ranks;
- :mod:`.repair` (pure numpy): collapse, chains, thin-Li removal, pinches, islands;
- :mod:`.polyline` and :mod:`.spacing` (pure numpy): chains, resampling, loops,
  crossings; local thickness and target sizes;
- :mod:`.gmsh_driver` (rank 0): the gmsh child process with its time limit and
  fallbacks, loading the result; :mod:`.gmsh_model` (the child): builds and meshes;
- :mod:`.errors`: :class:`RemeshError`, :class:`RebuildError`.

This package's namespace is light: importing it (or a pure module such as
:mod:`.repair`) loads no dolfinx; the names below are imported on first use.  The field
transfer onto the new mesh belongs to the model: :func:`dendrisim.physics.transfer.transfer`.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Remesher": "remesher",
    "Remesher3D": "remesher3d",
    "RemeshReport": "remesher",
    "RemeshError": "errors",
    "RebuildError": "errors",
    "BoundaryEdges": "repair",
    "build_chains": "repair",
    "collapse_short_edges": "repair",
    "pinch_vertices": "repair",
    "boundary_edges": "extract",
    "FEATURE_ANGLE_DEG": "polyline",
    "Chain": "polyline",
    "resample": "polyline",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
