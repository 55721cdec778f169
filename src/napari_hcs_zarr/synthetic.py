"""Synthetic CellVoyager acquisition folders, for the demo, the sample data, tests and benchmarks.

Every pixel is a function of its global well coordinate (:func:`expected_pixels`), so a
stitched well and every pyramid level can be checked exactly. Fields are laid out on a
grid whose step may leave overlaps (negative gap) or gaps between fields, with sub-pixel
stage jitter that still rounds to the intended pixel position.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tifffile

from napari_hcs_zarr.plate_names import parse_well_name, plate_row_names

_CHANNEL_PRESETS = [
    ("405", "#FF002FFF"),
    ("488", "#FF00FFA1"),
    ("561", "#FFFF8200"),
    ("640", "#FFFF1B00"),
]


@dataclass
class SyntheticPlateSpec:
    """What to write. Defaults give a small plate that converts in about a second.

    Parameters
    ----------
    wells
        Well names; the plate format is 96 wells unless ``rows``/``columns`` say otherwise.
    fields_yx
        Fields per well as a (rows, columns) grid.
    field_shape
        Camera image height and width.
    z_counts
        Planes per well, by well name; wells not named get ``z_count``.
    gap_px
        Pixels between neighbouring fields: negative for overlap.
    """

    wells: list[str] = field(default_factory=lambda: ["B02", "B03", "B04", "C02", "C03", "C04"])
    rows: int = 8
    columns: int = 12
    fields_yx: tuple[int, int] = (2, 2)
    field_shape: tuple[int, int] = (256, 320)
    channels: int = 2
    z_count: int = 3
    z_counts: dict[str, int] = field(default_factory=dict)
    time_count: int = 1
    gap_px: int = 0
    pixel_size_um: float = 0.65
    z_step_um: float = 2.0
    name: str = "synthetic-plate"
    compression: str | None = None
    missing_files: list[str] = field(default_factory=list)
    error_records: int = 0


def expected_pixels(well: str, t: int, c: int, z: int, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The value every synthetic image has at global well pixel (``y``, ``x``).

    Bright round "cells" on a textured background, offset per well, time point, channel
    and plane, so that a pixel put one place off is always detected.
    """
    row, column = parse_well_name(well)
    well_offset = (ord(row[-1]) - ord("A")) * 37 + column * 13
    y = np.asarray(y, dtype=np.int64)
    x = np.asarray(x, dtype=np.int64)
    texture = (y * 3 + x * 5) % 251
    cy, cx = (y % 64) - 32, (x % 64) - 32
    cell = (cy * cy + cx * cx) < (14 + 4 * c) ** 2
    value = 200 + well_offset + 20 * t + 300 * c + 40 * z + texture + cell * (2500 + 500 * z)
    return value.astype(np.uint16)


