"""Load the built documentation in headless Chromium and check what a reader sees.

    python scripts/check_docs_pages.py docs/_build/html [--shots DIR]

Playwright drives Debian's ``chromium`` (``/usr/bin/chromium``; Playwright's own browser
download is not needed). For each page: it loads without console errors, the sidebar
navigation links to every top-level page, every image has loaded (naturalWidth > 0),
the API page documents the public functions, the CLI page every command, and the example
pages show outputs (figures) and no error traceback. Screenshots go to ``--shots``
(default: <html>/../screenshots). Exit status 1 with one line per failed check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

PAGES = [
    "index.html",
    "getting-started.html",
    "user-guide.html",
    "examples/fig5.html",
    "examples/sweep.html",
    "examples/pyvista.html",
    "examples/pandas.html",
    "physics.html",
    "architecture.html",
    "api.html",
    "cli.html",
]
API_NAMES = ["load_case", "run", "mesh", "sweep", "plot", "view", "set_log_level", "Result"]
CLI_NAMES = ["cases", "show-case", "check", "mesh", "run", "sweep", "plot", "view"]
MIN_IMAGES = {
    "index.html": 1,
    "examples/fig5.html": 2,
    "examples/sweep.html": 1,
    "examples/pyvista.html": 2,
    "examples/pandas.html": 1,
}
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def check_page(page, html: Path, name: str, shots: Path) -> list[str]:
    """Problems seen on one page (empty: fine)."""
    errors: list[str] = []
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page.goto((html / name).as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    bad: list[str] = []
    if not page.title():
        bad.append("no title")
    nav = page.eval_on_selector_all(
        ".sidebar-tree a.reference", "els => els.map(e => e.getAttribute('href'))"
    )
    if len(nav) < 10:
        bad.append(f"sidebar navigation has {len(nav)} links")
    images = page.eval_on_selector_all(
        "article img", "els => els.map(e => [e.getAttribute('src'), e.naturalWidth])"
    )
    bad += [f"image not loaded: {src}" for src, w in images if not w]
    if len(images) < MIN_IMAGES.get(name, 0):
        bad.append(f"{len(images)} images, expected at least {MIN_IMAGES[name]}")
    text = page.inner_text("article")
    if name.startswith("examples/") and ("Traceback" in text or "Error" in text.split()):
        bad.append("an example shows an error")
    if name == "api.html":
        ids = page.eval_on_selector_all("dt[id]", "els => els.map(e => e.id)")
        bad += [f"API: {n} not documented" for n in API_NAMES if f"dendrisim.{n}" not in ids]
    if name == "cli.html":
        bad += [f"CLI: {c} missing" for c in CLI_NAMES if f"dendrisim {c}" not in text]
    bad += [f"console error: {c}" for c in console]
    page.screenshot(
        path=str(shots / (name.replace("/", "_") + ".png")), full_page=name.startswith("examples/")
    )
    errors += [f"{name}: {b}" for b in bad]
    return errors


def main(argv: list[str] | None = None) -> int:
    """Check every page; print one line per page and per problem."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("html", type=Path)
    ap.add_argument("--shots", type=Path, default=None)
    args = ap.parse_args(argv)
    html = args.html.resolve()
    shots = args.shots or html.parent / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name in PAGES:
            found = check_page(page, html, name, shots)
            print(f"{'ok ' if not found else 'BAD'} {name}")
            problems += found
        browser.close()
    for line in problems:
        print(line, file=sys.stderr)
    print(f"docs check: {len(PAGES)} pages, {len(problems)} problems; screenshots in {shots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
