"""One unit of work: stitch one well plane, write all its levels, record it as done.

Runs on a thread or on a dask.distributed worker: everything it takes pickles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_hcs_zarr.convert.journal import Journal
from napari_hcs_zarr.convert.plan import FieldSource, PlaneJob
from napari_hcs_zarr.convert.pyramid import downsample_mean2
from napari_hcs_zarr.convert.stitching import fields_by_grid_cell, stitch_plane
from napari_hcs_zarr.store.chunks import encode_chunk
from napari_hcs_zarr.store.plate_writer import HierarchyWriter

#: Histogram bins of a plane's intensities (integer types are shifted into them).
HISTOGRAM_BINS = 4096


@dataclass(frozen=True)
class PlaneStats:
    """What the finishing step needs from a written plane: its intensity histogram."""

    channel: int
    histogram: dict[int, int]  # bin -> count, non-empty bins only

    def to_json(self) -> dict:
        return {"channel": self.channel, "histogram": {str(k): v for k, v in self.histogram.items()}}

    @classmethod
    def from_json(cls, document: dict) -> PlaneStats:
        histogram = document.get("histogram") or {}
        return cls(int(document["channel"]), {int(k): int(v) for k, v in histogram.items()})


def histogram_shift(dtype: np.dtype) -> int:
    """Right shift that brings an integer type into :data:`HISTOGRAM_BINS` bins."""
    return max(0, np.dtype(dtype).itemsize * 8 - 12)


def histogram_origin(dtype: np.dtype) -> int:
    """The value of bin 0's lower edge: the type's minimum (0 for unsigned types)."""
    return int(np.iinfo(dtype).min)


def _load(source: FieldSource) -> np.ndarray | None:
    return None if source.loader is None else source.loader.load()


def run_plane_job(job: PlaneJob, writer: HierarchyWriter, journal: Journal) -> PlaneStats:
    """Stitch one well plane, write all its levels, record it in the journal.

    When the fields tile the level-0 chunk grid (see :func:`_level1_from_tiling_fields`),
    level 0 is written field by field and the stitched plane is never made; otherwise the
    fields are stitched into one plane first. Both give the same chunks.
    """
    plane = _level1_from_tiling_fields(job, writer)
    first_level = 1
    if plane is None:
        placed = [(f.index, f.y_px, f.x_px, f) for f in job.fields]
        plane = stitch_plane(placed, job.well_shape, np.dtype(job.dtype), _load)
        first_level = 0
    histogram: dict[int, int] = {}
    histogram_level = min(2, len(job.levels) - 1)
    for level in range(first_level, len(job.levels)):
        if level > first_level:
            plane = downsample_mean2(plane)
        geometry = job.levels[level]
        writer.write_plane(
            f"{job.image_key}/{level}", job.index, plane, geometry.chunk_yx, geometry.shard_grid
        )
        if level == histogram_level:
            histogram = _histogram(plane)
    stats = PlaneStats(job.channel, histogram)
    journal.mark_done(job.job_id, stats.to_json())
    return stats


def _level1_from_tiling_fields(job: PlaneJob, writer: HierarchyWriter) -> np.ndarray | None:
    """Write level 0 straight from the fields and return level 1, when the fields allow.

    They allow when every field has the size of a level-0 chunk and the fields tile the chunk
    grid (:func:`~napari_hcs_zarr.convert.stitching.fields_by_grid_cell`): then every
    chunk is one field's image, or zeros. With an even field size each field's 2x2 means
    are also exactly its part of level 1, so level 1 is made field by field. Returns
    ``None`` (nothing written) for any other layout, a single level, or an odd field size.
    """
    if len(job.levels) < 2:
        return None
    fh, fw = job.levels[0].chunk_yx
    if fh % 2 or fw % 2 or any(f.shape != (fh, fw) for f in job.fields):
        return None
    placed = [(f.index, f.y_px, f.x_px, f) for f in job.fields]
    cells = fields_by_grid_cell(placed, job.well_shape, (fh, fw))
    if cells is None:
        return None
    dtype = np.dtype(job.dtype)
    grid = (job.well_shape[0] // fh, job.well_shape[1] // fw)
    level1 = np.zeros((job.well_shape[0] // 2, job.well_shape[1] // 2), dtype=dtype)
    chunks = writer.plane_chunk_writer(f"{job.image_key}/0", job.index, grid, job.levels[0].shard_grid)
    empty_chunk = None
    for cy in range(grid[0]):
        for cx in range(grid[1]):
            image = _load(cells[cy, cx]) if (cy, cx) in cells else None
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


def _histogram(plane: np.ndarray) -> dict[int, int]:
    if not np.issubdtype(plane.dtype, np.integer):
        return {}
    values = plane.ravel()
    if np.issubdtype(plane.dtype, np.signedinteger):  # bins start at the type's minimum
        values = values.astype(np.int64) - histogram_origin(plane.dtype)
    counts = np.bincount((values >> histogram_shift(plane.dtype)).astype(np.intp))
    return {int(i): int(counts[i]) for i in np.flatnonzero(counts)}
