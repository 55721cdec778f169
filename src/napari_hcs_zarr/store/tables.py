"""Small tables as AnnData groups (the encoding anndata 0.8+ reads and writes).

Numeric tables (the ROI tables) are an AnnData's ``X``; tables of named columns of
mixed types (the condition table) are its ``obs`` dataframe, with no ``X``.

Tables are tiny, and zarr's general machinery costs ~15 ms per node, while a 384-well
plate has ~8000 table nodes: the documents come from
:mod:`~napari_hcs_zarr.store.zarr_documents` (zarr's own, cached per shape) and each array
is one uncompressed chunk stored directly.
"""

from __future__ import annotations

import json

import numcodecs
import numpy as np

from napari_hcs_zarr.store.plate_store import PlateStore
from napari_hcs_zarr.store.zarr_documents import ArraySpec, array_documents, group_documents

_DICT = {"encoding-type": "dict", "encoding-version": "0.1.0"}
_MAPPINGS = ("layers", "obsm", "obsp", "uns", "varm", "varp")


class TableWriter:
    """Writes AnnData groups of float32 tables into a store."""

    def __init__(self, store: PlateStore, zarr_format: int) -> None:
        self.store = store
        self.zarr_format = zarr_format

    def group(self, key: str, attributes: dict) -> None:
        for name, data in group_documents(attributes, self.zarr_format).items():
            self.store.write(f"{key}/{name}", data)

    def array(self, key: str, values: np.ndarray, attributes: dict) -> None:
        strings = values.dtype == object
        if strings:
            payload = numcodecs.VLenUTF8().encode(values)
        else:
            payload = np.ascontiguousarray(values.astype(values.dtype.newbyteorder("<"))).tobytes()
        spec = ArraySpec(
            self.zarr_format,
            values.shape,
            tuple(max(1, n) for n in values.shape),
            values.dtype.newbyteorder("<").str,
            compressed=False,
            string_values=strings,
            attributes_json=json.dumps(attributes),
        )
        for name, data in array_documents(spec).items():
            self.store.write(f"{key}/{name}", data)
        if values.size == 0:
            return
        chunk = "/".join(["0"] * values.ndim)
        self.store.write(f"{key}/c/{chunk}" if self.zarr_format == 3 else f"{key}/{chunk}", payload)

    def anndata_table(
        self, key: str, rows: dict[str, list[float]], columns: list[str], attributes: dict
    ) -> None:
        """One table: ``rows`` (observation name -> values, one per column) as ``X``."""
        self.group(key, {"encoding-type": "anndata", "encoding-version": "0.1.0", **attributes})
        values = np.asarray(list(rows.values()), dtype=np.float32).reshape(len(rows), len(columns))
        self.array(f"{key}/X", values, {"encoding-type": "array", "encoding-version": "0.2.0"})
        for axis, index in (("obs", list(rows)), ("var", columns)):
            self.dataframe(f"{key}/{axis}", index, [])
        for mapping in _MAPPINGS:
            self.group(f"{key}/{mapping}", _DICT)

    def dataframe(self, key: str, index: list[str], columns: list[tuple[str, np.ndarray]]) -> None:
        """A dataframe group: ``index`` and each named column (strings as ``object``
        arrays, numbers as numeric arrays, one value per index entry)."""
        self.group(
            key,
            {
                "_index": "_index",
                "column-order": [name for name, _ in columns],
                "encoding-type": "dataframe",
                "encoding-version": "0.2.0",
            },
        )
        self.array(
            f"{key}/_index",
            np.array(index, dtype=object),
            {"encoding-type": "string-array", "encoding-version": "0.2.0"},
        )
        for name, values in columns:
            encoding = "string-array" if values.dtype == object else "array"
            self.array(f"{key}/{name}", values, {"encoding-type": encoding, "encoding-version": "0.2.0"})

    def obs_table(
        self, key: str, index: list[str], columns: list[tuple[str, np.ndarray]], attributes: dict
    ) -> None:
        """One table of named columns as an AnnData whose ``obs`` holds them (no ``X``)."""
        self.group(key, {"encoding-type": "anndata", "encoding-version": "0.1.0", **attributes})
        self.dataframe(f"{key}/obs", index, columns)
        self.dataframe(f"{key}/var", [], [])
        for mapping in _MAPPINGS:
            self.group(f"{key}/{mapping}", _DICT)
