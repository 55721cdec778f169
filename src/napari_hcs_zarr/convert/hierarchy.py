"""The empty plate: every group and array, then what no pixel changes (ROI tables and
a copy of the vendor's metadata files). None of it makes the plate look complete."""

from __future__ import annotations

from napari_hcs_zarr.convert.condition_table import write_condition_table
from napari_hcs_zarr.convert.plan import ConversionPlan
from napari_hcs_zarr.convert.roi_tables import write_roi_tables
from napari_hcs_zarr.raw.model import RawImage
from napari_hcs_zarr.store.plate_writer import HierarchyWriter

#: Where the copy of the vendor's metadata files goes, below the plate root.
RAW_METADATA_PREFIX = "raw_metadata"


def create_hierarchy(plan: ConversionPlan, writer: HierarchyWriter) -> None:
    """Write the groups (with no OME metadata yet) and the image arrays of every well."""
    raw = plan.raw
    prefix = (raw.time_count,) if plan.has_time_axis else ()
    names = [a.name for a in plan.axes()]
    writer.create_group("")
    for row in sorted({w.row for w in raw.wells}):
        writer.create_group(row)
    for well in raw.wells:
        writer.create_group(well.path)
        for image in well.images:
            _create_image(plan, writer, plan.image_key(well, image), image, prefix, names)


def _create_image(
    plan: ConversionPlan,
    writer: HierarchyWriter,
    image_key: str,
    image: RawImage,
    prefix: tuple,
    names: list[str],
) -> None:
    """The group of one image and an array per level: one camera field per chunk."""
    writer.create_group(image_key)
    for level, geometry in enumerate(plan.geometry(image)):
        fh, fw = geometry.chunk_yx
        chunks = (1,) * len(prefix) + (1, 1, fh, fw)
        shards = None
        if geometry.shard_grid is not None:
            shards = chunks[:-2] + (geometry.shard_grid[0] * fh, geometry.shard_grid[1] * fw)
        writer.create_image_array(
            f"{image_key}/{level}",
            shape=prefix + (len(plan.raw.channels), image.z_count, *geometry.shape_yx),
            chunks=chunks,
            shards=shards,
            dtype=plan.raw.dtype,
            dimension_names=names,
        )


def write_fixed_metadata(plan: ConversionPlan, writer: HierarchyWriter) -> None:
    """Each well's ROI tables, the plate's condition table and a copy of the vendor's
    metadata files."""
    write_condition_table(writer.store, writer.zarr_format, plan.raw)
    for well in plan.raw.wells:
        for image in well.images:
            write_roi_tables(writer.store, plan.image_key(well, image), writer.zarr_format, plan.raw, image)
    for name, content in plan.raw.metadata_documents():
        writer.store.write(f"{RAW_METADATA_PREFIX}/{name}", content)
