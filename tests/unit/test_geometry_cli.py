"""`dendrisim mesh`: default paths, report, preview picture; layout rules of the config."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dendrisim import load_case
from dendrisim.cli.app import main
from dendrisim.config import Case


def _main(args):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0


@pytest.mark.skip_in_parallel
def test_mesh_command_writes_msh_report_and_preview(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    _main(["mesh", "fig5-stable"])
    out = capsys.readouterr().out
    msh = tmp_path / "meshes" / "fig5-stable.msh"
    png = tmp_path / "meshes" / "fig5-stable.png"
    rep = json.loads((tmp_path / "meshes" / "fig5-stable.report.json").read_text())
    assert msh.is_file() and png.is_file()
    assert f"cells {rep['cells']}" in out and "Li volume" in out and "error" in out
    assert rep["li_volume_rel_error"] < 0.005
    # the picture shows the regions in colour: lithium grey and electrolyte blue pixels
    from PIL import Image

    img = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3).astype(int)
    for rgb in ((0x8C, 0x8C, 0x9E), (0xBF, 0xE3, 0xF5)):
        assert (np.abs(img - rgb).sum(axis=1) < 12).sum() > 1000


@pytest.mark.skip_in_parallel
def test_mesh_command_out_and_preview_options(tmp_path, capsys):
    out = tmp_path / "x" / "m.msh"
    png = tmp_path / "p.png"
    _main(
        [
            "mesh",
            "fig5-routine",
            "--set",
            "geometry.formulation='planar'",
            "--out",
            str(out),
            "--preview",
            str(png),
        ]
    )
    assert out.is_file() and png.is_file()
    assert "planar" in capsys.readouterr().out


def test_electrolyte_cell_sized_from_the_dendrite():
    c = Case()  # default needle D = 0.15 µm, L = 1.5 µm, no cell size given
    g = c.geometry
    assert g.cell_radius_um == pytest.approx(7 * 0.075)
    assert g.electrolyte_height_um == pytest.approx(1.5 + 3.0)
    longer = c.with_overrides({"geometry.length_um": 3.0}).geometry
    assert longer.electrolyte_height_um == pytest.approx(9.0)  # rule re-applied
    fixed = load_case("fig5-routine", {"geometry.length_um": 3.0}).geometry
    assert fixed.electrolyte_height_um == 5.0  # given explicitly: kept


@pytest.mark.skip_in_parallel
def test_mesh_command_reports_on_a_user_mesh(tmp_path, capsys):
    from dendrisim.geometry.generator import generate

    own = tmp_path / "own.msh"
    ref = generate(load_case("fig5-stable"), own)
    _main(
        [
            "mesh",
            "fig5-stable",
            "--set",
            f"geometry.mesh='{own}'",
            "--out",
            str(tmp_path / "copy.msh"),
        ]
    )
    out = capsys.readouterr().out
    assert "user mesh" in out and f"cells {ref.cells}" in out
    rep = json.loads((tmp_path / "copy.report.json").read_text())
    assert rep["li_volume_um3"] == pytest.approx(ref.li_volume_um3, rel=1e-12)
    assert rep["li_volume_analytic_um3"] is None
    assert (tmp_path / "copy.png").is_file()
