"""Errors raised for bad input: each names the file and the problem."""

from __future__ import annotations

from pathlib import Path


class HcsZarrError(Exception):
    """Base class of every error this package raises on purpose."""


class RawPlateError(HcsZarrError):
    """A raw acquisition folder or one of its files cannot be used.

    Parameters
    ----------
    path
        The file (or folder) at fault.
    problem
        What is wrong with it, in words a user can act on.
    """

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class OutputError(HcsZarrError):
    """The output location of a conversion cannot be used."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class PlateFormatError(HcsZarrError):
    """An OME-Zarr plate (or part of one) has metadata this package cannot read."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class ConversionCancelled(HcsZarrError):
    """Raised inside a conversion when the caller asked it to stop."""
