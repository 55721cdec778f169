"""What a conversion is asked to do, what it reports while it runs, and what it wrote."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from napari_hcs_zarr.ngff import DEFAULT_VERSION


@dataclass
class ConversionOptions:
    """What a conversion writes.

    Parameters
    ----------
    levels
        Pyramid levels; ``None``: until the largest well's longest side is <= 256 px.
    ngff
        An OME-NGFF version of :data:`napari_hcs_zarr.ngff.VERSIONS`: ``"0.4"`` (zarr v2)
        or ``"0.5"`` (zarr v3, sharded).
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
    storage_options
        Passed to fsspec when the output is a URL (credentials, endpoint...).
    conditions
        A condition CSV (``well`` or ``row``/``column``, then one column per condition)
        for the plate's condition table; its columns override the vendor's plate layout.
    """

    levels: int | None = None
    ngff: str = DEFAULT_VERSION
    wells: list[str] | None = None
    overwrite: bool = False
    resume: bool = False
    workers: int | None = None
    scheduler: str | None = None
    shard_planes: bool = True
    shard_chunks: int | None = None
    storage_options: dict | None = None
    conditions: str | Path | None = None


@dataclass(frozen=True)
class ProgressEvent:
    """Progress of a conversion: ``done`` of ``total`` units, and what is happening."""

    done: int
    total: int
    message: str


@dataclass
class ConversionSummary:
    """What a conversion wrote."""

    output: str
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
