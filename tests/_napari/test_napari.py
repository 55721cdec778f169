"""The plugin in a real napari viewer (Xvfb): reader, well names, widget, sample data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec

pytest.importorskip("napari")

WIDGET_NAME = "Convert raw plate to OME-Zarr"


def center_on(viewer, layer, y_px, x_px, extent_px):
    """Put plate pixel (y, x) of level 0 in the canvas centre, ``extent_px`` across."""
    sy, sx = layer.scale[-2:]
    camera = viewer.scene.camera if hasattr(viewer, "scene") else viewer.camera
    width = viewer.screenshot(canvas_only=True, flash=False).shape[1]
    camera.center = (y_px * sy, x_px * sx)
    camera.zoom = width / (extent_px * sx)


def canvas_center(viewer) -> np.ndarray:
    shot = viewer.screenshot(canvas_only=True, flash=False)
    h, w = shot.shape[:2]
    return shot[h // 2 - 3 : h // 2 + 3, w // 2 - 3 : w // 2 + 3, :3].reshape(-1, 3).mean(axis=0)


def assert_cell_blue_and_empty_black(viewer, blue, model, cell_well, empty_well):
    """On screen at level 0, t = z = 0: a synthetic cell of ``cell_well`` (row, column) is
    blue (cells are centred where y and x are 32 mod 64), the empty ``empty_well`` black."""
    viewer.dims.set_point(0, 0)
    viewer.dims.set_point(1, 0)
    y0, x0 = model.well_origin(*cell_well)
    center_on(viewer, blue, y0 + 96, x0 + 160, 200)
    well_pixel = canvas_center(viewer)
    assert well_pixel[2] > 60 and well_pixel[2] > well_pixel[0] + 30, well_pixel
    y0, x0 = model.well_origin(*empty_well)
    center_on(viewer, blue, y0 + 60, x0 + 120, 200)
    empty_pixel = canvas_center(viewer)
    assert empty_pixel.max() < 10, empty_pixel


def test_plate_opens_with_layers_and_pixels(make_napari_viewer, small_plate):
    from napari_hcs_zarr.view import PlateModel

    viewer = make_napari_viewer(show=True)
    layers = viewer.open(str(small_plate), plugin="napari-hcs-zarr")
    names = [layer.name for layer in viewer.layers]
    assert names == ["405", "488", "well names"]
    blue, green = viewer.layers["405"], viewer.layers["488"]
    assert blue.multiscale and len(blue.data) == 3
    assert blue.data[0].ndim == 4 and blue.data[0].shape[:2] == (2, 3)  # t, z (largest Z)
    assert tuple(blue.scale[-2:]) == (0.65, 0.65)
    assert blue.axis_labels[-4:] == ("t", "z", "y", "x")
    np.testing.assert_allclose(blue.colormap.colors[-1][:3], [0, 0x2F / 255, 1], atol=1e-3)
    assert blue.contrast_limits[1] > blue.contrast_limits[0] > 0
    assert len(layers) == 3

    green.visible = False
    # B04 (row 1, column 3) is imaged, C04 (row 2, column 3) is not.
    assert_cell_blue_and_empty_black(viewer, blue, PlateModel.open(small_plate), (1, 3), (2, 3))


def test_whole_plate_overview_renders(make_napari_viewer, small_plate):
    viewer = make_napari_viewer(show=True)
    viewer.open(str(small_plate), plugin="napari-hcs-zarr")
    viewer.reset_view()
    shot = viewer.screenshot(canvas_only=True, flash=False)[..., :3]
    lit = shot.max(axis=2) > 40
    assert lit.sum() > 500  # the three wells show
    assert lit.mean() < 0.5  # and most of the plate (empty wells) is dark


def test_well_names_layer(make_napari_viewer, small_plate):
    viewer = make_napari_viewer(show=True)
    viewer.open(str(small_plate), plugin="napari-hcs-zarr")
    names = viewer.layers["well names"]
    assert list(names.features["well"]) == ["B02", "B04", "D03"]
    assert names.text.visible
    before = viewer.screenshot(canvas_only=True, flash=False)
    names.visible = False
    after = viewer.screenshot(canvas_only=True, flash=False)
    assert (before != after).any()  # the text was drawn, and hiding it removes it


def test_foreign_folder_is_not_claimed(tmp_path):
    from napari_hcs_zarr._napari.reader import get_reader

    assert get_reader(str(tmp_path)) is None
    (tmp_path / "thing.zarr").mkdir()
    (tmp_path / "thing.zarr" / ".zgroup").write_text('{"zarr_format": 2}')
    assert get_reader(str(tmp_path / "thing.zarr")) is None
    (tmp_path / "broken.zarr").mkdir()
    (tmp_path / "broken.zarr" / "zarr.json").write_text("{not json")
    assert get_reader(str(tmp_path / "broken.zarr")) is None


def test_raw_folder_docks_the_widget(make_napari_viewer, small_raw):
    viewer = make_napari_viewer(show=True)
    viewer.open(str(small_raw), plugin="napari-hcs-zarr")
    assert len(viewer.layers) == 0
    assert WIDGET_NAME in viewer.window.dock_widgets
    magic = _conversion_widget(viewer)
    assert magic.plate is not None and [w.name for w in magic.plate.wells] == ["B02", "B04", "D03"]
    assert magic._map.value.splitlines()[1] == " B .#.#........"  # B02 and B04 imaged


def _conversion_widget(viewer):
    from napari_hcs_zarr._napari.widget import ConversionWidget

    for widget in viewer.window.dock_widgets.values():
        if isinstance(widget, ConversionWidget):
            return widget
    raise AssertionError(f"conversion widget not docked: {list(viewer.window.dock_widgets)}")


def test_widget_converts_in_background_and_opens_plate(make_napari_viewer, qtbot, make_raw, tmp_path):
    from qtpy.QtCore import QTimer

    from napari_hcs_zarr._napari.widget import ConversionWidget

    spec = SyntheticPlateSpec(wells=["B02", "C03"], fields_yx=(2, 2), field_shape=(256, 256), z_count=6)
    raw = make_raw(spec)
    viewer = make_napari_viewer(show=True)
    widget = ConversionWidget(viewer)
    viewer.window.add_dock_widget(widget)
    widget.set_raw_folder(raw)
    widget._output.value = tmp_path / "converted.zarr"
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start(20)
    assert widget._convert.enabled
    widget._convert.native.click()  # the button itself, as a user presses it
    assert widget._cancel.enabled and not widget._convert.enabled
    qtbot.waitUntil(lambda: len(viewer.layers) == 3, timeout=120_000)
    timer.stop()
    assert [layer.name for layer in viewer.layers] == ["405", "488", "well names"]
    assert ticks, "the event loop did not run during the conversion"
    assert "Wrote" in widget._status.value
    attrs = json.loads((tmp_path / "converted.zarr" / ".zattrs").read_text())
    assert [w["path"] for w in attrs["plate"]["wells"]] == ["B/02", "C/03"]

    # The opened plate shows on the canvas: a cell of C03 is blue, the empty C02 is black.
    from napari_hcs_zarr.view import PlateModel

    viewer.layers["488"].visible = False
    viewer.layers["well names"].visible = False
    model = PlateModel.open(tmp_path / "converted.zarr")
    assert_cell_blue_and_empty_black(viewer, viewer.layers["405"], model, (2, 2), (2, 1))


def test_widget_cancel_leaves_incomplete_plate_and_convert_finishes_it(
    make_napari_viewer, qtbot, make_raw, tmp_path, monkeypatch
):
    import threading

    import napari_hcs_zarr._napari.widget as widget_module
    from napari_hcs_zarr._napari.widget import ConversionWidget

    spec = SyntheticPlateSpec(
        wells=["B02", "B03", "C02", "C03"], fields_yx=(2, 2), field_shape=(256, 256), z_count=12
    )
    raw = make_raw(spec)
    viewer = make_napari_viewer(show=True)
    widget = ConversionWidget(viewer)
    widget.set_raw_folder(raw)
    out = tmp_path / "cancelled.zarr"
    widget._output.value = out

    # The conversion holds after its third plane until the Cancel click has arrived, so the
    # click lands mid-conversion however fast the converter is (once: the resume runs free).
    real_iter_convert = widget_module.iter_convert_until
    held = threading.Event()

    def holding_after_three_planes(*args, **kwargs):
        events = real_iter_convert(*args, **kwargs)
        try:
            while True:
                try:
                    event = next(events)
                except StopIteration as finished:
                    return finished.value  # the summary
                yield event
                if not held.is_set() and event.message == "writing well planes" and event.done >= 3:
                    held.set()
                    assert widget._stop.wait(30), "Cancel did not arrive"
        finally:
            events.close()

    monkeypatch.setattr(widget_module, "iter_convert_until", holding_after_three_planes)
    widget._convert.native.click()
    qtbot.waitUntil(held.is_set, timeout=60_000)
    widget._cancel.native.click()
    qtbot.waitUntil(lambda: not widget._cancel.enabled, timeout=30_000)
    assert "Cancelled" in widget._status.value
    assert "plate" not in json.loads((out / ".zattrs").read_text())
    assert (out / ".conversion").is_dir()
    assert len(viewer.layers) == 0

    # Pressing Convert again resumes the interrupted plate instead of refusing it.
    assert widget.options().resume
    widget._overwrite.value = True
    assert not widget.options().resume and "Ready" in widget._status.value
    widget._overwrite.value = False
    assert widget.options().resume and "interrupted conversion" in widget._status.value
    widget._convert.native.click()
    qtbot.waitUntil(lambda: len(viewer.layers) == 3, timeout=120_000)
    assert "from the interrupted run" in widget._status.value
    assert not (out / ".conversion").exists()
    assert [w["path"] for w in json.loads((out / ".zattrs").read_text())["plate"]["wells"]] == [
        "B/02",
        "B/03",
        "C/02",
        "C/03",
    ]


def test_widget_error_is_a_notification_naming_the_file(
    make_napari_viewer, qtbot, make_raw, tmp_path, monkeypatch
):
    import napari.utils.notifications as notifications

    from napari_hcs_zarr._napari.widget import ConversionWidget

    raw = make_raw(
        SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 2), field_shape=(32, 32), channels=1, z_count=1)
    )
    victim = sorted(raw.glob("*F002*.tif"))[0]
    victim.write_bytes(b"II*\x00broken")
    shown = []
    monkeypatch.setattr(notifications, "show_error", lambda message: shown.append(message))
    viewer = make_napari_viewer(show=True)
    widget = ConversionWidget(viewer)
    widget.set_raw_folder(raw)
    widget._output.value = tmp_path / "broken.zarr"
    widget.start_conversion()
    qtbot.waitUntil(lambda: bool(shown), timeout=60_000)
    assert victim.name in shown[0] and "unreadable image" in shown[0]
    assert "Failed" in widget._status.value


def test_sample_data(make_napari_viewer):
    viewer = make_napari_viewer(show=True)
    viewer.open_sample("napari-hcs-zarr", "converted_plate")
    assert [layer.name for layer in viewer.layers] == ["405", "488", "well names"]
    viewer.open_sample("napari-hcs-zarr", "raw_plate")
    assert _conversion_widget(viewer).plate is not None


def test_broken_plate_does_not_crash_napari(make_napari_viewer, tmp_path, monkeypatch):
    import napari.utils.notifications as notifications

    plate = tmp_path / "bad.zarr"
    plate.mkdir()
    (plate / ".zgroup").write_text('{"zarr_format": 2}')
    (plate / ".zattrs").write_text(
        json.dumps(
            {
                "plate": {
                    "rows": [{"name": "A"}],
                    "columns": [{"name": "1"}],
                    "wells": [{"path": "A/1", "rowIndex": 0, "columnIndex": 0}],
                }
            }
        )
    )
    shown = []
    monkeypatch.setattr(notifications, "show_error", lambda message: shown.append(message))
    viewer = make_napari_viewer(show=True)
    viewer.open(str(plate), plugin="napari-hcs-zarr")
    assert len(viewer.layers) == 0
    assert shown and str(plate) in shown[0]


def test_damaged_chunks_do_not_crash_napari(make_napari_viewer, small_plate, tmp_path):
    import shutil

    from helpers import damage_well_level
    from napari_hcs_zarr.view import PlateModel, UnreadablePixelsWarning

    plate = tmp_path / "damaged.zarr"
    shutil.copytree(small_plate, plate)
    coarsest = len(PlateModel.open(plate).factors) - 1
    damage_well_level(plate, "B/02", coarsest)
    viewer = make_napari_viewer(show=True)
    with pytest.warns(UnreadablePixelsWarning, match="B/02/0/"):
        viewer.open(str(plate), plugin="napari-hcs-zarr")
        viewer.reset_view()
        shot = viewer.screenshot(canvas_only=True, flash=False)[..., :3]
    assert [layer.name for layer in viewer.layers] == ["405", "488", "well names"]
    assert (shot.max(axis=2) > 40).sum() > 200  # the undamaged wells B04 and D03 show


def test_an_imagexpress_folder_docks_the_widget_and_converts(make_napari_viewer, qtbot, tmp_path):
    """A second vendor reaches napari through the format registry alone: drop the folder,
    see what was found, press Convert, get the plate's layers."""
    from napari_hcs_zarr.raw.imagexpress import write_synthetic_imagexpress

    spec = SyntheticPlateSpec(
        wells=["B02", "C03"], fields_yx=(1, 2), field_shape=(64, 64), channels=2, z_count=2, name="ix"
    )
    raw = write_synthetic_imagexpress(tmp_path / "ix-raw", spec)
    viewer = make_napari_viewer(show=True)
    viewer.open(str(raw), plugin="napari-hcs-zarr")
    assert len(viewer.layers) == 0
    widget = _conversion_widget(viewer)
    assert "ImageXpress plate 'ix'" in widget._summary.value
    assert [w.name for w in widget.plate.wells] == ["B02", "C03"]
    widget._output.value = tmp_path / "ix.zarr"
    widget._convert.native.click()
    qtbot.waitUntil(lambda: len(viewer.layers) == 3, timeout=120_000)
    assert [layer.name for layer in viewer.layers] == ["DAPI", "FITC", "well names"]
