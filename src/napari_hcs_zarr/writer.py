"""Raw plate → stitched, one-image-per-well OME-Zarr plate.

The unit of work is one well plane (well, time point, channel, z): its fields are read,
stitched at their stage positions, and every pyramid level of that plane is written.
No two units touch the same chunk (or shard), so units run in parallel on threads, or
on a dask.distributed cluster, and a unit's memory is one well plane plus its pyramid.

A conversion keeps a journal in ``OUT/.conversion/``: the plan, and one small file per
finished unit. The OME metadata that makes a plate look complete (the image
``multiscales`` and the plate's ``plate`` object) is written only after every unit is
done, so an interrupted plate never looks finished, and ``resume=True`` redoes only the
units with no journal entry.
"""

from __future__ import annotations

import ctypes
import importlib
import json
import os
import shutil
import time
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from napari_hcs_zarr.errors import ConversionCancelled, HcsZarrError, OutputError, RawPlateError
from napari_hcs_zarr.field_images import read_field_image
from napari_hcs_zarr.ngff import NgffFormat, encode_chunk, format_for
from napari_hcs_zarr.plate_names import parse_well_name
from napari_hcs_zarr.pyramid import default_level_count, downsample_mean2, level_shape
from napari_hcs_zarr.raw_plate import PlaneKey, RawPlate, RawWell
from napari_hcs_zarr.raw_sources import read_raw_plate
from napari_hcs_zarr.roi_tables import write_roi_tables
from napari_hcs_zarr.stitching import fields_by_grid_cell, stitch_plane

JOURNAL_DIR = ".conversion"
RAW_METADATA_DIR = "raw_metadata"
IMAGE_PATH = "0"


@dataclass
class ConversionOptions:
    """What a conversion writes.

    Parameters
    ----------
    levels
        Pyramid levels; ``None``: until the largest well's longest side is <= 256 px.
    ngff
        ``"0.4"`` (zarr v2) or ``"0.5"`` (zarr v3, sharded).
    wells
        Well names to convert (``["B03", "C04"]``); ``None``: all imaged wells.
    overwrite
        Replace an existing output plate.
    resume
        Finish an interrupted conversion into the same output, doing only what is missing.
    workers
        Planes converted at once on this machine; ``None``: one per core.
    scheduler
        Address of a dask.distributed scheduler to run on instead of local threads.
    shard_planes
        NGFF 0.5 only: shards (``True``), or plain chunks.
    shard_chunks
        NGFF 0.5 with shards: the most inner chunks along Y and along X in one shard (at
        level 0 a chunk is one camera field, so 3 means shards of up to 3 x 3 fields);
        ``None``: one shard per well plane and level. A shard never spans two well
        planes, so no two units of work write the same shard.
    """

    levels: int | None = None
    ngff: str = "0.4"
    wells: list[str] | None = None
    overwrite: bool = False
    resume: bool = False
    workers: int | None = None
    scheduler: str | None = None
    shard_planes: bool = True
    shard_chunks: int | None = None


@dataclass
class ProgressEvent:
    """Progress of a conversion: ``done`` of ``total`` units, and what is happening."""

    done: int
    total: int
    message: str


@dataclass
class ConversionSummary:
    """What a conversion wrote."""

    output: Path
    wells: int
    planes_written: int
    planes_resumed: int
    levels: int
    ngff: str
    bytes_written: int
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def describe(self) -> str:
        lines = [
            f"Wrote {self.output} (OME-NGFF {self.ngff}): {self.wells} wells, "
            f"{self.planes_written} planes"
            + (f" (+{self.planes_resumed} from the interrupted run)" if self.planes_resumed else "")
            + f", {self.levels} levels, {self.bytes_written / 1e6:.1f} MB on disk, "
            f"in {self.seconds:.1f} s."
        ]
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# One unit of work, runnable on a thread or a dask.distributed worker (all fields picklable)
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PlaneJob:
    """Everything needed to stitch and write one well plane at every level."""

    job_id: str
    output: str
    ngff: str
    zarr_format: int
    image_path: str
    index: tuple[int, ...]
    channel: int
    levels: int
    well_shape: tuple[int, int]
    field_shape: tuple[int, int]
    dtype: str
    fields: tuple[tuple[int, int, int, str | None], ...]
    chunk_shapes: tuple[tuple[int, int], ...]  # Y/X chunk of each level
    shard_grids: tuple[tuple[int, int] | None, ...]  # inner chunks per shard of each level


