"""A finished (or partial) results folder as a small object (DESIGN §8).

``Result.load(folder)`` gives the case, the manifest and the time series as numpy arrays
(one array per ``timeseries.csv`` column), usable from a notebook without dolfinx;
``Result.fields()`` reads ``fields.xdmf`` (numpy arrays, see :class:`Fields`) and
``Result.summary()`` the key numbers (retention and interface temperature at the end, peak
temperature, onset and runaway times).

``fields.xdmf`` is read with the standard library's XML parser and h5py: VTK's XDMF reader
(``pyvista.read``) crashes on dolfinx's one-temporal-collection-per-function layout and
meshio's ``TimeSeriesReader`` expects a single collection.
"""

from __future__ import annotations

import csv
import math
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dendrisim.config import Case, load_case
from dendrisim.config.case import validate_case
from dendrisim.errors import CaseError, DendrisimError, MissingDependencyError
from dendrisim.output import read_manifest

# Columns every timeseries.csv has (DESIGN §8); a run may add more.
TIMESERIES_COLUMNS = (
    "time_s", "dt_s", "li_retention", "li_retention_from_moles", "li_consumed_mol",
    "T_interface_mean_K", "T_interface_max_K", "reaction_rate_mol_s", "heat_release_W",
    "c_interface_min_mol_m3", "newton_iterations",
)

# Keys of Result.summary() and columns of the summary tables, in order (units in the names).
SUMMARY_COLUMNS = (
    "case", "status", "stop_reason", "t_end_s", "steps", "li_retention_end_pct",
    "li_retention_from_moles_end_pct", "li_consumed_end_mol", "T_interface_start_K",
    "T_interface_end_K", "T_interface_peak_K", "dT_interface_peak_K",
    "dT_adiabatic_bound_end_K", "heating_rate_peak_K_min", "onset_time_s", "onset_T_K",
    "runaway_time_s", "runaway_T_K",
)

# Region ids of cell_tags (contract): lithium 1, electrolyte 2, sei 3.
REGION_IDS = {"lithium": 1, "electrolyte": 2, "sei": 3}

# XDMF topology type -> (VTK-style cell name, nodes per cell); linear cells only.
_XDMF_CELLS = {"triangle": ("triangle", 3), "quadrilateral": ("quad", 4),
               "tetrahedron": ("tetra", 4), "hexahedron": ("hexahedron", 8),
               "polyline": ("line", 2), "interval": ("line", 2)}

# ARC practice (DESIGN §3): self-heating onset and runaway rates [K/min] when no case is known.
DEFAULT_ONSET_K_PER_MIN = 0.02
DEFAULT_RUNAWAY_K_PER_MIN = 60.0


