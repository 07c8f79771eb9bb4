"""Public API: return types, py.typed, Result at top level, to_dataframe by time, dolfinx."""

from __future__ import annotations

import inspect
import subprocess
import sys
import tomllib
import typing
from pathlib import Path

import numpy as np
import pytest

import dendrisim
from dendrisim.core import compat

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "tests" / "data" / "result_small"


def test_py_typed_is_shipped():
    assert (ROOT / "dendrisim" / "py.typed").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "py.typed" in data["tool"]["setuptools"]["package-data"]["dendrisim"]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("run", "Result"),
        ("mesh", "MeshReport"),
        ("sweep", "SweepReport"),
        ("plot", "PlotReport | SweepPlots | None"),
        ("view", "str"),
        ("load_case", "Case"),
    ],
)
def test_public_functions_have_real_return_types(name, expected):
    ann = inspect.signature(getattr(dendrisim, name)).return_annotation
    assert ann == expected or getattr(ann, "__name__", None) == expected
    assert "Any" not in str(ann)


def test_sweep_stays_the_api_function_after_the_sweep_package_is_imported():
    import dendrisim.sweep.driver  # noqa: F401 - would set dendrisim.sweep to the package
    from dendrisim.sweep import run_sweep

    assert callable(dendrisim.sweep) and dendrisim.sweep is dendrisim.api.sweep
    assert run_sweep.__module__ == "dendrisim.sweep.driver"


def test_return_annotations_resolve():
    import dendrisim.api as api

    for name in ("run", "mesh", "sweep", "plot", "view"):
        hints = typing.get_type_hints(getattr(api, name), globalns=_typing_namespace(api))
        assert hints["return"] is not typing.Any


def _typing_namespace(api):
    from dendrisim.geometry.report import MeshReport
    from dendrisim.post.plots.compare import PlotReport
    from dendrisim.sweep.driver import SweepReport

    return {
        **vars(api),
        "MeshReport": MeshReport,
        "PlotReport": PlotReport,
        "SweepReport": SweepReport,
    }


def test_result_at_top_level_and_dataframe_by_time():
    pd = pytest.importorskip("pandas")
    assert dendrisim.Result is dendrisim.io.result.Result
    r = dendrisim.Result.load(SMALL)
    df = r.to_dataframe()
    assert isinstance(df, pd.DataFrame) and df.index.name == "time_s"
    np.testing.assert_array_equal(df.index.to_numpy(), r.timeseries["time_s"])
    assert "time_s" not in df.columns and "li_retention" in df.columns
    t_last = float(r.timeseries["time_s"][-1])
    assert df.loc[t_last, "li_retention"] == r.timeseries["li_retention"][-1]


def test_plain_import_dolfinx_after_dendrisim_works():
    if not compat.fenics_available():
        pytest.skip("FEniCSx not installed")
    code = "import dendrisim, dolfinx; from petsc4py import PETSc; print(dolfinx.__version__)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().startswith("0.")


def test_dolfinx_import_error_says_what_to_do():
    msg = compat.dolfinx_import_error(
        ImportError("libmpi.so.12: cannot open shared object file: No such file or directory")
    )
    assert "import dendrisim before dolfinx" in msg and "libmpi.so.12" in msg
    other = compat.dolfinx_import_error(ImportError("No module named 'dolfinx'"))
    assert "pip install" in other and "environment.yml" in other
