"""The one place where OME-NGFF 0.4 and 0.5 differ.

0.4 stores zarr v2 groups with the OME metadata at the top of ``.zattrs`` and a
``version`` inside each object; 0.5 stores zarr v3 groups with everything under
``attributes.ome`` and one ``ome.version``. Everything else in the package talks to a
:class:`NgffFormat` and never checks the version itself.
"""

from __future__ import annotations

import json
import os
import unicodedata
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
            _replace_file(path, _json_document(existing))
            return
        path = group_dir / "zarr.json"
        document = json.loads(path.read_bytes())
        ome = dict(document["attributes"].get("ome", {}))
        ome.update(attributes["ome"])
        document["attributes"]["ome"] = ome
        _replace_file(path, _json_document(document))

    def consolidate_metadata(self, root_dir: Path) -> None:
        """Gather the metadata of every node below ``root_dir`` into the root, as
        ``zarr.consolidate_metadata`` does (zarr v2: ``.zmetadata``; v3: the root's
        ``consolidated_metadata``), with the same bytes (checked by the tests).

        Each node's document appears in zarr's canonical key order, nodes sorted by depth,
        then case-folded path; folders that are no zarr node (the vendor metadata, the
        journal) are left out.
        """
        members = _member_documents(root_dir, self.zarr_format)
        if self.zarr_format == 2:
            attributes = json.loads((root_dir / ".zattrs").read_bytes())
            flat: dict[str, Any] = {".zgroup": {"zarr_format": 2}, ".zattrs": attributes}
            for path, document in members:
                flat[f"{path}/.zattrs"] = document.pop("attributes")
                if "shape" in document:
                    flat[f"{path}/.zarray"] = document
                else:  # (zarr writes this object's keys in the reverse order here)
                    inline = {"metadata": {}, "must_understand": False, "kind": "inline"}
                    flat[f"{path}/.zgroup"] = {"zarr_format": 2, "consolidated_metadata": inline}
            consolidated = {"metadata": flat, "zarr_consolidated_format": 1}
            _replace_file(root_dir / ".zmetadata", json.dumps(consolidated, allow_nan=True).encode())
            return
        root = json.loads((root_dir / "zarr.json").read_bytes())
        document = {
            "attributes": root["attributes"],
            "zarr_format": 3,
            "consolidated_metadata": {"kind": "inline", "must_understand": False, "metadata": dict(members)},
            "node_type": "group",
        }
        _replace_file(root_dir / "zarr.json", _json_document(document))

    # ---- nodes ----------------------------------------------------------------------
    def create_group(self, group_dir: Path) -> None:
        """Write the metadata document(s) of an empty group at ``group_dir``, as zarr does."""
        write_group(group_dir, self.zarr_format)

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
            write_documents(array_dir, {".zarray": zarray, ".zattrs": {}})
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
        write_documents(array_dir, {"zarr.json": document})

    def write_plane_chunks(
        self,
        array_dir: Path,
        index: tuple[int, ...],
        plane: np.ndarray,
        chunk_yx: tuple[int, int],
        shard_grid: tuple[int, int] | None = None,
    ) -> None:
        """Write the Y/X plane at ``index`` of an array made by :meth:`create_array`.

        Chunks are encoded and written straight to their files, as zarr writes them (edge
        chunks padded with the fill value 0); with ``shard_grid`` (inner chunks along Y
        and X of a shard) into shards instead (see :class:`PlaneChunkWriter`). zarr's
        general write path costs more than the compression itself for the many writes of
        a conversion.
        """
        ch, cw = chunk_yx
        h, w = plane.shape
        writer = self.plane_chunk_writer(array_dir, index, (-(-h // ch), -(-w // cw)), shard_grid)
        for cy in range(writer.grid[0]):
            for cx in range(writer.grid[1]):
                tile = plane[cy * ch : (cy + 1) * ch, cx * cw : (cx + 1) * cw]
                writer.add(cy, cx, encode_chunk(tile, chunk_yx))
        writer.close()

    def plane_chunk_writer(
        self,
        array_dir: Path,
        index: tuple[int, ...],
        grid: tuple[int, int],
        shard_grid: tuple[int, int] | None = None,
    ) -> PlaneChunkWriter:
        """A writer for the encoded chunks of the Y/X plane at ``index`` (``grid``: chunk
        rows and columns of the plane; ``shard_grid``: of a shard, None unsharded)."""
        base = array_dir if self.zarr_format == 2 else array_dir / "c"
        return PlaneChunkWriter(base.joinpath(*(str(i) for i in index)), grid, shard_grid)


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
    Sharded, chunk (cy, cx) belongs to shard ``<plane_dir>/<cy // rows>/<cx // columns>``
    for a shard of ``rows`` x ``columns`` chunks; a shard is written as soon as all its
    chunks are in, in zarr's ``sharding_indexed`` layout: the inner chunks in row-major
    order, then their offsets and sizes as little-endian uint64 with a crc32c, at the
    end; places of an edge shard that lie outside the plane are marked empty
    (offset and size 2**64 - 1).

    Parameters
    ----------
    plane_dir
        The plane's chunk folder: the array folder (``c/`` for zarr v3) and the
        plane's index.
    grid
        Chunk rows and columns of the plane; every chunk must be added.
    shard_grid
        Chunk rows and columns of one shard; None for plain chunk files.
    """

    def __init__(self, plane_dir: Path, grid: tuple[int, int], shard_grid: tuple[int, int] | None) -> None:
        self.plane_dir = plane_dir
        self.grid = grid
        self.shard_grid = shard_grid
        self._encoded: dict[tuple[int, int], dict[tuple[int, int], bytes]] = {}
        self._row_dirs: set[int] = set()

    def add(self, cy: int, cx: int, data: bytes) -> None:
        """Add the encoded chunk at chunk row ``cy``, column ``cx``."""
        if self.shard_grid is None:
            row_dir = self.plane_dir / str(cy)
            if cy not in self._row_dirs:
                row_dir.mkdir(parents=True, exist_ok=True)
                self._row_dirs.add(cy)
            (row_dir / str(cx)).write_bytes(data)
            return
        rows, columns = self.shard_grid
        shard = (cy // rows, cx // columns)
        inner = self._encoded.setdefault(shard, {})
        inner[cy % rows, cx % columns] = data
        if len(inner) == self._chunks_in(shard):
            self._write_shard(shard, self._encoded.pop(shard))

    def close(self) -> None:
        """Check that every chunk was added (each shard is written when complete)."""
        if self._encoded:
            missing = sorted(self._encoded)
            raise RuntimeError(f"{self.plane_dir}: shards {missing} were not given all their chunks")

    def _chunks_in(self, shard: tuple[int, int]) -> int:
        """How many chunks of the plane fall in ``shard`` (fewer at the plane's edges)."""
        rows, columns = self.shard_grid
        in_y = min(rows, self.grid[0] - shard[0] * rows)
        in_x = min(columns, self.grid[1] - shard[1] * columns)
        return in_y * in_x

    def _write_shard(self, shard: tuple[int, int], inner: dict[tuple[int, int], bytes]) -> None:
        rows, columns = self.shard_grid
        table = np.full((rows, columns, 2), np.iinfo("<u8").max, dtype="<u8")
        offset = 0
        ordered = []
        for position in sorted(inner):
            data = inner[position]
            table[position] = (offset, len(data))
            offset += len(data)
            ordered.append(data)
        index_bytes = table.tobytes()
        checksum = np.uint32(google_crc32c.value(index_bytes)).astype("<u4").tobytes()
        path = self.plane_dir / str(shard[0]) / str(shard[1])
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as file:
            # One write per chunk: a single multi-MB write() was 5x slower here (ext4, VM).
            for data in ordered:
                file.write(data)
            file.write(index_bytes + checksum)


#: zarr's key order of array metadata, for each zarr format.
_ARRAY_KEYS = {
    2: ("shape", "chunks", "dtype", "fill_value", "order", "filters", "dimension_separator", "compressor"),
    3: (
        "shape",
        "data_type",
        "chunk_grid",
        "chunk_key_encoding",
        "fill_value",
        "codecs",
        "attributes",
        "dimension_names",
    ),
}


def _member_documents(root_dir: Path, zarr_format: int) -> list[tuple[str, dict]]:
    """Every group and array below ``root_dir`` with its metadata as zarr's consolidated
    metadata holds it, sorted as zarr sorts them (by depth, then case-folded path)."""
    read = _read_v2_node if zarr_format == 2 else _read_v3_node
    members = []
    for folder, subfolders, files in os.walk(root_dir):
        document = read(Path(folder), files)
        if document is None or "shape" in document:
            subfolders.clear()  # zarr nodes are only below groups
        path = Path(folder).relative_to(root_dir).as_posix()
        if document is not None and path != ".":
            members.append((path, document))
    members.sort(key=lambda m: (m[0].count("/"), unicodedata.normalize("NFKC", m[0]).casefold()))
    return members


def _read_v2_node(folder: Path, files: list[str]) -> dict | None:
    """A v2 group (``{"attributes": ...}``) or array (zarr's key order, plus
    ``attributes``) at ``folder``; ``None`` when it is no zarr node."""
    if ".zarray" not in files and ".zgroup" not in files:
        return None
    attributes = json.loads((folder / ".zattrs").read_bytes()) if ".zattrs" in files else {}
    if ".zarray" not in files:
        return {"attributes": attributes}
    stored = json.loads((folder / ".zarray").read_bytes())
    return {key: stored[key] for key in _ARRAY_KEYS[2]} | {"zarr_format": 2, "attributes": attributes}


def _read_v3_node(folder: Path, files: list[str]) -> dict | None:
    """A v3 group (with an empty consolidated metadata) or array (zarr's key order) at
    ``folder``; ``None`` when it is no zarr node."""
    if "zarr.json" not in files:
        return None
    stored = json.loads((folder / "zarr.json").read_bytes())
    if stored["node_type"] == "group":
        return {
            "attributes": stored.get("attributes", {}),
            "zarr_format": 3,
            "consolidated_metadata": {"kind": "inline", "must_understand": False, "metadata": {}},
            "node_type": "group",
        }
    document = {key: stored[key] for key in _ARRAY_KEYS[3] if stored.get(key) is not None}
    document.setdefault("attributes", {})
    return document | {
        "zarr_format": 3,
        "node_type": "array",
        "storage_transformers": stored.get("storage_transformers", []),
    }


def _json_document(document: dict) -> bytes:
    """A metadata document as zarr formats it (2-space indent, NaN allowed)."""
    return json.dumps(document, indent=2, allow_nan=True).encode()


def _replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a conversion killed meanwhile leaves the old
    file, which a resumed one reads)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def write_group(group_dir: Path, zarr_format: int, attributes: dict | None = None) -> None:
    """Write the metadata document(s) of a zarr group with ``attributes``, as zarr does."""
    if zarr_format == 2:
        documents = {".zgroup": {"zarr_format": 2}, ".zattrs": attributes or {}}
    else:
        documents = {"zarr.json": {"attributes": attributes or {}, "zarr_format": 3, "node_type": "group"}}
    write_documents(group_dir, documents)


def write_documents(node_dir: Path, documents: dict[str, dict]) -> None:
    """Write metadata documents (file name -> JSON object) into ``node_dir``, as zarr formats them."""
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
