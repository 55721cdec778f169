"""Running a conversion: raw plate → stitched, one-image-per-well OME-Zarr plate.

:func:`iter_convert` is the one event loop: it plans, writes the empty hierarchy, runs
the plane jobs on threads or a dask.distributed cluster, and writes the completing
metadata last, yielding a :class:`ProgressEvent` as it goes. :func:`iter_convert_until`
adds a stop flag (the widget's Cancel), and :func:`convert_plate` (the CLI's and Python's entry
point) a progress callback.

A conversion keeps a journal in the output (see :mod:`.journal`); the OME metadata that
makes a plate look complete is written only after every unit is done, so an interrupted
plate never looks finished, and ``resume=True`` redoes only the units with no journal
entry.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path

from napari_hcs_zarr.convert.condition_table import with_condition_csv
from napari_hcs_zarr.convert.executors import make_executor
from napari_hcs_zarr.convert.finish import finish_plate
from napari_hcs_zarr.convert.hierarchy import create_hierarchy, write_fixed_metadata
from napari_hcs_zarr.convert.journal import Journal
from napari_hcs_zarr.convert.options import ConversionOptions, ConversionSummary, ProgressEvent
from napari_hcs_zarr.convert.plan import ConversionPlan
from napari_hcs_zarr.convert.plane_job import run_plane_job
from napari_hcs_zarr.errors import ConversionCancelled, OutputError, RawPlateError
from napari_hcs_zarr.ngff import version_spec
from napari_hcs_zarr.plate_names import parse_well_name
from napari_hcs_zarr.raw.formats import read_raw_plate
from napari_hcs_zarr.raw.model import RawPlate
from napari_hcs_zarr.store.plate_store import Location, PlateStore, open_store
from napari_hcs_zarr.store.plate_writer import HierarchyWriter


def prepare_raw_plate(
    raw: RawPlate | str | Path, wells: list[str] | None, conditions: str | Path | None = None
) -> RawPlate:
    """Parse ``raw`` when it is a folder, keep only ``wells`` when given, and add the
    conditions of a condition CSV when given (its columns override the vendor's)."""
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
    if conditions is not None:
        plate = with_condition_csv(plate, conditions)
    return plate


def is_resumable(output: Location, storage_options: dict | None = None) -> bool:
    """Whether ``output`` holds an interrupted conversion that ``resume=True`` can finish."""
    return Journal(open_store(output, storage_options=storage_options)).is_resumable


def _check_output(raw: RawPlate, store: PlateStore, options: ConversionOptions, empty: bool) -> None:
    if store.local_root is not None:
        source = raw.source_dir.resolve()
        target = store.local_root.resolve()
        if target == source or source in target.parents:
            raise OutputError(
                target, f"is inside the raw folder {source}; the raw folder is never written to"
            )
        if target in source.parents:
            raise OutputError(target, f"contains the raw folder {source}; choose another output")
    if empty:
        return
    where = store.uri()
    if options.resume:
        if not Journal(store).is_resumable:
            raise OutputError(where, "has no conversion journal to resume (it is complete or not ours)")
        return
    if not options.overwrite:
        raise OutputError(where, "already exists; pass --overwrite to replace it or --resume to finish it")
    if not any(store.exists(name) for name in (".zgroup", ".zattrs", "zarr.json")):
        raise OutputError(where, "exists and is not a zarr plate; refusing to delete it")


def iter_convert(
    raw: RawPlate | str | Path,
    output: Location | PlateStore,
    options: ConversionOptions | None = None,
) -> Generator[ProgressEvent, None, ConversionSummary]:
    """Convert, yielding a :class:`ProgressEvent` after each well plane.

    Closing the generator cancels the conversion: planes in flight finish, nothing
    else starts, and the output stays an incomplete plate (resumable). The summary is
    the generator's return value (``StopIteration.value``); :func:`convert_plate` unwraps it.
    """
    options = options or ConversionOptions()
    started = time.perf_counter()
    ngff = version_spec(options.ngff)
    plate = prepare_raw_plate(raw, options.wells, options.conditions)
    store = open_store(output, storage_options=options.storage_options)
    empty = store.is_empty()  # once: a listing of an object store is a request
    _check_output(plate, store, options, empty)
    plan = ConversionPlan.make(plate, ngff, options)
    writer = HierarchyWriter(store, ngff.zarr_format)
    journal = Journal(store)

    resuming = options.resume and not empty
    if resuming:
        recorded, expected = journal.plan_record(), plan.record()
        if recorded != expected:
            changed = [k for k in expected if recorded.get(k) != expected[k]]
            raise OutputError(
                store.uri(), f"was started with other settings ({', '.join(changed)}); cannot resume"
            )
    else:
        if not empty:
            store.delete_all()
        yield ProgressEvent(0, 1, "creating arrays")
        create_hierarchy(plan, writer)
        journal.start(plan.record())

    jobs = plan.jobs()
    finished = journal.done_ids() if resuming else set()
    pending = [j for j in jobs if j.job_id not in finished]
    total = len(jobs) + 1
    done = len(jobs) - len(pending)
    yield ProgressEvent(done, total, f"{len(pending)} well planes to write")

    executor, slots = make_executor(options.workers, options.scheduler)
    side_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hcs-metadata")
    fixed_metadata = side_thread.submit(write_fixed_metadata, plan, writer)
    in_flight: set[Future] = set()
    queue = iter(pending)
    try:
        while True:
            while len(in_flight) < slots:
                job = next(queue, None)
                if job is None:
                    break
                in_flight.add(executor.submit(run_plane_job, job, writer, journal))
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
    finish_plate(plan, writer, journal)
    summary = ConversionSummary(
        output=store.uri(),
        wells=len(plate.wells),
        planes_written=len(pending),
        planes_resumed=len(jobs) - len(pending),
        levels=plan.level_count,
        ngff=ngff.version,
        bytes_written=store.total_bytes(),
        seconds=time.perf_counter() - started,
        warnings=list(plate.warnings),
    )
    yield ProgressEvent(total, total, "done")
    return summary


def iter_convert_until(
    raw: RawPlate | str | Path,
    output: Location | PlateStore,
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


def convert_plate(
    raw: RawPlate | str | Path,
    output: Location | PlateStore,
    options: ConversionOptions | None = None,
    progress: Callable[[ProgressEvent], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> ConversionSummary:
    """Convert a raw plate folder (or a parsed :class:`RawPlate`) into an OME-Zarr plate.

    Parameters
    ----------
    raw
        The acquisition folder, or its parsed plate.
    output
        Where the plate goes: a path, a URL (``s3://...``), or a zarr store.
    progress
        Called with every :class:`ProgressEvent`.
    should_stop
        Polled after every plane; returning True cancels with :class:`ConversionCancelled`.
    """
    events = iter_convert_until(raw, output, options, should_stop or (lambda: False))
    try:
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
    finally:
        events.close()
