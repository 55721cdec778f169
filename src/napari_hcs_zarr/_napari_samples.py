"""Sample data: a synthetic raw plate (opens the conversion widget) and a converted plate."""

from __future__ import annotations

import tempfile
from pathlib import Path

from napari_hcs_zarr.demo import DEMO_SPEC, make_demo_plate
from napari_hcs_zarr.synthetic import write_synthetic_cellvoyager


def _sample_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="napari-hcs-zarr-sample-"))


def sample_raw_plate():
    """Write a synthetic CellVoyager folder and dock the conversion widget for it."""
    from napari_hcs_zarr._napari_reader import open_raw_folder

    raw = write_synthetic_cellvoyager(_sample_folder() / DEMO_SPEC.name, DEMO_SPEC)
    open_raw_folder(str(raw))
    return []


def sample_converted_plate():
    """The synthetic plate, converted to OME-Zarr, as layers."""
    from napari_hcs_zarr._napari_reader import read_plate

    return read_plate(str(make_demo_plate(_sample_folder())))
