"""Adaptive Δt: growth, cuts, landing on output times, giving up."""

from dendrisim.solver.stepsize import StepController


def test_lands_exactly_on_targets():
    targets = [0.5, 1.0]
    c = StepController(dt=0.3, dt_min=1e-9, dt_max=1.0, max_dT_K=2.0, targets=targets)
    t, seen = 0.0, []
    while t < 1.0 - 1e-15:
        dt = c.next_dt(t)
        t += dt
        seen.append(t)
        c.accepted(2, 0.1)
    assert any(abs(s - 0.5) < 1e-15 for s in seen)
    assert abs(seen[-1] - 1.0) < 1e-15
    assert targets == [0.5, 1.0]  # caller's list untouched


def test_grow_shrink_reject_and_give_up():
    c = StepController(dt=1e-3, dt_min=1e-4, dt_max=1e-2, max_dT_K=2.0)
    c.accepted(2, 0.1)
    assert abs(c.dt - 1.5e-3) < 1e-15
    c.accepted(15, 0.1)
    assert abs(c.dt - 1.05e-3) < 1e-15
    assert c.too_hot(1e-3, 4.0) and abs(c.dt - 0.35e-3) < 1e-15
    assert not c.too_hot(1e-3, 1.0)
    c.diverged(1.5e-4)
    assert c.gave_up()


def test_no_sliver_step_below_dt_min():
    # a target a hair ahead (less than dt_min) is stepped over by dt_min, never a 1e-30 step
    c = StepController(dt=0.3, dt_min=1e-9, dt_max=1.0, max_dT_K=2.0, targets=[1.0, 2.0])
    assert c.next_dt(1.0 - 5e-10) >= 1e-9
    # a step that would leave a sliver before the target takes the target instead
    assert c.next_dt(0.7 - 1e-9 + 5e-11) == (1.0 - (0.7 - 1e-9 + 5e-11))


def test_every_rule_that_cuts_dt_names_itself_and_gives_up():
    c = StepController(dt=1e-3, dt_min=1e-6, dt_max=1e-2, max_dT_K=2.0)
    c.limit_error(1e-3, rate_jump=1.0, allowed_jump=1e-6)
    assert c.gave_up() and "consumed_error_tol" in c.limited_by
    c = StepController(dt=1e-3, dt_min=1e-6, dt_max=1e-2, max_dT_K=2.0)
    c.limit_motion(1e-3, motion=1e4, max_motion=0.1)
    assert c.gave_up() and "max_motion" in c.limited_by
