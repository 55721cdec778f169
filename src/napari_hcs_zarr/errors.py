"""The one error hierarchy of the package.

Every error raised on purpose is a :class:`HcsZarrError`, and also an instance of the
builtin exception that fits it (``ValueError`` for bad input, ``OSError`` for an unusable
place, ...), so callers may catch either. Each message names the file (or URL) at fault
and says what is wrong with it in one line.
"""

from __future__ import annotations

import os


class HcsZarrError(Exception):
    """Base class of every error this package raises on purpose."""


class _LocatedError(HcsZarrError):
    """An error about one file, folder or URL: ``"<where>: <problem>"``."""

    def __init__(self, where: str | os.PathLike, problem: str) -> None:
        self.where = os.fspath(where)
        self.problem = problem
        super().__init__(f"{self.where}: {problem}")

    @property
    def path(self) -> str:
        """The file, folder or URL at fault (as given)."""
        return self.where


class RawPlateError(_LocatedError, ValueError):
    """A raw acquisition folder, or one of its files, cannot be used."""


class PlateFormatError(_LocatedError, ValueError):
    """An OME-Zarr plate (or part of one) has metadata or pixels this package cannot read."""


class OutputError(_LocatedError, OSError):
    """The output location of a conversion cannot be used as asked."""


class StoreError(_LocatedError, OSError):
    """A store could not be opened, read or written."""


class OptionError(HcsZarrError, ValueError):
    """A conversion option (or a command-line value) is invalid."""


class UnknownWellError(HcsZarrError, KeyError):
    """A well was asked for that the plate or acquisition does not have."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ClusterError(HcsZarrError, ConnectionError):
    """The dask.distributed cluster asked for cannot run the conversion."""


class ConversionCancelled(HcsZarrError, RuntimeError):
    """Raised by :func:`~napari_hcs_zarr.convert.convert_plate` when the caller asked it to stop."""


class NgffMetadataError(HcsZarrError, ValueError):
    """An OME-NGFF object does not have the structure its version requires.

    Raised by :mod:`napari_hcs_zarr.ngff`, which knows no locations; the reader turns it
    into a :class:`PlateFormatError` naming the document.
    """
