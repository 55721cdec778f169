"""Where a plate's bytes live: a local folder, or any zarr store (memory, fsspec URLs...).

:class:`PlateStore` is the one interface through which the package reads and writes
plate bytes, by zarr key (``"B/03/0/.zarray"``, ``""`` for the root). Two kinds:

- :class:`LocalPlateStore`: a folder on a local file system, read and written with plain
  file calls (one ``open`` per document or chunk; zarr's own store costs an event-loop
  round trip per call, which dominates for the thousands of small documents and chunks
  of a plate);
- :class:`ZarrPlateStore`: any ``zarr.abc.store.Store``, e.g. ``zarr.storage.MemoryStore``
  or the ``FsspecStore`` of an ``s3://`` or ``https://`` URL.

:func:`open_store` picks one for a path, a URL or a zarr store.
"""

from __future__ import annotations

import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import zarr.storage
from zarr.abc.store import Store
from zarr.core.buffer import cpu, default_buffer_prototype
from zarr.core.sync import sync

from napari_hcs_zarr.errors import StoreError

#: Where a plate is: a path, a URL (``s3://bucket/plate.zarr``), a zarr store, or a PlateStore.
Location = str | os.PathLike | Store


class PlateStore(ABC):
    """The bytes of one zarr hierarchy, by key."""

    #: The hierarchy's local folder, when it is one (fast paths and messages use it).
    local_root: Path | None = None

    @abstractmethod
    def uri(self, key: str = "") -> str:
        """Where ``key`` is, as a user would write it (a path or a URL)."""

    @abstractmethod
    def read(self, key: str) -> bytes | None:
        """The bytes at ``key``, or None when there is nothing there."""

    @abstractmethod
    def write(self, key: str, data: bytes) -> None:
        """Store ``data`` at ``key``."""

    def write_parts(self, key: str, parts: Sequence[bytes]) -> None:
        """Store the concatenation of ``parts`` at ``key``."""
        self.write(key, b"".join(parts))

    def replace(self, key: str, data: bytes) -> None:
        """Store ``data`` at ``key`` whole or not at all: a reader (or a process killed
        meanwhile) sees the old bytes or the new ones."""
        self.write(key, data)

    @abstractmethod
    def exists(self, key: str) -> bool:
        """Whether there are bytes at ``key``."""

    @abstractmethod
    def list_dir(self, prefix: str) -> list[str]:
        """The names directly below ``prefix`` (keys and sub-prefixes), unsorted."""

    @abstractmethod
    def list_keys(self, prefix: str = "") -> Iterator[str]:
        """Every key below ``prefix``."""

    @abstractmethod
    def is_empty(self) -> bool:
        """Whether the hierarchy holds nothing (a folder that does not exist is empty)."""

    @abstractmethod
    def delete_prefix(self, prefix: str) -> None:
        """Remove every key below ``prefix``."""

    @abstractmethod
    def delete_all(self) -> None:
        """Remove everything in the hierarchy."""

    @abstractmethod
    def total_bytes(self) -> int:
        """Bytes the hierarchy takes where it is stored: on a local disk the blocks its
        files and folders occupy (what ``du`` counts, often far more than the files' sizes
        for the many small documents of a plate), elsewhere the sizes of its objects."""

    @abstractmethod
    def zarr_store(self) -> Store:
        """The hierarchy as a read-only zarr store, for zarr's own readers."""

    def bytes_reader(self, prefix: str) -> Callable[[str], bytes | None]:
        """A function reading keys relative to ``prefix`` (as :meth:`read` does)."""
        return lambda key: self.read(f"{prefix}/{key}" if prefix else key)


