"""Table plates: tiles of any instrument listed in ``plate.csv`` with a ``plate.toml``
header. Synthetic tables mix PNG and TIFF tiles whose every pixel is a function of its
well position, so that placement, planes, channels and time points are checked exactly."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tifffile
import zarr

from helpers import assert_levels_exact, requires, tree_digest
from napari_hcs_zarr.cli import main
from napari_hcs_zarr.convert import ConversionOptions, convert_plate
from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.raw import PlaneKey, raw_format_of, read_raw_plate
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec
from napari_hcs_zarr.raw.table import write_synthetic_table


def table_spec(**changes) -> SyntheticPlateSpec:
    spec = dict(
        wells=["B01", "B02", "D03"],
        fields_yx=(2, 2),
        field_shape=(36, 48),
        channels=2,
        z_count=2,
        z_counts={"D03": 3},
        time_count=2,
        gap_px=-4,
        name="table-synth",
    )
    return SyntheticPlateSpec(**{**spec, **changes})


def _small(**changes) -> SyntheticPlateSpec:
    return table_spec(
        **{"wells": ["B01"], "z_count": 1, "z_counts": {}, "time_count": 1, "channels": 1, **changes}
    )


@pytest.mark.parametrize(
    ("tiles", "position_unit", "y_axis"),
    [("mixed", "um", "down"), ("png", "px", "up"), ("tiff", "um", "up")],
)
def test_synthetic_tables_convert_exactly(tmp_path, tiles, position_unit, y_axis):
    folder = write_synthetic_table(tmp_path / "raw", table_spec(), tiles, position_unit, y_axis)
    assert raw_format_of(folder).name == "Table of tiles"
    plate = read_raw_plate(folder)
    assert [w.name for w in plate.wells] == ["B01", "B02", "D03"]
    assert [w.z_count for w in plate.wells] == [2, 2, 3]
    assert [c.label for c in plate.channels] == ["DAPI", "GFP"]
    assert [c.color for c in plate.channels] == ["0000FF", "00FF00"]
    assert plate.time_count == 2 and plate.dtype == np.uint16
    assert plate.pixel_size_um == pytest.approx((2.0, 0.65, 0.65))
    assert plate.instrument == "synthetic microscope" and plate.name == "table-synth"
    assert (len(plate.row_names), len(plate.column_names)) == (8, 12)
    # 4 px overlap: fields every 44 px across and 32 px down, whatever the jitter.
    assert [(f.y_px, f.x_px) for f in plate.wells[0].fields] == [(0, 0), (0, 44), (32, 0), (32, 44)]
    suffixes = {p.path.suffix for f in plate.wells[0].fields for p in f.planes.values()}
    assert suffixes == {"mixed": {".png", ".tif"}, "png": {".png"}, "tiff": {".tif"}}[tiles]
    assert not plate.warnings
    before = tree_digest(folder)
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=2, workers=2))
    assert tree_digest(folder) == before  # raw input never modified
    assert_levels_exact(plate, out, 2)


def test_conditions_become_the_condition_table(tmp_path):
    folder = write_synthetic_table(tmp_path / "raw", table_spec(z_count=1, z_counts={}, time_count=1))
    plate = read_raw_plate(folder)
    assert [c.name for c in plate.conditions.columns] == ["treatment", "dose_uM"]
    assert plate.conditions.value(("B", 1), "treatment") == "control"
    assert plate.conditions.value(("B", 2), "treatment") == "drug"
    assert plate.conditions.value(("D", 3), "dose_uM") == pytest.approx(0.3)
    anndata = pytest.importorskip("anndata")
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=1, wells=["B02", "D03"]))
    table = anndata.read_zarr(out / "tables" / "condition_table")
    obs = table.to_df().join(table.obs)
    assert list(obs.index) == ["B02", "D03"]
    assert list(obs["row"]) == ["B", "D"] and list(obs["column"]) == [2, 3]
    assert list(obs["treatment"]) == ["drug", "control"]
    assert list(obs["dose_uM"]) == pytest.approx([0.2, 0.3])


@requires("ngio")
def test_ngio_reads_the_converted_table_plate(tmp_path):
    import ngio

    folder = write_synthetic_table(tmp_path / "raw", table_spec(z_count=1, z_counts={}, time_count=1))
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=2, ngff="0.5"))
    plate = ngio.open_ome_zarr_plate(out)
    frame = plate.get_condition_table("condition_table").dataframe
    assert list(frame["treatment"]) == ["control", "drug", "control"]
    image = plate.get_image("D", "03", "0").get_image()
    assert image.shape[-2:] == (68, 92)


def test_a_column_differing_within_a_well_is_not_a_condition(tmp_path):
    folder = write_synthetic_table(tmp_path / "raw", _small())
    table = folder / "plate.csv"
    lines = table.read_text(encoding="utf-8").splitlines()
    lines[0] += ",exposure_ms"
    lines[1:] = [f"{line},{10 * i}" for i, line in enumerate(lines[1:])]
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    plate = read_raw_plate(folder)
    assert [c.name for c in plate.conditions.columns] == ["treatment", "dose_uM"]
    assert plate.warnings == [
        "plate.csv: column 'exposure_ms' differs within a well; it is not a condition, left out"
    ]


def test_a_table_file_given_directly_with_its_toml(tmp_path):
    folder = write_synthetic_table(tmp_path / "raw", _small())
    (folder / "plate.csv").rename(folder / "run7.csv")
    (folder / "plate.toml").rename(folder / "run7.toml")
    assert raw_format_of(folder) is None
    assert raw_format_of(folder / "run7.csv").name == "Table of tiles"
    plate = read_raw_plate(folder / "run7.csv")
    assert plate.source_dir == folder and plate.name == "table-synth"
    out = tmp_path / "out.zarr"
    assert main(["convert", str(folder / "run7.csv"), str(out), "--levels", "1"]) == 0
    assert_levels_exact(plate, out, 1)


def test_semicolons_any_case_and_defaults(tmp_path):
    """A minimal table: ``;`` separated, capitalised names, no field/z/time/channel
    columns and no channels in the header: one field per row, one unnamed channel."""
    folder = tmp_path / "raw"
    folder.mkdir()
    rng = np.random.default_rng(3)
    tiles = {name: rng.integers(0, 255, (20, 30), dtype=np.uint8) for name in ("a.tif", "b.tif")}
    for name, pixels in tiles.items():
        tifffile.imwrite(folder / name, pixels)
    (folder / "plate.csv").write_text("File;Well;X;Y\na.tif;C5;0;0\nb.tif;C05;30;0\n", encoding="utf-8")
    (folder / "plate.toml").write_text("pixel_size_um = 1\nposition_unit = 'px'\n", encoding="utf-8")
    # Two rows of the same well and field 1 at two positions is an error...
    with pytest.raises(RawPlateError, match=r"lines 2 and 3: field 1 of well C05 is at two positions"):
        read_raw_plate(folder)
    # ...a field column makes them two fields, side by side.
    (folder / "plate.csv").write_text(
        "File;Well;Field;X;Y\na.tif;C5;1;0;0\nb.tif;C05;2;30;0\n", encoding="utf-8"
    )
    plate = read_raw_plate(folder)
    assert plate.name == "raw" and plate.instrument == "table" and plate.dtype == np.uint8
    (well,) = plate.wells
    assert well.name == "C05"
    assert (len(plate.row_names), len(plate.column_names)) == (4, 6)  # the smallest plate for C05
    assert [c.label for c in plate.channels] == ["channel"]
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=1))
    stored = zarr.open_group(out, mode="r")["C/05/0/0"]
    np.testing.assert_array_equal(stored[0, 0], np.hstack([tiles["a.tif"], tiles["b.tif"]]))


def test_the_plate_format_grows_to_hold_the_wells(tmp_path):
    folder = write_synthetic_table(tmp_path / "raw", _small(wells=["P24"]))
    header = folder / "plate.toml"
    header.write_text(header.read_text().replace("rows = 8\ncolumns = 12\n", ""), encoding="utf-8")
    plate = read_raw_plate(folder)
    assert (len(plate.row_names), len(plate.column_names)) == (16, 24)
    text = header.read_text()
    header.write_text(text + "rows = 8\ncolumns = 12\n", encoding="utf-8")
    with pytest.raises(RawPlateError, match=r"unknown key\(s\) in channel 1: columns, rows \(known: color,"):
        read_raw_plate(folder)
    header.write_text("rows = 8\ncolumns = 12\n" + text, encoding="utf-8")
    with pytest.raises(RawPlateError, match=r"plate\.toml: a well in row 16 or column 24 lies outside"):
        read_raw_plate(folder)


def test_missing_tiles_are_said_and_written_as_zeros(tmp_path):
    spec = table_spec(
        wells=["B01"], z_count=1, z_counts={}, time_count=1, missing_files=["B01/f2_GFP_z0_t0.tif"]
    )
    folder = write_synthetic_table(tmp_path / "raw", spec)
    plate = read_raw_plate(folder)
    assert plate.warnings == ["1 image file(s) listed in plate.csv are missing on disk: f2_GFP_z0_t0.tif"]
    assert PlaneKey(0, 1, 0) not in plate.wells[0].fields[1].planes
    out = tmp_path / "out.zarr"
    convert_plate(folder, out, ConversionOptions(levels=1))
    stored = zarr.open_group(out, mode="r")["B/01/0/0"]
    assert not stored[1, 0, 0:32, 48:92].any()  # field 2's GFP, where no other field covers
    assert stored[0, 0, 0:32, 48:92].all()  # its DAPI is there


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("", r"plate\.toml: has no pixel_size_um"),
        ("pixel_size_um = -1\n", r"pixel_size_um must be a positive number, not -1"),
        ("pixel_size_um = inf\n", r"pixel_size_um must be a positive number, not inf"),
        ("pixel_size_um = [1, 2, 3]\n", r"pixel_size_um must be one number or \[y, x\]"),
        ("pixel_size_um = 1\nrows = 1000\ncolumns = 1000\n", r"plate format 1000x1000 is larger than"),
        ("pixel_size_um = 1\nrows = 8\n", r"rows and columns must both be given"),
        ("pixel_size_um = 1\nposition_unit = 'mm'\n", r"position_unit must be 'um' or 'px', not 'mm'"),
        ("pixel_size_um = 1\npixelsize = 2\n", r"unknown key\(s\): pixelsize"),
        ("pixel_size_um = = 1\n", r"plate\.toml: not a TOML file"),
        (
            "pixel_size_um = 1\n[[channels]]\nname = 'DAPI'\ncolor = 'blue'\n",
            r"color of channel 1 must be RRGGBB, not 'blue'",
        ),
        ("pixel_size_um = 1\n[[channels]]\nname = 'Hoechst'\n", r"lists no channel 'DAPI'"),
    ],
)
def test_bad_headers_name_the_file(tmp_path, header, message):
    folder = write_synthetic_table(tmp_path / "raw", _small())
    (folder / "plate.toml").write_text(header, encoding="utf-8")
    with pytest.raises(RawPlateError, match=message) as caught:
        read_raw_plate(folder)
    assert str(folder / "plate.toml") in str(caught.value)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda lines: ["file,well,x"] + lines[1:], r"has no y column\(s\) \(its columns: file, well, x\)"),
        (lambda lines: lines[:1], r"lists no images"),
        (lambda lines: lines + ["B01/x.tif,B01,1,zero,0"], r"line \d+: x is not a number: 'zero'"),
        (lambda lines: lines + ["B01/x.tif,B01,1,nan,0"], r"line \d+: x is not a finite number"),
        (lambda lines: lines + ["B01/x.tif,B01,one,0,0"], r"line \d+: field must be an integer, not 'one'"),
        (lambda lines: lines + ["B01/x.tif,B01,1,0,0,-1"], r"line \d+: z -1 is outside 0\.\.9999"),
        (lambda lines: lines + ["B01/x.tif,well 1,1,0,0"], r"line \d+: not a well: 'well 1'"),
        (lambda lines: lines + ["../x.tif,B01,1,0,0"], r"line \d+: file '\.\./x\.tif' is not a path inside"),
        (lambda lines: lines + ["/etc/passwd,B01,1,0,0"], r"line \d+: file '/etc/passwd' is not a path"),
        (lambda lines: lines + ["C:\\x.tif,B01,1,0,0"], r"line \d+: file 'C:\\\\x\.tif' is not a path"),
        (lambda lines: lines + [lines[1]], r"line 3: a second image for the same plane of field 1"),
        (lambda lines: lines + ["a,b,c,d,e,f,g,h,i,j,k"], r"line 3: 11 cells for 10 columns"),
        (lambda lines: ["file,well,x,y,X"] + lines[1:], r"has two columns with the same name"),
    ],
)
def test_bad_tables_name_the_file_and_line(tmp_path, edit, message):
    folder = write_synthetic_table(tmp_path / "raw", _small(fields_yx=(1, 1)))
    table = folder / "plate.csv"
    table.write_text("\n".join(edit(table.read_text(encoding="utf-8").splitlines())) + "\n", encoding="utf-8")
    with pytest.raises(RawPlateError, match=message) as caught:
        read_raw_plate(folder)
    assert str(table) in str(caught.value)


def test_a_link_to_outside_the_folder_is_refused(tmp_path):
    folder = write_synthetic_table(tmp_path / "raw", _small(fields_yx=(1, 1)), tiles="tiff")
    outside = tmp_path / "secret.tif"
    tifffile.imwrite(outside, np.full((36, 48), 7, np.uint16))
    (folder / "B01" / "f1_DAPI_z0_t0.tif").unlink()
    os.symlink(outside, folder / "B01" / "f1_DAPI_z0_t0.tif")
    with pytest.raises(RawPlateError, match=r"line 2: file 'B01/f1_DAPI_z0_t0\.tif' is a link to outside"):
        read_raw_plate(folder)


def test_a_fifo_in_place_of_a_tile_is_missing_not_a_hang(tmp_path):
    folder = write_synthetic_table(tmp_path / "raw", _small(fields_yx=(1, 2)))
    (folder / "B01" / "f1_DAPI_z0_t0.png").unlink()
    os.mkfifo(folder / "B01" / "f1_DAPI_z0_t0.png")
    plate = read_raw_plate(folder)
    assert "1 image file(s) listed in plate.csv are missing on disk: f1_DAPI_z0_t0.png" in plate.warnings


def test_tiles_of_different_pixel_types_are_refused(tmp_path):
    folder = write_synthetic_table(tmp_path / "raw", _small(fields_yx=(1, 2)), tiles="tiff")
    tifffile.imwrite(folder / "B01" / "f2_DAPI_z0_t0.tif", np.zeros((36, 48), np.uint8))
    with pytest.raises(
        RawPlateError, match=r"plate\.csv: lists images of different pixel types \(uint16, uint8\)"
    ):
        read_raw_plate(folder)


def test_a_tile_that_is_not_an_image_names_the_file(tmp_path):
    folder = write_synthetic_table(tmp_path / "raw", _small(fields_yx=(1, 2)))
    bad = folder / "B01" / "f1_DAPI_z0_t0.png"
    bad.write_bytes(b"not a png at all, just some text that is long enough")
    with pytest.raises(RawPlateError, match=r"f1_DAPI_z0_t0\.png: not a PNG image"):
        read_raw_plate(folder)


def test_cli_reports_a_bad_table_in_one_line(tmp_path, capsys):
    folder = write_synthetic_table(tmp_path / "raw", _small())
    (folder / "plate.csv").write_text("file,well\n", encoding="utf-8")
    assert main(["convert", str(folder), str(tmp_path / "out.zarr")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"error: {folder / 'plate.csv'}: has no x, y column(s) (its columns: file, well)"]
