"""Parser of Molecular Devices ImageXpress (MetaXpress) acquisition folders.

Two layouts are read:

- direct: ``<date>/<plate id>/[TimePoint_n/][ZStep_n/]<plate>_<well>_s<site>_w<wave><GUID>.tif``
  (give the ``<plate id>`` folder), ``_thumb`` previews ignored;
- exported: ``<plate>.HTD`` + ``TimePoint_n/[ZStep_n/]<plate>_<well>_s<site>_w<wave>.TIF``.

``_s``/``_w`` are absent when a plate has one site or one wavelength. Images in
``ZStep_n`` folders (n >= 1) are the planes of a stack, the well's main image (``0``);
when there are any, the images beside them (projections, or single planes of
wavelengths imaged without a stack, which exports copy into every ZStep folder: their
MetaSeries ``Z Step`` tells them apart) become a second image of the well (``1``, described
as "projection" in its name), with the same channel axis (planes a wavelength lacks are
0). Sites are placed at their MetaSeries stage positions (``stage-position-x/y``,
micrometres, Y growing down the plate as the rows do) by the shared placement module;
without stage positions, on the HTD's site grid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.plate_names import parse_well_name, plate_column_names, plate_row_names
from napari_hcs_zarr.raw.image_files import ImageFile
from napari_hcs_zarr.raw.imagexpress.htd import HtdFile, read_htd
from napari_hcs_zarr.raw.imagexpress.metaseries import number, read_metaseries
from napari_hcs_zarr.raw.model import PlaneKey, RawChannel, RawField, RawImage, RawPlate, RawWell
from napari_hcs_zarr.raw.placement import StageAxes, place_fields

#: ImageXpress stage axes: X grows with the plate's columns, Y with its rows (down).
STAGE_AXES = StageAxes(y_up=False)
_GUID = r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
IMAGE_NAME = re.compile(
    rf"^(?P<plate>.+?)_(?P<well>[A-Za-z]{{1,2}}\d{{2,3}})(?:_s(?P<site>\d+))?(?:_w(?P<wave>\d+))?"
    rf"(?P<thumb>_thumb)?(?P<guid>{_GUID})?\.tiff?$",
    re.IGNORECASE,
)
_TIME_DIR = re.compile(r"^TimePoint_(\d+)$", re.IGNORECASE)
_Z_DIR = re.compile(r"^ZStep_(\d+)$", re.IGNORECASE)
#: Plate formats by (rows, columns): without an HTD, the smallest of these that holds the
#: wells found (screening plates have 96 wells or more).
_PLATE_FORMATS = [(8, 12), (16, 24), (32, 48)]
#: The most wells a plate format can have (a 3456-well plate; 1536 is the largest in use).
_MAX_WELLS = 3456


@dataclass(frozen=True)
class _Image:
    path: Path
    plate: str
    well: str
    site: int
    wave: int
    time_point: int
    z_step: int | None  # None: beside the ZStep folders (or no ZStep folders at all)


def _image_folders(folder: Path) -> list[tuple[Path, int, int | None]]:
    """The folders that hold images, with their time point and z step."""
    found = [(folder, 1, None)]
    for child in sorted(p for p in folder.iterdir() if p.is_dir()):
        if match := _TIME_DIR.match(child.name):
            found.append((child, int(match.group(1)), None))
            found += [
                (z_dir, int(match.group(1)), int(z_match.group(1)))
                for z_dir in sorted(p for p in child.iterdir() if p.is_dir())
                if (z_match := _Z_DIR.match(z_dir.name))
            ]
        elif match := _Z_DIR.match(child.name):
            found.append((child, 1, int(match.group(1))))
    return found


def scan_images(folder: Path) -> list[_Image]:
    """Every image of the acquisition (previews left out), from file names alone."""
    images = []
    for image_dir, time_point, z_step in _image_folders(folder):
        for path in sorted(image_dir.iterdir()):
            match = IMAGE_NAME.match(path.name)
            if match is None or match.group("thumb") or not path.is_file():
                continue
            images.append(
                _Image(
                    path,
                    match.group("plate"),
                    match.group("well").upper(),
                    int(match.group("site") or 1),
                    int(match.group("wave") or 1),
                    time_point,
                    z_step,
                )
            )
    return images


def is_imagexpress_folder(folder: Path) -> bool:
    """True for a folder with an HTD file, or with MetaXpress-named images at the top, in
    ``TimePoint_n``, ``ZStep_n`` or ``TimePoint_n/ZStep_n``; reads no file contents."""

    def names(path: Path) -> list[str]:
        try:
            return [p.name for p in path.iterdir()]
        except OSError:
            return []

    top = names(folder)
    if any(n.lower().endswith(".htd") for n in top) or any(IMAGE_NAME.match(n) for n in top):
        return True
    for name in top:
        if not (_TIME_DIR.match(name) or _Z_DIR.match(name)):
            continue
        inside = names(folder / name)
        if any(IMAGE_NAME.match(n) for n in inside):
            return True
        for z_name in inside:
            if _Z_DIR.match(z_name) and any(IMAGE_NAME.match(n) for n in names(folder / name / z_name)):
                return True
    return False


def _find_htd(folder: Path) -> HtdFile | None:
    for candidate in [folder, *(p for p in sorted(folder.iterdir()) if _TIME_DIR.match(p.name))]:
        htds = sorted(p for p in candidate.glob("*.[hH][tT][dD]") if p.is_file())  # no FIFOs
        if htds:
            return read_htd(htds[0])
    return None


def _plate_format(wells: list[str], htd: HtdFile | None, folder: Path) -> tuple[int, int]:
    positions = [parse_well_name(w) for w in wells]
    rows_needed = max(ord(r[-1]) - ord("A") + 1 + 26 * (len(r) - 1) for r, _ in positions)
    columns_needed = max(c for _, c in positions)
    if htd is not None and (htd.y_wells is not None or htd.x_wells is not None):
        y_wells, x_wells = htd.y_wells or 0, htd.x_wells or 0
        if not (1 <= y_wells <= 32 and 1 <= x_wells <= 48 and y_wells * x_wells <= _MAX_WELLS):
            raise RawPlateError(htd.path, f"says {htd.y_wells}x{htd.x_wells} wells: no plate has that format")
        if rows_needed > htd.y_wells or columns_needed > htd.x_wells:
            raise RawPlateError(
                htd.path, f"says {htd.y_wells}x{htd.x_wells} wells, but images of well {wells[-1]} exist"
            )
        return htd.y_wells, htd.x_wells
    for rows, columns in _PLATE_FORMATS:
        if rows_needed <= rows and columns_needed <= columns:
            return rows, columns
    raise RawPlateError(folder, f"wells beyond a 1536-well plate: {', '.join(wells[:3])}")


def read_imagexpress(folder: str | Path) -> RawPlate:
    """Parse an ImageXpress acquisition folder into a :class:`RawPlate`.

    Raises
    ------
    RawPlateError
        When the folder holds no images, or a file is unreadable or disagrees with the others.
    """
    folder = Path(folder)
    images = scan_images(folder)
    if not images:
        raise RawPlateError(folder, "holds no MetaXpress images (<plate>_<well>_s<site>_w<wave>.tif)")
    htd = _find_htd(folder)
    warnings: list[str] = []
    # With ZStep folders, their images are the stacks (the wells' main images); the images
    # beside them (projections, single planes of other wavelengths) become a second image.
    stacked = [i for i in images if i.z_step is not None and i.z_step >= 1]
    beside = [i for i in images if i.z_step is None or i.z_step < 1] if stacked else []
    stacked, copied = _drop_copied_planes(stacked)
    beside += copied
    main = stacked or images
    wells = sorted({i.well for i in images}, key=parse_well_name)
    row_count, column_count = _plate_format(wells, htd, folder)
    row_names, column_names = plate_row_names(row_count), plate_column_names(column_count)

    waves = sorted({i.wave for i in images})
    times = sorted({i.time_point for i in images})
    z_steps = sorted({i.z_step or 1 for i in main})
    wave_of, time_of = {v: k for k, v in enumerate(waves)}, {v: k for k, v in enumerate(times)}
    z_of = {v: k for k, v in enumerate(z_steps)}
    if htd is not None:
        if htd.wave_names and len(waves) != htd.wavelength_count:
            warnings.append(
                f"{htd.path.name} lists {htd.wavelength_count} wavelengths, the images {len(waves)}"
            )
        if htd.time_points and len(times) != htd.time_points:
            warnings.append(f"{htd.path.name} lists {htd.time_points} time points, the images {len(times)}")

    ordered = sorted(images, key=lambda i: (i.time_point, i.z_step or 0, i.wave))
    first_of_wave: dict[int, _Image] = {}
    for image in ordered:
        first_of_wave.setdefault(image.wave, image)
    reference = ordered[0]
    props, shape, dtype = read_metaseries(reference.path)
    pixel_x = number(props, "spatial-calibration-x", reference.path) or 1.0
    pixel_y = number(props, "spatial-calibration-y", reference.path) or pixel_x
    if not props:
        warnings.append(
            f"{reference.path.name} has no MetaSeries metadata: pixel size 1 um, sites on the HTD grid"
        )
    layout = _SiteLayout(htd, shape, dtype, reference, (pixel_y, pixel_x))

    raw_wells = []
    for well in wells:
        row, column = parse_well_name(well)
        of_well = [i for i in main if i.well == well]
        projections = [i for i in beside if i.well == well]
        fields = layout.fields(
            of_well, lambda i: PlaneKey(time_of[i.time_point], wave_of[i.wave], z_of[i.z_step or 1])
        )
        others = []
        if projections:
            others.append(
                RawImage(
                    "1",
                    layout.fields(projections, lambda i: PlaneKey(time_of[i.time_point], wave_of[i.wave], 0)),
                    1,
                    "projection",
                )
            )
        raw_wells.append(
            RawWell(
                row, column_names[column - 1], row_names.index(row), column - 1, fields, len(z_steps), others
            )
        )
    if beside:
        warnings.append(
            f"{len(beside)} image(s) beside the ZStep folders (projections or single planes) are written as "
            "image 1 of their wells"
        )
    if layout.grid_fallback:
        warnings.append(
            "some sites have no stage position in their MetaSeries metadata: placed on the HTD site grid"
        )
    return RawPlate(
        name=htd.path.stem if htd is not None else reference.plate,
        source_dir=folder,
        row_names=row_names,
        column_names=column_names,
        wells=raw_wells,
        channels=_channels(waves, first_of_wave, htd),
        time_count=len(times),
        dtype=np.dtype(dtype),
        pixel_size_um=(_z_step_um(main), pixel_y, pixel_x),
        metadata_files=[htd.path] if htd is not None else [],
        warnings=warnings,
        instrument="ImageXpress",
    )


def _drop_copied_planes(stacked: list[_Image]) -> tuple[list[_Image], list[_Image]]:
    """Split off the wavelengths that are no stack although they sit in every ``ZStep_n``.

    Exports copy a single-plane (or projected) wavelength into every ZStep folder; the
    TIFF's MetaSeries ``Z Step`` tells: a real stack's second plane says 2, a copy says 1.
    Returns the real stacks and the first copy of each other plane (to go beside them).
    A wavelength whose planes carry no ``Z Step`` (the direct layout) is a stack.
    """
    by_wave: dict[int, list[_Image]] = {}
    for image in stacked:
        by_wave.setdefault(image.wave, []).append(image)
    keep, single = [], []
    for planes in by_wave.values():
        second = next((i for i in planes if i.z_step == 2), None)
        z_step = None if second is None else number(read_metaseries(second.path)[0], "Z Step", second.path)
        if z_step is None or z_step == 2:
            keep += planes
        else:
            single += [i for i in planes if i.z_step == 1]
    return keep, single


class _SiteLayout:
    """Places the sites of a well at their stage positions, checking every site's image
    against the plate's reference image."""

    def __init__(
        self,
        htd: HtdFile | None,
        shape: tuple[int, int],
        dtype: str,
        reference: _Image,
        pixel_yx: tuple[float, float],
    ) -> None:
        self.htd, self.shape, self.dtype, self.reference, self.pixel_yx = (
            htd,
            shape,
            dtype,
            reference,
            pixel_yx,
        )
        self.grid_fallback = False

    def fields(self, images: list[_Image], key_of: Callable[[_Image], PlaneKey]) -> list[RawField]:
        first_of_site: dict[int, _Image] = {}
        for image in sorted(images, key=lambda i: (i.time_point, i.z_step or 0, i.wave)):
            first_of_site.setdefault(image.site, image)
        corners = {site: self._corner(site, image) for site, image in sorted(first_of_site.items())}
        placements = place_fields(corners, self.pixel_yx, STAGE_AXES)
        fields = []
        for site in sorted(first_of_site):
            place = placements[site]
            fov = RawField(site, place.y_px, place.x_px, place.y_um, place.x_um, self.shape)
            for image in images:
                if image.site == site:
                    fov.planes[key_of(image)] = ImageFile(image.path, self.shape)
            fields.append(fov)
        return fields

    def _corner(self, site: int, image: _Image) -> tuple[float, float]:
        props, shape, dtype = read_metaseries(image.path)
        if shape != self.shape or dtype != self.dtype:
            raise RawPlateError(
                image.path,
                f"is {shape[1]}x{shape[0]} {dtype}; {self.reference.path.name} is "
                f"{self.shape[1]}x{self.shape[0]} {self.dtype}",
            )
        x = number(props, "stage-position-x", image.path)
        y = number(props, "stage-position-y", image.path)
        if x is None or y is None:
            self.grid_fallback = True
            return _grid_corner(site, self.htd, self.shape, self.pixel_yx)
        return x, y


