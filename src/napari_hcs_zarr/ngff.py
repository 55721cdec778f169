"""The one place where OME-NGFF 0.4 and 0.5 differ.

0.4 stores zarr v2 groups with the OME metadata at the top of ``.zattrs`` and a
``version`` inside each object; 0.5 stores zarr v3 groups with everything under
``attributes.ome`` and one ``ome.version``. Everything else in the package talks to a
:class:`NgffFormat` and never checks the version itself.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import google_crc32c
import numcodecs
import numpy as np

#: OME keys whose objects carry their own ``version`` in NGFF 0.4.
_VERSIONED_KEYS = ("plate", "well", "multiscales")

#: The image encoding of both versions: Blosc LZ4, byte shuffle.
_BLOSC = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)


@dataclass(frozen=True)
class NgffFormat:
    """How to write (and read back) OME metadata and arrays for one NGFF version."""

    version: str
    zarr_format: int

    # ---- metadata -------------------------------------------------------------------
    def ome_attributes(self, **objects: Any) -> dict[str, Any]:
        """Group attributes holding the given OME objects (``plate=...``, ``multiscales=...``)."""
        objects = {k.replace("_", "-"): v for k, v in objects.items()}
        if self.version == "0.4":
            for key in _VERSIONED_KEYS:
                if key == "multiscales" and key in objects:
                    objects[key] = [{**m, "version": "0.4"} for m in objects[key]]
                elif key in objects:
                    objects[key] = {**objects[key], "version": "0.4"}
            return objects
        if "plate" in objects:
            objects["plate"] = {**objects["plate"], "version": "0.5"}
        return {"ome": {"version": "0.5", **objects}}

    def write_ome(self, group_dir: Path, **objects: Any) -> None:
        """Add OME objects to the attributes of the group at ``group_dir``, keeping what is there."""
        attributes = self.ome_attributes(**objects)
        if self.version == "0.4":
            path = group_dir / ".zattrs"
            existing = json.loads(path.read_bytes()) if path.is_file() else {}
            existing.update(attributes)
            path.write_bytes(_json_document(existing))
            return
        path = group_dir / "zarr.json"
        document = json.loads(path.read_bytes())
        ome = dict(document["attributes"].get("ome", {}))
        ome.update(attributes["ome"])
        document["attributes"]["ome"] = ome
        path.write_bytes(_json_document(document))

    # ---- nodes ----------------------------------------------------------------------
    def create_group(self, group_dir: Path) -> None:
        """Write the metadata document(s) of an empty group at ``group_dir``, as zarr does."""
        if self.zarr_format == 2:
            documents = {".zgroup": {"zarr_format": 2}, ".zattrs": {}}
        else:
            documents = {"zarr.json": {"attributes": {}, "zarr_format": 3, "node_type": "group"}}
        _write_documents(group_dir, documents)

    def create_array(
        self,
        array_dir: Path,
        *,
        shape: tuple[int, ...],
        chunks: tuple[int, ...],
        dtype: np.dtype,
        dimension_names: list[str],
        shards: tuple[int, ...] | None = None,
    ) -> None:
        """Write the metadata of an image array (blosc-lz4, byte shuffle, fill value 0).

        The documents are the ones ``zarr.Group.create_array`` writes for the same
        arguments (zarr v2 with ``/`` chunk keys, or v3 with the sharding codec when
        ``shards`` is given), byte for byte (checked by the tests); writing them directly
        is ~100x faster than zarr for the many arrays of a plate.
        """
        dtype = np.dtype(dtype)
        fill_value = dtype.type(0).item()
        if self.zarr_format == 2:
            zarray = {
                "shape": list(shape),
                "chunks": list(chunks),
                "dtype": dtype.str,
                "fill_value": fill_value,
                "order": "C",
                "filters": None,
                "dimension_separator": "/",
                "compressor": _BLOSC.get_config(),
                "zarr_format": 2,
            }
            _write_documents(array_dir, {".zarray": zarray, ".zattrs": {}})
            return
        little = {"name": "bytes", "configuration": {"endian": "little"}}
        pixels = little if dtype.itemsize > 1 else {"name": "bytes"}  # zarr omits a moot endian
        blosc = {
            "name": "blosc",
            "configuration": {
                "typesize": dtype.itemsize,
                "cname": _BLOSC.cname,
                "clevel": _BLOSC.clevel,
                "shuffle": "shuffle",
                "blocksize": 0,
            },
        }
        codecs = [pixels, blosc]
        if shards is not None:
            sharding = {
                "chunk_shape": list(chunks),
                "codecs": codecs,
                "index_codecs": [little, {"name": "crc32c"}],
                "index_location": "end",
            }
            codecs = [{"name": "sharding_indexed", "configuration": sharding}]
        document = {
            "shape": list(shape),
            "data_type": dtype.name,
            "chunk_grid": {
                "name": "regular",
                "configuration": {"chunk_shape": list(shards if shards is not None else chunks)},
            },
            "chunk_key_encoding": {"name": "default", "configuration": {"separator": "/"}},
            "fill_value": fill_value,
            "codecs": codecs,
            "attributes": {},
            "dimension_names": list(dimension_names),
            "zarr_format": 3,
            "node_type": "array",
            "storage_transformers": [],
        }
        _write_documents(array_dir, {"zarr.json": document})

    def write_plane_chunks(
        self,
        array_dir: Path,
        index: tuple[int, ...],
        plane: np.ndarray,
        chunk_yx: tuple[int, int],
        sharded: bool = False,
    ) -> None:
        """Write the Y/X plane at ``index`` of an array made by :meth:`create_array`.

        Chunks are encoded and written straight to their files, as zarr writes them (edge
        chunks padded with the fill value 0); with ``sharded`` the plane is one shard
        (see :class:`PlaneChunkWriter`). zarr's general write path costs more than the
        compression itself for the many writes of a conversion.
        """
        ch, cw = chunk_yx
        h, w = plane.shape
        writer = self.plane_chunk_writer(array_dir, index, (-(-h // ch), -(-w // cw)), sharded)
        for cy in range(writer.grid[0]):
            for cx in range(writer.grid[1]):
                tile = plane[cy * ch : (cy + 1) * ch, cx * cw : (cx + 1) * cw]
                writer.add(cy, cx, encode_chunk(tile, chunk_yx))
        writer.close()

    def plane_chunk_writer(
        self, array_dir: Path, index: tuple[int, ...], grid: tuple[int, int], sharded: bool = False
    ) -> PlaneChunkWriter:
        """A writer for the encoded chunks of the Y/X plane at ``index`` (``grid``: chunk
        rows and columns of the plane)."""
        base = array_dir if self.zarr_format == 2 else array_dir / "c"
        return PlaneChunkWriter(base.joinpath(*(str(i) for i in index)), grid, sharded)


def encode_chunk(tile: np.ndarray, chunk_yx: tuple[int, int]) -> bytes:
    """The stored bytes of one chunk (blosc-lz4, little-endian); a tile smaller than
    ``chunk_yx`` (at the plane's bottom or right edge) is padded with the fill value 0."""
    if tile.shape != tuple(chunk_yx):
        padded = np.zeros(chunk_yx, dtype=tile.dtype)
        padded[: tile.shape[0], : tile.shape[1]] = tile
        tile = padded
    return _BLOSC.encode(np.ascontiguousarray(tile, dtype=tile.dtype.newbyteorder("<")))


class PlaneChunkWriter:
    """Writes the encoded chunks of one Y/X plane of one array, in any order.

    Unsharded, each chunk is a file ``<plane_dir>/<cy>/<cx>`` written when it is added.
    Sharded, the plane is one shard ``<plane_dir>/0/0`` written by :meth:`close` (zarr's
    ``sharding_indexed`` layout: the inner chunks in row-major order, then their offsets
    and sizes as little-endian uint64 with a crc32c, at the end).

    Parameters
    ----------
    plane_dir
        The plane's chunk folder: the array folder (``c/`` for zarr v3) and the
        plane's index.
    grid
        Chunk rows and columns of the plane; every chunk must be added.
    """

    def __init__(self, plane_dir: Path, grid: tuple[int, int], sharded: bool) -> None:
        self.plane_dir = plane_dir
        self.grid = grid
        self.sharded = sharded
        self._encoded: dict[tuple[int, int], bytes] = {}
        self._row_dirs: set[int] = set()

    def add(self, cy: int, cx: int, data: bytes) -> None:
        """Add the encoded chunk at chunk row ``cy``, column ``cx``."""
        if self.sharded:
            self._encoded[cy, cx] = data
            return
        row_dir = self.plane_dir / str(cy)
        if cy not in self._row_dirs:
            row_dir.mkdir(parents=True, exist_ok=True)
            self._row_dirs.add(cy)
        (row_dir / str(cx)).write_bytes(data)

    def close(self) -> None:
        """Write the shard (sharded); nothing to do unsharded."""
        if not self.sharded:
            return
        rows, columns = self.grid
        table = np.empty((rows, columns, 2), dtype="<u8")
        offset = 0
        ordered = []
        for cy in range(rows):
            for cx in range(columns):
                data = self._encoded[cy, cx]
                table[cy, cx] = (offset, len(data))
                offset += len(data)
                ordered.append(data)
        index_bytes = table.tobytes()
        checksum = np.uint32(google_crc32c.value(index_bytes)).astype("<u4").tobytes()
        path = self.plane_dir / "0" / "0"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"".join(ordered) + index_bytes + checksum)
        self._encoded.clear()


