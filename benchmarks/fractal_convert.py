"""Convert a CellVoyager folder with Fractal's converter (fractal-tasks-core 1.6.0).

Runs in its own venv, because fractal-tasks-core pins zarr 2 (see benchmarks/README.md):

    python3 -m venv /work/bench-venvs/fractal
    /work/bench-venvs/fractal/bin/pip install "fractal-tasks-core==1.6.0" scikit-image
    /work/bench-venvs/fractal/bin/python benchmarks/fractal_convert.py RAW OUT_DIR --levels 5

The init task parses the metadata and creates one OME-Zarr image per well (FOVs laid out
on a grid, no pyramid data yet); the compute task fills one well: one dask
``to_zarr`` per field of view and channel, then ``build_pyramid`` reads level 0 back
and writes the coarser levels. Fractal runs one compute task per well; by default
(``--parallel 1``) they run one after another in this process, as its local runner
does with one job slot. ``--parallel N`` runs N wells at once in N processes.

Prints one JSON line: {"seconds": conversion wall time, "bytes_written": ...}.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def _channel_ids(raw: Path) -> list[str]:
    """The wavelength ids (``A01_C01``...) of the images in ``raw``, from their file names."""
    ids = set()
    for name in os.listdir(raw):
        if name.lower().endswith(".tif"):
            stem = name.rsplit("_", 1)[-1]  # T0001F001L01A01Z01C01.tif
            a = stem[stem.index("A") : stem.index("A") + 3]
            c = stem[stem.index("Z") + 3 : stem.index("Z") + 6]
            ids.add(f"{a}_{c}")
    return sorted(ids)


def _compute(item: dict) -> None:
    from fractal_tasks_core.tasks.cellvoyager_to_ome_zarr_compute import (
        cellvoyager_to_ome_zarr_compute,
    )
    from fractal_tasks_core.tasks.io_models import InitArgsCellVoyager

    cellvoyager_to_ome_zarr_compute(
        zarr_url=item["zarr_url"], init_args=InitArgsCellVoyager(**item["init_args"])
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("out_dir", type=Path, help="Fractal's zarr_dir (the plate goes inside)")
    parser.add_argument("--levels", type=int, default=5)
    parser.add_argument("--parallel", type=int, default=1, help="wells converted at once")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # Fractal logs every chunk at INFO

    from fractal_tasks_core.channels import OmeroChannel
    from fractal_tasks_core.tasks.cellvoyager_to_ome_zarr_init import (
        cellvoyager_to_ome_zarr_init,
    )

    if args.out_dir.exists():
        shutil.rmtree(args.out_dir)
    args.out_dir.mkdir(parents=True)
    started = time.perf_counter()
    result = cellvoyager_to_ome_zarr_init(
        zarr_dir=str(args.out_dir),
        image_dirs=[str(args.raw)],
        allowed_channels=[OmeroChannel(wavelength_id=w) for w in _channel_ids(args.raw)],
        num_levels=args.levels,
        coarsening_xy=2,
        image_extension="tif",
        overwrite=True,
    )
    items = result["parallelization_list"]
    init_seconds = time.perf_counter() - started
    if args.parallel <= 1:
        for item in items:
            _compute(item)
    else:
        with ProcessPoolExecutor(max_workers=args.parallel) as pool:
            list(pool.map(_compute, items))
    seconds = time.perf_counter() - started
    written = sum(p.stat().st_size for p in args.out_dir.rglob("*") if p.is_file())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "init_seconds": init_seconds,
                "bytes_written": written,
                "wells": len(items),
            }
        )
    )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
