"""The MetaXpress plate description (``<plate>.HTD``): plate format, sites, wavelengths."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from napari_hcs_zarr.errors import RawPlateError

#: The largest HTD this reader reads (real ones are a few kB).
_MAX_BYTES = 1 << 20


@dataclass
class HtdFile:
    """What the reader uses of the ``.HTD`` file; every entry is optional in practice."""

    path: Path
    x_wells: int | None = None
    y_wells: int | None = None
    x_sites: int | None = None
    wave_names: dict[int, str] = field(default_factory=dict)
    time_points: int | None = None

    @property
    def wavelength_count(self) -> int:
        return len(self.wave_names)


def read_htd(path: Path) -> HtdFile:
    """Parse an HTD file (quoted keys, comma-separated values, one entry a line).

    Raises
    ------
    RawPlateError
        When the file cannot be read or a count is not a number.
    """
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise RawPlateError(path, f"is larger than {_MAX_BYTES} bytes: not a plate description")
        text = path.read_bytes().decode("latin-1")
    except OSError as error:
        raise RawPlateError(path, f"cannot be read ({error.strerror or error})") from None
    entries: dict[str, list[str]] = {}
    for row in csv.reader(text.splitlines(), skipinitialspace=True):
        if row:
            entries[row[0].strip()] = [value.strip() for value in row[1:]]
    if "HTSInfoFile" not in entries:
        raise RawPlateError(path, "is not an HTD file (no HTSInfoFile line)")

    def count(key: str) -> int | None:
        values = entries.get(key)
        if not values:
            return None
        try:
            return int(values[0])
        except ValueError:
            raise RawPlateError(path, f"{key} is not a number: {values[0]!r}") from None

    waves = {}
    for key, values in entries.items():
        if key.startswith("WaveName") and key[8:].isdigit() and values:
            waves[int(key[8:])] = values[0]
    return HtdFile(
        path=path,
        x_wells=count("XWells"),
        y_wells=count("YWells"),
        x_sites=count("XSites"),
        wave_names=waves,
        time_points=count("TimePoints"),
    )
