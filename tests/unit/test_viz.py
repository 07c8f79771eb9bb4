"""PyVista views of the stored small result: off-screen screenshots and scene geometry."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pv = pytest.importorskip("pyvista")
pv.OFF_SCREEN = True

from dendrisim import api  # noqa: E402
from dendrisim.cli.app import main  # noqa: E402
from dendrisim.core.errors import DendrisimError  # noqa: E402
from dendrisim.io.result import Result  # noqa: E402
from dendrisim.post.views import fields_view, scene  # noqa: E402

SMALL = Path(__file__).resolve().parents[1] / "data" / "result_small"


@pytest.fixture(scope="module")
def result() -> Result:
    return Result.load(SMALL)


def _png_pixels(path: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"))


def _not_blank(img: np.ndarray) -> float:
    """Fraction of pixels that are not the white background."""
    return float(np.mean(np.any(img < 245, axis=2)))


@pytest.mark.skip_in_parallel
def test_screenshot_3d_panel(tmp_path):
    out = tmp_path / "view.png"
    msg = api.view(SMALL, screenshot=out)
    assert str(out) in msg and out.stat().st_size > 10_000
    img = _png_pixels(out)
    assert img.shape[0] == 2 * 760 and img.shape[1] == 3 * 640  # 2 fields x (2 times + zoom)
    assert _not_blank(img) > 0.15
    # the viridis and inferno colour maps are both in the picture (c row, T row)
    assert np.any((img[..., 1] > 150) & (img[..., 0] < 120) & (img[..., 2] < 150))  # greens
    assert np.any((img[..., 0] > 200) & (img[..., 2] < 100))  # inferno oranges/yellows


@pytest.mark.skip_in_parallel
def test_cli_section_screenshot_with_times(tmp_path):
    out = tmp_path / "sec.png"
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "view",
                str(SMALL),
                "--mode",
                "section",
                "--fields",
                "c",
                "--times",
                "0,3,100",
                "--screenshot",
                str(out),
                "--no-zoom",
            ]
        )
    assert exc.value.code in (0, None)
    img = _png_pixels(out)
    assert img.shape[1] == 3 * 640 and img.shape[0] == 760  # 3 stored times, one row
    assert _not_blank(img) > 0.1


def test_section_grid_is_the_warped_mesh(result):
    f = result.fields()
    t = f.times[-1]
    g = scene.section_grid(f, t)
    np.testing.assert_allclose(g.points, f.current_points(t) / 1e-6)
    assert set(np.unique(g.cell_data["region"])) == {1, 2}
    assert np.isnan(g.point_data["c"]).sum() == (~f.electrolyte_nodes()).sum()


def test_revolved_li_surface_and_outline(result):
    # the needle's outline revolved 360° has the needle's lateral area + the foil's outer skin
    f = result.fields()
    g = scene.section_grid(f, 0.0)
    edges = scene.outline(g, "lithium")
    pts = edges.points
    assert np.all(pts[:, 0] >= -1e-12)
    lines = edges.lines.reshape(-1, 3)[:, 1:]
    assert not np.any((pts[lines[:, 0], 0] < 1e-9) & (pts[lines[:, 1], 0] < 1e-9))  # no axis
    surf = scene.revolve(edges, 0.0, 360.0, resolution=180)
    a, L, R, s = 0.075, 1.5, 0.5, 0.5  # µm
    needle = 2 * np.pi * a * (L - a) + 2 * np.pi * a**2  # side + hemispherical cap
    foil = np.pi * R**2 - np.pi * a**2 + 2 * np.pi * R * s + np.pi * R**2  # top, wall, bottom
    assert surf.area == pytest.approx(needle + foil, rel=2e-3)


def test_crop_window_and_mirror(result):
    g = scene.section_grid(result.fields(), 0.0)
    lo, hi = scene.crop_box(g)
    assert -0.5 <= lo < 0.0 and 1.5 < hi < 5.0  # around the 1.5 µm needle
    c = scene.crop(g, (lo, hi))
    assert c.points[:, 1].min() == pytest.approx(lo) and c.points[:, 1].max() == pytest.approx(hi)
    m = scene.mirror(c)
    assert m.points[:, 0].min() == pytest.approx(-c.points[:, 0].max())


def test_display_scale_offsets_tiny_variations():
    base, factor, title, uniform = scene.display_scale(
        np.array([443.7549159, 443.754918]), "T", "K"
    )
    assert not uniform and factor == 1e6 and "µK" in title
    assert 0 <= (443.7549159 - base) * factor < 10
    assert scene.display_scale(np.full(4, 7000.0), "c", "mol/m³")[3]
    assert scene.display_scale(np.array([6000.0, 7000.0]), "c", "mol/m³")[:2] == (0.0, 1.0)


def test_interactive_slider_updates_the_scene(result):
    p = fields_view.interactive(result, field="c", mode="section")
    p._dendrisim_update(100.0)  # snaps to the last stored time
    texts = [a.GetText(2) for a in p.renderer.actors.values() if hasattr(a, "GetText")]
    t_last = f"t = {result.fields().times[-1]:.3g} s"
    assert any(t_last in (t or "") for t in texts)
    p.close()


def test_bad_view_options(result, tmp_path):
    with pytest.raises(DendrisimError, match="allowed c, T"):
        fields_view.panel(result, fields=["x"])
    with pytest.raises(DendrisimError, match="allowed 3d, section"):
        fields_view.panel(result, mode="cut")
    with pytest.raises(DendrisimError, match=".png"):
        api.view(SMALL, screenshot=tmp_path / "x.jpg")


@pytest.mark.skip_in_parallel
def test_two_results_stack_rows_at_one_scale(tmp_path):
    import shutil

    for name in ("a", "b"):
        shutil.copytree(SMALL, tmp_path / name)
    out = tmp_path / "both.png"
    api.view([tmp_path / "a", tmp_path / "b"], screenshot=out, fields="c")
    img = _png_pixels(out)
    assert img.shape[:2] == (2 * 760, 3 * 640)  # 2 times + the zoom on the tip
    top, bottom = img[:760], img[760:]
    # same result, one shared camera -> the same picture (up to text anti-aliasing)
    differ = np.mean(np.any(np.abs(top.astype(int) - bottom.astype(int)) > 30, axis=2))
    assert differ < 0.01


@pytest.mark.skip_in_parallel
def test_view_without_display_writes_the_panel(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(SMALL, tmp_path / "r")
    monkeypatch.setenv("PYVISTA_OFF_SCREEN", "true")
    msg = api.view(tmp_path / "r", fields="c", mode="section")
    assert "fields.png" in msg and (tmp_path / "r" / "figures" / "fields.png").stat().st_size


@pytest.mark.skip_in_parallel
def test_3d_result_is_clipped_and_rendered(tmp_path):
    import importlib.util

    pytest.importorskip("dolfinx")
    spec = importlib.util.spec_from_file_location("mrs", SMALL.parent / "make_result_small.py")
    mrs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mrs)
    from dendrisim.config import load_case

    case = load_case("fig5-routine", overrides={"geometry.formulation": "3d"})
    folder = mrs.write_result(tmp_path / "r3", case, fields=False)
    mrs.write_fields_3d(folder / "fields.xdmf", case, np.array([0.0, 2.0]))
    r = Result.load(folder)
    f = r.fields()
    assert f.cell_type == "tetra" and f.gdim == 3 and f.names == ["T", "c", "displacement"]
    from dendrisim.io.field_reader import _region_volume

    # the whole box (1 x 1 x 5.5 µm) from the tetrahedra read back; Li = foil + a rod
    assert _region_volume(f.points, f.cells, "tetra", "3d") == pytest.approx(5.5e-18, rel=1e-12)
    assert 0.5e-18 < f.lithium_volume(0.0) < (0.5 + 0.34**2 * 1.5) * 1e-18
    out = tmp_path / "v3.png"
    api.view(folder, screenshot=out, fields="c,T")
    img = _png_pixels(out)
    assert img.shape[:2] == (2 * 760, 2 * 640) and _not_blank(img) > 0.1  # 3D: no zoom


def test_bad_times_is_a_clear_error():
    with pytest.raises(DendrisimError, match="comma-separated"):
        api.view(SMALL, screenshot="x.png", times="0;9")


@pytest.mark.skip_in_parallel
def test_no_li_left_still_renders(result, monkeypatch, tmp_path):
    # Li exhausted: no outline, no revolved surface -> the picture is still made
    monkeypatch.setattr(
        scene, "outline", lambda grid, name="lithium", drop_axis=True: pv.PolyData()
    )
    p = fields_view.panel(result, fields=["c"], off_screen=True)
    p.screenshot(str(tmp_path / "empty.png"))
    p.close()
    assert _not_blank(_png_pixels(tmp_path / "empty.png")) > 0.05


def _colour_ranges(p) -> list[tuple[float, float]]:
    """Scalar range of every coloured mesh, per subplot that has one."""
    out = []
    for ren in p.renderers:
        ranges = {
            tuple(round(v, 9) for v in a.mapper.scalar_range)
            for a in ren.actors.values()
            if getattr(a, "mapper", None) is not None
            and getattr(a.mapper, "scalar_visibility", False)
            and a.mapper.dataset is not None
            and "shown" in a.mapper.dataset.point_data
        }
        assert len(ranges) <= 1
        out += list(ranges)
    return out


@pytest.mark.skip_in_parallel
def test_compared_panels_share_one_absolute_colour_scale(tmp_path, result):
    import shutil

    for name in ("a", "b"):
        shutil.copytree(SMALL, tmp_path / name)
    f = tmp_path / "b" / "fields.h5"  # make b's c differ: a different level per case
    import h5py

    with h5py.File(f, "r+") as h:
        for ds in h["Function"]["c"].values():
            ds[...] = ds[...] - 30.0
    both = [Result.load(tmp_path / "a"), Result.load(tmp_path / "b")]
    p = fields_view.panel(both, fields=["c", "T"], off_screen=True)
    ranges = _colour_ranges(p)
    assert len(ranges) == 2 * 2 * 3  # 2 folders x 2 fields x (2 times + zoom)
    c_all = np.concatenate(
        [r.fields().get("c", t, mask_lithium=True) for r in both for t in r.field_times()]
    )
    c_range = (round(float(np.nanmin(c_all)), 9), round(float(np.nanmax(c_all)), 9))
    assert {ranges[i] for i in (0, 1, 2, 6, 7, 8)} == {c_range}  # c rows: one absolute range
    assert len({ranges[i] for i in (3, 4, 5, 9, 10, 11)}) == 1  # T rows: one range
    titles = [b.GetTitle() for b in p.scalar_bars.values()]
    assert titles and all("−" not in t and "\n" not in t for t in titles)  # no offsets
    assert any(t.startswith("c [mol/m³]") for t in titles)
    assert len(titles) == 2 * 2  # one bar per row, in its last time column
    p.close()
    own = fields_view.panel(both, fields=["c"], shared_clim=False, zoom=False, off_screen=True)
    assert c_range not in _colour_ranges(own)  # without sharing: each picture its own range
    own.close()


def test_zoom_frames_the_tip_with_a_round_scale_bar(result):
    from dendrisim.post.views import zoom
    from dendrisim.post.views.camera import nice_length

    first = scene.section_grid(result.fields(), 0.0)
    initial = scene.outline(first, "lithium")
    tip, radius = zoom.tip_frame(initial)
    g = result.case.geometry
    assert tip == pytest.approx(g.length_um, rel=0.02)
    assert radius == pytest.approx(g.diameter_um / 2, rel=0.05)
    assert nice_length(1.0) == 0.2 and nice_length(0.3) == 0.05 and nice_length(3.0, 0.85) == 2


def test_mesh_preview_shows_the_whole_cell_legibly_with_scales(result):
    from dendrisim.post.plots.mesh_preview_2d import preview_figure
    from dendrisim.post.views.mesh_preview import _triangles

    f = result.fields()
    grid = scene.section_grid(f, 0.0, warp=False)  # points in µm
    names = {1: "lithium", 2: "electrolyte", 3: "sei"}
    region = [names[int(r)] for r in grid.cell_data["region"]]
    fig = preview_figure(grid.points, _triangles(grid), region, "t", True)
    whole, dendrite, tip = fig.axes
    assert (whole.get_xlabel(), whole.get_ylabel()) == ("z [µm]", "r [µm]")
    assert {a.get_xlabel() for a in (dendrite, tip)} == {"r [µm]"}
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig).draw()
    box = whole.get_window_extent()
    assert box.width > 0.75 * fig.bbox.width  # the cell fills the width, not a thin strip
    assert box.height > 0.15 * fig.bbox.height
    z = grid.points[:, 1]
    lo, hi = whole.get_xlim()
    assert lo <= z.min() and hi >= z.max() and hi - lo < 1.2 * (z.max() - z.min())
    r = float(np.abs(grid.points[:, 0]).max())
    assert whole.get_ylim()[0] <= -r and whole.get_ylim()[1] >= r  # mirrored about the axis
    g = result.case.geometry
    assert dendrite.get_ylim()[1] > g.length_um  # the whole dendrite in the second panel
