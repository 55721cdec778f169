#!/usr/bin/env bash
# Set up, write a synthetic raw plate-imager folder, convert it to OME-Zarr and show it in napari.
# Without a screen the viewer is rendered to demo-output/demo.png and the path is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec .venv/bin/napari-hcs-zarr demo demo-output
fi
exec xvfb-run -a -s "-screen 0 1600x1200x24" \
  .venv/bin/napari-hcs-zarr demo demo-output --screenshot demo-output/demo.png
