"""Boundary conditions as registered classes (docs/physics.md#equations).

Each case key listed in :data:`~dendrisim.physics.registry.BOUNDARY_SITES` (e.g.
``thermal.outer``) chooses, by name, a class registered in
``BOUNDARY_CONDITIONS[key]``; the model makes one instance per site whose facet group is
in the mesh and whose field is solved.  A condition is a :class:`~dendrisim.physics.terms.
ResidualTerm` (natural conditions add a boundary integral) that may also fix the value of
its field on its group (:meth:`BoundaryCondition.fixed_value`, a Dirichlet condition) and
report what leaves through it (:meth:`BoundaryCondition.outflow`, for the balances).

To add a condition: subclass :class:`BoundaryCondition`, register it with
``@BOUNDARY_CONDITIONS["thermal.outer"].register("my_name")`` (one decorator per site it
may be chosen at); config then accepts ``thermal.outer = "my_name"``.
"""

from __future__ import annotations

from dendrisim.physics.registry import BOUNDARY_CONDITIONS, BoundarySite
from dendrisim.physics.terms import ResidualTerm


class BoundaryCondition(ResidualTerm):
    """A condition on one site (field + facet group); the base is a zero-flux condition."""

    def __init__(self, site: BoundarySite):
        self.site = site

    def fixed_value(self, model) -> float | None:
        """Value of the scaled unknown fixed on the group (Dirichlet), or None (natural)."""
        return None

    def outflow(self, model):
        """UFL form of what leaves through the group (mol/s or W), or None.

        None if nothing leaves, or if a Dirichlet condition fixes the field (its flux then
        comes from the residual at the fixed dofs).
        """
        return None


@BOUNDARY_CONDITIONS["species.outer"].register("zero_flux")
@BOUNDARY_CONDITIONS["thermal.outer"].register("adiabatic")
@BOUNDARY_CONDITIONS["thermal.substrate_bottom"].register("adiabatic")
class ZeroFlux(BoundaryCondition):
    """No flux of the field through the group (contributes nothing)."""


@BOUNDARY_CONDITIONS["species.outer"].register("dirichlet")
class BulkConcentration(BoundaryCondition):
    """``c = c_bulk`` on the group (electrolyte.concentration_mol_m3)."""

    def fixed_value(self, model) -> float:
        """``c_bulk / c_scale`` (= 1)."""
        return model.params.c_bulk_mol_m3 / model.c_scale


@BOUNDARY_CONDITIONS["thermal.outer"].register("dirichlet")
@BOUNDARY_CONDITIONS["thermal.substrate_bottom"].register("isothermal")
class AmbientTemperature(BoundaryCondition):
    """``T = T_amb`` on the group (thermal.ambient_K)."""

    def fixed_value(self, model) -> float:
        """``(T_amb - T0) / T_scale``."""
        return (model.params.ambient_K - model.T0) / model.T_scale


@BOUNDARY_CONDITIONS["thermal.outer"].register("robin")
class HeatTransfer(BoundaryCondition):
    """Newton cooling ``-k ∂T/∂n = h (T - T_amb)`` (thermal.heat_transfer_W_m2K, ambient_K)."""

    def heat(self, model, v):
        """``Δt ∫ h (T - T_amb) v w ds``."""
        p = model.params
        return (
            model.dt
            * p.heat_transfer_W_m2K
            * (model.temperature() - p.ambient_K)
            * v
            * model.weight
            * model.ds(model.bundle.id(self.site.group))
        )

    def outflow(self, model):
        """Heat leaving [W]: ``∫ h (T - T_amb) w ds``."""
        p = model.params
        T, ds = model.temperature(), model.ds(model.bundle.id(self.site.group))
        return p.heat_transfer_W_m2K * (T - p.ambient_K) * model.weight * ds


@BOUNDARY_CONDITIONS["thermal.outer"].register("programme")
@BOUNDARY_CONDITIONS["thermal.substrate_bottom"].register("programme")
class ProgrammeTemperature(BoundaryCondition):
    """``T = T_prog(t)`` on the group: the calorimeter's temperature programme.

    Set by ``thermal.program`` (docs/physics.md#temperature-programmes); the value is the
    model's ``programme`` constant, updated for each step's end time.
    """

    def fixed_value(self, model):
        """The model's scaled programme temperature (a constant updated every step)."""
        return model.programme
