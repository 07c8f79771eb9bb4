"""Events as objects (dendrisim.solver.events): offline scan, definitions, the locator."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from dendrisim.config import load_case
from dendrisim.solver.events import (
    Event,
    LiExhausted,
    Onset,
    Window,
    build_events,
    heating_rates_K_min,
    scan,
)
from dendrisim.solver.locate import EventLocator, Trial


def _ts(t, T):
    return {"time_s": np.asarray(t, float), "T_interface_mean_K": np.asarray(T, float)}


def test_offline_scan_closed_form():
    # T = T0 + b t^2: the rate is 2 b t (6 t K/min); a row carries the rate of the step
    # ending there, b (t_i + t_{i-1}) = the exact rate half a step earlier
    b, t = 0.05, np.linspace(0.0, 20.0, 201)  # dt = 0.1 s
    found = scan(_ts(t, 400.0 + b * t**2), build_events())
    # onset 6 K/min would be 1.0 s exactly; rows: 5.7 K/min at 1.0 s, 6.3 at 1.1 s -> 1.05 s
    ev = scan(_ts(t, 400.0 + b * t**2), build_events().__class__([Onset(6.0)]))
    assert ev["onset"].time_s == pytest.approx(1.05) and ev["onset"].located
    # runaway 60 K/min (exact 10.0 s): between the rows at 10.0 and 10.1 s, not on the grid
    assert found["runaway"].time_s == pytest.approx(10.05)
    assert found["runaway"].T_K == pytest.approx(400.0 + b * 0.5 * (10.0**2 + 10.1**2))
    rates = heating_rates_K_min(_ts(t, 400.0 + b * t**2))
    assert math.isnan(rates[0]) and np.nanmax(rates) == pytest.approx(b * 39.9 * 60)
    assert scan(_ts(t, np.full_like(t, 400.0)), build_events()) == {}


def test_runaway_needs_a_rising_rate_above_the_threshold():
    t = np.linspace(0.0, 10.0, 101)
    # starts far above 60 K/min and relaxes: not a runaway
    decay = 400.0 + 50.0 * (1.0 - np.exp(-t))
    assert "runaway" not in scan(_ts(t, decay), build_events())
    # stays above 60 K/min (1 K/s) but the rate has a minimum at 5 s, then grows: runaway
    rise = 400.0 + 2.0 * t + 0.1 * (t - 5.0) ** 3 / 3.0
    occ = scan(_ts(t, rise), build_events())["runaway"]
    assert occ.time_s == pytest.approx(5.0, abs=0.11)


def test_definitions_and_terminal_flags_from_the_case():
    case = load_case("fig5-routine")
    ev = build_events(case)
    names = [e.name for e in ev]
    for name in ("onset", "runaway", "li_exhausted", "mesh_quality", "end_time", "diverged"):
        assert name in names and ev.definitions()[name]
    assert "interrupted" in names
    assert ev.get("runaway").terminal is case.stop.runaway_stops
    assert not ev.get("onset").terminal and ev.get("li_exhausted").terminal
    stops = build_events(case.with_overrides({"stop.runaway_stops": True})).get("runaway")
    assert stops.terminal and "60 K/min" in stops.definition
    li = LiExhausted(1e-3)
    w = Window({"li_retention": 0.5, "li_retention_from_moles": 0.0005})
    assert li.g(w) == pytest.approx(1e-3 - 0.0005)  # the lower retention counts
    assert Event.crossed(math.nan, 1.0) and Event.crossed(-1.0, 1.0)
    assert not Event.crossed(1.0, 2.0) and not Event.crossed(-1.0, 0.0)


class _LumpedSim:
    """Backward Euler of dT/dt = c + lam (T - T0) (one unknown) behind the Simulation API."""

    def __init__(self, c=0.2, lam=0.01):
        self.c, self.lam = c, lam
        self.model = SimpleNamespace(u=SimpleNamespace(x=SimpleNamespace(array=np.zeros(1))))
        self.observables = SimpleNamespace(compute=self._values)

    def solve(self, t0, dt):
        self.model.u.x.array[0] = dt * self.c / (1 - dt * self.lam)  # T - T0 after one step
        return SimpleNamespace(converged=True, iterations=1, krylov_iterations=0)

    def _values(self, t, dt, its):
        return {"time_s": t, "dt_s": dt, "T_interface_mean_K": 400.0 + self.model.u.x.array[0]}


def test_locator_brackets_the_crossing_to_1e3_of_the_step():
    sim = _LumpedSim()
    loc = EventLocator(sim)
    start = Window({"time_s": 0.0, "T_interface_mean_K": 400.0})
    ev = Onset(18.0)  # 0.3 K/s; the step rate c / (1 - lam s) reaches it at s = 100/3 s
    end = loc.trial(0.0, 50.0)
    assert ev.g(Window(end.values, start.row)) > 0
    best, s = loc.locate(ev, 0.0, start, 60 * sim.c - ev.rate, end)
    assert 100 / 3 <= s <= 100 / 3 + 1e-3 * 50.0  # the event side, within 1e-3 of the step
    assert s != pytest.approx(50.0) and best.dt_s == s and isinstance(best, Trial)
    assert ev.g(Window(best.values, start.row)) > 0
    assert loc.solves < 20
