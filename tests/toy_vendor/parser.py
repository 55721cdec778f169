"""Parsing and writing the toy format."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path

import imagecodecs
import numpy as np

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.plate_names import parse_well_name, plate_column_names, plate_row_names
from napari_hcs_zarr.raw import PlaneKey, RawChannel, RawField, RawFormat, RawPlate, RawWell
from napari_hcs_zarr.raw.image_files import ImageFile
from napari_hcs_zarr.raw.placement import StageAxes, place_fields
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec, field_pixels, synthetic_fields

TABLE, HEADER = "plate.csv", "plate.json"
#: The toy stage: X right, Y down (like the image).
AXES = StageAxes(y_up=False)


def is_toy_folder(folder: Path) -> bool:
    return (folder / TABLE).is_file() and (folder / HEADER).is_file()


def read_toy_folder(folder: Path) -> RawPlate:
    header = json.loads((folder / HEADER).read_text())
    pixel = float(header["pixel_size_um"])
    rows, columns = plate_row_names(header["rows"]), plate_column_names(header["columns"])
    with open(folder / TABLE, newline="") as handle:
        records = list(csv.DictReader(handle))
    if not records:
        raise RawPlateError(folder / TABLE, "lists no images")
    by_well: dict[str, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        by_well[record["well"]][int(record["field"])].append(record)
    shape = tuple(header["field_shape"])
    wells = []
    for name in sorted(by_well, key=parse_well_name):
        row, column = parse_well_name(name)
        fields_records = by_well[name]
        corners = {index: (float(r[0]["x_um"]), float(r[0]["y_um"])) for index, r in fields_records.items()}
        placements = place_fields(corners, (pixel, pixel), AXES)
        fields = []
        for index in sorted(fields_records):
            place = placements[index]
            fov = RawField(index, place.y_px, place.x_px, place.y_um, place.x_um, shape)
            for r in fields_records[index]:
                key = PlaneKey(int(r["t"]), int(r["channel"]), int(r["z"]))
                fov.planes[key] = ImageFile(folder / r["file"], shape)
            fields.append(fov)
        z_count = 1 + max(int(r["z"]) for recs in fields_records.values() for r in recs)
        wells.append(RawWell(row, f"{column:02d}", rows.index(row), column - 1, fields, z_count))
    return RawPlate(
        name=header["name"],
        source_dir=folder,
        row_names=rows,
        column_names=columns,
        wells=wells,
        channels=[RawChannel(f"C{i}", label) for i, label in enumerate(header["channels"])],
        time_count=1 + max(int(r["t"]) for r in records),
        dtype=np.dtype(np.uint16),
        pixel_size_um=(float(header["z_step_um"]), pixel, pixel),
        metadata_files=[folder / TABLE, folder / HEADER],
        instrument="Toy",
    )


def write_toy_folder(folder: Path, spec: SyntheticPlateSpec) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for well in spec.wells:
        for fov in synthetic_fields(spec):
            for t in range(spec.time_count):
                for c in range(spec.channels):
                    for z in range(spec.z_count_of(well)):
                        name = f"{well}_f{fov.index}_t{t}_c{c}_z{z}.png"
                        pixels = field_pixels(well, t, c, z, fov, spec.field_shape)
                        (folder / name).write_bytes(imagecodecs.png_encode(pixels))
                        x_um = (fov.x0 + fov.jitter_px) * spec.pixel_size_um
                        y_um = (fov.y0 + fov.jitter_px) * spec.pixel_size_um
                        rows.append([name, well, fov.index, f"{x_um:.4f}", f"{y_um:.4f}", c, z, t])
    with open(folder / TABLE, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "well", "field", "x_um", "y_um", "channel", "z", "t"])
        writer.writerows(rows)
    header = {
        "name": spec.name,
        "pixel_size_um": spec.pixel_size_um,
        "z_step_um": spec.z_step_um,
        "rows": spec.rows,
        "columns": spec.columns,
        "field_shape": list(spec.field_shape),
        "channels": [f"toy{c}" for c in range(spec.channels)],
    }
    (folder / HEADER).write_text(json.dumps(header))
    return folder


TOY_FORMAT = RawFormat(
    name="Toy PNG tiles",
    looks_for=f"{TABLE} + {HEADER}",
    detect=is_toy_folder,
    read=read_toy_folder,
    write_synthetic=write_toy_folder,
)
