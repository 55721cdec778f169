"""Helpers shared by the test modules (fixtures live in conftest.py)."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import zarr

from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec, expected_pixels

REPO = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


def requires(*modules: str) -> pytest.MarkDecorator:
    """Skip a test whose peer libraries are not installed. The main run has them all; the
    run against the lowest dependency versions (scripts/test-lowest.sh) has none, since
    the peers need newer versions than the package's lower bounds."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}, not installed here")


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


def reference_downsample(plane: np.ndarray) -> np.ndarray:
    """2x2 mean rounded half up, computed in float: an independent oracle."""
    h, w = plane.shape[0] // 2, plane.shape[1] // 2
    blocks = plane[: 2 * h, : 2 * w].astype(np.float64).reshape(h, 2, w, 2).mean(axis=(1, 3))
    return np.floor(blocks + 0.5).astype(plane.dtype)


def expected_well(plate, well, t, c, z) -> np.ndarray:
    """The stitched plane as it must be: expected pixels where a field covers, 0 elsewhere."""
    h, w = well.image_shape_yx
    covered = np.zeros((h, w), bool)
    for f in well.fields:
        covered[f.y_px : f.y_px + f.shape[0], f.x_px : f.x_px + f.shape[1]] = True
    y, x = np.mgrid[0:h, 0:w]
    return np.where(covered, expected_pixels(well.name, t, c, z, y, x), 0).astype(np.uint16)


def open_root(path):
    return zarr.open_group(path, mode="r")


def assert_same_plate(a, b):
    ra, rb = open_root(a), open_root(b)
    arrays_a = sorted(path for path, _ in ra.members(max_depth=None) if isinstance(_, zarr.Array))
    arrays_b = sorted(path for path, _ in rb.members(max_depth=None) if isinstance(_, zarr.Array))
    assert arrays_a == arrays_b
    for path in arrays_a:
        np.testing.assert_array_equal(ra[path][...], rb[path][...], err_msg=path)
    assert ra.attrs.asdict() == rb.attrs.asdict()


def assert_levels_exact(plate, out, levels: int, expected=expected_well) -> None:
    """Every plane of every well's main image at every level of the plate at ``out`` is
    ``expected(plate, well, t, c, z)`` downsampled by the independent oracle."""
    root = zarr.open_group(out, mode="r")
    for well in plate.wells:
        for t in range(plate.time_count):
            for c in range(len(plate.channels)):
                for z in range(well.z_count):
                    want = expected(plate, well, t, c, z)
                    index = ((t,) if plate.time_count > 1 else ()) + (c, z)
                    for level in range(levels):
                        stored = root[f"{well.path}/0/{level}"][index]
                        np.testing.assert_array_equal(
                            stored, want, err_msg=f"{well.name} t{t} c{c} z{z} L{level}"
                        )
                        want = reference_downsample(want)
