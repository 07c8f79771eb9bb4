"""History of the reacting surface: product layer and metastable SEI.

See docs/physics.md#product-layer and docs/physics.md#sei-decomposition.

Two fields of the model's Lagrange degree, meaningful on Γ, carried from step to step:

- ``z`` [mol/m2]: the Li consumed per area of Γ since t = 0 (the product layer grows with
  it; ``kinetics.product_layer``);
- ``x_sei`` [1]: the remaining fraction of the metastable SEI (1 at t = 0;
  ``sei.decomposition_amount_mol_m2 > 0``).

During a step both hold their values at the step start; the laws integrate them exactly
over the step at the step's temperature and concentration
(:func:`dendrisim.physics.kinetics.product_layer_rate`,
:func:`~dendrisim.physics.kinetics.first_order_step_rate`), so the increment the solve
used is the one :meth:`SurfaceState.advance` adds when the step is accepted: the Li
consumed per area equals ``z`` and the species and energy balances stay exact.  The
update is nodal (the same pure functions on the nodal values of T and c).
"""

from __future__ import annotations

from dendrisim.core.compat import import_dolfinx

import_dolfinx()
from dolfinx import fem  # noqa: E402

from dendrisim.physics import kinetics  # noqa: E402
from dendrisim.physics.materials import GAS_CONSTANT_J_MOLK  # noqa: E402


class SurfaceState:
    """The fields ``z`` and ``x_sei`` of one model (see the module docstring)."""

    def __init__(self, model):
        self.params = model.params
        self.space = fem.functionspace(model.mesh, ("Lagrange", model.degree))
        self.z = fem.Function(self.space, name="li_consumed_per_area_mol_m2")
        self.x_sei = fem.Function(self.space, name="sei_remaining")
        self.x_sei.x.array[:] = 1.0

    @property
    def decomposes(self) -> bool:
        """True when the metastable SEI decomposes (sei.decomposition_amount_mol_m2 > 0)."""
        return self.params.sei_decomposition_amount_mol_m2 > 0

    def rate(self, model, T, c):
        """The Li reaction's mean rate over the step [mol Li m^-2 s^-1] as UFL (z at its start)."""
        start = (model.temperature(model.u_n), model.concentration(model.u_n))
        return model.interface_rate(T, c, self.z, model.dt, start)

    def sei_constant(self, T):
        """``A exp(-Ea/(R T))`` [1/s] of the SEI decomposition (numbers, numpy or UFL)."""
        p = self.params
        ops = kinetics.math_ops(T)
        return p.sei_decomposition_pre_exponential_s * ops.exp(
            -p.sei_decomposition_activation_J_mol / (GAS_CONSTANT_J_MOLK * T)
        )

    def sei_rate(self, T, x_n, dt, T_n):
        """Mean SEI decomposition rate over a step [mol SEI Li m^-2 s^-1] (T_n: at its start)."""
        amount = self.params.sei_decomposition_amount_mol_m2
        k, k_n = self.sei_constant(T), self.sei_constant(T_n)
        return amount * kinetics.first_order_step_rate(k, x_n, dt, k_n)

    def sei_heat(self, model, u=None):
        """Heat released by the SEI decomposition [W/m2] as UFL (step mean)."""
        q = -self.params.sei_decomposition_enthalpy_J_mol
        T, T_n = model.temperature(u), model.temperature(model.u_n)
        return q * self.sei_rate(T, self.x_sei, model.dt, T_n)

    def advance(self, model, dt_s: float) -> None:
        """The step of ``dt_s`` [s] from ``model.u_n`` to ``model.u`` was accepted.

        Adds the step's increments to z and x_sei (call before u_n is overwritten).
        """
        T, c = self._nodal(model, model.u.x.array)
        T_n, c_n = self._nodal(model, model.u_n.x.array)
        z, x = self.z.x.array, self.x_sei.x.array
        dz = dt_s * model.interface_rate(T, c, z.copy(), dt_s, (T_n, c_n))
        if self.decomposes:
            k, k_n = self.sei_constant(T), self.sei_constant(T_n)
            x -= dt_s * kinetics.first_order_step_rate(k, x.copy(), dt_s, k_n)
        z += dz
        self.z.x.scatter_forward()
        self.x_sei.x.scatter_forward()

    @staticmethod
    def _nodal(model, u):
        """Nodal T [K] and c [mol/m3] of a dof array of the model's space."""
        return model.T0 + model.T_scale * u[1::2], model.c_scale * u[0::2]

    def adopt(self, old: SurfaceState) -> None:
        """Carry the fields of ``old`` (a model on the previous mesh) over (collective)."""
        from dendrisim.physics.transfer import transfer

        transfer(old.z, self.z)
        transfer(old.x_sei, self.x_sei)


def surface_terms(model) -> list:
    """The residual terms of the surface state: the SEI decomposition's heat, if any."""
    from dendrisim.physics.terms import SeiDecomposition

    surface = model.surface
    return [SeiDecomposition()] if surface is not None and surface.decomposes else []
