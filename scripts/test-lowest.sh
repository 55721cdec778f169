#!/usr/bin/env bash
# Run the suite against the lowest versions of the base dependencies that pyproject.toml
# allows (numpy, zarr, numcodecs, tifffile...), in .venv-lowest. napari and the peer
# libraries (ome-zarr-py, ome-zarr-models, ngio) need newer versions than those bounds,
# so they are not installed here and their tests skip; scripts/test.sh runs them all.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv-lowest/bin/python ]; then
  echo "test-lowest: creating .venv-lowest"
  "$PYTHON" -m venv .venv-lowest
fi
"$PYTHON" scripts/lowest_constraints.py > .venv-lowest/constraints.txt
stamp=".venv-lowest/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  echo "test-lowest: installing $(tr '\n' ' ' < .venv-lowest/constraints.txt)"
  .venv-lowest/bin/python -m pip install -q --upgrade pip
  .venv-lowest/bin/python -m pip install -q -c .venv-lowest/constraints.txt -e . \
    "pytest>=8" "pytest-timeout>=2.3" "anndata>=0.11" "distributed>=2024.8"
  rm -f .venv-lowest/.installed-*
  touch "$stamp"
fi
# The versions really installed must be the lower bounds.
.venv-lowest/bin/python - <<'PY'
import importlib.metadata, pathlib, sys
from packaging.version import Version
pins = [line.split("==") for line in pathlib.Path(".venv-lowest/constraints.txt").read_text().split()]
wrong = [f"{name} {importlib.metadata.version(name)} (wanted {version})" for name, version in pins
         if Version(importlib.metadata.version(name)) != Version(version)]
sys.exit(f"test-lowest: not the lowest versions: {', '.join(wrong)}" if wrong else 0)
PY
exec .venv-lowest/bin/python -m pytest -p no:cacheprovider "$@"
