"""ARC heat-wait-seek in the time loop: phase ends, detection and resumption.

docs/physics.md#arc-heat-wait-seek; the schedule itself is
:class:`dendrisim.physics.programme.HeatWaitSeek`.
"""

from __future__ import annotations

import logging
import math

log = logging.getLogger("dendrisim")


def phase_ends(sim, end_s: float) -> list[float]:
    """ARC: the phase boundaries of heat-wait-seek (the heater switches there)."""
    return sim.hws.boundaries_s(end_s) if sim.hws is not None else []


def seek_end(loop, values: dict[str, float]) -> None:
    """ARC: detect an exotherm at a seek's end; resume heat-wait-seek when it dies out.

    A self-heating rate above the threshold at the end of a seek starts the tracking: the
    heater is off and the calorimeter follows the sample adiabatically.  While tracking,
    the rate of every accepted step is compared with the threshold; below it the
    heat-wait-seek resumes from here (one heat step, wait, seek: HeatWaitSeek.resumed), so
    a stalled exotherm (the routine SEI's) is heated on to the next one.  ``arc_onset`` is
    the first detection; ``sim.exotherms_s`` and ``sim.resumes_s`` list them all.
    """
    sim = loop.sim
    if sim.hws is None:
        return
    rate = values.get("self_heating_K_min", math.nan)
    T = values["T_interface_mean_K"]
    if sim.exotherm_s is not None:
        if math.isfinite(rate) and rate < sim.hws.threshold_K_min:
            sim.hws = sim.hws.resumed(loop.t, T)
            sim.exotherm_s = None
            sim.resumes_s.append(loop.t)
            log.info(
                "ARC exotherm over (self-heating %.4g K/min) at t = %.6g s, T = %.6g K: "
                "heat-wait-seek resumes",
                rate,
                loop.t,
                T,
            )
            new = sim.hws.boundaries_s(loop.end_s)
            loop.ctrl.targets = sorted(set(loop.ctrl.targets + new))
        return
    if sim.hws.detects(loop.t, rate):
        sim.exotherm_s = loop.t
        sim.exotherms_s.append(loop.t)
        loop.occurred.setdefault("arc_onset", loop.t)
        log.info(
            "ARC exotherm detected at the end of a seek: t = %.6g s, T = %.6g K, "
            "self-heating %.4g K/min",
            loop.t,
            T,
            rate,
        )
        keep = set(loop.outputs.times + [loop.end_s])  # the heater's phases are over
        loop.ctrl.targets = [t for t in loop.ctrl.targets if t in keep]
