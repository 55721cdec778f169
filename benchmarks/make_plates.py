"""Write the benchmark plates of ``bench_reader.py`` (once; cached outside the repo).

Each plate is an OME-NGFF 0.4 (zarr v2) HCS plate written with zarr directly: every
well of the plate format is occupied by one field of 3 channels x 1 z, uint16, stored
with blosc-lz4 and a pyramid of mean-downsampled levels. Chunks are 512 x 512 (1024 px
wells) or 256 x 256 (512 and 256 px wells) per channel and plane, so every level whose
plane fits is one chunk per well, channel and plane ("chunk = whole well plane at the
low levels"). Pixels are a smooth ramp with a per-well offset plus 4 bits of noise, so
they compress like a dim camera image (about 3x), not like zeros.

No consolidated metadata is written (ome-zarr-py does not write it either). A
``<name>-consolidated.zarr`` sibling holds the same plate with a root ``.zmetadata``: its
root metadata files are its own, everything else is a symlink into the plain plate.

    .venv/bin/python benchmarks/make_plates.py                 # all three plates
    .venv/bin/python benchmarks/make_plates.py --plates 384
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import string
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numcodecs
import numpy as np
import zarr

DEFAULT_ROOT = Path("/work/bench-data/plates")
CHANNELS = [("DAPI", "0000FF"), ("GFP", "00FF00"), ("Cy5", "FF0000")]
FORMAT_VERSION = 1  # bump when the layout changes, so cached plates are rewritten


@dataclass(frozen=True)
class PlateSpec:
    name: str
    rows: int
    columns: int
    well_px: int
    levels: int
    chunk_px: int

    @property
    def wells(self) -> int:
        return self.rows * self.columns

    def row_names(self) -> list[str]:
        letters = string.ascii_uppercase
        return [letters[i] if i < 26 else "A" + letters[i - 26] for i in range(self.rows)]

    def column_names(self) -> list[str]:
        width = 2
        return [str(c + 1).zfill(width) for c in range(self.columns)]


PLATES = {
    "96": PlateSpec("plate-96", 8, 12, 1024, 4, 512),
    "384": PlateSpec("plate-384", 16, 24, 512, 4, 256),
    "1536": PlateSpec("plate-1536", 32, 48, 256, 4, 256),
}


def plate_path(root: Path, spec: PlateSpec, consolidated: bool = False) -> Path:
    return root / (f"{spec.name}-consolidated.zarr" if consolidated else f"{spec.name}.zarr")


def _level_planes(spec: PlateSpec, channel: int) -> list[np.ndarray]:
    """The pyramid (finest first) of one channel of a template well, as float32."""
    size = spec.well_px
    rng = np.random.default_rng(channel)
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    base = 400 + 300 * channel + 1200 * (0.5 + 0.5 * np.sin(yy / 37.0) * np.cos(xx / 53.0))
    plane = base + rng.integers(0, 16, size=(size, size)).astype(np.float32)
    planes = [plane]
    for _ in range(1, spec.levels):
        p = planes[-1]
        planes.append(p.reshape(p.shape[0] // 2, 2, p.shape[1] // 2, 2).mean(axis=(1, 3)))
    return planes


def _image_attrs(spec: PlateSpec) -> dict:
    datasets = [
        {
            "path": str(level),
            "coordinateTransformations": [
                {"type": "scale", "scale": [1.0, 1.0, 0.65 * 2**level, 0.65 * 2**level]}
            ],
        }
        for level in range(spec.levels)
    ]
    return {
        "multiscales": [
            {
                "version": "0.4",
                "name": "0",
                "axes": [
                    {"name": "c", "type": "channel"},
                    {"name": "z", "type": "space", "unit": "micrometer"},
                    {"name": "y", "type": "space", "unit": "micrometer"},
                    {"name": "x", "type": "space", "unit": "micrometer"},
                ],
                "datasets": datasets,
            }
        ],
        "omero": {
            "channels": [
                {
                    "label": label,
                    "color": color,
                    "active": True,
                    "window": {"min": 0, "max": 65535, "start": 300, "end": 3000},
                }
                for label, color in CHANNELS
            ]
        },
    }


def write_plate(spec: PlateSpec, out: Path, workers: int = 4) -> dict:
    """Write ``spec`` to ``out`` (replacing it); returns facts about what was written."""
    started = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    root = zarr.open_group(out, mode="w", zarr_format=2)
    rows, columns = spec.row_names(), spec.column_names()
    # Template pyramids, uint16, one per channel; wells add their own offset.
    templates = [
        [np.round(p).astype(np.uint16) for p in _level_planes(spec, c)] for c in range(len(CHANNELS))
    ]
    compressor = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)
    image_attrs = _image_attrs(spec)

    def write_well(index: int) -> None:
        r, c = divmod(index, spec.columns)
        well = root.require_group(f"{rows[r]}/{columns[c]}")
        well.attrs.put({"well": {"images": [{"path": "0"}], "version": "0.4"}})
        image = well.require_group("0")
        image.attrs.put(image_attrs)
        offset = np.uint16((index * 7) % 500)
        for level in range(spec.levels):
            size = spec.well_px >> level
            chunk = min(spec.chunk_px, size)
            array = image.create_array(
                str(level),
                shape=(len(CHANNELS), 1, size, size),
                chunks=(1, 1, chunk, chunk),
                dtype="uint16",
                fill_value=0,
                compressors=compressor,
                chunk_key_encoding={"name": "v2", "separator": "/"},
            )
            data = np.stack([templates[ch][level] + offset for ch in range(len(CHANNELS))])
            array[...] = data[:, None]

    for row in rows:
        root.require_group(row)
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(write_well, range(spec.wells)))
    root.attrs.put(
        {
            "plate": {
                "version": "0.4",
                "name": spec.name,
                "rows": [{"name": n} for n in rows],
                "columns": [{"name": n} for n in columns],
                "wells": [
                    {"path": f"{rows[r]}/{columns[c]}", "rowIndex": r, "columnIndex": c}
                    for r in range(spec.rows)
                    for c in range(spec.columns)
                ],
                "field_count": 1,
                "acquisitions": [{"id": 0, "name": spec.name}],
            }
        }
    )
    facts = {
        "spec": spec.__dict__,
        "format_version": FORMAT_VERSION,
        "seconds": round(time.perf_counter() - started, 1),
        "bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
        "files": sum(1 for p in out.rglob("*") if p.is_file()),
    }
    (out / "bench-plate.json").write_text(json.dumps(facts))
    return facts


def write_consolidated_twin(plain: Path, twin: Path) -> None:
    """``twin``: the plate at ``plain`` plus a root ``.zmetadata``, sharing its files."""
    if twin.exists():
        shutil.rmtree(twin)
    twin.mkdir(parents=True)
    for entry in plain.iterdir():
        if entry.name in (".zattrs", ".zgroup"):
            shutil.copy2(entry, twin / entry.name)
        elif entry.is_dir():
            os.symlink(entry, twin / entry.name, target_is_directory=True)
    zarr.consolidate_metadata(str(twin), zarr_format=2)


def ensure_plate(spec: PlateSpec, root: Path = DEFAULT_ROOT, log=print) -> dict:
    """The plate (and its consolidated twin) of ``spec`` under ``root``, written if missing."""
    out = plate_path(root, spec)
    twin = plate_path(root, spec, consolidated=True)
    facts_file = out / "bench-plate.json"
    facts = json.loads(facts_file.read_text()) if facts_file.is_file() else None
    if facts is None or facts.get("format_version") != FORMAT_VERSION or facts["spec"] != spec.__dict__:
        log(f"writing {out} ({spec.wells} wells of {spec.well_px}^2 px, 3 channels) ...")
        root.mkdir(parents=True, exist_ok=True)
        facts = write_plate(spec, out)
        log(f"  {facts['bytes'] / 1e6:.0f} MB in {facts['files']} files, {facts['seconds']} s")
        if twin.exists():
            shutil.rmtree(twin)
    if not (twin / ".zmetadata").is_file():
        write_consolidated_twin(out, twin)
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--plates", nargs="+", default=list(PLATES), choices=list(PLATES))
    args = parser.parse_args(argv)
    for key in args.plates:
        facts = ensure_plate(PLATES[key], args.root)
        print(f"{plate_path(args.root, PLATES[key])}: {facts['bytes'] / 1e6:.0f} MB, {facts['files']} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
