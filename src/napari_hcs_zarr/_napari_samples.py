"""Sample data: a synthetic raw plate (opens the conversion widget) and a converted plate."""

from __future__ import annotations

import tempfile
from pathlib import Path

from napari_hcs_zarr.demo import DEMO_SPEC, make_demo_plate
from napari_hcs_zarr.synthetic import write_synthetic_cellvoyager


def _sample_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="napari-hcs-zarr-sample-"))


def sample_raw_plate():
    """Write a synthetic CellVoyager folder, dock the conversion widget for it, and show
    one raw camera field (napari wants at least one layer from a sample)."""
    import tifffile

    from napari_hcs_zarr._napari_reader import open_raw_folder
    from napari_hcs_zarr.raw_sources import read_raw_plate

    raw = write_synthetic_cellvoyager(_sample_folder() / DEMO_SPEC.name, DEMO_SPEC)
    open_raw_folder(str(raw))
    well = read_raw_plate(raw).wells[0]
    first_field = well.fields[0]
    path = first_field.files[min(first_field.files, key=lambda k: (k.t, k.c, k.z))]
    name = f"raw field {well.name} F{first_field.index} (not converted)"
    return [(tifffile.imread(path), {"name": name}, "image")]


def sample_converted_plate():
    """The synthetic plate, converted to OME-Zarr, as layers."""
    from napari_hcs_zarr._napari_reader import read_plate

    return read_plate(str(make_demo_plate(_sample_folder())))
