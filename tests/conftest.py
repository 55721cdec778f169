"""Shared fixtures: synthetic raw folders, converted plates, the real CV8000 folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from napari_hcs_zarr.synthetic import SyntheticPlateSpec, write_synthetic_cellvoyager
from napari_hcs_zarr.writer import ConversionOptions, convert

REPO = Path(__file__).resolve().parents[1]
CV8000 = REPO.parent / "shared" / "fixtures" / "cv8000-minimal" / "CV8000-Minimal-DataSet-2C-3W-4S-FP2-stack"


@pytest.fixture
def cv8000_folder() -> Path:
    """The real Yokogawa CV8000 acquisition (metadata as written, pixels blanked)."""
    if not (CV8000 / "MeasurementData.mlf").is_file():
        pytest.skip(f"real CV8000 fixture not present at {CV8000}")
    return CV8000


#: A small plate with overlapping fields, Z varying per well, and two time points.
SMALL_SPEC = SyntheticPlateSpec(
    wells=["B02", "B04", "D03"],
    fields_yx=(2, 3),
    field_shape=(96, 128),
    channels=2,
    z_count=2,
    z_counts={"B04": 3},
    time_count=2,
    gap_px=-5,
    name="small",
)


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
    convert(small_raw, out, ConversionOptions(ngff=request.param, levels=3, workers=2))
    return out


def tree_digest(folder: Path) -> str:
    """A digest of every file's name, size and content below ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def damage_well_level(plate: Path, well_path: str, level: int) -> list[Path]:
    """Overwrite every chunk (or shard) file of one well's level with bytes no codec
    decodes; returns the files."""
    level_dir = plate / well_path / "0" / str(level)
    damaged = [
        p for p in level_dir.rglob("*") if p.is_file() and p.name not in (".zarray", ".zattrs", "zarr.json")
    ]
    for path in damaged:
        path.write_bytes(b"\x02\x01 not a chunk" * 3)
    return damaged