class LocalPlateStore(PlateStore):
    """A hierarchy in a local folder, read and written with plain file calls."""

    def __init__(self, root: str | os.PathLike) -> None:
        self.local_root = Path(root)
        self._root_text = os.fspath(root)

    def __reduce__(self):  # picklable for dask.distributed workers
        return (LocalPlateStore, (self.local_root,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalPlateStore) and other.local_root == self.local_root

    def __hash__(self) -> int:
        return hash(self.local_root)

    def _path(self, key: str) -> str:
        return f"{self._root_text}/{key}" if key else self._root_text

    def uri(self, key: str = "") -> str:
        return self._path(key)

    def read(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except IsADirectoryError:
            raise StoreError(path, "is a folder where a file was expected") from None
        except OSError as error:
            raise StoreError(path, f"cannot be read ({error.strerror or error})") from None

    def _open_for_writing(self, path: str):
        try:
            return open(path, "wb")
        except FileNotFoundError:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            return open(path, "wb")

    def write(self, key: str, data: bytes) -> None:
        self.write_parts(key, (data,))

    def write_parts(self, key: str, parts: Sequence[bytes]) -> None:
        path = self._path(key)
        try:
            with self._open_for_writing(path) as handle:
                # One write per part: a single multi-MB write() was 5x slower here (ext4, VM).
                for part in parts:
                    handle.write(part)
        except OSError as error:
            raise StoreError(path, f"cannot be written ({error.strerror or error})") from None

    def replace(self, key: str, data: bytes) -> None:
        path = self._path(key)
        partial = path + ".partial"
        self.write_parts(key + ".partial", (data,))
        try:
            os.replace(partial, path)
        except OSError as error:
            raise StoreError(path, f"cannot be written ({error.strerror or error})") from None

    def exists(self, key: str) -> bool:
        return os.path.exists(self._path(key))

    def list_dir(self, prefix: str) -> list[str]:
        try:
            return os.listdir(self._path(prefix))
        except (FileNotFoundError, NotADirectoryError):
            return []

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        base = self._path(prefix)
        for folder, _, files in os.walk(base):
            relative = os.path.relpath(folder, self._root_text).replace(os.sep, "/")
            for name in files:
                yield name if relative == "." else f"{relative}/{name}"

    def is_empty(self) -> bool:
        try:
            return not os.listdir(self._root_text)
        except FileNotFoundError:
            return True
        except NotADirectoryError:
            return False

    def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix)
        try:
            shutil.rmtree(path)
        except FileNotFoundError:
            pass
        except OSError as error:
            raise StoreError(path, f"cannot be removed ({error.strerror or error})") from None

    def delete_all(self) -> None:
        if os.path.isdir(self._root_text):
            shutil.rmtree(self._root_text)
        elif os.path.lexists(self._root_text):
            os.remove(self._root_text)

    def total_bytes(self) -> int:
        total = 0
        for folder, _, files in os.walk(self._root_text):
            total += os.stat(folder).st_blocks * 512
            total += sum(os.lstat(os.path.join(folder, name)).st_blocks * 512 for name in files)
        return total

    def zarr_store(self) -> Store:
        return zarr.storage.LocalStore(self.local_root, read_only=True)


class ZarrPlateStore(PlateStore):
    """A hierarchy in any zarr store (its async calls made synchronously)."""

    def __init__(self, store: Store, uri: str | None = None) -> None:
        self._store = store
        self._uri = uri or repr(store)
        self._prototype = default_buffer_prototype()

    def uri(self, key: str = "") -> str:
        return f"{self._uri.rstrip('/')}/{key}" if key else self._uri

    def _call(self, what: str, key: str, coroutine) -> Any:
        try:
            return sync(coroutine)
        except StoreError:
            raise
        except Exception as error:  # stores raise whatever their backend raises
            raise StoreError(self.uri(key), f"{what} failed ({type(error).__name__}: {error})") from None

    def read(self, key: str) -> bytes | None:
        buffer = self._call("reading", key, self._store.get(key, self._prototype))
        return None if buffer is None else buffer.to_bytes()

    def write(self, key: str, data: bytes) -> None:
        self._call("writing", key, self._store.set(key, cpu.Buffer.from_bytes(data)))

    def exists(self, key: str) -> bool:
        return bool(self._call("looking up", key, self._store.exists(key)))

    def list_dir(self, prefix: str) -> list[str]:
        async def names() -> list[str]:
            return [name async for name in self._store.list_dir(prefix)]

        return self._call("listing", prefix, names())

    def list_keys(self, prefix: str = "") -> Iterator[str]:
        below = f"{prefix.rstrip('/')}/" if prefix else ""  # "a/b" must not find "a/bc"

        async def keys() -> list[str]:
            return [key async for key in self._store.list_prefix(below)]

        yield from self._call("listing", prefix, keys())

    def is_empty(self) -> bool:
        return bool(self._call("listing", "", self._store.is_empty("")))

    def delete_prefix(self, prefix: str) -> None:
        self._call("deleting", prefix, self._store.delete_dir(prefix))

    def delete_all(self) -> None:
        self._call("deleting", "", self._store.delete_dir(""))

    def total_bytes(self) -> int:
        return int(self._call("measuring", "", self._store.getsize_prefix("")))

    def zarr_store(self) -> Store:
        return self._store.with_read_only(True) if not self._store.read_only else self._store


def open_store(location: Location | PlateStore, *, storage_options: dict | None = None) -> PlateStore:
    """The :class:`PlateStore` of a path, a URL (through zarr's fsspec store) or a zarr store.

    Raises
    ------
    StoreError
        When a URL's protocol cannot be opened (e.g. fsspec or its backend is missing).
    """
    if isinstance(location, PlateStore):
        return location
    if isinstance(location, Store):
        return ZarrPlateStore(location)
    text = os.fspath(location)
    if "://" in text and not text.startswith("file://"):
        try:
            store = zarr.storage.FsspecStore.from_url(text, storage_options=storage_options)
        except Exception as error:  # ImportError of fsspec or of a protocol's backend...
            raise StoreError(text, f"cannot be opened ({type(error).__name__}: {error})") from None
        return ZarrPlateStore(store, text)
    return LocalPlateStore(Path(text.removeprefix("file://")))
