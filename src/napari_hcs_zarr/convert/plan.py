"""Planning a conversion: the geometry of every well and level, and the units of work.

The unit of work is one well plane (well, time point, channel, z) at every level. No
two units touch the same chunk (or shard), so they run in parallel anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from napari_hcs_zarr.convert.options import ConversionOptions
from napari_hcs_zarr.convert.pyramid import default_level_count, level_shape
from napari_hcs_zarr.errors import OptionError
from napari_hcs_zarr.ngff import NgffVersion
from napari_hcs_zarr.ngff.model import Axis
from napari_hcs_zarr.raw.model import PlaneKey, PlaneLoader, RawImage, RawPlate, RawWell


@dataclass(frozen=True)
class LevelGeometry:
    """One pyramid level of one well: Y/X shape, chunk, and inner chunks per shard."""

    shape_yx: tuple[int, int]
    chunk_yx: tuple[int, int]
    shard_grid: tuple[int, int] | None


@dataclass(frozen=True)
class FieldSource:
    """One field of a well plane: its number, its corner in the well, its pixels."""

    index: int
    y_px: int
    x_px: int
    shape: tuple[int, int]
    loader: PlaneLoader | None  # None: the image is missing, its area stays 0


@dataclass(frozen=True)
class PlaneJob:
    """Everything needed to stitch and write one well plane at every level (picklable)."""

    job_id: str
    image_key: str
    index: tuple[int, ...]
    channel: int
    well_shape: tuple[int, int]
    dtype: str
    fields: tuple[FieldSource, ...]
    levels: tuple[LevelGeometry, ...]


@dataclass
class ConversionPlan:
    """The plate to write: its wells, levels and geometry, for one raw plate and options."""

    raw: RawPlate
    ngff: NgffVersion
    options: ConversionOptions
    level_count: int

    @classmethod
    def make(cls, raw: RawPlate, ngff: NgffVersion, options: ConversionOptions) -> ConversionPlan:
        largest = max(max(i.image_shape_yx) for w in raw.wells for i in w.images)
        levels = options.levels or default_level_count((largest, largest))
        if levels < 1:
            raise OptionError(f"levels must be >= 1, got {levels}")
        if options.shard_chunks is not None and options.shard_chunks < 1:
            raise OptionError(f"shard_chunks must be >= 1, got {options.shard_chunks}")
        return cls(raw, ngff, options, levels)

    @property
    def has_time_axis(self) -> bool:
        return self.raw.time_count > 1

    def axes(self) -> tuple[Axis, ...]:
        axes = [Axis("t", "time")] if self.has_time_axis else []
        axes.append(Axis("c", "channel"))
        axes += [Axis(n, "space", "micrometer") for n in ("z", "y", "x")]
        return tuple(axes)

    def image_key(self, well: RawWell, image: RawImage) -> str:
        return f"{well.path}/{image.path}"

    def geometry(self, image: RawImage) -> tuple[LevelGeometry, ...]:
        """Every level of ``image``: one camera field per chunk, clipped to the level."""
        field_h, field_w = self.raw.field_shape
        levels = []
        for level in range(self.level_count):
            h, w = level_shape(image.image_shape_yx, level)
            h, w = max(h, 1), max(w, 1)
            chunk = (min(field_h, h), min(field_w, w))
            levels.append(LevelGeometry((h, w), chunk, self._shard_grid((h, w), chunk)))
        return tuple(levels)

    def _shard_grid(self, shape_yx: tuple[int, int], chunk_yx: tuple[int, int]) -> tuple[int, int] | None:
        """Inner chunks along Y and X of one shard of a level (None: no sharding)."""
        if self.ngff.zarr_format != 3 or not self.options.shard_planes:
            return None
        grid = (-(-shape_yx[0] // chunk_yx[0]), -(-shape_yx[1] // chunk_yx[1]))
        if self.options.shard_chunks is None:
            return grid
        return (min(self.options.shard_chunks, grid[0]), min(self.options.shard_chunks, grid[1]))

    def record(self) -> dict:
        """What a resumed conversion must agree with (kept in the journal)."""
        return {
            "raw_dir": str(self.raw.source_dir.resolve()),
            "wells": [w.name for w in self.raw.wells],
            "images": [[i.path for i in w.images] for w in self.raw.wells],
            "levels": self.level_count,
            "ngff": self.ngff.version,
            "shard_planes": self.options.shard_planes,
            "shard_chunks": self.options.shard_chunks,
        }

    def jobs(self) -> list[PlaneJob]:
        """Every well plane, well by well and image by image, then t, c, z."""
        jobs = []
        raw = self.raw
        for well in raw.wells:
            for image in well.images:
                geometry = self.geometry(image)
                # The main image keeps the job names it always had (journals stay valid).
                prefix = well.name if image.path == "0" else f"{well.name}_{image.path}"
                for t in range(raw.time_count):
                    for c in range(len(raw.channels)):
                        for z in range(image.z_count):
                            key = PlaneKey(t, c, z)
                            fields = tuple(
                                FieldSource(f.index, f.y_px, f.x_px, f.shape, f.planes.get(key))
                                for f in image.fields
                            )
                            jobs.append(
                                PlaneJob(
                                    job_id=f"{prefix}_t{t}_c{c}_z{z}",
                                    image_key=self.image_key(well, image),
                                    index=((t,) if self.has_time_axis else ()) + (c, z),
                                    channel=c,
                                    well_shape=image.image_shape_yx,
                                    dtype=np.dtype(raw.dtype).str,
                                    fields=fields,
                                    levels=geometry,
                                )
                            )
        return jobs
