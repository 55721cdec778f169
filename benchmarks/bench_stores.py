"""The local fast path against zarr's own LocalStore, for writing and for reading a plate.

    .venv/bin/python benchmarks/bench_stores.py --repeats 7

The same code runs over both: a plain path opens a ``LocalPlateStore`` (plain file calls),
a ``zarr.storage.LocalStore`` opens a ``ZarrPlateStore`` (zarr's async store API). Measured
in fresh processes, alternating, after the machine is quiet:

- conversion of the bench_convert.py input (NGFF 0.4 and 0.5, 2 workers);
- opening the 384-well plate of make_plates.py (metadata) and reading its overview (the
  coarsest level of one channel: one chunk per well).

Prints medians and the zarr-store / fast-path ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_convert import DEFAULT_DATA, ensure_dataset  # noqa: E402
from machine import wait_for_quiet  # noqa: E402

CONVERT = """
import json, sys, time
import zarr.storage
from napari_hcs_zarr import ConversionOptions, convert_plate
raw, out, ngff, kind = sys.argv[1:5]
target = out if kind == "fast path" else zarr.storage.LocalStore(out)
started = time.perf_counter()
convert_plate(raw, target, ConversionOptions(levels=5, ngff=ngff, workers=2))
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

READ = """
import json, sys, time
import zarr.storage
from napari_hcs_zarr import open_plate
plate, kind = sys.argv[1:3]
target = plate if kind == "fast path" else zarr.storage.LocalStore(plate, read_only=True)
started = time.perf_counter()
model = open_plate(target)
opened = time.perf_counter()
level = model.image_levels(0)[-1]
level[(0,) * (level.ndim - 2)]
print(json.dumps({"open": opened - started, "overview": time.perf_counter() - opened}))
"""


def run(code: str, *args: str) -> dict:
    os.sync()
    wait_for_quiet(timeout=120.0)
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args(argv)
    kinds = ("fast path", "zarr LocalStore")
    raw = ensure_dataset(args.data)
    scratch = Path(tempfile.mkdtemp(prefix="bench-stores-"))
    rows = []
    for ngff in ("0.4", "0.5"):
        seconds: dict[str, list[float]] = {k: [] for k in kinds}
        for _ in range(args.repeats):
            for kind in kinds:
                out = scratch / "plate.zarr"
                shutil.rmtree(out, ignore_errors=True)
                seconds[kind].append(run(CONVERT, str(raw), str(out), ngff, kind)["seconds"])
        rows.append((f"convert, NGFF {ngff}", {k: statistics.median(v) for k, v in seconds.items()}))
    plate = args.data / "plates" / "plate-384.zarr"
    if plate.is_dir():
        reads: dict[str, list[dict]] = {k: [] for k in kinds}
        for _ in range(args.repeats):
            for kind in kinds:
                reads[kind].append(run(READ, str(plate), kind))
        for figure in ("open", "overview"):
            medians = {k: statistics.median(r[figure] for r in v) for k, v in reads.items()}
            rows.append((f"384-well plate: {figure}", medians))
    else:
        print(f"({plate} missing: run benchmarks/make_plates.py for the read figures)")
    shutil.rmtree(scratch)
    print("| what | fast path s | zarr LocalStore s | zarr / fast path |")
    print("|---|---:|---:|---:|")
    for what, medians in rows:
        fast, store = medians["fast path"], medians["zarr LocalStore"]
        print(f"| {what} | {fast:.3f} | {store:.3f} | {store / fast:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
