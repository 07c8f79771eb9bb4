# Sourced by scripts/run and scripts/test: make .venv (Python 3.12) and install dendrisim.
# $PYTHON overrides the interpreter. Installs `.[fenics,dev,docs,study]` only when pyproject.toml
# changed since the last install (stamp in .venv).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"

find_python() {
  if [[ -n "${PYTHON:-}" ]]; then echo "$PYTHON"; return; fi
  for cand in python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
      echo "$cand"; return
    fi
  done
  # pyenv installs that are not the global version
  for cand in "$HOME"/.pyenv/versions/3.12*/bin/python3.12 /root/.pyenv/versions/3.12*/bin/python3.12; do
    if [[ -x "$cand" ]]; then echo "$cand"; return; fi
  done
  echo "dendrisim: no Python >= 3.12 found; set PYTHON=/path/to/python3.12" >&2
  exit 2
}

if [[ ! -x "$VENV/bin/python" ]]; then
  PY="$(find_python)"
  echo "dendrisim: creating $VENV with $("$PY" --version 2>&1)" >&2
  "$PY" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' >&2 || true
fi

STAMP="$VENV/.dendrisim-install-stamp"
WANT="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$WANT" ]]; then
  echo "dendrisim: installing dendrisim[fenics,dev,docs,study] into .venv (about 30 s)" >&2
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[fenics,dev,docs,study]" 2>&1 \
    | grep -v -e '^WARNING: Location' -e '^\s*$' >&2 || true
  "$VENV/bin/python" -c "import dendrisim, gmsh, pyvista" \
    || { echo "dendrisim: install failed" >&2; exit 1; }
  echo "$WANT" > "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
# off-screen rendering for pyvista (no display on servers/CI)
export PYVISTA_OFF_SCREEN="${PYVISTA_OFF_SCREEN:-true}"
