"""Reader benchmark: opening HCS plates in napari with this plugin vs napari-ome-zarr.

Plates (written once by ``make_plates.py``, cached under /work/bench-data/plates/):
96, 384 and 1536 wells, one field per well, 3 channels x 1 z, uint16, wells of 1024^2,
512^2 and 256^2 px, 4 levels, NGFF 0.4 (zarr v2, blosc-lz4), one chunk per well plane at
the low levels; each as written (no consolidated metadata, like ome-zarr-py) and as a
``-consolidated`` twin with a root ``.zmetadata``.

Every measurement runs in a fresh subprocess on a real napari viewer (``show=True`` on
the X display, i.e. Xvfb; async slicing off, napari's default). Before timing, the
subprocess imports napari and both plugins, opens the viewer and renders a small
warm-up multiscale image and a points layer once, so interpreter start-up, imports and
GL shader compilation are excluded for both readers alike. Then:

- ``open`` run: ``viewer.open(path, plugin=...)`` (seconds to layers, "open s"), then
  ``viewer.screenshot(canvas_only=True)`` (seconds to the first rendered overview frame,
  "frame s"). Their sum is "open->frame s".
- ``split`` run: the plugin's reader function alone (``get_reader`` + reader call,
  "reader s"), adding its layer-data tuples with ``viewer._add_layer_from_data``
  ("add s"), then the screenshot.
- ``memory`` run (this plugin only): "napari alone". This plugin's layer-data tuples with
  every level replaced by an in-memory numpy array before timing (the coarsest level
  read, the finer ones zero-cost broadcasts of its shape), then the same adding and
  screenshot: what napari itself costs for these layers when no reader does any work.
  napari-ome-zarr's open time over this is the largest open ratio any reader could reach.

File reads are counted with a Python audit hook on ``open`` for every file below the
plate (metadata documents vs chunks), per phase: during the reader function, while the
layers are added (napari slices the coarsest level then), and for the first frame.
"overview chunk reads" = chunks read from the end of the reader function to the first
frame; the target is one per well per visible channel. The page cache is warm (the
plates were read before); the table reports medians over ``--repeats`` runs.

    xvfb-run -a -s "-screen 0 1600x1200x24" .venv/bin/python benchmarks/bench_reader.py
    ... bench_reader.py --plates 384 --repeats 1 --no-doc          # a quick look
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
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
from make_plates import DEFAULT_ROOT, PLATES, ensure_plate, plate_path  # noqa: E402

DOC = REPO / "docs" / "performance-reader.md"
PLUGINS = {"ours": "napari-hcs-zarr", "ome-zarr": "napari-ome-zarr"}
METADATA_NAMES = (".zarray", ".zattrs", ".zgroup", "zarr.json", ".zmetadata")


# --------------------------------------------------------------------------------------
# the worker (one measurement, in its own process)
# --------------------------------------------------------------------------------------
class FileReads:
    """Counts files opened below the plate, by an audit hook (works for every library)."""

    def __init__(self, plate: Path) -> None:
        self.prefixes = tuple({str(plate) + os.sep, os.path.realpath(plate) + os.sep})
        self.chunks: list[str] = []
        self.metadata = 0
        sys.addaudithook(self._hook)

    def _hook(self, event: str, args: tuple) -> None:
        if event != "open" or not args or not isinstance(args[0], str | bytes | os.PathLike):
            return
        path = os.fsdecode(args[0])
        if not path.startswith(self.prefixes):
            return
        if path.endswith(METADATA_NAMES) or path.endswith(".json"):
            self.metadata += 1
        else:
            self.chunks.append(path)

    def mark(self) -> tuple[int, int]:
        return len(self.chunks), self.metadata

    def since(self, mark: tuple[int, int]) -> dict:
        chunks = self.chunks[mark[0] :]
        by_level: dict[str, int] = {}
        for path in chunks:  # <row>/<column>/<field>/<level>/<chunk key...> in these plates
            parts = os.path.relpath(path, self.prefixes[0]).split(os.sep)
            level = parts[3] if len(parts) > 4 else "?"
            by_level[level] = by_level.get(level, 0) + 1
        return {
            "chunks": len(chunks),
            "distinct_chunks": len(set(chunks)),
            "metadata": self.metadata - mark[1],
            "by_level": by_level,
        }


def _warm_up(viewer) -> None:
    """Render a small multiscale image and a text points layer once, then remove them."""
    import numpy as np

    data = [np.random.default_rng(0).integers(0, 4000, (256, 256), dtype=np.uint16)]
    data.append(data[0][::2, ::2])
    viewer.add_image(data, multiscale=True, contrast_limits=(0, 4000), blending="additive")
    viewer.add_points([[10, 10]], features={"well": ["A1"]}, text={"string": "{well}"}, size=0)
    viewer.screenshot(canvas_only=True, flash=False)
    viewer.layers.clear()
    viewer.reset_view()


def _in_memory(layer_data: list) -> list:
    """Layer-data tuples with each multiscale level as numpy (coarsest read, others free)."""
    import numpy as np

    converted = []
    for data, kwargs, kind in layer_data:
        if kind in ("image", "labels") and kwargs.get("multiscale"):
            coarsest = np.asarray(data[-1][...])
            finer = [np.broadcast_to(np.zeros((), coarsest.dtype), level.shape) for level in data[:-1]]
            data = [*finer, coarsest]
        converted.append((data, kwargs, kind))
    return converted


def _reader_function(reader: str, path: str):
    if reader == "ours":
        from napari_hcs_zarr._napari.reader import get_reader

        return get_reader(path)
    from napari_ome_zarr._reader import napari_get_reader

    return napari_get_reader(path)


def worker(mode: str, reader: str, path: str) -> dict:
    plate = Path(path).absolute()
    reads = FileReads(plate)
    import napari
    import napari_ome_zarr._reader  # noqa: F401
    import numpy as np
    from napari.settings import get_settings
    from napari.utils.notifications import notification_manager

    import napari_hcs_zarr._napari.reader  # noqa: F401

    result: dict = {
        "mode": mode,
        "reader": reader,
        "plate": str(plate),
        "async": bool(get_settings().experimental.async_),
    }
    viewer = napari.Viewer(show=True)
    _warm_up(viewer)
    notification_manager.records.clear()
    try:
        mark = reads.mark()
        started = time.perf_counter()
        if mode == "open":
            viewer.open(str(plate), plugin=PLUGINS[reader])
            result["open_s"] = time.perf_counter() - started
            result["reads_open"] = reads.since(mark)
        else:
            function = _reader_function(reader, str(plate))
            if function is None:
                raise RuntimeError(f"{PLUGINS[reader]} declined the path")
            layer_data = function(str(plate))
            result["reader_s"] = time.perf_counter() - started
            if mode == "memory":
                layer_data = _in_memory(layer_data)
            result["reads_reader"] = reads.since(mark)
            mark_add, started_add = reads.mark(), time.perf_counter()
            for data in layer_data:
                if data and data[0] is not None:
                    viewer._add_layer_from_data(*data)
            result["add_s"] = time.perf_counter() - started_add
            result["reads_add"] = reads.since(mark_add)
            result["open_s"] = time.perf_counter() - started
        mark_frame, started_frame = reads.mark(), time.perf_counter()
        image = viewer.screenshot(canvas_only=True, flash=False)
        result["frame_s"] = time.perf_counter() - started_frame
        result["reads_frame"] = reads.since(mark_frame)
        if mode != "open":
            overview = reads.since(mark_add)
            result["reads_overview"] = overview
        result["open_frame_s"] = result["open_s"] + result["frame_s"]
        if mode != "open":
            result["add_frame_s"] = result["add_s"] + result["frame_s"]
        images = [layer for layer in viewer.layers if layer._type_string == "image"]
        result["layers"] = [type(layer).__name__ for layer in viewer.layers]
        result["image_layers"] = len(images)
        result["data_levels"] = [getattr(layer, "data_level", None) for layer in images]
        result["levels"] = [len(layer.data) if layer.multiscale else 1 for layer in images]
        result["lit_fraction"] = float((image[..., :3].max(axis=-1) > 0).mean())
        result["canvas"] = list(image.shape[:2])
        errors = [
            str(n.message)
            for n in notification_manager.records
            if str(getattr(n, "severity", "")).lower().endswith("error")
        ]
        if errors:
            result["error"] = " | ".join(errors)[:2000]
        elif not images:
            result["error"] = "no image layer was added"
    except Exception as error:  # report, do not crash: the table shows the error text
        result["error"] = f"{type(error).__name__}: {error}"[:2000]
    finally:
        result["total_chunks_read"] = len(reads.chunks)
        viewer.close()
    _ = np  # imported before timing on purpose
    return result


# --------------------------------------------------------------------------------------
# the driver
# --------------------------------------------------------------------------------------
def run_worker(mode: str, reader: str, path: Path, timeout: float, quiet_wait: float = 120.0) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", mode, reader, str(path)]
    wait_for_quiet(timeout=quiet_wait)
    busy_before = busy_cpu_seconds()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, cwd=REPO)
        try:
            _, status, usage = _wait(proc, timeout)
        except TimeoutError:
            proc.kill()
            proc.wait()
            return {"mode": mode, "reader": reader, "error": f"timed out after {timeout:.0f} s"}
        wall = time.perf_counter() - started
        stdout.seek(0)
        stderr.seek(0)
        text, errors = stdout.read(), stderr.read()
    lines = [line for line in text.splitlines() if line.startswith('{"mode"')]
    if not lines:
        code = os.waitstatus_to_exitcode(status)
        return {"mode": mode, "reader": reader, "error": f"worker exited {code}: {errors.strip()[-1500:]}"}
    result = json.loads(lines[-1])
    result["process_s"] = wall
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    cpu = usage.ru_utime + usage.ru_stime
    result["other_cpu_s"] = max(0.0, busy_cpu_seconds() - busy_before - cpu)
    return result


def _wait(proc: subprocess.Popen, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            raise TimeoutError
        time.sleep(0.05)


def package_versions() -> dict:
    from importlib.metadata import version

    names = ["napari", "napari-hcs-zarr", "napari-ome-zarr", "ome-zarr", "zarr", "dask", "vispy", "PyQt6"]
    versions = {}
    for name in names:
        try:
            versions[name] = version(name)
        except Exception:  # noqa: BLE001 - a missing package is just not listed
            versions[name] = "?"
    git = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO)
    dirty = subprocess.run(["git", "status", "--porcelain", "src"], capture_output=True, text=True, cwd=REPO)
    versions["git"] = git.stdout.strip() + (" (src modified)" if dirty.stdout.strip() else "")
    return versions


def _median(runs: list[dict], key: str, sub: str | None = None) -> float | None:
    values = []
    for run in runs:
        value = run.get(key)
        if sub is not None and isinstance(value, dict):
            value = value.get(sub)
        if isinstance(value, int | float):
            values.append(value)
    return statistics.median(values) if values else None


def _range(runs: list[dict], key: str) -> tuple[float, float] | None:
    values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
    return (min(values), max(values)) if values else None


def summarise(results: dict) -> list[dict]:
    """One row per (plate, variant, reader) with medians and the first error seen."""
    rows = []
    for (plate, variant, reader), runs in results.items():
        opens = runs["open"]
        splits = runs["split"]
        memory = runs.get("memory", [])
        errors = [r["error"] for r in opens + splits if r.get("error")]
        rows.append(
            {
                "plate": plate,
                "variant": variant,
                "reader": reader,
                "runs": len(opens),
                "open_s": _median(opens, "open_s"),
                "open_range": _range(opens, "open_s"),
                "frame_s": _median(opens, "frame_s"),
                "open_frame_s": _median(opens, "open_frame_s"),
                "reader_s": _median(splits, "reader_s"),
                "add_s": _median(splits, "add_s"),
                "memory_add_s": _median(memory, "add_s"),
                "memory_add_frame_s": _median(memory, "add_frame_s"),
                "chunks_reader": _median(splits, "reads_reader", "chunks"),
                "chunks_add": _median(splits, "reads_add", "chunks"),
                "chunks_frame": _median(splits, "reads_frame", "chunks"),
                "chunks_overview": _median(splits, "reads_overview", "chunks"),
                "distinct_overview": _median(splits, "reads_overview", "distinct_chunks"),
                "overview_by_level": next(
                    (r["reads_overview"]["by_level"] for r in splits if r.get("reads_overview")),
                    None,
                ),
                "metadata_reader": _median(splits, "reads_reader", "metadata"),
                "chunks_open": _median(opens, "reads_open", "chunks"),
                "peak_rss_mb": _median(opens, "peak_rss_mb"),
                "other_cpu_s": max((r.get("other_cpu_s", 0.0) for r in opens + splits), default=0.0),
                "levels": next((r.get("levels") for r in opens if r.get("levels")), None),
                "data_levels": next((r.get("data_levels") for r in opens if r.get("data_levels")), None),
                "lit": _median(opens, "lit_fraction"),
                "error": errors[0] if errors else "",
            }
        )
    return rows


def _f(value, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.{digits}f}"
    return str(int(value)) if isinstance(value, float) else str(value)


def _by_level(by_level: dict | None) -> str:
    if not by_level:
        return ""
    return ": " + " + ".join(f"{n} L{level}" for level, n in sorted(by_level.items(), reverse=True))


def table(rows: list[dict]) -> str:
    header = (
        "| plate | metadata | reader | open s (min-max) | frame s | open->frame s | reader s | add s "
        "| chunks: reader / add / frame | overview chunks (distinct) | metadata files "
        "| levels shown | peak RSS MB |"
    )
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for r in rows:
        levels = f"{r['data_levels'][0]} of {r['levels'][0]}" if r["data_levels"] and r["levels"] else "-"
        spread = r.get("open_range")
        spread = f" ({spread[0]:.2f}-{spread[1]:.2f})" if spread else ""
        lines.append(
            f"| {r['plate']} | {r['variant']} | {PLUGINS[r['reader']]} | {_f(r['open_s'])}{spread} "
            f"| {_f(r['frame_s'])} | {_f(r['open_frame_s'])} | {_f(r['reader_s'])} "
            f"| {_f(r['add_s'])} | {_f(r['chunks_reader'])} / {_f(r['chunks_add'])} / "
            f"{_f(r['chunks_frame'])} | {_f(r['chunks_overview'])} ({_f(r['distinct_overview'])})"
            f"{_by_level(r.get('overview_by_level'))} "
            f"| {_f(r['metadata_reader'])} | {levels} | {_f(r['peak_rss_mb'], 0)} |"
        )
    return "\n".join(lines)


def ratios(rows: list[dict]) -> list[dict]:
    """ours vs napari-ome-zarr per plate and metadata variant (>1: ours is faster/fewer)."""
    by_key = {(r["plate"], r["variant"], r["reader"]): r for r in rows}
    out = []
    for (plate, variant, reader), ours in by_key.items():
        if reader != "ours" or (plate, variant, "ome-zarr") not in by_key:
            continue
        theirs = by_key[(plate, variant, "ome-zarr")]

        def ratio(key: str, ours=ours, theirs=theirs) -> float | None:
            a, b = ours.get(key), theirs.get(key)
            if a is None or b is None or theirs.get("error") or ours.get("error"):
                return None
            return b / a if a else None

        out.append(
            {
                "plate": plate,
                "variant": variant,
                "open": ratio("open_s"),
                "frame": ratio("frame_s"),
                "open_frame": ratio("open_frame_s"),
                "reader": ratio("reader_s"),
                "overview_chunks": ratio("chunks_overview"),
            }
        )
    return out


def ratio_table(rows: list[dict]) -> str:
    lines = [
        "| plate | metadata | open | first frame | open->frame | reader function | overview chunk reads |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        cells = [
            f"{r[k]:.1f}x" if r[k] is not None else "-"
            for k in ("open", "frame", "open_frame", "reader", "overview_chunks")
        ]
        lines.append(f"| {r['plate']} | {r['variant']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def targets(rows: list[dict], ratio_rows: list[dict]) -> str:
    lines = []
    by_key = {(r["plate"], r["variant"], r["reader"]): r for r in rows}
    for r in ratio_rows:
        if r["plate"] == "384" and r["open"] is not None:
            verdict = "met" if r["open"] >= 20 else "NOT met"
            lines.append(
                f"- 384-well plate ({r['variant']} metadata) opens {r['open']:.1f}x "
                f"faster than napari-ome-zarr (target >= 20x): {verdict}."
            )
            ours = by_key.get(("384", r["variant"], "ours"), {})
            theirs = by_key.get(("384", r["variant"], "ome-zarr"), {})
            alone = ours.get("memory_add_frame_s")
            if alone and theirs.get("open_frame_s"):
                lines.append(
                    f"  napari alone needs {alone:.2f} s to add these layers from memory and draw "
                    f"them, so no reader can open this plate more than "
                    f"{theirs['open_frame_s'] / alone:.1f}x faster than napari-ome-zarr "
                    f"(open->frame {theirs['open_frame_s']:.2f} s) on this machine; "
                    f"napari-hcs-zarr's open->frame is {ours['open_frame_s']:.2f} s."
                )
    for r in rows:
        if r["plate"] == "1536" and r["reader"] == "ours" and r["open_s"] is not None:
            verdict = "met" if r["open_s"] <= 2 else "NOT met"
            lines.append(
                f"- 1536-well plate ({r['variant']} metadata) opens in "
                f"{r['open_s']:.2f} s, first frame after {r['open_frame_s']:.2f} s "
                f"(target <= 2 s to open): {verdict}."
            )
    for r in rows:
        if r["reader"] != "ours" or r["chunks_overview"] is None:
            continue
        spec = PLATES[r["plate"]]
        expected = spec.wells * (r.get("image_layers") or 3)
        by_level = r.get("overview_by_level") or {}
        shown = str(r["data_levels"][0]) if r.get("data_levels") else "?"
        at_shown = by_level.get(shown, 0)
        others = ", ".join(f"{n} of level {lv}" for lv, n in sorted(by_level.items()) if lv != shown)
        verdict = "met" if at_shown == expected else "NOT met"
        lines.append(
            f"- {r['plate']}-well plate ({r['variant']}): {at_shown} chunk reads at the level "
            f"shown ({shown}) for the overview, {expected} = wells x channels (target: one "
            f"per well per visible channel): {verdict}."
            + (f" Also read while adding the layers: {others}." if others else "")
        )
    return "\n".join(lines)


def time_split(rows: list[dict]) -> str:
    """Where each reader's open time goes (from the split runs)."""
    lines = [
        "| plate | metadata | reader | reader function s | adding layers s | share of adding "
        "| napari alone: add s | napari alone: add + frame s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        if r["reader_s"] is None or r["add_s"] is None:
            continue
        total = r["reader_s"] + r["add_s"]
        lines.append(
            f"| {r['plate']} | {r['variant']} | {PLUGINS[r['reader']]} | {r['reader_s']:.2f} "
            f"| {r['add_s']:.2f} | {100 * r['add_s'] / total:.0f}% | {_f(r.get('memory_add_s'))} "
            f"| {_f(r.get('memory_add_frame_s'))} |"
        )
    return "\n".join(lines)


def write_doc(rows, ratio_rows, meta, command: str) -> None:
    machine = meta["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in meta["versions"].items())
    plates = "\n".join(
        f"| {key} | {s.rows}x{s.columns} | {s.well_px}^2 | {s.levels} | {s.chunk_px}^2 "
        f"| {meta['plates'][key]['bytes'] / 1e6:.0f} MB, {meta['plates'][key]['files']} files |"
        for key, s in PLATES.items()
        if key in meta["plates"]
    )
    errors = [
        f"- {PLUGINS[r['reader']]} on the {r['plate']}-well plate ({r['variant']}): `{r['error']}`"
        for r in rows
        if r["error"]
    ]
    busy = max((r["other_cpu_s"] for r in rows), default=0.0)
    doc = f"""# Reader performance: napari-hcs-zarr vs napari-ome-zarr

Measured {meta["date"]} on {machine["nproc"]} CPUs ({machine["cpu"]}), {machine["ram_gib"]} GiB
RAM, Linux {machine["kernel"]}, Python {machine["python"]}; {versions}. Rendering on Xvfb
(software OpenGL). Each figure is the median of {meta["repeats"]} runs, every run a fresh
process; open s also gives the fastest and slowest run. Other processes on the machine used
up to {busy:.1f} CPU-seconds during a run; the machine is a virtual machine, and runs of the
same case differ by up to 2x (see the min-max column), so read the ratios, not the last
digit.

Command (from the repository root):

    {command}

## Plates

Written by `benchmarks/make_plates.py` (cached under `{meta["root"]}`): OME-NGFF 0.4, zarr v2,
blosc-lz4, every well occupied by one field of 3 channels x 1 z, uint16, 4 levels
(2x mean), chunks one channel x one plane x the size below (so levels 1-3 of the 96-well
plate, and all levels of the others below the chunk size, are one chunk per well plane).
"plain" = as written, without consolidated metadata (as ome-zarr-py writes plates);
"consolidated" = the same plate with a root `.zmetadata`.

| wells | grid | well px | levels | chunk px | on disk |
|---|---|---|---|---|---|
{plates}

## What is measured

In each fresh process, before timing: import napari and both plugins, open a
`napari.Viewer(show=True)`, render a small warm-up image and points layer once. Then:

- **open s**: `viewer.open(path, plugin=...)` until it returns (layers added; napari slices
  each new image layer at its coarsest level while adding it, so these reads are included).
- **frame s**: the following `viewer.screenshot(canvas_only=True)`: the first rendered frame
  (napari picks the level for the canvas, slices, uploads textures, draws).
- **open->frame s**: the sum: from the open call to the first overview frame.
- **reader s / add s** (separate run): the plugin's reader function alone
  (`get_reader(path)` then the returned function), then adding its layer data with
  `viewer._add_layer_from_data`.
- **chunks**: files below the plate opened (Python audit hook on `open`), excluding
  metadata documents, during the reader function / the adding of layers / the first frame.
  **overview chunks**: adding + first frame, with distinct files in brackets. **metadata
  files**: metadata documents opened by the reader function.
- **levels shown**: the data level napari displays in the first frame, of the levels the
  layer has.

The page cache was warm (every plate had been read before), so these are CPU and
metadata-latency costs, not disk reads.

## Results

{table(rows)}

Ratios, napari-ome-zarr / napari-hcs-zarr (above 1: napari-hcs-zarr is faster or reads fewer
chunks):

{ratio_table(ratio_rows)}

## Where the time goes

Reader function (metadata, building the lazy arrays) vs adding the layers to the viewer
(napari builds each layer and slices it at its coarsest level: every chunk read of the
overview happens here, none in the first frame, see the chunks column above):

{time_split(rows)}

## Targets

{targets(rows, ratio_rows)}

## Errors

{chr(10).join(errors) if errors else "None: both readers opened every plate."}
"""
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(doc)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _, mode, reader, path = argv
        print(json.dumps(worker(mode, reader, path)), flush=True)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--plates", nargs="+", default=list(PLATES), choices=list(PLATES))
    parser.add_argument("--readers", nargs="+", default=list(PLUGINS), choices=list(PLUGINS))
    parser.add_argument(
        "--variants", nargs="+", default=["plain", "consolidated"], choices=["plain", "consolidated"]
    )
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="per run, seconds")
    parser.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="longest wait, seconds, for other processes to go quiet before a run",
    )
    parser.add_argument("--no-doc", action="store_true", help=f"do not write {DOC.name}")
    parser.add_argument("--json", type=Path, help="also write every run's raw result here")
    parser.add_argument(
        "--from-json", type=Path, help="measure nothing: print and write the doc from a --json file"
    )
    args = parser.parse_args(argv)
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        results = {tuple(k.split("|")): v for k, v in saved["runs"].items()}
        report(results, saved["meta"], write=not args.no_doc)
        return 0
    if not os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        parser.error('no X display: run under xvfb-run -a -s "-screen 0 1600x1200x24"')

    command = ".venv/bin/python benchmarks/bench_reader.py" + (" " + " ".join(argv) if argv else "")
    command = f'xvfb-run -a -s "-screen 0 1600x1200x24" {command}'
    plates_facts = {key: ensure_plate(PLATES[key], args.root) for key in args.plates}
    results: dict = {}
    for repeat in range(args.repeats):
        for key in args.plates:
            for variant in args.variants:
                path = plate_path(args.root, PLATES[key], consolidated=variant == "consolidated")
                for reader in args.readers:
                    runs = results.setdefault((key, variant, reader), {"open": [], "split": [], "memory": []})
                    for mode in ("open", "split", "memory") if reader == "ours" else ("open", "split"):
                        result = run_worker(mode, reader, path, args.timeout, args.quiet_wait)
                        runs[mode].append(result)
                        status = result.get("error") or (
                            f"open {result.get('open_s', 0):.2f} s, frame "
                            f"{result.get('frame_s', 0):.2f} s, chunks "
                            f"{result.get('total_chunks_read')}"
                        )
                        print(
                            f"[{repeat + 1}/{args.repeats}] {key:>4} {variant:<12} "
                            f"{PLUGINS[reader]:<16} {mode:<5} {status[:300]}",
                            flush=True,
                        )
    meta = {
        "date": _dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine_description(),
        "versions": package_versions(),
        "repeats": args.repeats,
        "root": str(args.root),
        "plates": plates_facts,
        "command": command,
    }
    if args.json:
        args.json.write_text(
            json.dumps({"meta": meta, "runs": {"|".join(k): v for k, v in results.items()}}, indent=1)
        )
    report(results, meta, write=not args.no_doc)
    return 0


def report(results: dict, meta: dict, write: bool) -> None:
    """Print the tables and targets; write the doc when ``write``."""
    rows = summarise(results)
    for row in rows:
        split = results[(row["plate"], row["variant"], row["reader"])]["split"]
        row["image_layers"] = next((r.get("image_layers") for r in split if r.get("image_layers")), None)
    ratio_rows = ratios(rows)
    print()
    print(table(rows))
    print()
    print(ratio_table(ratio_rows))
    print()
    print(targets(rows, ratio_rows))
    if write:
        write_doc(rows, ratio_rows, meta, meta.get("command", "?"))
        print(f"\nwrote {DOC}")


if __name__ == "__main__":
    sys.exit(main())
