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
