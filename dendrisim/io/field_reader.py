"""Fields of a run as numpy arrays without dolfinx or VTK; reading ``fields.xdmf``.

:class:`Fields` is what ``Result.fields()`` returns for every format; the VTKHDF files are
read by :mod:`dendrisim.io.vtkhdf_reader`, dolfinx XDMF + HDF5 here.

``fields.xdmf`` is read with the standard library's XML parser and h5py: VTK's XDMF reader
(``pyvista.read``) crashes on dolfinx's one-temporal-collection-per-function layout and
meshio's ``TimeSeriesReader`` expects a single collection.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dendrisim.core.errors import DendrisimError, MissingDependencyError
from dendrisim.core.groups import CELL_IDS
from dendrisim.io.field_names import SHORT_NAMES

# Region ids of cell_tags (contract): lithium 1, electrolyte 2, sei 3.
REGION_IDS = CELL_IDS

# XDMF topology type -> (VTK-style cell name, nodes per cell); linear cells only.
_XDMF_CELLS = {
    "triangle": ("triangle", 3),
    "quadrilateral": ("quad", 4),
    "tetrahedron": ("tetra", 4),
    "hexahedron": ("hexahedron", 8),
    "polyline": ("line", 2),
    "interval": ("line", 2),
}


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - h5py is a dependency
        raise MissingDependencyError(
            "h5py is needed to read fields.xdmf: pip install h5py"
        ) from exc
    return h5py


def _data_item(item: ET.Element, folder: Path, h5files: dict[str, Any]) -> np.ndarray:
    """The array of an XDMF DataItem (HDF reference or inline XML text)."""
    dims = [int(d) for d in (item.get("Dimensions") or "").split()]
    text = (item.text or "").strip()
    if item.get("Format", "XML").upper() == "HDF":
        fname, _, dset = text.partition(":")
        if fname not in h5files:
            h5 = folder / fname
            if not h5.is_file():
                raise DendrisimError(
                    f"{folder / 'fields.xdmf'} refers to {fname}, which is "
                    "missing (copy fields.h5 along with fields.xdmf)"
                )
            h5files[fname] = _h5py().File(h5, "r")
        arr = np.asarray(h5files[fname][dset])
    else:
        arr = np.array(text.split(), dtype=float)
    return arr.reshape(dims) if dims and arr.size == math.prod(dims) else arr


def _read_item(item: ET.Element, folder: Path) -> np.ndarray:
    """An XDMF DataItem's values as floats (its HDF5 file opened and closed)."""
    h5files: dict[str, Any] = {}
    try:
        return _data_item(item, folder, h5files).astype(float)
    finally:
        for f in h5files.values():
            f.close()


