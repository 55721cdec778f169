"""ImageXpress (MetaXpress) folders: the real direct and exported layouts (faim-ipa's test
data, read in place), parsed and converted with every raw plane verbatim at its place."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import tifffile
import zarr

from helpers import SHARED_FIXTURES, assert_levels_exact, expected_well, tree_digest
from napari_hcs_zarr.convert import ConversionOptions, convert_plate
from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.raw import PlaneKey, raw_format_of, read_raw_plate
from napari_hcs_zarr.raw.imagexpress import write_synthetic_imagexpress
from napari_hcs_zarr.raw.imagexpress.parser import IMAGE_NAME
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec

FIXTURES = SHARED_FIXTURES / "imagexpress"
EXPORTED = FIXTURES / "exported-9987_Plate_3435"
DIRECT = FIXTURES / "direct-SingleChannel" / "2023-02-21" / "1334"


@pytest.fixture
def exported():
    if not (EXPORTED / "9987.HTD").is_file():
        pytest.skip(f"real ImageXpress fixture not present at {EXPORTED}")
    return EXPORTED


@pytest.fixture
def direct():
    if not DIRECT.is_dir():
        pytest.skip(f"real ImageXpress fixture not present at {DIRECT}")
    return DIRECT


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("9987_B02_s1_w2.TIF", ("9987", "B02", "1", "2", None)),
        ("9987_B02.TIF", ("9987", "B02", None, None, None)),
        (
            "Projection-Mix_E07_s1E94C24BD-45E4-450A-9919-257C714278F7.tif",
            ("Projection-Mix", "E07", "1", None, None),
        ),
        (
            "Projection-Mix_E07_s1_thumb4BFD4018-E675-475E-B5AB-2E959E6B6DA1.tif",
            ("Projection-Mix", "E07", "1", None, "_thumb"),
        ),
        ("my_plate_AB12_s3_w1.tif", ("my_plate", "AB12", "3", "1", None)),
    ],
)
def test_image_names(name, parts):
    match = IMAGE_NAME.match(name)
    assert (
        match.group("plate"),
        match.group("well"),
        match.group("site"),
        match.group("wave"),
        match.group("thumb"),
    ) == parts


def test_exported_layout(exported):
    assert raw_format_of(exported).name == "Molecular Devices ImageXpress"
    plate = read_raw_plate(exported)
    assert plate.name == "9987" and plate.instrument == "ImageXpress"
    assert (len(plate.row_names), len(plate.column_names)) == (8, 12)
    assert [w.name for w in plate.wells] == ["B02", "B03"]
    assert [c.label for c in plate.channels] == ["DAPI", "FITC"]
    assert plate.time_count == 2 and plate.z_count == 1
    assert plate.pixel_size_um[1:] == (1.3672, 1.3672) and plate.dtype == np.uint16
    # Site 2 is 315 um right of site 1: 230.4 px, so the 256 px sites overlap by 26 px.
    for well in plate.wells:
        assert [(f.index, f.y_px, f.x_px, f.shape) for f in well.fields] == [
            (1, 0, 0, (256, 256)),
            (2, 0, 230, (256, 256)),
        ]
    assert well.fields[1].planes[PlaneKey(1, 0, 0)].path == exported / "TimePoint_2" / "9987_B03_s2_w1.TIF"
    # The trimmed fixture's HTD promises more than its files hold: said, not fatal.
    assert any("4 wavelengths, the images 2" in w for w in plate.warnings)
    assert any("6 time points, the images 2" in w for w in plate.warnings)


def test_direct_layout(direct):
    plate = read_raw_plate(direct)
    assert plate.name == "Projection-Mix"
    assert [w.name for w in plate.wells] == ["E07", "E08"]
    assert [c.label for c in plate.channels] == ["FITC_05"]
    assert plate.z_count == 2 and plate.pixel_size_um[0] == pytest.approx(4.94)
    for well in plate.wells:  # faim-ipa's tests expect the sites side by side at x = 0 and 512
        assert [(f.y_px, f.x_px) for f in well.fields] == [(0, 0), (0, 512)]
        assert all("thumb" not in loader.path.name for f in well.fields for loader in f.planes.values())
        assert {k.z for f in well.fields for k in f.planes} == {0, 1}
    assert any("4 image(s) beside the ZStep folders" in w for w in plate.warnings)
    # The top-level images (projections here) are each well's second image, at the same sites.
    for well in plate.wells:
        (projection,) = well.other_images
        assert (projection.path, projection.z_count, projection.description) == ("1", 1, "projection")
        assert [(f.y_px, f.x_px) for f in projection.fields] == [(0, 0), (0, 512)]
        assert all(loader.path.parent == direct for f in projection.fields for loader in f.planes.values())


@pytest.mark.parametrize("layout", ["exported", "direct"])
def test_every_raw_plane_is_verbatim_at_its_place(request, tmp_path, layout):
    folder = request.getfixturevalue(layout)
    plate = read_raw_plate(folder)
    out = tmp_path / "ix.zarr"
    convert_plate(folder, out, ConversionOptions(levels=2, workers=2))
    root = zarr.open_group(out, mode="r")
    for well in plate.wells:
        for image in well.images:
            level0 = root[f"{well.path}/{image.path}/0"]
            for fov in sorted(image.fields, key=lambda f: f.index):
                later = [f for f in image.fields if f.index > fov.index]
                for key, loader in fov.planes.items():
                    raw = tifffile.imread(loader.path)
                    index = ((key.t,) if plate.time_count > 1 else ()) + (key.c, key.z)
                    stored = level0[index][
                        fov.y_px : fov.y_px + raw.shape[0], fov.x_px : fov.x_px + raw.shape[1]
                    ]
                    # Where a later site overlaps, it wins; everywhere else the raw pixels are there.
                    mask = np.ones(raw.shape, bool)
                    for other in later:
                        y0, x0 = other.y_px - fov.y_px, other.x_px - fov.x_px
                        mask[
                            max(y0, 0) : max(y0 + other.shape[0], 0), max(x0, 0) : max(x0 + other.shape[1], 0)
                        ] = False
                    np.testing.assert_array_equal(
                        stored[mask], raw[mask], err_msg=f"{well.name} site {fov.index} {key}"
                    )
                    assert mask.sum() > 0


def test_broken_inputs_name_the_file(exported, tmp_path):
    copy = tmp_path / "plate"
    shutil.copytree(exported, copy)
    (copy / "TimePoint_1" / "9987_B02_s1_w1.TIF").write_bytes(b"not a tiff")
    with pytest.raises(RawPlateError, match="9987_B02_s1_w1.TIF: not a readable TIFF"):
        read_raw_plate(copy)
    htd = copy / "9987.HTD"
    htd.write_bytes(htd.read_bytes().replace(b'"XWells", 12', b'"XWells", 2'))
    (copy / "TimePoint_1" / "9987_B02_s1_w1.TIF").unlink()
    with pytest.raises(RawPlateError, match="9987.HTD: says 8x2 wells, but images of well B03 exist"):
        read_raw_plate(copy)


@pytest.mark.parametrize("wells", [("100000000", "12"), ("0", "12"), ("8", "-3")])
def test_an_impossible_plate_format_in_the_htd_is_refused_before_anything_is_made(tmp_path, wells):
    spec = synthetic_spec(fields_yx=(1, 1), z_count=1, time_count=1)
    folder = write_synthetic_imagexpress(tmp_path / "raw", spec)
    htd = folder / "ixsynth.HTD"
    text = htd.read_bytes().replace(b'"YWells", 8', f'"YWells", {wells[0]}'.encode())
    htd.write_bytes(text.replace(b'"XWells", 12', f'"XWells", {wells[1]}'.encode()))
    with pytest.raises(
        RawPlateError, match=rf"ixsynth.HTD: says {wells[0]}x{wells[1]} wells: no plate has that format"
    ):
        read_raw_plate(folder)


def test_a_folder_without_images_is_refused(tmp_path):
    (tmp_path / "plate.HTD").write_text('"HTSInfoFile", Version 1.0\n"XWells", 12\n"EndFile"\n')
    with pytest.raises(RawPlateError, match="holds no MetaXpress images"):
        read_raw_plate(tmp_path)


# --------------------------------------------------------------------------------------
# Synthetic folders: layouts the fixtures lack, every pixel a function of its well position
# --------------------------------------------------------------------------------------
def synthetic_spec(**changes) -> SyntheticPlateSpec:
    spec = dict(
        wells=["B02", "C04"],
        fields_yx=(3, 3),
        field_shape=(40, 48),
        channels=2,
        z_count=3,
        time_count=2,
        gap_px=-6,
        name="ixsynth",
    )
    return SyntheticPlateSpec(**{**spec, **changes})


def assert_converts_exactly(folder, tmp_path, levels=2):
    plate = read_raw_plate(folder)
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=levels, workers=2))
    assert_levels_exact(plate, out, levels)
    return plate


@pytest.mark.parametrize("layout", ["exported", "direct"])
def test_synthetic_overlapping_3x3_sites_with_z_and_t(tmp_path, layout):
    folder = write_synthetic_imagexpress(tmp_path / "raw", synthetic_spec(), layout=layout)
    assert raw_format_of(folder).name == "Molecular Devices ImageXpress"
    plate = assert_converts_exactly(folder, tmp_path)
    assert [w.name for w in plate.wells] == ["B02", "C04"]
    assert plate.time_count == 2 and plate.z_count == 3 and plate.pixel_size_um[0] == pytest.approx(2.0)
    assert [c.label for c in plate.channels] == ["DAPI", "FITC"]
    # 48 - 6 = 42 px per site step; rows 40 - 6 = 34.
    assert [(f.y_px, f.x_px) for f in plate.wells[0].fields][:4] == [(0, 0), (0, 42), (0, 84), (34, 0)]
    assert not [w for w in plate.warnings if "beside" in w]


def test_one_site_one_wavelength_names_without_s_and_w(tmp_path):
    spec = synthetic_spec(fields_yx=(1, 1), channels=1, z_count=1, time_count=1)
    folder = write_synthetic_imagexpress(tmp_path / "raw", spec)
    assert sorted(p.name for p in (folder / "TimePoint_1").iterdir()) == [
        "ixsynth_B02.TIF",
        "ixsynth_C04.TIF",
    ]
    assert_converts_exactly(folder, tmp_path, levels=1)


def test_without_metaseries_sites_go_on_the_htd_grid(tmp_path):
    spec = synthetic_spec(gap_px=0, z_count=1, time_count=1)
    folder = write_synthetic_imagexpress(tmp_path / "raw", spec, metaseries=False)
    plate = assert_converts_exactly(folder, tmp_path)
    assert [(f.y_px, f.x_px) for f in plate.wells[0].fields] == [
        (y, x) for y in (0, 40, 80) for x in (0, 48, 96)
    ]
    assert any("no MetaSeries metadata" in w for w in plate.warnings)
    assert [c.label for c in plate.channels] == ["DAPI", "FITC"]  # from the HTD's wave names


def test_raw_folder_is_not_modified(tmp_path):
    folder = write_synthetic_imagexpress(tmp_path / "raw", synthetic_spec(z_count=1), layout="direct")
    before = tree_digest(folder)
    convert_plate(folder, tmp_path / "out.zarr", ConversionOptions(levels=2))
    assert tree_digest(folder) == before


def test_fifos_in_place_of_files_are_never_opened(tmp_path):
    """A FIFO would block a read forever: in place of an image or of the HTD it is skipped."""
    import os

    spec = synthetic_spec(fields_yx=(1, 2), z_count=1, time_count=1)
    folder = write_synthetic_imagexpress(tmp_path / "raw", spec)
    (folder / "ixsynth.HTD").rename(folder / "real.htd.bak")
    os.mkfifo(folder / "ixsynth.HTD")
    os.mkfifo(folder / "TimePoint_1" / "ixsynth_D05_s1_w1.TIF")
    plate = read_raw_plate(folder)  # would hang on either FIFO
    assert [w.name for w in plate.wells] == ["B02", "C04"]
    assert plate.metadata_files == []


@pytest.mark.parametrize("layout", ["exported", "direct"])
def test_a_single_plane_wavelength_next_to_stacks_is_image_1(tmp_path, layout):
    """Mixed acquisitions: wavelength 1 is one plane, wavelength 0 a stack. The direct layout
    puts the plane beside the ZStep folders; exports copy it into every ZStep folder with
    ``Z Step`` 1. Either way it becomes image 1 of the well, the stack image 0, exactly."""
    spec = synthetic_spec(time_count=1, fields_yx=(2, 2))
    folder = write_synthetic_imagexpress(
        tmp_path / "raw", spec, layout=layout, single_plane_waves=frozenset({1})
    )
    plate = read_raw_plate(folder)
    out = tmp_path / "mixed.zarr"
    convert_plate(folder, out, ConversionOptions(levels=2, workers=2))
    root = zarr.open_group(out, mode="r")
    for well in plate.wells:
        (single,) = well.other_images
        assert single.z_count == 1 and well.z_count == 3
        stack, plane = root[f"{well.path}/0/0"], root[f"{well.path}/1/0"]
        for z in range(3):
            np.testing.assert_array_equal(stack[0, z], expected_well(plate, well, 0, 0, z))
            assert not stack[1, z].any()  # the single-plane wavelength is not in the stack
        np.testing.assert_array_equal(plane[1, 0], expected_well(plate, well, 0, 1, 0))
        assert not plane[0, 0].any()
        attrs = root[well.path].attrs.asdict()
        assert [i["path"] for i in attrs["well"]["images"]] == ["0", "1"]
