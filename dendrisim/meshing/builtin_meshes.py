"""Tagged meshes for the solver: a MeshBundle-like object and dolfinx built-in test meshes.

The solver needs only ``mesh``, ``cell_tags``, ``facet_tags``, ``groups`` (name ->
(dim, id)) and ``formulation``; :class:`TaggedMesh` has exactly these (as the contract's
``dendrisim.meshing.load.MeshBundle``), so real gmsh meshes and built-in ones plug in alike.
Group names and ids are those of the contract (:mod:`dendrisim.core.groups`,
docs/architecture.md#groups).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
import dolfinx  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core.groups import (  # noqa: E402
    CELL_IDS,
    ELECTROLYTE,
    FACET_IDS,
    INTERFACE,
    LITHIUM,
)


@dataclass
class TaggedMesh:
    """A dolfinx mesh with cell and facet tags and the group names (MeshBundle-like)."""

    mesh: Any
    cell_tags: Any
    facet_tags: Any
    groups: dict[str, tuple[int, int]] = field(default_factory=dict)
    formulation: str = "planar"

    def id(self, name: str) -> int:
        """Integer id of a group."""
        return self.groups[name][1]

    def has(self, name: str) -> bool:
        """True if the group exists (on any rank)."""
        return name in self.groups


def _tags(mesh, dim: int, markers: list[tuple[int, Callable]], boundary_only: bool = False):
    """MeshTags of ``dim`` from (id, locator) pairs (first match wins)."""
    mesh.topology.create_entities(dim)
    mesh.topology.create_connectivity(dim, mesh.topology.dim)
    imap = mesh.topology.index_map(dim)
    n = imap.size_local + imap.num_ghosts
    values = np.zeros(n, dtype=np.int32)
    for tag, locate in markers:
        if boundary_only:
            ents = dolfinx.mesh.locate_entities_boundary(mesh, dim, locate)
        else:
            ents = dolfinx.mesh.locate_entities(mesh, dim, locate)
        ents = ents[values[ents] == 0]
        values[ents] = tag
    ents = np.flatnonzero(values).astype(np.int32)
    return dolfinx.mesh.meshtags(mesh, dim, ents, values[ents])


def two_region_mesh(
    mesh, formulation: str, li_cells: Callable, interface: Callable, boundaries: dict[str, Callable]
) -> TaggedMesh:
    """Tag a built-in mesh: Li where ``li_cells(midpoints)`` holds, electrolyte elsewhere.

    ``interface`` locates the interior Li/electrolyte facets; ``boundaries`` maps facet group
    names to locators of exterior facets.
    """
    tdim = mesh.topology.dim
    cell_tags = _tags(
        mesh,
        tdim,
        [
            (CELL_IDS[LITHIUM], li_cells),
            (CELL_IDS[ELECTROLYTE], lambda x: np.full(x.shape[1], True)),
        ],
    )
    markers = [(FACET_IDS[INTERFACE], interface)]
    facet_tags_int = _tags(mesh, tdim - 1, markers)
    bmarkers = [(FACET_IDS[name], loc) for name, loc in boundaries.items()]
    facet_tags_b = _tags(mesh, tdim - 1, bmarkers, boundary_only=True)
    ents = np.concatenate([facet_tags_int.indices, facet_tags_b.indices])
    vals = np.concatenate([facet_tags_int.values, facet_tags_b.values])
    ents, first = np.unique(ents, return_index=True)
    facet_tags = dolfinx.mesh.meshtags(
        mesh, tdim - 1, ents.astype(np.int32), vals[first].astype(np.int32)
    )
    groups = {
        LITHIUM: (tdim, CELL_IDS[LITHIUM]),
        ELECTROLYTE: (tdim, CELL_IDS[ELECTROLYTE]),
        INTERFACE: (tdim - 1, FACET_IDS[INTERFACE]),
    }
    for name in boundaries:
        groups[name] = (tdim - 1, FACET_IDS[name])
    return TaggedMesh(mesh, cell_tags, facet_tags, groups, formulation)


def slab_mesh(
    comm,
    n: int,
    formulation: str = "planar",
    length_m: float = 1.0,
    li_fraction: float = 0.5,
    width_m: float | None = None,
    ny: int | None = None,
    offset_m: float = 0.0,
    dim: int = 2,
    nz: int | None = None,
) -> TaggedMesh:
    """Rectangle (or box) ``[offset, offset+L] x [0, W]``: Li for x < split, electrolyte beyond.

    Exterior facets: ``substrate`` at x = offset (Li end), ``bulk`` at x = offset + L,
    ``side`` elsewhere.  ``li_fraction = 0`` gives electrolyte only with ``interface`` on the
    left boundary.  ``nz`` (3D) sets the cells across z (default ``ny``).
    """
    width = width_m if width_m is not None else length_m
    ny = ny if ny is not None else n
    x0, x1 = offset_m, offset_m + length_m
    if dim == 2:
        mesh = dolfinx.mesh.create_rectangle(comm, [[x0, 0.0], [x1, width]], [n, ny])
    else:
        mesh = dolfinx.mesh.create_box(
            comm, [[x0, 0.0, 0.0], [x1, width, width]], [n, ny, nz if nz is not None else ny]
        )
    xs = x0 + li_fraction * length_m
    tol = 1e-10 * length_m
    bnd = {
        "bulk": lambda x: np.isclose(x[0], x1, atol=tol),
        "substrate": lambda x: np.isclose(x[0], x0, atol=tol) & (li_fraction > 0),
        "side": lambda x: np.full(x.shape[1], True),
    }
    if li_fraction == 0:
        bnd = {"interface_ext": None, **bnd}
    li = (lambda x: x[0] <= xs + tol) if li_fraction > 0 else (lambda x: x[0] < x0 - 1.0)
    iface = lambda x: np.isclose(x[0], xs, atol=tol)  # noqa: E731
    if li_fraction == 0:
        bnd.pop("interface_ext")
        bm = two_region_mesh(
            mesh,
            formulation,
            li,
            lambda x: x[0] < x0 - 1.0,
            {"bulk": bnd["bulk"], "side": bnd["side"]},
        )
        # the interface is the left boundary: retag it
        tdim = mesh.topology.dim
        f = dolfinx.mesh.locate_entities_boundary(mesh, tdim - 1, iface)
        vals = bm.facet_tags.values.copy()
        idx = bm.facet_tags.indices
        mask = np.isin(idx, f)
        vals[mask] = FACET_IDS[INTERFACE]
        bm.facet_tags = dolfinx.mesh.meshtags(mesh, tdim - 1, idx, vals)
        bm.groups.pop(LITHIUM)
        return bm
    return two_region_mesh(mesh, formulation, li, iface, bnd)
