"""dendrisim validate on a short setting: the four runs, the table, the page and its figures.

The full validation (docs/validation.md) is a command, not a test; this checks the
plumbing and the table's numbers against the runs' summaries.
"""

import math

import pytest

from dendrisim.post.validation import MEASURED, Row, table_markdown


def test_table_rows_and_differences():
    rows = [Row("arc-routine", "ARC onset (> 0.02 K/min)", 343.95, 353.95)]
    assert rows[0].difference == pytest.approx(10.0)
    text = table_markdown(rows)
    assert (
        "| arc-routine | ARC onset (> 0.02 K/min) [°C] | 70.8 | 80.8 | +10.00 K | predicted |"
        in text
    )


def test_validate_quick(tmp_path):
    from dendrisim.api import validate

    report = validate(out=tmp_path / "runs", docs=tmp_path / "docs", quick=True)
    assert [(r.case, r.quantity) for r in report.rows] == list(MEASURED)
    page = report.page.read_text(encoding="utf-8")
    assert "1092.2" in page and "leaves out" in page
    assert all(p.exists() and p.stat().st_size > 1000 for p in report.figures)
    assert len(report.figures) == 2
    # the ARC rows are the runs' summaries (NaN where the short run saw nothing)
    onset = next(r for r in report.rows if r.case == "arc-routine" and "onset" in r.quantity)
    assert math.isnan(onset.simulated) or onset.simulated > 300.0
