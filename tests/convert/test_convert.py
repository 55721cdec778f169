"""The converter: exact stitching and pyramid, metadata validated by peers, errors, resume."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pytest
import zarr

from helpers import (
    SMALL_SPEC,
    assert_same_plate,
    expected_well,
    open_root,
    reference_downsample,
    requires,
    tree_digest,
)
from napari_hcs_zarr.convert import ConversionOptions, convert_plate, is_resumable, iter_convert
from napari_hcs_zarr.convert.journal import JOURNAL_PREFIX as JOURNAL_DIR
from napari_hcs_zarr.errors import ConversionCancelled, OutputError, RawPlateError
from napari_hcs_zarr.raw import read_raw_plate
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec, expected_pixels


def test_stitched_levels_are_exact(small_raw, small_plate):
    plate = read_raw_plate(small_raw)
    root = open_root(small_plate)
    for well in plate.wells:
        image = root[f"{well.path}/0"]
        for t in range(plate.time_count):
            for c in range(len(plate.channels)):
                for z in range(well.z_count):
                    expected = expected_well(plate, well, t, c, z)
                    for level in range(3):
                        stored = image[str(level)][t, c, z]
                        np.testing.assert_array_equal(stored, expected, err_msg=f"{well.name} L{level}")
                        expected = reference_downsample(expected)


def test_layout_chunks_and_shapes(small_raw, small_plate):
    plate = read_raw_plate(small_raw)
    root = open_root(small_plate)
    b04 = root["B/04/0"]
    fh, fw = SMALL_SPEC.field_shape
    # 2x3 fields of 96x128 overlapping by 5 px: 96+91 x 128+2*123.
    assert b04["0"].shape == (2, 2, 3, 187, 374)
    assert b04["0"].chunks == (1, 1, 1, fh, fw)
    assert b04["1"].shape == (2, 2, 3, 93, 187)
    assert b04["2"].shape == (2, 2, 3, 46, 93)
    assert b04["2"].chunks == (1, 1, 1, 46, 93)  # a whole well plane in one chunk
    assert root["B/02/0/0"].shape[2] == 2  # Z differs per well
    assert [w.z_count for w in plate.wells] == [2, 3, 2]


@requires("ome_zarr_models")
def test_metadata_validates_with_ome_zarr_models(small_plate):
    from ome_zarr_models import v04, v05

    version = "0.5" if (small_plate / "zarr.json").exists() else "0.4"
    if version == "0.4":
        hcs = v04.HCS.from_zarr(zarr.open_group(small_plate, mode="r", zarr_format=2))
    else:
        hcs = v05.HCS.from_zarr(zarr.open_group(small_plate, mode="r", zarr_format=3))
    attrs = hcs.attributes if version == "0.4" else hcs.attributes.ome
    plate = attrs.plate
    assert [r.name for r in plate.rows] == list("ABCDEFGH")
    assert len(plate.columns) == 12
    for well in plate.wells:
        row, column = well.path.split("/")
        assert plate.rows[well.rowIndex].name == row
        assert plate.columns[well.columnIndex].name == column
    assert sorted(w.path for w in plate.wells) == ["B/02", "B/04", "D/03"]


def test_metadata_content(small_plate):
    root = open_root(small_plate)
    attrs = root["B/02/0"].attrs.asdict()
    ome = attrs.get("ome", attrs)
    multiscales = ome["multiscales"][0]
    assert [a["name"] for a in multiscales["axes"]] == ["t", "c", "z", "y", "x"]
    assert multiscales["axes"][-1]["unit"] == "micrometer"
    scales = [d["coordinateTransformations"][0]["scale"] for d in multiscales["datasets"]]
    assert scales == [[1.0, 1.0, 2.0, 0.65 * 2**k, 0.65 * 2**k] for k in range(3)]
    channels = ome["omero"]["channels"]
    assert [(c["label"], c["color"], c["wavelength_id"]) for c in channels] == [
        ("405", "002FFF", "A01_C01"),
        ("488", "00FFA1", "A02_C02"),
    ]
    for channel in channels:
        window = channel["window"]
        assert 0 <= window["start"] < window["end"] <= 65535
        assert window["end"] > 2500  # the bright cells are inside the window
    root_attrs = root.attrs.asdict()
    plate = root_attrs.get("ome", root_attrs)["plate"]
    assert plate["field_count"] == 1 and plate["name"] == "small"
    assert plate["acquisitions"] == [{"id": 0, "name": "small", "maximumfieldcount": 1}]
    assert (small_plate / "raw_metadata" / "MeasurementData.mlf").is_file()
    assert not (small_plate / JOURNAL_DIR).exists()
    consolidated = small_plate / (".zmetadata" if (small_plate / ".zgroup").exists() else "zarr.json")
    assert "B/04/0/2" in consolidated.read_text()


def test_roi_tables_read_with_anndata(small_plate):
    import anndata as ad

    table = ad.read_zarr(small_plate / "B" / "04" / "0" / "tables" / "FOV_ROI_table")
    frame = table.to_df()
    assert list(frame.index) == [f"FOV_{i}" for i in range(1, 7)]
    assert frame.dtypes.unique().tolist() == [np.float32]
    np.testing.assert_allclose(frame["x_micrometer"], np.array([0, 123, 246] * 2) * 0.65, rtol=1e-6)
    np.testing.assert_allclose(frame["y_micrometer"], np.array([0] * 3 + [91] * 3) * 0.65, rtol=1e-6)
    np.testing.assert_allclose(frame["len_z_micrometer"], 3 * 2.0)
    well = ad.read_zarr(small_plate / "B" / "04" / "0" / "tables" / "well_ROI_table").to_df()
    np.testing.assert_allclose(well.loc["well_1", "len_x_micrometer"], 374 * 0.65, rtol=1e-6)
    attrs = zarr.open_group(small_plate / "B" / "04" / "0" / "tables" / "FOV_ROI_table").attrs
    assert attrs["type"] == "roi_table" and attrs["fractal_table_version"] == "1"


@requires("ome_zarr")
def test_ome_zarr_py_reads_wells_and_a_uniform_plate(small_raw, small_plate, tmp_path):
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader

    # Every well image, as a multiscale image.
    for well in ("B/02", "B/04", "D/03"):
        node = next(iter(Reader(parse_url(str(small_plate / well / "0")))()))
        stored = zarr.open_array(small_plate / well / "0" / "2")
        np.testing.assert_array_equal(np.asarray(node.data[2]), stored[...])
    # ome-zarr-py's plate reader needs equal Z in all wells (it fails on B04's 3 planes,
    # which is why this project has its own reader): a plate of two 2-plane wells.
    version = "0.5" if (small_plate / "zarr.json").exists() else "0.4"
    uniform = tmp_path / "uniform.zarr"
    convert_plate(small_raw, uniform, ConversionOptions(levels=3, wells=["B02", "D03"], ngff=version))
    nodes = list(Reader(parse_url(str(uniform)))())
    plate_data = nodes[0].data
    assert plate_data[0].ndim == 5 and plate_data[0].shape[2] == 2


def test_raw_folder_is_never_modified(make_raw, tmp_path):
    folder = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 2), field_shape=(32, 32)))
    before = tree_digest(folder)
    convert_plate(folder, tmp_path / "out.zarr")
    assert tree_digest(folder) == before


def test_missing_image_becomes_zeros_with_warning(make_raw, tmp_path):
    spec = SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 2), field_shape=(16, 16), channels=1, z_count=1)
    folder = make_raw(spec)
    (sorted(folder.glob("*F002*.tif"))[0]).unlink()
    summary = convert_plate(folder, tmp_path / "out.zarr", ConversionOptions(levels=1))
    assert any("missing on disk" in w for w in summary.warnings)
    plane = zarr.open_array(tmp_path / "out.zarr" / "B" / "02" / "0" / "0")[0, 0]
    assert (plane[:, 16:] == 0).all()
    y, x = np.mgrid[0:16, 0:16]
    np.testing.assert_array_equal(plane[:, :16], expected_pixels("B02", 0, 0, 0, y, x))


def test_corrupt_image_fails_naming_the_file(make_raw, tmp_path):
    spec = SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 2), field_shape=(16, 16), channels=1, z_count=1)
    folder = make_raw(spec)
    victim = sorted(folder.glob("*F002*.tif"))[0]
    victim.write_bytes(b"II*\x00garbage")
    with pytest.raises(RawPlateError, match="unreadable image") as error:
        convert_plate(folder, tmp_path / "out.zarr")
    assert victim.name in str(error.value)
    # Nothing half-written looks complete: no plate metadata.
    attrs = json.loads((tmp_path / "out.zarr" / ".zattrs").read_text() or "{}")
    assert "plate" not in attrs


def test_output_checks(small_raw, tmp_path):
    with pytest.raises(OutputError, match="inside the raw folder"):
        convert_plate(small_raw, small_raw / "out.zarr")
    out = tmp_path / "out.zarr"
    convert_plate(small_raw, out, ConversionOptions(levels=1, wells=["B02"]))
    with pytest.raises(OutputError, match="already exists"):
        convert_plate(small_raw, out, ConversionOptions(levels=1))
    convert_plate(small_raw, out, ConversionOptions(levels=1, overwrite=True, wells=["D03"]))
    assert sorted(p.name for p in (out / "D").iterdir() if p.is_dir()) == ["03"]
    assert not (out / "B").exists()
    stranger = tmp_path / "documents"
    stranger.mkdir()
    (stranger / "thesis.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not a zarr plate"):
        convert_plate(small_raw, stranger, ConversionOptions(overwrite=True))
    assert (stranger / "thesis.txt").exists()


def test_cancel_then_resume_equals_uninterrupted(small_raw, tmp_path):
    reference = tmp_path / "reference.zarr"
    convert_plate(small_raw, reference, ConversionOptions(levels=3))
    out = tmp_path / "interrupted.zarr"
    events = iter_convert(small_raw, out, ConversionOptions(levels=3, workers=1))
    for event in events:
        if event.done >= 5:
            break
    events.close()
    assert (out / JOURNAL_DIR).is_dir()
    assert "plate" not in json.loads((out / ".zattrs").read_text())
    with pytest.raises(OutputError, match="already exists"):
        convert_plate(small_raw, out, ConversionOptions(levels=3))
    summary = convert_plate(small_raw, out, ConversionOptions(levels=3, resume=True))
    assert summary.planes_resumed >= 5
    assert_same_plate(reference, out)


def test_should_stop_cancels(small_raw, tmp_path):
    with pytest.raises(ConversionCancelled):
        convert_plate(small_raw, tmp_path / "x.zarr", ConversionOptions(levels=2), should_stop=lambda: True)


def test_a_stop_after_the_last_event_keeps_the_finished_plate(small_raw, tmp_path):
    messages = []
    summary = convert_plate(
        small_raw,
        tmp_path / "x.zarr",
        ConversionOptions(levels=2),
        progress=lambda event: messages.append(event.message),
        should_stop=lambda: messages[-1] == "done",  # Cancel pressed as the plate completes
    )
    assert summary.planes_written > 0
    assert not is_resumable(tmp_path / "x.zarr")
    assert "plate" in json.loads((tmp_path / "x.zarr" / ".zattrs").read_text())


def test_a_journal_without_its_plan_is_not_resumable(tmp_path):
    (tmp_path / "x.zarr" / JOURNAL_DIR / "done").mkdir(parents=True)  # killed before the plan
    assert not is_resumable(tmp_path / "x.zarr")
    (tmp_path / "x.zarr" / JOURNAL_DIR / "plan.json").write_text("{}")
    assert is_resumable(tmp_path / "x.zarr")


def test_resume_refuses_other_settings(small_raw, tmp_path):
    out = tmp_path / "x.zarr"
    events = iter_convert(small_raw, out, ConversionOptions(levels=3, workers=1))
    next(events), next(events), next(events)
    events.close()
    with pytest.raises(OutputError, match="levels"):
        convert_plate(small_raw, out, ConversionOptions(levels=2, resume=True))


@requires("ome_zarr_models")
def test_real_cv8000_converts(cv8000_folder, tmp_path):
    from ome_zarr_models import v04

    out = tmp_path / "cv8000.zarr"
    summary = convert_plate(cv8000_folder, out, ConversionOptions(levels=3))
    assert summary.wells == 3 and summary.planes_written == 3 * 2 * 4
    v04.HCS.from_zarr(zarr.open_group(out, mode="r", zarr_format=2))
    level0 = zarr.open_array(out / "D" / "08" / "0" / "0")
    assert level0.shape == (2, 4, 4000, 4000)
    assert level0.chunks == (1, 1, 2000, 2000)
    ome = zarr.open_group(out / "D" / "08" / "0").attrs.asdict()
    assert ome["multiscales"][0]["datasets"][0]["coordinateTransformations"][0]["scale"] == [
        1.0,
        3.0,
        0.325,
        0.325,
    ]


@dataclass(frozen=True)
class CroppedPlane:
    """A plane loader giving the top-left ``shape`` of another loader's image."""

    loader: object
    shape: tuple[int, int]

    @property
    def source(self) -> str:
        return self.loader.source

    def load(self) -> np.ndarray:
        return self.loader.load()[: self.shape[0], : self.shape[1]]