def read_timeseries(path: str | Path) -> dict[str, np.ndarray]:
    """``timeseries.csv`` -> {column: float array}; a truncated last line is ignored."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].startswith("#")]
    if not rows:
        raise DendrisimError(f"{path}: empty time series (no header)")
    header, body = rows[0], rows[1:]
    body = [r for r in body if len(r) == len(header)]
    data: dict[str, np.ndarray] = {}
    for j, name in enumerate(header):
        col = []
        for r in body:
            try:
                col.append(float(r[j]))
            except ValueError:
                col.append(np.nan)
        data[name] = np.asarray(col, dtype=float)
    return data


def _h5py():
    try:
        import h5py
    except ImportError as exc:  # pragma: no cover - h5py is a dependency
        raise MissingDependencyError("h5py is needed to read fields.xdmf: pip install h5py"
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
                raise DendrisimError(f"{folder / 'fields.xdmf'} refers to {fname}, which is "
                                     "missing (copy fields.h5 along with fields.xdmf)")
            h5files[fname] = _h5py().File(h5, "r")
        arr = np.asarray(h5files[fname][dset])
    else:
        arr = np.array(text.split(), dtype=float)
    return arr.reshape(dims) if dims and arr.size == math.prod(dims) else arr


@dataclass
class Fields:
    """Fields of a run on the reference mesh (``fields.xdmf``), as numpy arrays.

    ``points`` [m] (N, 3) reference coordinates (2D runs: z = 0; axisymmetric: x = r, y = z),
    ``cells`` (M, k) node indices, ``cell_type`` ("triangle", "quad", "tetra", ...),
    ``cell_tags`` (M,) region ids (1 lithium, 2 electrolyte, 3 sei; 0 untagged),
    ``times`` [s] output times. Nodal values are read on demand with :meth:`get`.
    """

    path: Path
    points: np.ndarray
    cells: np.ndarray
    cell_type: str
    cell_tags: np.ndarray
    times: np.ndarray
    formulation: str = "axisymmetric"
    _index: dict[str, dict[float, ET.Element]] = field(default_factory=dict, repr=False)

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
        if name not in self._index:
            raise DendrisimError(f"{self.path}: no field {name!r}; stored: {self.names}")
        by_time = self._index[name]
        key = min(by_time, key=lambda s: abs(s - t)) if t >= 0 else self.nearest_time(t)
        h5files: dict[str, Any] = {}
        try:
            arr = _data_item(by_time[key], self.path.parent, h5files).astype(float)
        finally:
            for f in h5files.values():
                f.close()
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if mask_lithium:
            arr = np.where(self.electrolyte_nodes()[:, None] if arr.ndim == 2
                           else self.electrolyte_nodes(), arr, np.nan)
        return arr

    def displacement(self, t: float) -> np.ndarray:
        """Displacement (N, 3) [m] at ``t`` (zeros when not stored)."""
        if "displacement" not in self._index:
            return np.zeros_like(self.points)
        u = np.atleast_2d(self.get("displacement", t))
        out = np.zeros_like(self.points)
        out[:, :u.shape[1]] = u[:, :3]
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
        return _region_volume(self.current_points(t), self.cells[self.region_cells("lithium")],
                              self.cell_type, self.formulation)


def _region_volume(x: np.ndarray, cells: np.ndarray, cell_type: str, formulation: str) -> float:
    """Volume of triangles (area, or 2π r̄ A revolved) or tetrahedra [m3 or m2]."""
    if cell_type == "tetra":
        a, b, c, d = (x[cells[:, i]] for i in range(4))
        return float(np.sum(np.abs(np.einsum("ij,ij->i", b - a, np.cross(c - a, d - a)))) / 6)
    if cell_type != "triangle":
        raise DendrisimError(f"volume of {cell_type} cells is not implemented")
    a, b, c = (x[cells[:, i], :2] for i in range(3))
    area = 0.5 * np.abs((b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1])
                        - (c[:, 0] - a[:, 0]) * (b[:, 1] - a[:, 1]))
    if formulation == "axisymmetric":
        return float(np.sum(2.0 * np.pi * (a[:, 0] + b[:, 0] + c[:, 0]) / 3.0 * area))
    return float(np.sum(area))


def read_fields(path: str | Path, formulation: str = "axisymmetric") -> Fields:
    """Read a dolfinx ``fields.xdmf`` into :class:`Fields` (nodal values stay on disk).

    Layout (contract): the mesh grid, the ``cell_tags`` grid, then one temporal collection
    per function (``c``, ``T``, ``displacement``), data in the ``.h5`` file beside it.
    """
    path = Path(path)
    if not path.is_file():
        raise DendrisimError(f"{path}: no fields file (the run wrote no fields, or "
                             "output.fields is empty)")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise DendrisimError(f"{path}: not readable XDMF ({exc}); was the run interrupted "
                             "while writing fields?") from exc
    domain = root.find("Domain")
    grids = list(domain) if domain is not None else []
    uniform = [g for g in grids if g.tag == "Grid" and g.get("GridType") == "Uniform"]
    mesh = next((g for g in uniform if g.find("Geometry") is not None), None)
    if mesh is None:
        raise DendrisimError(f"{path}: no mesh grid (expected dolfinx XDMFFile.write_mesh)")
    h5files: dict[str, Any] = {}
    try:
        topo = mesh.find("Topology")
        ttype = (topo.get("TopologyType") or "").lower()
        if ttype not in _XDMF_CELLS:
            raise DendrisimError(f"{path}: cell type {ttype!r} not supported; linear cells "
                                 f"only: {sorted(_XDMF_CELLS)}")
        cell_type, nodes = _XDMF_CELLS[ttype]
        cells = _data_item(topo.find("DataItem"), path.parent, h5files).astype(np.int64)
        cells = cells.reshape(-1, nodes)
        geo = _data_item(mesh.find("Geometry/DataItem"), path.parent, h5files).astype(float)
        gdim = len(mesh.find("Geometry").get("GeometryType", "XYZ"))
        geo = geo.reshape(-1, gdim)
        points = np.zeros((geo.shape[0], 3))
        points[:, :gdim] = geo
        tags = np.zeros(len(cells), dtype=np.int32)
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
    index: dict[str, dict[float, ET.Element]] = {}
    for coll in grids:
        if coll.get("CollectionType") != "Temporal":
            continue
        for g in coll.findall("Grid"):
            t_el, att = g.find("Time"), g.find("Attribute")
            if t_el is None or att is None:
                continue
            name = att.get("Name", coll.get("Name", "?"))
            name = name[5:] if name.startswith("real_") else name
            if name.startswith("imag_"):
                continue
            index.setdefault(name, {})[float(t_el.get("Value", "0"))] = att.find("DataItem")
    times = np.array(sorted({t for by_t in index.values() for t in by_t}), dtype=float)
    return Fields(path=path, points=points, cells=cells, cell_type=cell_type, cell_tags=tags,
                  times=times, formulation=formulation, _index=index)


def _match_tags(cells: np.ndarray, tagged: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Tag values per mesh cell, matching cells by their sorted node lists (any order)."""
    out = np.zeros(len(cells), dtype=np.int32)
    if len(tagged) == len(cells) and np.array_equal(tagged, cells):
        return values.astype(np.int32)
    lookup = {tuple(row): int(v) for row, v in zip(np.sort(tagged, axis=1), values, strict=True)}
    for i, row in enumerate(np.sort(cells, axis=1)):
        out[i] = lookup.get(tuple(row), 0)
    return out


