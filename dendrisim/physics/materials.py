"""Material data: Li metal, electrolytes, SEI parameter sets.

Plain data, SI units.  Every value carries its source tag as in docs/physics.md#sources:
[F] found in a source, [C] calculated from found values, [I] our inference.
"""

from __future__ import annotations

from dataclasses import dataclass

from dendrisim.core.units import G_TO_KG, SECONDS_PER_MINUTE

GAS_CONSTANT_J_MOLK = 8.314462618  # [F] CODATA 2018 exact value of R


@dataclass(frozen=True)
class LithiumMetal:
    """Li metal properties (SI)."""

    molar_mass_kg_mol: float = 6.941 * G_TO_KG  # [F] CRC Handbook, 6.941 g/mol
    density_kg_m3: float = 534.0  # [F] CRC Handbook, solid at 20 °C
    density_liquid_kg_m3: float = 512.0  # [F] CRC Handbook, liquid at melting point
    heat_capacity_J_kgK: float = 3570.0  # [F] CRC Handbook, 3.57 kJ/(kg K) at 25 °C
    conductivity_W_mK: float = 84.8  # [F] CRC Handbook, 300 K
    melting_K: float = 453.65  # [F] CRC Handbook (180.5 °C)
    latent_heat_J_kg: float = 431.8e3  # [F] NIST-JANAF, 3.00 kJ/mol / 6.941 g/mol

    @property
    def molar_volume_m3_mol(self) -> float:
        """V_m = M/rho [m^3/mol]; [C] 1.30e-5 m^3/mol."""
        return self.molar_mass_kg_mol / self.density_kg_m3

    @property
    def molar_density_mol_m3(self) -> float:
        """Li atoms per volume [mol/m^3] = rho/M."""
        return self.density_kg_m3 / self.molar_mass_kg_mol


LITHIUM = LithiumMetal()

# Electrolyte presets.  Keys equal the [electrolyte] case keys.
ELECTROLYTE_PRESETS: dict[str, dict[str, float | str]] = {
    # 1 M LiPF6 in EC/DEC 1:1 (v/v), the paper's "routine" electrolyte.
    "routine": {
        "description": "1 M LiPF6 in EC/DEC 1:1 (reactive species: EC)",
        # [C] EC in EC/DEC 1:1 v/v: 0.5 * 1321 kg/m3 / 88.06 g/mol = 7.5e3 mol/m3, less the
        #     salt's volume -> ~7000 mol/m3 (pure-solvent densities, NIST WebBook)
        "concentration_mol_m3": 7000.0,
        # [F] Valøen & Reimers, JES 152 (2005) A882: 3.2e-10 m2/s at 298 K rising to ~1.2e-9
        #     at 438 K (their fit, LiPF6 in EC/DMC); used as the value at reference_K
        "diffusivity_m2_s": 1.2e-9,
        "reference_K": 438.0,
        # [C] Arrhenius fit through the two Valøen-Reimers points above:
        #     E = R ln(1.2e-9/3.2e-10) / (1/298 - 1/438) = 1.03e4 J/mol; 0 keeps D constant
        "diffusivity_activation_J_mol": 0.0,
        "density_kg_m3": 1250.0,  # [I] carbonate electrolyte typical value
        "heat_capacity_J_kgK": 1800.0,  # [I] carbonate electrolyte typical value
        "conductivity_W_mK": 0.2,  # [I] carbonate electrolyte typical value
        # [F] 2 Li + EC -> Li2CO3 + C2H4: 0.5 mol EC per mol Li
        "stoichiometry": 0.5,
    },
    # 3 M LiTFSI - 0.05 M LiPF6 - LiNO3 in FEC/DMC 1:4, the paper's "advanced" electrolyte.
    "advanced": {
        "description": "3 M LiTFSI-0.05 M LiPF6-LiNO3 in FEC/DMC 1:4 (reactive species: FEC)",
        # [C] FEC in FEC/DMC 1:4 v/v: 0.2 * 1454 kg/m3 / 106.05 g/mol = 2.74e3 mol/m3
        "concentration_mol_m3": 2700.0,
        # [I] concentrated (3 M) electrolyte: viscosity ~3x the 1 M one -> D / 3 (Stokes-Einstein)
        "diffusivity_m2_s": 4.0e-10,
        "reference_K": 438.0,
        "diffusivity_activation_J_mol": 0.0,
        "density_kg_m3": 1400.0,  # [I] 3 M LiTFSI raises density (~1.4 g/cm3 typical)
        "heat_capacity_J_kgK": 1600.0,  # [I] carbonate + salt typical value
        "conductivity_W_mK": 0.2,  # [I] carbonate electrolyte typical value
        # [I] FEC defluorination 2 Li + FEC -> LiF + VC-type products: 0.5 mol FEC per mol Li
        "stoichiometry": 0.5,
    },
}

