"""Any zarr store holds a plate: converting into zarr's MemoryStore through the generic
store path gives the plate the local fast path writes, and the reader reads it back."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
import zarr
import zarr.storage

from helpers import requires
from napari_hcs_zarr.convert import ConversionOptions, convert_plate, is_resumable, iter_convert
from napari_hcs_zarr.errors import StoreError
from napari_hcs_zarr.store import LocalPlateStore, ZarrPlateStore, open_store
from napari_hcs_zarr.view import open_plate


def stores(tmp_path):
    return [LocalPlateStore(tmp_path / "local"), ZarrPlateStore(zarr.storage.MemoryStore(), "memory://")]


@pytest.mark.parametrize("kind", ["local", "memory"])
def test_store_interface(tmp_path, kind):
    store = dict(zip(["local", "memory"], stores(tmp_path), strict=True))[kind]
    assert store.is_empty()
    assert store.read("a/b") is None
    store.write("a/b", b"one")
    store.write_parts("a/c/d", [b"tw", b"o"])
    store.replace("e", b"three")
    store.replace("e", b"four")
    assert store.read("a/b") == b"one" and store.read("a/c/d") == b"two" and store.read("e") == b"four"
    assert store.exists("a/b") and not store.exists("a/x")
    assert sorted(store.list_keys()) == ["a/b", "a/c/d", "e"]
    store.write("ab", b"x")
    assert sorted(store.list_keys("a")) == ["a/b", "a/c/d"]  # not "ab"
    assert sorted(store.list_keys("a/")) == ["a/b", "a/c/d"]
    assert sorted(store.list_dir("a")) == ["b", "c"]
    if kind == "local":  # what du counts: the blocks of the files and folders
        du = subprocess.run(["du", "-s", "-B1", str(tmp_path / "local")], capture_output=True, text=True)
        assert store.total_bytes() == int(du.stdout.split()[0])
    else:
        assert store.total_bytes() == 3 + 3 + 4 + 1
    assert store.bytes_reader("a")("c/d") == b"two"
    store.delete_prefix("a")
    store.delete_prefix("nothing/here")
    assert sorted(store.list_keys()) == ["ab", "e"]
    store.delete_all()
    assert store.is_empty()


def test_open_store_kinds(tmp_path):
    assert isinstance(open_store(tmp_path / "p.zarr"), LocalPlateStore)
    assert isinstance(open_store(f"file://{tmp_path}/p.zarr"), LocalPlateStore)
    memory = zarr.storage.MemoryStore()
    assert isinstance(open_store(memory), ZarrPlateStore)
    local = LocalPlateStore(tmp_path)
    assert open_store(local) is local
    with pytest.raises(StoreError, match="nosuchprotocol://bucket/p.zarr"):
        open_store("nosuchprotocol://bucket/p.zarr")


def test_local_store_names_the_file_it_cannot_read(tmp_path):
    (tmp_path / "folder").mkdir()
    with pytest.raises(StoreError, match="folder: is a folder"):
        LocalPlateStore(tmp_path).read("folder")


def test_conversion_into_a_memory_store_equals_the_local_one(small_raw, small_plate):
    ngff = small_plate.name.removesuffix(".zarr").split("-")[-1]  # small_plate is one per version
    memory = zarr.storage.MemoryStore()
    summary = convert_plate(small_raw, memory, ConversionOptions(ngff=ngff, levels=3, workers=2))
    assert summary.wells == 3
    local, in_memory = zarr.open_group(small_plate, mode="r"), zarr.open_group(memory, mode="r")
    arrays = sorted(p for p, a in local.members(max_depth=None) if isinstance(a, zarr.Array))
    assert arrays == sorted(p for p, a in in_memory.members(max_depth=None) if isinstance(a, zarr.Array))
    assert len(arrays) == 3 * (3 + 6)  # 3 wells: 3 levels and 6 table arrays each
    for path in arrays:
        np.testing.assert_array_equal(local[path][...], in_memory[path][...], err_msg=path)
    assert dict(local.attrs) == dict(in_memory.attrs)
    # Every document and chunk, byte for byte, and nothing more.
    local_store = LocalPlateStore(small_plate)
    memory_store = ZarrPlateStore(memory)
    keys = sorted(local_store.list_keys())
    assert keys == sorted(memory_store.list_keys())
    assert all(local_store.read(k) == memory_store.read(k) for k in keys)

    # The reader reads the plate from the memory store, through zarr's store API.
    model, reference = open_plate(memory), open_plate(small_plate)
    assert [w.name for w in model.info.wells] == [w.name for w in reference.info.wells]
    for channel in range(model.channel_count):
        for ours, theirs in zip(model.image_levels(channel), reference.image_levels(channel), strict=True):
            assert ours.shape == theirs.shape
            np.testing.assert_array_equal(ours[(0,) * (ours.ndim - 2)], theirs[(0,) * (theirs.ndim - 2)])


def test_an_interrupted_conversion_in_a_memory_store_resumes(small_raw):
    memory = zarr.storage.MemoryStore()
    options = ConversionOptions(levels=2, workers=1)
    events = iter_convert(small_raw, memory, options)
    for _ in range(4):
        next(events)
    events.close()
    assert is_resumable(memory)
    assert "plate" not in zarr.open_group(memory, mode="r").attrs
    summary = convert_plate(small_raw, memory, ConversionOptions(levels=2, workers=1, resume=True))
    assert summary.planes_resumed >= 1
    assert not is_resumable(memory)
    assert "plate" in zarr.open_group(memory, mode="r").attrs


@requires("fsspec")
def test_a_url_output_is_a_store_not_a_local_folder(small_raw, tmp_path, monkeypatch):
    """``memory://`` goes through zarr's fsspec store like ``s3://`` would (no network
    here): the plate lands in that store, and nothing named ``memory:`` appears locally."""
    import fsspec

    monkeypatch.chdir(tmp_path)
    url = "memory://plates/url-test.zarr"
    try:
        summary = convert_plate(small_raw, url, ConversionOptions(levels=2, workers=1))
        assert summary.output == url
        assert list(tmp_path.iterdir()) == []
        filesystem = fsspec.filesystem("memory")
        assert filesystem.exists("/plates/url-test.zarr/.zattrs")
        local = tmp_path.parent / "local-reference.zarr"
        convert_plate(small_raw, local, ConversionOptions(levels=2, workers=1))
        from_url, reference = open_plate(url), open_plate(local)
        assert from_url.info.location == url
        level, expected = from_url.image_levels(1)[1], reference.image_levels(1)[1]
        np.testing.assert_array_equal(level[(0, 0)], expected[(0, 0)])
    finally:
        fsspec.filesystem("memory").rm("/plates", recursive=True)
