"""Reading regions of zarr arrays chunk by chunk, straight from the store.

A plate overview reads one small chunk from each of thousands of arrays. Through zarr
that costs about a millisecond per array opened and per chunk read; reading the chunk's
bytes from the store and decoding them with the codec named in the array's metadata
costs tens of microseconds. :func:`direct_reader` builds such a reader from the metadata document the
plate reader already holds, for the encodings that are plain to decode (zarr v2 with a
numcodecs compressor and no filters; zarr v3 with ``bytes`` and compressors, unsharded),
and returns None for anything else, which is then read through zarr.
"""

from __future__ import annotations

import itertools
from typing import Any

import numcodecs
import numpy as np
from numcodecs import blosc

from napari_hcs_zarr.errors import PlateFormatError, StoreError
from napari_hcs_zarr.store.plate_store import PlateStore

_V3_COMPRESSORS = {"blosc", "zstd", "gzip"}


def _decoder(codec: Any) -> Any:
    """A function decoding bytes with ``codec`` (Blosc without numcodecs' per-call checks)."""
    if isinstance(codec, numcodecs.Blosc):
        return blosc.decompress
    return codec.decode


class DirectChunkReader:
    """Reads selections of one zarr array from its stored chunks."""

    def __init__(
        self,
        store: PlateStore,
        array_key: str,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        dtype: np.dtype,
        fill_value: Any,
        chunk_key: Any,
        decoders: list[Any],
        strip_checksum: bool,
        order: str,
    ) -> None:
        self._store = store
        self._array_key = array_key
        self._read_bytes = store.bytes_reader(array_key)
        self.shape = shape
        self.chunks = chunks
        self.dtype = dtype
        self.fill_value = 0 if fill_value is None else fill_value
        self._chunk_key = chunk_key
        self._decoders = decoders
        self._strip_checksum = strip_checksum
        self._order = order

    def read_chunk(self, index: tuple[int, ...]) -> np.ndarray | None:
        """The decoded chunk at grid ``index``, or None when its file does not exist.

        Raises
        ------
        PlateFormatError
            Naming the chunk file, when it cannot be read or decoded into a chunk.
        """
        key = self._chunk_key(index)
        try:
            data: Any = self._read_bytes(key)
        except StoreError as error:
            raise PlateFormatError(error.where, f"unreadable chunk ({error.problem})") from None
        if data is None:
            return None
        try:
            if self._strip_checksum:
                data = data[:-4]
            for decoder in self._decoders:
                data = decoder(data)
            array = np.frombuffer(data, dtype=self.dtype)
            return array.reshape(self.chunks, order=self._order)
        except Exception as error:  # codecs raise all kinds of errors on damaged data
            where = self._store.uri(f"{self._array_key}/{key}")
            raise PlateFormatError(where, f"damaged chunk ({type(error).__name__}: {error})") from None

    def __getitem__(self, selection: tuple[int | slice, ...]) -> np.ndarray:
        """Basic selection: one int or one slice (any positive step) per dimension."""
        bounds, steps, keep = [], [], []
        for item, size in zip(selection, self.shape, strict=True):
            if isinstance(item, slice):
                start, stop, step = item.indices(size)
                bounds.append((start, max(stop, start)))
                steps.append(step)
                keep.append(True)
            else:
                bounds.append((int(item), int(item) + 1))
                steps.append(1)
                keep.append(False)
        index = tuple(a // c for (a, _), c in zip(bounds, self.chunks, strict=True))
        if all(b > a and (b - 1) // c == i for (a, b), c, i in zip(bounds, self.chunks, index, strict=True)):
            # Inside one chunk (the plate overview's case): a view of the decoded chunk.
            chunk = self.read_chunk(index)
            within = tuple(
                slice(a - i * c, b - i * c, st) if k else a - i * c
                for (a, b), c, i, st, k in zip(bounds, self.chunks, index, steps, keep, strict=True)
            )
            if chunk is None:
                return np.full(self._selection_shape(bounds, steps, keep), self.fill_value, self.dtype)
            return chunk[within]
        out = np.full([b - a for a, b in bounds], self.fill_value, dtype=self.dtype)
        if out.size:
            grid = [range(a // c, -(-b // c)) for (a, b), c in zip(bounds, self.chunks, strict=True)]
            for index in itertools.product(*grid):
                chunk = self.read_chunk(index)
                if chunk is None:
                    continue
                source, target = [], []
                for i, (a, b), c in zip(index, bounds, self.chunks, strict=True):
                    lo, hi = max(a, i * c), min(b, (i + 1) * c)
                    source.append(slice(lo - i * c, hi - i * c))
                    target.append(slice(lo - a, hi - a))
                out[tuple(target)] = chunk[tuple(source)]
        out = out[tuple(slice(None, None, s) for s in steps)]
        return out[tuple(slice(None) if k else 0 for k in keep)]

    @staticmethod
    def _selection_shape(bounds, steps, keep) -> tuple[int, ...]:
        return tuple(len(range(a, b, st)) for (a, b), st, k in zip(bounds, steps, keep, strict=True) if k)


def _v2_reader(store: PlateStore, array_key: str, document: dict) -> DirectChunkReader | None:
    if document.get("filters"):
        return None
    compressor = document.get("compressor")
    decoders = [_decoder(numcodecs.get_codec(compressor))] if compressor else []
    dtype = np.dtype(document["dtype"])
    if dtype.hasobject:
        return None
    separator = document.get("dimension_separator") or "."
    return DirectChunkReader(
        store,
        array_key,
        tuple(document["shape"]),
        tuple(document["chunks"]),
        dtype,
        document.get("fill_value"),
        lambda index: separator.join(map(str, index)) if index else "0",
        decoders,
        False,
        document.get("order", "C"),
    )


def _v3_reader(store: PlateStore, array_key: str, document: dict) -> DirectChunkReader | None:
    if document.get("chunk_grid", {}).get("name") != "regular":
        return None
    codecs = document.get("codecs", [])
    if not codecs or codecs[0].get("name") != "bytes":
        return None  # transpose, sharding, ...: leave to zarr
    endian = (codecs[0].get("configuration") or {}).get("endian", "little")
    try:
        dtype = np.dtype(document["data_type"]).newbyteorder("<" if endian == "little" else ">")
    except TypeError:
        return None
    decoders, strip_checksum = [], False
    for codec in codecs[1:]:
        name, config = codec.get("name"), dict(codec.get("configuration") or {})
        if name == "crc32c" and codec is codecs[-1]:
            strip_checksum = True
        elif name in _V3_COMPRESSORS and not strip_checksum:
            config.pop("typesize", None)
            if name == "blosc":
                config = {"cname": config.get("cname", "lz4"), "clevel": config.get("clevel", 5)}
            decoders.append(_decoder(numcodecs.get_codec({"id": name, **config})))
        else:
            return None
    decoders.reverse()  # encoded in order, decoded in reverse
    encoding = document.get("chunk_key_encoding", {"name": "default"})
    separator = (encoding.get("configuration") or {}).get(
        "separator", "/" if encoding.get("name") == "default" else "."
    )
    if encoding.get("name") == "default":

        def chunk_key(index: tuple[int, ...]) -> str:
            return separator.join(["c", *map(str, index)])

    elif encoding.get("name") == "v2":

        def chunk_key(index: tuple[int, ...]) -> str:
            return separator.join(map(str, index)) if index else "0"

    else:
        return None
    return DirectChunkReader(
        store,
        array_key,
        tuple(document["shape"]),
        tuple(document["chunk_grid"]["configuration"]["chunk_shape"]),
        dtype,
        document.get("fill_value"),
        chunk_key,
        decoders,
        strip_checksum,
        "C",
    )


def direct_reader(store: PlateStore, array_key: str, document: dict) -> DirectChunkReader | None:
    """A direct reader for the array at ``array_key`` whose metadata ``document`` is
    given, or None when its encoding is left to zarr."""
    try:
        if "chunk_grid" in document:
            return _v3_reader(store, array_key, document)
        return _v2_reader(store, array_key, document)
    except (KeyError, TypeError, ValueError):
        return None