# SEI presets: passivation f_SEI(T) = f_low + (1 - f_low) * sigmoid((T - T_b)/width)
SEI_PRESETS: dict[str, dict[str, float | str]] = {
    "none": {
        "description": "bare Li: no passivation",
        "protection_factor": 1.0,
        "breakdown_K": 0.0,
        "breakdown_width_K": 1.0,
        "thickness_um": 0.0,
    },
    "routine": {
        "description": "organic-rich SEI from 1 M LiPF6 EC/DEC "
        "(no protection in the paper's model)",
        # [F] seed paper (Cheng et al. Adv. Mater. 2023): routine SEI gives no protection in
        #     their simulation; breakdown at its DSC peak 148.5 °C
        "protection_factor": 1.0,
        "breakdown_K": 421.65,
        "breakdown_width_K": 5.0,  # [I] smooth step over a few K (DSC peak width scale)
        "thickness_um": 0.0,  # [I] not resolved by default
        # conductivities for a resolved shell [I] Li2CO3/organic SEI ~ 1 W/(m K)
        "conductivity_W_mK": 1.0,
        "density_kg_m3": 2000.0,  # [I] Li2CO3 2110 kg/m3, organics lower
        "heat_capacity_J_kgK": 1300.0,  # [I] Li2CO3 ~ 1.3 kJ/(kg K) (NIST)
        "diffusivity_m2_s": 1.0e-12,  # [I] solvent transport through a porous SEI
    },
    "stable": {
        "description": "inorganics-rich (LiF/Li3N) SEI from the advanced electrolyte",
        # [C] ARC onset shift 70.8 -> 100.6 °C: exp(-E/R (1/T1 - 1/T2)) with T1 = 343.95 K,
        #     T2 = 373.75 K, E = 135 kJ/mol gives 0.023; docs/physics.md#sources rounds to 0.03
        "protection_factor": 0.03,
        "breakdown_K": 456.85,  # [F] seed DSC: reaction blocked up to 183.7 °C
        "breakdown_width_K": 5.0,  # [I] as routine
        "thickness_um": 0.0144,  # [F] seed HRTEM, 14.4 nm
        "conductivity_W_mK": 3.0,  # [I] LiF ~ 4 W/(m K) bulk, polycrystalline lower
        "density_kg_m3": 2600.0,  # [F] LiF 2640 kg/m3 (CRC)
        "heat_capacity_J_kgK": 1600.0,  # [F] LiF 1.56 kJ/(kg K) (NIST)
        "diffusivity_m2_s": 1.0e-13,  # [I] dense inorganic SEI, slower than routine
    },
}

# Kinetics defaults (docs/physics.md#sources).
KINETICS_DEFAULTS: dict[str, float] = {
    # [F] Hatchard et al. JES 148 (2001) A755; Kim et al. J. Power Sources 170 (2007) 476
    "activation_energy_J_mol": 135e3,
    "reaction_order": 1.0,  # [I] first order in the reacting solvent
    # [C] 2 Li + EC -> Li2CO3 + C2H4 from formation enthalpies (EC -682.8 NIST, Li2CO3
    #     -1215.6, C2H4 +52.4 kJ/mol): (-1215.6 + 52.4 + 682.8)/2 = -240.2 kJ per mol Li
    "enthalpy_J_mol_Li": -240e3,
    # [I] product-layer scale z0 of dz/dt = r exp(-z/z0) (kinetics.product_layer =
    #     "exponential"), in Li consumed per area: 1e-4 mol/m2 is a ~2 nm Li2CO3 layer
    #     (35 cm3/mol per 2 Li); Hatchard et al. JES 148 (2001) A755 use a dimensionless
    #     z0 = 0.033 of the Li in graphite, which has no areal equivalent on Li metal
    "product_layer_z0_mol_m2": 1e-4,
}

