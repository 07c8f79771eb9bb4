"""The registered observables, in evaluation order (later ones read earlier columns).

To add an observable: write a class (subclass of
:class:`dendrisim.observables.base.Observable`, with ``columns`` and ``compute``) in a module
of this package and add it to :data:`CATALOG` after the observables whose columns it reads.
Its columns then appear in every ``timeseries.csv`` (after the contract columns of
:data:`dendrisim.io.timeseries.TIMESERIES_COLUMNS`) and in ``Simulation.history``.
"""

from __future__ import annotations

from dendrisim.observables.calorimetry import HeaterHeat, HeaterPower, SelfHeating
from dendrisim.observables.forest import ForestDendrites
from dendrisim.observables.moving import AleExchange, WorstCellQuality
from dendrisim.observables.species import (
    InterfaceConcentration,
    LiConsumed,
    LiRetention,
    NewtonIterations,
    ReactionRate,
    SeiHeat,
    SpeciesBalance,
    SpeciesHeld,
)
from dendrisim.observables.thermal import (
    AdiabaticBound,
    DirichletFluxes,
    EnergyBalance,
    EnergyHeld,
    HeatFlow,
    HeatReleased,
    InterfaceTemperature,
    RobinHeat,
)

CATALOG: tuple[type, ...] = (
    InterfaceTemperature,
    SeiHeat,
    ReactionRate,
    LiConsumed,
    LiRetention,
    ForestDendrites,
    InterfaceConcentration,
    NewtonIterations,
    SelfHeating,
    SpeciesHeld,
    EnergyHeld,
    HeatFlow,
    HeatReleased,
    HeaterPower,
    HeaterHeat,
    RobinHeat,
    DirichletFluxes,
    AleExchange,
    WorstCellQuality,
    SpeciesBalance,
    EnergyBalance,
    AdiabaticBound,
)
