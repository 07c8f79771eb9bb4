"""Unit conversions, in one place: dendrisim is SI inside (metres, kelvin, seconds).

Case files give lengths in micrometres (keys ending ``_um``), meshes may come in other
length units (``geometry.mesh_unit``), and people read temperatures in °C and heating
rates in K/min. Every conversion factor the package uses lives here.
"""

from __future__ import annotations

UM = 1e-6  # metres per micrometre
M_TO_UM = 1e6  # micrometres per metre
UM2_TO_M2 = UM * UM  # square metres per square micrometre
UM3_TO_M3 = UM**3  # cubic metres per cubic micrometre
NM = 1e-9  # metres per nanometre

# metres per unit of a mesh file's coordinates (geometry.mesh_unit)
LENGTH_UNIT_TO_M: dict[str, float] = {"m": 1.0, "mm": 1e-3, "um": UM, "nm": 1e-9}

G_TO_KG = 1e-3  # kilograms per gram (molar masses, specific areas per gram)

SECONDS_PER_MINUTE = 60.0
KELVIN_OFFSET = 273.15  # T[°C] = T[K] - 273.15


def K_per_s_to_K_per_min(rate_K_s):
    """A heating rate [K/s] in K/min (numbers or numpy arrays)."""
    return rate_K_s * SECONDS_PER_MINUTE


def K_per_min_to_K_per_s(rate_K_min):
    """Heating rate [K/min] -> [K/s] (numbers or numpy arrays)."""
    return rate_K_min / SECONDS_PER_MINUTE


def um_per_unit(unit: str) -> float:
    """Micrometres per unit of a mesh file's coordinates (``"m"``, ``"mm"``, ``"um"``, ``"nm"``)."""
    return LENGTH_UNIT_TO_M[unit] * M_TO_UM
