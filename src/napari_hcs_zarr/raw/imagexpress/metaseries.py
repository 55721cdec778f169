"""The MetaSeries XML that MetaXpress writes into each TIFF's ImageDescription."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import tifffile

from napari_hcs_zarr.errors import RawPlateError


def read_metaseries(path: Path) -> tuple[dict[str, str], tuple[int, int], str]:
    """The ``<prop id=... value=...>`` entries of a MetaSeries TIFF, its image height and
    width, and its numpy pixel type; the entries are empty for a TIFF without them.

    Raises
    ------
    RawPlateError
        When the file is not a readable TIFF.
    """
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            description, shape, dtype = page.description or "", page.shape, page.dtype
    except Exception as error:  # tifffile raises many kinds; name the file
        raise RawPlateError(path, f"not a readable TIFF image ({error})") from None
    if len(shape) != 2:
        raise RawPlateError(path, f"holds no single 2-D image (shape {shape})")
    props: dict[str, str] = {}
    if description.lstrip().startswith("<MetaData"):
        try:
            root = ET.fromstring(description)
        except ET.ParseError as error:
            raise RawPlateError(path, f"its MetaSeries metadata is malformed XML ({error})") from None
        for prop in root.iter():
            if prop.tag not in ("prop", "custom-prop"):  # MetaXpress writes both kinds
                continue
            key, value = prop.get("id"), prop.get("value")
            if key is not None and value is not None:
                props.setdefault(key, value)
    return props, (int(shape[0]), int(shape[1])), str(dtype)


def number(props: dict[str, str], key: str, path: Path) -> float | None:
    """A numeric MetaSeries entry, or None when absent."""
    if key not in props:
        return None
    try:
        return float(props[key])
    except ValueError:
        raise RawPlateError(path, f"MetaSeries {key} is not a number: {props[key]!r}") from None
