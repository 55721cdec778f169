"""napari reader: OME-Zarr plates, wells and images, and raw plate-imager folders.

``get_reader`` decides from at most one small metadata file whether a path is ours and
never raises; reading happens in the function it returns.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from napari_hcs_zarr.raw.formats import raw_format_of
from napari_hcs_zarr.view import PlateLayers, open_plate, plate_kind, plate_layers

log = logging.getLogger(__name__)

_ZARR_MARKERS = (".zattrs", ".zgroup", "zarr.json")
#: Plates with more occupied wells open with the well-names layer hidden (one click shows it).
WELL_NAMES_SHOWN_UP_TO = 384


def get_reader(path: str | list[str]):
    """Return a reader for an OME-Zarr plate/well/image or a raw plate folder, else None."""
    try:
        if isinstance(path, list):
            if len(path) != 1:
                return None
            path = path[0]
        if not isinstance(path, str | Path):
            return None
        folder = Path(path)
        if not folder.is_dir():
            return None
        if any((folder / marker).is_file() for marker in _ZARR_MARKERS):
            return read_plate if plate_kind(folder) else None
        if raw_format_of(folder):
            return open_raw_folder
    except Exception:  # foreign input must never break napari's reader selection
        log.debug("napari-hcs-zarr: not reading %s", path, exc_info=True)
    return None


def _colormap(name: str, color: tuple[float, float, float]):
    from napari.utils.colormaps import Colormap

    hex_color = "".join(f"{round(v * 255):02X}" for v in color)
    return Colormap([[0.0, 0.0, 0.0, 1.0], [*color, 1.0]], name=f"{name} #{hex_color}")


def layer_data(layers: PlateLayers, source: str) -> list[tuple[Any, dict, str]]:
    """napari layer-data tuples of a plate."""
    common = {"scale": layers.scale, "units": layers.units, "axis_labels": layers.axis_labels}
    result: list[tuple[Any, dict, str]] = []
    for levels, display in layers.channels:
        kwargs = {
            **common,
            "name": display.name,
            "multiscale": True,
            "colormap": _colormap(display.name, display.color),
            "blending": "additive",
            "visible": display.visible,
            "metadata": {"plate": source, "problems": layers.problems},
        }
        if display.contrast_limits is not None:
            kwargs["contrast_limits"] = display.contrast_limits
        result.append((levels, kwargs, "image"))
    for name, levels in layers.labels:
        result.append((levels, {**common, "name": name, "multiscale": True}, "labels"))
    if layers.well_names:
        names = [n for n, _, _ in layers.well_names]
        coords = [[y, x] for _, y, x in layers.well_names]
        result.append(
            (
                coords,
                {
                    "name": "well names",
                    "scale": (1.0, 1.0),
                    "units": layers.units[-2:],
                    "features": {"well": names},
                    "text": {
                        "string": "{well}",
                        "color": "white",
                        "size": 10,
                        "anchor": "upper_left",
                    },
                    "size": 0.0,
                    "face_color": "transparent",
                    "border_width": 0,
                    # Hundreds of names are unreadable at plate zoom and slow to draw.
                    "visible": len(names) <= WELL_NAMES_SHOWN_UP_TO,
                    "metadata": {"plate": source},
                },
                "points",
            )
        )
    return result


def read_plate(path: str | list[str]) -> list[tuple[Any, dict, str]]:
    """Open an OME-Zarr plate (or well, or image) as napari layers."""
    from napari.utils.notifications import show_error, show_warning

    if isinstance(path, list):
        path = path[0]
    try:
        model = open_plate(path)
        layers = plate_layers(model)
    except Exception as error:  # napari keeps running whatever the plate holds
        show_error(f"napari-hcs-zarr could not open {path}: {error}")
        return [(None,)]
    if layers.problems:
        shown = "; ".join(layers.problems[:5])
        more = f" (+{len(layers.problems) - 5} more)" if len(layers.problems) > 5 else ""
        show_warning(f"{path}: {shown}{more}")
    return layer_data(layers, str(path))


def open_raw_folder(path: str | list[str]) -> list[tuple[None]]:
    """A raw acquisition folder: dock the conversion widget for it; no layers."""
    import napari

    from napari_hcs_zarr._napari.widget import ConversionWidget

    if isinstance(path, list):
        path = path[0]
    viewer = napari.current_viewer()
    if viewer is not None:
        widget = ConversionWidget(viewer)
        widget.set_raw_folder(Path(path))
        viewer.window.add_dock_widget(widget, name="Convert raw plate to OME-Zarr", area="right")
    return [(None,)]
