"""The plugin installs as napari sees it: manifest in the wheel, npe2 validation."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

npe2 = pytest.importorskip("npe2")

REPO = Path(__file__).resolve().parents[1]


def test_npe2_validate_with_imports():
    npe2_cli = Path(sys.executable).with_name("npe2")
    result = subprocess.run(
        [str(npe2_cli), "validate", "napari-hcs-zarr", "--imports"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in (result.stdout + result.stderr).lower()


def test_manifest_found_through_entry_point():
    manifest = npe2.PluginManifest.from_distribution("napari-hcs-zarr")
    assert manifest.name == "napari-hcs-zarr"
    assert {r.command for r in manifest.contributions.readers} == {"napari-hcs-zarr.get_reader"}
    assert [w.display_name for w in manifest.contributions.widgets] == ["Convert raw plate to OME-Zarr"]
    assert {s.key for s in manifest.contributions.sample_data} == {"raw_plate", "converted_plate"}


def test_wheel_ships_the_manifest(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    wheel = next(tmp_path.glob("napari_hcs_zarr-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "napari_hcs_zarr/napari.yaml" in names
        manifest_text = archive.read("napari_hcs_zarr/napari.yaml").decode()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "napari_hcs_zarr:napari.yaml" in archive.read(entry_points).decode()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert manifest_text == (REPO / "napari.yaml").read_text()
    assert "Classifier: Framework :: napari" in metadata
    assert "License-Expression: BSD-3-Clause" in metadata
    # The manifest in the wheel loads and names importable commands.
    extracted = tmp_path / "napari.yaml"
    extracted.write_text(manifest_text)
    manifest = npe2.PluginManifest.from_file(extracted)
    manifest.validate_imports()
    # No Qt binding in the base requirements.
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    base = [line for line in requires if "extra ==" not in line]
    assert not any(q in line.lower() for line in base for q in ("pyqt", "pyside"))
