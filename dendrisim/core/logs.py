"""Console logging of the ``dendrisim`` logger and whether progress displays are shown.

Progress and messages go to stderr, results to stdout, so ``dendrisim check c.toml >
resolved.toml`` and pipes stay clean.  :func:`set_log_level` (``dendrisim.set_log_level``,
the CLI's ``-v``/``-q``) installs one stderr handler on rank 0; other ranks stay silent.
Without it, the library adds no handler (Python shows warnings and errors only).
"""

from __future__ import annotations

import logging
import sys

from dendrisim.core import parallel

LOGGER = "dendrisim"
_NAMES = {
    "quiet": logging.WARNING,
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
_state: dict[str, object] = {"handler": None, "progress": True}
# a log record with this attribute set (``extra={FILE_ONLY: True}``) goes to log.txt only
FILE_ONLY = "dendrisim_file_only"


class _StderrHandler(logging.StreamHandler):
    """Writes to the *current* ``sys.stderr`` (pytest and notebooks replace it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(record, FILE_ONLY, False):  # e.g. an error the CLI prints itself
            return
        self.stream = sys.stderr
        super().emit(record)


def parse_level(level: int | str) -> int:
    """A logging level from an int or a name (``"debug"``, ``"info"``, ``"quiet"``, ...)."""
    if isinstance(level, int) and not isinstance(level, bool):
        return level
    key = str(level).strip().lower()
    if key not in _NAMES:
        from dendrisim.core.errors import DendrisimError

        raise DendrisimError(
            f"log level {level!r}: allowed are {', '.join(_NAMES)} or a logging level number"
        )
    return _NAMES[key]


def set_log_level(level: int | str = "info", progress: bool | None = None) -> int:
    """Show ``dendrisim`` messages of ``level`` and above on stderr (rank 0 only).

    ``level``: ``"debug"`` (every Newton step), ``"info"`` (stop reasons, remeshing,
    located events: the CLI's default), ``"warning"``/``"quiet"``, ``"error"``, or a
    :mod:`logging` number.  ``progress``: show progress bars/lines (default: unless the
    level is above ``info``).  Returns the numeric level.
    """
    num = parse_level(level)
    log = logging.getLogger(LOGGER)
    handler = _state["handler"]
    if handler is None:
        handler = _StderrHandler() if parallel.is_root() else logging.NullHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        _state["handler"] = handler
    assert isinstance(handler, logging.Handler)
    handler.setLevel(num)
    log.setLevel(num)
    _state["progress"] = num <= logging.INFO if progress is None else bool(progress)
    return num


def progress_enabled() -> bool:
    """False after ``set_log_level`` above ``info`` (``-q``) or with ``progress=False``."""
    return bool(_state["progress"])
