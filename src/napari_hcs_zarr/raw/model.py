"""The neutral description of a raw plate acquisition.

Every vendor parser produces a :class:`RawPlate`; the converter consumes nothing else.
Field positions are already in pixels of the well image (see
:mod:`~napari_hcs_zarr.raw.placement`), and each plane of a field is a
:class:`PlaneLoader` that returns its pixels, so the converter needs no vendor knowledge
and never opens a raw file by name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from napari_hcs_zarr.errors import UnknownWellError
from napari_hcs_zarr.raw.conditions import ConditionTable


@runtime_checkable
class PlaneLoader(Protocol):
    """The pixels of one camera image (one plane of one field).

    Loaders travel to dask.distributed workers with the work, so they must pickle: a
    frozen dataclass of a path and the expected shape is the usual form.
    """

    @property
    def source(self) -> str:
        """Where the pixels come from (a file path), for messages."""
        ...

    def load(self) -> np.ndarray:
        """The 2-D image; raises :class:`~napari_hcs_zarr.errors.RawPlateError` naming
        :attr:`source` when it cannot be read or has another shape than expected."""
        ...


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
        Position of the field's top-left corner in the well frame, in micrometres, Y
        pointing down like the image (before rounding to pixels).
    shape
        Height and width of the field's images in pixels.
    planes
        The loader of each imaged plane, by :class:`PlaneKey`; a plane the acquisition
        lists but whose image is missing has no loader (it is written as zeros).
    """

    index: int
    y_px: int
    x_px: int
    y_um: float
    x_um: float
    shape: tuple[int, int]
    planes: dict[PlaneKey, PlaneLoader] = field(default_factory=dict)


@dataclass
class RawImage:
    """One image of a well: its fields (stitched together) and its planes.

    Parameters
    ----------
    path
        The image's group below the well (``"0"`` for the main image).
    fields
        The camera fields.
    z_count
        Planes of the image.
    description
        What the image is, for other images than the main one (e.g. ``"max projection"``).
    """

    path: str
    fields: list[RawField]
    z_count: int
    description: str = ""

    @property
    def image_shape_yx(self) -> tuple[int, int]:
        """Height and width of the stitched image: the bounding box of its fields."""
        height = max(f.y_px + f.shape[0] for f in self.fields)
        width = max(f.x_px + f.shape[1] for f in self.fields)
        return height, width


@dataclass
class RawWell:
    """One imaged well: its place on the plate, the fields of its main image, and any
    other images (such as projections next to a stack)."""

    row: str
    column: str
    row_index: int
    column_index: int
    fields: list[RawField]
    z_count: int
    other_images: list[RawImage] = field(default_factory=list)

    @property
    def images(self) -> list[RawImage]:
        """The main image (``"0"``: :attr:`fields`, :attr:`z_count`), then the others."""
        return [RawImage("0", self.fields, self.z_count), *self.other_images]

    @property
    def name(self) -> str:
        return f"{self.row}{self.column}"

    @property
    def path(self) -> str:
        return f"{self.row}/{self.column}"

    @property
    def image_shape_yx(self) -> tuple[int, int]:
        """Height and width of the stitched main image: the bounding box of its fields."""
        return self.images[0].image_shape_yx


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
    conditions
        The experimental conditions of the wells, when the acquisition has a plate layout.
    """

    name: str
    source_dir: Path
    row_names: list[str]
    column_names: list[str]
    wells: list[RawWell]
    channels: list[RawChannel]
    time_count: int
    dtype: np.dtype
    pixel_size_um: tuple[float, float, float]
    metadata_files: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    instrument: str = ""
    conditions: ConditionTable | None = None

    @property
    def field_shape(self) -> tuple[int, int]:
        """The largest field height and width: the chunk size of the converted plate."""
        shapes = [f.shape for w in self.wells for i in w.images for f in i.fields]
        return (max(s[0] for s in shapes), max(s[1] for s in shapes)) if shapes else (1, 1)

    @property
    def field_count(self) -> int:
        """Largest number of fields in one well."""
        return max((len(w.fields) for w in self.wells), default=0)

    @property
    def z_count(self) -> int:
        """Largest number of planes in one well."""
        return max((w.z_count for w in self.wells), default=0)

    def estimated_output_bytes(self) -> int:
        """Uncompressed size of all pyramid levels of all wells (level 0 × 4/3)."""
        itemsize = np.dtype(self.dtype).itemsize
        total = 0
        for well in self.wells:
            for image in well.images:
                h, w = image.image_shape_yx
                total += h * w * image.z_count * len(self.channels) * self.time_count * itemsize
        return total * 4 // 3

    def metadata_documents(self) -> Iterator[tuple[str, bytes]]:
        """(file name, content) of each vendor metadata file, for the provenance copy."""
        for path in self.metadata_files:
            yield path.name, path.read_bytes()

    def select_wells(self, names: list[str]) -> RawPlate:
        """A copy holding only the wells named (``B03``...).

        Raises
        ------
        UnknownWellError
            When a name is not an imaged well.
        """
        by_name = {w.name: w for w in self.wells}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise UnknownWellError(
                f"wells not in the acquisition: {', '.join(missing)} (imaged: {', '.join(by_name)})"
            )
        keep = set(names)
        return replace(self, wells=[w for w in self.wells if w.name in keep])
