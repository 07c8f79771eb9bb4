"""Mesh report: size, quality, and meshed vs analytic Li volume and interface area."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import gmsh
import numpy as np

from dendrisim.core import groups as G
from dendrisim.geometry.spec import Layout


@dataclass
class MeshReport:
    """What a generated mesh is: counts, quality, and geometric accuracy.

    Volumes in µm^3 and areas in µm^2 for ``axisymmetric`` (revolved body) and ``3d``;
    for ``planar`` they are per unit depth (µm^2 and µm).  The Li volume is the dendrite
    part (z > 0), the interface area is the ``interface`` group (SEI outer surface when
    an SEI is resolved; the foil top for ``flat``).
    """

    formulation: str
    shape: str
    cells: int
    vertices: int
    nodes: int
    mesh_order: int
    quality_gamma_min: float
    quality_gamma_mean: float
    quality_sicn_min: float
    li_volume_um3: float
    li_volume_analytic_um3: float
    interface_area_um2: float
    interface_area_analytic_um2: float
    sei_volume_um3: float = 0.0
    sei_volume_analytic_um3: float = 0.0
    h_interface_um: float = 0.0
    h_bulk_um: float = 0.0
    dendrites: int = 1
    seconds: float = 0.0
    group_entities: dict[str, int] = field(default_factory=dict)  # mesh elements per group
    path: str | None = None

    @staticmethod
    def _rel(num: float, ref: float) -> float:
        return abs(num - ref) / ref if ref else abs(num)

    @property
    def li_volume_rel_error(self) -> float:
        """|numeric - analytic| / analytic of the dendrite Li volume."""
        return self._rel(self.li_volume_um3, self.li_volume_analytic_um3)

    @property
    def interface_area_rel_error(self) -> float:
        """|numeric - analytic| / analytic of the interface area."""
        return self._rel(self.interface_area_um2, self.interface_area_analytic_um2)

    def to_dict(self) -> dict:
        """Plain dict with the relative errors added."""
        d = asdict(self)
        d["li_volume_rel_error"] = self.li_volume_rel_error
        d["interface_area_rel_error"] = self.interface_area_rel_error
        # valid JSON: no NaN (a user mesh has no analytic reference)
        return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in d.items()}

    def write_json(self, path: str | Path) -> Path:
        """Write the report as JSON; returns the path."""
        p = Path(path)
        p.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return p

    def _vs(self, value: float, ref: float, err: float, unit: str) -> str:
        if math.isnan(ref):
            return f"{value:.6g} {unit}"
        return f"{value:.6g} {unit} (analytic {ref:.6g}, error {100 * err:.3f} %)"

    def __str__(self) -> str:
        unit_v, unit_a = ("µm^2/µm", "µm/µm") if self.formulation == "planar" else ("µm^3", "µm^2")
        lines = [
            f"mesh: {self.formulation} {self.shape}"
            + (f" x{self.dendrites}" if self.dendrites > 1 else "")
            + f", order {self.mesh_order}"
            + (f" -> {self.path}" if self.path else ""),
            f"  cells {self.cells}, vertices {self.vertices}"
            + (f", built in {self.seconds:.2f} s" if self.seconds else ""),
        ]
        if not math.isnan(self.h_interface_um):
            lines.append(
                f"  sizes: interface {self.h_interface_um:.4g} µm, bulk {self.h_bulk_um:.4g} µm"
            )
        lines += [
            f"  quality: gamma min {self.quality_gamma_min:.3f} mean "
            f"{self.quality_gamma_mean:.3f}, SICN min {self.quality_sicn_min:.3f}",
            "  Li volume (z > 0): "
            + self._vs(
                self.li_volume_um3, self.li_volume_analytic_um3, self.li_volume_rel_error, unit_v
            ),
            "  interface area: "
            + self._vs(
                self.interface_area_um2,
                self.interface_area_analytic_um2,
                self.interface_area_rel_error,
                unit_a,
            ),
        ]
        if self.sei_volume_analytic_um3 or self.sei_volume_um3:
            lines.append(
                "  SEI volume: "
                + self._vs(
                    self.sei_volume_um3, self.sei_volume_analytic_um3 or float("nan"), 0.0, unit_v
                )
            )
        lines.append("  groups: " + ", ".join(f"{k} {v}" for k, v in self.group_entities.items()))
        return "\n".join(lines)


def _integrate(dim: int, entities: list[int], axisym: bool, vert: int | None = None) -> float:
    """Measure of the mesh elements on ``entities`` (weighted 2πr if axisymmetric).

    With ``vert`` (index of the vertical coordinate) only elements above z = 0 count.
    """
    total = 0.0
    for ent in entities:
        types, _, _ = gmsh.model.mesh.getElements(dim, ent)
        for et in types:
            props = gmsh.model.mesh.getElementProperties(et)
            order = props[2]
            pts, w = gmsh.model.mesh.getIntegrationPoints(et, f"Gauss{2 * order + 1}")
            _, det, xyz = gmsh.model.mesh.getJacobians(et, pts, ent)
            n_pts = len(w)
            det = np.abs(np.asarray(det).reshape(-1, n_pts))
            xyz = np.asarray(xyz).reshape(-1, n_pts, 3)
            weight = det * np.asarray(w)[None, :]
            if axisym:
                weight = weight * 2.0 * math.pi * xyz[:, :, 0]
            if vert is not None:
                keep = xyz[:, :, vert].mean(axis=1) > 0
                weight = weight[keep]
            total += float(weight.sum())
    return total


def _entities(name: str, groups: dict[str, tuple[int, int]]) -> list[int]:
    if name not in groups:
        return []
    dim, tag = groups[name]
    return list(gmsh.model.getEntitiesForPhysicalGroup(dim, tag))


def _analytic(lay: Layout) -> tuple[float, float, float]:
    """Analytic dendrite Li volume, interface area and SEI volume."""
    iso = lay.isolated
    if lay.flat:
        return 0.0, lay.footprint_area_um2(), 0.0
    t = lay.sei_thickness_um
    if lay.formulation == "planar":
        vol = sum(d.section_area_um2(iso) for d in lay.dendrites)
        area = sum(d.grown(t).section_perimeter_um(iso) for d in lay.dendrites)
        sei = sum(d.grown(t).section_area_um2(iso) for d in lay.dendrites) - vol if t else 0.0
        return vol, area, sei
    vol = sum(d.volume_um3(iso) for d in lay.dendrites)
    area = sum(d.grown(t).area_um2(iso) for d in lay.dendrites)
    sei = sum(d.grown(t).volume_um3(iso) for d in lay.dendrites) - vol if t else 0.0
    return vol, area, sei


def _measure(dim: int, axisym: bool, groups: dict[str, tuple[int, int]], scale_um: float) -> dict:
    """Counts, quality and measured volumes/areas of the current gmsh mesh (µm units)."""
    types, tags, nodes = gmsh.model.mesh.getElements(dim)
    all_tags = np.concatenate([np.asarray(t) for t in tags]) if len(tags) else np.array([])
    corners = []
    for et, nt in zip(types, nodes, strict=True):
        n = gmsh.model.mesh.getElementProperties(et)[3]
        corners.append(np.asarray(nt).reshape(-1, n)[:, : dim + 1])
    verts = np.unique(np.concatenate(corners)) if corners else np.array([])
    gamma = np.asarray(gmsh.model.mesh.getElementQualities(all_tags, "gamma"))
    sicn = np.asarray(gmsh.model.mesh.getElementQualities(all_tags, "minSICN"))
    node_tags, _, _ = gmsh.model.mesh.getNodes()
    counts = {}
    for name, (gdim, _) in groups.items():
        counts[name] = sum(
            len(np.asarray(t))
            for e in _entities(name, groups)
            for t in gmsh.model.mesh.getElements(gdim, e)[1]
        )
    # axisymmetric: the 2πr weight adds one length; planar: per unit depth
    vol_dim = dim + 1 if axisym else dim
    return {
        "cells": int(all_tags.size),
        "vertices": int(verts.size),
        "nodes": int(len(node_tags)),
        "quality_gamma_min": float(gamma.min()),
        "quality_gamma_mean": float(gamma.mean()),
        "quality_sicn_min": float(sicn.min()),
        "li_volume_um3": _integrate(dim, _entities(G.LITHIUM, groups), axisym, vert=dim - 1)
        * scale_um**vol_dim,
        "interface_area_um2": _integrate(dim - 1, _entities(G.INTERFACE, groups), axisym)
        * scale_um ** (vol_dim - 1),
        "sei_volume_um3": _integrate(dim, _entities(G.SEI, groups), axisym, vert=dim - 1)
        * scale_um**vol_dim,
        "group_entities": counts,
    }


def make_report(
    lay: Layout, groups: dict[str, tuple[int, int]], shape: str, seconds: float
) -> MeshReport:
    """Measure the generated mesh in the current gmsh model against the analytic shape."""
    vol_a, area_a, sei_a = _analytic(lay)
    return MeshReport(
        formulation=lay.formulation,
        shape=shape,
        mesh_order=lay.mesh_order,
        **_measure(lay.dim, lay.formulation == "axisymmetric", groups, 1.0),
        li_volume_analytic_um3=vol_a,
        interface_area_analytic_um2=area_a,
        sei_volume_analytic_um3=sei_a,
        h_interface_um=lay.h_interface_um,
        h_bulk_um=lay.h_bulk_um,
        dendrites=max(1, len(lay.dendrites)),
        seconds=seconds,
    )


def user_mesh_report(
    formulation: str, groups: dict[str, tuple[int, int]], scale_um: float, path: str
) -> MeshReport:
    """Measure a user's mesh in the current gmsh model (no analytic reference: NaN)."""
    dim = gmsh.model.getDimension()
    order = (
        2
        if any(
            gmsh.model.mesh.getElementProperties(et)[2] == 2
            for et in gmsh.model.mesh.getElementTypes(dim)
        )
        else 1
    )
    nan = float("nan")
    rep = MeshReport(
        formulation=formulation,
        shape="user mesh",
        mesh_order=order,
        **_measure(dim, formulation == "axisymmetric", groups, scale_um),
        li_volume_analytic_um3=nan,
        interface_area_analytic_um2=nan,
        h_interface_um=nan,
        h_bulk_um=nan,
    )
    rep.path = path
    return rep
