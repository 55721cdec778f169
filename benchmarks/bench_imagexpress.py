"""ImageXpress conversion: ours vs faim-ipa's converter, same input, same run.

    python3 -m venv /work/bench-venvs/faim && /work/bench-venvs/faim/bin/pip install faim-ipa==0.14.0
    .venv/bin/python benchmarks/bench_imagexpress.py --repeats 3

Input (written once into /work/bench-data/): an exported MetaXpress plate by
``napari_hcs_zarr.raw.imagexpress.synthetic``, 4 wells x 3x3 sites of 1080x1280 uint16 x 3 z
x 2 wavelengths (216 TIFFs, 597 MB), sites edge to edge, MetaSeries stage positions.
faim-ipa runs its ``StackAcquisition`` with stage-position alignment and
``ConvertToNGFFPlate`` (2 dask threads), we run ``convert_plate`` (2 workers), both 4
levels, one camera field per chunk; each in a fresh process, alternating, after the
machine is quiet. Prints the median seconds of each, the ratio, and for two wells how
many level-0 pixels of each plate differ from the truth (the synthetic pixel function).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import zarr

from napari_hcs_zarr import read_raw_plate
from napari_hcs_zarr.raw.synthetic import expected_pixels

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from machine import wait_for_quiet  # noqa: E402

DEFAULT_DATA = Path("/work/bench-data")
DEFAULT_FAIM = Path("/work/bench-venvs/faim/bin/python")
LEVELS = 4
OURS = """
import json, sys, time
from napari_hcs_zarr import ConversionOptions, convert_plate
started = time.perf_counter()
convert_plate(sys.argv[1], sys.argv[2], ConversionOptions(levels=int(sys.argv[3]), workers=2, overwrite=True))
print(json.dumps({"seconds": time.perf_counter() - started}))
"""


def ensure_input(data: Path) -> Path:
    folder = data / "ix-4w-3x3-1080x1280-z3-c2" / "ixbench_Plate_1001"  # faim-ipa wants <name>_Plate_<id>
    done = folder.parent / ".complete"
    if done.is_file():
        return folder
    from napari_hcs_zarr.raw.imagexpress import write_synthetic_imagexpress
    from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec

    shutil.rmtree(folder.parent, ignore_errors=True)
    spec = SyntheticPlateSpec(
        wells=["B02", "B03", "C02", "C03"],
        fields_yx=(3, 3),
        field_shape=(1080, 1280),
        channels=2,
        z_count=3,
        gap_px=0,
        name="ixbench",
    )
    print(f"writing the input into {folder} ...", flush=True)
    write_synthetic_imagexpress(folder, spec, layout="exported")
    done.write_text("ok\n")
    return folder


def run(cmd: list[str]) -> float:
    os.sync()
    wait_for_quiet(timeout=120.0)
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed:\n{result.stderr[-3000:]}")
    return json.loads([line for line in result.stdout.splitlines() if line.startswith("{")][-1])["seconds"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=Path("/work/bench-out/imagexpress"))
    parser.add_argument("--faim-python", type=Path, default=DEFAULT_FAIM)
    args = parser.parse_args(argv)
    raw = ensure_input(args.data)
    args.out.mkdir(parents=True, exist_ok=True)
    ours_out, faim_out = args.out / "ours.zarr", args.out / "faim"
    ours_cmd = [sys.executable, "-c", OURS, str(raw), str(ours_out), str(LEVELS)]
    faim_cmd = [str(args.faim_python), str(HERE / "faim_imagexpress_convert.py"), str(raw), str(faim_out)]
    faim_cmd += ["--levels", str(LEVELS)]
    times: dict[str, list[float]] = {"ours": [], "faim-ipa": []}
    for _ in range(args.repeats):
        times["ours"].append(run(ours_cmd))
        if args.faim_python.is_file():
            times["faim-ipa"].append(run(faim_cmd))
    size = sum(p.stat().st_size for p in raw.rglob("*.TIF"))
    print(f"input: {size / 1e6:.0f} MB of TIFFs; medians of {args.repeats} runs")
    print("| converter | median s | runs | MB/s |")
    print("|---|---:|---|---:|")
    for name, values in times.items():
        if values:
            median = statistics.median(values)
            runs = ", ".join(f"{v:.2f}" for v in values)
            print(f"| {name} | {median:.2f} | {runs} | {size / 1e6 / median:.0f} |")
    if times["faim-ipa"]:
        ratio = statistics.median(times["faim-ipa"]) / statistics.median(times["ours"])
        print(f"ours is {ratio:.1f}x faim-ipa's throughput")
        plates = {
            "ours": zarr.open_group(ours_out, mode="r"),
            "faim-ipa": zarr.open_group(faim_out / "faim.zarr"),
        }
        for well in read_raw_plate(raw).wells[:2]:
            height, width = well.image_shape_yx
            y, x = np.mgrid[0:height, 0:width]
            truth = expected_pixels(well.name, 0, 0, 0, y, x)
            for name, plate in plates.items():
                stored = np.asarray(plate[f"{well.path}/0/0"][0, 0])
                if stored.shape != truth.shape:
                    print(
                        f"{name}, well {well.name} level 0: {stored.shape[-2:]} px, the truth {truth.shape}"
                    )
                    continue
                wrong = int((stored != truth).sum())
                print(f"{name}, well {well.name} level 0: {wrong} pixels differ from the truth")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
