"""Wall-clock timings of the parts of a run [s] (a dict with a timing context manager)."""

from __future__ import annotations

import time
from contextlib import contextmanager


class Timings(dict):
    """{part: seconds}; ``with timings.part("newton"): ...`` adds the elapsed time."""

    def add(self, part: str, seconds: float) -> None:
        """Add ``seconds`` to ``part``."""
        self[part] = self.get(part, 0.0) + seconds

    @contextmanager
    def part(self, name: str):
        """Time the block into ``name``."""
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t0)
