"""Parser of Revvity (PerkinElmer) Operetta and Opera Phenix exports from Harmony.

Give the export folder (the one holding ``Images/`` and ``Assaylayout/``) or its
``Images/`` folder. The index (:mod:`.index_xml`) lists every image; fields are placed
at their stage positions by the shared placement module (Harmony gives each field's
centre in metres relative to the well centre, Y up), planes ordered by ``PlaneID``,
channels by ``ChannelID``, time points by ``TimepointID``. The pixel type follows the
index's ``MaxIntensity`` (the camera's range). The assay layout, when the export has
one, becomes the plate's condition table.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import tifffile

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.plate_names import (
    MAX_WELLS,
    plate_column_names,
    plate_row_names,
    smallest_plate_format,
)
from napari_hcs_zarr.raw.conditions import ConditionTable
from napari_hcs_zarr.raw.image_files import ImageFile
from napari_hcs_zarr.raw.model import PlaneKey, RawChannel, RawField, RawPlate, RawWell
from napari_hcs_zarr.raw.operetta.assay_layout import read_assay_layout
from napari_hcs_zarr.raw.operetta.index_xml import HarmonyImage, HarmonyIndex
from napari_hcs_zarr.raw.placement import StageAxes, place_fields
from napari_hcs_zarr.raw.wavelength_colors import emission_color

#: Index file names, in the order they are preferred.
INDEX_NAMES = ("Index.idx.xml", "Index.xml", "Index.ref.xml")
IMAGES_FOLDER = "Images"
LAYOUT_FOLDER = "Assaylayout"
#: Harmony stage axes: X to the right, Y up.
STAGE_AXES = StageAxes(y_up=True)


def _named(folder: Path, name: str) -> Path | None:
    """``folder / name``, matching the name without regard to case (exports pass through
    Windows file systems)."""
    exact = folder / name
    if exact.exists():
        return exact
    try:
        return next((p for p in folder.iterdir() if p.name.lower() == name.lower()), None)
    except OSError:
        return None


def find_index(folder: Path) -> Path | None:
    """The Harmony index of an export folder or of its ``Images/`` folder (no file read)."""
    if not folder.is_dir():
        return None
    images = _named(folder, IMAGES_FOLDER)
    for place in (folder, images):
        if place is None or not place.is_dir():
            continue
        for name in INDEX_NAMES:
            path = _named(place, name)
            if path is not None and path.is_file():
                return path
    return None


def is_operetta_folder(path: Path) -> bool:
    """True when ``path`` holds a Harmony index, or its ``Images/`` folder does."""
    return find_index(path) is not None


def _layout_files(folder: Path) -> list[Path]:
    layouts = _named(folder, LAYOUT_FOLDER)
    if layouts is None or not layouts.is_dir():
        return []
    return sorted(p for p in layouts.iterdir() if p.is_file() and p.suffix.lower() == ".xml")


def _image_path(folder: Path, index_path: Path, url: str) -> Path:
    """The file of an index ``URL``, which must lie inside the export folder."""
    relative = url.replace("\\", "/")
    if not relative or relative.startswith("/") or "://" in relative or ":" in relative.split("/")[0]:
        raise RawPlateError(index_path, f"image URL {url!r} is not a path inside the export")
    path = index_path.parent / relative
    if not path.resolve().is_relative_to(folder.resolve()):
        raise RawPlateError(index_path, f"image URL {url!r} points outside {folder}")
    return path


def _plate_format(index: HarmonyIndex, images: list[HarmonyImage]) -> tuple[int, int]:
    if index.plate is not None and index.plate.rows > 0 and index.plate.columns > 0:
        rows, columns = index.plate.rows, index.plate.columns
        if rows * columns > MAX_WELLS:
            raise RawPlateError(index.path, f"plate format {rows}x{columns} is larger than any plate")
        return rows, columns
    need_rows = max(i.row for i in images)
    need_columns = max(i.column for i in images)
    plate_format = smallest_plate_format(need_rows, need_columns)
    if plate_format is None:
        raise RawPlateError(
            index.path, f"images in row {need_rows}, column {need_columns}: no plate format holds them"
        )
    return plate_format


def _channels(images: list[HarmonyImage]) -> tuple[list[RawChannel], dict[int, int]]:
    first: dict[int, HarmonyImage] = {}
    for image in images:
        first.setdefault(image.channel, image)
    ids = sorted(first)
    channels = [
        RawChannel(
            f"ch{c}", first[c].channel_name, emission_color(first[c].emission_nm), first[c].emission_nm
        )
        for c in ids
    ]
    labels = [c.label for c in channels]
    channels = [
        RawChannel(c.id, f"{c.label} {c.id}", c.color, c.wavelength_nm) if labels.count(c.label) > 1 else c
        for c in channels
    ]
    return channels, {c: i for i, c in enumerate(ids)}


def _z_step_um(images: list[HarmonyImage]) -> float:
    """Distance between the first two planes of a stack (1.0 for single planes)."""
    stacks: dict[tuple, dict[int, float]] = defaultdict(dict)
    for image in images:
        stacks[(image.row, image.column, image.field, image.channel, image.timepoint)][image.plane] = (
            image.z_um
        )
    for planes in stacks.values():
        if len(planes) >= 2:
            z = [planes[p] for p in sorted(planes)]
            step = abs(z[1] - z[0])
            if step > 0:
                return round(step, 6)
    return 1.0


def _dtype(images: list[HarmonyImage], paths: dict[str, Path]) -> np.dtype:
    """The camera's range from ``MaxIntensity``; without one, the first image's type."""
    maxima = [i.max_intensity for i in images if i.max_intensity is not None]
    if maxima:
        top = max(maxima)
        return np.dtype(np.uint8 if top <= 255 else np.uint16 if top <= 65535 else np.uint32)
    for image in images:
        path = paths[image.url]
        if path.is_file():
            try:
                with tifffile.TiffFile(path) as tif:
                    return np.dtype(tif.pages.first.dtype)
            except Exception as error:  # tifffile raises many kinds; name the file
                raise RawPlateError(path, f"not a readable TIFF image ({error})") from None
    return np.dtype(np.uint16)


def read_operetta(folder: str | Path) -> RawPlate:
    """Parse a Harmony export into a :class:`RawPlate`.

    Raises
    ------
    RawPlateError
        When the index is missing or malformed, or its images cannot be stitched.
    """
    folder = Path(folder)
    index_path = find_index(folder)
    if index_path is None:
        raise RawPlateError(
            folder, f"no Harmony index ({', '.join(INDEX_NAMES)}) here or in {IMAGES_FOLDER}/"
        )
    index = HarmonyIndex(index_path)
    images = index.images
    if not images:
        raise RawPlateError(index_path, "lists no images")
    row_count, column_count = _plate_format(index, images)
    for image in images:
        if not (1 <= image.row <= row_count and 1 <= image.column <= column_count):
            raise RawPlateError(
                index_path,
                f"image {image.url!r} is in row {image.row}, column {image.column}, outside the "
                f"{row_count}x{column_count} plate",
            )
    pixel_size = images[0].pixel_size_yx_um
    for image in images:
        if not np.allclose(image.pixel_size_yx_um, pixel_size, rtol=1e-6, atol=0):
            raise RawPlateError(
                index_path,
                f"image {image.url!r} has pixels of {image.pixel_size_yx_um[1]:g} um, image "
                f"{images[0].url!r} of {pixel_size[1]:g} um: cannot stitch them together",
            )

    channels, channel_of = _channels(images)
    time_of = {t: i for i, t in enumerate(sorted({i.timepoint for i in images}))}
    paths = {i.url: _image_path(folder, index_path, i.url) for i in images}
    by_well: dict[tuple[int, int], dict[int, list[HarmonyImage]]] = defaultdict(lambda: defaultdict(list))
    for image in images:
        by_well[(image.row, image.column)][image.field].append(image)

    row_names, column_names = plate_row_names(row_count), plate_column_names(column_count)
    wells: list[RawWell] = []
    missing: list[Path] = []
    for (row, column), fields_images in sorted(by_well.items()):
        z_of = {p: i for i, p in enumerate(sorted({i.plane for f in fields_images.values() for i in f}))}
        corners = {}
        for number, field_images in fields_images.items():
            first = field_images[0]
            height, width = first.size_yx
            # Harmony gives the field's centre; the placement module takes its top-left corner.
            corners[number] = (
                first.x_um - width * pixel_size[1] / 2,
                first.y_um + height * pixel_size[0] / 2,
            )
        placements = place_fields(corners, pixel_size, STAGE_AXES)
        fields = []
        for number in sorted(fields_images):
            placement = placements[number]
            shape = fields_images[number][0].size_yx
            fov = RawField(number, placement.y_px, placement.x_px, placement.y_um, placement.x_um, shape)
            for image in fields_images[number]:
                if image.size_yx != shape:
                    raise RawPlateError(
                        index_path,
                        f"field {number} of well {row_names[row - 1]}{column_names[column - 1]} has "
                        f"images of {shape[1]}x{shape[0]} and {image.size_yx[1]}x{image.size_yx[0]} px",
                    )
                key = PlaneKey(time_of[image.timepoint], channel_of[image.channel], z_of[image.plane])
                if key in fov.planes:
                    raise RawPlateError(index_path, f"lists two images for the plane of {image.url!r}")
                path = paths[image.url]
                if not path.is_file():
                    missing.append(path)
                    continue
                fov.planes[key] = ImageFile(path, shape)
            fields.append(fov)
        wells.append(
            RawWell(row_names[row - 1], column_names[column - 1], row - 1, column - 1, fields, len(z_of))
        )

    warnings = []
    if missing:
        shown = ", ".join(p.name for p in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        warnings.append(
            f"{len(missing)} image file(s) listed in {index_path.name} are missing on disk "
            f"(written as zeros): {shown}{more}"
        )
    layouts = _layout_files(folder)
    conditions: ConditionTable | None = None
    for layout in layouts:
        table = read_assay_layout(layout)
        conditions = table if conditions is None else conditions.merged_with(table)
    name = (index.plate.name if index.plate else "") or folder.name
    return RawPlate(
        name=name,
        source_dir=folder,
        row_names=row_names,
        column_names=column_names,
        wells=wells,
        channels=channels,
        time_count=len(time_of),
        dtype=_dtype(images, paths),
        pixel_size_um=(_z_step_um(images), *pixel_size),
        metadata_files=[index_path, *layouts],
        warnings=warnings,
        instrument=f"Harmony ({index.instrument})" if index.instrument else "Harmony",
        conditions=conditions,
    )
