"""The preconditioner-reuse rule (:class:`dendrisim.solver.pcreuse.PreconditionerReuse`)
on a stand-in KSP: build, keep while the Krylov count stays, rebuild when it grows by
half, after a failed solve, or for a Δt off by more than 5 %; never for a direct solve."""

from types import SimpleNamespace

from dendrisim.solver.pcreuse import PreconditionerReuse


class FakePC:
    def __init__(self):
        self.reuse = None

    def setReusePreconditioner(self, flag):
        self.reuse = flag

    def getType(self):
        return "gamg"

    def getMGLevels(self):
        return 3


class FakeKSP:
    def __init__(self, kind="gmres"):
        self.kind, self.pc, self.its, self.reason = kind, FakePC(), 0, 2
        self.pre = self.post = None

    def getType(self):
        return self.kind

    def getPC(self):
        return self.pc

    def setPreSolve(self, fn):
        self.pre = fn

    def setPostSolve(self, fn):
        self.post = fn

    def getIterationNumber(self):
        return self.its

    def getConvergedReason(self):
        return self.reason

    def getTolerances(self):
        return 1e-10, 1e-14, 1e5, 500

    def setTolerances(self, max_it):
        self.max_it = max_it

    def solve(self, its, reason=2):
        """A linear solve: returns True if the preconditioner was rebuilt for it."""
        self.pre(self, None, None)
        rebuilt = not self.pc.reuse
        self.its, self.reason = its, reason
        self.post(self, None, None)
        return rebuilt


def _reuse(kind="gmres"):
    ksp = FakeKSP(kind)
    model = SimpleNamespace(step_weights=(0.1, 0.0))
    snes = SimpleNamespace(getKSP=lambda: ksp)
    return PreconditionerReuse(snes, model), ksp, model


def test_rebuilds_only_when_the_krylov_count_grows_or_a_solve_fails():
    r, ksp, model = _reuse()
    assert ksp.solve(10)  # first: built
    assert r.levels == 3
    assert not ksp.solve(12) and not ksp.solve(15)  # within 1.5x: kept
    assert not ksp.solve(16)  # 16 > 15: grown, so the next solve rebuilds
    assert ksp.solve(10)
    assert not ksp.solve(500, reason=-3)  # a failed solve with the kept one ...
    assert ksp.solve(10)  # ... is followed by a rebuild
    model.step_weights = (0.098, 0.3)  # a step 2 % shorter (and BDF2): kept
    assert not ksp.solve(10)
    assert ksp.max_it == 30  # a kept preconditioner gets max(3 base, base + 20) iterations
    model.step_weights = (0.09, 0.3)  # 10 % off the step of the build: rebuilt
    assert ksp.solve(10)
    assert ksp.max_it == 500
    assert (r.builds, r.reuses) == (4, 5)


def test_small_counts_get_slack_and_direct_solves_are_left_alone():
    r, ksp, _ = _reuse()
    ksp.solve(2)
    assert not ksp.solve(7) and not ksp.solve(7)  # 2 -> 7: within the slack of 5
    r, ksp, _ = _reuse("preonly")
    assert not r.enabled and ksp.pre is None


def test_reuse_off_rebuilds_every_solve_and_still_counts():
    ksp = FakeKSP()
    model = SimpleNamespace(step_weights=(0.1, 0.0))
    r = PreconditionerReuse(SimpleNamespace(getKSP=lambda: ksp), model, enabled=False)
    assert ksp.solve(10) and ksp.solve(10)
    assert (r.builds, r.reuses, r.levels) == (2, 0, 3)
