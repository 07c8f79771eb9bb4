"""Registries of the physics terms a case chooses by name: laws and boundary conditions.

Kinetics laws, passivation laws and boundary conditions (docs/architecture.md#physics-terms).

Config validates the choices against these registries (the allowed values in its error
messages are the registered names), the model builds its residual from the registered
classes.  This module holds only the registries: the classes live in
:mod:`dendrisim.physics.laws` and :mod:`dendrisim.physics.conditions` and register
themselves there on import (``dendrisim/physics/__init__.py`` imports both, so any import
of the physics package fills the registries).  At import time it loads nothing above core,
so that config may read it.

A new law is one class and one registration::

    from dendrisim.physics.laws import KineticsLaw
    from dendrisim.physics.registry import KINETICS_LAWS

    @KINETICS_LAWS.register("my_law")
    class MyLaw(KineticsLaw):
        def rate(self, T, c, p):
            return ...  # mol Li m^-2 s^-1, numbers, numpy or UFL

and the case key ``kinetics.law = "my_law"`` selects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dendrisim.core import groups


def allowed_text(names: list[str]) -> str:
    """``'a', 'b' or 'c'`` (the wording of config's other "allowed:" messages)."""
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


class Registry:
    """Names (as a case gives them) -> registered objects, for one case key."""

    def __init__(self, key: str):
        self.key = key  # the case key choosing an entry, e.g. "kinetics.law"
        self._entries: dict[str, Any] = {}

    def register(self, name: str):
        """Decorator: register a class (or function) under ``name``; returns it unchanged."""

        def add(obj):
            if name in self._entries and self._entries[name] is not obj:
                raise ValueError(f"{self.key}: {name!r} is already registered")
            self._entries[name] = obj
            return obj

        return add

    def unregister(self, name: str) -> None:
        """Remove an entry (tests that register a toy law clean up with this)."""
        self._entries.pop(name, None)

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._entries)

    def __contains__(self, name: str) -> bool:
        return name in self._entries

    def check(self, name: str) -> str:
        """``name`` if registered, else ValueError "KEY = 'name': allowed: ..." (config)."""
        if name not in self._entries:
            raise ValueError(f"{self.key} = {name!r}: allowed: {allowed_text(self.names())}")
        return name

    def get(self, name: str) -> Any:
        """The registered object; a CaseError naming the key and the allowed names if none."""
        if name not in self._entries:
            from dendrisim.core.errors import CaseError

            raise CaseError(f"{self.key} = {name!r}: allowed: {allowed_text(self.names())}")
        return self._entries[name]

    def create(self, name: str, *args, **kwargs) -> Any:
        """An instance of the class registered under ``name``."""
        return self.get(name)(*args, **kwargs)


@dataclass(frozen=True)
class BoundarySite:
    """Where a boundary condition is chosen: one field on one facet group."""

    key: str  # case key holding the choice, e.g. "thermal.outer"
    field: str  # "species" or "heat"
    group: str  # facet group name (dendrisim.core.groups)
    param: str  # ModelParameters attribute holding the chosen name


KINETICS_LAWS = Registry("kinetics.law")  # interface rate r(T, c) [mol Li m^-2 s^-1]
PASSIVATION_LAWS = Registry("sei.passivation")  # SEI rate factor f(T) in (0, 1]
# product-layer growth: the step's mean rate from the bare rate and the Li consumed per area
PRODUCT_LAYER_LAWS = Registry("kinetics.product_layer")

# The sites in the order their conditions enter the residual and the Dirichlet list.
BOUNDARY_SITES: tuple[BoundarySite, ...] = (
    BoundarySite("species.outer", "species", groups.BULK, "species_outer"),
    BoundarySite("thermal.outer", "heat", groups.BULK, "thermal_outer"),
    BoundarySite("thermal.substrate_bottom", "heat", groups.SUBSTRATE, "substrate_bottom"),
)
BOUNDARY_CONDITIONS: dict[str, Registry] = {s.key: Registry(s.key) for s in BOUNDARY_SITES}
