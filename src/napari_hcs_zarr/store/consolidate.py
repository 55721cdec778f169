"""Consolidated metadata: every node's metadata gathered into the root document.

Written as ``zarr.consolidate_metadata`` writes it (zarr v2: ``.zmetadata``; v3: the
root's ``consolidated_metadata``), with the same bytes (checked by the tests), but from
the documents alone: zarr's version opens every node as an array or group object, which
costs seconds for the thousands of nodes of a plate's ROI tables.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from napari_hcs_zarr.store.plate_store import PlateStore
from napari_hcs_zarr.store.zarr_documents import json_document

#: zarr's key order of array metadata, for each zarr format.
_ARRAY_KEYS = {
    2: ("shape", "chunks", "dtype", "fill_value", "order", "filters", "dimension_separator", "compressor"),
    3: (
        "shape",
        "data_type",
        "chunk_grid",
        "chunk_key_encoding",
        "fill_value",
        "codecs",
        "attributes",
        "dimension_names",
    ),
}


def consolidate_metadata(store: PlateStore, zarr_format: int) -> None:
    """Gather the metadata of every node of ``store`` into its root.

    Each node's document appears in zarr's canonical key order, nodes sorted by depth,
    then case-folded path; prefixes that are no zarr node (the vendor metadata, the
    journal) are left out, and nothing below an array is listed.
    """
    members = _member_documents(store, zarr_format)
    if zarr_format == 2:
        attributes = _read_json(store, ".zattrs")
        flat: dict[str, Any] = {".zgroup": {"zarr_format": 2}, ".zattrs": attributes}
        for path, document in members:
            flat[f"{path}/.zattrs"] = document.pop("attributes")
            if "shape" in document:
                flat[f"{path}/.zarray"] = document
            else:  # (zarr writes this object's keys in the reverse order here)
                inline = {"metadata": {}, "must_understand": False, "kind": "inline"}
                flat[f"{path}/.zgroup"] = {"zarr_format": 2, "consolidated_metadata": inline}
        consolidated = {"metadata": flat, "zarr_consolidated_format": 1}
        store.replace(".zmetadata", json.dumps(consolidated, allow_nan=True).encode())
        return
    root = _read_json(store, "zarr.json")
    document = {
        "attributes": root["attributes"],
        "zarr_format": 3,
        "consolidated_metadata": {"kind": "inline", "must_understand": False, "metadata": dict(members)},
        "node_type": "group",
    }
    store.replace("zarr.json", json_document(document))


def _read_json(store: PlateStore, key: str) -> dict:
    data = store.read(key)
    return {} if data is None else json.loads(data)


def _member_documents(store: PlateStore, zarr_format: int) -> list[tuple[str, dict]]:
    """Every group and array below the root with its metadata as zarr's consolidated
    metadata holds it, sorted as zarr sorts them (by depth, then case-folded path)."""
    read = _read_v2_node if zarr_format == 2 else _read_v3_node
    members = []
    pending = [""]
    while pending:
        prefix = pending.pop()
        names = store.list_dir(prefix)
        document = read(store, prefix, names)
        if document is None:
            continue
        if prefix:
            members.append((prefix, document))
        if "shape" in document:
            continue  # zarr nodes are only below groups
        pending += [
            f"{prefix}/{name}" if prefix else name
            for name in names
            if not name.startswith(".") and name != "zarr.json"
        ]
    members.sort(key=lambda m: (m[0].count("/"), unicodedata.normalize("NFKC", m[0]).casefold()))
    return members


def _read_v2_node(store: PlateStore, prefix: str, names: list[str]) -> dict | None:
    """A v2 group (``{"attributes": ...}``) or array (zarr's key order, plus
    ``attributes``) at ``prefix``; ``None`` when it is no zarr node."""
    if ".zarray" not in names and ".zgroup" not in names:
        return None
    key = f"{prefix}/" if prefix else ""
    attributes = _read_json(store, key + ".zattrs") if ".zattrs" in names else {}
    if ".zarray" not in names:
        return {"attributes": attributes}
    stored = _read_json(store, key + ".zarray")
    return {k: stored[k] for k in _ARRAY_KEYS[2]} | {"zarr_format": 2, "attributes": attributes}


def _read_v3_node(store: PlateStore, prefix: str, names: list[str]) -> dict | None:
    """A v3 group (with an empty consolidated metadata) or array (zarr's key order) at
    ``prefix``; ``None`` when it is no zarr node."""
    if "zarr.json" not in names:
        return None
    stored = _read_json(store, f"{prefix}/zarr.json" if prefix else "zarr.json")
    if stored["node_type"] == "group":
        return {
            "attributes": stored.get("attributes", {}),
            "zarr_format": 3,
            "consolidated_metadata": {"kind": "inline", "must_understand": False, "metadata": {}},
            "node_type": "group",
        }
    document = {k: stored[k] for k in _ARRAY_KEYS[3] if stored.get(k) is not None}
    document.setdefault("attributes", {})
    return document | {
        "zarr_format": 3,
        "node_type": "array",
        "storage_transformers": stored.get("storage_transformers", []),
    }
