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
