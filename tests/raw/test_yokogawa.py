"""The CellVoyager parser, on the real CV8000 folder and on synthetic and broken ones."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.raw import PlaneKey, describe_raw_plate, raw_format_of, read_raw_plate
from napari_hcs_zarr.raw.placement import round_half_up
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec
from napari_hcs_zarr.raw.yokogawa import read_cellvoyager


def test_real_cv8000_folder(cv8000_folder):
    plate = read_cellvoyager(cv8000_folder)
    assert plate.instrument == "CV8000"
    assert (len(plate.row_names), len(plate.column_names)) == (8, 12)
    assert [w.name for w in plate.wells] == ["D08", "E03", "F08"]
    # The MRF lists 4 channels; 2 were imaged, identified by action + channel.
    assert [c.id for c in plate.channels] == ["A01_C01", "A02_C02"]
    assert [c.label for c in plate.channels] == ["405", "488"]
    assert [c.color for c in plate.channels] == ["002FFF", "00FFA1"]
    assert plate.field_shape == (2000, 2000)
    assert plate.dtype == np.uint16
    assert plate.pixel_size_um == (3.0, 0.325, 0.325)
    assert plate.time_count == 1
    for well in plate.wells:
        assert well.z_count == 4
        # Field 1 top-left (Y up on the stage), 2 right of it, 3 below it;
        # 649.9 um / 0.325 um = 1999.7 px rounds to 2000.
        assert [(f.index, f.y_px, f.x_px) for f in well.fields] == [
            (1, 0, 0),
            (2, 0, 2000),
            (3, 2000, 0),
            (4, 2000, 2000),
        ]
        assert well.image_shape_yx == (4000, 4000)
        assert len(well.fields[0].planes) == 8
        assert well.fields[0].planes[PlaneKey(0, 1, 3)].path.name.endswith("F001L01A02Z04C02.tif")
    names = {p.name for p in plate.metadata_files}
    assert {"MeasurementData.mlf", "MeasurementDetail.mrf", "Minimal-3C3W2S-FP2-stack.mes"} <= names
    assert not any(n.endswith(".tif") for n in names)
    assert "CV8000" in describe_raw_plate(plate)
    assert raw_format_of(cv8000_folder).name == "Yokogawa CellVoyager / CQ"


def test_synthetic_positions_time_points_and_error_records(make_raw):
    spec = SyntheticPlateSpec(
        wells=["B03", "C04"],
        fields_yx=(2, 2),
        field_shape=(40, 50),
        z_counts={"C04": 4},
        time_count=3,
        gap_px=7,
        error_records=2,
    )
    plate = read_raw_plate(make_raw(spec))
    assert plate.time_count == 3
    assert [w.z_count for w in plate.wells] == [3, 4]
    assert [(f.y_px, f.x_px) for f in plate.wells[0].fields] == [(0, 0), (0, 57), (47, 0), (47, 57)]
    assert any("2 non-image record" in w for w in plate.warnings)
    assert (
        plate.wells[0].fields[0].planes[PlaneKey(2, 1, 2)].path.name.startswith("synthetic-plate_B03_T0003")
    )


def test_rounding_is_half_up_and_ignores_float_noise():
    assert round_half_up(1999.7) == 2000
    assert round_half_up(2.5) == 3
    assert round_half_up(649.9 / 0.325) == 2000
    assert round_half_up(0.30000000000000004 / 0.1 - 2.5) == 1  # 0.5 plus float noise


def test_png_files_found_although_mlf_says_tif(make_raw):
    spec = SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 1), field_shape=(16, 16), channels=1, z_count=1)
    folder = make_raw(spec)
    tif = next(folder.glob("*.tif"))
    import imagecodecs

    png = tif.with_suffix(".png")
    png.write_bytes(imagecodecs.png_encode(np.full((16, 16), 7, np.uint16)))
    tif.unlink()
    plate = read_raw_plate(folder)
    assert next(iter(plate.wells[0].fields[0].planes.values())).path == png


@pytest.mark.parametrize(
    ("damage", "file_name", "message"),
    [
        ("delete", "MeasurementData.mlf", "no vendor metadata found"),
        ("truncate", "MeasurementData.mlf", "malformed or truncated XML"),
        ("truncate", "MeasurementDetail.mrf", "malformed or truncated XML"),
        ("garbage", "MeasurementDetail.mrf", "malformed or truncated XML"),
    ],
)
def test_broken_metadata_names_the_file(make_raw, damage, file_name, message):
    folder = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 1), field_shape=(8, 8)))
    target = folder / file_name
    if damage == "delete":
        target.unlink()
    elif damage == "truncate":
        target.write_bytes(target.read_bytes()[: len(target.read_bytes()) // 2])
    else:
        target.write_text("this is not xml")
    with pytest.raises(RawPlateError, match=message) as error:
        read_raw_plate(folder)
    expected = folder if damage == "delete" else target
    assert str(expected) in str(error.value)


def test_image_size_differing_from_metadata(make_raw):
    folder = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 1), field_shape=(8, 8)))
    import tifffile

    first = sorted(folder.glob("*.tif"))[0]
    tifffile.imwrite(first, np.zeros((9, 8), np.uint16))
    with pytest.raises(RawPlateError, match="9 px but") as error:
        read_raw_plate(folder)
    assert first.name in str(error.value)


def test_missing_files_are_a_warning(make_raw):
    spec = SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 2), field_shape=(8, 8), channels=1, z_count=1)
    folder = make_raw(spec)
    victim = sorted(folder.glob("*F002*.tif"))[0]
    victim.unlink()
    plate = read_raw_plate(folder)
    assert any("missing on disk" in w and victim.name in w for w in plate.warnings)


def test_not_a_raw_folder(tmp_path):
    assert raw_format_of(tmp_path) is None
    with pytest.raises(RawPlateError, match="no vendor metadata"):
        read_raw_plate(tmp_path)
    shutil.rmtree(tmp_path)
    with pytest.raises(RawPlateError, match="no such folder or file"):
        read_raw_plate(tmp_path)


def test_wells_subset_and_unknown_well(small_raw):
    from napari_hcs_zarr.convert import prepare_raw_plate

    assert [w.name for w in prepare_raw_plate(small_raw, ["b4"]).wells] == ["B04"]
    with pytest.raises(KeyError, match="H12"):
        prepare_raw_plate(small_raw, ["H12"])


def test_synthetic_writer_is_consistent():
    y, x = np.mgrid[0:4, 0:4]
    from napari_hcs_zarr.raw.synthetic import expected_pixels

    a = expected_pixels("B03", 0, 1, 2, y, x)
    b = expected_pixels("B03", 0, 1, 2, y + 1, x)
    assert a.dtype == np.uint16 and not np.array_equal(a, b)


# --------------------------------------------------------------------------------------
# CQ1 / CQ3000: well-index names, projections in Projection/, the same BTS schema
# --------------------------------------------------------------------------------------
def _cq_folder(tmp_path, **changes):
    from napari_hcs_zarr.raw.yokogawa import write_synthetic_cellvoyager

    spec = dict(wells=["B02", "C05"], fields_yx=(2, 2), field_shape=(48, 64), z_count=3, gap_px=-4)
    spec = SyntheticPlateSpec(**{**spec, **changes})
    return write_synthetic_cellvoyager(tmp_path / "cq", spec, instrument="CQ3000", projection=True)


def test_cq3000_folder_with_projections(tmp_path):
    import zarr

    from helpers import assert_levels_exact, expected_well
    from napari_hcs_zarr.convert import ConversionOptions, convert_plate

    folder = _cq_folder(tmp_path)
    assert (folder / "Projection" / "W0014F0001T0001Z000C1.tif").is_file()  # B02 is well 14
    assert (folder / "W0014F0001T0001Z001C1.tif").is_file()
    assert raw_format_of(folder).name == "Yokogawa CellVoyager / CQ"
    plate = read_raw_plate(folder)
    assert plate.instrument == "CQ3000"
    assert [w.name for w in plate.wells] == ["B02", "C05"]
    # The projection is not a fourth plane but the well's second image.
    assert plate.z_count == 3 and plate.pixel_size_um[0] == 2.0
    for well in plate.wells:
        (projection,) = well.other_images
        assert (projection.path, projection.z_count, projection.description) == ("1", 1, "max projection")
        assert [(f.y_px, f.x_px) for f in projection.fields] == [(f.y_px, f.x_px) for f in well.fields]
    loader = plate.wells[0].other_images[0].fields[0].planes[PlaneKey(0, 1, 0)]
    assert loader.path == folder / "Projection" / "W0014F0001T0001Z000C2.tif"
    out = tmp_path / "cq.zarr"
    convert_plate(folder, out, ConversionOptions(levels=2, workers=2))
    assert_levels_exact(plate, out, 2)
    root = zarr.open_group(out, mode="r")
    for well in plate.wells:  # the projection equals the last (brightest) plane
        stored = root[f"{well.path}/1/0"]
        assert stored.shape == (2, 1, *well.image_shape_yx)
        for c in range(2):
            np.testing.assert_array_equal(stored[c, 0], expected_well(plate, well, 0, c, 2))
    assert [w["path"] for w in root.attrs["plate"]["wells"]] == ["B/02", "C/05"]


def test_cq_projection_only_acquisition(tmp_path):
    """Without slices, the projection is the well's main image."""
    folder = _cq_folder(tmp_path, wells=["A01"], z_count=1)
    mlf = folder / "MeasurementData.mlf"
    lines = mlf.read_text(encoding="utf-8").splitlines()
    mlf.write_text("\n".join(x for x in lines if "Z001" not in x), encoding="utf-8")
    plate = read_raw_plate(folder)
    (well,) = plate.wells
    assert well.z_count == 1 and well.other_images == []
    assert all("Projection" in str(p.path) for f in well.fields for p in f.planes.values())


@pytest.mark.parametrize(
    "name", ["..\\outside.tif", "Projection\\..\\..\\x.tif", "/etc/passwd", "C:\\images\\x.tif"]
)
def test_cq_file_names_outside_the_folder_are_refused(tmp_path, name):
    folder = _cq_folder(tmp_path, wells=["A01"], z_count=1)
    mlf = folder / "MeasurementData.mlf"
    text = mlf.read_text(encoding="utf-8").replace(">W0001F0001T0001Z001C1.tif<", f">{name}<", 1)
    mlf.write_text(text, encoding="utf-8")
    with pytest.raises(RawPlateError, match=r"MeasurementData\.mlf: image file name .* is not a path inside"):
        read_raw_plate(folder)
