"""Sample data: a synthetic raw plate (opens the conversion widget) and a converted plate."""

from __future__ import annotations

import tempfile
from pathlib import Path

from napari_hcs_zarr._napari.demo import DEMO_SPEC, make_demo_plate
from napari_hcs_zarr.raw import read_raw_plate, synthetic_format


def _sample_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="napari-hcs-zarr-sample-"))


def sample_raw_plate():
    """Write a synthetic raw acquisition folder, dock the conversion widget for it, and
    show one raw camera field (napari wants at least one layer from a sample)."""
    from napari_hcs_zarr._napari.reader import open_raw_folder

    raw = synthetic_format().write_synthetic(_sample_folder() / DEMO_SPEC.name, DEMO_SPEC)
    open_raw_folder(str(raw))
    well = read_raw_plate(raw).wells[0]
    first_field = well.fields[0]
    loader = first_field.planes[min(first_field.planes, key=lambda k: (k.t, k.c, k.z))]
    name = f"raw field {well.name} F{first_field.index} (not converted)"
    return [(loader.load(), {"name": name}, "image")]


def sample_converted_plate():
    """The synthetic plate, converted to OME-Zarr, as layers."""
    from napari_hcs_zarr._napari.reader import read_plate

    return read_plate(str(make_demo_plate(_sample_folder())))
