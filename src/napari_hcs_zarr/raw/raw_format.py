"""What a raw acquisition format offers the rest of the package."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from napari_hcs_zarr.raw.model import RawPlate
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec


@dataclass(frozen=True)
class RawFormat:
    """One raw acquisition format.

    Parameters
    ----------
    name
        What users call it, e.g. ``Yokogawa CellVoyager``.
    looks_for
        What :attr:`detect` looks for, in words (for "no format found" messages).
    detect
        True when a folder is in this format; reads no file contents.
    read
        Parses a folder into a :class:`RawPlate`; raises
        :class:`~napari_hcs_zarr.errors.RawPlateError` naming the file at fault.
    write_synthetic
        Writes a synthetic acquisition of this format from a spec and returns its folder;
        every pixel follows :func:`~napari_hcs_zarr.raw.synthetic.expected_pixels`.
    """

    name: str
    looks_for: str
    detect: Callable[[Path], bool]
    read: Callable[[Path], RawPlate]
    write_synthetic: Callable[[Path, SyntheticPlateSpec], Path] | None = None
