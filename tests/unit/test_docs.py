"""The documents stay true to the code (docs/architecture.md#conventions).

- every relative link and ``#anchor`` in README.md and docs/*.md resolves (GitHub-style
  anchors: lowercase, punctuation dropped, spaces to '-');
- every ``docs/<file>.md#anchor`` cited in the code, tests, benchmarks and scripts resolves;
- the case-key table of docs/architecture.md#case-keys lists every key of the config
  classes and is what ``scripts/case_keys_table.py`` generates;
- Markdown tables are well-formed (every row has the header's number of cells).
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
CITED = re.compile(r"\b(docs/[\w.-]+\.md)(#[\w-]+)?")


def github_anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to '-'."""
    text = re.sub(r"`|\*\*|__", "", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)  # keeps letters, digits, '_', '-', spaces
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """Anchors of every heading of a Markdown file (duplicates get -1, -2, ...)."""
    seen: dict[str, int] = {}
    out = set()
    in_code = False
    for line in path.read_text("utf-8").splitlines():
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        m = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if in_code or not m:
            continue
        base = github_anchor(m.group(2))
        n = seen.get(base, 0)
        out.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return out


def _prose(path: Path) -> str:
    """The file without fenced code blocks and inline code (links there are not links)."""
    text = re.sub(r"```.*?```", "", path.read_text("utf-8"), flags=re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def _check_target(source: Path, target: str) -> str | None:
    """None if ``target`` (relative path and/or #anchor) resolves from ``source``."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, mailto: ... not checked here
        return None
    path_part, _, anchor = target.partition("#")
    dest = (source.parent / path_part).resolve() if path_part else source
    if not dest.exists():
        return f"{target}: no file {dest.relative_to(ROOT) if ROOT in dest.parents else dest}"
    if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
        return f"{target}: no heading with anchor #{anchor} in {dest.name}"
    return None


def test_github_anchor_rule():
    assert github_anchor("Moving surface (ALE)") == "moving-surface-ale"
    assert github_anchor("Remeshing (2D: axisymmetric and planar)") == (
        "remeshing-2d-axisymmetric-and-planar"
    )
    assert github_anchor("`timeseries.csv` columns") == "timeseriescsv-columns"
    assert github_anchor("Case keys") == "case-keys"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_and_anchors_resolve(doc):
    bad = []
    for m in LINK.finditer(_prose(doc)):
        target = m.group(1) or m.group(2)
        problem = _check_target(doc, target)
        if problem:
            bad.append(problem)
    assert not bad, f"{doc.relative_to(ROOT)}: broken links:\n" + "\n".join(bad)


def test_link_checker_catches_a_broken_anchor(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Some section\n\n[ok](#some-section) [bad](#nowhere)\n")
    found = [_check_target(page, m.group(1)) for m in LINK.finditer(_prose(page))]
    assert found[0] is None and "nowhere" in found[1]


def test_anchors_cited_in_code_resolve():
    """``docs/<file>.md#<anchor>`` written in code, tests, benchmarks and scripts exists."""
    bad = []
    for folder in ("dendrisim", "tests", "benchmarks", "scripts"):
        for f in sorted((ROOT / folder).rglob("*.py")):
            for m in CITED.finditer(f.read_text("utf-8")):
                problem = _check_target(ROOT / "README.md", m.group(1) + (m.group(2) or ""))
                if problem:
                    bad.append(f"{f.relative_to(ROOT)}: {problem}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_tables_are_well_formed(doc):
    def cells(row: str) -> int:
        return len(re.split(r"(?<!\\)\|", row.strip().strip("|")))

    bad = []
    lines = re.sub(r"```.*?```", "", doc.read_text("utf-8"), flags=re.S).splitlines()
    for i, line in enumerate(lines):
        if not re.match(r"^\|[\s:|-]+\|$", line.strip()) or i == 0:
            continue
        width = cells(lines[i - 1])
        if cells(line) != width:
            bad.append(f"line {i}: separator has {cells(line)} cells, header {width}")
        for j in range(i + 1, len(lines)):
            if not lines[j].strip().startswith("|"):
                break
            if cells(lines[j]) != width:
                bad.append(f"row {lines[j][:60]!r}: {cells(lines[j])} cells, header {width}")
    assert not bad, f"{doc.relative_to(ROOT)}:\n" + "\n".join(bad)


def _case_keys_script():
    spec = importlib.util.spec_from_file_location(
        "case_keys_table", ROOT / "scripts" / "case_keys_table.py"
    )
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_every_case_key_is_in_the_table():
    script = _case_keys_script()
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    block = text[text.index(script.BEGIN) : text.index(script.END)]
    listed = set(re.findall(r"^\| `([\w.]+)` \|", block, flags=re.M))
    keys = script.keys()
    assert len(keys) > 80  # every section walked, nested tables included
    missing = [k for k in keys if k not in listed]
    assert not missing, (
        f"case keys missing from docs/architecture.md#case-keys: {missing}; "
        "run: python scripts/case_keys_table.py --write"
    )


def test_case_key_table_is_current():
    script = _case_keys_script()
    text = (ROOT / "docs" / "architecture.md").read_text("utf-8")
    assert script.render(text) == text, (
        "docs/architecture.md#case-keys is out of date (a default, bound or comment "
        "changed); run: python scripts/case_keys_table.py --write"
    )


def _section(doc: str, heading: str) -> str:
    """Text of a ``## heading`` section of docs/<doc> up to the next ``## ``."""
    text = (ROOT / "docs" / doc).read_text("utf-8")
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def test_group_table_matches_core_groups():
    from dendrisim.core.groups import GROUP_IDS

    section = _section("architecture.md", "Groups")
    rows = dict(re.findall(r"^\| `(\w+)` \| (\d+) \|", section, flags=re.M))
    assert {k: int(v) for k, v in rows.items()} == GROUP_IDS


def test_results_layout_lists_every_timeseries_column():
    from dendrisim.io.timeseries import TIMESERIES_COLUMNS

    section = _section("architecture.md", "Results layout")
    required = re.findall(r"^\| `(\w+)` \| [^|]* \| [^|]* \|$", section, flags=re.M)
    assert tuple(required[: len(TIMESERIES_COLUMNS)]) == TIMESERIES_COLUMNS
