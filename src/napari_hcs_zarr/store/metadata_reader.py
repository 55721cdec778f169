"""Reading the metadata documents of a zarr hierarchy, node by node or consolidated.

When the hierarchy has consolidated metadata (``.zmetadata`` for zarr v2, the
``consolidated_metadata`` of the root ``zarr.json`` for zarr v3) the whole hierarchy
costs one read. Otherwise documents are fetched for a list of nodes at a time: one after
another while they come fast (the page cache answers a small file faster than a thread
pool can hand it out), and on many threads once reads turn out slow (a network file
system, a cold disk, object storage).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any, Literal, NamedTuple

from napari_hcs_zarr.errors import PlateFormatError, StoreError
from napari_hcs_zarr.store.plate_store import PlateStore

_READ_THREADS = 16
#: Reads of one round made one after another before their pace is judged.
_PROBE_READS = 32
#: Mean seconds per document above which the rest of a round is read on threads.
_SLOW_READ_SECONDS = 0.0005

NodeKind = Literal["group", "array", "any"]


class ZarrNode(NamedTuple):
    """One group or array: its attributes, and for an array its metadata document."""

    attributes: dict[str, Any] = {}  # shared default: nodes are never mutated
    array: dict[str, Any] | None = None


class MetadataSource:
    """The metadata documents of the zarr hierarchy in ``store``, by node path."""

    def __init__(self, store: PlateStore) -> None:
        self.store = store
        self._consolidated: dict[str, ZarrNode] | None = None
        self._loaded = False
        self._slow_storage: bool | None = None  # unknown until the first reads are timed
        self.zarr_format = 3 if self._root_document("zarr.json") is not None else 2

    @property
    def consolidated(self) -> bool:
        self._load_consolidated()
        return self._consolidated is not None

    def _root_document(self, name: str) -> dict | None:
        """A root document, parsed once while unchanged: napari's reader selection and
        the reader both look at it, and with consolidated metadata it can be megabytes."""
        root = self.store.local_root
        if root is None:
            return _parse(self.store.read(name), self.store.uri(name))
        path = os.path.join(root, name)
        try:
            stat = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            raise PlateFormatError(path, f"unreadable metadata ({error.strerror or error})") from None
        return _read_local_json_cached(path, stat.st_mtime_ns, stat.st_size)

    def root_attributes(self) -> dict:
        """The root group's attributes, reading as little as possible (no consolidated
        metadata for zarr v2)."""
        if self.zarr_format == 2:
            return self._root_document(".zattrs") or {}
        return (self._root_document("zarr.json") or {}).get("attributes", {})

    def _load_consolidated(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.zarr_format == 2:
            documents = (self._root_document(".zmetadata") or {}).get("metadata")
            if isinstance(documents, dict):
                attributes: dict[str, dict] = {}
                arrays: dict[str, dict] = {}
                paths: set[str] = set()
                for key, value in documents.items():
                    node_path, _, name = key.rpartition("/")
                    paths.add(node_path)
                    if name == ".zattrs":
                        attributes[node_path] = value
                    elif name == ".zarray":
                        arrays[node_path] = value
                self._consolidated = {p: ZarrNode(attributes.get(p, {}), arrays.get(p)) for p in paths}
        else:
            root_doc = self._root_document("zarr.json") or {}
            consolidated = root_doc.get("consolidated_metadata")
            if isinstance(consolidated, dict) and isinstance(consolidated.get("metadata"), dict):
                nodes = {"": _v3_node(root_doc)}
                for key, value in consolidated["metadata"].items():
                    nodes[key] = _v3_node(value)
                self._consolidated = nodes

    def node(self, path: str, kind: NodeKind = "any") -> ZarrNode | None:
        """The node at ``path``, or None when there is none.

        ``kind`` says which zarr v2 documents are worth reading: a group's ``.zattrs``,
        an array's ``.zarray``, or both.

        Raises
        ------
        PlateFormatError
            Naming the document, when it cannot be read or parsed.
        """
        self._load_consolidated()
        if self._consolidated is not None:
            return self._consolidated.get(path)
        base = f"{path}/" if path else ""
        if self.zarr_format == 3:
            document = self._document(base + "zarr.json")
            return None if document is None else _v3_node(document)
        if kind != "group":
            array = self._document(base + ".zarray")
            if array is not None:
                return ZarrNode({}, array)
            if kind == "array":
                return None
        attributes = self._document(base + ".zattrs")
        if attributes is not None:
            return ZarrNode(attributes)
        return ZarrNode() if self._exists(base + ".zgroup") else None

    def _document(self, key: str) -> dict | None:
        return _parse(_metadata_access(self.store.read, key), self.store.uri(key))

    def _exists(self, key: str) -> bool:
        return bool(_metadata_access(self.store.exists, key))

    def nodes(self, paths: list[str], kind: NodeKind = "any") -> list[ZarrNode | PlateFormatError | None]:
        """Several nodes, in the order of ``paths``; a node that cannot be read is its error.

        Read one after another until the pace of the storage is known (from the first
        reads); on slow storage the rest, and every later round, go to a thread pool,
        where waiting on I/O overlaps.
        """
        self._load_consolidated()
        if self._consolidated is not None:
            return [self._consolidated.get(p) for p in paths]
        results: list[ZarrNode | PlateFormatError | None] = []
        started = time.perf_counter()
        for path in paths:
            if self._slow_storage:
                break
            results.append(self._node_or_error(path, kind))
            if self._slow_storage is None and len(results) in (_PROBE_READS, len(paths)):
                self._slow_storage = (time.perf_counter() - started) / len(results) > _SLOW_READ_SECONDS
        rest = paths[len(results) :]
        if rest:
            with ThreadPoolExecutor(_READ_THREADS) as pool:
                results += pool.map(lambda p: self._node_or_error(p, kind), rest)
        return results

    def _node_or_error(self, path: str, kind: NodeKind) -> ZarrNode | PlateFormatError | None:
        try:
            return self.node(path, kind)
        except PlateFormatError as error:
            return error


def _metadata_access(access: Callable[[str], Any], key: str) -> Any:
    """``access(key)`` on the store, a store failure reported as unreadable metadata."""
    try:
        return access(key)
    except StoreError as error:
        raise PlateFormatError(error.where, f"unreadable metadata ({error.problem})") from None


def join_path(*parts: str) -> str:
    """A node path from parts, some of which may be empty (the root is ``""``)."""
    return "/".join(p.strip("/") for p in parts if p.strip("/"))


def _v3_node(document: dict) -> ZarrNode:
    attributes = document.get("attributes")
    attributes = attributes if isinstance(attributes, dict) else {}
    return ZarrNode(attributes, document if document.get("node_type") == "array" else None)


@lru_cache(maxsize=8)
def _read_local_json_cached(path: str, mtime_ns: int, size: int) -> dict | None:
    del mtime_ns, size  # part of the cache key only
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise PlateFormatError(path, f"unreadable metadata ({error.strerror or error})") from None
    return _parse(data, path)


def _parse(data: bytes | None, where: str) -> dict | None:
    """The JSON object in ``data`` (None stays None)."""
    if data is None:
        return None
    try:
        value = json.loads(data)
    except ValueError as error:
        raise PlateFormatError(where, f"unreadable metadata ({error})") from None
    if not isinstance(value, dict):
        raise PlateFormatError(where, "metadata is not a JSON object")
    return value
