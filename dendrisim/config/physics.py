"""Physics sections: electrolyte, SEI, kinetics, thermal, species, interface, stop rules."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from dendrisim.config.base import Section
from dendrisim.physics import materials, registry


def _choice(reg: registry.Registry):
    """A ``str`` key whose allowed values are the names registered in ``reg``.

    Checked at validation time, so a law registered later is accepted too.
    """
    return Annotated[str, AfterValidator(reg.check)]


KineticsLawName = _choice(registry.KINETICS_LAWS)
PassivationLawName = _choice(registry.PASSIVATION_LAWS)
ProductLayerName = _choice(registry.PRODUCT_LAYER_LAWS)
ThermalOuterName = _choice(registry.BOUNDARY_CONDITIONS["thermal.outer"])
SubstrateBottomName = _choice(registry.BOUNDARY_CONDITIONS["thermal.substrate_bottom"])
SpeciesOuterName = _choice(registry.BOUNDARY_CONDITIONS["species.outer"])


def _fill_from_preset(data: Any, presets: dict, section: str) -> Any:
    """Before validation: keys not given take the preset's value."""
    if not isinstance(data, dict):
        return data
    preset = data.get("preset", next(iter(presets)))
    if preset not in presets:
        return data  # the Literal check reports it with the allowed values
    out = {k: v for k, v in presets[preset].items() if k != "description"}
    out.update(data)
    out["preset"] = preset
    return out


class ElectrolyteConfig(Section):
    """Electrolyte: reactive species and thermal properties (preset, then overrides)."""

    preset: Literal["routine", "advanced"] = "routine"
    concentration_mol_m3: float = Field(gt=0)  # reactive species, initial and bulk
    diffusivity_m2_s: float = Field(gt=0)  # at reference_K
    reference_K: float = Field(gt=0)
    diffusivity_activation_J_mol: float = Field(ge=0)  # 0 = constant diffusivity
    density_kg_m3: float = Field(gt=0)
    heat_capacity_J_kgK: float = Field(gt=0)
    conductivity_W_mK: float = Field(gt=0)
    stoichiometry: float = Field(gt=0)  # mol species per mol Li

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        return _fill_from_preset(data, materials.ELECTROLYTE_PRESETS, "electrolyte")


class SeiConfig(Section):
    """SEI passivation f(T) = f_low + (1 - f_low) sigmoid((T - T_b)/width)."""

    preset: Literal["none", "routine", "stable"] = "none"
    passivation: PassivationLawName = "sigmoid"  # registered passivation law
    protection_factor: float = Field(gt=0, le=1)  # f_low: rate multiplier below breakdown
    breakdown_K: float = Field(ge=0)
    breakdown_width_K: float = Field(gt=0)
    # properties of a resolved shell (geometry.sei_thickness_um > 0)
    conductivity_W_mK: float = Field(default=1.0, gt=0)
    density_kg_m3: float = Field(default=2000.0, gt=0)
    heat_capacity_J_kgK: float = Field(default=1300.0, gt=0)
    diffusivity_m2_s: float = Field(default=1e-12, gt=0)
    # decomposition of the metastable SEI, dx/dt = -A exp(-Ea/RT) x, x from 1 to 0, heat
    # -enthalpy * amount per area of Γ (docs/physics.md#sei-decomposition); amount 0 = off
    decomposition_amount_mol_m2: float = Field(
        default=materials.SEI_DECOMPOSITION_DEFAULTS["amount_mol_m2"], ge=0
    )  # SEI Li that decomposes, per area of Γ
    decomposition_pre_exponential_s: float = Field(
        default=materials.SEI_DECOMPOSITION_DEFAULTS["pre_exponential_s"], gt=0
    )  # A [1/s]
    decomposition_activation_J_mol: float = Field(
        default=materials.SEI_DECOMPOSITION_DEFAULTS["activation_J_mol"], ge=0
    )
    decomposition_enthalpy_J_mol: float = materials.SEI_DECOMPOSITION_DEFAULTS[
        "enthalpy_J_mol"
    ]  # per mol SEI Li; < 0 releases heat

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
        out = _fill_from_preset(data, materials.SEI_PRESETS, "sei")
        if isinstance(out, dict):
            out.pop("thickness_um", None)  # the shell thickness is geometry.sei_thickness_um
        return out


