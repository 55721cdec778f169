"""The floor: the least work any converter of a CellVoyager folder has to do.

Reads every TIFF of ``RAW`` once (tifffile) and writes it as one blosc-lz4 chunk
(clevel 5, byte shuffle: the codec our converter and Fractal's use) of a zarr v2
array per well, shape (channel, z, field, y, x). No stitching, no pyramid, no metadata
parsing beyond the file names, no zarr library in the write path (numcodecs + one file
per chunk). Files are processed on ``--threads`` threads (default 2).

    python benchmarks/floor_convert.py RAW OUT.zarr [--threads 2]

Prints one JSON line: {"seconds": wall time, "bytes_written": ..., "files": ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numcodecs
import numpy as np
import tifffile

# plate_B02_T0001F001L01A01Z01C01.tif
NAME = re.compile(r"_([A-Z]+\d+)_T(\d+)F(\d+)L\d+A(\d+)Z(\d+)C(\d+)\.tiff?$", re.IGNORECASE)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    planes = []  # (well, channel, z, field, path)
    for name in sorted(os.listdir(args.raw)):
        match = NAME.search(name)
        if match:
            well, _t, f, _a, z, c = match.groups()
            planes.append((well, int(c) - 1, int(z) - 1, int(f) - 1, args.raw / name))
    if not planes:
        raise SystemExit(f"no CellVoyager TIFFs in {args.raw}")
    first = tifffile.imread(planes[0][4])
    wells = sorted({p[0] for p in planes})
    shape = {w: [0, 0, 0] for w in wells}
    for well, c, z, f, _ in planes:
        s = shape[well]
        s[0], s[1], s[2] = max(s[0], c + 1), max(s[1], z + 1), max(s[2], f + 1)

    if args.out.exists():
        shutil.rmtree(args.out)
    args.out.mkdir(parents=True)
    (args.out / ".zgroup").write_text(json.dumps({"zarr_format": 2}))
    codec = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
    for well in wells:
        (args.out / well).mkdir()
        (args.out / well / ".zarray").write_text(
            json.dumps(
                {
                    "zarr_format": 2,
                    "shape": shape[well] + list(first.shape),
                    "chunks": [1, 1, 1, *first.shape],
                    "dtype": first.dtype.str,
                    "compressor": codec.get_config(),
                    "fill_value": 0,
                    "order": "C",
                    "filters": None,
                    "dimension_separator": "/",
                }
            )
        )

    def one(plane: tuple) -> int:
        well, c, z, f, path = plane
        image = np.ascontiguousarray(tifffile.imread(path))
        data = codec.encode(image)
        chunk = args.out / well / str(c) / str(z) / str(f) / "0" / "0"
        chunk.parent.mkdir(parents=True, exist_ok=True)
        chunk.write_bytes(data)
        return len(data)

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        written = sum(pool.map(one, planes))
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "bytes_written": written, "files": len(planes)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
