"""The sensitivity study's chain on problems with known answers (docs/sensitivity.md).

- Ishigami through the analysis functions: Sobol S1 and ST against the closed form.
- A whole study (2 parameters, a stand-in runner with closed-form outputs, the sweep
  machinery underneath): Morris ranks the parameters, Sobol returns the linear model's
  indices, the claim's fraction matches its probability, a failed sample is dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("SALib")

from dendrisim.sweep.sensitivity import analysis as an  # noqa: E402
from dendrisim.sweep.sensitivity import load_study, run_phase  # noqa: E402
from dendrisim.sweep.sensitivity.design import problem, sample_overrides  # noqa: E402
from dendrisim.sweep.spec import SweepError  # noqa: E402

RUNNER = f"{Path(__file__).with_name('sensitivity_runner.py').resolve()}:run"

STUDY = """
name = "tiny"
out = "{out}"
seed = 7
cheap = ["time.end_s"]
check_runner = "{runner}"
[set]
"time.end_s" = 1.0
[[parameters]]
key = "electrolyte.heat_capacity_J_kgK"
low = 1500.0
high = 2200.0
nominal = 1800.0
[[parameters]]
key = "electrolyte.conductivity_W_mK"
low = 0.1
high = 0.3
nominal = 0.2
[[parameters]]
key = "sei.protection_factor"
cases = ["fig5-deposit-stable-sei"]
scale = "log"
low = 0.01
high = 0.1
nominal = 0.03
[morris]
trajectories = 6
[sobol]
base_samples = 32
parameters = ["electrolyte.heat_capacity_J_kgK", "electrolyte.conductivity_W_mK"]
bootstrap = 200
[run]
workers = 1
runner = "{runner}"
"""


class _Spec:  # what the analysis functions read of a study
    class sobol:  # noqa: N801
        second_order = False
        bootstrap = 200

    seed = 3


def test_ishigami_sobol_indices_match_the_closed_form():
    from SALib.sample import sobol

    a, b = 7.0, 0.1
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    var = v1 + v2 + v13
    s1 = np.array([v1, v2, 0.0]) / var
    st = np.array([v1 + v13, v2, v13]) / var
    params = [type("P", (), {"key": k})() for k in ("x1", "x2", "x3")]
    prob = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
    U = sobol.sample(prob, 4096, calc_second_order=False, seed=1)
    y = np.sin(U[:, 0]) + a * np.sin(U[:, 1]) ** 2 + b * U[:, 2] ** 4 * np.sin(U[:, 0])
    res = an.sobol_indices(params, {"y": y}, prob, _Spec)["indices"]["y"]
    assert np.allclose(res["S1"], s1, atol=0.03), (res["S1"], s1)
    assert np.allclose(res["ST"], st, atol=0.03), (res["ST"], st)
    assert all(c < 0.1 for c in res["ST_conf"])


def test_bootstrap_fraction_covers_and_skips_failed():
    hold = np.array([1.0] * 30 + [0.0] * 70 + [np.nan] * 5)
    f = an.bootstrap_fraction(hold, 500, 1)
    assert f["samples"] == 100 and f["fraction"] == pytest.approx(0.3)
    assert f["low"] < 0.3 < f["high"] and f["high"] - f["low"] < 0.25


@pytest.fixture
def study(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    f = tmp_path / "study.toml"
    f.write_text(STUDY.format(out=tmp_path / "res", runner=RUNNER))
    return load_study(f)


def test_factor_and_per_case_parameters(study):
    spec = study.model_copy(
        update={
            "parameters": [
                *study.parameters,
                study.parameters[0].model_copy(
                    update={"key": "kinetics.pre_exponential", "kind": "factor", "nominal": 1.0}
                ),
            ]
        }
    )
    params = spec.parameters
    row = np.array([2000.0, 0.25, 0.05, 2.0])
    needle = sample_overrides(spec, "fig5-needle-routine-sei", params, row)
    stable = sample_overrides(spec, "fig5-deposit-stable-sei", params, row)
    assert "sei.protection_factor" not in needle  # only the stable-SEI case
    assert stable["sei.protection_factor"] == 0.05
    from dendrisim.config import load_case

    A = load_case("fig5-needle-routine-sei").kinetics.pre_exponential
    assert needle["kinetics.pre_exponential"] == pytest.approx(2.0 * A, rel=1e-12)
    assert problem(params)["bounds"][2] == pytest.approx([-2.0, -1.0])


def test_whole_chain_on_closed_form_outputs(study, tmp_path):
    morris = run_phase(study, "morris", quiet=True).analysis
    mu = morris["morris"]["indices"]["retention:routine-stable"]["mu_star"]
    assert mu[0] == pytest.approx(20.0, rel=1e-9)  # 0.2 × 100 % points over the range
    assert mu[1] == pytest.approx(10.0, rel=1e-9) and mu[2] == 0.0
    assert morris["morris"]["indices"]["dT:routine-stable"]["mu_star"][0] == 0.0
    sobol = run_phase(study, "sobol", quiet=True).analysis
    idx = sobol["sobol"]["indices"]
    for out, expect in (("retention:routine-stable", [0.8, 0.2]), ("dT:routine-stable", [0, 1])):
        assert np.allclose(idx[out]["S1"], expect, atol=0.06), (out, idx[out]["S1"])
        assert np.allclose(idx[out]["ST"], expect, atol=0.06), (out, idx[out]["ST"])
    assert idx["dT:fig5-deposit-stable-sei"] is None  # constant: no variance to split
    claim = sobol["claim"]
    assert claim["samples"] == 32 * 4
    assert claim["fraction"] == pytest.approx(0.328125, abs=0.06)
    assert claim["low"] < claim["fraction"] < claim["high"]
    saved = json.loads((tmp_path / "res" / "sobol" / "analysis.json").read_text())
    assert saved["sobol"]["base_samples_used"] == 32
    from dendrisim.api.sensitivity import sensitivity_report

    page = sensitivity_report(study, page=tmp_path / "docs" / "s.md", img=tmp_path / "docs" / "img")
    text = page.read_text()
    assert f"**{claim['fraction']:.2f}** of 128 samples" in text
    assert "| k_el |" not in text and "| conductivity_W_mK | 0." in text  # Sobol rows
    for name in ("morris", "sobol", "claim"):
        png = tmp_path / "docs" / "img" / f"sensitivity_{name}.png"
        assert png.stat().st_size > 10_000 and f"(img/sensitivity_{name}.png)" in text


def test_check_reruns_samples_without_the_cheap_keys(study, tmp_path):
    from dendrisim.sweep.sensitivity.check import run_check

    with pytest.raises(SweepError, match="run the morris phase first"):
        run_check(study, "morris", [0, 1], quiet=True)
    run_phase(study, "morris", quiet=True)
    res = run_check(study, "morris", [0, 5], quiet=True)
    case = load_study(tmp_path / "study.toml")  # the check's runs use the case's end time
    toml = tmp_path / "res" / "check" / "fig5-needle-routine-sei" / "s0001" / "case.toml"
    assert "end_s = 9.0" in toml.read_text() and case.set["time.end_s"] == 1.0
    r = res["outputs"]["retention:routine-stable"]
    assert r["compared"] == 2 and r["max_abs_diff"] == 0.0 and r["spread_std"] > 0


def test_a_failed_sample_drops_its_block_not_the_study(study, tmp_path):
    study = study.model_copy(update={"sobol": study.sobol.model_copy(update={"base_samples": 8})})
    run_phase(study, "sobol", quiet=True)
    folder = tmp_path / "res" / "sobol" / "fig5-needle-routine-sei" / "s0005"
    man = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(man | {"status": "failed"}))
    res = run_phase(study, "sobol", collect=True, quiet=True).analysis
    assert res["not_finished"]["fig5-needle-routine-sei"] == 1
    assert res["sobol"]["base_samples_used"] == 7
    assert res["claim"]["samples"] == 8 * 4 - 1


def test_sobol_needs_morris_or_a_list(study):
    spec = study.model_copy(update={"sobol": study.sobol.model_copy(update={"parameters": []})})
    with pytest.raises(SweepError, match="run `dendrisim sensitivity morris` first"):
        run_phase(spec, "sobol", quiet=True)


def test_bad_study_names_the_key(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[[parameters]]\nkey = "a.b"\nlow = 2.0\nhigh = 1.0\n')
    with pytest.raises(SweepError, match="high = 1.0 must exceed low"):
        load_study(f)


def test_unset_and_per_case_overrides(study):
    spec = study.model_copy(
        update={
            "unset": ["geometry.cell_radius_um"],
            "case_set": {"fig5-deposit-stable-sei": {"cell.li_specific_surface_m2_g": 26.32}},
        }
    )
    stable = spec.overrides("fig5-deposit-stable-sei")
    assert stable["geometry.cell_radius_um"] is None
    assert stable["cell.li_specific_surface_m2_g"] == 26.32
    assert "cell.li_specific_surface_m2_g" not in spec.overrides("fig5-needle-routine-sei")


def test_builtin_study_expands_to_valid_cases():
    from dendrisim.sweep.expand import expand
    from dendrisim.sweep.sensitivity.design import morris_design, sweep_specs, to_physical

    spec = load_study("fig5-sensitivity")
    params, U = morris_design(spec)
    assert U.shape == (spec.morris.trajectories * (len(params) + 1), len(params))
    sweeps = sweep_specs(spec, "morris", params[:], to_physical(params, U[:2]))
    for sw in sweeps:
        for sc in expand(sw):
            assert sc.case.cell.derive_unit_cell and sc.case.cell.enabled
            assert sc.case.geometry.electrolyte_height_um < 2.0  # derived, not the 5 µm


def test_check_reports_the_median_and_the_claim_in_both(study):
    from dendrisim.sweep.sensitivity.check import run_check

    run_phase(study, "morris", quiet=True)
    res = run_check(study, "morris", [0, 3, 5], quiet=True)
    assert res["outputs"]["dT:routine-stable"]["median_abs_diff"] == 0.0
    assert res["claim"]["default"] == res["claim"]["cheap"] and len(res["claim"]["cheap"]) == 3


def test_one_at_a_time_moves_only_the_outputs_that_depend_on_the_key(study):
    """The stand-in runner: ΔT(routine) = 5 + 4 u2 with u2 = (k_el - 0.1)/0.2 (module doc)."""
    from dendrisim.sweep.sensitivity.oat import oat_points, run_oat

    labels, X = oat_points(study, ["electrolyte.conductivity_W_mK"])
    assert labels == [
        "nominal",
        "electrolyte.conductivity_W_mK=low",
        "electrolyte.conductivity_W_mK=high",
    ]
    assert X[:, 0].tolist() == [0.2, 0.1, 0.3]
    res = run_oat(study, ["electrolyte.conductivity_W_mK"], quiet=True)
    dT = res["outputs"]["dT:fig5-needle-routine-sei"]
    assert dT["values"][0] == pytest.approx(7.0) and dT["change"][1:] == pytest.approx([-2.0, 2.0])
    assert res["outputs"]["dT:fig5-deposit-stable-sei"]["change"][1:] == [0.0, 0.0]


def test_a_tie_in_retention_is_not_the_claim():
    from dendrisim.sweep.sensitivity import analysis as an

    Y = {
        "retention:routine-stable": np.array([-1e-12, 2e-12, -0.5, -0.5, np.nan]),
        "dT:routine-stable": np.array([3.0, 3.0, 3.0, -1.0, 1.0]),
    }
    assert np.array_equal(an.claim_holds(Y)[:4], [0.0, 0.0, 1.0, 0.0])
    assert np.isnan(an.claim_holds(Y)[4]) and an.tie_fraction(Y) == 0.5
