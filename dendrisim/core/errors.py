"""Exceptions that carry a user-readable message (no traceback shown by the CLI)."""

from __future__ import annotations


class DendrisimError(Exception):
    """Base class: the message is meant for the user as it is."""

    exit_code = 1


class DendrisimWarning(UserWarning):
    """A warning meant for the user as it is (the CLI prints it as one line)."""


class CaseError(DendrisimError):
    """Invalid case input: names the key path, the value and what is allowed."""

    exit_code = 2

    def __init__(self, problems: list[str] | str, source: str | None = None):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.source = source
        head = f"invalid case {source}" if source else "invalid case"
        if len(self.problems) == 1:
            msg = f"{head}: {self.problems[0]}"
        else:
            msg = head + ":\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(msg)


class MeshError(DendrisimError):
    """A mesh file or model that cannot be used (missing groups, empty, inverted)."""

    exit_code = 2


class GeometryError(CaseError):
    """Geometry parameters that cannot be built; raised before gmsh runs."""


class ResultsExistError(DendrisimError):
    """A finished result would be overwritten without --force."""

    exit_code = 2


class OutputError(DendrisimError):
    """The environment refuses a write: disk full, read-only, no permission, not a folder."""

    exit_code = 3


class MissingDependencyError(DendrisimError):
    """An optional dependency is needed for the requested action."""

    exit_code = 2


class NotBuiltYetError(DendrisimError):
    """A capability that the design names but that has not been built yet."""

    exit_code = 3


class SimulationError(DendrisimError):
    """A run that ended without reaching a valid stop (diverged, dt too small, ...)."""

    exit_code = 1


class RunInterrupted(DendrisimError):
    """A run ended by SIGINT/SIGTERM; exit 128 + the signal (130, 143), results kept."""

    def __init__(self, message: str, exit_code: int = 130):
        super().__init__(message)
        self.exit_code = exit_code


class ResumeError(DendrisimError):
    """A run cannot be resumed (no checkpoint, a finished run, another case)."""

    exit_code = 2
