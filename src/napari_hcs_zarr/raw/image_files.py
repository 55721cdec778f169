"""Camera images stored one 2-D field image per file: the loader most vendors use.

Plain TIFFs are read by :func:`~napari_hcs_zarr.raw.tiff.read_plain_tiff`, any other TIFF
by tifffile, PNG by imagecodecs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import imagecodecs
import numpy as np
import tifffile

from napari_hcs_zarr.errors import RawPlateError
from napari_hcs_zarr.raw.tiff import read_plain_tiff


@dataclass(frozen=True)
class ImageFile:
    """A :class:`~napari_hcs_zarr.raw.model.PlaneLoader` for one image file.

    Parameters
    ----------
    path
        The file (TIFF or PNG, by suffix).
    shape
        The height and width the metadata promises; another size is an error.
    """

    path: Path
    shape: tuple[int, int]

    @property
    def source(self) -> str:
        return str(self.path)

    def load(self) -> np.ndarray:
        return read_field_image(self.path, self.shape)


def read_field_image(path: Path, field_shape: tuple[int, int]) -> np.ndarray:
    """One camera image, checked against the expected field size."""
    try:
        if path.suffix.lower() == ".png":
            image = imagecodecs.imread(path)
        else:
            image = read_plain_tiff(path)
            if image is None:
                image = tifffile.imread(path)
    except Exception as error:  # decoders raise many kinds; name the file
        raise RawPlateError(path, f"unreadable image ({error})") from None
    image = np.squeeze(image)
    if image.ndim != 2 or image.size == 0:
        raise RawPlateError(path, f"unreadable image (no 2-D pixel data, shape {image.shape})")
    if image.shape != tuple(field_shape):
        raise RawPlateError(
            path,
            f"image is {image.shape[-1]}x{image.shape[0]} px; the metadata says "
            f"{field_shape[1]}x{field_shape[0]}",
        )
    return image


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def read_image_header(path: Path) -> tuple[tuple[int, int], np.dtype]:
    """Height, width and pixel type of a grayscale TIFF or PNG, from its header only.

    Raises
    ------
    RawPlateError
        Naming the file, when it is not a readable single-channel image.
    """
    if path.suffix.lower() == ".png":
        try:
            with open(path, "rb") as handle:
                head = handle.read(33)
        except OSError as error:
            raise RawPlateError(path, f"cannot be read ({error.strerror or error})") from None
        if len(head) < 33 or not head.startswith(_PNG_SIGNATURE) or head[12:16] != b"IHDR":
            raise RawPlateError(path, "not a PNG image")
        width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
        bit_depth, color_type = head[24], head[25]
        if color_type != 0 or bit_depth not in (8, 16):
            raise RawPlateError(path, "not an 8- or 16-bit grayscale PNG")
        return (height, width), np.dtype(np.uint8 if bit_depth == 8 else np.uint16)
    try:
        with tifffile.TiffFile(path) as tif:
            page = tif.pages.first
            shape, dtype = tuple(page.shape), np.dtype(page.dtype)
    except Exception as error:  # tifffile raises many kinds; name the file
        raise RawPlateError(path, f"not a readable TIFF image ({error})") from None
    if len(shape) != 2:
        raise RawPlateError(path, f"not a single-channel 2-D image (shape {shape})")
    return (int(shape[0]), int(shape[1])), dtype
