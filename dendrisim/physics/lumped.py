"""The lumped extra heat capacity of a unit cell (docs/physics.md#temperature-programmes).

A calorimeter's sample heats its container too: with the thermal-inertia factor
``phi = 1 + C_container/C_sample`` (``thermal.arc_phi``) the sample's heat release raises
sample and container together, ``dT/dt = q/(phi C_sample)``.  dendrisim adds the missing
heat capacity ``phi C_sample - C_own`` (C_own: the unit cell's ∫ ρ c_p dV on the initial
mesh) as a uniform volumetric heat capacity in every region: the unit cell is micrometres
across, its temperature uniform to micro-kelvins, so where the extra sits does not matter,
and a uniform value is untouched by a moving mesh (the outer boundary is fixed).
"""

from __future__ import annotations


def lumped_heat_capacity_J_m3K(p, own_J_K: float, area_m2: float, volume_m3: float) -> float:
    """Uniform extra volumetric heat capacity [J/(m3 K)] for ModelParameters ``p``.

    ``own_J_K``: the unit cell's heat capacity; ``area_m2``: its reacting area;
    ``volume_m3``: its volume (all on the initial mesh).  The sample is the unit cell.
    """
    sample_J_K = own_J_K
    return max(p.arc_phi * sample_J_K - own_J_K, 0.0) / volume_m3