def write_synthetic_cellvoyager(folder: str | Path, spec: SyntheticPlateSpec | None = None) -> Path:
    """Write a CellVoyager-like folder (MRF, MLF, MES and one TIFF per plane) and return it."""
    spec = spec or SyntheticPlateSpec()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    fh, fw = spec.field_shape
    ps = spec.pixel_size_um
    rows = plate_row_names(spec.rows)
    records: list[str] = []
    for well in spec.wells:
        row, column = parse_well_name(well)
        row_number = rows.index(row) + 1
        well_name = f"{row}{column:02d}"
        z_count = spec.z_counts.get(well, spec.z_count)
        field_index = 0
        for fy in range(spec.fields_yx[0]):
            for fx in range(spec.fields_yx[1]):
                field_index += 1
                y0, x0 = fy * (fh + spec.gap_px), fx * (fw + spec.gap_px)
                # Stage: Y up; sub-pixel jitter (< 0.3 px) that still rounds back to (y0, x0).
                jitter = ((field_index * 7919) % 11 - 5) * 0.05
                stage_x = -1000.0 + (x0 + jitter) * ps
                stage_y = 800.0 - (y0 - jitter) * ps
                yy, xx = np.mgrid[y0 : y0 + fh, x0 : x0 + fw]
                for t in range(spec.time_count):
                    for c in range(spec.channels):
                        for z in range(z_count):
                            name = (
                                f"{spec.name}_{well_name}_T{t + 1:04d}F{field_index:03d}"
                                f"L01A{c + 1:02d}Z{z + 1:02d}C{c + 1:02d}.tif"
                            )
                            if name not in spec.missing_files:
                                tifffile.imwrite(
                                    folder / name,
                                    expected_pixels(well, t, c, z, yy, xx),
                                    compression=spec.compression,
                                )
                            records.append(
                                f'<bts:MeasurementRecord bts:Type="IMG" bts:Time="2026-01-01T00:00:00"'
                                f' bts:Column="{column}" bts:Row="{row_number}" bts:TimePoint="{t + 1}"'
                                f' bts:FieldIndex="{field_index}" bts:ZIndex="{z + 1}"'
                                f' bts:TimelineIndex="1" bts:ActionIndex="{c + 1}" bts:Action="3D"'
                                f' bts:X="{stage_x:.4f}" bts:Y="{stage_y:.4f}"'
                                f' bts:Z="{z * spec.z_step_um:.1f}" bts:Ch="{c + 1}">{name}'
                                "</bts:MeasurementRecord>"
                            )
    for i in range(spec.error_records):
        records.append(
            f'<bts:MeasurementRecord bts:Type="ERR" bts:Time="2026-01-01T00:00:0{i}"'
            f' bts:Column="1" bts:Row="1" bts:TimePoint="1" bts:TimelineIndex="1"'
            f' bts:ActionIndex="1" bts:Action="3D" bts:Ch="1">autofocus failed</bts:MeasurementRecord>'
        )
    ns = 'xmlns:bts="http://www.yokogawa.co.jp/BTS/BTSSchema/1.0"'
    (folder / "MeasurementData.mlf").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<bts:MeasurementData bts:Version="1.0" {ns}>\n' + "\n".join(records) + "\n</bts:MeasurementData>\n",
        encoding="utf-8",
    )
    channel_xml = "\n".join(
        f'  <bts:MeasurementChannel bts:Ch="{c + 1}" bts:HorizontalPixelDimension="{ps}"'
        f' bts:VerticalPixelDimension="{ps}" bts:CameraNumber="1" bts:InputBitDepth="16"'
        f' bts:HorizontalPixels="{fw}" bts:VerticalPixels="{fh}" />'
        for c in range(max(spec.channels, 4))  # the MRF lists more channels than imaged
    )
    (folder / "MeasurementDetail.mrf").write_text(
        '\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
        f'<bts:MeasurementDetail bts:Version="1.0" bts:Title="{spec.name}"'
        f' bts:MeasurementSettingFileName="{spec.name}.mes" bts:ColumnCount="{spec.columns}"'
        f' bts:RowCount="{spec.rows}" bts:TimePointCount="{spec.time_count}"'
        f' bts:FieldCount="{spec.fields_yx[0] * spec.fields_yx[1]}" bts:ZCount="{spec.z_count}"'
        f' bts:TargetSystem="CV8000" {ns}>\n{channel_xml}\n</bts:MeasurementDetail>\n',
        encoding="utf-8",
    )
    mes_channels = "\n".join(
        f'    <bts:Channel bts:Ch="{c + 1}" bts:Target="{_CHANNEL_PRESETS[c % 4][0]}"'
        f' bts:Color="{_CHANNEL_PRESETS[c % 4][1]}" bts:Fluorophore="" />'
        for c in range(spec.channels)
    )
    (folder / f"{spec.name}.mes").write_text(
        '\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
        f'<bts:MeasurementSetting bts:Version="1.0" {ns}>\n  <bts:ChannelList>\n'
        f"{mes_channels}\n  </bts:ChannelList>\n</bts:MeasurementSetting>\n",
        encoding="utf-8",
    )
    return folder
