"""Stage positions in micrometres → field positions in pixels of the well image.

Every vendor parser places its fields here, so that the axis conventions and the
rounding are the same for all instruments: the well image's origin is the top-left
corner of the bounding box of the fields, Y points down (the stage's Y often points up),
and a position is rounded half up once, after dividing by the pixel size, so that float
noise in the metadata never moves a field by a pixel.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class StageAxes:
    """How the stage's axes relate to the image's.

    Parameters
    ----------
    y_up
        Stage Y grows upwards (Yokogawa, Operetta): the image's top is the largest Y.
    x_left
        Stage X grows to the left.
    swap_xy
        The stage's X is the image's vertical axis.
    """

    y_up: bool = True
    x_left: bool = False
    swap_xy: bool = False


@dataclass(frozen=True)
class FieldPlacement:
    """Where one field's top-left corner goes in the well image."""

    y_px: int
    x_px: int
    y_um: float  # in the well frame, Y down, before rounding
    x_um: float


def round_half_up(value: float) -> int:
    """Deterministic rounding of a pixel position: halves go up, float noise is ignored."""
    return math.floor(round(value, 6) + 0.5)


def place_fields(
    corners_um: Mapping[Key, tuple[float, float]],
    pixel_size_yx_um: tuple[float, float],
    axes: StageAxes = StageAxes(),
) -> dict[Key, FieldPlacement]:
    """Pixel positions of fields from their stage positions.

    Parameters
    ----------
    corners_um
        ``(x, y)`` stage position of each field's top-left image corner, by any key
        (the field number), in micrometres.
    pixel_size_yx_um
        Pixel height and width in micrometres.
    axes
        The stage's axis conventions.
    """
    if not corners_um:
        return {}
    frame: dict[Key, tuple[float, float]] = {}
    for key, (x, y) in corners_um.items():
        if axes.swap_xy:
            x, y = y, x
        frame[key] = (-x if axes.x_left else x, -y if axes.y_up else y)
    min_x = min(x for x, _ in frame.values())
    min_y = min(y for _, y in frame.values())
    pixel_y, pixel_x = pixel_size_yx_um
    placements = {}
    for key, (x, y) in frame.items():
        rel_x, rel_y = x - min_x, y - min_y
        placements[key] = FieldPlacement(
            y_px=round_half_up(rel_y / pixel_y), x_px=round_half_up(rel_x / pixel_x), y_um=rel_y, x_um=rel_x
        )
    return placements