@dataclass
class Fields:
    """Fields of one mesh segment of a run on its reference mesh, as numpy arrays.

    ``points`` [m] (N, 3) reference coordinates (2D runs: z = 0; axisymmetric: x = r, y = z),
    ``cells`` (M, k) node indices, ``cell_type`` ("triangle", "quad", "tetra", ...),
    ``cell_tags`` (M,) region ids (1 lithium, 2 electrolyte, 3 sei; 0 untagged),
    ``times`` [s] output times. Nodal values are read on demand with :meth:`get` by their
    short name (``c``, ``T``, ``displacement``) or their name in the files (``c_mol_m3``...).
    """

    path: Path
    points: np.ndarray
    cells: np.ndarray
    cell_type: str
    cell_tags: np.ndarray
    times: np.ndarray
    formulation: str = "axisymmetric"
    _index: dict[str, dict[float, Any]] = field(default_factory=dict, repr=False)
    # reads one stored item of _index (None: an XDMF DataItem)
    _load: Callable[[Any], np.ndarray] | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        """Field names stored (e.g. c, T, displacement)."""
        return sorted(self._index)

    @property
    def gdim(self) -> int:
        """Geometric dimension of the section/body (2 or 3)."""
        return 3 if self.cell_type in ("tetra", "hexahedron") else 2

    def nearest_time(self, t: float) -> float:
        """The stored output time nearest to ``t`` [s] (negative: counted from the end)."""
        if not self.times.size:
            raise DendrisimError(f"{self.path}: no field output times stored")
        if t < 0:
            return float(self.times[max(self.times.size + int(t), 0)])
        return float(self.times[int(np.argmin(np.abs(self.times - t)))])

    def get(self, name: str, t: float, mask_lithium: bool = False) -> np.ndarray:
        """Nodal values of ``name`` at the stored time nearest ``t``: (N,) or (N, 3).

        ``mask_lithium``: NaN at nodes that touch no electrolyte cell (for ``c``, whose value
        in Li is meaningless: the solver writes 0 there).
        """
        name = SHORT_NAMES.get(name, name)  # "T_K" as in the files, or "T"
        if name not in self._index:
            raise DendrisimError(f"{self.path}: no field {name!r}; stored: {self.names}")
        by_time = self._index[name]
        key = min(by_time, key=lambda s: abs(s - t)) if t >= 0 else self.nearest_time(t)
        if self._load is not None:
            arr = np.asarray(self._load(by_time[key]), dtype=float)
        else:
            arr = _read_item(by_time[key], self.path.parent)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if mask_lithium:
            arr = np.where(
                self.electrolyte_nodes()[:, None] if arr.ndim == 2 else self.electrolyte_nodes(),
                arr,
                np.nan,
            )
        return arr

    def displacement(self, t: float) -> np.ndarray:
        """Displacement (N, 3) [m] at ``t`` (zeros when not stored)."""
        if "displacement" not in self._index:
            return np.zeros_like(self.points)
        u = np.atleast_2d(self.get("displacement", t))
        out = np.zeros_like(self.points)
        out[:, : u.shape[1]] = u[:, :3]
        return out

    def current_points(self, t: float) -> np.ndarray:
        """Current (ALE) node coordinates at ``t`` [m]: reference + displacement."""
        return self.points + self.displacement(t)

    def region_cells(self, region: str) -> np.ndarray:
        """Boolean mask of the cells of a region ("lithium", "electrolyte", "sei")."""
        if region not in REGION_IDS:
            raise DendrisimError(f"region {region!r}: allowed {sorted(REGION_IDS)}")
        return self.cell_tags == REGION_IDS[region]

    def electrolyte_nodes(self) -> np.ndarray:
        """Boolean mask of nodes that belong to at least one electrolyte cell."""
        mask = np.zeros(len(self.points), dtype=bool)
        mask[self.cells[self.region_cells("electrolyte")].ravel()] = True
        return mask

    def lithium_volume(self, t: float) -> float:
        """Li volume at ``t`` [m3] from the current mesh (revolved when axisymmetric)."""
        return _region_volume(
            self.current_points(t),
            self.cells[self.region_cells("lithium")],
            self.cell_type,
            self.formulation,
        )


def _region_volume(x: np.ndarray, cells: np.ndarray, cell_type: str, formulation: str) -> float:
    """Volume of triangles (area, or 2π r̄ A revolved) or tetrahedra [m3 or m2]."""
    if cell_type == "tetra":
        a, b, c, d = (x[cells[:, i]] for i in range(4))
        return float(np.sum(np.abs(np.einsum("ij,ij->i", b - a, np.cross(c - a, d - a)))) / 6)
    if cell_type != "triangle":
        raise DendrisimError(f"volume of {cell_type} cells is not implemented")
    a, b, c = (x[cells[:, i], :2] for i in range(3))
    area = 0.5 * np.abs(
        (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1])
    )
    if formulation == "axisymmetric":
        return float(np.sum(2.0 * np.pi * (a[:, 0] + b[:, 0] + c[:, 0]) / 3.0 * area))
    return float(np.sum(area))


