"""The package version, from one source: the ``version`` in pyproject.toml.

Installed (``pip install -e .`` or a wheel), it is read from the package metadata with
:mod:`importlib.metadata`; in an uninstalled source tree (``PYTHONPATH=.``) it is read
from the ``pyproject.toml`` beside the package.  Nothing else in the repository types
the version number.
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def package_version() -> str:
    """The dendrisim version (package metadata; pyproject.toml when not installed)."""
    try:
        return metadata.version("dendrisim")
    except metadata.PackageNotFoundError:
        pass
    try:
        return str(tomllib.loads(_PYPROJECT.read_text())["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0+unknown"
