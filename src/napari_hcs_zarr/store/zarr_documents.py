"""zarr metadata documents, made by zarr itself.

Array documents are written by ``zarr.create_array`` into an in-memory store and taken
from there, once per distinct array (a plate's wells mostly share their geometry);
group documents come from zarr's ``GroupMetadata``. So the documents are always the
ones the installed zarr writes, and the converter only copies bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numcodecs
import numpy as np
import zarr
import zarr.codecs
import zarr.storage
from zarr.core.buffer import default_buffer_prototype
from zarr.core.group import GroupMetadata

#: The image encoding of every plate array: Blosc LZ4, byte shuffle.
BLOSC = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
#: Names of the metadata documents of a zarr node, by zarr format.
METADATA_NAMES = {2: (".zarray", ".zgroup", ".zattrs"), 3: ("zarr.json",)}
ALL_METADATA_NAMES = frozenset(n for names in METADATA_NAMES.values() for n in names)


@dataclass(frozen=True)
class ArraySpec:
    """Everything that decides an array's metadata document.

    Parameters
    ----------
    zarr_format
        2 or 3.
    shape, chunks
        Array and (inner) chunk shape.
    dtype
        numpy type string (``"<u2"``...).
    dimension_names
        zarr v3 only.
    shards
        zarr v3 only: the shard shape (``chunks`` are then the inner chunks).
    compressed
        Blosc LZ4 (images) or no compression (small tables).
    string_values
        Variable-length UTF-8 strings (table indices); ``dtype`` is then ignored.
    attributes_json
        The array's attributes, as JSON text (hashable).
    """

    zarr_format: int
    shape: tuple[int, ...]
    chunks: tuple[int, ...]
    dtype: str
    dimension_names: tuple[str, ...] | None = None
    shards: tuple[int, ...] | None = None
    compressed: bool = True
    string_values: bool = False
    attributes_json: str = "{}"


def json_document(document: dict[str, Any]) -> bytes:
    """A metadata document as zarr formats it (2-space indent, NaN allowed)."""
    return json.dumps(document, indent=2, allow_nan=True).encode()


@lru_cache(maxsize=4096)
def array_documents(spec: ArraySpec) -> dict[str, bytes]:
    """The metadata documents (name -> bytes) zarr writes for ``spec``."""
    store = zarr.storage.MemoryStore()
    kwargs: dict[str, Any] = {
        "store": store,
        "shape": spec.shape,
        "chunks": spec.chunks,
        "zarr_format": spec.zarr_format,
        "attributes": json.loads(spec.attributes_json),
    }
    if spec.string_values:
        kwargs.update(dtype=str, fill_value="", compressors=None)
    else:
        kwargs.update(dtype=np.dtype(spec.dtype), fill_value=0)
        if not spec.compressed:
            kwargs.update(compressors=None, fill_value=0.0)
        elif spec.zarr_format == 2:
            kwargs.update(compressors=BLOSC)
        else:
            kwargs.update(compressors=zarr.codecs.BloscCodec(cname="lz4", clevel=5, shuffle="shuffle"))
    if spec.zarr_format == 2:
        kwargs.update(chunk_key_encoding={"name": "v2", "separator": "/"})
    else:
        kwargs.update(dimension_names=spec.dimension_names, shards=spec.shards)
    zarr.create_array(**kwargs)
    return {key: value.to_bytes() for key, value in sorted(store._store_dict.items())}


def group_documents(attributes: dict[str, Any], zarr_format: int) -> dict[str, bytes]:
    """The metadata documents (name -> bytes) of a group with ``attributes``.

    Most groups of a plate have one of a few attribute sets (the ROI tables' groups, the
    wells'...), so the documents are made once per set.
    """
    return _group_documents(json.dumps(attributes), zarr_format)


@lru_cache(maxsize=1024)
def _group_documents(attributes_json: str, zarr_format: int) -> dict[str, bytes]:
    metadata = GroupMetadata(attributes=json.loads(attributes_json), zarr_format=zarr_format)
    return {
        name: buffer.to_bytes()
        for name, buffer in metadata.to_buffer_dict(default_buffer_prototype()).items()
    }
