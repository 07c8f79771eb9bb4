"""The ``[cell]`` section: the whole cell a unit cell stands for (docs/cell.md).

From the cell's capacity, areal capacity, Li thickness, electrolyte loading, mass, heat
capacity, dendritic Li fraction and the specific surface of that Li follow (:meth:`CellConfig.
derived`): the electrode area, the Li mass, the dendritic Li mass and its reacting area, the
cell's heat capacity per m² of reacting area, the dendrites per cm² for the case's dendrite
shape, and the unit cell's footprint and heat capacity.  With ``cell.enabled = true`` the
unit cell's sensible heat capacity is scaled so that it holds its share of the cell's heat
capacity per reacting area (physics/lumped.py): a unit-cell run then heats like the cell.
Defaults: the seed paper's 1.0 Ah Li-NCM523 pouch cell (Cheng et al., Adv. Mater. 2023)
where it gives a value, sourced literature values or inferences for the rest (docs/cell.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from dendrisim.config.base import Section
from dendrisim.physics.materials import LITHIUM

MAH_PER_AH = 1000.0
CM2_PER_M2 = 1e4
UM3_PER_CM3 = 1e12
UM2_PER_CM2 = 1e8


class CellConfig(Section):
    """The cell whose share the unit cell heats like (docs/cell.md); off by default."""

    enabled: bool = False  # true: the unit cell holds its share of this cell's heat capacity
    capacity_Ah: float = Field(default=1.0, gt=0)  # [F] seed: 1.0 Ah Li-NCM523 pouch cell
    areal_capacity_mAh_cm2: float = Field(default=4.0, gt=0)  # [F] seed: cathode loading
    li_thickness_um: float = Field(default=50.0, gt=0)  # [F] seed: Li foil (per cathode face)
    electrolyte_g_per_Ah: float = Field(default=3.0, gt=0)  # [I] lean Li-metal pouch (cell.md)
    cell_mass_g: float = Field(default=13.0, gt=0)  # [C] component budget (docs/cell.md)
    cell_cp_J_gK: float = Field(default=1.04, gt=0)  # [F] NMC cell, 1040 J/(kg K) (cell.md)
    # dendritic (high-surface) Li / Li of the foil: [I] the Li plated at 100 % SOC after
    # fading to 80 % plus the inactive Li of the lost 20 % (docs/cell.md)
    dendritic_li_fraction: float = Field(default=0.39, gt=0, le=1)
    # [F] Jiang et al., J. Energy Chem. 2022: BET of dendritic Li (also the kinetics' basis)
    li_specific_surface_m2_g: float = Field(default=49.5, gt=0)
    # true: geometry.cell_radius_um and electrolyte_height_um are derived from this cell
    # (its electrolyte per dendrite, config/unit_cell.py, docs/cell.md); false: as given
    derive_unit_cell: bool = False
    # the share of the electrolyte that wets the Li, the rest fills the cathode's and the
    # separator's pores: [I] 0.73, range 0.6-0.8 (docs/cell.md#the-electrolyte-that-wets-the-li)
    electrolyte_li_share: float = Field(default=0.73, gt=0, le=1)

    def derived(self, dendrite_area_um2: float, dendrite_volume_um3: float) -> CellNumbers:
        """The numbers that follow, for a dendrite of the given area and volume (µm², µm³)."""
        area_cm2 = self.capacity_Ah * MAH_PER_AH / self.areal_capacity_mAh_cm2
        li_g = area_cm2 * self.li_thickness_um * 1e-4 * LITHIUM.density_kg_m3 * 1e-3
        dend_g = self.dendritic_li_fraction * li_g
        react_m2 = dend_g * self.li_specific_surface_m2_g
        heat_J_K = self.cell_mass_g * self.cell_cp_J_gK
        dend_um3 = dend_g / (LITHIUM.density_kg_m3 * 1e-3) * UM3_PER_CM3
        n_dendrites = dend_um3 / dendrite_volume_um3
        per_cm2 = n_dendrites / area_cm2
        return CellNumbers(
            electrode_area_cm2=area_cm2,
            li_mass_g=li_g,
            electrolyte_mass_g=self.electrolyte_g_per_Ah * self.capacity_Ah,
            dendritic_li_mass_g=dend_g,
            reacting_area_m2=react_m2,
            heat_capacity_J_K=heat_J_K,
            heat_capacity_J_m2K=heat_J_K / react_m2,
            dendrites_per_cm2=per_cm2,
            footprint_um2=UM2_PER_CM2 / per_cm2,
            unit_heat_capacity_J_K=heat_J_K / n_dendrites,
            shape_area_ratio=n_dendrites * dendrite_area_um2 / (react_m2 * 1e12),
        )


@dataclass(frozen=True)
class CellNumbers:
    """What follows from ``[cell]`` (docs/cell.md#derived-numbers)."""

    electrode_area_cm2: float  # capacity / areal capacity
    li_mass_g: float  # electrode area x Li thickness x Li density
    electrolyte_mass_g: float  # electrolyte loading x capacity (reported, not used)
    dendritic_li_mass_g: float  # dendritic fraction x Li mass
    reacting_area_m2: float  # dendritic Li mass x its specific surface
    heat_capacity_J_K: float  # cell mass x cell specific heat
    heat_capacity_J_m2K: float  # per m2 of reacting area: what the unit cell must hold
    dendrites_per_cm2: float  # dendritic Li volume / one dendrite's volume, per electrode cm2
    footprint_um2: float  # electrode area per dendrite (the unit cell's footprint)
    unit_heat_capacity_J_K: float  # the cell's heat capacity per dendrite
    # the dendrites' total surface / the BET reacting area (1: the shape has the BET's area)
    shape_area_ratio: float

    def lines(self) -> list[str]:
        """One line per number (for ``dendrisim check``)."""
        return [
            f"electrode area {self.electrode_area_cm2:.4g} cm2",
            f"Li mass {self.li_mass_g:.4g} g (dendritic {self.dendritic_li_mass_g:.4g} g)",
            f"electrolyte mass {self.electrolyte_mass_g:.4g} g",
            f"reacting area (dendritic Li x specific surface) {self.reacting_area_m2:.4g} m2",
            f"cell heat capacity {self.heat_capacity_J_K:.4g} J/K, per reacting area "
            f"{self.heat_capacity_J_m2K:.4g} J/(K m2)",
            f"dendrites per cm2 (this shape, from the volume) {self.dendrites_per_cm2:.4g}",
            f"unit-cell footprint {self.footprint_um2:.4g} um2, its heat capacity "
            f"{self.unit_heat_capacity_J_K:.4g} J/K",
            f"the shape's surface / the BET area {self.shape_area_ratio:.4g}",
        ]


def numbers_of(case) -> CellNumbers | None:
    """The ``[cell]`` numbers of a validated case for its dendrite shape (None if off)."""
    cell = getattr(case, "cell", None)
    if cell is None or not cell.enabled:
        return None
    g = case.geometry
    d = g.dendrite()
    return cell.derived(d.area_um2(g.isolated), d.volume_um3(g.isolated))
