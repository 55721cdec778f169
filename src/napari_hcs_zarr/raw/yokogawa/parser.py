"""Parser of Yokogawa folders: CellVoyager (CV7000, CV8000) and the benchtop CQ1 and
CQ3000, which write the same BTS schema.

Reads ``MeasurementDetail.mrf`` (plate format, channels, pixel sizes),
``MeasurementData.mlf`` (one record per image plane) and, when present, the
measurement settings ``*.mes`` (channel names and colours), and returns a
:class:`~napari_hcs_zarr.raw.model.RawPlate`.

Records with a ``bts:ZImageProcessing`` (``Maximum``, ``Minimum``, ``Sum``) are
projections the instrument computed; each kind becomes another image of the well next to
the Z slices (or the main image when an acquisition has no slices). Their file names may
lie in sub-folders (``Projection\\W0001F0001T0001Z000C1.tif``), always inside the folder.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import tifffile

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.plate_names import plate_column_names, plate_row_names
from napari_hcs_zarr.raw.image_files import ImageFile
from napari_hcs_zarr.raw.model import PlaneKey, RawChannel, RawField, RawImage, RawPlate, RawWell
from napari_hcs_zarr.raw.placement import StageAxes, place_fields

BTS = "{http://www.yokogawa.co.jp/BTS/BTSSchema/1.0}"
MRF_NAME = "MeasurementDetail.mrf"
MLF_NAME = "MeasurementData.mlf"
_METADATA_SUFFIXES = {".mrf", ".mlf", ".mes", ".wpi", ".wpp", ".xml", ".log"}
#: CellVoyager stage axes: X to the right, Y up.
STAGE_AXES = StageAxes(y_up=True)


def is_cellvoyager_folder(path: Path) -> bool:
    """True when ``path`` is a folder holding a CellVoyager MRF and MLF (no file is read)."""
    return (path / MRF_NAME).is_file() and (path / MLF_NAME).is_file()


@dataclass(frozen=True)
class _ImageRecord:
    row: int
    column: int
    time_point: int
    field_index: int
    z_index: int
    action_index: int
    channel: int
    x_um: float
    y_um: float
    file_name: str
    z_processing: str = ""


def _attr(element: ET.Element, name: str, path: Path, default: str | None = None) -> str:
    value = element.get(BTS + name, default)
    if value is None:
        raise RawPlateError(path, f"<{element.tag.removeprefix(BTS)}> has no bts:{name}")
    return value


def _parse_xml_root(path: Path) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as error:
        raise RawPlateError(path, f"malformed or truncated XML ({error})") from None
    except OSError as error:
        raise RawPlateError(path, f"cannot be read ({error.strerror or error})") from None


def _number(text: str, path: Path, what: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise RawPlateError(path, f"{what} is not a number: {text!r}") from None


def _integer(text: str, path: Path, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise RawPlateError(path, f"{what} is not an integer: {text!r}") from None


def _read_image_records(mlf: Path) -> tuple[list[_ImageRecord], int]:
    """All IMG records of the MLF (streamed), and the number of ERR records skipped."""
    records: list[_ImageRecord] = []
    skipped = 0
    try:
        for _, element in ET.iterparse(mlf, events=("end",)):
            if element.tag != BTS + "MeasurementRecord":
                continue
            if element.get(BTS + "Type") != "IMG":
                skipped += 1
                element.clear()
                continue
            try:
                records.append(
                    _ImageRecord(
                        row=int(_attr(element, "Row", mlf)),
                        column=int(_attr(element, "Column", mlf)),
                        time_point=int(_attr(element, "TimePoint", mlf, "1")),
                        field_index=int(_attr(element, "FieldIndex", mlf)),
                        z_index=int(_attr(element, "ZIndex", mlf, "1")),
                        action_index=int(_attr(element, "ActionIndex", mlf, "1")),
                        channel=int(_attr(element, "Ch", mlf)),
                        x_um=float(_attr(element, "X", mlf)),
                        y_um=float(_attr(element, "Y", mlf)),
                        file_name=(element.text or "").strip(),
                        z_processing=(element.get(BTS + "ZImageProcessing") or "").strip(),
                    )
                )
            except ValueError as error:
                raise RawPlateError(mlf, f"record with a bad number: {error}") from None
            element.clear()
    except ET.ParseError as error:
        raise RawPlateError(mlf, f"malformed or truncated XML ({error})") from None
    except OSError as error:
        raise RawPlateError(mlf, f"cannot be read ({error.strerror or error})") from None
    return records, skipped


def _mes_channels(folder: Path, mes_name: str | None) -> dict[int, ET.Element]:
    """The ``bts:Channel`` elements of the measurement settings, by channel number."""
    candidates = [folder / mes_name] if mes_name else []
    candidates += sorted(folder.glob("*.mes"))
    for mes in candidates:
        if mes.is_file():
            root = _parse_xml_root(mes)
            return {_integer(ch.get(BTS + "Ch", "0"), mes, "Ch"): ch for ch in root.iter(BTS + "Channel")}
    return {}


#: Descriptions of the instrument's projections, by ``bts:ZImageProcessing``.
PROJECTIONS = {"Maximum": "max projection", "Minimum": "min projection", "Sum": "sum projection"}


def _resolve_image(folder: Path, file_name: str, mlf: Path) -> Path:
    """The image file on disk, inside ``folder``; the MLF always says ``.tif`` even when
    the scope wrote PNG, and separates sub-folders with backslashes."""
    relative = file_name.replace("\\", "/")
    if not relative or relative.startswith("/") or ":" in relative or ".." in relative.split("/"):
        raise RawPlateError(mlf, f"image file name {file_name!r} is not a path inside {folder}")
    path = folder / relative
    if not path.exists():
        png = path.with_suffix(".png")
        if png.exists():
            return png
    return path


def read_cellvoyager(folder: str | Path) -> RawPlate:
    """Parse a CellVoyager acquisition folder into a :class:`RawPlate`.

    Raises
    ------
    RawPlateError
        When a metadata file is missing, malformed, or disagrees with the images.
    """
    folder = Path(folder)
    mrf, mlf = folder / MRF_NAME, folder / MLF_NAME
    for required in (mrf, mlf):
        if not required.is_file():
            raise RawPlateError(required, "missing: not a CellVoyager acquisition folder")

    detail = _parse_xml_root(mrf)
    if detail.tag != BTS + "MeasurementDetail":
        raise RawPlateError(mrf, f"root element is <{detail.tag}>, not bts:MeasurementDetail")
    row_count = int(_number(_attr(detail, "RowCount", mrf), mrf, "RowCount"))
    column_count = int(_number(_attr(detail, "ColumnCount", mrf), mrf, "ColumnCount"))
    mrf_channels = {
        _integer(ch.get(BTS + "Ch", "0"), mrf, "Ch"): ch for ch in detail.iter(BTS + "MeasurementChannel")
    }

    records, skipped = _read_image_records(mlf)
    if not records:
        raise RawPlateError(mlf, "lists no images (no MeasurementRecord of Type IMG)")
    warnings: list[str] = []
    if skipped:
        warnings.append(f"{skipped} non-image record(s) (e.g. failed autofocus) skipped in {mlf}")

    # Channels: (action, channel) pairs in acquisition order.
    channel_keys = sorted({(r.action_index, r.channel) for r in records})
    for _, ch in channel_keys:
        if ch not in mrf_channels:
            raise RawPlateError(mrf, f"has no MeasurementChannel for Ch={ch} used in {mlf.name}")
    first = mrf_channels[channel_keys[0][1]]
    field_shape = (
        int(_number(_attr(first, "VerticalPixels", mrf), mrf, "VerticalPixels")),
        int(_number(_attr(first, "HorizontalPixels", mrf), mrf, "HorizontalPixels")),
    )
    pixel_y = _number(_attr(first, "VerticalPixelDimension", mrf), mrf, "VerticalPixelDimension")
    pixel_x = _number(_attr(first, "HorizontalPixelDimension", mrf), mrf, "HorizontalPixelDimension")
    for _, ch in channel_keys:
        element = mrf_channels[ch]
        shape = (
            int(_number(_attr(element, "VerticalPixels", mrf), mrf, "VerticalPixels")),
            int(_number(_attr(element, "HorizontalPixels", mrf), mrf, "HorizontalPixels")),
        )
        if shape != field_shape:
            raise RawPlateError(
                mrf,
                f"channel {ch} images are {shape[1]}x{shape[0]} px, channel "
                f"{channel_keys[0][1]} {field_shape[1]}x{field_shape[0]}: cannot stitch them together",
            )

    mes = _mes_channels(folder, detail.get(BTS + "MeasurementSettingFileName"))
    channels = _channels(channel_keys, mes)

    time_points = sorted({r.time_point for r in records})
    time_of = {tp: i for i, tp in enumerate(time_points)}
    channel_of = {key: i for i, key in enumerate(channel_keys)}
    z_spacing = _z_spacing(mlf)

    row_names = plate_row_names(row_count)
    column_names = plate_column_names(column_count)
    by_well: dict[tuple[int, int], dict[str, list[_ImageRecord]]] = defaultdict(lambda: defaultdict(list))
    for r in records:
        if not (1 <= r.row <= row_count and 1 <= r.column <= column_count):
            raise RawPlateError(
                mlf,
                f"record {r.file_name!r} is in row {r.row}, column {r.column}, outside the "
                f"{row_count}x{column_count} plate of {mrf.name}",
            )
        by_well[(r.row, r.column)][r.z_processing].append(r)
    # Z slices are the main image; the projections follow, in a fixed order.
    kinds = sorted({r.z_processing for r in records}, key=lambda k: (k != "", k))

    wells: list[RawWell] = []
    missing_files: list[Path] = []
    for (row, column), records_by_kind in sorted(by_well.items()):
        images = []
        for kind in [k for k in kinds if k in records_by_kind]:
            fields, z_count = _image_fields(
                records_by_kind[kind],
                folder,
                mlf,
                (pixel_y, pixel_x),
                field_shape,
                time_of,
                channel_of,
                missing_files,
            )
            description = PROJECTIONS.get(kind, f"{kind} projection") if kind else ""
            images.append(RawImage(str(len(images)), fields, z_count, description))
        main, *others = images
        wells.append(
            RawWell(
                row=row_names[row - 1],
                column=column_names[column - 1],
                row_index=row - 1,
                column_index=column - 1,
                fields=main.fields,
                z_count=main.z_count,
                other_images=others,
            )
        )
    if missing_files:
        shown = ", ".join(p.name for p in missing_files[:3])
        more = f" and {len(missing_files) - 3} more" if len(missing_files) > 3 else ""
        warnings.append(
            f"{len(missing_files)} image file(s) listed in {mlf.name} are missing on disk "
            f"(written as zeros): {shown}{more}"
        )

    dtype = _probe_dtype(folder, records, mrf_channels, mrf, mlf, field_shape)
    metadata_files = sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _METADATA_SUFFIXES
    )
    return RawPlate(
        name=detail.get(BTS + "Title") or folder.name,
        source_dir=folder,
        row_names=row_names,
        column_names=column_names,
        wells=wells,
        channels=channels,
        time_count=len(time_points),
        dtype=dtype,
        pixel_size_um=(z_spacing, pixel_y, pixel_x),
        metadata_files=metadata_files,
        warnings=warnings,
        instrument=detail.get(BTS + "TargetSystem") or "CellVoyager",
    )


def _image_fields(
    records: list[_ImageRecord],
    folder: Path,
    mlf: Path,
    pixel_size_yx: tuple[float, float],
    field_shape: tuple[int, int],
    time_of: dict[int, int],
    channel_of: dict[tuple[int, int], int],
    missing_files: list[Path],
) -> tuple[list[RawField], int]:
    """The fields of one image of a well (its slices, or one projection) placed at their
    stage positions, with a loader per plane; files not on disk go to ``missing_files``."""
    z_of = {z: i for i, z in enumerate(sorted({r.z_index for r in records}))}
    by_field: dict[int, list[_ImageRecord]] = defaultdict(list)
    for r in records:
        by_field[r.field_index].append(r)
    # Stage positions are the fields' top-left corners; Y points up on the stage.
    corners = {index: (recs[0].x_um, recs[0].y_um) for index, recs in by_field.items()}
    placements = place_fields(corners, pixel_size_yx, STAGE_AXES)
    fields = []
    for index in sorted(by_field):
        placement = placements[index]
        fov = RawField(index, placement.y_px, placement.x_px, placement.y_um, placement.x_um, field_shape)
        for r in by_field[index]:
            path = _resolve_image(folder, r.file_name, mlf)
            if not path.exists():
                missing_files.append(path)
                continue
            key = PlaneKey(time_of[r.time_point], channel_of[(r.action_index, r.channel)], z_of[r.z_index])
            fov.planes[key] = ImageFile(path, field_shape)
        fields.append(fov)
    return fields, len(z_of)


def _channels(channel_keys: list[tuple[int, int]], mes: dict[int, ET.Element]) -> list[RawChannel]:
    channels = []
    for action, ch in channel_keys:
        channel_id = f"A{action:02d}_C{ch:02d}"
        element = mes.get(ch)
        label, color, wavelength = channel_id, "FFFFFF", None
        if element is not None:
            fluorophore = element.get(BTS + "Fluorophore") or ""
            target = element.get(BTS + "Target") or ""
            label = fluorophore or target or channel_id
            argb = (element.get(BTS + "Color") or "").lstrip("#")
            if len(argb) == 8:
                color = argb[2:].upper()
            elif len(argb) == 6:
                color = argb.upper()
            try:
                wavelength = float(target)
            except ValueError:
                wavelength = None
        channels.append(RawChannel(channel_id, label, color, wavelength))
    labels = [c.label for c in channels]
    return [
        RawChannel(c.id, f"{c.label} {c.id}", c.color, c.wavelength_nm) if labels.count(c.label) > 1 else c
        for c in channels
    ]


def _z_spacing(mlf: Path) -> float:
    """Distance between planes from the Z of consecutive slices of one field (1.0 if 2D)."""
    by_stack: dict[tuple, dict[int, float]] = defaultdict(dict)
    for _, element in ET.iterparse(mlf, events=("end",)):
        if (
            element.tag == BTS + "MeasurementRecord"
            and element.get(BTS + "Type") == "IMG"
            and not element.get(BTS + "ZImageProcessing")  # a projection has no plane Z
        ):
            key = tuple(element.get(BTS + k) for k in ("Row", "Column", "FieldIndex", "Ch"))
            z_index = _integer(element.get(BTS + "ZIndex", "1"), mlf, "ZIndex")
            by_stack[key][z_index] = _number(element.get(BTS + "Z", "0"), mlf, "Z")
            if len(by_stack[key]) >= 2:
                zs = [by_stack[key][i] for i in sorted(by_stack[key])]
                step = abs(zs[1] - zs[0])
                if step > 0:
                    return round(step, 6)
        element.clear()
    return 1.0


def _probe_dtype(
    folder: Path,
    records: list[_ImageRecord],
    mrf_channels: dict[int, ET.Element],
    mrf: Path,
    mlf: Path,
    field_shape: tuple[int, int],
) -> np.dtype:
    """Pixel type from the first image on disk, checked against the MRF's size."""
    for r in records:
        path = _resolve_image(folder, r.file_name, mlf)
        if path.exists():
            try:
                with tifffile.TiffFile(path) as tif:
                    page = tif.pages.first
                    shape, dtype = tuple(page.shape), np.dtype(page.dtype)
            except Exception as error:  # tifffile raises many kinds; name the file
                if path.suffix.lower() == ".png":
                    return np.dtype(np.uint16 if _bit_depth(mrf_channels, r, mrf) > 8 else np.uint8)
                raise RawPlateError(path, f"not a readable TIFF image ({error})") from None
            if shape[-2:] != field_shape:
                raise RawPlateError(
                    path,
                    f"image is {shape[-1]}x{shape[-2]} px but {mrf.name} says "
                    f"{field_shape[1]}x{field_shape[0]}",
                )
            return dtype
    return np.dtype(np.uint16 if _bit_depth(mrf_channels, records[0], mrf) > 8 else np.uint8)


def _bit_depth(mrf_channels: dict[int, ET.Element], record: _ImageRecord, mrf: Path) -> int:
    return int(_number(mrf_channels[record.channel].get(BTS + "InputBitDepth", "16"), mrf, "InputBitDepth"))
