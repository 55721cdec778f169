"""Fractal ROI tables (``FOV_ROI_table``, ``well_ROI_table``) of a stitched well image.

They let Fractal tasks and other downstream tools work per original camera field.
"""

from __future__ import annotations

from pathlib import Path

import numcodecs
import numpy as np

from napari_hcs_zarr.ngff import write_documents, write_group
from napari_hcs_zarr.raw_plate import RawPlate, RawWell

_COLUMNS = [
    "x_micrometer",
    "y_micrometer",
    "z_micrometer",
    "len_x_micrometer",
    "len_y_micrometer",
    "len_z_micrometer",
    "x_micrometer_original",
    "y_micrometer_original",
]


_DICT = {"encoding-type": "dict", "encoding-version": "0.1.0"}


class _NodeWriter:
    """Writes small zarr groups and single-chunk arrays straight to files.

    Tables are tiny, and zarr's general machinery costs ~15 ms per node; a 384-well
    plate has ~8000 table nodes. The documents written are the ones zarr itself writes
    for uncompressed arrays (checked against zarr and anndata by the tests).
    """

    def __init__(self, root: Path, zarr_format: int) -> None:
        self.root = root
        self.zarr_format = zarr_format

    def _dump(self, path: Path, document: dict) -> None:
        write_documents(path.parent, {path.name: document})

    def group(self, path: Path, attributes: dict) -> None:
        write_group(path, self.zarr_format, attributes)

    def array(self, path: Path, values: np.ndarray, attributes: dict) -> None:
        strings = values.dtype == object
        chunk_name = "/".join(["0"] * values.ndim)
        if strings:
            payload = numcodecs.VLenUTF8().encode(values)
        else:
            payload = np.ascontiguousarray(values.astype(values.dtype.newbyteorder("<"))).tobytes()
        if self.zarr_format == 2:
            self._dump(
                path / ".zarray",
                {
                    "zarr_format": 2,
                    "shape": list(values.shape),
                    "chunks": list(values.shape),
                    "dtype": "|O" if strings else values.dtype.newbyteorder("<").str,
                    "fill_value": "" if strings else 0.0,
                    "order": "C",
                    "filters": [{"id": "vlen-utf8"}] if strings else None,
                    "dimension_separator": "/",
                    "compressor": None,
                },
            )
            self._dump(path / ".zattrs", attributes)
            chunk = path / chunk_name
        else:
            self._dump(
                path / "zarr.json",
                {
                    "zarr_format": 3,
                    "node_type": "array",
                    "shape": list(values.shape),
                    "data_type": "string" if strings else values.dtype.name,
                    "chunk_grid": {
                        "name": "regular",
                        "configuration": {"chunk_shape": list(values.shape)},
                    },
                    "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
                    "fill_value": "" if strings else 0.0,
                    "codecs": [{"name": "vlen-utf8", "configuration": {}}]
                    if strings
                    else [{"name": "bytes", "configuration": {"endian": "little"}}],
                    "attributes": attributes,
                },
            )
            chunk = path / "c" / chunk_name
        chunk.parent.mkdir(parents=True, exist_ok=True)
        chunk.write_bytes(payload)


def write_anndata_table(writer: _NodeWriter, path: Path, rows: dict[str, list[float]]) -> None:
    """Write a float32 table as an AnnData group (the encoding anndata 0.8+ reads)."""
    writer.group(
        path,
        {
            "encoding-type": "anndata",
            "encoding-version": "0.1.0",
            "type": "roi_table",
            "fractal_table_version": "1",
        },
    )
    values = np.asarray(list(rows.values()), dtype=np.float32).reshape(len(rows), len(_COLUMNS))
    writer.array(path / "X", values, {"encoding-type": "array", "encoding-version": "0.2.0"})
    for axis, index in (("obs", list(rows)), ("var", _COLUMNS)):
        writer.group(
            path / axis,
            {
                "_index": "_index",
                "column-order": [],
                "encoding-type": "dataframe",
                "encoding-version": "0.2.0",
            },
        )
        writer.array(
            path / axis / "_index",
            np.array(index, dtype=object),
            {"encoding-type": "string-array", "encoding-version": "0.2.0"},
        )
    for mapping in ("layers", "obsm", "obsp", "uns", "varm", "varp"):
        writer.group(path / mapping, _DICT)


def roi_rows(
    plate: RawPlate, well: RawWell, well_shape: tuple[int, int]
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The rows of the two tables: one per field (``FOV_<index>``), one for the well."""
    z_um, y_um, x_um = plate.pixel_size_um
    fh, fw = plate.field_shape
    depth = well.z_count * z_um
    fields = {
        f"FOV_{f.index}": [
            f.x_px * x_um,
            f.y_px * y_um,
            0.0,
            fw * x_um,
            fh * y_um,
            depth,
            f.x_um,
            f.y_um,
        ]
        for f in well.fields
    }
    whole = {"well_1": [0.0, 0.0, 0.0, well_shape[1] * x_um, well_shape[0] * y_um, depth, 0.0, 0.0]}
    return fields, whole


def write_roi_tables(
    image_dir: Path, zarr_format: int, plate: RawPlate, well: RawWell, well_shape: tuple[int, int]
) -> None:
    """Write both tables under ``image_dir/tables`` (a local image group of the plate)."""
    fields, whole = roi_rows(plate, well, well_shape)
    writer = _NodeWriter(image_dir, zarr_format)
    names = ["FOV_ROI_table", "well_ROI_table"]
    writer.group(image_dir / "tables", {"tables": names})
    for name, rows in zip(names, (fields, whole), strict=True):
        write_anndata_table(writer, image_dir / "tables" / name, rows)