def _json_document(document: dict) -> bytes:
    """A metadata document as zarr formats it (2-space indent, NaN allowed)."""
    return json.dumps(document, indent=2, allow_nan=True).encode()


def _write_documents(node_dir: Path, documents: dict[str, dict]) -> None:
    node_dir.mkdir(parents=True, exist_ok=True)
    for name, document in documents.items():
        (node_dir / name).write_bytes(_json_document(document))


NGFF_04 = NgffFormat(version="0.4", zarr_format=2)
NGFF_05 = NgffFormat(version="0.5", zarr_format=3)
FORMATS = {"0.4": NGFF_04, "0.5": NGFF_05}


def format_for(version: str) -> NgffFormat:
    """The :class:`NgffFormat` of ``version`` (``"0.4"`` or ``"0.5"``)."""
    try:
        return FORMATS[version]
    except KeyError:
        raise ValueError(f"unsupported OME-NGFF version {version!r}; use 0.4 or 0.5") from None


def read_ome(attributes: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The NGFF version and the OME objects of a group's attributes, whatever the version.

    Returns ``(None, {})`` for attributes that hold no OME metadata.
    """
    if isinstance(attributes.get("ome"), dict):
        ome = attributes["ome"]
        return str(ome.get("version", "0.5")), ome
    for key in ("plate", "well", "multiscales"):
        value = attributes.get(key)
        if isinstance(value, dict):
            return str(value.get("version", "0.4")), attributes
        if isinstance(value, list) and value and isinstance(value[0], dict):
            return str(value[0].get("version", "0.4")), attributes
    if "labels" in attributes or "image-label" in attributes:
        return "0.4", attributes
    return None, {}
