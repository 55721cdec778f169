"""Synthetic table plates: tiles as PNG and TIFF files, ``plate.csv`` and ``plate.toml``.

The fields and their pixels come from :mod:`napari_hcs_zarr.raw.synthetic`. Odd fields
are PNG, even ones TIFF (``tiles="mixed"``); positions are the tiles' top-left corners in
micrometres (or pixels), Y down or up as asked. Two conditions per well: ``treatment``
(``control`` in odd columns, else ``drug``) and ``dose_uM`` (the column number / 10).
"""

from __future__ import annotations

from pathlib import Path

import imagecodecs
import tifffile

from napari_hcs_zarr.plate_names import parse_well_name
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec, field_pixels, synthetic_fields

CHANNELS = [("DAPI", "0000FF"), ("GFP", "00FF00"), ("mCherry", "FF0000"), ("Cy5", "FF00FF")]


def write_synthetic_table(
    folder: str | Path,
    spec: SyntheticPlateSpec | None = None,
    tiles: str = "mixed",
    position_unit: str = "um",
    y_axis: str = "down",
) -> Path:
    """Write a table plate folder and return it.

    Parameters
    ----------
    tiles
        ``"mixed"`` (PNG and TIFF), ``"png"`` or ``"tiff"``.
    position_unit
        ``"um"`` or ``"px"``, as the header's ``position_unit``.
    y_axis
        ``"down"`` or ``"up"``, as the header's ``y_axis``.
    """
    spec = spec or SyntheticPlateSpec()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ps = spec.pixel_size_um
    lines = ["file,well,field,x,y,z,channel,time,treatment,dose_uM"]
    for well in spec.wells:
        _, column = parse_well_name(well)
        (folder / well).mkdir(exist_ok=True)
        treatment = "control" if column % 2 else "drug"
        for fov in synthetic_fields(spec):
            png = tiles == "png" or (tiles == "mixed" and fov.index % 2 == 1)
            x, y = fov.x0 + fov.jitter_px, fov.y0 + fov.jitter_px
            if y_axis == "up":
                y = -y
            if position_unit == "um":
                x, y = x * ps, y * ps
            for t in range(spec.time_count):
                for c in range(spec.channels):
                    channel = CHANNELS[c % len(CHANNELS)][0]
                    for z in range(spec.z_count_of(well)):
                        name = f"{well}/f{fov.index}_{channel}_z{z}_t{t}.{'png' if png else 'tif'}"
                        pixels = field_pixels(well, t, c, z, fov, spec.field_shape)
                        if name not in spec.missing_files:
                            if png:
                                (folder / name).write_bytes(imagecodecs.png_encode(pixels))
                            else:
                                tifffile.imwrite(folder / name, pixels, compression=spec.compression)
                        place = f"{well},{fov.index},{x:.4f},{y:.4f},{z},{channel},{t}"
                        lines.append(f"{name},{place},{treatment},{column / 10:g}")
    (folder / "plate.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    channels = "".join(
        f'\n[[channels]]\nname = "{name}"\ncolor = "{color}"\n' for name, color in CHANNELS[: spec.channels]
    )
    (folder / "plate.toml").write_text(
        f'name = "{spec.name}"\ninstrument = "synthetic microscope"\npixel_size_um = {ps!r}\n'
        f"z_step_um = {spec.z_step_um!r}\n"
        f'position_unit = "{position_unit}"\ny_axis = "{y_axis}"\n'
        f"rows = {spec.rows}\ncolumns = {spec.columns}\n{channels}",
        encoding="utf-8",
    )
    return folder