def read_fields(path: str | Path, formulation: str = "axisymmetric") -> Fields:
    """Read a dolfinx ``fields.xdmf`` into :class:`Fields` (nodal values stay on disk).

    Two layouts, data in the ``.h5`` file beside it: dendrisim's (one temporal collection
    whose grids hold the mesh, the time, ``c_mol_m3``, ``T_K``, ``displacement_m`` and the
    cell data ``region_id``: :mod:`dendrisim.io.xdmf_writer`) and dolfinx's own of earlier
    runs (the mesh grid, the ``cell_tags`` grid, one temporal collection per function).
    """
    path = Path(path)
    if not path.is_file():
        raise DendrisimError(
            f"{path}: no fields file (the run wrote no fields, or output.fields is empty)"
        )
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise DendrisimError(
            f"{path}: not readable XDMF ({exc}); was the run interrupted while writing fields?"
        ) from exc
    domain = root.find("Domain")
    grids = list(domain) if domain is not None else []
    uniform = [g for g in grids if g.tag == "Grid" and g.get("GridType") == "Uniform"]
    inner = [g for c in grids if c.get("CollectionType") == "Temporal" for g in c.findall("Grid")]
    mesh = next((g for g in uniform + inner if g.find("Geometry") is not None), None)
    if mesh is None:
        raise DendrisimError(f"{path}: no mesh grid (expected dolfinx XDMFFile.write_mesh)")
    points, cells, cell_type, tags = _read_mesh(path, mesh, uniform)
    index = _index_collections(grids)
    times = np.array(sorted({t for by_t in index.values() for t in by_t}), dtype=float)
    return Fields(
        path=path,
        points=points,
        cells=cells,
        cell_type=cell_type,
        cell_tags=tags,
        times=times,
        formulation=formulation,
        _index=index,
    )


def _read_mesh(path: Path, mesh: ET.Element, uniform: list[ET.Element]):
    """(points (N, 3), cells, cell type, cell tags) of the mesh grid and its tag grid."""
    h5files: dict[str, Any] = {}
    try:
        topo = mesh.find("Topology")
        ttype = (topo.get("TopologyType") or "").lower()
        if ttype not in _XDMF_CELLS:
            raise DendrisimError(
                f"{path}: cell type {ttype!r} not supported; linear cells "
                f"only: {sorted(_XDMF_CELLS)}"
            )
        cell_type, nodes = _XDMF_CELLS[ttype]
        cells = _data_item(topo.find("DataItem"), path.parent, h5files).astype(np.int64)
        cells = cells.reshape(-1, nodes)
        geo = _data_item(mesh.find("Geometry/DataItem"), path.parent, h5files).astype(float)
        gdim = len(mesh.find("Geometry").get("GeometryType", "XYZ"))
        geo = geo.reshape(-1, gdim)
        points = np.zeros((geo.shape[0], 3))
        points[:, :gdim] = geo
        tags = np.zeros(len(cells), dtype=np.int32)
        own = [a for a in mesh.findall("Attribute") if a.get("Center") == "Cell"]
        if own:  # dendrisim's layout: the regions are cell data of the mesh grid
            tags = _data_item(own[0].find("DataItem"), path.parent, h5files).ravel()
            tags = tags.astype(np.int32)
            uniform = []
        for g in uniform:
            att = g.find("Attribute")
            if g is mesh or att is None or att.get("Center") != "Cell":
                continue
            ttop = _data_item(g.find("Topology/DataItem"), path.parent, h5files)
            vals = _data_item(att.find("DataItem"), path.parent, h5files).ravel()
            tags = _match_tags(cells, ttop.reshape(-1, nodes).astype(np.int64), vals)
            break
    finally:
        for f in h5files.values():
            f.close()
    return points, cells, cell_type, tags


def _index_collections(grids: list[ET.Element]) -> dict[str, dict[float, ET.Element]]:
    """{field name: {time [s]: DataItem}} of the temporal collections."""
    index: dict[str, dict[float, ET.Element]] = {}
    for coll in grids:
        if coll.get("CollectionType") != "Temporal":
            continue
        for g in coll.findall("Grid"):
            t_el = g.find("Time")
            if t_el is None:
                continue
            for att in g.findall("Attribute"):
                name = att.get("Name", coll.get("Name", "?"))
                name = name[5:] if name.startswith("real_") else name
                if name.startswith("imag_") or att.get("Center") == "Cell":
                    continue
                name = SHORT_NAMES.get(name, name)
                index.setdefault(name, {})[float(t_el.get("Value", "0"))] = att.find("DataItem")
    return index


def _match_tags(cells: np.ndarray, tagged: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Tag values per mesh cell, matching cells by their sorted node lists (any order)."""
    out = np.zeros(len(cells), dtype=np.int32)
    if len(tagged) == len(cells) and np.array_equal(tagged, cells):
        return values.astype(np.int32)
    lookup = {tuple(row): int(v) for row, v in zip(np.sort(tagged, axis=1), values, strict=True)}
    for i, row in enumerate(np.sort(cells, axis=1)):
        out[i] = lookup.get(tuple(row), 0)
    return out
