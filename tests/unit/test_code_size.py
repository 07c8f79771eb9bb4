"""Size limits that keep the package readable (docs/architecture.md#conventions).

No module in dendrisim/ over 400 lines, no function over 60 lines, no class over 300.
Exceptions are listed here with their reason; an exception that no longer applies must be
removed (the test says so).
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "dendrisim"
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
MAX_CLASS_LINES = 300

# "path/to/file.py" or "path/to/file.py:qualname" -> why it may exceed its limit
EXCEPTIONS: dict[str, str] = {}


def _sizes():
    for f in sorted(PKG.rglob("*.py")):
        rel = f.relative_to(PKG).as_posix()
        text = f.read_text("utf-8")
        yield rel, "file", rel, text.count("\n") + 1, MAX_FILE_LINES
        tree = ast.parse(text)
        stack = [(tree, "")]
        while stack:
            node, prefix = stack.pop()
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    name = f"{prefix}{child.name}"
                    n = child.end_lineno - child.lineno + 1
                    limit = (
                        MAX_CLASS_LINES if isinstance(child, ast.ClassDef) else (MAX_FUNCTION_LINES)
                    )
                    yield rel, type(child).__name__, f"{rel}:{name}", n, limit
                    stack.append((child, name + "."))
                else:  # defs inside if/with/for/try blocks count too
                    stack.append((child, prefix))


def test_files_functions_and_classes_within_limits():
    over = [
        f"{key} ({kind}, {n} lines > {limit})"
        for _, kind, key, n, limit in _sizes()
        if n > limit and key not in EXCEPTIONS
    ]
    assert not over, "over the size limits:\n" + "\n".join(over)


def test_exceptions_still_needed():
    sizes = {key: (n, limit) for _, _, key, n, limit in _sizes()}
    stale = [k for k in EXCEPTIONS if k not in sizes or sizes[k][0] <= sizes[k][1]]
    assert not stale, f"no longer over the limit (remove from EXCEPTIONS): {stale}"
