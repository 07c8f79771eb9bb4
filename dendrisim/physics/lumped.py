"""How much heat the unit cell holds: the calorimeter's phi and the cell's share.

A unit cell stands for a piece of a sample. Its own heat capacity, C_own = ∫ ρ c_p dV on
the initial mesh, is replaced by the heat capacity it must have so that it heats like the
sample in its calorimeter:

- the sample: the unit cell itself, or with a ``[cell]`` section its share of the whole
  cell's heat capacity, C_sample = c_Γ A_Γ (c_Γ = ``cell_heat_capacity_J_m2K``, the cell's
  heat capacity per m² of reacting area, config/cell.py; A_Γ the unit cell's reacting area);
- the calorimeter: an ARC's container is heated by the sample too, with the thermal-inertia
  factor phi = 1 + C_container/C_sample (``thermal.arc_phi``): dT/dt = q/(phi C_sample).

So the unit cell must hold C = phi C_sample. dendrisim multiplies the sensible heat capacity
ρ c_p of every region by f = C/C_own (the latent heat of Li melting is not scaled). The unit
cell is micrometres across and its temperature uniform to micro-kelvins, so how the heat
capacity is spread does not matter; a factor keeps every region's heat capacity positive
also when the unit cell's own exceeds its share (f < 1), and it moves with the mesh. See
docs/physics.md#arc-heat-wait-seek and docs/cell.md.
"""

from __future__ import annotations


def sample_heat_capacity_J_K(p, own_J_K: float, area_m2: float) -> float:
    """C_sample [J/K]: the unit cell's share of the cell (with [cell]) or its own."""
    return p.cell_heat_capacity_J_m2K * area_m2 if p.cell_heat_capacity_J_m2K > 0 else own_J_K


def heat_capacity_factor(p, own_J_K: float, area_m2: float) -> float:
    """The factor phi C_sample / C_own for ModelParameters ``p`` (own heat capacity, area)."""
    return p.arc_phi * sample_heat_capacity_J_K(p, own_J_K, area_m2) / own_J_K