class KineticsConfig(Section):
    """Interface reaction r = f_SEI(T) A exp(-Ea/RT) c^n [mol Li m^-2 s^-1]."""

    law: KineticsLawName = "arrhenius"  # registered kinetics law
    pre_exponential: float = Field(default=0.0, ge=0)  # units follow n; 0 = preset value
    activation_energy_J_mol: float = Field(
        default=materials.KINETICS_DEFAULTS["activation_energy_J_mol"], ge=0
    )
    reaction_order: float = Field(default=materials.KINETICS_DEFAULTS["reaction_order"], ge=0, le=4)
    enthalpy_J_mol_Li: float = materials.KINETICS_DEFAULTS["enthalpy_J_mol_Li"]
    # product layer: "none" (the bare rate) or "exponential", dz/dt = r exp(-z/z0) with z the
    # Li consumed per area (docs/physics.md#product-layer)
    product_layer: ProductLayerName = "none"
    product_layer_z0_mol_m2: float = Field(
        default=materials.KINETICS_DEFAULTS["product_layer_z0_mol_m2"], gt=0
    )

    @model_validator(mode="after")
    def _resolve_pre_exponential(self) -> KineticsConfig:
        if self.pre_exponential == 0.0:
            a = materials.default_pre_exponential(self.activation_energy_J_mol, self.reaction_order)
            object.__setattr__(self, "pre_exponential", a)
        return self


PROGRAMME_CONDITION = "programme"  # the condition a temperature programme drives


class ThermalConfig(Section):
    """Heat conduction, its boundary conditions and the temperature programme."""

    enabled: bool = True  # false: isothermal at initial_K
    initial_K: float = Field(default=439.05, gt=0)  # docs/fig5.md: seed DSC peak
    # none: today's run; ramp: DSC, the sample follows initial_K + ramp_K_min t;
    # heat_wait_seek: ARC, adiabatic with heat steps (docs/physics.md#temperature-programmes)
    program: Literal["none", "ramp", "heat_wait_seek"] = "none"
    ramp_K_min: float = Field(default=10.0, gt=0)  # [F] seed DSC heating rate
    # heat-wait-seek: first plateau (unset: initial_K; above it: heated there first), step
    # between plateaus, wait and seek at each, heater rate of the heat phases, the
    # self-heating rate that starts the exotherm (adiabatic tracking) at the end of a seek
    hws_start_K: float | None = Field(default=None, gt=0)
    hws_step_K: float = Field(default=5.0, gt=0)
    hws_wait_min: float = Field(default=15.0, ge=0)
    hws_seek_min: float = Field(default=10.0, gt=0)
    hws_heat_K_min: float = Field(default=2.0, gt=0)
    hws_threshold_K_min: float = Field(default=0.02, gt=0)
    # ARC thermal inertia phi = 1 + C_container/C_sample: the sample's heat also heats its
    # container, dT/dt = q/(phi C_sample) (heat_wait_seek only)
    arc_phi: float = Field(default=1.0, ge=1)
    outer: ThermalOuterName = "adiabatic"
    ambient_K: float = Field(default=439.05, gt=0)
    heat_transfer_W_m2K: float = Field(default=0.0, ge=0)  # robin only
    substrate_bottom: SubstrateBottomName = "adiabatic"
    li_melting: bool = True  # apparent heat capacity around the melting point
    melting_width_K: float = Field(default=1.0, gt=0)  # smoothing of the latent-heat peak

    @model_validator(mode="after")
    def _check(self) -> ThermalConfig:
        self._drive_programme()
        if self.outer == "robin" and self.heat_transfer_W_m2K <= 0:
            raise ValueError(
                f"thermal.heat_transfer_W_m2K = {self.heat_transfer_W_m2K:g} must be > 0 when "
                'thermal.outer = "robin" (or choose outer = "adiabatic" or "dirichlet")'
            )
        return self

    def _drive_programme(self) -> None:
        """A ramp drives both outer heat boundaries; without one, neither may say so."""
        sites = ("outer", "substrate_bottom")
        if self.program != "heat_wait_seek" and self.arc_phi != 1.0:
            raise ValueError(
                f"thermal.arc_phi = {self.arc_phi:g} applies to an ARC only: set "
                'thermal.program = "heat_wait_seek" (or arc_phi = 1)'
            )
        if self.program == "heat_wait_seek":
            self._check_heat_wait_seek(sites)
            return
        if self.program == "none":
            for key in sites:
                if getattr(self, key) == PROGRAMME_CONDITION:
                    raise ValueError(
                        f'thermal.{key} = "{PROGRAMME_CONDITION}" needs a temperature '
                        'programme: set thermal.program = "ramp" (or choose another condition)'
                    )
            return
        if not self.enabled:
            raise ValueError(f'thermal.program = "{self.program}" needs thermal.enabled = true')
        for key in sites:
            value = getattr(self, key)
            # the default ("adiabatic", also in a resolved case) is replaced, others refused
            if value not in ("adiabatic", PROGRAMME_CONDITION):
                raise ValueError(
                    f'thermal.{key} = "{value}" conflicts with thermal.program = '
                    f'"{self.program}": the programme drives the outer boundaries (leave '
                    f'thermal.{key} unset or "{PROGRAMME_CONDITION}")'
                )
            object.__setattr__(self, key, PROGRAMME_CONDITION)

    def _check_heat_wait_seek(self, sites: tuple[str, ...]) -> None:
        """An ARC sample is adiabatic (its heater is a source): no other outer condition."""
        if not self.enabled:
            raise ValueError('thermal.program = "heat_wait_seek" needs thermal.enabled = true')
        for key in sites:
            value = getattr(self, key)
            if value != "adiabatic":
                raise ValueError(
                    f'thermal.{key} = "{value}" conflicts with thermal.program = '
                    '"heat_wait_seek": the calorimeter keeps the sample adiabatic (leave '
                    f'thermal.{key} unset or "adiabatic")'
                )
        if self.hws_start_K is not None and self.hws_start_K < self.initial_K:
            raise ValueError(
                f"thermal.hws_start_K = {self.hws_start_K:g} is below thermal.initial_K = "
                f"{self.initial_K:g}: the first plateau must be at or above the start "
                "temperature (or leave hws_start_K unset: initial_K)"
            )


