"""Kinetics and passivation laws as registered classes (docs/physics.md#equations).

The interface rate is ``r = f(T) * k(T, c)``: a passivation law ``f`` (case key
``sei.passivation``) times a kinetics law ``k`` (case key ``kinetics.law``).  A law is
pure: it takes numbers, numpy arrays or UFL expressions and the resolved
:class:`~dendrisim.physics.params.ModelParameters`, so the same class feeds the forms and
the closed-form checks.  To add one: subclass, implement the method, register the class
under a new name (:mod:`dendrisim.physics.registry`).
"""

from __future__ import annotations

from typing import Any

from dendrisim.physics import kinetics
from dendrisim.physics.registry import KINETICS_LAWS, PASSIVATION_LAWS, PRODUCT_LAYER_LAWS


class KineticsLaw:
    """Areal reaction rate of the bare interface, ``k(T, c)`` [mol Li m^-2 s^-1]."""

    def rate(self, T: Any, c: Any, p) -> Any:
        """Rate at temperature ``T`` [K] and species concentration ``c`` [mol/m3]."""
        raise NotImplementedError


class PassivationLaw:
    """Rate factor of the SEI, ``f(T)`` in (0, 1] (1 = no protection)."""

    def factor(self, T: Any, p) -> Any:
        """Factor at temperature ``T`` [K]."""
        raise NotImplementedError


@KINETICS_LAWS.register("arrhenius")
class Arrhenius(KineticsLaw):
    """``A exp(-Ea/(R T)) c^n``.

    Case keys: kinetics.pre_exponential, activation_energy_J_mol, reaction_order.
    """

    def rate(self, T: Any, c: Any, p) -> Any:
        """:func:`dendrisim.physics.kinetics.arrhenius_rate` with the case's A, Ea, n."""
        return kinetics.arrhenius_rate(
            T, c, p.pre_exponential, p.activation_energy_J_mol, p.reaction_order
        )


@PASSIVATION_LAWS.register("sigmoid")
class SigmoidPassivation(PassivationLaw):
    """``f_low + (1 - f_low) sigmoid((T - T_b)/w)``; exactly 1 when ``f_low`` = 1.

    Case keys: sei.protection_factor, breakdown_K, breakdown_width_K.
    """

    def factor(self, T: Any, p) -> Any:
        """:func:`dendrisim.physics.kinetics.passivation` with the case's SEI values."""
        return kinetics.passivation(T, p.protection_factor, p.breakdown_K, p.breakdown_width_K)


class ProductLayerLaw:
    """The step's mean rate from the bare rate ``k`` and the Li consumed per area ``z_n``."""

    uses_state = True  # needs z_n (the Li consumed per area at the step start)

    def rate(self, k: Any, z_n: Any, dt: Any, p, k_n: Any = None) -> Any:
        """Mean rate [mol Li m^-2 s^-1] over the step of ``dt`` [s] (``k_n``: k at its start)."""
        raise NotImplementedError


@PRODUCT_LAYER_LAWS.register("none")
class NoProductLayer(ProductLayerLaw):
    """No product layer: the rate is the bare rate (today's law, exactly)."""

    uses_state = False

    def rate(self, k: Any, z_n: Any, dt: Any, p, k_n: Any = None) -> Any:
        """``k`` unchanged (the end-of-step rate: backward Euler, as before)."""
        return k


@PRODUCT_LAYER_LAWS.register("exponential")
class ExponentialProductLayer(ProductLayerLaw):
    """``dz/dt = k exp(-z/z0)`` (Hatchard et al. 2001; Spotnitz & Franklin 2003).

    ``z`` is the Li consumed per area [mol/m2], ``z0`` = kinetics.product_layer_z0_mol_m2;
    integrated exactly over each step at the step's ``k``
    (:func:`dendrisim.physics.kinetics.product_layer_rate`).
    """

    def rate(self, k: Any, z_n: Any, dt: Any, p, k_n: Any = None) -> Any:
        """:func:`dendrisim.physics.kinetics.product_layer_rate` with the case's z0."""
        return kinetics.product_layer_rate(k, z_n, p.product_layer_z0_mol_m2, dt, k_n)


class InterfaceRate:
    """The composed rate ``r = L(f(T) k(T, c))`` of the laws a parameter set names.

    ``f`` the passivation law, ``k`` the kinetics law, ``L`` the product-layer law (the
    step's mean rate given the Li consumed per area at the step start, ``z_n``).
    """

    def __init__(self, p):
        self.params = p
        self.kinetics = KINETICS_LAWS.create(p.kinetics_law)
        self.passivation = PASSIVATION_LAWS.create(p.passivation_law)
        self.product_layer = PRODUCT_LAYER_LAWS.create(p.product_layer)

    def bare(self, T: Any, c: Any) -> Any:
        """``f(T) k(T, c)`` [mol Li m^-2 s^-1] without the product layer."""
        p = self.params
        return self.passivation.factor(T, p) * self.kinetics.rate(T, c, p)

    def __call__(self, T: Any, c: Any, z_n: Any = 0.0, dt: Any = 1.0, start=None) -> Any:
        """Rate r [mol Li m^-2 s^-1] (numbers, numpy or UFL) over a step of ``dt`` [s].

        ``start`` = (T_n, c_n) at the step start (the product layer integrates the bare
        rate over the step by the trapezoid), or None.
        """
        k_n = None if start is None or not self.product_layer.uses_state else self.bare(*start)
        return self.product_layer.rate(self.bare(T, c), z_n, dt, self.params, k_n)
