"""Synthetic CellVoyager acquisition folders (MRF, MLF, MES and one TIFF per plane).

The fields and their pixels come from :mod:`napari_hcs_zarr.raw.synthetic`; this module
writes them in the CellVoyager layout.
"""

from __future__ import annotations

from pathlib import Path

import tifffile

from napari_hcs_zarr.plate_names import parse_well_name, plate_row_names
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec, field_pixels, synthetic_fields

_CHANNEL_PRESETS = [
    ("405", "#FF002FFF"),
    ("488", "#FF00FFA1"),
    ("561", "#FFFF8200"),
    ("640", "#FFFF1B00"),
]


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
        for fov in synthetic_fields(spec):
            # Stage: Y up, the stage position of the field's top-left corner.
            stage_x = -1000.0 + (fov.x0 + fov.jitter_px) * ps
            stage_y = 800.0 - (fov.y0 - fov.jitter_px) * ps
            for t in range(spec.time_count):
                for c in range(spec.channels):
                    for z in range(spec.z_count_of(well)):
                        name = (
                            f"{spec.name}_{well_name}_T{t + 1:04d}F{fov.index:03d}"
                            f"L01A{c + 1:02d}Z{z + 1:02d}C{c + 1:02d}.tif"
                        )
                        if name not in spec.missing_files:
                            tifffile.imwrite(
                                folder / name,
                                field_pixels(well, t, c, z, fov, spec.field_shape),
                                compression=spec.compression,
                            )
                        records.append(
                            f'<bts:MeasurementRecord bts:Type="IMG" bts:Time="2026-01-01T00:00:00"'
                            f' bts:Column="{column}" bts:Row="{row_number}" bts:TimePoint="{t + 1}"'
                            f' bts:FieldIndex="{fov.index}" bts:ZIndex="{z + 1}"'
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