class SpeciesConfig(Section):
    """Reactive-species boundary condition on the `bulk` boundary."""

    outer: SpeciesOuterName = "zero_flux"


class InterfaceConfig(Section):
    """Li surface motion."""

    moving: bool = True  # false: fixed geometry, consumption still counted
    # meshes (2D and 3D) are rebuilt with gmsh from the current surface when the worst
    # cell's quality (1 = equilateral) falls below remesh_quality; a run stops
    # (mesh_quality) below min_quality when it cannot remesh (remesh = false, a failed
    # remesh, Li under a resolved SEI shell thinner than the removal threshold)
    remesh: bool = True
    remesh_quality: float = Field(default=0.2, gt=0, lt=1)
    max_remeshes: int = Field(default=200, ge=0)
    min_quality: float = Field(default=0.05, gt=0, lt=1)
    # time-step limit: the surface moves at most this fraction of the local interface cell
    # size per step (keeps the staggered geometry update accurate as a dendrite thins)
    max_motion_per_step: float = Field(default=0.1, gt=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> InterfaceConfig:
        if self.remesh and self.remesh_quality <= self.min_quality:
            raise ValueError(
                f"interface.remesh_quality = {self.remesh_quality:g} must be above "
                f"interface.min_quality = {self.min_quality:g} (remesh before stopping)"
            )
        return self


class StopConfig(Section):
    """Stop rules besides the end time (ARC practice for runaway)."""

    # runaway: the interface-mean self-heating rate is above this and rising
    # (docs/physics.md#stop-rules)
    runaway_K_per_min: float = Field(default=60.0, gt=0)
    runaway_stops: bool = True  # false: runaway is flagged (manifest) and the run goes on
    onset_K_per_min: float = Field(default=0.02, gt=0)  # self-heating onset flag
    # > 0: the run ends at the located crossing (to 1e-3 of the step, just past the
    # threshold), so a threshold of exactly 0 could end a hair below 0
    li_exhausted_retention: float = Field(default=1e-3, gt=0, lt=1)

    @model_validator(mode="after")
    def _check(self) -> StopConfig:
        if self.onset_K_per_min >= self.runaway_K_per_min:
            raise ValueError(
                f"stop.onset_K_per_min = {self.onset_K_per_min:g} must be below "
                f"stop.runaway_K_per_min = {self.runaway_K_per_min:g}"
            )
        return self
