"""The unit cell derived from ``[cell]`` (docs/cell.md#the-unit-cell-derived-from-the-cell).

With ``cell.derive_unit_cell = true`` the electrolyte cell around the dendrite is not
hand-picked: the cell's dendritic Li volume over one dendrite's volume is the number of
dendrites; the cell's electrolyte (mass per Ah x capacity / the case's electrolyte density)
times the share that wets the Li, over that number, is the electrolyte per dendrite; and the
unit cell is the cylinder that wraps the dendrite in a film of uniform thickness δ holding
that volume: radius R = r_out + δ, height H = top + δ (δ above the tip equals δ beside the
side), with π R² H − (the dendrite's volume) = the electrolyte per dendrite.  Equal Li volume
gives equal dendrite counts and equal electrolyte per dendrite for every shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dendrisim.config.cell import UM3_PER_CM3, CellConfig
from dendrisim.physics.materials import LITHIUM

G_PER_KG = 1e3
CM3_PER_M3 = 1e6
M3_PER_UM3 = 1e-18


@dataclass(frozen=True)
class UnitCell:
    """The derived unit cell and the numbers on the way (docs/cell.md)."""

    dendrites: float  # dendritic Li volume / one dendrite's volume (whole cell)
    electrolyte_cm3: float  # the cell's electrolyte volume
    wetting_share: float  # cell.electrolyte_li_share
    per_dendrite_um3: float  # electrolyte per dendrite
    body_um3: float  # the dendrite's volume above z = 0 (its SEI shell included)
    film_um: float  # δ: the electrolyte film around the side and above the tip
    cell_radius_um: float
    electrolyte_height_um: float
    species_per_dendrite_mol: float  # reactive species (EC) in the unit cell's electrolyte
    li_per_dendrite_mol: float  # the dendrite's Li
    stoichiometry: float  # mol species per mol Li

    @property
    def species_covers_li(self) -> float:
        """The fraction of the dendrite's Li the unit cell's EC can consume (> 1: all of it)."""
        return self.species_per_dendrite_mol / (self.stoichiometry * self.li_per_dendrite_mol)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """(quantity, formula, value, tag) per line, for ``dendrisim check``."""
        return [
            ("dendrites in the cell N", "dendritic Li volume / dendrite volume",
             f"{self.dendrites:.4g}", "[C]"),
            ("electrolyte volume V_e", "electrolyte_g_per_Ah x capacity / electrolyte density",
             f"{self.electrolyte_cm3:.4g} cm3", "[C]"),
            ("share wetting the Li s", "cell.electrolyte_li_share",
             f"{self.wetting_share:.4g}", "[I] docs/cell.md"),
            ("electrolyte per dendrite v_e", "s V_e / N",
             f"{self.per_dendrite_um3:.5g} um3", "[C]"),
            ("film thickness delta", "pi (r_out+delta)^2 (top+delta) - v_dendrite = v_e",
             f"{self.film_um:.5g} um", "[C] rule"),
            ("geometry.cell_radius_um", "r_out + delta", f"{self.cell_radius_um:.6g} um", "[C]"),
            ("geometry.electrolyte_height_um", "top + delta",
             f"{self.electrolyte_height_um:.6g} um", "[C]"),
            ("EC per dendrite", "v_e x electrolyte concentration",
             f"{self.species_per_dendrite_mol:.4g} mol", "[C]"),
            ("Li per dendrite", "v_dendrite / Li molar volume",
             f"{self.li_per_dendrite_mol:.4g} mol", "[C]"),
            ("Li the EC can consume", "EC / (stoichiometry x Li)",
             f"{self.species_covers_li:.4g}", "[C]"),
        ]  # fmt: skip

    def lines(self) -> list[str]:
        """One readable line per row."""
        return [f"{q}: {f} = {v}  {t}" for q, f, v, t in self.rows()]


def electrolyte_volume_cm3(cell: CellConfig, density_kg_m3: float) -> float:
    """The cell's electrolyte volume [cm³] at the case's electrolyte density."""
    return cell.electrolyte_g_per_Ah * cell.capacity_Ah / (density_kg_m3 * G_PER_KG / CM3_PER_M3)


def derive(cell: CellConfig, geometry, electrolyte) -> UnitCell:
    """The unit cell of ``geometry``'s single dendrite in the cell ``cell`` (ValueError)."""
    _check_derivable(geometry)
    d = geometry.dendrite()
    t = geometry.sei_thickness_um
    li_um3 = d.volume_um3(geometry.isolated)
    body_um3 = d.grown(t).volume_um3(geometry.isolated) if t > 0 else li_um3
    numbers = cell.derived(d.area_um2(geometry.isolated), li_um3)
    dendrites = numbers.dendrites_per_cm2 * numbers.electrode_area_cm2
    v_cm3 = electrolyte_volume_cm3(cell, electrolyte.density_kg_m3)
    per_um3 = cell.electrolyte_li_share * v_cm3 * UM3_PER_CM3 / dendrites
    r_out, top = d.outer_radius_um + t, geometry.length_um + t
    delta = film_thickness_um(r_out, top, body_um3, per_um3)
    return UnitCell(
        dendrites=dendrites,
        electrolyte_cm3=v_cm3,
        wetting_share=cell.electrolyte_li_share,
        per_dendrite_um3=per_um3,
        body_um3=body_um3,
        film_um=delta,
        cell_radius_um=r_out + delta,
        electrolyte_height_um=top + delta,
        species_per_dendrite_mol=per_um3 * M3_PER_UM3 * electrolyte.concentration_mol_m3,
        li_per_dendrite_mol=li_um3 * M3_PER_UM3 / LITHIUM.molar_volume_m3_mol,
        stoichiometry=electrolyte.stoichiometry,
    )


