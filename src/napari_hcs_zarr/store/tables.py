"""Small tables as AnnData groups (the encoding anndata 0.8+ reads and writes).

Numbers are an AnnData's ``X`` (one variable per column); strings and integers are
columns of its ``obs`` dataframe (the layout ngio reads and writes).

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
        """One numeric table: ``rows`` (observation name -> values, one per column) as a
        float32 ``X``."""
        values = np.asarray(list(rows.values()), dtype=np.float32).reshape(len(rows), len(columns))
        self.anndata(key, list(rows), [], values, columns, attributes)

    def anndata(
        self,
        key: str,
        obs_index: list[str],
        obs_columns: list[tuple[str, np.ndarray]],
        x: np.ndarray,
        var_index: list[str],
        attributes: dict,
    ) -> None:
        """One AnnData: ``X`` (observations x variables), the observations' index and
        named columns, the variables' index."""
        self.group(key, {"encoding-type": "anndata", "encoding-version": "0.1.0", **attributes})
        self.array(f"{key}/X", x, {"encoding-type": "array", "encoding-version": "0.2.0"})
        self.dataframe(f"{key}/obs", obs_index, obs_columns)
        self.dataframe(f"{key}/var", var_index, [])
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
