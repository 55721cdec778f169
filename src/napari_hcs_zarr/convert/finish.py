"""Finishing a conversion: the OME metadata that makes the plate complete, written last.

The image ``multiscales`` and ``omero`` of every well, the wells' ``well`` objects, then
the plate's ``plate`` object, the consolidated metadata, and the journal's removal.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from napari_hcs_zarr.convert.journal import Journal
from napari_hcs_zarr.convert.plan import ConversionPlan
from napari_hcs_zarr.convert.plane_job import HISTOGRAM_BINS, PlaneStats, histogram_shift
from napari_hcs_zarr.ngff.model import (
    Acquisition,
    Dataset,
    Multiscale,
    OmeMetadata,
    Omero,
    OmeroChannel,
    Plate,
    PlateWell,
    Well,
    WellImage,
    Window,
)
from napari_hcs_zarr.raw.model import RawImage
from napari_hcs_zarr.store.plate_writer import HierarchyWriter


def channel_windows(dtype: np.dtype, channel_count: int, stats: Iterable[PlaneStats]) -> list[Window]:
    """Display windows from the 0.1 and 99.9 percentiles of each channel's histogram."""
    dtype = np.dtype(dtype)
    totals = [np.zeros(HISTOGRAM_BINS, dtype=np.int64) for _ in range(channel_count)]
    for plane in stats:
        for bin_index, count in plane.histogram.items():
            totals[plane.channel][bin_index] += count
    if np.issubdtype(dtype, np.integer):
        lo, hi = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
        shift = histogram_shift(dtype)
    else:
        lo, hi, shift = 0.0, 1.0, 0
    windows = []
    for counts in totals:
        total = counts.sum()
        if total == 0:
            windows.append(Window(lo, hi, lo, hi))
            continue
        cumulative = np.cumsum(counts) / total
        start = (int(np.searchsorted(cumulative, 0.001)) << shift) + lo
        end = ((int(np.searchsorted(cumulative, 0.999)) + 1) << shift) + lo
        windows.append(Window(lo, hi, start, min(max(end, start + 1), hi)))
    return windows


def image_metadata(plan: ConversionPlan, windows: list[Window], image: RawImage) -> OmeMetadata:
    """The ``multiscales`` and ``omero`` of a well image (alike for all but the name)."""
    raw = plan.raw
    z_um, y_um, x_um = raw.pixel_size_um
    lead = [1.0] * (2 if plan.has_time_axis else 1)
    datasets = tuple(
        Dataset(str(level), (*lead, z_um, y_um * 2**level, x_um * 2**level))
        for level in range(plan.level_count)
    )
    channels = tuple(
        OmeroChannel(label=channel.label, wavelength_id=channel.id, color=channel.color, window=window)
        for channel, window in zip(raw.channels, windows, strict=True)
    )
    name = f"{raw.name} ({image.description})" if image.description else raw.name
    return OmeMetadata(multiscales=(Multiscale(plan.axes(), datasets, name),), omero=Omero(channels))


def _images_per_well(plan: ConversionPlan) -> int:
    return max(len(w.images) for w in plan.raw.wells)


def plate_metadata(plan: ConversionPlan) -> OmeMetadata:
    raw = plan.raw
    return OmeMetadata(
        plate=Plate(
            rows=tuple(raw.row_names),
            columns=tuple(raw.column_names),
            wells=tuple(PlateWell(w.path, w.row_index, w.column_index) for w in raw.wells),
            name=raw.name,
            field_count=_images_per_well(plan),
            acquisitions=(Acquisition(0, raw.name, _images_per_well(plan)),),
        )
    )


def finish_plate(plan: ConversionPlan, writer: HierarchyWriter, journal: Journal) -> None:
    """Write the completing metadata (the plate object last but for consolidation), then
    remove the journal."""
    stats = [PlaneStats.from_json(s) for s in journal.done_stats()]
    windows = channel_windows(plan.raw.dtype, len(plan.raw.channels), stats)
    to_attributes = plan.ngff.to_attributes
    for raw_well in plan.raw.wells:
        for image in raw_well.images:
            writer.set_group_attributes(
                plan.image_key(raw_well, image), to_attributes(image_metadata(plan, windows, image))
            )
        images = tuple(WellImage(image.path, 0) for image in raw_well.images)
        writer.set_group_attributes(raw_well.path, to_attributes(OmeMetadata(well=Well(images))))
    writer.set_group_attributes("", to_attributes(plate_metadata(plan)))
    writer.consolidate()
    journal.remove()
