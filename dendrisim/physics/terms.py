"""Residual terms: pieces of the weak form contributed by objects (docs/physics.md#equations).

A term adds to the species and/or heat residual of :class:`~dendrisim.physics.forms.
CoupledModel`.  Each method returns an unscaled UFL form already multiplied by Δt
(backward Euler: species [mol], heat [J]) that the model adds to the field's residual, or
``None`` when the term does not touch that field.  The model scales the rows afterwards.

Built-in terms: the interface reaction (:class:`InterfaceReaction`, the species sink and
heat source of ``r``) and the boundary conditions (:mod:`dendrisim.physics.conditions`).
A new source is a new :class:`ResidualTerm` appended to ``model.terms`` before
``model.build_residual()``.
"""

from __future__ import annotations


class ResidualTerm:
    """Base: contributes nothing."""

    def species(self, model, v):
        """Δt × species residual contribution [mol] tested with ``v``, or None."""
        return None

    def heat(self, model, v):
        """Δt × heat residual contribution [J] tested with ``v``, or None."""
        return None


class InterfaceReaction(ResidualTerm):
    """Interface reaction at rate ``r = model.rate()`` [mol Li m^-2 s^-1] on Γ.

    Consumes ``stoichiometry r`` mol of species and releases ``-ΔH r`` W per m² of Γ.
    """

    def species(self, model, v):
        """``Δt ∫_Γ ν r v dA`` (a sink: positive in the residual)."""
        p = model.params
        return model.dt * model.interface_integral(p.stoichiometry * model.rate() * v)

    def heat(self, model, v):
        """``-Δt ∫_Γ q r v dA`` with ``q = -ΔH`` [J/mol Li] (a source)."""
        q = -model.params.enthalpy_J_mol_Li  # heat released per mol Li
        return -(model.dt * model.interface_integral(q * model.rate() * v))


class SeiDecomposition(ResidualTerm):
    """Heat of the metastable SEI's decomposition on Γ (docs/physics.md#sei-decomposition).

    Releases ``-ΔH_sei`` times the step's mean decomposition rate
    (:meth:`dendrisim.physics.surface_state.SurfaceState.sei_heat`); no species change.
    """

    def heat(self, model, v):
        """``-Δt ∫_Γ q_sei r_sei v dA`` (a source)."""
        return -(model.dt * model.interface_integral(model.surface.sei_heat(model) * v))


def calorimeter_terms(model) -> list:
    """The ARC heater term (heat-wait-seek), and the model's calorimeter constants.

    Sets ``model.heater`` (the heater rate [K/s] of a step, set by the solver) and
    ``model.lumped`` (g: every region's sensible heat capacity is (1 + g) ρ c_p,
    physics/lumped.py); returns ``[ArcHeater()]`` with thermal.program = heat_wait_seek.
    """
    from dolfinx import fem
    from petsc4py import PETSc

    model.heater = fem.Constant(model.mesh, PETSc.ScalarType(0.0))
    factor = model.params.heat_capacity_factor
    model.lumped = fem.Constant(model.mesh, PETSc.ScalarType((factor or 1.0) - 1.0))
    return [ArcHeater()] if model.params.program == "heat_wait_seek" else []


def extra_heat_capacity(model, region: str):
    """The extra g ρ c_p [J/(m3 K)] of one region (g = ``model.lumped``; 0 without one)."""
    if not model.params.needs_lumped:
        return 0.0
    r = model.params.regions[region]
    return model.lumped * (r.density_kg_m3 * r.heat_capacity_J_kgK)


def heat_capacity_density(model, region: str):
    """(1 + g) ρ c_p [J/(m3 K)] of one region (g = ``model.lumped``; no latent heat), UFL."""
    r = model.params.regions[region]
    cap = r.density_kg_m3 * r.heat_capacity_J_kgK
    return cap * (1.0 + model.lumped) if model.params.needs_lumped else cap


def heater_power(model, v=1.0):
    """``∫ β_h (1 + g) ρ c_p v dV`` [W] over every region (``model.heater`` = β_h [K/s])."""
    w = model.weight
    return sum(
        model.heater * heat_capacity_density(model, n) * v * w * model.dx(rid)
        for n, rid in model.region_ids.items()
    )


class ArcHeater(ResidualTerm):
    """The ARC heater of a heat phase (docs/physics.md#temperature-programmes).

    A uniform source ``β_h (1 + g) ρ c_p`` in every region, ``β_h = model.heater`` [K/s]
    (0 outside heat phases): it raises an adiabatic sample and its container (the lumped
    heat capacity) alike at the heater rate; the sample's self-heating comes on top.
    """

    def heat(self, model, v):
        """``-Δt ∫ β_h (1 + g) ρ c_p v dV`` (a source)."""
        return -(model.dt * heater_power(model, v))
