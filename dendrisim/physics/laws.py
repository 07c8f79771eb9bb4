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
from dendrisim.physics.registry import KINETICS_LAWS, PASSIVATION_LAWS


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


class InterfaceRate:
    """The composed rate ``r = f(T) k(T, c)`` of the laws a parameter set names."""

    def __init__(self, p):
        self.params = p
        self.kinetics = KINETICS_LAWS.create(p.kinetics_law)
        self.passivation = PASSIVATION_LAWS.create(p.passivation_law)

    def __call__(self, T: Any, c: Any) -> Any:
        """Rate r [mol Li m^-2 s^-1] (numbers, numpy or UFL)."""
        p = self.params
        return self.passivation.factor(T, p) * self.kinetics.rate(T, c, p)
