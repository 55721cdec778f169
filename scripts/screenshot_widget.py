"""Render docs/images/widget.png: the conversion widget beside the plate it converted.

Run headless with: xvfb-run -a -s "-screen 0 1600x1200x24" .venv/bin/python scripts/screenshot_widget.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import napari
from qtpy.QtWidgets import QApplication

from napari_hcs_zarr._napari.demo import DEMO_SPEC
from napari_hcs_zarr._napari.widget import ConversionWidget
from napari_hcs_zarr.raw import synthetic_format

OUT = Path(__file__).resolve().parents[1] / "docs" / "images" / "widget.png"


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="napari-hcs-zarr-widget-"))
    raw = synthetic_format().write_synthetic(folder / DEMO_SPEC.name, DEMO_SPEC)
    viewer = napari.Viewer(title="napari-hcs-zarr")
    viewer.window.resize(1500, 950)
    viewer.open(str(raw), plugin="napari-hcs-zarr")  # docks the widget for the raw folder
    widget = next(w for w in viewer.window.dock_widgets.values() if isinstance(w, ConversionWidget))
    widget.start_conversion()
    deadline = time.time() + 120
    while time.time() < deadline and not len(viewer.layers):
        QApplication.processEvents()
        time.sleep(0.02)
    for _ in range(50):
        QApplication.processEvents()
        time.sleep(0.02)
    viewer.layers.selection.active = viewer.layers[0]
    viewer.reset_view()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    viewer.screenshot(str(OUT), canvas_only=False, flash=False)
    print(OUT)
    viewer.close()


if __name__ == "__main__":
    main()
