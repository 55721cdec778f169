"""The built-in demo: a synthetic raw plate, converted, shown in napari."""

from __future__ import annotations

from pathlib import Path

from napari_hcs_zarr.convert import ConversionOptions, convert_plate
from napari_hcs_zarr.raw import synthetic_format
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec

DEMO_SPEC = SyntheticPlateSpec(
    wells=["B02", "B03", "B05", "C02", "C04", "D03", "D05", "E04"],
    fields_yx=(2, 3),
    field_shape=(320, 384),
    channels=2,
    z_count=3,
    z_counts={"C04": 5, "E04": 2},
    gap_px=-6,
    name="demo-plate",
)


def make_demo_plate(folder: Path) -> Path:
    """Write the demo's raw folder (once) and convert it; return the plate's path."""
    raw = folder / "raw" / DEMO_SPEC.name
    raw_format = synthetic_format()
    if not raw_format.detect(raw):
        raw_format.write_synthetic(raw, DEMO_SPEC)
    output = folder / f"{DEMO_SPEC.name}.zarr"
    summary = convert_plate(raw, output, ConversionOptions(overwrite=True))
    print(summary.describe())
    return output


def run_demo(folder: Path, screenshot: Path | None = None) -> Path | None:
    """Convert the demo plate and show it; with ``screenshot``, render to that PNG and return it."""
    import napari

    plate = make_demo_plate(folder)
    viewer = napari.Viewer(title="napari-hcs-zarr demo")
    viewer.window.resize(1400, 900)
    viewer.open(str(plate), plugin="napari-hcs-zarr")
    viewer.layers.selection.active = viewer.layers[0]
    viewer.reset_view()
    if screenshot is None:
        napari.run()
        return None
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    viewer.screenshot(str(screenshot), canvas_only=False, flash=False)
    viewer.close()
    return screenshot