def self_heating_events(time_s: np.ndarray, T_K: np.ndarray, onset_K_per_min: float,
                        runaway_K_per_min: float) -> dict[str, float]:
    """ARC-style events of a temperature history (DESIGN §3), with the solver's rule.

    The self-heating rate of accepted step i is (T_i - T_{i-1})/(t_i - t_{i-1}). Onset: the
    end t_i of the first step whose rate exceeds ``onset_K_per_min``; runaway: the end of
    the first step whose rate exceeds that of the step before, which itself exceeded
    ``runaway_K_per_min`` (above the ARC rate on two steps and accelerating). NaN: never.
    Returns onset/runaway times [s] and temperatures [K] and the peak rate [K/min].
    """
    out = {"onset_time_s": math.nan, "onset_T_K": math.nan, "runaway_time_s": math.nan,
           "runaway_T_K": math.nan, "heating_rate_peak_K_min": math.nan}
    t, T = np.asarray(time_s, float), np.asarray(T_K, float)
    ok = np.isfinite(t) & np.isfinite(T)
    t, T = t[ok], T[ok]
    if t.size < 2:
        return out
    dt = np.diff(t)
    rate = np.where(dt > 0, np.diff(T) / np.where(dt > 0, dt, 1.0) * 60.0, -np.inf)  # K/min
    if np.any(dt > 0):
        out["heating_rate_peak_K_min"] = float(rate[dt > 0].max())
    prev = np.concatenate([[0.0], rate[:-1]])
    hits = {"onset": np.flatnonzero(rate > onset_K_per_min),
            "runaway": np.flatnonzero((rate > prev) & (prev > runaway_K_per_min))}
    for key, hit in hits.items():
        if hit.size:
            out[f"{key}_time_s"] = float(t[hit[0] + 1])
            out[f"{key}_T_K"] = float(T[hit[0] + 1])
    return out


