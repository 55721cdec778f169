"""The reader against plates written by other libraries, and against foreign input.

Plates are written with ome-zarr-py (NGFF 0.4 and 0.5) and ngio; every check compares
the plate arrays of our reader with the stored arrays read back with zarr directly, at
known positions of several wells, at level 0 and at the coarsest stored level. Also:
``get_reader`` on foreign input, malformed wells, chunk reads while opening and for the
overview, and the extra levels made for the GL texture limit.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import zarr
import zarr.storage

pytest.importorskip("ome_zarr", reason="the plates of this module are written by ome-zarr-py")
from ome_zarr.format import FormatV04, FormatV05
from ome_zarr.scale import Methods

with warnings.catch_warnings():  # ome-zarr-py builds a deprecated default Scaler on import
    warnings.simplefilter("ignore", DeprecationWarning)
    from ome_zarr.writer import (
        write_image,
        write_labels,
        write_multiscales_metadata,
        write_plate_metadata,
        write_well_metadata,
    )

from helpers import damage_well_level
from napari_hcs_zarr._napari.reader import get_reader, read_plate
from napari_hcs_zarr.view.plate_model import GL_TEXTURE_LIMIT, PlateModel

FORMATS = {"0.4": FormatV04, "0.5": FormatV05}
METADATA_SUFFIXES = (".zarray", ".zattrs", ".zgroup", "zarr.json", ".zmetadata")


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------
def field_origin(model: PlateModel, row: int, column: int, field: int, level: int) -> tuple[int, int]:
    """Top-left of field ``field`` of the well at (row, column) on plate level ``level``."""
    factor = model.factors[level]
    wy, wx = model.well_origin(row, column)
    fr, fc = divmod(field, model.field_grid[1])
    return (wy + fr * model.field_slot[0]) // factor, (wx + fc * model.field_slot[1]) // factor


def stored_levels(image: Path) -> list[np.ndarray]:
    """The stored pyramid of a multiscale image, read with zarr directly (finest first)."""
    group = zarr.open_group(image, mode="r")
    attributes = dict(group.attrs)
    ome = attributes.get("ome", attributes)
    paths = [d["path"] for d in ome["multiscales"][0]["datasets"]]
    return [np.asarray(group[p][...]) for p in paths]


def assert_block(plate_level, lead: tuple, y0: int, x0: int, expected: np.ndarray) -> None:
    """``plate_level[lead..., y0:y0+h, x0:x0+w] == expected`` (expected: (..., h, w))."""
    h, w = expected.shape[-2:]
    got = plate_level[(*lead, slice(y0, y0 + h), slice(x0, x0 + w))]
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)


@pytest.fixture
def chunk_reads(monkeypatch):
    """Keys of every chunk (not metadata document) read, through zarr's LocalStore or
    straight from the chunk files by the plugin's direct reader."""
    from napari_hcs_zarr.store.chunk_reader import DirectChunkReader

    reads: list[str] = []
    read_chunk = DirectChunkReader.read_chunk

    def counting_read_chunk(self, index):
        reads.append(f"{self._array_key}/{self._chunk_key(index)}")
        return read_chunk(self, index)

    monkeypatch.setattr(DirectChunkReader, "read_chunk", counting_read_chunk)
    get = zarr.storage.LocalStore.get
    get_partial = zarr.storage.LocalStore.get_partial_values

    async def counting_get(self, key, prototype=None, byte_range=None):
        if not key.endswith(METADATA_SUFFIXES):
            reads.append(key)
        return await get(self, key, prototype, byte_range)

    async def counting_get_partial(self, prototype, key_ranges):
        key_ranges = list(key_ranges)
        reads.extend(k for k, _ in key_ranges if not k.endswith(METADATA_SUFFIXES))
        return await get_partial(self, prototype, key_ranges)

    monkeypatch.setattr(zarr.storage.LocalStore, "get", counting_get)
    monkeypatch.setattr(zarr.storage.LocalStore, "get_partial_values", counting_get_partial)
    return reads


# --------------------------------------------------------------------------------------
# ome-zarr-py plates
# --------------------------------------------------------------------------------------
OZ_ROWS = ["A", "B", "C", "D"]
OZ_COLUMNS = ["1", "2", "3", "4", "5"]
CHANNELS = 2
#: well path -> fields as (z, height, width). Row B and column 3 stay empty.
OZ_WELLS: dict[str, list[tuple[int, int, int]]] = {
    "A/1": [(2, 64, 80)],
    "A/4": [(3, 48, 100)],
    "C/2": [(2, 64, 80), (2, 40, 60), (2, 64, 80)],
    "D/5": [(1, 30, 50)],
}
#: images with a "cells" label image
OZ_LABELLED = ["A/1/0", "C/2/1"]