def film_thickness_um(r_out: float, top: float, body_um3: float, electrolyte_um3: float) -> float:
    """δ with π (r_out + δ)² (top + δ) − body = electrolyte (bisection to 1e-13 relative)."""

    def held(delta: float) -> float:
        return math.pi * (r_out + delta) ** 2 * (top + delta) - body_um3

    if held(0.0) >= electrolyte_um3:
        raise ValueError(
            f"cell.derive_unit_cell: the electrolyte per dendrite ({electrolyte_um3:.4g} µm³) "
            f"is less than the cylinder tight around the dendrite already holds "
            f"({held(0.0):.4g} µm³); raise cell.electrolyte_g_per_Ah or "
            "cell.electrolyte_li_share, or set cell.derive_unit_cell = false"
        )
    lo, hi = 0.0, max(r_out, top)
    while held(hi) < electrolyte_um3:
        hi *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if held(mid) < electrolyte_um3 else (lo, mid)
        if hi - lo <= 1e-13 * hi:
            break
    return 0.5 * (lo + hi)


def _check_derivable(geometry) -> None:
    """The rule sizes a cylinder around one dendrite: refuse what it cannot describe."""
    problem = None
    if geometry.formulation == "planar":
        problem = 'geometry.formulation = "planar" (the rule sizes a cylinder)'
    elif not geometry.shape_kind.has_body:
        problem = f'geometry.shape = "{geometry.shape}" (no dendrite to share the cell among)'
    elif geometry.forest.count > 1:
        problem = f"geometry.forest.count = {geometry.forest.count} (one dendrite per unit cell)"
    elif geometry.mesh:
        problem = "geometry.mesh (a user mesh has its own geometry)"
    if problem is not None:
        raise ValueError(
            f"cell.derive_unit_cell = true cannot size this case: {problem}; allowed: one "
            'dendrite with a body, formulation "axisymmetric" or "3d", no user mesh'
        )


DERIVED_KEYS = ("cell_radius_um", "electrolyte_height_um")


def derived_geometry(case):
    """``case.geometry`` with the derived cell radius and height (ValueError if given apart).

    A key given in the case must equal the derived value (a resolved case read back lists
    both); otherwise the user set both, and the one line names the key and the two values.
    """
    g = case.geometry
    unit = derive(case.cell, g, case.electrolyte)
    values = {
        "cell_radius_um": unit.cell_radius_um,
        "electrolyte_height_um": unit.electrolyte_height_um,
    }
    for key, value in values.items():
        given = getattr(g, key)
        if key not in g.derived_keys and abs(given - value) > 1e-9 * value:
            raise ValueError(
                f"geometry.{key} = {given:g} µm is given, but cell.derive_unit_cell = true "
                f"derives it ({value:.6g} µm, docs/cell.md); remove geometry.{key} or set "
                "cell.derive_unit_cell = false"
            )
    h = g.mesh_size_interface_um
    if h is not None and h > 0.5 * unit.film_um:
        raise ValueError(
            f"geometry.mesh_size_interface_um = {h:g} µm: the electrolyte film of the derived "
            f"unit cell is {unit.film_um:.4g} µm thick; it must be at most half of it"
        )
    raw = {k: v for k, v in g.model_dump().items() if v is not None and k not in values}
    if raw.get("aspect_ratio") is not None:
        raw.pop("length_um", None)
        raw.pop("diameter_um", None)
    new = type(g).model_validate({**raw, **values})
    keep = {k for k in g.derived_keys if k not in values}
    new.__pydantic_private__["_derived"] = frozenset(keep | set(values))
    return new


def unit_cell_of(case) -> UnitCell | None:
    """The derivation of a validated case's unit cell (None unless derive_unit_cell)."""
    if not case.cell.derive_unit_cell:
        return None
    return derive(case.cell, case.geometry, case.electrolyte)
