"""The neutral description of a raw plate acquisition.

Every vendor parser produces a :class:`RawPlate`; the writer consumes nothing else.
Positions are already in pixels of the well image (stage Y flipped, origin at the
well's top-left field), so the writer never needs vendor knowledge.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class RawChannel:
    """One imaged channel.

    Parameters
    ----------
    id
        Vendor identifier, unique in the plate (Yokogawa: ``A01_C01``, action + channel).
    label
        Name shown to the user (e.g. ``405`` or ``DAPI``).
    color
        Display colour as 6 hex digits, ``RRGGBB``.
    wavelength_nm
        Excitation wavelength when known.
    """

    id: str
    label: str
    color: str = "FFFFFF"
    wavelength_nm: float | None = None


@dataclass(frozen=True)
class PlaneKey:
    """Index of one image plane within a field: time point, channel, z (all 0-based)."""

    t: int
    c: int
    z: int


@dataclass
class RawField:
    """One camera field of view of a well.

    Parameters
    ----------
    index
        Vendor field number (1-based for Yokogawa), used to name ROIs.
    y_px, x_px
        Top-left corner of the field in the well image, in pixels (>= 0).
    y_um, x_um
        Stage position of the field's top-left corner in the well frame, in micrometres,
        Y pointing down like the image (before rounding to pixels).
    files
        The image file of each plane, by :class:`PlaneKey`.
    """

    index: int
    y_px: int
    x_px: int
    y_um: float
    x_um: float
    files: dict[PlaneKey, Path] = field(default_factory=dict)


@dataclass
class RawWell:
    """One imaged well: its place on the plate and its fields."""

    row: str
    column: str
    row_index: int
    column_index: int
    fields: list[RawField]
    z_count: int

    @property
    def name(self) -> str:
        return f"{self.row}{self.column}"

    @property
    def path(self) -> str:
        return f"{self.row}/{self.column}"

    def image_shape_yx(self, field_shape: tuple[int, int]) -> tuple[int, int]:
        """Height and width of the stitched well: the bounding box of its fields."""
        height = max(f.y_px for f in self.fields) + field_shape[0]
        width = max(f.x_px for f in self.fields) + field_shape[1]
        return height, width


@dataclass
class RawPlate:
    """A raw plate acquisition, as parsed from the vendor's metadata.

    Parameters
    ----------
    name
        Plate (measurement) name.
    source_dir
        The acquisition folder; never written to.
    row_names, column_names
        Every row and column of the plate format, occupied or not.
    wells
        The imaged wells, in plate order.
    channels
        The imaged channels, in the order of the output channel axis.
    time_count
        Number of time points (the output has a ``t`` axis when it is more than 1).
    field_shape
        Height and width of one camera field in pixels.
    dtype
        Pixel type of the camera images.
    pixel_size_um
        (z, y, x) pixel size in micrometres.
    metadata_files
        Vendor files copied into the plate for provenance.
    warnings
        Problems found while parsing that do not stop a conversion (missing files...).
    instrument
        The instrument that wrote the folder, e.g. ``CV8000``.
    """

    name: str
    source_dir: Path
    row_names: list[str]
    column_names: list[str]
    wells: list[RawWell]
    channels: list[RawChannel]
    time_count: int
    field_shape: tuple[int, int]
    dtype: np.dtype
    pixel_size_um: tuple[float, float, float]
    metadata_files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    instrument: str = ""

    @property
    def field_count(self) -> int:
        """Largest number of fields in one well."""
        return max((len(w.fields) for w in self.wells), default=0)

    @property
    def z_count(self) -> int:
        """Largest number of planes in one well."""
        return max((w.z_count for w in self.wells), default=0)

    def iter_files(self) -> Iterator[Path]:
        for well in self.wells:
            for fov in well.fields:
                yield from fov.files.values()

    def estimated_output_bytes(self) -> int:
        """Uncompressed size of all pyramid levels of all wells (level 0 × 4/3)."""
        itemsize = np.dtype(self.dtype).itemsize
        total = 0
        for well in self.wells:
            h, w = well.image_shape_yx(self.field_shape)
            total += h * w * well.z_count * len(self.channels) * self.time_count * itemsize
        return total * 4 // 3

    def select_wells(self, names: list[str]) -> RawPlate:
        """A copy holding only the wells named (``B03``...); unknown names raise ``KeyError``."""
        by_name = {w.name: w for w in self.wells}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise KeyError(
                f"wells not in the acquisition: {', '.join(missing)} (imaged: {', '.join(by_name)})"
            )
        keep = set(names)
        return RawPlate(**{**self.__dict__, "wells": [w for w in self.wells if w.name in keep]})