def _pixels(seed: int, shape: tuple[int, ...], high: int = 60000) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, high, size=shape).astype(np.uint16)


def _label_pixels(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    labels = np.zeros(shape, dtype=np.uint32)
    rng = np.random.default_rng(seed)
    for value in range(1, 6):
        y, x = rng.integers(0, shape[-2] - 8), rng.integers(0, shape[-1] - 8)
        labels[..., y : y + 8, x : x + 8] = value
    return labels


def write_ome_zarr_py_plate(root: Path, version: str) -> Path:
    fmt = FORMATS[version]()
    group = zarr.open_group(root, mode="w", zarr_format=fmt.zarr_format)
    write_plate_metadata(group, OZ_ROWS, OZ_COLUMNS, list(OZ_WELLS), fmt=fmt, name="oz")
    for seed, (well_path, fields) in enumerate(OZ_WELLS.items()):
        well = group.require_group(well_path)
        write_well_metadata(well, [str(i) for i in range(len(fields))], fmt=fmt)
        for index, (z, h, w) in enumerate(fields):
            image = well.require_group(str(index))
            write_image(
                _pixels(100 * seed + index, (CHANNELS, z, h, w)),
                image,
                scale_factors=[2, 4],
                axes="czyx",
                fmt=fmt,
                scale={"c": 1.0, "z": 2.0, "y": 0.5, "x": 0.5},
            )
            if f"{well_path}/{index}" in OZ_LABELLED:
                write_labels(
                    _label_pixels(seed, (z, h, w)),
                    image,
                    name="cells",
                    axes="zyx",
                    fmt=fmt,
                    scaler=None,
                    scale_factors=[2, 4, 8],
                    method=Methods.NEAREST,
                    scale={"z": 2.0, "y": 0.5, "x": 0.5},
                )
    return root


@pytest.fixture(scope="module", params=["0.4", "0.5"])
def oz_plate(request, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("oz") / f"oz-{request.param}.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return write_ome_zarr_py_plate(root, request.param)


def _well_indices(path: str) -> tuple[int, int]:
    row, column = path.split("/")
    return OZ_ROWS.index(row), OZ_COLUMNS.index(column)


def test_ome_zarr_py_plate_opens_with_all_wells(oz_plate):
    model = PlateModel.open(oz_plate)
    assert model.problems == []
    assert model.info.row_names == OZ_ROWS and model.info.column_names == OZ_COLUMNS
    assert sorted(w.path for w in model.info.wells) == sorted(OZ_WELLS)
    assert model.lead_axes == ["z"]
    assert model.channel_count == CHANNELS
    assert model.factors == [1, 2, 4]
    assert model.scale() == (2.0, 0.5, 0.5)
    assert model.field_slot == (64, 100)
    assert model.field_grid == (2, 2)  # three fields in C/2
    levels = model.image_levels(0)
    assert levels[0].shape[0] == 3  # the deepest well has 3 planes
    assert levels[0].dtype == np.uint16


def test_ome_zarr_py_sparse_plate_keeps_empty_rows_and_columns(oz_plate):
    model = PlateModel.open(oz_plate)
    pitch_y, pitch_x = model.well_pitch
    assert pitch_y >= 2 * 64 and pitch_x >= 2 * 100  # a 2x2 field grid fits a slot
    for well in OZ_WELLS:
        r, c = _well_indices(well)
        assert model.well_origin(r, c) == (r * pitch_y, c * pitch_x)
    level0 = model.image_levels(0)[0]
    assert level0.shape[-2] >= 3 * pitch_y + 64 and level0.shape[-1] >= 4 * pitch_x + 100
    # Row B and column 3 hold nothing.
    assert not level0[:, pitch_y : 2 * pitch_y, :].any()
    assert not level0[:, :, 2 * pitch_x : 3 * pitch_x].any()


@pytest.mark.parametrize("channel", [0, 1])
def test_ome_zarr_py_pixels_level0_and_coarsest(oz_plate, channel):
    model = PlateModel.open(oz_plate)
    levels = model.image_levels(channel)
    depth = levels[0].shape[0]
    for well_path, fields in OZ_WELLS.items():
        r, c = _well_indices(well_path)
        for index, (z, h, w) in enumerate(fields):
            stored = stored_levels(oz_plate / well_path / str(index))
            assert len(stored) == 3
            for stored_level, plate_level in ((0, 0), (2, 2)):
                y0, x0 = field_origin(model, r, c, index, plate_level)
                source = stored[stored_level][channel]  # (z, h, w)
                assert_block(levels[plate_level], (slice(0, z),), y0, x0, source)
                # Planes the well does not have read as zeros.
                if z < depth:
                    sh, sw = source.shape[-2:]
                    assert not levels[plate_level][z:, y0 : y0 + sh, x0 : x0 + sw].any()
                # One plane by integer index, one pixel by integers.
                assert_block(levels[plate_level], (z - 1,), y0, x0, source[z - 1])
                assert levels[plate_level][0, y0 + 3, x0 + 5] == source[0, 3, 5]
            # Level 0 of the pyramid is the written image itself.
            assert stored[0].shape == (CHANNELS, z, h, w)


def test_ome_zarr_py_labels(oz_plate):
    model = PlateModel.open(oz_plate)
    assert model.label_names == ["cells"]
    label_levels = model.label_levels("cells")
    assert len(label_levels) == len(model.factors)
    assert label_levels[0].dtype == np.uint32
    for image_path in OZ_LABELLED:
        well_path, index = image_path.rsplit("/", 1)
        r, c = _well_indices(well_path)
        stored = stored_levels(oz_plate / image_path / "labels" / "cells")
        assert len(stored) == 4  # the label pyramid is deeper than the image's
        for stored_level, plate_level in ((0, 0), (2, 2)):
            y0, x0 = field_origin(model, r, c, int(index), plate_level)
            source = stored[stored_level]
            assert_block(label_levels[plate_level], (slice(0, source.shape[0]),), y0, x0, source)
    # Images without the label are empty on the label layer.
    r, c = _well_indices("A/4")
    y0, x0 = field_origin(model, r, c, 0, 0)
    assert not label_levels[0][:, y0 : y0 + 48, x0 : x0 + 100].any()


def test_ome_zarr_py_single_well_and_single_image(oz_plate):
    """A well or an image opened on its own is a one-well plate with the same pixels."""
    well = PlateModel.open(oz_plate / "C" / "2")
    assert [len(w.images) for w in well.info.wells] == [3]
    levels = well.image_levels(1)
    for index in range(3):
        stored = stored_levels(oz_plate / "C" / "2" / str(index))
        for stored_level, plate_level in ((0, 0), (2, 2)):
            y0, x0 = field_origin(well, 0, 0, index, plate_level)
            assert_block(levels[plate_level], (slice(None),), y0, x0, stored[stored_level][1])
    assert get_reader(str(oz_plate / "C" / "2")) is read_plate

    image = PlateModel.open(oz_plate / "A" / "1" / "0")
    stored = stored_levels(oz_plate / "A" / "1" / "0")
    assert_block(image.image_levels(0)[0], (slice(None),), 0, 0, stored[0][0])
    assert_block(image.image_levels(0)[2], (slice(None),), 0, 0, stored[2][0])
    assert get_reader(str(oz_plate / "A" / "1" / "0")) is read_plate


def test_ome_zarr_py_single_image_keeps_its_labels(oz_plate):
    """An image opened on its own shows its labels/ as it does inside the plate."""
    image = PlateModel.open(oz_plate / "A" / "1" / "0")
    assert image.label_names == ["cells"]
    stored = stored_levels(oz_plate / "A" / "1" / "0" / "labels" / "cells")
    assert_block(image.label_levels("cells")[0], (slice(None),), 0, 0, stored[0])


def test_ome_zarr_py_label_with_a_channel_axis_of_one(tmp_path):
    """ome-zarr-py writes label images with the image's axes when asked (here c, z, y, x
    with one channel); the reader shows their pixels rather than an empty layer."""
    fmt = FormatV04()
    group = zarr.open_group(tmp_path / "clabel.zarr", mode="w", zarr_format=2)
    write_plate_metadata(group, ["A"], ["1", "2"], ["A/1", "A/2"], fmt=fmt)
    for well_path in ("A/1", "A/2"):
        well = group.require_group(well_path)
        write_well_metadata(well, ["0"], fmt=fmt)
        image = well.require_group("0")
        write_image(_pixels(3, (2, 2, 32, 32)), image, scale_factors=[2], axes="czyx", fmt=fmt)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            write_labels(
                _label_pixels(4, (1, 2, 32, 32)),
                image,
                name="cells",
                axes="czyx",
                fmt=fmt,
                scaler=None,
                scale_factors=[2],
                method=Methods.NEAREST,
            )
    model = PlateModel.open(tmp_path / "clabel.zarr")
    assert model.label_names == ["cells"]
    levels = model.label_levels("cells")
    stored = stored_levels(tmp_path / "clabel.zarr" / "A" / "2" / "0" / "labels" / "cells")
    y0, x0 = field_origin(model, 0, 1, 0, 0)
    shown = levels[0][:, y0 : y0 + 32, x0 : x0 + 32]
    assert shown.any() or model.problems, "label pixels silently dropped"
    np.testing.assert_array_equal(shown, stored[0][0])


def test_ome_zarr_py_read_plate_layers(oz_plate):
    assert get_reader(str(oz_plate)) is read_plate
    assert get_reader([str(oz_plate)]) is read_plate
    layers = read_plate(str(oz_plate))
    kinds = [kind for _, _, kind in layers]
    assert kinds == ["image", "image", "labels", "points"]
    for data, kwargs, _ in layers[:3]:
        assert kwargs["multiscale"] is True
        assert len(data) == 3
        assert kwargs["scale"] == (2.0, 0.5, 0.5)
    # Well names sit at the well origins (world units).
    points, kwargs, _ = layers[3]
    assert sorted(kwargs["features"]["well"]) == ["A1", "A4", "C2", "D5"]


# --------------------------------------------------------------------------------------
# ngio plates
# --------------------------------------------------------------------------------------
#: (row, column, image path, (z, height, width))
NGIO_IMAGES = [
    ("B", 3, "0", (1, 300, 400)),
    ("D", 5, "0", (2, 200, 260)),
    ("D", 5, "1", (2, 200, 260)),
]


@pytest.fixture(scope="module", params=["0.4", "0.5"])
def ngio_plate(request, tmp_path_factory) -> Path:
    import ngio

    root = tmp_path_factory.mktemp("ngio") / f"ngio-{request.param}.zarr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plate = ngio.create_empty_plate(
            str(root),
            "ngio-plate",
            images=[ngio.ImageInWellPath(row=r, column=c, path=p) for r, c, p, _ in NGIO_IMAGES],
            ngff_version=request.param,
        )
        assert len(plate.images_paths()) == len(NGIO_IMAGES)
        for seed, (row, column, field, shape) in enumerate(NGIO_IMAGES):
            image_path = f"{row}/{column:02d}/{field}"
            container = ngio.create_ome_zarr_from_array(
                str(root / image_path),
                _pixels(seed, (CHANNELS, *shape)),
                pixelsize=0.5,
                z_spacing=1.5,
                levels=3,
                axes_names=["c", "z", "y", "x"],
                ngff_version=request.param,
                overwrite=True,
            )
            if image_path.endswith("/0"):
                label = container.derive_label("nuclei", overwrite=True)
                label.set_array(_label_pixels(shape[1], shape))
                label.consolidate()
    return root


def test_ngio_plate_pixels(ngio_plate):
    model = PlateModel.open(ngio_plate)
    assert model.problems == []
    rows, columns = model.info.row_names, model.info.column_names
    assert len(model.info.wells) == 2
    assert model.factors == [1, 2, 4]
    assert model.scale() == (1.5, 0.5, 0.5)
    for channel in range(CHANNELS):
        levels = model.image_levels(channel)
        for r_name, c_number, field, (z, _, _) in NGIO_IMAGES:
            well = next(
                w for w in model.info.wells if w.name in (f"{r_name}{c_number:02d}", f"{r_name}{c_number}")
            )
            r, c = well.row_index, well.column_index
            assert rows[r] == r_name and int(columns[c]) == c_number
            stored = stored_levels(ngio_plate / well.path / field)
            for stored_level, plate_level in ((0, 0), (2, 2)):
                y0, x0 = field_origin(model, r, c, int(field), plate_level)
                assert_block(levels[plate_level], (slice(0, z),), y0, x0, stored[stored_level][channel])


def test_ngio_plate_labels(ngio_plate):
    model = PlateModel.open(ngio_plate)
    assert model.label_names == ["nuclei"]
    label_levels = model.label_levels("nuclei")
    for well in model.info.wells:
        stored = stored_levels(ngio_plate / well.path / "0" / "labels" / "nuclei")
        for stored_level, plate_level in ((0, 0), (2, 2)):
            y0, x0 = field_origin(model, well.row_index, well.column_index, 0, plate_level)
            source = stored[stored_level]
            assert_block(label_levels[plate_level], (slice(0, source.shape[0]),), y0, x0, source)


def test_ngio_plate_through_the_napari_reader(ngio_plate):
    assert get_reader(str(ngio_plate)) is read_plate
    layers = read_plate(str(ngio_plate))
    assert [kind for _, _, kind in layers] == ["image", "image", "labels", "points"]


# --------------------------------------------------------------------------------------
# foreign and invalid input
# --------------------------------------------------------------------------------------
def test_get_reader_declines_foreign_input(tmp_path, oz_plate):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("hello")
    v2 = zarr.open_group(tmp_path / "v2.zarr", mode="w", zarr_format=2)
    v2.attrs["something"] = {"else": 1}
    v2.create_array("data", shape=(4, 4), dtype="uint8")
    v3 = zarr.open_group(tmp_path / "v3.zarr", mode="w", zarr_format=3)
    v3.create_array("data", shape=(4, 4), dtype="uint8")
    bad_json = tmp_path / "bad.zarr"
    bad_json.mkdir()
    (bad_json / ".zattrs").write_text("{not json")
    (bad_json / ".zgroup").write_text('{"zarr_format": 2}')
    not_object = tmp_path / "list.zarr"
    not_object.mkdir()
    (not_object / "zarr.json").write_text("[1, 2]")
    a_file = tmp_path / "image.tif"
    a_file.write_bytes(b"II*\x00")
    cases = [
        str(plain),
        str(tmp_path / "v2.zarr"),
        str(tmp_path / "v3.zarr"),
        str(bad_json),
        str(not_object),
        str(a_file),
        str(tmp_path / "missing.zarr"),
        [str(oz_plate), str(oz_plate)],
        [],
        str(tmp_path / "v2.zarr" / "data"),
        42,
        None,
    ]
    for case in cases:
        assert get_reader(case) is None, case


def _plate_with_malformed_wells(root: Path) -> Path:
    """ome-zarr-py plate: A/1 good, A/2 image without multiscales, A/3 without well
    metadata, B/1 whose well entry has rowIndex out of range, B/2 pointing at no group."""
    fmt = FormatV04()
    group = zarr.open_group(root, mode="w", zarr_format=2)
    write_plate_metadata(group, ["A", "B"], ["1", "2", "3"], ["A/1", "A/2", "A/3", "B/2"], fmt=fmt)
    for path in ("A/1", "A/2", "A/3", "B/1"):
        well = group.require_group(path)
        if path != "A/3":
            write_well_metadata(well, ["0"], fmt=fmt)
        image = well.require_group("0")
        if path != "A/2":
            write_image(_pixels(7, (1, 32, 32)), image, scale_factors=[2], axes="cyx", fmt=fmt)
        else:
            image.create_array("0", shape=(1, 32, 32), dtype="uint16")
    attrs = dict(group.attrs)
    attrs["plate"]["wells"].append({"path": "B/1", "rowIndex": 7, "columnIndex": 0})
    group.attrs.put(attrs)
    return root


def test_malformed_wells_leave_the_others_readable(tmp_path):
    root = _plate_with_malformed_wells(tmp_path / "malformed.zarr")
    model = PlateModel.open(root)
    assert [w.path for w in model.info.wells] == ["A/1"]
    problems = " | ".join(model.problems)
    for well in ("A/2", "A/3", "B/1", "B/2"):
        assert well in problems or well.replace("/", "") in problems, (well, problems)
    stored = stored_levels(root / "A" / "1" / "0")
    levels = model.image_levels(0)
    assert_block(levels[0], (), 0, 0, stored[0][0])
    assert_block(levels[-1], (), 0, 0, stored[-1][0])
    assert get_reader(str(root)) is read_plate
    layers = read_plate(str(root))
    assert [kind for _, _, kind in layers] == ["image", "points"]
    assert layers[0][1]["metadata"]["problems"] == model.problems


def test_plate_without_any_readable_well_is_an_error_not_a_crash(tmp_path):
    root = tmp_path / "empty-wells.zarr"
    group = zarr.open_group(root, mode="w", zarr_format=2)
    write_plate_metadata(group, ["A"], ["1"], ["A/1"], fmt=FormatV04())
    group.require_group("A/1")
    assert get_reader(str(root)) is read_plate
    with pytest.raises(Exception):  # noqa: B017 - any error naming the plate is fine here
        PlateModel.open(root)
    assert read_plate(str(root)) == [(None,)]


# --------------------------------------------------------------------------------------
# chunk reads
# --------------------------------------------------------------------------------------
def test_opening_reads_no_chunks_and_overview_reads_one_per_image(oz_plate, chunk_reads):
    model = PlateModel.open(oz_plate)
    levels = [model.image_levels(c) for c in range(model.channel_count)]
    label_levels = model.label_levels("cells")
    assert [len(ls) for ls in levels] == [3, 3]
    assert len(label_levels) == 3
    assert chunk_reads == []
    # ome-zarr-py stores each level of each image as one chunk (all channels and planes).
    images = sum(len(f) for f in OZ_WELLS.values())
    overview = levels[0][-1][...]
    assert overview.any()
    assert len(chunk_reads) == images, chunk_reads
    assert len(set(chunk_reads)) == images
    assert all("/s2/" in key for key in chunk_reads), chunk_reads
    # Reading it again costs nothing (the planes are kept).
    chunk_reads.clear()
    np.testing.assert_array_equal(levels[0][-1][...], overview)
    assert chunk_reads == []


def test_converted_plate_overview_reads_one_chunk_per_well(small_plate, chunk_reads):
    """Our converter's plates: the coarsest level is one chunk (v0.4) or one shard (v0.5)
    per well plane; showing one plane of one channel reads one per well."""
    model = PlateModel.open(small_plate)
    for channel in range(model.channel_count):
        model.image_levels(channel)
    layers = read_plate(str(small_plate))
    assert chunk_reads == []
    coarsest = layers[0][0][-1]
    wells = len(model.info.wells)
    plane = coarsest[(0,) * (coarsest.ndim - 2)]
    assert plane.any()
    assert len(chunk_reads) == wells, chunk_reads
    assert len(set(chunk_reads)) == wells


# --------------------------------------------------------------------------------------
# GL texture limit
# --------------------------------------------------------------------------------------
WIDE = (2000, 12000)
WIDE_CHUNK = (1000, 1000)


def _wide_plate(root: Path) -> tuple[Path, dict[str, np.ndarray]]:
    """1 row x 2 columns of 12000 px wide wells, one stored level, mostly unwritten chunks."""
    fmt = FormatV04()
    group = zarr.open_group(root, mode="w", zarr_format=2)
    write_plate_metadata(group, ["A"], ["1", "2"], ["A/1", "A/2"], fmt=fmt)
    written = {}
    for seed, well_path in enumerate(["A/1", "A/2"]):
        well = group.require_group(well_path)
        write_well_metadata(well, ["0"], fmt=fmt)
        image = well.require_group("0")
        array = image.create_array(
            "0", shape=(1, *WIDE), chunks=(1, *WIDE_CHUNK), dtype="uint16", fill_value=0
        )
        # A few chunks with data, the rest never written.
        for cy, cx in [(0, 0), (1, 5), (0, 11)]:
            block = _pixels(10 * seed + cx, WIDE_CHUNK)
            array[0, cy * 1000 : (cy + 1) * 1000, cx * 1000 : (cx + 1) * 1000] = block
        written[well_path] = np.asarray(array[0])
        write_multiscales_metadata(
            image,
            [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1.0, 0.5, 0.5]}]}],
            fmt=fmt,
            axes=["c", "y", "x"],
        )
    return root, written


