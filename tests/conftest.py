"""Shared fixtures: synthetic raw folders, converted plates, the real CV8000 folder.

Helper functions shared by several test modules are in ``helpers.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import SHARED_FIXTURES, SMALL_SPEC
from napari_hcs_zarr.convert import ConversionOptions, convert_plate
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec
from napari_hcs_zarr.raw.yokogawa import write_synthetic_cellvoyager

CV8000 = SHARED_FIXTURES / "cv8000-minimal" / "CV8000-Minimal-DataSet-2C-3W-4S-FP2-stack"


@pytest.fixture
def cv8000_folder() -> Path:
    """The real Yokogawa CV8000 acquisition (metadata as written, pixels blanked)."""
    if not (CV8000 / "MeasurementData.mlf").is_file():
        pytest.skip(f"real CV8000 fixture not present at {CV8000}")
    return CV8000


@pytest.fixture
def make_raw(tmp_path_factory):
    """Write a synthetic raw folder from a spec."""

    def make(spec: SyntheticPlateSpec = SMALL_SPEC, name: str = "raw") -> Path:
        return write_synthetic_cellvoyager(tmp_path_factory.mktemp(name) / spec.name, spec)

    return make


@pytest.fixture(scope="session")
def small_raw(tmp_path_factory) -> Path:
    return write_synthetic_cellvoyager(tmp_path_factory.mktemp("small") / "small", SMALL_SPEC)


@pytest.fixture(scope="session", params=["0.4", "0.5"])
def small_plate(request, tmp_path_factory, small_raw) -> Path:
    """``small_raw`` converted, once per NGFF version."""
    out = tmp_path_factory.mktemp("plates") / f"small-{request.param}.zarr"
    convert_plate(small_raw, out, ConversionOptions(ngff=request.param, levels=3, workers=2))
    return out
