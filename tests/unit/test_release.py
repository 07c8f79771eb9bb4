"""Release metadata: one version (package metadata), `dendrisim --version`, CITATION.cff."""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

import pytest

import dendrisim
from dendrisim.cli.app import main
from dendrisim.core.version import package_version

ROOT = Path(__file__).resolve().parents[2]


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


def test_version_is_the_package_metadata():
    try:
        meta = metadata.version("dendrisim")
    except metadata.PackageNotFoundError:  # uninstalled tree: pyproject is the metadata
        meta = _pyproject_version()
    assert dendrisim.__version__ == package_version() == meta == _pyproject_version()


def test_cli_version_prints_the_metadata(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"dendrisim {package_version()}"


def test_version_typed_in_one_place_only():
    init = (ROOT / "dendrisim" / "__init__.py").read_text()
    assert f'"{_pyproject_version()}"' not in init


def test_citation_cff_validates_and_has_the_version():
    cffconvert = pytest.importorskip("cffconvert", reason="dev extra: pip install -e '.[dev]'")
    import yaml  # a cffconvert dependency

    text = (ROOT / "CITATION.cff").read_text()
    cffconvert.Citation(text).validate()  # raises jsonschema.ValidationError if invalid
    data = yaml.safe_load(text)
    assert str(data["version"]) == _pyproject_version()
    assert data["preferred-citation"]["journal"] == "Advanced Materials"


def test_citation_validation_can_fail():
    cffconvert = pytest.importorskip("cffconvert")
    import jsonschema

    text = (ROOT / "CITATION.cff").read_text() + "not-a-cff-key: 1\n"
    with pytest.raises(jsonschema.ValidationError):
        cffconvert.Citation(text).validate()
