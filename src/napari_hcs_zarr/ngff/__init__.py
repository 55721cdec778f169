"""OME-NGFF: the version-neutral metadata objects (:mod:`.model`) and one module per
version that lays them out in a group's attributes. No I/O happens here.

Adding a version is adding a module with a ``SPEC`` and listing it in :data:`VERSIONS`.
"""

from __future__ import annotations

from typing import Any

from napari_hcs_zarr.errors import OptionError
from napari_hcs_zarr.ngff import v04, v05
from napari_hcs_zarr.ngff.model import OmeMetadata
from napari_hcs_zarr.ngff.version import NgffVersion

#: The versions this package writes, by version string; the first is the default.
VERSIONS: dict[str, NgffVersion] = {spec.version: spec for spec in (v04.SPEC, v05.SPEC)}
DEFAULT_VERSION = next(iter(VERSIONS))


def version_spec(version: str) -> NgffVersion:
    """The :class:`NgffVersion` of ``version``; an unknown one is an :class:`OptionError`."""
    try:
        return VERSIONS[version]
    except KeyError:
        raise OptionError(f"unsupported OME-NGFF version {version!r}; use {' or '.join(VERSIONS)}") from None


def read_ome(attributes: dict[str, Any]) -> tuple[str, OmeMetadata] | None:
    """The stored version and the OME objects of a group's attributes, whatever the
    version; None for attributes that hold no OME metadata.

    Raises
    ------
    NgffMetadataError
        When an OME object is present but unusable.
    """
    for module in (v05, v04):
        version = module.stored_version(attributes)
        if version is not None:
            return version, module.SPEC.from_attributes(attributes)
    return None


def ome_objects(attributes: dict[str, Any]) -> dict[str, Any] | None:
    """The OME objects of a group's attributes as stored (JSON, version keys included),
    whatever the version; None for attributes that hold none. For readers that parse
    only some of the objects of many groups (see :meth:`OmeMetadata.from_objects`)."""
    ome = attributes.get("ome")
    if isinstance(ome, dict) and v05.stored_version(attributes) is not None:
        return ome
    return attributes if v04.stored_version(attributes) is not None else None


def ome_kind(attributes: dict[str, Any]) -> str | None:
    """``"plate"``, ``"well"``, ``"image"`` or None, from the top of a group's attributes
    alone (the objects are not parsed: napari asks this of every path it is given)."""
    objects = ome_objects(attributes)
    if objects is None:
        return None
    if isinstance(objects.get("plate"), dict):
        return "plate"
    if isinstance(objects.get("well"), dict):
        return "well"
    multiscales = objects.get("multiscales")
    if isinstance(multiscales, list) and multiscales and isinstance(multiscales[0], dict):
        return "image"
    return None


__all__ = [
    "DEFAULT_VERSION",
    "VERSIONS",
    "NgffVersion",
    "OmeMetadata",
    "ome_kind",
    "ome_objects",
    "read_ome",
    "version_spec",
]