def test_fields_of_different_sizes_stitch_exactly(small_raw, tmp_path):
    """One field smaller than the others (a plate is not bound to one camera size): the
    well keeps its bounding box, the small field covers only its own pixels."""
    plate = read_raw_plate(small_raw)
    well = plate.wells[0]
    small = well.fields[-1]  # the bottom-right field: the well's extent shrinks with it
    small.shape = (small.shape[0] - 10, small.shape[1] - 30)
    small.planes = {key: CroppedPlane(loader, small.shape) for key, loader in small.planes.items()}
    out = tmp_path / "mixed.zarr"
    convert_plate(plate, out, ConversionOptions(levels=2, workers=2))
    root = open_root(out)
    assert root[f"{well.path}/0/0"].shape[-2:] == well.image_shape_yx
    for c in range(len(plate.channels)):
        expected = expected_well(plate, well, 0, c, 0)
        np.testing.assert_array_equal(root[f"{well.path}/0/0"][0, c, 0], expected)
        np.testing.assert_array_equal(root[f"{well.path}/0/1"][0, c, 0], reference_downsample(expected))


@dataclass(frozen=True)
class SignedPlane:
    """A plane loader giving a signed image with negative values: the loaded image less 3000."""

    loader: object
    dtype: str

    @property
    def source(self) -> str:
        return self.loader.source

    def load(self) -> np.ndarray:
        return (self.loader.load().astype(np.int64) - 3000).astype(self.dtype)


