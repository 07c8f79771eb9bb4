"""Fig. 5d figure and summary tables on the stored small result (+ a synthetic second case)."""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from dendrisim import api  # noqa: E402
from dendrisim.cli.app import main  # noqa: E402
from dendrisim.config import load_case  # noqa: E402
from dendrisim.core.errors import DendrisimError  # noqa: E402
from dendrisim.io.result import SUMMARY_COLUMNS, Result  # noqa: E402
from dendrisim.post.plots import compare, fig5  # noqa: E402
from dendrisim.post.plots.style import CASE_COLORS, case_colors  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
SMALL = DATA / "result_small"


def _maker():
    spec = importlib.util.spec_from_file_location(
        "make_result_small", DATA / "make_result_small.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def stable(tmp_path_factory) -> Path:
    """A second result (fig5-stable, time series only) made by the same generator."""
    out = tmp_path_factory.mktemp("stable") / "fig5-stable"
    return _maker().write_result(out, load_case("fig5-stable"), fields=False)


def _is_png(p: Path) -> bool:
    return p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 20_000


def test_plot_writes_figures_and_tables(tmp_path, stable):
    rep = api.plot([SMALL, stable], out=tmp_path / "cmp", formats="png,svg,pdf")
    names = sorted(p.name for p in rep.files)
    assert names == ["fig5d.pdf", "fig5d.png", "fig5d.svg", "summary.csv", "summary.md"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in rep.files)
    assert _is_png(tmp_path / "cmp" / "fig5d.png")
    assert "<svg" in (tmp_path / "cmp" / "fig5d.svg").read_text("utf-8")[:500]
    assert (tmp_path / "cmp" / "fig5d.pdf").read_bytes()[:5] == b"%PDF-"


def test_summary_csv_equals_the_time_series(tmp_path, stable):
    api.plot([SMALL, stable], out=tmp_path)
    with open(tmp_path / "summary.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(SUMMARY_COLUMNS)
    for row, folder, name in zip(
        rows, (SMALL, stable), ("fig5-routine", "fig5-stable"), strict=True
    ):
        ts = Result.load(folder).timeseries
        assert row["case"] == name
        assert float(row["t_end_s"]) == ts["time_s"][-1]
        assert float(row["li_retention_end_pct"]) == 100.0 * ts["li_retention"][-1]
        assert float(row["T_interface_end_K"]) == ts["T_interface_mean_K"][-1]
        assert float(row["T_interface_peak_K"]) == ts["T_interface_max_K"].max()
        assert float(row["li_consumed_end_mol"]) == ts["li_consumed_mol"][-1]
    assert rows[0]["stop_reason"] == "runaway" and float(rows[0]["runaway_time_s"]) > 0
    assert rows[1]["stop_reason"] == "end_time" and rows[1]["runaway_time_s"] == ""
    md = (tmp_path / "summary.md").read_text("utf-8")
    ret = 100.0 * Result.load(SMALL).timeseries["li_retention"][-1]
    assert "| fig5-routine | runaway |" in md and f"{ret:.2f}" in md
    assert md.count("\n|") == 3  # header, rule, 2 rows -> 3 line starts after the first


def test_figure_lines_are_the_data_with_case_colours(stable, tmp_path):
    rep = api.plot([SMALL, stable], out=tmp_path)
    fig = rep.figure
    ret_ax, temp_ax = fig.axes[:2]
    labels = [t.get_text() for t in ret_ax.get_legend().get_texts()]
    assert labels == ["fig5-routine", "fig5-stable"]
    routine = [ln for ln in ret_ax.get_lines() if ln.get_label() == "fig5-routine"][0]
    ts = Result.load(SMALL).timeseries
    np.testing.assert_array_equal(routine.get_ydata(), 100.0 * ts["li_retention"])
    assert matplotlib.colors.to_hex(routine.get_color()) == CASE_COLORS["fig5-routine"]
    assert ret_ax.get_ylabel() == "Li retention [%]"
    assert temp_ax.get_ylabel() == "interface temperature [K]"
    assert temp_ax.get_xlabel() == "time [s]" and temp_ax.get_xlim() == (0.0, 9.0)
    t_lines = [ln for ln in temp_ax.get_lines() if ln.get_label() == "fig5-routine"]
    np.testing.assert_array_equal(t_lines[0].get_ydata(), ts["T_interface_mean_K"])


def test_draw_into_user_axes_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fig, ax = plt.subplots()
    rep = api.plot([SMALL], ax=ax)
    assert rep.files == [] and rep.figure is fig
    assert len(fig.axes) == 2  # twin axis for the temperature
    assert any(ln.get_linestyle() == "--" for ln in fig.axes[1].get_lines())
    fig2, (a, b) = plt.subplots(2, 1)
    api.plot([Result.load(SMALL)], ax=(a, b))
    assert a.get_ylabel() == "Li retention [%]" and len(b.get_lines()) >= 1
    plt.close("all")
    assert not list(tmp_path.iterdir())


def test_out_file_and_default_folder(tmp_path, stable):
    rep = api.plot([stable], out=tmp_path / "f.pdf")
    assert sorted(p.name for p in rep.files) == ["f.pdf", "f_summary.csv", "f_summary.md"]
    rep = api.plot([stable])  # default: <dir>/figures
    assert all(p.parent == stable / "figures" for p in rep.files)
    with pytest.raises(DendrisimError, match="allowed png, svg, pdf"):
        api.plot([stable], out=tmp_path, formats="jpg")
    with pytest.raises(DendrisimError, match="no such results folder"):
        api.plot([tmp_path / "missing"])


def test_sweep_folder_goes_to_the_sweep_hook(tmp_path, monkeypatch):
    (tmp_path / "summary.csv").write_text("case,status\n", encoding="utf-8")
    calls = []
    png = tmp_path / "trend.png"
    monkeypatch.setattr(compare, "plot_sweep_folder", lambda f, out: calls.append(f) or [png])
    rep = api.plot([tmp_path])
    assert rep.files == [png] and calls == [tmp_path]
    assert str(rep) == f"wrote {png}"  # not a raw [[PosixPath(...)]]


def test_case_colours_stable_and_distinct():
    names = [f"case-{i}" for i in range(6)]
    a = case_colors(names)
    assert len(set(a.values())) == 6 and a == case_colors(names)  # distinct, deterministic
    both = case_colors(["fig5-stable", "fig5-routine"])
    assert both == {
        "fig5-stable": CASE_COLORS["fig5-stable"],
        "fig5-routine": CASE_COLORS["fig5-routine"],
    }
    mixed = case_colors(["x", "fig5-routine"])
    assert mixed["x"] != mixed["fig5-routine"]


def test_cli_plot(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["plot", str(SMALL), "-o", str(tmp_path), "--format", "png"])
    assert exc.value.code in (0, None)
    out = capsys.readouterr().out
    assert "fig5d.png" in out and "| fig5-routine |" in out
    assert _is_png(tmp_path / "fig5d.png")


@pytest.mark.mpi
def test_plot_under_mpi_writes_once_from_rank_0():
    import shutil
    import tempfile

    from dendrisim.core import parallel

    path = Path(parallel.on_root(lambda: tempfile.mkdtemp(prefix="dendrisim-plot-")))
    rep = api.plot([SMALL], out=path, formats="png")
    if parallel.is_root():
        assert sorted(p.name for p in rep.files) == ["fig5d.png", "summary.csv", "summary.md"]
    else:
        assert rep is None
    assert (path / "fig5d.png").is_file()  # on_root returned after rank 0 wrote it
    parallel.barrier()
    if parallel.is_root():
        shutil.rmtree(path, ignore_errors=True)


def _legend_matches_artists(ax) -> list[str]:
    """Legend texts; each names an artist drawn on ``ax`` with the same marker and style."""
    leg = ax.get_legend()
    texts = [t.get_text() for t in leg.get_texts()]
    drawn = [ln for ln in ax.get_lines() if ln.get_visible() and len(ln.get_xdata())]
    for handle, text in zip(leg.legend_handles, texts, strict=True):
        same = [
            ln
            for ln in drawn
            if ln.get_linestyle() == handle.get_linestyle()
            and ln.get_marker() == handle.get_marker()
            and (ln.get_label() == text or ln.get_label().startswith("_bound"))
        ]
        assert same, f"legend entry {text!r} has no drawn artist"
    return texts


def test_legend_shows_only_what_is_drawn_and_the_bound_is_visible(stable, tmp_path):
    rep = api.plot([SMALL, stable], out=tmp_path)
    ret_ax, temp_ax = rep.figure.axes[:2]
    assert _legend_matches_artists(ret_ax) == ["fig5-routine", "fig5-stable"]
    assert _legend_matches_artists(temp_ax) == [fig5.BOUND_LABEL]
    bounds = [ln for ln in temp_ax.get_lines() if ln.get_label().startswith("_bound")]
    curves = {ln.get_label(): ln for ln in temp_ax.get_lines()}
    assert len(bounds) == 2
    for b in bounds:  # open markers above the curve it coincides with: visible
        curve = curves[b.get_label().removeprefix("_bound ")]
        assert b.get_marker() == "o" and b.get_linestyle() == "None"
        assert b.get_zorder() > curve.get_zorder()
        assert b.get_markeredgecolor() == curve.get_color()
    rep = api.plot([SMALL], out=tmp_path / "nb", adiabatic_bound=False)
    temp_ax = rep.figure.axes[1]
    assert temp_ax.get_legend() is None  # nothing to explain
    assert not [ln for ln in temp_ax.get_lines() if ln.get_marker() == "o"]


def test_labels_replace_the_case_names(stable, tmp_path, capsys):
    rep = api.plot([SMALL, stable], out=tmp_path, labels=["L/D = 10", "L/D = 1"])
    ret_ax = rep.figure.axes[0]
    assert _legend_matches_artists(ret_ax) == ["L/D = 10", "L/D = 1"]
    fig, ax = plt.subplots()
    api.plot([SMALL, stable], ax=ax, labels=["thin", "thick"])
    assert [t.get_text() for t in ax.get_legend().get_texts()][:2] == ["thin", "thick"]
    plt.close(fig)
    with pytest.raises(DendrisimError, match="labels: 1 given .* for 2 results folders"):
        api.plot([SMALL, stable], out=tmp_path, labels=["only one"])
    with pytest.raises(SystemExit) as exc:
        main(["plot", str(SMALL), str(stable), "-o", str(tmp_path / "cli"), "--format", "png",
              "--label", "needle", "--label", "stub"])  # fmt: skip
    assert exc.value.code in (0, None)
    assert _is_png(tmp_path / "cli" / "fig5d.png")
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        main(["plot", str(SMALL), str(stable), "-o", str(tmp_path), "--label", "one"])
    assert exc.value.code not in (0, None)
    assert "labels: 1 given" in capsys.readouterr().err


SHORT_RUN = [
    "time.end_s=0.1",
    "output.fields_every_s=0.1",
    "interface.moving=false",
    "output.fields=[]",
]


@pytest.mark.mpi
def test_every_run_fills_figures_unless_off(mpi_tmp_path, monkeypatch):
    from dendrisim.core import parallel

    case = api.load_case("fig5-stable", SHORT_RUN)
    r = api.run(case, out=mpi_tmp_path / "on", quiet=True)

    def pngs(folder):
        return sorted(p.name for p in (folder / "figures").glob("*.png"))

    assert parallel.on_root(lambda: pngs(r.path)) == ["fig5d.png"]
    assert parallel.on_root(lambda: _is_png(r.path / "figures" / "fig5d.png"))
    off = api.load_case("fig5-stable", [*SHORT_RUN, "output.figures=false"])
    r = api.run(off, out=mpi_tmp_path / "off", quiet=True)
    assert not parallel.on_root(lambda: (r.path / "figures").exists())

    def broken(*a, **k):
        raise RuntimeError("no fonts")

    monkeypatch.setattr(compare, "plot_results", broken)
    r = api.run(case, out=mpi_tmp_path / "broken", quiet=True)  # the run still succeeds
    assert r.status == "finished"
    log = parallel.on_root(lambda: (r.path / "log.txt").read_text("utf-8"))
    assert "WARNING figures not written: RuntimeError: no fonts" in log


def test_sweep_trend_shows_retention_in_percent():
    from matplotlib.figure import Figure

    from dendrisim.post.plots import trends

    rows = [
        {"status": "finished", "L_over_D": 1.0, "li_retention_end": 0.923},
        {"status": "finished", "L_over_D": 10.0, "li_retention_end": 0.823},
    ]
    ax = Figure().add_subplot()
    trends._lines(ax, rows, "L_over_D", "li_retention_end", [])
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), [92.3, 82.3])
    assert trends._label("li_retention_end") == "Li retention at end [%]"
