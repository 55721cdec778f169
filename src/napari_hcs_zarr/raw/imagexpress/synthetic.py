"""Synthetic ImageXpress acquisitions, in the exported or the direct MetaXpress layout.

The fields and their pixels come from :mod:`napari_hcs_zarr.raw.synthetic`; sites get
MetaSeries stage positions (Y growing down, like the rows) unless ``metaseries=False``,
which leaves the TIFFs bare so that the parser must fall back to the HTD's site grid.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import tifffile

from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec, field_pixels, synthetic_fields

_WAVES = [("DAPI", 452), ("FITC", 520), ("Texas Red", 615), ("Cy5", 670)]


def _metaseries(
    x_um: float, y_um: float, z_um: float, wave: int, spec: SyntheticPlateSpec, z_step: int | None
) -> str:
    name, wavelength = _WAVES[wave % len(_WAVES)]
    props = {
        "stage-position-x": ("float", f"{x_um:.4f}"),
        "stage-position-y": ("float", f"{y_um:.4f}"),
        "z-position": ("float", f"{z_um:.3f}"),
        "spatial-calibration-x": ("float", f"{spec.pixel_size_um}"),
        "spatial-calibration-y": ("float", f"{spec.pixel_size_um}"),
        "spatial-calibration-units": ("string", "um"),
        "_IllumSetting_": ("string", name),
        "_MagSetting_": ("string", "20X Plan Apo"),
        "wavelength": ("int", str(wavelength)),
        "pixel-size-x": ("int", str(spec.field_shape[1])),
        "pixel-size-y": ("int", str(spec.field_shape[0])),
        "camera-binning-x": ("int", "1"),
        "camera-binning-y": ("int", "1"),
    }
    custom = {
        "Exposure Time": ("string", "15 ms"),
        "ImageXpress Micro X": ("float", f"{x_um:.4f}"),
        "ImageXpress Micro Y": ("float", f"{y_um:.4f}"),
        "ImageXpress Micro Z": ("float", f"{z_um:.3f}"),
        "_MagNA_": ("float", "0.75"),
    }
    if z_step is not None:  # the 1-based plane of a stack, as MetaXpress marks real stacks
        custom["Z Step"] = ("int", str(z_step))
    lines = "".join(f'<prop id="{k}" type="{kind}" value="{v}"/>\n' for k, (kind, v) in props.items())
    lines += "".join(
        f'<custom-prop id="{k}" type="{kind}" value="{v}"/>\n' for k, (kind, v) in custom.items()
    )
    return f"<MetaData>\n<PlaneInfo>\n{lines}</PlaneInfo>\n</MetaData>"


def _htd(spec: SyntheticPlateSpec) -> str:
    selection = []
    wells = set(spec.wells)
    for r in range(spec.rows):
        row = chr(ord("A") + r)
        flags = ["TRUE" if f"{row}{c + 1:02d}" in wells else "FALSE" for c in range(spec.columns)]
        selection.append(f'"WellsSelection{r + 1}", {", ".join(flags)}')
    waves = [f'"WaveName{w + 1}", "{_WAVES[w % len(_WAVES)][0]}"' for w in range(spec.channels)]
    lines = [
        '"HTSInfoFile", Version 1.0',
        f'"Description", "{spec.name}"',
        f'"TimePoints", {spec.time_count}',
        f'"ZSeries", {"TRUE" if spec.z_count > 1 else "FALSE"}',
        f'"ZSteps", {spec.z_count if spec.z_count > 1 else 0}',
        f'"XWells", {spec.columns}',
        f'"YWells", {spec.rows}',
        *selection,
        f'"Sites", {"TRUE" if spec.fields_yx != (1, 1) else "FALSE"}',
        f'"XSites", {spec.fields_yx[1]}',
        f'"YSites", {spec.fields_yx[0]}',
        f'"Waves", {"TRUE" if spec.channels > 1 else "FALSE"}',
        f'"NWavelengths", {spec.channels}',
        *waves,
        '"EndFile"',
    ]
    return "\r\n".join(lines) + "\r\n"


def write_synthetic_imagexpress(
    folder: str | Path,
    spec: SyntheticPlateSpec | None = None,
    layout: str = "exported",
    metaseries: bool = True,
    single_plane_waves: frozenset[int] = frozenset(),
) -> Path:
    """Write an ImageXpress-like folder and return it.

    Parameters
    ----------
    layout
        ``"exported"`` (``<name>.HTD`` + ``TimePoint_n/[ZStep_n/]<name>_<well>_s<site>_w<wave>.TIF``)
        or ``"direct"`` (``[TimePoint_n/][ZStep_n/]<name>_<well>_s<site>_w<wave><GUID>.tif``,
        with ``_thumb`` previews beside each image).
    metaseries
        Write MetaSeries metadata (stage positions, calibration, wavelength) into each TIFF.
    single_plane_waves
        0-based wavelengths imaged as a single plane (z 0) next to the stacks of the others:
        the direct layout puts them beside the ZStep folders, the exported layout copies them
        into every ZStep folder with ``Z Step`` 1, as MetaXpress does.
    """
    spec = spec or SyntheticPlateSpec()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sites = list(synthetic_fields(spec))
    rng = np.random.default_rng(7)
    for well in spec.wells:
        for fov in sites:
            x_um = 1000.0 + (fov.x0 + fov.jitter_px) * spec.pixel_size_um
            y_um = 2000.0 + (fov.y0 + fov.jitter_px) * spec.pixel_size_um
            for t in range(spec.time_count):
                for c in range(spec.channels):
                    single = c in single_plane_waves
                    for z in range(spec.z_count_of(well)):
                        if single and z > 0 and layout == "direct":
                            break  # one plane, beside the ZStep folders
                        image_dir = folder
                        if spec.time_count > 1 or layout == "exported":
                            image_dir = image_dir / f"TimePoint_{t + 1}"
                        if spec.z_count_of(well) > 1 and not (single and layout == "direct"):
                            image_dir = image_dir / f"ZStep_{z + 1}"
                        image_dir.mkdir(parents=True, exist_ok=True)
                        stem = f"{spec.name}_{well}"
                        if len(sites) > 1:
                            stem += f"_s{fov.index}"
                        if spec.channels > 1:
                            stem += f"_w{c + 1}"
                        guid = str(uuid.UUID(bytes=rng.bytes(16))).upper() if layout == "direct" else ""
                        suffix = ".tif" if layout == "direct" else ".TIF"
                        name = f"{stem}{guid}{suffix}"
                        if name in spec.missing_files:
                            continue
                        z_um = 5000.0 + z * spec.z_step_um
                        z_step = z + 1 if spec.z_count_of(well) > 1 else None
                        if single:  # the same plane in every ZStep folder of an export
                            z_step, z_um = (1 if z_step is not None else None), 5000.0
                        description = _metaseries(x_um, y_um, z_um, c, spec, z_step) if metaseries else None
                        pixels = field_pixels(well, t, c, 0 if single else z, fov, spec.field_shape)
                        tifffile.imwrite(
                            image_dir / name,
                            pixels,
                            description=description,
                            metadata=None,
                            software="MetaSeries",
                        )
                        if layout == "direct":  # a preview, which the parser must ignore
                            thumb = str(uuid.UUID(bytes=rng.bytes(16))).upper()
                            tifffile.imwrite(
                                image_dir / f"{stem}_thumb{thumb}.tif", pixels[::4, ::4], metadata=None
                            )
    if layout == "exported":
        (folder / f"{spec.name}.HTD").write_bytes(_htd(spec).encode("latin-1"))
    return folder
