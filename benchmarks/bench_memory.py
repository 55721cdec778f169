"""Peak memory of a conversion is bounded by the well planes in flight, not by the well.

Writes (once, outside the repository) a raw CellVoyager folder with ONE well of the seed
layout's size: 9 x 8 fields of 2160 x 2560 uint16 (a 19440 x 20480 well plane, 0.8 GB),
with PLANES planes of one channel, converts it with 1 and 2 workers in fresh processes,
and reports peak RSS. The seed's full well (42 planes x 3 channels = 126 planes, ~100 GB)
has the same per-plane work, so its peak RSS is the same as here; only time grows.

    .venv/bin/python benchmarks/bench_memory.py [--data /work/bench-data] [--planes 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec
from napari_hcs_zarr.raw.yokogawa import write_synthetic_cellvoyager


def child(raw: str, out: str, workers: int) -> None:
    from napari_hcs_zarr.convert import ConversionOptions, convert_plate

    started = time.perf_counter()
    summary = convert_plate(raw, out, ConversionOptions(overwrite=True, workers=workers))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "seconds": time.perf_counter() - started,
                "peak_rss_mb": peak_mb,
                "levels": summary.levels,
                "planes": summary.planes_written,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/bench-data"))
    parser.add_argument("--planes", type=int, default=3)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return
    spec = SyntheticPlateSpec(
        wells=["B03"],
        fields_yx=(9, 8),
        field_shape=(2160, 2560),
        channels=1,
        z_count=args.planes,
        name="seed-well",
    )
    raw = args.data / f"seed-well-9x8-2160x2560-z{args.planes}"
    if not (raw / "MeasurementData.mlf").is_file():
        print(f"writing {raw} ...", flush=True)
        write_synthetic_cellvoyager(raw, spec)
    raw_bytes = sum(p.stat().st_size for p in raw.glob("*.tif"))
    plane_mb = 19440 * 20480 * 2 / 2**20
    print(
        f"input: 1 well, 72 fields of 2160x2560, {args.planes} planes: {raw_bytes / 2**30:.2f} GiB; "
        f"one stitched plane = {plane_mb:.0f} MiB"
    )
    out = args.data / "seed-well-out.zarr"
    rows = []
    for workers in (1, 2):
        result = subprocess.run(
            [sys.executable, __file__, "--child", str(raw), str(out), str(workers)],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        rows.append((workers, figures))
        print(
            f"workers={workers}: {figures['seconds']:.1f} s, peak RSS {figures['peak_rss_mb']:.0f} MiB "
            f"= {figures['peak_rss_mb'] / plane_mb:.2f} planes, {figures['levels']} levels",
            flush=True,
        )
    shutil.rmtree(out, ignore_errors=True)
    print(f"machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
