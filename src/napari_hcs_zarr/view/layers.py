"""What the napari layers of a plate hold: data, names, colours, windows, scales.

This module builds plain layer-data tuples from a :class:`PlateModel` and imports no
napari: colours are given as ``(0, 0, 0) -> (r, g, b)`` ramps that the napari shell
turns into colormaps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from napari_hcs_zarr.ngff.model import OmeroChannel
from napari_hcs_zarr.view.plate_array import PlateArray
from napari_hcs_zarr.view.plate_model import PlateModel


@dataclass
class ChannelDisplay:
    """How one channel is shown, from ``omero.channels`` with fallbacks."""

    name: str
    color: tuple[float, float, float]
    contrast_limits: tuple[float, float] | None
    visible: bool


@dataclass
class PlateLayers:
    """Everything needed to add a plate to a viewer."""

    channels: list[tuple[list[PlateArray], ChannelDisplay]]
    labels: list[tuple[str, list[PlateArray]]]
    well_names: list[tuple[str, float, float]]  # name, y, x in world units
    scale: tuple[float, ...]
    units: tuple[str | None, ...]
    axis_labels: tuple[str, ...]
    problems: list[str] = field(default_factory=list)


_DEFAULT_COLORS = ["FFFFFF", "00FF00", "FF00FF", "00FFFF", "FFFF00", "FF0000", "0000FF"]


def _hex_to_rgb(value: Any) -> tuple[float, float, float] | None:
    text = str(value or "").lstrip("#")
    if len(text) == 8:
        text = text[:6]
    if len(text) != 6:
        return None
    try:
        return tuple(int(text[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]
    except ValueError:
        return None


def channel_display(model: PlateModel, index: int) -> ChannelDisplay:
    """Name, colour, contrast limits and visibility of channel ``index``."""
    entries = model.template.channels
    entry = entries[index] if index < len(entries) else OmeroChannel()
    count = model.channel_count
    default_color = _DEFAULT_COLORS[0] if count == 1 else _DEFAULT_COLORS[(index + 1) % len(_DEFAULT_COLORS)]
    color = _hex_to_rgb(entry.color) or _hex_to_rgb(default_color)
    window = entry.window
    limits = None
    if window is not None and window.end > window.start:
        limits = (float(window.start), float(window.end))
    if limits is None and np.issubdtype(model.dtype, np.integer) and model.dtype.itemsize == 1:
        limits = (0.0, 255.0)
    return ChannelDisplay(
        name=entry.label if entry.label is not None else f"c{index}",
        color=color,
        contrast_limits=limits,
        visible=entry.active,
    )


def plate_layers(model: PlateModel) -> PlateLayers:
    """The layers of a plate: one multiscale image per channel, labels, well names."""
    scale = model.scale()
    channels = [(model.image_levels(c), channel_display(model, c)) for c in range(model.channel_count)]
    labels = [(name, levels) for name in model.label_names if (levels := model.label_levels(name))]
    sy, sx = scale[-2], scale[-1]
    well_names = [(name, y * sy, x * sx) for name, y, x in model.well_labels()]
    return PlateLayers(
        channels=channels,
        labels=labels,
        well_names=well_names,
        scale=scale,
        units=model.axis_units(),
        axis_labels=(*model.lead_axes, "y", "x"),
        problems=list(model.problems),
    )
