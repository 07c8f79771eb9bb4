"""Stop rules and events of a run as objects: one definition each (docs/architecture.md).

Pure Python + numpy (no dolfinx): the live run (:mod:`dendrisim.solver.simulation`) and
the offline analysis of a results folder (:func:`scan`, used by
:func:`dendrisim.io.result.summarize`) share these objects, so an event means the same
number in both.

A *threshold event* has a value function ``g(window)`` of the time-series rows (a row is a
dict column -> value, see :class:`Window`): the event happens where ``g`` rises through 0
(from ``g <= 0`` to ``g > 0``; ``nan`` means "not defined yet", e.g. a heating rate before
the first step).  The live run *locates* the crossing of a ``located`` event inside the step
that crossed it (the step is re-solved from its start with shorter Δt, Illinois method, to
1e-3 of the step): a *terminal* event ends the run at the crossing; a non-terminal event is
only recorded and the stored time series stays as it was.  Offline, the crossing between two
stored rows is interpolated linearly in time.  *Solver events* (diverged, dt_too_small,
interrupted) have no ``g``: the time loop raises them.

The heating rate of a row is the backward-Euler rate of its step, i.e. the rate at the end
of the step: (T_i - T_{i-1}) / (t_i - t_{i-1}) of the interface-mean temperature
``T_interface_mean_K``, in K/min (ARC practice, docs/physics.md#equations).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from dendrisim.config.physics import StopConfig
from dendrisim.core.units import K_per_s_to_K_per_min

Row = Mapping[str, float]

# The defaults of [stop] (ARC practice, docs/physics.md#stop-rules), for scans without a case.
_STOP = StopConfig.model_fields
DEFAULT_ONSET_K_PER_MIN: float = _STOP["onset_K_per_min"].default
DEFAULT_RUNAWAY_K_PER_MIN: float = _STOP["runaway_K_per_min"].default
DEFAULT_LI_EXHAUSTED_RETENTION: float = _STOP["li_exhausted_retention"].default
NAN = math.nan


@dataclass(frozen=True)
class Window:
    """The rows an event looks at: the end of a step, its start and the row before that.

    Live: ``row`` is the (trial) state at the end of the step, ``prev`` the accepted state
    at its start.  Offline: three consecutive stored rows.  Missing rows are None.
    """

    row: Row
    prev: Row | None = None
    prev2: Row | None = None


def heating_rate_K_min(row: Row, prev: Row | None) -> float:
    """Backward-Euler heating rate of the step prev -> row of ``T_interface_mean_K`` [K/min].

    NaN without a previous row or for a zero-length step.
    """
    if prev is None:
        return NAN
    dt = row["time_s"] - prev["time_s"]
    if not dt > 0:
        return NAN
    return K_per_s_to_K_per_min((row["T_interface_mean_K"] - prev["T_interface_mean_K"]) / dt)


class Event:
    """A named event; subclasses give ``g`` (threshold events) and the definition text.

    Attributes:
        name: short key (the manifest's ``stop_reason`` for a terminal event).
        terminal: True if the run stops when it happens.
        located: True if the live run locates the crossing inside a step.
        label: a few words for plots ("Li exhausted").
    """

    name = "event"
    label = "event"
    terminal = True
    located = False

    @property
    def definition(self) -> str:
        """One sentence: when the event happens (shown beside its numbers)."""
        return self.__doc__.strip().splitlines()[0] if self.__doc__ else self.name

    def g(self, w: Window) -> float:
        """Value whose rise through 0 is the event (NaN: undefined; solver events: NaN)."""
        return NAN

    def message(self, time_s: float, row: Row) -> str:
        """The log line when the event happens at ``time_s`` [s] (``row``: the values then)."""
        return f"{self.label} at t = {time_s:.6g} s"

    @staticmethod
    def crossed(g_start: float, g_end: float) -> bool:
        """True if ``g`` rose through 0 over a step (an undefined start counts as below)."""
        return g_end > 0 and not g_start > 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, terminal={self.terminal})"


class EndTime(Event):
    """The end time ``time.end_s`` is reached."""

    name, label = "end_time", "end time"

    def __init__(self, end_s: float):
        self.end_s = end_s

    def g(self, w: Window) -> float:
        """Time minus the end time (the step controller lands on the end time exactly)."""
        return w.row["time_s"] - self.end_s * (1 - 1e-12)


class LiExhausted(Event):
    """The dendrite Li retention falls to ``stop.li_exhausted_retention``."""

    name, label, located = "li_exhausted", "Li exhausted", True

    def __init__(self, retention: float = DEFAULT_LI_EXHAUSTED_RETENTION):
        self.retention = retention

    @property
    def definition(self) -> str:
        """Retention threshold, the lower of the volume- and mole-based values."""
        return (
            f"Li exhausted: the dendrite Li retention (the lower of li_retention and "
            f"li_retention_from_moles) falls to {self.retention:g}; the run ends at the "
            "crossing"
        )

    def g(self, w: Window) -> float:
        """The threshold minus the retention."""
        vals = [w.row.get(k, NAN) for k in ("li_retention", "li_retention_from_moles")]
        vals = [v for v in vals if not math.isnan(v)]
        return self.retention - min(vals) if vals else NAN


def quadratic_rates_K_min(w: Window) -> tuple[float, float]:
    """(rate at ``w.row``, rate at ``w.prev``) [K/min] from the quadratic through 3 rows.

    The derivatives of the quadratic interpolant of ``T_interface_mean_K`` through
    ``prev2``, ``prev`` and ``row``: at the newest row this is BDF2's own derivative
    (second order, where the difference quotient of the last step is first order).
    NaN without three rows of distinct times.
    """
    if w.prev is None or w.prev2 is None:
        return NAN, NAN
    t0, t1, t2 = (r["time_s"] for r in (w.prev2, w.prev, w.row))
    y0, y1, y2 = (r["T_interface_mean_K"] for r in (w.prev2, w.prev, w.row))
    if not (t0 < t1 < t2):
        return NAN, NAN

    def dq(t: float) -> float:
        return (
            y0 * (2 * t - t1 - t2) / ((t0 - t1) * (t0 - t2))
            + y1 * (2 * t - t0 - t2) / ((t1 - t0) * (t1 - t2))
            + y2 * (2 * t - t0 - t1) / ((t2 - t0) * (t2 - t1))
        )

    return K_per_s_to_K_per_min(dq(t2)), K_per_s_to_K_per_min(dq(t1))


SELF_HEATING = "self_heating_K_min"  # an ARC run's own rate (observables/calorimetry.py)


def _rates_K_min(w: Window, order: int) -> tuple[float, float]:
    """(rate at the end of the step, at its start): order 1 difference quotients, 2 quadratic.

    A row with the ARC column ``self_heating_K_min`` gives that rate instead (the heating
    rate without the heater's share, docs/physics.md#temperature-programmes).
    """
    if SELF_HEATING in w.row:
        return w.row[SELF_HEATING], (w.prev.get(SELF_HEATING, NAN) if w.prev else NAN)
    if order == 2 and w.prev2 is not None:
        return quadratic_rates_K_min(w)
    r = heating_rate_K_min(w.row, w.prev)
    return r, (heating_rate_K_min(w.prev, w.prev2) if w.prev is not None else NAN)


class Runaway(Event):
    """Thermal runaway: the heating rate is above the runaway rate and rising."""

    name, label, located = "runaway", "runaway", True

    def __init__(
        self, rate_K_per_min: float = DEFAULT_RUNAWAY_K_PER_MIN, stops: bool = True, order: int = 1
    ):
        self.rate = rate_K_per_min
        self.terminal = stops
        self.order = order  # 2: rates from the quadratic through three rows (BDF2)

    @property
    def definition(self) -> str:
        """Rate threshold and the accelerating condition."""
        return (
            "thermal runaway: the heating rate of the interface-mean temperature (the rate "
            "at the end of a step: backward Euler's difference quotient, or with BDF2 the "
            "derivative of the quadratic through the last three rows) is above "
            f"{self.rate:g} K/min and rising "
            "(above the rate of the step before; a rate that starts high and decays is not a "
            "runaway); located to 1e-3 of the step"
            + ("; the run stops" if self.terminal else "; the run goes on")
        )

    def g(self, w: Window) -> float:
        """The lower of rate - R and rate - previous rate [K/min]; NaN before two steps."""
        r, r_prev = _rates_K_min(w, self.order)
        if math.isnan(r) or math.isnan(r_prev):
            return NAN
        return min(r - self.rate, r - r_prev)


class Onset(Event):
    """Self-heating onset: the heating rate rises above the onset rate."""

    name, label, terminal, located = "onset", "onset", False, True

    def __init__(self, rate_K_per_min: float = DEFAULT_ONSET_K_PER_MIN, order: int = 1):
        self.rate = rate_K_per_min
        self.order = order  # 2: the rate from the quadratic through three rows (BDF2)

    @property
    def definition(self) -> str:
        """Rate threshold."""
        return (
            "self-heating onset: the heating rate of the interface-mean temperature (backward "
            f"Euler, the rate at the end of a step) rises above {self.rate:g} K/min; recorded "
            "only (located to 1e-3 of the step, except in the first step, where the rate "
            "before is not defined)"
        )

    def g(self, w: Window) -> float:
        """The heating rate minus the onset rate [K/min]."""
        return _rates_K_min(w, self.order)[0] - self.rate


class MeshQuality(Event):
    """The worst cell quality of the moving mesh falls below ``interface.min_quality``."""

    name, label = "mesh_quality", "mesh quality"

    def __init__(self, min_quality: float):
        self.min_quality = min_quality

    def g(self, w: Window) -> float:
        """The minimum quality minus the worst cell quality (NaN on a fixed mesh)."""
        return self.min_quality - w.row.get("mesh_quality_min", NAN)

    def message(self, time_s: float, row: Row) -> str:
        """Names the quality reached and the limit."""
        return (
            f"mesh quality {row.get('mesh_quality_min', NAN):.3g} below interface.min_quality "
            f"= {self.min_quality:g} at t = {time_s:.6g} s: stopping"
        )


class Diverged(Event):
    """Newton did not converge even at ``time.dt_min_s``."""

    name, label = "diverged", "diverged"


class DtTooSmall(Event):
    """The time step fell below ``time.dt_min_s`` (temperature changes too fast)."""

    name, label = "dt_too_small", "dt too small"


class Interrupted(Event):
    """The run was interrupted (Ctrl-C); the results so far are kept."""

    name, label = "interrupted", "interrupted"


# stops that finish a run successfully (the others mark it failed)
VALID_STOPS = (EndTime.name, Runaway.name, LiExhausted.name)
SOLVER_EVENTS = (Diverged(), DtTooSmall(), Interrupted())


@dataclass
class EventSet:
    """The events of a run, in the order they are checked."""

    events: list[Event] = field(default_factory=list)

    def __iter__(self):
        return iter(self.events)

    def get(self, name: str) -> Event | None:
        """The event called ``name`` (or None)."""
        return next((e for e in self.events if e.name == name), None)

    def threshold(self) -> list[Event]:
        """Events with a value function, in order."""
        return [e for e in self.events if type(e).g is not Event.g]

    def definitions(self) -> dict[str, str]:
        """{name: definition} of every event (for tables and docs)."""
        return {e.name: e.definition for e in self.events}


def build_events(case=None) -> EventSet:
    """The events of ``case`` ([time], [stop], [interface]); defaults without a case."""
    if case is None:
        return EventSet([Onset(), Runaway(stops=True), LiExhausted(), *SOLVER_EVENTS])
    st = case.stop
    order = 2 if case.time.scheme == "bdf2" else 1  # the heating rate of the scheme
    return EventSet(
        [
            Onset(st.onset_K_per_min, order),
            Runaway(st.runaway_K_per_min, stops=st.runaway_stops, order=order),
            LiExhausted(st.li_exhausted_retention),
            MeshQuality(case.interface.min_quality),
            EndTime(case.time.end_s),
            *SOLVER_EVENTS,
        ]
    )


@dataclass(frozen=True)
class Occurrence:
    """When an event happened [s] and the interface-mean temperature then [K]."""

    time_s: float
    T_K: float = NAN
    located: bool = False  # True: interpolated or located inside a step


def _rows(ts: Mapping[str, np.ndarray]) -> list[dict[str, float]]:
    cols = list(ts)
    n = min((len(ts[c]) for c in cols), default=0)
    return [{c: float(ts[c][i]) for c in cols} for i in range(n)]


def _at(rows: Sequence[Row], i: int, g0: float, g1: float) -> Occurrence:
    """Occurrence between rows i-1 and i by linear interpolation of g (row i if undefined)."""
    r1 = rows[i]
    if i == 0 or math.isnan(g0) or g1 == g0:
        return Occurrence(r1["time_s"], r1.get("T_interface_mean_K", NAN), False)
    r0 = rows[i - 1]
    f = min(max(-g0 / (g1 - g0), 0.0), 1.0)
    t = r0["time_s"] + f * (r1["time_s"] - r0["time_s"])
    T0, T1 = r0.get("T_interface_mean_K", NAN), r1.get("T_interface_mean_K", NAN)
    return Occurrence(t, T0 + f * (T1 - T0), True)


def first_occurrence(event: Event, rows: Sequence[Row]) -> Occurrence | None:
    """The first rise of ``event.g`` through 0 over stored rows (None: never)."""
    g_prev = NAN
    for i, row in enumerate(rows):
        w = Window(row, rows[i - 1] if i else None, rows[i - 2] if i > 1 else None)
        g = event.g(w)
        if event.crossed(g_prev, g):
            return _at(rows, i, g_prev, g)
        g_prev = g
    return None


def scan(ts: Mapping[str, np.ndarray], events: EventSet) -> dict[str, Occurrence]:
    """Offline analysis of a time series: {event name: first occurrence} (threshold events)."""
    rows = _rows(ts)
    out = {}
    for e in events.threshold():
        occ = first_occurrence(e, rows)
        if occ is not None:
            out[e.name] = occ
    return out


def heating_rates_K_min(ts: Mapping[str, np.ndarray]) -> np.ndarray:
    """The heating rate of every stored row [K/min] (NaN for the first)."""
    rows = _rows(ts)
    return np.array(
        [heating_rate_K_min(r, rows[i - 1] if i else None) for i, r in enumerate(rows)], float
    )


def stop_labels() -> dict[str, str]:
    """{stop reason: a few words} of every stop except the end time (for plots)."""
    kinds = (Runaway, LiExhausted, DtTooSmall, Diverged, MeshQuality, Interrupted)
    return {k.name: k.label for k in kinds}