def _channels(waves: list[int], first_of_wave: dict[int, _Image], htd: HtdFile | None) -> list[RawChannel]:
    channels = []
    for wave in waves:
        props, _, _ = read_metaseries(first_of_wave[wave].path)
        name = (
            (htd.wave_names.get(wave) if htd is not None else None)
            or props.get("_IllumSetting_")
            or f"w{wave}"
        )
        wavelength = number(props, "wavelength", first_of_wave[wave].path)
        channels.append(RawChannel(f"w{wave}", name, _color(wavelength), wavelength))
    return channels


def _color(wavelength_nm: float | None) -> str:
    """A display colour for an emission wavelength (white when unknown)."""
    if wavelength_nm is None:
        return "FFFFFF"
    for upper, color in ((480, "0000FF"), (560, "00FF00"), (600, "FFFF00"), (650, "FF0000")):
        if wavelength_nm < upper:
            return color
    return "FF00FF"


def _grid_corner(
    site: int, htd: HtdFile | None, shape: tuple[int, int], pixel_yx: tuple[float, float]
) -> tuple[float, float]:
    """A site's corner on the HTD's site grid (row by row), in micrometres."""
    columns = (htd.x_sites if htd is not None else None) or 1
    row, column = divmod(site - 1, columns)
    return column * shape[1] * pixel_yx[1], row * shape[0] * pixel_yx[0]


def _z_step_um(images: list[_Image]) -> float:
    """Distance between the first two planes of one site (1.0 without a stack)."""
    first = min(images, key=lambda i: (i.well, i.site, i.wave, i.time_point, i.z_step or 0))
    same_site = (first.well, first.site, first.wave, first.time_point)
    planes = sorted(
        (i for i in images if (i.well, i.site, i.wave, i.time_point) == same_site),
        key=lambda i: i.z_step or 0,
    )
    if len(planes) < 2:
        return 1.0
    z0 = number(read_metaseries(planes[0].path)[0], "z-position", planes[0].path)
    z1 = number(read_metaseries(planes[1].path)[0], "z-position", planes[1].path)
    if z0 is None or z1 is None or z0 == z1:
        return 1.0
    return round(abs(z1 - z0), 6)