@pytest.mark.parametrize("dtype", ["int16", "int32"])
def test_signed_pixels_with_negative_values_convert_exactly(small_raw, tmp_path, dtype):
    plate = read_raw_plate(small_raw).select_wells(["B02"])
    plate.dtype = np.dtype(dtype)
    for fov in plate.wells[0].fields:
        fov.planes = {key: SignedPlane(loader, dtype) for key, loader in fov.planes.items()}
    out = tmp_path / "signed.zarr"
    convert_plate(plate, out, ConversionOptions(levels=3, workers=2))
    root = open_root(out)
    well = plate.wells[0]
    expected = (expected_well(plate, well, 1, 1, 0).astype(np.int64) - 3000).astype(dtype)
    covered = expected_well(plate, well, 1, 1, 0) > 0
    expected[~covered] = 0  # uncovered pixels stay at the fill value
    stored = root[f"{well.path}/0/0"][1, 1, 0]
    assert stored.dtype == np.dtype(dtype) and stored.min() < 0
    np.testing.assert_array_equal(stored, expected)
    np.testing.assert_array_equal(root[f"{well.path}/0/1"][1, 1, 0], reference_downsample(expected))
    window = root[well.path]["0"].attrs["omero"]["channels"][1]["window"]
    info = np.iinfo(dtype)
    assert (window["min"], window["max"]) == (info.min, info.max)
    # The window holds the plane's values: about -3000 + 200.. up to the bright cells.
    assert info.min < window["start"] < 0 < window["end"] < info.max
