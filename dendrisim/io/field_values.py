"""The fields a run writes, as P1 functions named with their unit, and gathered to rank 0.

Shared by the field formats of :mod:`dendrisim.io.field_writer`
(docs/architecture.md#output-formats):
``c_mol_m3`` (0 in Li), ``T_K``, ``displacement_m`` (the ALE mesh displacement) as P1
functions on the run's mesh, and, for the formats written by rank 0 (VTKHDF), the mesh
(points, cells, cell tags) and the nodal values in the global geometry numbering.
"""

from __future__ import annotations

from dataclasses import dataclass

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from dolfinx import fem  # noqa: E402

import numpy as np  # noqa: E402

from dendrisim.core import parallel  # noqa: E402
from dendrisim.io.field_names import FILE_NAMES  # noqa: E402

# dolfinx cell name -> VTK cell type id (linear cells; same vertex order in dolfinx and VTK)
VTK_CELL_TYPES = {"triangle": 5, "quadrilateral": 9, "tetrahedron": 10}


@dataclass
class GatheredMesh:
    """The whole mesh on rank 0 (None arrays elsewhere): points [m] (N, 3), cells (M, k)."""

    points: np.ndarray | None
    cells: np.ndarray | None
    regions: np.ndarray | None
    vtk_type: int


class NodalFields:
    """P1 functions ``c_mol_m3``, ``T_K``, ``displacement_m`` of a model, updated on demand."""

    def __init__(self, model, fields=("c", "T", "displacement")):
        self.model = model
        mesh = model.mesh
        self.fields = tuple(f for f in ("c", "T", "displacement") if f in fields)
        P1 = fem.functionspace(mesh, ("Lagrange", 1))
        V1 = fem.functionspace(mesh, ("Lagrange", 1, (mesh.geometry.dim,)))
        self.functions = {
            name: fem.Function(V1 if name == "displacement" else P1, name=FILE_NAMES[name])
            for name in self.fields
        }
        self._subs = []
        for i in range(2):
            space, dofs = model.V.sub(i).collapse()
            self._subs.append((space, np.concatenate([np.asarray(d) for d in dofs])))
        self._tmp = [fem.Function(s[0]) for s in self._subs]
        self._li_mask = np.isin(self._subs[0][1], model.li_species_dofs)
        # geometry node -> P1 dof (P1 geometry: same local order in every cell)
        geo = mesh.geometry.dofmaps[0]
        self._node_dof = np.empty(mesh.geometry.x.shape[0], dtype=np.int64)
        self._node_dof[geo.ravel()] = P1.dofmap.list.ravel()
        self._owned_nodes = mesh.geometry.index_map().size_local

    def update(self) -> None:
        """Fill the functions from the model's current solution and mesh displacement."""
        m = self.model
        arr = m.u.x.array
        for i, (name, scale, offset) in enumerate((("c", m.c_scale, 0.0), ("T", m.T_scale, m.T0))):
            if name not in self.functions:
                continue
            tmp = self._tmp[i]
            tmp.x.array[:] = offset + scale * arr[self._subs[i][1]]
            if i == 0:
                tmp.x.array[self._li_mask] = 0.0  # no species in Li (contract: write 0)
            self.functions[name].interpolate(tmp)
        if "displacement" in self.functions:
            motion = getattr(m, "motion", None)
            if motion is not None:
                self.functions["displacement"].interpolate(motion.displacement)

    def gathered_values(self, name: str) -> np.ndarray | None:
        """Nodal values of ``name`` in the global node numbering on rank 0 (collective).

        Scalars (N,); the displacement (N, 3) (zero z in 2D).  None on the other ranks.
        """
        f = self.functions[name]
        bs = f.function_space.dofmap.index_map_bs
        vals = f.x.array.reshape(-1, bs)[self._node_dof[: self._owned_nodes]]
        if bs > 1:
            vals = np.hstack([vals, np.zeros((len(vals), 3 - bs))]) if bs < 3 else vals
        else:
            vals = vals[:, 0]
        return _gather_rows(vals, self.model.mesh.comm)

    def gathered_mesh(self) -> GatheredMesh:
        """Points, cells and cell regions of the whole mesh on rank 0 (collective)."""
        mesh = self.model.mesh
        comm = mesh.comm
        tdim = mesh.topology.dim
        imap = mesh.geometry.index_map()
        x = mesh.geometry.x[: self._owned_nodes]
        n_cells = mesh.topology.index_map(tdim).size_local
        local = mesh.geometry.dofmaps[0][:n_cells]
        cells = imap.local_to_global(local.ravel().astype(np.int32)).reshape(local.shape)
        regions = np.zeros(n_cells, dtype=np.int32)
        tags = self.model.bundle.cell_tags
        own = tags.indices < n_cells
        regions[tags.indices[own]] = tags.values[own]
        name = mesh.topology.cell_name()
        if name not in VTK_CELL_TYPES:
            raise ValueError(f"field output: cell type {name!r} is not supported")
        return GatheredMesh(
            points=_gather_rows(np.ascontiguousarray(x), comm),
            cells=_gather_rows(cells.astype(np.int64), comm),
            regions=_gather_rows(regions, comm),
            vtk_type=VTK_CELL_TYPES[name],
        )


def _gather_rows(arr: np.ndarray, comm) -> np.ndarray | None:
    """Every rank's rows stacked in rank order on rank 0 (None elsewhere; collective)."""
    parts = parallel.gather_root(arr, comm)
    return np.concatenate(parts) if parts is not None else None
