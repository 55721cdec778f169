"""What each NGFF version module offers: its zarr format and the attribute layout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from napari_hcs_zarr.ngff.model import OmeMetadata


@dataclass(frozen=True)
class NgffVersion:
    """One OME-NGFF version.

    Parameters
    ----------
    version
        ``"0.4"``, ``"0.5"``...
    zarr_format
        The zarr format of its groups and arrays (2 or 3).
    to_attributes
        A group's attributes holding the given OME objects.
    from_attributes
        The OME objects in a group's attributes, or None when they are not of this version.
    """

    version: str
    zarr_format: int
    to_attributes: Callable[[OmeMetadata], dict[str, Any]]
    from_attributes: Callable[[dict[str, Any]], OmeMetadata | None]