def histogram_shift(dtype: np.dtype) -> int:
    """Right shift that brings an integer type into 4096 histogram bins."""
    return max(0, np.dtype(dtype).itemsize * 8 - 12)


def run_plane_job(job: PlaneJob) -> dict:
    """Stitch one well plane, write all its levels, record it in the journal.

    When the fields tile the level-0 chunk grid (see :func:`_level1_from_tiling_fields`),
    level 0 is written field by field and the stitched plane is never made; otherwise the
    fields are stitched into one plane first. Both give the same chunks.

    Returns the plane's intensity histogram (for display windows).
    """

    def read(file_name: str | None) -> np.ndarray | None:
        if file_name is None or not os.path.exists(file_name):
            return None  # listed but missing: zeros, as the parser's warning says
        return read_field_image(Path(file_name), job.field_shape)

    fmt = format_for(job.ngff)
    image_dir = Path(job.output) / job.image_path
    plane = _level1_from_tiling_fields(job, fmt, read)
    first_level = 1
    if plane is None:
        plane = stitch_plane(job.fields, job.well_shape, np.dtype(job.dtype), read)
        first_level = 0
    histogram = None
    histogram_level = min(2, job.levels - 1)
    for level in range(first_level, job.levels):
        if level > first_level:
            plane = downsample_mean2(plane)
        fmt.write_plane_chunks(
            image_dir / str(level), job.index, plane, job.chunk_shapes[level], job.shard_grids[level]
        )
        if level == histogram_level:
            histogram = _histogram(plane)
    stats = {"channel": job.channel, "histogram": histogram}
    marker = Path(job.output) / JOURNAL_DIR / "done" / f"{job.job_id}.json"
    marker.write_text(json.dumps(stats))
    return stats


