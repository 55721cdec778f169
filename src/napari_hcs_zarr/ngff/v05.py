"""OME-NGFF 0.5: zarr v3 groups, every OME object under ``attributes["ome"]`` with one
``ome.version`` (the plate object keeps a ``version`` of its own, as 0.5 writers do)."""

from __future__ import annotations

from typing import Any

from napari_hcs_zarr.ngff.model import OmeMetadata
from napari_hcs_zarr.ngff.version import NgffVersion

VERSION = "0.5"


def to_attributes(ome: OmeMetadata) -> dict[str, Any]:
    objects = ome.objects()
    if "plate" in objects:
        objects["plate"] = {**objects["plate"], "version": VERSION}
    return {"ome": {"version": VERSION, **objects}}


def stored_version(attributes: dict[str, Any]) -> str | None:
    ome = attributes.get("ome")
    return str(ome.get("version", VERSION)) if isinstance(ome, dict) else None


def from_attributes(attributes: dict[str, Any]) -> OmeMetadata | None:
    if stored_version(attributes) is None:
        return None
    return OmeMetadata.from_objects(attributes["ome"])


SPEC = NgffVersion(VERSION, 3, to_attributes, from_attributes)