# Decomposition of the metastable (organic) SEI: dx/dt = -A exp(-Ea/RT) x, the classic
# term of Richard & Dahn, JES 146 (1999) 2068 and Hatchard et al., JES 148 (2001) A755
# (docs/physics.md#sei-decomposition).  Off by default (amount 0).
SEI_DECOMPOSITION_DEFAULTS: dict[str, float] = {
    "amount_mol_m2": 0.0,  # [I] off; the dsc cases set it (docs/calibration.md)
    # [F] Hatchard et al. 2001 / Kim et al. J. Power Sources 170 (2007) 476, Table 1:
    #     A_sei = 1.667e15 1/s (graphite SEI); the dsc cases refit it to the 148.5 °C peak
    "pre_exponential_s": 1.667e15,
    # [F] Hatchard 2001 / Kim 2007: E_sei = 1.3508e5 J/mol; MacNeil, Larcher & Dahn, JES 146
    #     (1999) 3596: "about 1.4 eV" (135 kJ/mol) for the metastable SEI in EC:DEC (ARC)
    "activation_J_mol": 1.3508e5,
    # [C] Hatchard 2001 / Kim 2007: h_sei = 257 J/g of carbon per unit of c_sei, c_sei in
    #     units of x in Li_xC6 (c_sei0 = 0.15, c_ne0 = 0.75): 257 J/g * 72.06 g/mol C6 =
    #     18.5 kJ per mol of SEI Li (released)
    "enthalpy_J_mol": -18.5e3,
}

# Reference point of the default pre-exponential factor (docs/physics.md#sources):
# [C] Kissinger on the seed's DSC peak T_p = 165.9 °C with beta = 10 K/min gives the
#     volumetric rate k = beta E/(R T_p^2) = 0.0140 1/s; with 49.5 m2/g specific surface of
#     dendritic Li (Jiang et al., J. Energy Chem. 2022) the areal Li inventory is
#     (1/6.941 mol/g)/(49.5 m2/g) = 2.91e-3 mol/m2, so r(T_p) = 4.1e-5 mol m-2 s-1.
KISSINGER_PEAK_K = 439.05  # [F] seed DSC peak, 165.9 °C
KISSINGER_HEATING_RATE_K_S = 10.0 / SECONDS_PER_MINUTE  # [F] seed DSC, 10 K/min
DENDRITE_SPECIFIC_AREA_M2_KG = 49.5 / G_TO_KG  # [F] Jiang et al. J. Energy Chem. 2022, 49.5 m2/g
REFERENCE_CONCENTRATION_MOL_M3 = 7000.0  # [C] EC in the routine electrolyte (above)


def reference_rate_mol_m2_s(activation_energy_J_mol: float) -> float:
    """Areal reaction rate at the Kissinger peak [mol m^-2 s^-1] (docs/physics.md#sources).

    With ``E = 135 kJ/mol`` this is 4.1e-5 mol m^-2 s^-1.  For ``E = 0`` the Kissinger
    relation degenerates; the 135 kJ/mol value is used so that the rate stays the same.
    """
    e = (
        activation_energy_J_mol
        if activation_energy_J_mol > 0
        else KINETICS_DEFAULTS["activation_energy_J_mol"]
    )
    k_vol = KISSINGER_HEATING_RATE_K_S * e / (GAS_CONSTANT_J_MOLK * KISSINGER_PEAK_K**2)
    areal_inventory = 1.0 / LITHIUM.molar_mass_kg_mol / DENDRITE_SPECIFIC_AREA_M2_KG
    return k_vol * areal_inventory


def default_pre_exponential(activation_energy_J_mol: float, reaction_order: float) -> float:
    """Pre-exponential A such that r(T_p, c_ref) = reference rate.

    Units: mol^(1-n) m^(3n-2) s^-1 for order n (m/s for n = 1).
    """
    import math

    r_ref = reference_rate_mol_m2_s(activation_energy_J_mol)
    arrh = math.exp(activation_energy_J_mol / (GAS_CONSTANT_J_MOLK * KISSINGER_PEAK_K))
    return r_ref * arrh / REFERENCE_CONCENTRATION_MOL_M3**reaction_order
