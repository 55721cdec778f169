"""OME-NGFF 0.4 (and the older versions it reads): zarr v2 groups, the OME objects at the
top of the attributes, and a ``version`` inside the plate, well and each multiscales."""

from __future__ import annotations

from typing import Any

from napari_hcs_zarr.ngff.model import OmeMetadata
from napari_hcs_zarr.ngff.version import NgffVersion

VERSION = "0.4"


def to_attributes(ome: OmeMetadata) -> dict[str, Any]:
    objects = ome.objects()
    for key in ("plate", "well"):
        if key in objects:
            objects[key] = {**objects[key], "version": VERSION}
    if "multiscales" in objects:
        objects["multiscales"] = [{**m, "version": VERSION} for m in objects["multiscales"]]
    return objects


def stored_version(attributes: dict[str, Any]) -> str | None:
    """The version the attributes claim (``"0.4"`` when an OME object says none)."""
    for key in ("plate", "well", "multiscales"):
        value = attributes.get(key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = value[0]
        if isinstance(value, dict):
            return str(value.get("version", VERSION))
    if "labels" in attributes or "image-label" in attributes:
        return VERSION
    return None


def from_attributes(attributes: dict[str, Any]) -> OmeMetadata | None:
    if isinstance(attributes.get("ome"), dict) or stored_version(attributes) is None:
        return None
    return OmeMetadata.from_objects(attributes)


SPEC = NgffVersion(VERSION, 2, to_attributes, from_attributes)
