"""Side-by-side converter benchmark: ours vs Fractal's CellVoyager converter vs the floor.

All contenders convert the same synthetic CellVoyager folder (by default Fractal's
measured case: 4 wells x 3x3 fields of 1080x1280 uint16 x 3 z x 2 channels, 597 MB =
570 MiB of TIFFs), each run in its own subprocess, in turn (ours, Fractal, floor, ...), repeated
``--repeats`` times; the table reports medians.

- ``ours``: ``napari_hcs_zarr.convert`` (NGFF 0.4, 5 levels, 2 workers).
- ``ours-0.5``: the same with NGFF 0.5 (zarr v3, one shard per well plane and level).
- ``ours-1worker``: ``ours`` with one worker (how much the second one buys).
- ``ours-wec`` (not run by default): ``ours`` with zarr's ``array.write_empty_chunks``
  set to True from outside the package (how the writer was prototyped before it did so).
- ``fractal``: fractal-tasks-core 1.6.0 ``cellvoyager_to_ome_zarr_init`` + one
  ``cellvoyager_to_ome_zarr_compute`` per well, run one after another in one process
  (its local runner with one job slot); 5 levels, coarsening 2. Needs its own venv
  (zarr 2): see benchmarks/README.md.
- ``fractal-2proc``: the same with two wells at once in two processes.
- ``floor``: benchmarks/floor_convert.py: read each TIFF once, write it as one
  blosc-lz4 chunk, 2 threads, no stitching, no pyramid.

Seconds are the conversion's own wall time as measured inside the subprocess (from
before parsing the raw folder to the last byte written; interpreter start-up and imports
excluded); the "process s" column is the subprocess's wall time including them. Peak RSS
is the subprocess's ``ru_maxrss`` from ``os.wait4`` (Linux reports the largest single
process among it and its reaped children: for fractal-2proc, one of its two workers, so
the two together hold up to about twice that). Before each run the previous output is
deleted and ``sync`` is called (outside the timing) and every input file is read once, so
all contenders read the input from the page cache; then the benchmark waits until other
processes use less than 0.15 core (the machine may be shared) and records how much CPU
they used during the run.

    .venv/bin/python benchmarks/bench_convert.py                    # run, print, write the doc
    .venv/bin/python benchmarks/bench_convert.py --repeats 3 --contenders ours fractal floor
    .venv/bin/python benchmarks/bench_convert.py --profile          # also a stage breakdown of ours
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from machine import busy_cpu_seconds, machine_description, wait_for_quiet  # noqa: E402

DEFAULT_DATA = Path("/work/bench-data")
DEFAULT_OUT = Path("/work/bench-out")
DEFAULT_FRACTAL_PYTHON = Path("/work/bench-venvs/fractal/bin/python")
DOC = REPO / "docs" / "performance-converter.md"
NOTES_MARKER = "<!-- Hand-written notes below are kept when bench_convert.py rewrites this file. -->"

WELLS = ["B02", "B03", "C02", "C03"]
FIELDS_YX = (3, 3)
FIELD_SHAPE = (1080, 1280)
Z_COUNT = 3
CHANNELS = 2
LEVELS = 5
WORKERS = 2


# --------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------
def dataset_dir(data_root: Path) -> Path:
    return data_root / (
        f"cv-{len(WELLS)}w-{FIELDS_YX[0]}x{FIELDS_YX[1]}-{FIELD_SHAPE[0]}x{FIELD_SHAPE[1]}"
        f"-z{Z_COUNT}-c{CHANNELS}-grid"
    )


def snap_stage_positions(mlf: Path, pixel_size_um: float, x_origin: float, y_origin: float) -> None:
    """Remove the synthetic writer's sub-pixel stage jitter from the MLF.

    Fractal's overlap removal (tolerance 1e-10 um) treats a 0.1 px overlap between
    neighbouring fields as an overlap and pushes whole fields down by one field height,
    which made its wells 7560 px high instead of 3240 (and its pyramid 2.3x larger).
    Real CellVoyager grids are exact, so the benchmark input is too: every position is
    put back on its integer pixel grid. Our converter places the fields identically
    either way (it rounds to the nearest pixel).
    """
    text = mlf.read_text(encoding="utf-8")

    def fix(match: re.Match) -> str:
        x, y = float(match.group(1)), float(match.group(2))
        px = round((x - x_origin) / pixel_size_um)
        py = round((y_origin - y) / pixel_size_um)
        x_new, y_new = x_origin + px * pixel_size_um, y_origin - py * pixel_size_um
        return f'bts:X="{x_new:.4f}" bts:Y="{y_new:.4f}"'

    mlf.write_text(re.sub(r'bts:X="([-\d.]+)" bts:Y="([-\d.]+)"', fix, text), encoding="utf-8")


def ensure_dataset(data_root: Path) -> Path:
    """Write the benchmark's raw folder once; reuse it when it is complete."""
    folder = dataset_dir(data_root)
    done = folder / ".complete"
    if done.is_file():
        return folder
    from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec
    from napari_hcs_zarr.raw.yokogawa import write_synthetic_cellvoyager

    if folder.exists():
        shutil.rmtree(folder)
    spec = SyntheticPlateSpec(
        wells=WELLS,
        fields_yx=FIELDS_YX,
        field_shape=FIELD_SHAPE,
        channels=CHANNELS,
        z_count=Z_COUNT,
        gap_px=0,
    )
    print(f"writing the benchmark input into {folder} ...", flush=True)
    write_synthetic_cellvoyager(folder, spec)
    # The synthetic writer's stage origin (raw/yokogawa/synthetic.py): x = -1000 + x0 * ps, y = 800 - y0 * ps
    snap_stage_positions(folder / "MeasurementData.mlf", spec.pixel_size_um, -1000.0, 800.0)
    done.write_text("ok\n")
    return folder