def _level1_from_tiling_fields(
    job: PlaneJob, fmt: NgffFormat, read: Callable[[str | None], np.ndarray | None]
) -> np.ndarray | None:
    """Write level 0 straight from the fields and return level 1, when the fields allow.

    They allow when the level-0 chunk is the field size and the fields tile the chunk
    grid (:func:`~napari_hcs_zarr.stitching.fields_by_grid_cell`): then every chunk is
    one field's image, or zeros. With an even field size each field's 2x2 means are
    also exactly its part of level 1, so level 1 is made field by field. Returns
    ``None`` (nothing written) for any other layout, a single level, or an odd field size.
    """
    fh, fw = job.field_shape
    if job.levels < 2 or fh % 2 or fw % 2 or tuple(job.chunk_shapes[0]) != (fh, fw):
        return None
    cells = fields_by_grid_cell(job.fields, job.well_shape, job.field_shape)
    if cells is None:
        return None
    dtype = np.dtype(job.dtype)
    grid = (job.well_shape[0] // fh, job.well_shape[1] // fw)
    level1 = np.zeros((job.well_shape[0] // 2, job.well_shape[1] // 2), dtype=dtype)
    chunks = fmt.plane_chunk_writer(
        Path(job.output) / job.image_path / "0", job.index, grid, job.shard_grids[0]
    )
    empty_chunk = None
    for cy in range(grid[0]):
        for cx in range(grid[1]):
            image = read(cells[cy, cx]) if (cy, cx) in cells else None
            if image is None:
                if empty_chunk is None:
                    empty_chunk = encode_chunk(np.zeros((fh, fw), dtype=dtype), (fh, fw))
                chunks.add(cy, cx, empty_chunk)
                continue
            image = image.astype(dtype, copy=False)  # as pasting into the plane would cast it
            chunks.add(cy, cx, encode_chunk(image, (fh, fw)))
            y, x = cy * fh // 2, cx * fw // 2
            downsample_mean2(image, out=level1[y : y + fh // 2, x : x + fw // 2])
    chunks.close()
    return level1


def _histogram(plane: np.ndarray) -> dict[str, int]:
    if not np.issubdtype(plane.dtype, np.integer):
        return {}
    counts = np.bincount((plane.ravel() >> histogram_shift(plane.dtype)).astype(np.intp))
    nonzero = np.flatnonzero(counts)
    return {str(int(i)): int(counts[i]) for i in nonzero}


# --------------------------------------------------------------------------------------
# Planning
# --------------------------------------------------------------------------------------
@dataclass
class _WellLayout:
    well: RawWell
    shape_yx: tuple[int, int]


def _axes(raw: RawPlate) -> list[dict]:
    axes = [{"name": "t", "type": "time"}] if raw.time_count > 1 else []
    axes.append({"name": "c", "type": "channel"})
    axes += [{"name": n, "type": "space", "unit": "micrometer"} for n in ("z", "y", "x")]
    return axes


def is_resumable(output: str | Path) -> bool:
    """Whether ``output`` holds an interrupted conversion that ``resume=True`` can finish
    (its journal's plan is written; the plate's completing metadata is not)."""
    return (Path(output) / JOURNAL_DIR / "plan.json").is_file()


def _check_output(raw: RawPlate, output: Path, options: ConversionOptions) -> None:
    source = raw.source_dir.resolve()
    target = output.resolve()
    if target == source or source in target.parents:
        raise OutputError(output, f"is inside the raw folder {source}; the raw folder is never written to")
    if target in source.parents:
        raise OutputError(output, f"contains the raw folder {source}; choose another output")
    if not output.exists():
        return
    if options.resume:
        if not is_resumable(output):
            raise OutputError(output, "has no conversion journal to resume (it is complete or not ours)")
        return
    if not options.overwrite:
        raise OutputError(output, "already exists; pass --overwrite to replace it or --resume to finish it")
    is_zarr = any((output / n).exists() for n in (".zgroup", ".zattrs", "zarr.json"))
    if output.is_dir() and not is_zarr and any(output.iterdir()):
        raise OutputError(output, "exists and is not a zarr plate; refusing to delete it")


def _plan_record(raw: RawPlate, options: ConversionOptions, levels: int) -> dict:
    return {
        "raw_dir": str(raw.source_dir.resolve()),
        "wells": [w.name for w in raw.wells],
        "levels": levels,
        "ngff": options.ngff,
        "shard_planes": options.shard_planes,
        "shard_chunks": options.shard_chunks,
    }


def _level_geometry(
    shape_yx: tuple[int, int], field_shape: tuple[int, int], level: int
) -> tuple[tuple[int, int], tuple[int, int]]:
    """Y/X shape of a well's ``level`` and its chunk: one camera field, clipped to the shape."""
    h, w = level_shape(shape_yx, level)
    h, w = max(h, 1), max(w, 1)
    return (h, w), (min(field_shape[0], h), min(field_shape[1], w))


def _shard_grid(
    fmt: NgffFormat, options: ConversionOptions, shape_yx: tuple[int, int], chunk_yx: tuple[int, int]
) -> tuple[int, int] | None:
    """Inner chunks along Y and X of one shard of a level (None: no sharding)."""
    if fmt.zarr_format != 3 or not options.shard_planes:
        return None
    grid = (-(-shape_yx[0] // chunk_yx[0]), -(-shape_yx[1] // chunk_yx[1]))
    if options.shard_chunks is None:
        return grid
    return (min(options.shard_chunks, grid[0]), min(options.shard_chunks, grid[1]))


def _create_hierarchy(
    raw: RawPlate,
    output: Path,
    fmt: NgffFormat,
    layouts: list[_WellLayout],
    levels: int,
    options: ConversionOptions,
) -> None:
    prefix = (raw.time_count,) if raw.time_count > 1 else ()
    names = [a["name"] for a in _axes(raw)]

    fmt.create_group(output)
    for row in sorted({layout.well.row for layout in layouts}):
        fmt.create_group(output / row)
    for layout in layouts:
        well = layout.well
        image_dir = output / well.path / IMAGE_PATH
        fmt.create_group(output / well.path)
        fmt.create_group(image_dir)
        for level in range(levels):
            (h, w), (fh, fw) = _level_geometry(layout.shape_yx, raw.field_shape, level)
            chunks = (1,) * len(prefix) + (1, 1, fh, fw)
            shard_grid = _shard_grid(fmt, options, (h, w), (fh, fw))
            shards = None if shard_grid is None else chunks[:-2] + (shard_grid[0] * fh, shard_grid[1] * fw)
            fmt.create_array(
                image_dir / str(level),
                shape=prefix + (len(raw.channels), well.z_count, h, w),
                chunks=chunks,
                shards=shards,
                dtype=raw.dtype,
                dimension_names=names,
            )
    journal = output / JOURNAL_DIR
    (journal / "done").mkdir(parents=True, exist_ok=True)
    (journal / "plan.json").write_text(json.dumps(_plan_record(raw, options, levels)))


def _jobs(
    raw: RawPlate,
    output: Path,
    fmt: NgffFormat,
    options: ConversionOptions,
    layouts: list[_WellLayout],
    levels: int,
) -> list[PlaneJob]:
    jobs = []
    for layout in layouts:
        well = layout.well
        geometries = [_level_geometry(layout.shape_yx, raw.field_shape, level) for level in range(levels)]
        chunk_shapes = tuple(chunk_yx for _, chunk_yx in geometries)
        shard_grids = tuple(
            _shard_grid(fmt, options, shape_yx, chunk_yx) for shape_yx, chunk_yx in geometries
        )
        for t in range(raw.time_count):
            for c in range(len(raw.channels)):
                for z in range(well.z_count):
                    key = PlaneKey(t, c, z)
                    fields = tuple(
                        (f.index, f.y_px, f.x_px, str(f.files[key]) if key in f.files else None)
                        for f in well.fields
                    )
                    index = ((t,) if raw.time_count > 1 else ()) + (c, z)
                    jobs.append(
                        PlaneJob(
                            job_id=f"{well.name}_t{t}_c{c}_z{z}",
                            output=str(output),
                            ngff=fmt.version,
                            zarr_format=fmt.zarr_format,
                            image_path=f"{well.path}/{IMAGE_PATH}",
                            index=index,
                            channel=c,
                            levels=levels,
                            well_shape=layout.shape_yx,
                            field_shape=raw.field_shape,
                            dtype=np.dtype(raw.dtype).str,
                            fields=fields,
                            chunk_shapes=chunk_shapes,
                            shard_grids=shard_grids,
                        )
                    )
    return jobs


# --------------------------------------------------------------------------------------
# Finishing: the metadata that makes the plate complete
# --------------------------------------------------------------------------------------
def _channel_windows(raw: RawPlate, stats: Iterable[dict]) -> list[dict]:
    dtype = np.dtype(raw.dtype)
    totals = [np.zeros(4096, dtype=np.int64) for _ in raw.channels]
    for s in stats:
        for bin_index, count in (s.get("histogram") or {}).items():
            totals[s["channel"]][int(bin_index)] += count
    if np.issubdtype(dtype, np.integer):
        lo, hi = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    else:
        lo, hi = 0.0, 1.0
    shift = histogram_shift(dtype) if np.issubdtype(dtype, np.integer) else 0
    windows = []
    for counts in totals:
        total = counts.sum()
        if total == 0:
            windows.append({"min": lo, "max": hi, "start": lo, "end": hi})
            continue
        cumulative = np.cumsum(counts) / total
        start = int(np.searchsorted(cumulative, 0.001)) << shift
        end = (int(np.searchsorted(cumulative, 0.999)) + 1) << shift
        end = min(max(end, start + 1), hi)
        windows.append({"min": lo, "max": hi, "start": start, "end": end})
    return windows


def _write_image_metadata(
    raw: RawPlate, image_dir: Path, fmt: NgffFormat, levels: int, windows: list[dict]
) -> None:
    z_um, y_um, x_um = raw.pixel_size_um
    lead = [1.0] * (2 if raw.time_count > 1 else 1)
    datasets = [
        {
            "path": str(level),
            "coordinateTransformations": [
                {"type": "scale", "scale": lead + [z_um, y_um * 2**level, x_um * 2**level]}
            ],
        }
        for level in range(levels)
    ]
    omero = {
        "channels": [
            {
                "label": channel.label,
                "wavelength_id": channel.id,
                "color": channel.color,
                "window": window,
                "active": True,
                "coefficient": 1.0,
                "family": "linear",
                "inverted": False,
            }
            for channel, window in zip(raw.channels, windows, strict=True)
        ],
        "rdefs": {"model": "color"},
    }
    fmt.write_ome(
        image_dir,
        multiscales=[{"name": raw.name, "axes": _axes(raw), "datasets": datasets}],
        omero=omero,
    )


def _write_fixed_metadata(raw: RawPlate, output: Path, fmt: NgffFormat, layouts: list[_WellLayout]) -> None:
    """What no pixel changes: each well's ROI tables and a copy of the vendor's metadata files.

    Written while the planes are; neither makes the plate look complete.
    """
    for layout in layouts:
        well = layout.well
        write_roi_tables(output / well.path / IMAGE_PATH, fmt.zarr_format, raw, well, layout.shape_yx)
    metadata_dir = output / RAW_METADATA_DIR
    metadata_dir.mkdir(exist_ok=True)
    for path in raw.metadata_files:
        shutil.copy2(path, metadata_dir / path.name)


def _finish_plate(
    raw: RawPlate, output: Path, fmt: NgffFormat, layouts: list[_WellLayout], levels: int
) -> None:
    stats = [json.loads(p.read_text()) for p in (output / JOURNAL_DIR / "done").glob("*.json")]
    windows = _channel_windows(raw, stats)
    for layout in layouts:
        well = layout.well
        _write_image_metadata(raw, output / well.path / IMAGE_PATH, fmt, levels, windows)
        fmt.write_ome(output / well.path, well={"images": [{"path": IMAGE_PATH, "acquisition": 0}]})
    fmt.write_ome(
        output,
        plate={
            "name": raw.name,
            "rows": [{"name": n} for n in raw.row_names],
            "columns": [{"name": n} for n in raw.column_names],
            "wells": [
                {
                    "path": layout.well.path,
                    "rowIndex": layout.well.row_index,
                    "columnIndex": layout.well.column_index,
                }
                for layout in layouts
            ],
            "field_count": 1,
            "acquisitions": [{"id": 0, "name": raw.name, "maximumfieldcount": 1}],
        },
    )
    fmt.consolidate_metadata(output)
    shutil.rmtree(output / JOURNAL_DIR)


def _disk_usage(path: Path) -> int:
    """Bytes in the files below ``path``."""
    total = 0
    for folder, _, files in os.walk(path):
        total += sum(os.stat(os.path.join(folder, name)).st_size for name in files)
    return total


# --------------------------------------------------------------------------------------
# The entry points
# --------------------------------------------------------------------------------------
def prepare_raw_plate(raw: RawPlate | str | Path, wells: list[str] | None) -> RawPlate:
    """Parse ``raw`` when it is a folder, and keep only ``wells`` when given."""
    plate = raw if isinstance(raw, RawPlate) else read_raw_plate(raw)
    if wells:
        names = []
        for name in wells:
            row, column = parse_well_name(name)
            width = len(plate.column_names[0]) if plate.column_names else 2
            names.append(f"{row}{column:0{width}d}")
        plate = plate.select_wells(names)
    if not plate.wells:
        raise RawPlateError(plate.source_dir, "no imaged wells to convert")
    return plate


def iter_convert(
    raw: RawPlate | str | Path,
    output: str | Path,
    options: ConversionOptions | None = None,
) -> Generator[ProgressEvent, None, ConversionSummary]:
    """Convert, yielding a :class:`ProgressEvent` after each well plane.

    Closing the generator cancels the conversion: planes in flight finish, nothing
    else starts, and the output stays an incomplete plate (resumable). The summary is
    the generator's return value (``StopIteration.value``); :func:`convert` unwraps it.
    """
    options = options or ConversionOptions()
    started = time.perf_counter()
    fmt = format_for(options.ngff)
    plate = prepare_raw_plate(raw, options.wells)
    output = Path(output)
    _check_output(plate, output, options)

    layouts = [_WellLayout(w, w.image_shape_yx(plate.field_shape)) for w in plate.wells]
    largest = max(max(layout.shape_yx) for layout in layouts)
    levels = options.levels or default_level_count((largest, largest))
    if levels < 1:
        raise ValueError(f"levels must be >= 1, got {levels}")
    if options.shard_chunks is not None and options.shard_chunks < 1:
        raise ValueError(f"shard_chunks must be >= 1, got {options.shard_chunks}")

    resuming = options.resume and output.exists()
    if resuming:
        recorded = json.loads((output / JOURNAL_DIR / "plan.json").read_text())
        expected = _plan_record(plate, options, levels)
        if recorded != expected:
            changed = [k for k in expected if recorded.get(k) != expected[k]]
            raise OutputError(
                output, f"was started with other settings ({', '.join(changed)}); cannot resume"
            )
    else:
        if output.exists():
            shutil.rmtree(output)
        yield ProgressEvent(0, 1, "creating arrays")
        _create_hierarchy(plate, output, fmt, layouts, levels, options)

    jobs = _jobs(plate, output, fmt, options, layouts, levels)
    done_dir = output / JOURNAL_DIR / "done"
    finished = {p.stem for p in done_dir.glob("*.json")} if resuming else set()
    pending = [j for j in jobs if j.job_id not in finished]
    total = len(jobs) + 1
    done = len(jobs) - len(pending)
    yield ProgressEvent(done, total, f"{len(pending)} well planes to write")

    executor, slots = _make_executor(options)
    side_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hcs-metadata")
    fixed_metadata = side_thread.submit(_write_fixed_metadata, plate, output, fmt, layouts)
    in_flight: set[Future] = set()
    queue = iter(pending)
    try:
        while True:
            while len(in_flight) < slots:
                job = next(queue, None)
                if job is None:
                    break
                in_flight.add(executor.submit(run_plane_job, job))
            if not in_flight:
                break
            completed, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in completed:
                future.result()  # re-raises a worker's RawPlateError as it was
                done += 1
            yield ProgressEvent(done, total, "writing well planes")
    finally:
        for future in in_flight:
            future.cancel()
        wait(in_flight)
        executor.shutdown(wait=True, cancel_futures=True)
        side_thread.shutdown(wait=True)

    fixed_metadata.result()
    yield ProgressEvent(done, total, "writing plate metadata")
    _finish_plate(plate, output, fmt, layouts, levels)
    summary = ConversionSummary(
        output=output,
        wells=len(layouts),
        planes_written=len(pending),
        planes_resumed=len(jobs) - len(pending),
        levels=levels,
        ngff=options.ngff,
        bytes_written=_disk_usage(output),
        seconds=time.perf_counter() - started,
        warnings=list(plate.warnings),
    )
    yield ProgressEvent(total, total, "done")
    return summary


def _make_executor(options: ConversionOptions) -> tuple[Executor, int]:
    """The executor to run plane jobs on, and how many jobs to keep queued on it."""
    if options.scheduler:
        from distributed import Client

        client = Client(options.scheduler)
        try:  # import on every worker now: fails early, and keeps imports out of the tasks
            client.run(importlib.import_module, __name__)
            client.run(_keep_freed_memory)
        except Exception as error:
            client.close()
            raise HcsZarrError(
                f"the workers of {options.scheduler} cannot import {__name__} ({error}); "
                "install napari-hcs-zarr in their environment"
            ) from None
        workers = max(1, sum(client.nthreads().values()))
        return _DistributedExecutor(client), 2 * workers
    workers = options.workers or os.cpu_count() or 1
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="hcs-convert"), 2 * workers


def _keep_freed_memory() -> None:
    """Let glibc reuse freed memory for the next well plane instead of returning it.

    dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes
    the mmap threshold at 128 KiB: every plane-sized array is then a fresh mmap whose
    pages fault in one by one, and a plane takes 1.8x as long as on a thread (measured
    in benchmarks/bench_scale_out.py). Arrays up to 128 MiB come from the heap instead,
    and up to 1 GiB of free heap is kept. No effect where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 128 * 2**20)
    libc.mallopt(m_trim_threshold, 2**30)


class _DistributedExecutor(Executor):
    """A dask.distributed client seen as a ``concurrent.futures`` executor."""

    def __init__(self, client) -> None:
        self._client = client
        self._executor = client.get_executor(pure=False)

    def submit(self, fn, /, *args, **kwargs):
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)
        self._client.close()


def iter_convert_until(
    raw: RawPlate | str | Path,
    output: str | Path,
    options: ConversionOptions | None,
    should_stop: Callable[[], bool],
) -> Generator[ProgressEvent, None, ConversionSummary | None]:
    """:func:`iter_convert`, polling ``should_stop`` after every event; once it returns
    True the conversion is closed (cancelled, resumable) and the generator returns None."""
    events = iter_convert(raw, output, options)
    while True:
        try:
            event = next(events)
        except StopIteration as finished:
            return finished.value
        yield event
        if should_stop() and event.done < event.total:  # after the last event it is done
            events.close()
            return None


def convert(
    raw: RawPlate | str | Path,
    output: str | Path,
    options: ConversionOptions | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ConversionSummary:
    """Convert a raw plate folder (or a parsed :class:`RawPlate`) into an OME-Zarr plate.

    Parameters
    ----------
    progress
        Called with every :class:`ProgressEvent`.
    should_stop
        Polled after every plane; returning True cancels with :class:`ConversionCancelled`.
    """
    events = iter_convert_until(raw, output, options, should_stop or (lambda: False))
    while True:
        try:
            event = next(events)
        except StopIteration as finished:
            if finished.value is None:
                raise ConversionCancelled(
                    f"conversion into {output} cancelled; run again with resume to finish it"
                ) from None
            return finished.value
        if progress is not None:
            progress(event)
