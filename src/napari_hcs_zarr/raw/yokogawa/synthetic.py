"""Synthetic Yokogawa acquisition folders (MRF, MLF, MES and one TIFF per plane), as a
CellVoyager or a CQ1/CQ3000 writes them.

The fields and their pixels come from :mod:`napari_hcs_zarr.raw.synthetic`; this module
writes them in the Yokogawa layout. A CQ names its files by well index
(``W0014F0001T0001Z001C1.tif``) and writes the projections it computes (``Z000``) in
``Projection/``; a projection's pixels are those of the last plane (every synthetic pixel
grows with Z, so that plane is the maximum).
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


def _file_name(
    spec: SyntheticPlateSpec, cq: bool, well: str, index: int, t: int, c: int, z: int, f: int
) -> str:
    """The instrument's name of one image (``z`` of -1: the projection, ``Z000``)."""
    if cq:
        return f"W{index:04d}F{f:04d}T{t + 1:04d}Z{z + 1:03d}C{c + 1}.tif"
    return f"{spec.name}_{well}_T{t + 1:04d}F{f:03d}L01A{c + 1:02d}Z{z + 1:02d}C{c + 1:02d}.tif"


def write_synthetic_cellvoyager(
    folder: str | Path,
    spec: SyntheticPlateSpec | None = None,
    instrument: str = "CV8000",
    projection: bool = False,
) -> Path:
    """Write a Yokogawa-like folder (MRF, MLF, MES and one TIFF per plane) and return it.

    Parameters
    ----------
    instrument
        The MRF's ``TargetSystem``: ``CV7000``, ``CV8000`` (CellVoyager names), ``CQ1`` or
        ``CQ3000`` (well-index names).
    projection
        Also write a maximum projection per field and channel, as the instrument computes it.
    """
    spec = spec or SyntheticPlateSpec()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cq = instrument.upper().startswith("CQ")
    if projection:
        (folder / "Projection").mkdir(exist_ok=True)
    fh, fw = spec.field_shape
    ps = spec.pixel_size_um
    rows = plate_row_names(spec.rows)
    records: list[str] = []
    for well in spec.wells:
        row, column = parse_well_name(well)
        row_number = rows.index(row) + 1
        well_name = f"{row}{column:02d}"
        index = (row_number - 1) * spec.columns + column
        for fov in synthetic_fields(spec):
            # Stage: Y up, the stage position of the field's top-left corner.
            stage_x = -1000.0 + (fov.x0 + fov.jitter_px) * ps
            stage_y = 800.0 - (fov.y0 - fov.jitter_px) * ps
            z_count = spec.z_count_of(well)
            for t in range(spec.time_count):
                for c in range(spec.channels):
                    planes = list(range(z_count)) + ([-1] if projection else [])
                    for z in planes:
                        name = _file_name(spec, cq, well_name, index, t, c, z, fov.index)
                        listed = name if z >= 0 else f"Projection\\{name}"
                        if name not in spec.missing_files:
                            pixels = field_pixels(
                                well, t, c, z if z >= 0 else z_count - 1, fov, spec.field_shape
                            )
                            tifffile.imwrite(
                                folder / listed.replace("\\", "/"), pixels, compression=spec.compression
                            )
                        processing = ' bts:ZImageProcessing="Maximum"' if z < 0 else ""
                        records.append(
                            f'<bts:MeasurementRecord bts:Type="IMG" bts:Time="2026-01-01T00:00:00"'
                            f' bts:Column="{column}" bts:Row="{row_number}" bts:TimePoint="{t + 1}"'
                            f' bts:FieldIndex="{fov.index}" bts:ZIndex="{z + 1}"{processing}'
                            f' bts:TimelineIndex="1" bts:ActionIndex="{c + 1}" bts:Action="3D"'
                            f' bts:X="{stage_x:.4f}" bts:Y="{stage_y:.4f}"'
                            f' bts:Z="{max(z, 0) * spec.z_step_um:.1f}" bts:Ch="{c + 1}">{listed}'
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
        f' bts:TargetSystem="{instrument}" {ns}>\n{channel_xml}\n</bts:MeasurementDetail>\n',
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