def tiff_files(raw: Path) -> list[Path]:
    return sorted(p for p in raw.iterdir() if p.suffix.lower() in (".tif", ".tiff"))


def src_fingerprint() -> str:
    """A hash of the package's source files: the code a run measures."""
    import hashlib

    digest = hashlib.sha1()
    for path in sorted((REPO / "src").rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def warm_cache(raw: Path) -> int:
    """Read every file of ``raw`` once, so that every contender reads from the page cache."""
    total = 0
    for path in raw.iterdir():
        if path.is_file():
            with open(path, "rb") as f:
                while chunk := f.read(1 << 24):
                    total += len(chunk)
    return total


# --------------------------------------------------------------------------------------
# Our converter, run in a subprocess of this script
# --------------------------------------------------------------------------------------
def run_ours(
    raw: Path, out: Path, ngff: str, write_empty_chunks: bool = False, workers: int = WORKERS
) -> None:
    if write_empty_chunks:  # a prototype of a one-line change, set from outside the package
        import zarr

        zarr.config.set({"array.write_empty_chunks": True})
    from napari_hcs_zarr.convert import ConversionOptions, convert_plate

    started = time.perf_counter()
    summary = convert_plate(
        raw, out, ConversionOptions(levels=LEVELS, ngff=ngff, overwrite=True, workers=workers)
    )
    seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "seconds": seconds,
                "summary_seconds": summary.seconds,
                # file sizes, as the other contenders count them (the summary counts blocks)
                "bytes_written": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
            }
        )
    )


# --------------------------------------------------------------------------------------
# Measuring one subprocess
# --------------------------------------------------------------------------------------
def measure(cmd: list[str], out: Path) -> dict:
    """Run ``cmd``; its last stdout line is JSON. Adds process wall time, peak RSS, and
    how much CPU other processes of the machine used meanwhile (``other_cpu_seconds``)."""
    if out.exists():
        shutil.rmtree(out)
    os.sync()
    wait_for_quiet(timeout=180.0)
    busy_before = busy_cpu_seconds()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, cwd=REPO)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        text, errors = stdout.read(), stderr.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{errors[-4000:]}")
    lines = [line for line in text.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1])
    result["process_seconds"] = wall
    result["peak_rss_mb"] = usage.ru_maxrss / 1024  # KiB on Linux
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    other = busy_cpu_seconds() - busy_before - result["cpu_seconds"]
    result["other_cpu_seconds"] = max(0.0, other)
    return result


