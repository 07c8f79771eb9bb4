"""Case configuration: TOML -> validated, frozen, SI objects (docs/architecture.md#case-keys)."""

from dendrisim.config.case import (
    Case,
    apply_overrides,
    builtin_case_names,
    builtin_case_text,
    load_case,
    validate_case,
)

__all__ = [
    "Case",
    "apply_overrides",
    "builtin_case_names",
    "builtin_case_text",
    "load_case",
    "validate_case",
]
