"""Plain numbers the model needs, resolved from a :class:`~dendrisim.config.Case` (SI)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from dendrisim.config.cell import numbers_of
from dendrisim.core import units
from dendrisim.geometry.spec import forest_axes_m
from dendrisim.physics.materials import LITHIUM


@dataclass(frozen=True)
class Region:
    """Thermal properties of one region (cells of one group)."""

    density_kg_m3: float
    heat_capacity_J_kgK: float
    conductivity_W_mK: float
    latent_heat_J_kg: float = 0.0  # > 0: Li melting by apparent heat capacity
    melting_K: float = 453.65
    melting_width_K: float = 1.0


def cell_heat_capacity_J_m2K(case) -> float:
    """The ``[cell]``'s heat capacity per m² of reacting area (0 without, config/cell.py)."""
    numbers = numbers_of(case)
    return numbers.heat_capacity_J_m2K if numbers is not None else 0.0


@dataclass(frozen=True)
class ModelParameters:
    """Everything the forms need, in SI units.

    See docs/physics.md#equations and docs/architecture.md#case-keys.
    """

    c_bulk_mol_m3: float = 7000.0
    diffusivity_m2_s: float = 1.2e-9
    diffusivity_reference_K: float = 438.0
    diffusivity_activation_J_mol: float = 0.0
    stoichiometry: float = 0.5  # mol species per mol Li
    pre_exponential: float = 1.0  # mol^(1-n) m^(3n-2) s^-1
    activation_energy_J_mol: float = 135e3
    reaction_order: float = 1.0
    enthalpy_J_mol_Li: float = -240e3
    kinetics_law: str = "arrhenius"  # registered name (dendrisim.physics.registry)
    passivation_law: str = "sigmoid"  # registered name (dendrisim.physics.registry)
    product_layer: str = "none"  # registered name (kinetics.product_layer)
    product_layer_z0_mol_m2: float = 1e-4
    sei_decomposition_amount_mol_m2: float = 0.0  # 0: no SEI decomposition term
    sei_decomposition_pre_exponential_s: float = 1.667e15
    sei_decomposition_activation_J_mol: float = 1.3508e5
    sei_decomposition_enthalpy_J_mol: float = -18.5e3
    protection_factor: float = 1.0
    breakdown_K: float = 0.0
    breakdown_width_K: float = 1.0
    regions: dict[str, Region] = field(default_factory=dict)  # lithium, electrolyte, sei
    thermal_enabled: bool = True
    initial_K: float = 439.05
    program: str = "none"  # temperature programme: none | ramp | heat_wait_seek
    # a 3D forest: (x, y, outer radius) of each dendrite [m] (geometry/spec.forest_axes_m)
    dendrite_axes_m: tuple[tuple[float, float, float], ...] = ()
    ramp_K_s: float = 0.0  # ramp heating rate [K/s]
    # heat-wait-seek (ARC; physics/programme.py): plateaus, phases, heater rate, threshold
    hws_start_K: float | None = None  # None: initial_K
    hws_step_K: float = 5.0
    hws_wait_s: float = 900.0
    hws_seek_s: float = 600.0
    hws_heat_K_s: float = 2.0 / 60.0
    hws_threshold_K_min: float = 0.02
    arc_phi: float = 1.0  # thermal inertia: the sample + container hold phi x the sample
    # [cell]: the cell's heat capacity per m2 of reacting area [J/(K m2)]; 0: no [cell], the
    # unit cell is the sample (config/cell.py)
    cell_heat_capacity_J_m2K: float = 0.0
    # every region's sensible heat capacity times this factor (phi and the cell's share,
    # physics/lumped.py); None until the simulation resolves it on the initial mesh
    heat_capacity_factor: float | None = None
    # boundary conditions by registered name (dendrisim.physics.registry.BOUNDARY_SITES)
    thermal_outer: str = "adiabatic"  # adiabatic | dirichlet | robin (on `bulk`)
    ambient_K: float = 439.05
    heat_transfer_W_m2K: float = 0.0
    substrate_bottom: str = "adiabatic"  # adiabatic | isothermal (on `substrate`)
    species_outer: str = "zero_flux"  # zero_flux | dirichlet (on `bulk`)
    substrate_reacts: bool = False  # `substrate_top` reacts too
    li_molar_density_mol_m3: float = LITHIUM.molar_density_mol_m3
    temperature_scale_K: float = 1.0  # unknown (T - T0)/scale

    @property
    def has_surface_state(self) -> bool:
        """True when a law needs the interface's history (product layer, SEI decomposition)."""
        return self.product_layer != "none" or self.sei_decomposition_amount_mol_m2 > 0

    @property
    def needs_lumped(self) -> bool:
        """True if a lumped extra heat capacity enters the heat equation."""
        return self.arc_phi != 1.0 or self.cell_heat_capacity_J_m2K > 0

    def with_(self, **changes) -> ModelParameters:
        """A copy with some fields replaced."""
        return replace(self, **changes)

    @classmethod
    def from_case(cls, case) -> ModelParameters:
        """Resolve a validated case into model parameters."""
        el, sei, kin, th = case.electrolyte, case.sei, case.kinetics, case.thermal
        li = Region(
            LITHIUM.density_kg_m3,
            LITHIUM.heat_capacity_J_kgK,
            LITHIUM.conductivity_W_mK,
            latent_heat_J_kg=LITHIUM.latent_heat_J_kg if th.li_melting else 0.0,
            melting_K=LITHIUM.melting_K,
            melting_width_K=th.melting_width_K,
        )
        regions = {
            "lithium": li,
            "electrolyte": Region(el.density_kg_m3, el.heat_capacity_J_kgK, el.conductivity_W_mK),
            "sei": Region(sei.density_kg_m3, sei.heat_capacity_J_kgK, sei.conductivity_W_mK),
        }
        return cls(
            c_bulk_mol_m3=el.concentration_mol_m3,
            diffusivity_m2_s=el.diffusivity_m2_s,
            diffusivity_reference_K=el.reference_K,
            diffusivity_activation_J_mol=el.diffusivity_activation_J_mol,
            stoichiometry=el.stoichiometry,
            pre_exponential=kin.pre_exponential,
            activation_energy_J_mol=kin.activation_energy_J_mol,
            reaction_order=kin.reaction_order,
            enthalpy_J_mol_Li=kin.enthalpy_J_mol_Li,
            kinetics_law=kin.law,
            passivation_law=sei.passivation,
            product_layer=kin.product_layer,
            product_layer_z0_mol_m2=kin.product_layer_z0_mol_m2,
            sei_decomposition_amount_mol_m2=sei.decomposition_amount_mol_m2,
            sei_decomposition_pre_exponential_s=sei.decomposition_pre_exponential_s,
            sei_decomposition_activation_J_mol=sei.decomposition_activation_J_mol,
            sei_decomposition_enthalpy_J_mol=sei.decomposition_enthalpy_J_mol,
            protection_factor=sei.protection_factor,
            breakdown_K=sei.breakdown_K,
            breakdown_width_K=sei.breakdown_width_K,
            regions=regions,
            thermal_enabled=th.enabled,
            initial_K=th.initial_K,
            program=th.program,
            ramp_K_s=units.K_per_min_to_K_per_s(th.ramp_K_min),
            hws_start_K=th.hws_start_K,
            hws_step_K=th.hws_step_K,
            hws_wait_s=th.hws_wait_min * units.SECONDS_PER_MINUTE,
            hws_seek_s=th.hws_seek_min * units.SECONDS_PER_MINUTE,
            hws_heat_K_s=units.K_per_min_to_K_per_s(th.hws_heat_K_min),
            hws_threshold_K_min=th.hws_threshold_K_min,
            arc_phi=th.arc_phi,
            cell_heat_capacity_J_m2K=cell_heat_capacity_J_m2K(case),
            thermal_outer=th.outer,
            ambient_K=th.ambient_K,
            heat_transfer_W_m2K=th.heat_transfer_W_m2K,
            substrate_bottom=th.substrate_bottom,
            species_outer=case.species.outer,
            substrate_reacts=case.geometry.substrate_reacts,
            dendrite_axes_m=forest_axes_m(case.geometry),
        )