def measure_clean(cmd: list[str], out: Path, tries: int = 6) -> dict:
    """``measure``, retried while other processes took more than 0.1 core on average
    during the run (the machine may be shared); keeps the least disturbed run if none is
    clean, with ``disturbed`` set."""
    best = None
    for _ in range(tries):
        result = measure(cmd, out)
        result["disturbed"] = result["other_cpu_seconds"] > 0.1 * result["process_seconds"]
        if best is None or result["other_cpu_seconds"] < best["other_cpu_seconds"]:
            best = result
        if not result["disturbed"]:
            return result
    return best


def contender_commands(name: str, raw: Path, out_root: Path, fractal_python: Path) -> tuple[list[str], Path]:
    me = [sys.executable, str(Path(__file__).resolve())]
    if name == "ours":
        out = out_root / "ours.zarr"
        return [*me, "_ours", str(raw), str(out), "--ngff", "0.4"], out
    if name == "ours-1worker":
        out = out_root / "ours-1worker.zarr"
        return [*me, "_ours", str(raw), str(out), "--ngff", "0.4", "--workers", "1"], out
    if name == "ours-wec":
        out = out_root / "ours-wec.zarr"
        return [*me, "_ours", str(raw), str(out), "--ngff", "0.4", "--write-empty-chunks"], out
    if name == "ours-0.5":
        out = out_root / "ours-05.zarr"
        return [*me, "_ours", str(raw), str(out), "--ngff", "0.5"], out
    if name == "fractal":
        out = out_root / "fractal"
        return [
            str(fractal_python),
            str(HERE / "fractal_convert.py"),
            str(raw),
            str(out),
            "--levels",
            str(LEVELS),
        ], out
    if name == "fractal-2proc":
        out = out_root / "fractal-2proc"
        return [
            str(fractal_python),
            str(HERE / "fractal_convert.py"),
            str(raw),
            str(out),
            "--levels",
            str(LEVELS),
            "--parallel",
            "2",
        ], out
    if name == "floor":
        out = out_root / "floor.zarr"
        return [
            sys.executable,
            str(HERE / "floor_convert.py"),
            str(raw),
            str(out),
            "--threads",
            str(WORKERS),
        ], out
    raise ValueError(f"unknown contender {name!r}")


# --------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------
_GIT = {"capture_output": True, "text": True, "cwd": REPO}


def package_versions(fractal_python: Path) -> dict:
    from importlib.metadata import version

    versions = {p: version(p) for p in ("napari-hcs-zarr", "zarr", "numcodecs", "tifffile", "numpy")}
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], **_GIT)
    if head.returncode == 0:
        dirty = subprocess.run(["git", "status", "--porcelain", "src"], **_GIT).stdout.strip()
        note = ", src/ modified" if dirty else ""
        versions["napari-hcs-zarr"] += f" (git {head.stdout.strip()}{note})"
    if fractal_python.exists():
        code = (
            "from importlib.metadata import version as v;"
            "print(' '.join(f'{p}={v(p)}' for p in "
            "('fractal-tasks-core','zarr','dask','numcodecs')))"
        )
        out = subprocess.run([str(fractal_python), "-c", code], capture_output=True, text=True)
        versions["fractal venv"] = out.stdout.strip()
    return versions


LABELS = {
    "ours": "ours (NGFF 0.4, 2 workers)",
    "ours-0.5": "ours (NGFF 0.5 sharded, 2 workers)",
    "ours-wec": "ours + zarr write_empty_chunks=True (prototype)",
    "ours-1worker": "ours (NGFF 0.4, 1 worker)",
    "fractal": "Fractal 1.6.0 (wells in sequence)",
    "fractal-2proc": "Fractal 1.6.0 (2 wells at once, 2 processes)",
    "floor": "floor (read + 1 blosc chunk/TIFF, 2 threads)",
}


