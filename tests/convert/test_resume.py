"""A conversion killed with SIGKILL at any stage, then resumed, ends with the very plate an
uninterrupted run writes: the same files with the same bytes, chunk by chunk.

The converter runs in a child process that reports every progress event, and every
completing metadata document it writes, then waits for the test's answer: the test lets it
go on, or kills it right there. So the kill points are exact: after the first well plane,
halfway, before the completing metadata, and after the first completing document (a plate
half finished). Until it is resumed, the killed plate must not look finished.
"""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from napari_hcs_zarr.convert import ConversionOptions, convert_plate
from napari_hcs_zarr.convert.journal import JOURNAL_PREFIX as JOURNAL_DIR
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec

SPEC = SyntheticPlateSpec(
    wells=["B02", "B03", "C02"], fields_yx=(2, 2), field_shape=(128, 128), z_count=6, gap_px=-3
)

CHILD = """
import sys
from napari_hcs_zarr.convert import ConversionOptions, iter_convert
from napari_hcs_zarr.store.plate_writer import HierarchyWriter

def report(done, total, message):
    print(done, total, message, sep="\\t", flush=True)
    sys.stdin.readline()  # the test answers, or kills the process while it waits here

set_group_attributes = HierarchyWriter.set_group_attributes

def reporting_set_group_attributes(self, *args, **kwargs):
    set_group_attributes(self, *args, **kwargs)
    report(-1, -1, "wrote completing metadata")

HierarchyWriter.set_group_attributes = reporting_set_group_attributes
raw, out, ngff = sys.argv[1:4]
for event in iter_convert(raw, out, ConversionOptions(levels=3, workers=1, ngff=ngff)):
    report(event.done, event.total, event.message)
"""


def _planes_done_at_least(fraction: float):
    def reached(done: int, total: int, message: str) -> bool:
        return message == "writing well planes" and done >= max(1, int(total * fraction))

    return reached


KILL_POINTS = {
    "after the first plane": _planes_done_at_least(0.0),
    "halfway": _planes_done_at_least(0.5),
    "before the completing metadata": lambda done, total, message: message == "writing plate metadata",
    "after the first completing document": lambda done, total, message: message.startswith("wrote"),
}


def file_digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha1(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def root_attributes(plate: Path) -> dict:
    if (plate / "zarr.json").is_file():
        return json.loads((plate / "zarr.json").read_text()).get("attributes", {})
    return json.loads((plate / ".zattrs").read_text()) if (plate / ".zattrs").is_file() else {}


@pytest.fixture(scope="module")
def raw_and_references(tmp_path_factory):
    from napari_hcs_zarr.raw.yokogawa import write_synthetic_cellvoyager

    root = tmp_path_factory.mktemp("resume")
    raw = write_synthetic_cellvoyager(root / "raw", SPEC)
    references = {}
    for ngff in ("0.4", "0.5"):
        references[ngff] = root / f"reference-{ngff}.zarr"
        convert_plate(raw, references[ngff], ConversionOptions(levels=3, ngff=ngff))
    return raw, references


@pytest.mark.parametrize("ngff", ["0.4", "0.5"])
@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
def test_sigkill_then_resume_writes_the_same_files(raw_and_references, tmp_path, ngff, kill_point):
    raw, references = raw_and_references
    out = tmp_path / "killed.zarr"
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(raw), str(out), ngff],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    planes_done, killed = 0, False
    for line in process.stdout:
        done, total, message = line.rstrip("\n").split("\t")
        planes_done = max(planes_done, int(done))
        if KILL_POINTS[kill_point](int(done), int(total), message):
            process.send_signal(signal.SIGKILL)
            killed = True
            break
        process.stdin.write("\n")
        process.stdin.flush()
    process.wait()
    process.stdout.close()
    process.stdin.close()
    assert killed, "the conversion ended before the kill point"
    assert process.returncode == -signal.SIGKILL
    # Nothing half-written looks complete.
    assert (out / JOURNAL_DIR).is_dir()
    assert "plate" not in json.dumps(root_attributes(out))
    with pytest.raises(Exception, match="already exists"):
        convert_plate(raw, out, ConversionOptions(levels=3, ngff=ngff))

    summary = convert_plate(raw, out, ConversionOptions(levels=3, ngff=ngff, resume=True))
    assert summary.planes_resumed >= planes_done - 1  # all but the plane in flight
    assert not (out / JOURNAL_DIR).exists()
    expected, written = file_digests(references[ngff]), file_digests(out)
    assert written.keys() == expected.keys()
    assert [name for name in expected if written[name] != expected[name]] == []