def _load_resolved_case(path: Path) -> Case | None:
    """The run's resolved case, or None when the file no longer validates.

    Resolved files that list both size pairs (length/diameter and aspect ratio/volume) are
    read through the input pair; without a case the time series stay readable.
    """
    try:
        return load_case(path)
    except CaseError:
        pass
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
        g = raw.get("geometry", {})
        if g.get("aspect_ratio") is not None:
            g.pop("length_um", None)
            g.pop("diameter_um", None)
        return validate_case(raw, source=str(path), source_dir=str(path.parent))
    except (CaseError, tomllib.TOMLDecodeError, OSError):
        return None


@dataclass
class Result:
    """A results folder: case, manifest, time series (arrays)."""

    path: Path
    case: Case | None
    manifest: dict[str, Any] = field(default_factory=dict)
    timeseries: dict[str, np.ndarray] = field(default_factory=dict)
    _fields: list[Fields] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def load(cls, folder: str | Path) -> Result:
        """Load a results folder written by ``dendrisim run``."""
        folder = Path(folder)
        if not folder.is_dir():
            raise DendrisimError(f"{folder}: no such results folder")
        manifest = read_manifest(folder) or {}
        case_file = folder / "case.toml"
        case = _load_resolved_case(case_file) if case_file.is_file() else None
        ts_file = folder / "timeseries.csv"
        ts = read_timeseries(ts_file) if ts_file.is_file() else {}
        return cls(path=folder, case=case, manifest=manifest, timeseries=ts)

    @property
    def name(self) -> str:
        """Case name (folder name if the case file is missing)."""
        return self.case.name if self.case else self.path.name

    @property
    def status(self) -> str:
        """'finished', 'running' or 'failed' (from the manifest)."""
        return str(self.manifest.get("status", "unknown"))

    @property
    def stop_reason(self) -> str | None:
        """Why the run stopped (end_time, runaway, li_exhausted, dt_too_small, diverged)."""
        return self.manifest.get("stop_reason")

    @property
    def formulation(self) -> str:
        """Formulation: axisymmetric, planar or 3d (from the case; axisymmetric if unknown)."""
        return self.case.geometry.formulation if self.case else "axisymmetric"

    def field_segments(self) -> list[Fields]:
        """Fields of each mesh the run used, in time order (read once, kept).

        ``fields.xdmf``, then one ``fields_remesh<k>.xdmf`` per remesh of a moving Li
        surface.
        """
        if self._fields is None:
            files = [self.path / "fields.xdmf"] + sorted(
                self.path.glob("fields_remesh*.xdmf"),
                key=lambda p: int(p.stem.removeprefix("fields_remesh") or 0))
            segs = [read_fields(f, self.formulation) for f in files if f.is_file()]
            if not segs:  # the usual "missing file" message
                segs = [read_fields(files[0], self.formulation)]
            self._fields = [f for f in segs if f.times.size] or segs[:1]
        return self._fields

    def field_times(self) -> np.ndarray:
        """All stored output times [s] over every mesh segment."""
        return np.concatenate([f.times for f in self.field_segments()])

    def nearest_field_time(self, t: float) -> float:
        """The stored output time nearest ``t`` [s] (negative: counted from the end)."""
        times = self.field_times()
        if not times.size:
            raise DendrisimError(f"{self.path}: no field output times stored")
        if t < 0:
            return float(times[max(times.size + int(t), 0)])
        return float(times[int(np.argmin(np.abs(times - t)))])

    def fields(self, t: float | None = None) -> Fields:
        """The fields on the mesh in use at output time ``t`` [s] (default: the first mesh).

        Runs that remeshed have one :class:`Fields` per mesh (:meth:`field_segments`); each
        holds its own points, cells and output times.
        """
        segs = self.field_segments()
        if t is None:
            return segs[0]
        near = self.nearest_field_time(t)
        for f in segs:
            if np.any(np.isclose(f.times, near, rtol=0, atol=1e-12 * max(1.0, abs(near)))):
                return f
        return segs[-1]

    def summary(self) -> dict[str, Any]:
        """Key numbers of the run (see :data:`SUMMARY_COLUMNS`; NaN where unknown).

        Retention in percent at the last row; interface temperature = the mean over the
        interface (``T_interface_mean_K``) at the end, its peak the largest
        ``T_interface_max_K``; onset and runaway from the self-heating rate of the mean
        interface temperature against ``[stop]`` thresholds (ARC practice, DESIGN §3), or
        as the solver recorded them (manifest ``runaway_onset_s``, ``runaway_s``).
        """
        ts = self.timeseries
        t = ts.get("time_s", np.zeros(0))
        nan = math.nan

        def last(col: str, scale: float = 1.0) -> float:
            a = ts.get(col)
            return float(a[-1]) * scale if a is not None and a.size else nan

        T_mean = ts.get("T_interface_mean_K", np.zeros(0))
        T_max = ts.get("T_interface_max_K", T_mean)
        peak = float(np.nanmax(T_max)) if T_max.size else nan
        stop = self.case.stop if self.case else None
        ev = self_heating_events(
            t, T_mean, stop.onset_K_per_min if stop else DEFAULT_ONSET_K_PER_MIN,
            stop.runaway_K_per_min if stop else DEFAULT_RUNAWAY_K_PER_MIN)
        # the solver's own record (manifest) wins over the time-series estimate
        for key, mkey in (("onset", "runaway_onset_s"), ("runaway", "runaway_s")):
            tm = self.manifest.get(mkey)
            if isinstance(tm, int | float) and t.size:
                ev[f"{key}_time_s"] = float(tm)
                ev[f"{key}_T_K"] = float(np.interp(tm, t, T_mean))
        if self.stop_reason == "runaway" and math.isnan(ev["runaway_time_s"]) and t.size:
            ev["runaway_time_s"], ev["runaway_T_K"] = float(t[-1]), last("T_interface_mean_K")
        out: dict[str, Any] = {
            "case": self.name, "status": self.status, "stop_reason": self.stop_reason or "",
            "t_end_s": last("time_s"), "steps": max(int(t.size) - 1, 0),
            "li_retention_end_pct": last("li_retention", 100.0),
            "li_retention_from_moles_end_pct": last("li_retention_from_moles", 100.0),
            "li_consumed_end_mol": last("li_consumed_mol"),
            "T_interface_start_K": float(T_mean[0]) if T_mean.size else nan,
            "T_interface_end_K": last("T_interface_mean_K"),
            "T_interface_peak_K": peak,
            "dT_interface_peak_K": peak - float(T_mean[0]) if T_mean.size else nan,
            "dT_adiabatic_bound_end_K": last("dT_adiabatic_bound_K"),
        }
        out.update(ev)
        return {k: out.get(k, nan) for k in SUMMARY_COLUMNS}

    def __getitem__(self, column: str) -> np.ndarray:
        return self.timeseries[column]

    def to_dataframe(self):
        """Time series as a pandas DataFrame (pandas is optional)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover
            raise DendrisimError("pandas is needed for to_dataframe(): pip install pandas") from exc
        return pd.DataFrame(self.timeseries)

    def __str__(self) -> str:
        t = self.timeseries.get("time_s")
        tail = f", t_end = {t[-1]:.4g} s" if t is not None and t.size else ""
        return f"{self.path} ({self.status}, stop: {self.stop_reason}{tail})"