def test_texture_limit_adds_reader_levels(tmp_path):
    root, written = _wide_plate(tmp_path / "wide.zarr")
    chunk_files = [p for p in root.rglob("*") if p.is_file() and p.name[0].isdigit()]
    assert len(chunk_files) == 6  # unwritten chunks cost no disk
    model = PlateModel.open(root)
    levels = model.image_levels(0)
    assert max(levels[0].shape[-2:]) > GL_TEXTURE_LIMIT
    assert len(levels) > 1
    assert max(levels[-1].shape[-2:]) <= GL_TEXTURE_LIMIT
    assert max(levels[-2].shape[-2:]) > GL_TEXTURE_LIMIT  # no more levels than needed
    for level_index in range(1, len(levels)):
        factor = model.factors[level_index]
        assert factor == 2**level_index
        for column, source in enumerate(written.values()):
            y0, x0 = field_origin(model, 0, column, 0, level_index)
            expected = source[::factor, ::factor]
            assert_block(levels[level_index], (), y0, x0, expected)
            # And the neighbourhood of a written chunk, as a viewer would ask for it.
            ys, xs = (
                slice(y0 + 400 // factor, y0 + 1600 // factor),
                slice(x0 + 4800 // factor, x0 + 6200 // factor),
            )
            np.testing.assert_array_equal(
                levels[level_index][ys, xs],
                source[400:1600:factor, 4800:6200:factor],
            )
    layers = read_plate(str(root))
    data = layers[0][0]
    assert len(data) == len(model.factors)
    assert max(data[-1].shape[-2:]) <= GL_TEXTURE_LIMIT


def test_texture_limit_with_a_stored_pyramid(tmp_path):
    """Stored levels 1 and 2; the coarsest stored level is still too wide: the reader
    strides level 2 for the extra levels."""
    fmt = FormatV05()
    root = tmp_path / "wide-pyramid.zarr"
    group = zarr.open_group(root, mode="w", zarr_format=3)
    write_plate_metadata(
        group, ["A"], [str(c) for c in range(1, 7)], [f"A/{c}" for c in range(1, 7)], fmt=fmt
    )
    sources = {}
    for column in range(1, 7):
        well = group.require_group(f"A/{column}")
        write_well_metadata(well, ["0"], fmt=fmt)
        image = well.require_group("0")
        datasets = []
        for level, size in enumerate((12000, 6000)):
            array = image.create_array(
                str(level),
                shape=(256 // 2**level, size),
                chunks=(256 // 2**level, 2000),
                dtype="uint16",
                fill_value=0,
                dimension_names=["y", "x"],
            )
            if level == 1:
                data = _pixels(column, (128, 2000))
                array[:, 2000:4000] = data
                sources[column] = np.asarray(array[...])
            datasets.append(
                {
                    "path": str(level),
                    "coordinateTransformations": [
                        {"type": "scale", "scale": [0.5 * 2**level, 0.5 * 2**level]}
                    ],
                }
            )
        write_multiscales_metadata(image, datasets, fmt=fmt, axes=["y", "x"])
    model = PlateModel.open(root)
    levels = model.image_levels(0)
    assert model.factors[:2] == [1, 2]
    assert max(levels[1].shape) > GL_TEXTURE_LIMIT
    assert max(levels[-1].shape) <= GL_TEXTURE_LIMIT
    for level_index in range(2, len(levels)):
        stride = model.factors[level_index] // 2
        for column, source in sources.items():
            y0, x0 = field_origin(model, 0, column - 1, 0, level_index)
            assert_block(levels[level_index], (), y0, x0, source[::stride, ::stride])


def test_json_of_written_plates_is_what_the_tests_assume(oz_plate):
    """Guards the assumptions above about ome-zarr-py's output (dataset paths, chunks)."""
    image = oz_plate / "A" / "1" / "0"
    if (image / "zarr.json").is_file():
        ome = json.loads((image / "zarr.json").read_text())["attributes"]["ome"]
        array = json.loads((image / "s2" / "zarr.json").read_text())
        chunks = array["chunk_grid"]["configuration"]["chunk_shape"]
    else:
        ome = json.loads((image / ".zattrs").read_text())
        array = json.loads((image / "s2" / ".zarray").read_text())
        chunks = array["chunks"]
    assert [d["path"] for d in ome["multiscales"][0]["datasets"]] == ["s0", "s1", "s2"]
    assert chunks == array["shape"]


def test_wells_whose_channels_or_dtype_disagree_show_with_a_problem(tmp_path):
    """A/1: 2 channels uint16 (the template); A/2: 1 channel; B/1: float32 pixels."""
    root = tmp_path / "mixed.zarr"
    fmt = FormatV04()
    group = zarr.open_group(root, mode="w", zarr_format=2)
    write_plate_metadata(group, ["A", "B"], ["1", "2"], ["A/1", "A/2", "B/1"], fmt=fmt)
    data = {
        "A/1": _pixels(1, (2, 32, 32)),
        "A/2": _pixels(2, (1, 32, 32)),
        "B/1": _pixels(3, (2, 32, 32)).astype(np.float32),
    }
    for path, pixels in data.items():
        well = group.require_group(path)
        write_well_metadata(well, ["0"], fmt=fmt)
        write_image(pixels, well.require_group("0"), scale_factors=[2], axes="cyx", fmt=fmt)
    model = PlateModel.open(root)
    problems = " | ".join(model.problems)
    assert "well A2: 1 channels where the plate has 2" in problems
    assert "well B1: pixel type float32 differs from uint16" in problems
    second = model.image_levels(1)[0]
    y, x = model.well_origin(0, 1)
    assert (second[y : y + 32, x : x + 32] == 0).all()  # A/2 has no second channel
    first = model.image_levels(0)[0]
    np.testing.assert_array_equal(first[y : y + 32, x : x + 32], data["A/2"][0])
    y, x = model.well_origin(1, 0)
    np.testing.assert_array_equal(first[y : y + 32, x : x + 32], data["B/1"][0].astype(np.uint16))


def test_slow_storage_switches_to_threads_with_the_same_result(oz_plate, monkeypatch):
    """Reads judged slow go to a thread pool; the plate read that way is the same."""
    from napari_hcs_zarr.store import metadata_reader as plate_metadata
    from napari_hcs_zarr.view.plate_info import read_plate_info

    sequential = read_plate_info(oz_plate)
    pooled_rounds: list[int] = []
    real_pool = plate_metadata.ThreadPoolExecutor

    class CountingPool(real_pool):
        def map(self, function, iterable, **kwargs):
            items = list(iterable)
            pooled_rounds.append(len(items))
            return super().map(function, items, **kwargs)

    monkeypatch.setattr(plate_metadata, "ThreadPoolExecutor", CountingPool)
    monkeypatch.setattr(plate_metadata, "_PROBE_READS", 1)
    monkeypatch.setattr(plate_metadata, "_SLOW_READ_SECONDS", 0.0)
    threaded = read_plate_info(oz_plate)
    # Judged slow after the first read: the rest of that round and every later round
    # (wells, images, arrays, labels) go to the pool.
    assert len(pooled_rounds) == 4 and all(count > 0 for count in pooled_rounds)
    assert threaded == sequential
    assert [i.path for w in threaded.wells for i in w.images] == [
        i.path for w in sequential.wells for i in w.images
    ]


def test_damaged_chunks_show_empty_with_one_warning_naming_them(small_plate, tmp_path):
    """A damaged chunk (or shard) file blanks its well, warns once naming it, and the rest
    of the plate reads as before: napari's drawing never sees an exception."""
    import shutil

    from napari_hcs_zarr.view import UnreadablePixelsWarning

    plate = tmp_path / "damaged.zarr"
    shutil.copytree(small_plate, plate)
    original = PlateModel.open(small_plate)
    coarsest = len(original.factors) - 1
    assert damage_well_level(plate, "B/02", coarsest)

    model = PlateModel.open(plate)
    with pytest.warns(UnreadablePixelsWarning, match=r"B/02/0/" + str(coarsest)) as record:
        overview = model.image_levels(0)[coarsest][...]
    assert len(record) == 1
    assert any("B/02/0/" in problem for problem in model.problems)
    expected = original.image_levels(0)[coarsest][...]

    factor = model.factors[coarsest]
    y0, x0 = model.well_origin(1, 1)  # B02
    slot_h = model.field_grid[0] * model.field_slot[0]
    slot_w = model.field_grid[1] * model.field_slot[1]
    region = (
        ...,
        slice(y0 // factor, -(-(y0 + slot_h) // factor)),
        slice(x0 // factor, -(-(x0 + slot_w) // factor)),
    )
    assert expected[region].any()
    assert not overview[region].any()
    outside = np.ones(overview.shape, dtype=bool)
    outside[region] = False
    np.testing.assert_array_equal(overview[outside], expected[outside])
    # The same array is not reported again (other channel, same files).
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnreadablePixelsWarning)
        model.image_levels(1)[coarsest][...]
    # A failed read is not kept: once the files are whole again, the well shows.
    shutil.rmtree(plate / "B" / "02" / "0" / str(coarsest))
    shutil.copytree(small_plate / "B" / "02" / "0" / str(coarsest), plate / "B" / "02" / "0" / str(coarsest))
    np.testing.assert_array_equal(model.image_levels(0)[coarsest][...], expected)
