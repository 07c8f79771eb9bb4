"""Shared base for config sections: frozen, strict, unknown keys refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A validated, immutable case-file section (SI units unless the key says otherwise)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_default=True)
