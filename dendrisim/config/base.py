"""Shared base for config sections: frozen, strict, unknown keys refused."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    """A validated, immutable case-file section (SI units unless the key says otherwise)."""

    # allow_inf_nan=False: inf, -inf and nan are refused for every float key
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, validate_default=True, allow_inf_nan=False
    )


def read_utf8(path: Path, what: str = "case") -> str:
    """The text of a TOML input file; one clear line (ValueError) for binary or non-UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the {what} file ({exc.strerror})") from None
    if b"\0" in data:
        raise ValueError(f"{path} is a binary file, not a TOML {what} file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            f"save the {what} file as UTF-8"
        ) from None
