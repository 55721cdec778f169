"""The command line, end to end in a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "napari_hcs_zarr", *map(str, args)], capture_output=True, text=True
    )


def test_convert_prints_summary_and_writes_plate(small_raw, tmp_path):
    out = tmp_path / "cli.zarr"
    result = run_cli("convert", small_raw, out, "--levels", "2", "--wells", "B02,D3", "--workers", "2")
    assert result.returncode == 0, result.stderr
    assert "wells: 2 (B02, D03)" in result.stdout  # what was found, of the wells asked for
    assert "fields per well: 6 of 128x96 px" in result.stdout
    assert "channels: 2: 405 (A01_C01), 488 (A02_C02)" in result.stdout
    assert "planes: 2 " in result.stdout and "time points: 2" in result.stdout
    assert "Wrote" in result.stdout and "2 wells" in result.stdout  # what was written
    # Captured (no terminal): one line per step of the progress, none twice.
    steps = result.stderr.strip().splitlines()
    assert steps[0] == "0/1 creating arrays" and steps[-1].endswith(" done")
    assert len(steps) == len(set(steps)) and any(line.endswith("writing well planes") for line in steps)
    wells = json.loads((out / ".zattrs").read_text())["plate"]["wells"]
    assert [w["path"] for w in wells] == ["B/02", "D/03"]


def test_convert_ngff_05(small_raw, tmp_path):
    out = tmp_path / "cli5.zarr"
    result = run_cli("convert", small_raw, out, "--levels", "2", "--ngff", "0.5")
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "zarr.json").read_text())["attributes"]["ome"]["version"] == "0.5"


def test_convert_shard_chunks(small_raw, tmp_path):
    out = tmp_path / "cli-shards.zarr"
    result = run_cli("convert", small_raw, out, "--levels", "2", "--ngff", "0.5", "--shard-chunks", "1")
    assert result.returncode == 0, result.stderr
    level0 = json.loads((out / "B" / "02" / "0" / "0" / "zarr.json").read_text())
    inner = level0["codecs"][0]["configuration"]["chunk_shape"]
    assert level0["chunk_grid"]["configuration"]["chunk_shape"] == inner  # one chunk per shard


def test_errors_are_one_line_naming_the_file(make_raw, tmp_path):
    missing = run_cli("convert", tmp_path / "nowhere", tmp_path / "x.zarr")
    assert missing.returncode == 2
    assert missing.stderr.startswith("error: ") and "nowhere" in missing.stderr
    assert "Traceback" not in missing.stderr

    raw = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 1), field_shape=(8, 8)))
    (raw / "MeasurementDetail.mrf").write_text("<broken")
    broken = run_cli("convert", raw, tmp_path / "y.zarr")
    assert broken.returncode == 2 and "MeasurementDetail.mrf" in broken.stderr
    assert "malformed" in broken.stderr

    raw = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 1), field_shape=(8, 8)), "ok")
    out = tmp_path / "z.zarr"
    assert run_cli("convert", raw, out).returncode == 0
    again = run_cli("convert", raw, out)
    assert again.returncode == 2 and "already exists" in again.stderr and str(out) in again.stderr
    inside = run_cli("convert", raw, raw / "inside.zarr")
    assert inside.returncode == 2 and "inside the raw folder" in inside.stderr
    unknown = run_cli("convert", raw, tmp_path / "w.zarr", "--wells", "H12")
    assert unknown.returncode == 2 and "H12" in unknown.stderr


def test_a_bad_number_in_the_metadata_is_one_line_naming_the_file(make_raw, tmp_path):
    raw = make_raw(SyntheticPlateSpec(wells=["B02"], fields_yx=(1, 1), field_shape=(32, 32), z_count=2))
    mlf = raw / "MeasurementData.mlf"
    mlf.write_text(mlf.read_text().replace('bts:Z="2.0"', 'bts:Z="two"', 1))
    result = run_cli("convert", raw, tmp_path / "out.zarr")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"error: {mlf}: Z is not a number: 'two'"
    assert "Traceback" not in result.stderr


def test_an_imagexpress_folder_converts_with_wells_ngff_05_and_resume(tmp_path):
    from napari_hcs_zarr.convert import ConversionOptions, iter_convert
    from napari_hcs_zarr.raw.imagexpress import write_synthetic_imagexpress

    spec = SyntheticPlateSpec(wells=["B02", "C03", "D04"], fields_yx=(2, 2), field_shape=(48, 64), z_count=2)
    raw = write_synthetic_imagexpress(tmp_path / "ix", spec)
    out = tmp_path / "ix.zarr"
    options = ConversionOptions(levels=2, ngff="0.5", wells=["B02", "D04"], workers=1)
    events = iter_convert(raw, out, options)
    for _ in range(4):  # creating arrays, planes to write, two planes
        next(events)
    events.close()  # interrupted
    result = run_cli("convert", raw, out, "--levels", "2", "--ngff", "0.5", "--wells", "B2,D4", "--resume")
    assert result.returncode == 0, result.stderr
    assert "ImageXpress plate 'synthetic-plate'" in result.stdout and "wells: 2 (B02, D04)" in result.stdout
    assert "from the interrupted run" in result.stdout
    document = json.loads((out / "zarr.json").read_text())
    assert [w["path"] for w in document["attributes"]["ome"]["plate"]["wells"]] == ["B/02", "D/04"]
    assert (out / "B/02/0/tables/FOV_ROI_table").is_dir()


def test_quiet_prints_only_the_result(small_raw, tmp_path):
    result = run_cli("convert", small_raw, tmp_path / "q.zarr", "--levels", "1", "-q")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("Wrote ") and "wells:" not in result.stdout