def summarise(runs: dict[str, list[dict]], raw_bytes: int) -> list[dict]:
    med = {name: statistics.median(r["seconds"] for r in rs) for name, rs in runs.items()}
    rows = []
    for name, rs in runs.items():
        seconds = med[name]
        rows.append(
            {
                "name": name,
                "label": LABELS.get(name, name),
                "seconds": seconds,
                "all_seconds": [r["seconds"] for r in rs],
                "process_seconds": statistics.median(r["process_seconds"] for r in rs),
                "cpu_seconds": statistics.median(r["cpu_seconds"] for r in rs),
                "other_cpu_seconds": max(r["other_cpu_seconds"] for r in rs),
                "disturbed_runs": sum(r["disturbed"] for r in rs),
                "mb_per_s": raw_bytes / 1e6 / seconds,
                "peak_rss_mb": max(r["peak_rss_mb"] for r in rs),
                "written_mb": rs[-1].get("bytes_written", 0) / 1e6,
                "vs_ours": seconds / med["ours"] if "ours" in med else float("nan"),
                "vs_floor": seconds / med["floor"] if "floor" in med else float("nan"),
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    head = (
        "| contender | median s | runs (s) | process s | CPU s | MB/s of raw input "
        "| peak RSS MB | written MB | time / ours | time / floor |\n"
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    body = ""
    for r in rows:
        body += (
            f"| {r['label']} | {r['seconds']:.2f} "
            f"| {', '.join(f'{s:.2f}' for s in r['all_seconds'])} "
            f"| {r['process_seconds']:.2f} | {r['cpu_seconds']:.1f} | {r['mb_per_s']:.0f} "
            f"| {r['peak_rss_mb']:.0f} | {r['written_mb']:.0f} "
            f"| {r['vs_ours']:.2f} | {r['vs_floor']:.2f} |\n"
        )
    return head + body


def targets(rows: list[dict]) -> str:
    by = {r["name"]: r for r in rows}
    lines = []
    if "ours" in by and "fractal" in by:
        speedup = by["fractal"]["seconds"] / by["ours"]["seconds"]
        ok = "met" if speedup >= 2 else "NOT met"
        lines.append(f"- Throughput vs Fractal (wells in sequence): {speedup:.2f}x (target >= 2x: {ok}).")
    if "ours" in by and "fractal-2proc" in by:
        speedup = by["fractal-2proc"]["seconds"] / by["ours"]["seconds"]
        lines.append(f"- Throughput vs Fractal with 2 wells at once: {speedup:.2f}x.")
    if "ours" in by and "floor" in by:
        ratio = by["ours"]["seconds"] / by["floor"]["seconds"]
        ok = "met" if ratio <= 1.3 else "NOT met"
        lines.append(f"- Time vs the floor: {ratio:.2f}x (target <= 1.3x: {ok}).")
    return "\n".join(lines)


def write_doc(rows: list[dict], meta: dict, profile_md: str | None) -> None:
    m = meta["machine"]
    versions = "; ".join(f"{k} {v}" for k, v in meta["versions"].items())
    written = {r["name"]: r["written_mb"] for r in rows}
    other = max(r["other_cpu_seconds"] for r in rows)
    src_note = (
        f"**Warning: src/ changed during this run** ({meta['src_fingerprint']} -> "
        f"{', '.join(meta['src_changed_during_run'])}); the rows may mix versions.\n\n"
        if meta.get("src_changed_during_run")
        else ""
    )
    disturbed = sum(r["disturbed_runs"] for r in rows)
    well_h, well_w = FIELDS_YX[0] * FIELD_SHAPE[0], FIELDS_YX[1] * FIELD_SHAPE[1]
    text = f"""# Converter performance

Measured by `benchmarks/bench_convert.py` on {meta["date"]}.

{src_note}Machine: {m["nproc"]} cores ({m["cpu"]}), {m["ram_gib"]} GiB RAM, Linux {m["kernel"]},
Python {m["python"]}. Versions: {versions}; src/ fingerprint {meta["src_fingerprint"]}.

Input: synthetic CellVoyager folder written by `napari_hcs_zarr.raw.yokogawa.synthetic` (Fractal's
measured case): {len(WELLS)} wells ({", ".join(WELLS)}) x {FIELDS_YX[0]}x{FIELDS_YX[1]} fields of
{FIELD_SHAPE[0]}x{FIELD_SHAPE[1]} uint16 x {Z_COUNT} z x {CHANNELS} channels = {meta["files"]}
uncompressed TIFFs, {meta["raw_mb"]:.0f} MB ({meta["raw_mb"] * 1e6 / 2**20:.0f} MiB);
fields on an exact grid with no gap and no overlap (stage jitter removed, see
`snap_stage_positions`). Each well becomes one {well_h}x{well_w} image with {LEVELS} levels
(ours and Fractal), blosc-lz4 clevel 5 with byte shuffle everywhere.

Method: each contender runs in its own subprocess, {meta["repeats"]} times, in turn; the input is
in the page cache (every file read before each run), the previous output is deleted and
`sync` is called before each run, outside the timing. "median s" is the conversion's wall
time measured inside the subprocess (imports excluded); "process s" includes interpreter
start-up and imports; "CPU s" is user + system time of the subprocess (and its children
that were waited for); peak RSS is the subprocess's `ru_maxrss` (for Fractal with 2
processes: the largest single process; both workers together hold up to twice that).
Ratios use median seconds (lower is better): "time / ours" > 1 means slower than ours.

{table(rows)}
{targets(rows)}

The machine was shared: before each run the benchmark waited until other processes used
less than 0.15 core, and a run during which they used more than 0.1 core on average was
thrown away and redone (up to 6 tries). In the runs kept, other processes used at most
{other:.1f} CPU s over a run; runs kept although disturbed: {disturbed}.

Notes:
- Fractal's compute task is one job per well; "wells in sequence" is what its local runner
  does with one job slot. Inside a well it uses dask's threaded scheduler (both cores).
  Fractal writes level 0 with one chunk per field and 3 z planes per chunk
  (1x3x1080x1280), then `build_pyramid` reads level 0 back from disk to make levels 1-4;
  ours writes single-plane chunks and makes every level in memory (here, where the
  fields tile the chunk grid, level 0 and level 1 field by field, without a stitched
  plane).
- The floor parses no metadata, does not stitch and writes no pyramid: it writes
  {written.get("floor", 0):.0f} MB, ours {written.get("ours", 0):.0f} MB (a 5-level pyramid adds about
  a third), Fractal {written.get("fractal", 0):.0f} MB.

Re-run (one Fractal venv, then the benchmark; the input is written once into
`/work/bench-data/` and reused):

```
python3 -m venv /work/bench-venvs/fractal
/work/bench-venvs/fractal/bin/pip install "fractal-tasks-core==1.6.0" scikit-image
.venv/bin/python benchmarks/bench_convert.py --repeats {meta["repeats"]}{" --profile" if profile_md else ""}
```
"""
    if profile_md:
        text += "\n" + profile_md
    # Hand-written notes after the marker survive a re-run.
    notes = ""
    if DOC.is_file() and NOTES_MARKER in DOC.read_text():
        notes = DOC.read_text().split(NOTES_MARKER, 1)[1]
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text + "\n" + NOTES_MARKER + notes)


# --------------------------------------------------------------------------------------
# Profile: where our converter's time goes
# --------------------------------------------------------------------------------------
# (module, attribute, stage). Each is wrapped with an exclusive-time clock while a real
# one-worker conversion runs; names the current code no longer has are skipped.
_PROFILED = [
    ("napari_hcs_zarr.convert.run", "prepare_raw_plate", "parse metadata (MRF/MLF/MES)"),
    ("napari_hcs_zarr.convert.run", "create_hierarchy", "create arrays + journal plan"),
    ("napari_hcs_zarr.raw.image_files", "read_field_image", "read TIFFs"),
    ("napari_hcs_zarr.convert.plane_job", "stitch_plane", "stitch (paste into the well canvas)"),
    ("napari_hcs_zarr.convert.plane_job", "downsample_mean2", "pyramid (downsample_mean2)"),
    ("napari_hcs_zarr.convert.plane_job", "_level1_from_tiling_fields", "level 0 from fields (loop, canvas)"),
    ("napari_hcs_zarr.convert.plane_job", "encode_chunk", "chunk/shard writes (encode + file)"),
    ("napari_hcs_zarr.store.chunks", "encode_chunk", "chunk/shard writes (encode + file)"),
    ("napari_hcs_zarr.store.chunks:PlaneChunkWriter", "add", "chunk/shard writes (encode + file)"),
    ("napari_hcs_zarr.store.chunks:PlaneChunkWriter", "close", "chunk/shard writes (encode + file)"),
    ("zarr:Array", "__setitem__", "zarr array writes"),
    ("napari_hcs_zarr.convert.plane_job", "_histogram", "histogram"),
    ("napari_hcs_zarr.convert.run", "finish_plate", "finish plate (OME metadata, ROI tables)"),
    ("napari_hcs_zarr.store.plate_store:LocalPlateStore", "total_bytes", "summary: disk usage walk"),
]
_ENCODE_APART = "blosc-lz4 encode of the same chunks"


def _resolve(spec: str):
    import importlib

    module, _, cls = spec.partition(":")
    target = importlib.import_module(module)
    return getattr(target, cls) if cls else target


def stage_profile(raw: Path, out: Path, ngff: str) -> dict[str, float]:
    """Time the stages of a real conversion (``convert``, one worker, ``ngff``).

    Wraps the converter's functions (``_PROFILED``) with clocks that count exclusive
    time (a stage called inside another is not counted twice; zarr writes made inside
    another stage stay with it). Also encodes every written plane's chunks with blosc
    alone, apart (not in the total), to show what compression itself costs.
    """
    import inspect
    import threading
    from collections import defaultdict

    import numcodecs
    import numpy as np

    from napari_hcs_zarr.convert import ConversionOptions, convert_plate

    times: dict[str, float] = defaultdict(float)
    local = threading.local()
    codec = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE)

    def encode_apart(plane: np.ndarray, chunk_yx: tuple[int, int]) -> None:
        start = time.perf_counter()
        ch, cw = chunk_yx
        for y in range(0, plane.shape[-2], ch):
            for x in range(0, plane.shape[-1], cw):
                tile = plane[..., y : y + ch, x : x + cw]
                if tile.shape[-2:] != (ch, cw):
                    padded = np.zeros(tile.shape[:-2] + (ch, cw), dtype=plane.dtype)
                    padded[..., : tile.shape[-2], : tile.shape[-1]] = tile
                    tile = padded
                codec.encode(np.ascontiguousarray(tile))
        times[_ENCODE_APART] += time.perf_counter() - start

    def wrap(function, stage: str, attribute: str):
        def timed(*args, **kwargs):
            stack = getattr(local, "stack", None)
            if stack is None:
                stack = local.stack = []
            if attribute == "__setitem__" and stack:  # zarr writes inside another stage
                return function(*args, **kwargs)
            stack.append(0.0)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                nested = stack.pop()
                times[stage] += elapsed - nested
                if stack:
                    stack[-1] += elapsed
                apart_started = time.perf_counter()
                try:
                    if attribute == "write_plane_chunks":
                        bound = signature.bind(*args, **kwargs).arguments
                        encode_apart(bound["plane"], tuple(bound["chunk_yx"]))
                    elif attribute == "encode_chunk":  # level 0 straight from the fields
                        bound = signature.bind(*args, **kwargs).arguments
                        encode_apart(bound["tile"], tuple(bound["chunk_yx"]))
                    elif attribute == "__setitem__" and isinstance(args[2], np.ndarray):
                        encode_apart(args[2], tuple(args[0].chunks[-2:]))
                except (KeyError, TypeError, IndexError, AttributeError):
                    pass  # another signature: no apart measure
                if stack:  # the apart encode is no part of the enclosing stage either
                    stack[-1] += time.perf_counter() - apart_started

        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            signature = None

        return timed

    patched = []
    for spec, attribute, stage in _PROFILED:
        try:
            owner = _resolve(spec)
            original = getattr(owner, attribute)
        except (ImportError, AttributeError):
            continue
        setattr(owner, attribute, wrap(original, stage, attribute))
        patched.append((owner, attribute, original))
    if out.exists():
        shutil.rmtree(out)
    try:
        start = time.perf_counter()
        options = ConversionOptions(levels=LEVELS, ngff=ngff, overwrite=True, workers=1)
        convert_plate(raw, out, options)
        total = time.perf_counter() - start - times[_ENCODE_APART]  # the apart encode
    finally:
        for owner, attribute, original in reversed(patched):
            setattr(owner, attribute, original)
        shutil.rmtree(out, ignore_errors=True)
    result = {stage: times.get(stage, 0.0) for _, _, stage in _PROFILED}
    result["other (job scheduling, journal, progress)"] = total - sum(result.values())
    result["total"] = total
    result[_ENCODE_APART] = times[_ENCODE_APART]
    return result


def _run_profile_child(raw: Path, out: Path, ngff: str) -> None:
    print(json.dumps(stage_profile(raw, out, ngff)))


def profile_markdown(raw: Path, out_root: Path) -> str:
    """Stage profiles of NGFF 0.4 and 0.5 conversions, each in a fresh subprocess."""
    runs = {}
    me = [sys.executable, str(Path(__file__).resolve())]
    for ngff in ("0.4", "0.5"):
        warm_cache(raw)
        out = out_root / f"profile-{ngff}.zarr"
        cmd = [*me, "_profile", str(raw), str(out), "--ngff", ngff]
        runs[f"NGFF {ngff}"] = measure_clean(cmd, out)
    labels = list(runs)
    stages = [k for k in runs[labels[0]] if k not in ("total", _ENCODE_APART)]
    stages = [k for k in stages if k not in _MEASURE_KEYS]
    lines = [
        "## Where our converter's time goes (one worker)",
        "",
        "`bench_convert.py --profile`: a real `convert` with one worker, in its own subprocess,",
        "with the converter's functions wrapped in clocks (exclusive time). The encode row is",
        "measured apart (blosc-lz4 alone on the same chunks, not in the total): it shows how",
        "much of the write stage is compression.",
        "",
        "| stage | " + " | ".join(f"s ({lab})" for lab in labels) + f" | share ({labels[0]}) |",
        "|---|" + "---:|" * (len(labels) + 1),
    ]
    base = runs[labels[0]]
    for key in stages:
        if all(runs[lab][key] < 0.005 for lab in labels):
            continue
        cells = " | ".join(f"{runs[lab][key]:.2f}" for lab in labels)
        lines.append(f"| {key} | {cells} | {100 * base[key] / base['total']:.0f}% |")
    cells = " | ".join(f"{runs[lab]['total']:.2f}" for lab in labels)
    lines.append(f"| **total (one worker)** | {cells} | 100% |")
    cells = " | ".join(f"{runs[lab][_ENCODE_APART]:.2f}" for lab in labels)
    lines.append(f"| _apart: {_ENCODE_APART}_ | {cells} | |")
    return "\n".join(lines) + "\n"


_MEASURE_KEYS = ("process_seconds", "peak_rss_mb", "cpu_seconds", "other_cpu_seconds", "disturbed")


# --------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_profile":
        p = argparse.ArgumentParser()
        p.add_argument("raw", type=Path)
        p.add_argument("out", type=Path)
        p.add_argument("--ngff", default="0.4")
        a = p.parse_args(argv[1:])
        _run_profile_child(a.raw, a.out, a.ngff)
        return 0
    if argv and argv[0] == "_ours":
        p = argparse.ArgumentParser()
        p.add_argument("raw", type=Path)
        p.add_argument("out", type=Path)
        p.add_argument("--ngff", default="0.4")
        p.add_argument("--write-empty-chunks", action="store_true")
        p.add_argument("--workers", type=int, default=WORKERS)
        a = p.parse_args(argv[1:])
        run_ours(a.raw, a.out, a.ngff, a.write_empty_chunks, a.workers)
        return 0

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--contenders",
        nargs="+",
        default=["ours", "ours-0.5", "ours-1worker", "fractal", "fractal-2proc", "floor"],
        choices=sorted(LABELS),
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="where the input folder lives")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="scratch folder for the outputs")
    parser.add_argument("--fractal-python", type=Path, default=DEFAULT_FRACTAL_PYTHON)
    parser.add_argument("--no-doc", action="store_true", help=f"do not write {DOC.relative_to(REPO)}")
    parser.add_argument("--profile", action="store_true", help="add a stage breakdown of ours")
    parser.add_argument("--json", type=Path, help="also save the raw results here")
    args = parser.parse_args(argv)

    contenders = list(args.contenders)
    if any(c.startswith("fractal") for c in contenders) and not args.fractal_python.exists():
        print(f"no Fractal venv at {args.fractal_python}; skipping Fractal (see benchmarks/README.md)")
        contenders = [c for c in contenders if not c.startswith("fractal")]

    args.data.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    raw = ensure_dataset(args.data)
    versions = package_versions(args.fractal_python)  # before the runs: the code measured
    fingerprint = src_fingerprint()
    files = tiff_files(raw)
    raw_bytes = sum(p.stat().st_size for p in files)
    print(f"input: {raw} ({len(files)} TIFFs, {raw_bytes / 1e6:.0f} MB)", flush=True)
    warm_cache(raw)

    runs: dict[str, list[dict]] = {c: [] for c in contenders}
    commands = {c: contender_commands(c, raw, args.out, args.fractal_python) for c in contenders}
    # one untimed warm-up of every contender (imports, page cache, first-touch of the disk)
    for name in contenders:
        cmd, out = commands[name]
        warm_cache(raw)
        measure(cmd, out)
    for repeat in range(args.repeats):
        for name in contenders:
            cmd, out = commands[name]
            warm_cache(raw)
            result = measure_clean(cmd, out)
            result["src"] = src_fingerprint()
            runs[name].append(result)
            print(
                f"[{repeat + 1}/{args.repeats}] {name:14s} {result['seconds']:7.2f} s  "
                f"(process {result['process_seconds']:.2f} s, "
                f"peak RSS {result['peak_rss_mb']:.0f} MB, "
                f"other processes {result['other_cpu_seconds']:.1f} CPU s)"
                + (" DISTURBED" if result["disturbed"] else ""),
                flush=True,
            )
    for name in contenders:
        shutil.rmtree(commands[name][1], ignore_errors=True)

    changed = sorted({r["src"] for rs in runs.values() for r in rs} - {fingerprint})
    if changed:
        print(f"WARNING: src/ changed during the benchmark ({fingerprint} -> {', '.join(changed)})")
    rows = summarise(runs, raw_bytes)
    print()
    print(table(rows))
    print(targets(rows))
    profile_md = None
    if args.profile:
        profile_md = profile_markdown(raw, args.out)
        print()
        print(profile_md)
    meta = {
        "date": _dt.date.today().isoformat(),
        "machine": machine_description(),
        "versions": versions,
        "files": len(files),
        "raw_mb": raw_bytes / 1e6,
        "repeats": args.repeats,
        "src_fingerprint": fingerprint,
        "src_changed_during_run": changed,
    }
    if args.json:
        record = {"meta": meta, "rows": rows, "runs": runs, "profile_md": profile_md}
        args.json.write_text(json.dumps(record, indent=1))
    if not args.no_doc:
        write_doc(rows, meta, profile_md)
        print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
