"""Revvity Operetta / Opera Phenix (Harmony) exports: the real operetta-compose export read
in place, and synthetic V5 and V6 exports whose every pixel is a function of its well
position, so that placement, planes, channels and time points are checked exactly."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
import tifffile
import zarr

from helpers import SHARED_FIXTURES, assert_levels_exact, expected_well, requires, tree_digest
from napari_hcs_zarr.convert import ConversionOptions, convert_plate
from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.raw import PlaneKey, raw_format_of, read_raw_plate
from napari_hcs_zarr.raw.operetta import write_synthetic_operetta
from napari_hcs_zarr.raw.operetta.synthetic import image_file_name
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec

REAL = SHARED_FIXTURES / "operetta" / "operetta-compose-plate"


@pytest.fixture
def real_export():
    if not (REAL / "Images" / "Index.idx.xml").is_file():
        pytest.skip(f"real Operetta fixture not present at {REAL}")
    return REAL


def test_real_export_is_parsed(real_export):
    assert raw_format_of(real_export).name == "Revvity Operetta / Opera Phenix"
    plate = read_raw_plate(real_export)
    assert (len(plate.row_names), len(plate.column_names)) == (16, 24)
    assert [w.name for w in plate.wells] == ["C03"]
    assert [c.label for c in plate.channels] == ["Fluorescein (FITC)"]
    assert plate.channels[0].color == "00FF00"  # green emission
    assert plate.dtype == np.uint16 and plate.z_count == 1 and plate.time_count == 1
    (well,) = plate.wells
    # Two 1080 px fields side by side, the second one field width to the right.
    assert [(f.index, f.y_px, f.x_px, f.shape) for f in well.fields] == [
        (1, 0, 0, (1080, 1080)),
        (2, 0, 1080, (1080, 1080)),
    ]
    assert not plate.warnings
    # The assay layout: one string layer, "Compound", empty in every well of the layout.
    assert [c.name for c in plate.conditions.columns] == ["Compound"]
    assert plate.conditions.value(("C", 3), "Compound") == ""
    assert len(plate.conditions.wells) == 96


def test_images_folder_given_directly(real_export):
    plate = read_raw_plate(real_export / "Images")
    assert [(f.y_px, f.x_px) for f in plate.wells[0].fields] == [(0, 0), (0, 1080)]


@pytest.mark.parametrize("ngff", ["0.4", "0.5"])
def test_real_export_converts_verbatim(real_export, tmp_path, ngff):
    out = tmp_path / "operetta.zarr"
    before = tree_digest(real_export)
    convert_plate(real_export, out, ConversionOptions(levels=2, ngff=ngff, workers=2))
    assert tree_digest(real_export) == before  # raw input never modified
    level0 = zarr.open_group(out, mode="r")["C/03/0/0"]
    assert level0.shape == (1, 1, 1080, 2160)
    for number, x0 in ((1, 0), (2, 1080)):
        raw = tifffile.imread(real_export / "Images" / f"r03c03f{number:02d}p01-ch1sk1fk1fl1.tiff")
        np.testing.assert_array_equal(level0[0, 0, :, x0 : x0 + 1080], raw)
    anndata = pytest.importorskip("anndata")
    table = anndata.read_zarr(out / "tables" / "condition_table")
    assert list(table.obs.index) == ["C03"]
    assert table.obs.loc["C03", "row"] == "C" and table.obs.loc["C03", "column"] == 3
    assert table.obs.loc["C03", "Compound"] == ""


# --------------------------------------------------------------------------------------
# Synthetic exports
# --------------------------------------------------------------------------------------
def synthetic_spec(**changes) -> SyntheticPlateSpec:
    spec = dict(
        wells=["B01", "B03", "D02"],
        fields_yx=(2, 3),
        field_shape=(40, 56),
        channels=2,
        z_count=2,
        z_counts={"D02": 3},
        time_count=2,
        gap_px=-6,
        name="harmony-synth",
    )
    return SyntheticPlateSpec(**{**spec, **changes})


@pytest.mark.parametrize(
    ("version", "index_name"), [(5, "Index.idx.xml"), (6, "Index.xml"), (6, "Index.ref.xml")]
)
def test_synthetic_exports_convert_exactly(tmp_path, version, index_name):
    folder = write_synthetic_operetta(
        tmp_path / "raw", synthetic_spec(), version=version, index_name=index_name
    )
    assert raw_format_of(folder).name == "Revvity Operetta / Opera Phenix"
    plate = read_raw_plate(folder)
    assert [w.name for w in plate.wells] == ["B01", "B03", "D02"]
    assert [w.z_count for w in plate.wells] == [2, 2, 3]
    assert [c.label for c in plate.channels] == ["DAPI", "Alexa 488"]
    assert [c.color for c in plate.channels] == ["0000FF", "00FF00"]
    assert plate.time_count == 2
    assert plate.pixel_size_um == pytest.approx((2.0, 0.65, 0.65))
    assert plate.instrument == "Harmony (Phenix)"
    # Overlap of 6 px: fields every 50 px across and 34 px down, whatever the jitter.
    assert [(f.y_px, f.x_px) for f in plate.wells[0].fields] == [
        (y, x) for y in (0, 34) for x in (0, 50, 100)
    ]
    # Time points are 0-based in the index, the file names' sk 1-based.
    assert plate.wells[0].fields[0].planes[PlaneKey(1, 1, 0)].path.name == image_file_name(2, 1, 1, 1, 2, 1)
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=2, workers=2))
    assert_levels_exact(plate, out, 2)


def test_fields_far_from_the_well_centre_and_one_field_wells(tmp_path):
    spec = synthetic_spec(fields_yx=(1, 1), z_count=1, z_counts={}, time_count=1, channels=1)
    folder = write_synthetic_operetta(tmp_path / "raw", spec)
    plate = read_raw_plate(folder)
    assert all([(f.y_px, f.x_px) for f in w.fields] == [(0, 0)] for w in plate.wells)
    assert plate.pixel_size_um[0] == 1.0  # a single plane: no step to measure
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=1))
    assert_levels_exact(plate, out, 1)


@requires("ngio")
@pytest.mark.parametrize("ngff", ["0.4", "0.5"])
def test_assay_layout_becomes_the_condition_table(tmp_path, ngff):
    import ngio

    folder = write_synthetic_operetta(tmp_path / "raw", synthetic_spec(z_count=1, z_counts={}, time_count=1))
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=1, ngff=ngff, wells=["B03", "D02"]))
    plate = ngio.open_ome_zarr_plate(out)
    assert plate.list_tables() == ["condition_table"]
    frame = plate.get_condition_table("condition_table").dataframe
    assert list(frame.index) == ["B03", "D02"]  # the converted wells only
    assert list(frame["row"]) == ["B", "D"] and list(frame["column"]) == [3, 2]
    assert list(frame["Compound"]) == ["compound-B", "compound-D"]
    assert list(frame["Concentration"]) == [1.5, 1.0]
    units = zarr.open_group(out / "tables" / "condition_table", mode="r").attrs["units"]
    assert units == {"Concentration": "uM"}


@requires("anndata")
def test_a_condition_csv_adds_to_and_overrides_the_layout(tmp_path):
    import anndata

    folder = write_synthetic_operetta(tmp_path / "raw", synthetic_spec(z_count=1, z_counts={}, time_count=1))
    csv = tmp_path / "conditions.csv"
    csv.write_text("row;column;Concentration;cell line\nB;1;0.25;HeLa\nB;3;;U2OS\n", encoding="utf-8")
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=1, conditions=csv))
    obs = anndata.read_zarr(out / "tables" / "condition_table")
    frame = obs.to_df().join(obs.obs)
    assert list(frame.index) == ["B01", "B03", "D02"]
    assert list(frame["Compound"]) == ["compound-B", "compound-B", "compound-D"]  # from the layout
    assert list(frame["cell line"]) == ["HeLa", "U2OS", ""]  # from the CSV, D02 has none
    concentration = list(frame["Concentration"])  # the CSV's, even where it is empty
    assert concentration[0] == 0.25 and all(math.isnan(v) for v in concentration[1:])


def test_missing_images_are_said_and_written_as_zeros(tmp_path):
    spec = synthetic_spec(
        wells=["B01"], z_count=1, z_counts={}, time_count=1, missing_files=[image_file_name(2, 1, 2, 1, 1, 0)]
    )
    folder = write_synthetic_operetta(tmp_path / "raw", spec)
    plate = read_raw_plate(folder)
    assert any("1 image file(s) listed in Index.xml are missing" in w for w in plate.warnings)
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=1))
    stored = zarr.open_group(out, mode="r")["B/01/0/0"]
    # Field 2 (x 50-106) without its channel 1: where no other field covers it, zeros.
    assert not stored[0, 0, 0:34, 56:100].any()
    assert stored[1, 0, 0:34, 56:100].all()  # its channel 2 is there
    assert stored[0, 0, 0:34, 0:56].all()  # field 1 is there


def _index(folder):
    return folder / "Images" / "Index.xml"


def test_malformed_index_names_the_file(tmp_path):
    folder = write_synthetic_operetta(tmp_path / "raw", synthetic_spec(wells=["B01"]))
    text = _index(folder).read_text(encoding="utf-8")
    _index(folder).write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(RawPlateError, match=r"Index\.xml: malformed or truncated XML"):
        read_raw_plate(folder)


@pytest.mark.parametrize(
    "url", ["../../outside.tiff", "/etc/passwd", "C:\\\\evil.tiff", "http://host/x.tiff"]
)
def test_image_urls_outside_the_export_are_refused(tmp_path, url):
    folder = write_synthetic_operetta(tmp_path / "raw", synthetic_spec(wells=["B01"], z_count=1, z_counts={}))
    first = image_file_name(2, 1, 1, 1, 1, 0)
    text = _index(folder).read_text(encoding="utf-8").replace(f"<URL>{first}</URL>", f"<URL>{url}</URL>")
    _index(folder).write_text(text, encoding="utf-8")
    with pytest.raises(
        RawPlateError, match=r"Index\.xml: image URL .* (is not a path inside|points outside)"
    ):
        read_raw_plate(folder)


def test_mismatched_pixel_sizes_are_refused(tmp_path):
    folder = write_synthetic_operetta(tmp_path / "raw", synthetic_spec(wells=["B01"]), version=5)
    text = _index(folder).read_text(encoding="utf-8")
    first, rest = text.split("<ImageResolutionX", 1)
    rest = rest.replace(">6.5e-07<", ">1.3e-06<", 1)
    _index(folder).write_text(first + "<ImageResolutionX" + rest, encoding="utf-8")
    with pytest.raises(RawPlateError, match="cannot stitch them together"):
        read_raw_plate(folder)


def test_broken_assay_layout_names_the_file(tmp_path):
    folder = write_synthetic_operetta(tmp_path / "raw", synthetic_spec(wells=["B01"]))
    (folder / "Assaylayout" / "layout.xml").write_text("<AssayLayout><Layer>", encoding="utf-8")
    with pytest.raises(RawPlateError, match=r"layout\.xml: malformed or truncated XML"):
        read_raw_plate(folder)


def test_an_export_copied_through_windows_keeps_working(tmp_path):
    """Case-insensitive names: ``IMAGES/index.xml``, as a Windows copy may leave them."""
    folder = write_synthetic_operetta(tmp_path / "raw", synthetic_spec(wells=["B01"], time_count=1))
    shutil.move(folder / "Images", folder / "IMAGES")
    shutil.move(folder / "IMAGES" / "Index.xml", folder / "IMAGES" / "index.xml")
    plate = read_raw_plate(folder)
    assert [w.name for w in plate.wells] == ["B01"] and not plate.warnings
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=1))
    assert_levels_exact(plate, out, 1, expected=expected_well)
