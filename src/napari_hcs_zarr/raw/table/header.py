"""The header of a table plate: ``plate.toml`` beside ``plate.csv``.

Everything the table's rows do not say: the pixel size, how to read the positions, the
plate format and the channels. Only ``pixel_size_um`` is required::

    name = "screen-42"          # default: the folder's name
    instrument = "Nikon Ti2"
    pixel_size_um = 0.65        # or [y, x]
    z_step_um = 2.0             # between planes (default 1)
    position_unit = "um"        # "um" (stage micrometres) or "px" (well pixels)
    y_axis = "down"             # "down" (image-like) or "up" (stage Y grows upwards)
    rows = 16                   # plate format; default: the smallest that holds the wells
    columns = 24

    [[channels]]                # in the order of the channel axis; default: the table's
    name = "DAPI"               #   channel values in order of appearance
    color = "0000FF"            # default: from emission_nm, else white
    emission_nm = 455
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.plate_names import MAX_WELLS
from napari_hcs_zarr.raw.model import RawChannel
from napari_hcs_zarr.raw.wavelength_colors import emission_color

#: The most channels a header may list.
MAX_CHANNELS = 64
#: The largest header read (a header is a few lines).
MAX_HEADER_BYTES = 1 << 20
_KEYS = {
    "name",
    "instrument",
    "pixel_size_um",
    "z_step_um",
    "position_unit",
    "y_axis",
    "rows",
    "columns",
    "channels",
}
_CHANNEL_KEYS = {"name", "color", "emission_nm"}


@dataclass(frozen=True)
class TableHeader:
    """What ``plate.toml`` says (see the module's docstring for the keys)."""

    path: Path
    pixel_size_yx_um: tuple[float, float]
    z_step_um: float = 1.0
    positions_in_pixels: bool = False
    y_up: bool = False
    plate_format: tuple[int, int] | None = None
    channels: list[RawChannel] = field(default_factory=list)
    name: str = ""
    instrument: str = ""


def _positive(value: object, path: Path, key: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise RawPlateError(path, f"{key} must be a positive number, not {value!r}")
    return float(value)


def _choice(table: dict, key: str, choices: tuple[str, str], path: Path) -> str:
    value = table.get(key, choices[0])
    if value not in choices:
        raise RawPlateError(path, f"{key} must be {choices[0]!r} or {choices[1]!r}, not {value!r}")
    return value


def _channel(entry: object, number: int, path: Path) -> RawChannel:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or not entry["name"].strip():
        raise RawPlateError(path, f"channel {number} needs a name")
    unknown = sorted(set(entry) - _CHANNEL_KEYS)
    if unknown:
        raise RawPlateError(
            path,
            f"unknown key(s) in channel {number}: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(_CHANNEL_KEYS))}; plate keys go before the first [[channels]])",
        )
    emission = entry.get("emission_nm")
    wavelength = None if emission is None else _positive(emission, path, f"emission_nm of channel {number}")
    color = entry.get("color", emission_color(wavelength))
    if not isinstance(color, str) or len(color.lstrip("#")) != 6:
        raise RawPlateError(path, f"color of channel {number} must be RRGGBB, not {color!r}")
    try:
        int(color.lstrip("#"), 16)
    except ValueError:
        raise RawPlateError(path, f"color of channel {number} must be RRGGBB, not {color!r}") from None
    name = entry["name"].strip()
    return RawChannel(name, name, color.lstrip("#").upper(), wavelength)


def read_table_header(path: Path) -> TableHeader:
    """Parse a header file.

    Raises
    ------
    RawPlateError
        Naming the file, when it is not TOML, misses the pixel size or has a bad value.
    """
    try:
        if path.stat().st_size > MAX_HEADER_BYTES:
            raise RawPlateError(path, f"is larger than {MAX_HEADER_BYTES >> 20} MB: not a plate header")
        table = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as error:
        raise RawPlateError(path, f"cannot be read ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RawPlateError(path, f"not a TOML file ({error})") from None
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise RawPlateError(path, f"unknown key(s): {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")
    if "pixel_size_um" not in table:
        raise RawPlateError(path, "has no pixel_size_um")
    size = table["pixel_size_um"]
    if isinstance(size, list):
        if len(size) != 2:
            raise RawPlateError(path, "pixel_size_um must be one number or [y, x]")
        pixel_size = (_positive(size[0], path, "pixel_size_um"), _positive(size[1], path, "pixel_size_um"))
    else:
        pixel_size = (_positive(size, path, "pixel_size_um"),) * 2
    plate_format = None
    if "rows" in table or "columns" in table:
        rows, columns = table.get("rows"), table.get("columns")
        if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in (rows, columns)):
            raise RawPlateError(path, "rows and columns must both be given, as positive integers")
        if rows * columns > MAX_WELLS:
            raise RawPlateError(path, f"plate format {rows}x{columns} is larger than any plate")
        plate_format = (rows, columns)
    entries = table.get("channels", [])
    if not isinstance(entries, list) or len(entries) > MAX_CHANNELS:
        raise RawPlateError(path, f"channels must be a list of at most {MAX_CHANNELS} [[channels]] tables")
    channels = [_channel(entry, number, path) for number, entry in enumerate(entries, start=1)]
    if len({c.id for c in channels}) != len(channels):
        raise RawPlateError(path, "two channels have the same name")
    for key in ("name", "instrument"):
        if not isinstance(table.get(key, ""), str):
            raise RawPlateError(path, f"{key} must be a string")
    return TableHeader(
        path=path,
        pixel_size_yx_um=pixel_size,
        z_step_um=_positive(table.get("z_step_um", 1.0), path, "z_step_um"),
        positions_in_pixels=_choice(table, "position_unit", ("um", "px"), path) == "px",
        y_up=_choice(table, "y_axis", ("down", "up"), path) == "up",
        plate_format=plate_format,
        channels=channels,
        name=table.get("name", ""),
        instrument=table.get("instrument", ""),
    )
