"""Small report objects the API returns where a lower layer returns bare values."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class SweepPlots:
    """Trend plots written for sweep folders by :func:`dendrisim.plot`."""

    files: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(f"wrote {p}" for p in self.files) or "no trend plots written"
