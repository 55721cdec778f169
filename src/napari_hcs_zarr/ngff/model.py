"""The OME-NGFF objects of a plate, independent of the NGFF version and of any storage.

One class per spec object (plate, well, multiscales, omero, labels). ``to_json`` gives
the object as the spec writes it (keys in the order this package always writes them);
``from_json`` reads it back leniently, as written by this package or by any other
writer of NGFF 0.1-0.5, and raises :class:`~napari_hcs_zarr.errors.NgffMetadataError`
only when the object is unusable. The objects are values (compared by content) and
treated as immutable; they are plain slotted dataclasses because a plate's metadata
makes tens of thousands of them, and frozen ones cost five times as much to make.
The version modules (``v04``, ``v05``) decide where the objects go in a group's
attributes and where the ``version`` keys are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from napari_hcs_zarr.errors import NgffMetadataError

Number = int | float
JSON = dict[str, Any]


def _object(value: Any, what: str) -> JSON:
    if not isinstance(value, dict):
        raise NgffMetadataError(f"{what} is not an object: {value!r:.80}")
    return value


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _list(value: Any, what: str) -> list:
    if not isinstance(value, list):
        raise NgffMetadataError(f"{what} is not a list: {value!r:.80}")
    return value


@dataclass(slots=True)
class Axis:
    """One axis of a multiscale image: ``t``, ``c``, ``z``, ``y``, ``x``..."""

    name: str
    type: str | None = None
    unit: str | None = None

    def to_json(self) -> JSON:
        document: JSON = {"name": self.name}
        if self.type is not None:
            document["type"] = self.type
        if self.unit is not None:
            document["unit"] = self.unit
        return document

    @classmethod
    def from_json(cls, value: Any) -> Axis:
        if isinstance(value, str):  # NGFF 0.3 lists axis names only
            return cls(value)
        value = _object(value, "axis")
        unit = value.get("unit")
        kind = value.get("type")
        return cls(
            str(value.get("name", "")),
            None if kind is None else str(kind),
            None if unit is None else str(unit),
        )


@dataclass(slots=True)
class Dataset:
    """One resolution level: its array path and its scale (``()`` when none is given)."""

    path: str
    scale: tuple[Number, ...] = ()

    def to_json(self) -> JSON:
        return {
            "path": self.path,
            "coordinateTransformations": [{"type": "scale", "scale": list(self.scale)}],
        }

    @classmethod
    def from_json(cls, value: Any) -> Dataset:
        value = _object(value, "dataset")
        scale: tuple[Number, ...] = ()
        for transform in value.get("coordinateTransformations") or []:
            if isinstance(transform, dict) and transform.get("type") == "scale":
                try:
                    scale = tuple(float(v) for v in transform.get("scale", []))
                except (TypeError, ValueError):
                    raise NgffMetadataError(f"dataset {value.get('path')!r}: scale is not numbers") from None
        return cls(str(value.get("path", "")), scale)


@dataclass(slots=True)
class Multiscale:
    """A multiscale image: its axes and its levels, finest first."""

    axes: tuple[Axis, ...]
    datasets: tuple[Dataset, ...]
    name: str | None = None

    @property
    def axis_names(self) -> list[str]:
        return [a.name for a in self.axes]

    def to_json(self) -> JSON:
        document: JSON = {} if self.name is None else {"name": self.name}
        document["axes"] = [a.to_json() for a in self.axes]
        document["datasets"] = [d.to_json() for d in self.datasets]
        return document

    @classmethod
    def from_json(cls, value: Any) -> Multiscale:
        value = _object(value, "multiscales entry")
        axes = tuple(Axis.from_json(a) for a in _list(value.get("axes") or [], "axes"))
        datasets = tuple(Dataset.from_json(d) for d in _list(value.get("datasets") or [], "datasets"))
        name = value.get("name")
        return cls(axes, datasets, None if name is None else str(name))


@dataclass(slots=True)
class Window:
    """Display window of a channel: the range of the type and the shown range."""

    min: Number
    max: Number
    start: Number
    end: Number

    def to_json(self) -> JSON:
        return {"min": self.min, "max": self.max, "start": self.start, "end": self.end}

    @classmethod
    def from_json(cls, value: Any) -> Window | None:
        if not isinstance(value, dict):
            return None
        try:
            start, end = float(value["start"]), float(value["end"])
        except (KeyError, TypeError, ValueError):
            return None
        low, high = value.get("min", start), value.get("max", end)
        return cls(
            low if isinstance(low, Number) else start, high if isinstance(high, Number) else end, start, end
        )


@dataclass(slots=True)
class OmeroChannel:
    """How one channel is named and shown (the transitional ``omero`` metadata)."""

    label: str | None = None
    color: str | None = None
    window: Window | None = None
    active: bool = True
    wavelength_id: str | None = None
    coefficient: float = 1.0
    family: str = "linear"
    inverted: bool = False

    def to_json(self) -> JSON:
        document: JSON = {}
        if self.label is not None:
            document["label"] = self.label
        if self.wavelength_id is not None:
            document["wavelength_id"] = self.wavelength_id
        if self.color is not None:
            document["color"] = self.color
        if self.window is not None:
            document["window"] = self.window.to_json()
        document.update(
            active=self.active, coefficient=self.coefficient, family=self.family, inverted=self.inverted
        )
        return document

    @classmethod
    def from_json(cls, value: Any) -> OmeroChannel:
        if not isinstance(value, dict):
            return cls()
        label, color = value.get("label"), value.get("color")
        wavelength = value.get("wavelength_id")
        return cls(
            label=None if label in (None, "") else str(label),
            color=None if color is None else str(color),
            window=Window.from_json(value.get("window")),
            active=bool(value.get("active", True)),
            wavelength_id=None if wavelength is None else str(wavelength),
        )


@dataclass(slots=True)
class Omero:
    """The ``omero`` object of an image: its channels."""

    channels: tuple[OmeroChannel, ...]
    rdefs_model: str = "color"

    def to_json(self) -> JSON:
        return {"channels": [c.to_json() for c in self.channels], "rdefs": {"model": self.rdefs_model}}

    @classmethod
    def from_json(cls, value: Any) -> Omero:
        if not isinstance(value, dict):
            return cls(())
        channels = value.get("channels")
        return cls(tuple(OmeroChannel.from_json(c) for c in channels) if isinstance(channels, list) else ())


@dataclass(slots=True)
class WellImage:
    """One image (field) of a well: its path below the well group."""

    path: str
    acquisition: int | None = None

    def to_json(self) -> JSON:
        document: JSON = {"path": self.path}
        if self.acquisition is not None:
            document["acquisition"] = self.acquisition
        return document


@dataclass(slots=True)
class Well:
    """The ``well`` object: the images of one well."""

    images: tuple[WellImage, ...]

    def to_json(self) -> JSON:
        return {"images": [i.to_json() for i in self.images]}

    @classmethod
    def from_json(cls, value: Any) -> Well:
        value = _object(value, "well")
        images = []
        for entry in _list(value.get("images") or [], "well images"):
            if isinstance(entry, dict) and "path" in entry:
                acquisition = entry.get("acquisition")
                images.append(
                    WellImage(str(entry["path"]), acquisition if isinstance(acquisition, int) else None)
                )
        return cls(tuple(images))


@dataclass(slots=True)
class PlateWell:
    """A well entry of the plate: its path and, from NGFF 0.4 on, its grid indices."""

    path: str
    row_index: int | None = None
    column_index: int | None = None

    def to_json(self) -> JSON:
        document: JSON = {"path": self.path}
        if self.row_index is not None:
            document["rowIndex"] = self.row_index
        if self.column_index is not None:
            document["columnIndex"] = self.column_index
        return document


@dataclass(slots=True)
class Acquisition:
    """One acquisition (run) of the plate."""

    id: int
    name: str | None = None
    maximum_field_count: int | None = None

    def to_json(self) -> JSON:
        document: JSON = {"id": self.id}
        if self.name is not None:
            document["name"] = self.name
        if self.maximum_field_count is not None:
            document["maximumfieldcount"] = self.maximum_field_count
        return document

    @classmethod
    def from_json(cls, value: Any) -> Acquisition | None:
        """The acquisition, or None for an entry without an integer id."""
        if not isinstance(value, dict) or not _is_int(value.get("id")):
            return None
        name, count = value.get("name"), value.get("maximumfieldcount")
        return cls(value["id"], None if name is None else str(name), count if _is_int(count) else None)


@dataclass(slots=True)
class Plate:
    """The ``plate`` object: the plate format and its occupied wells."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    wells: tuple[PlateWell, ...]
    name: str | None = None
    field_count: int | None = None
    acquisitions: tuple[Acquisition, ...] = ()

    def to_json(self) -> JSON:
        document: JSON = {} if self.name is None else {"name": self.name}
        document["rows"] = [{"name": r} for r in self.rows]
        document["columns"] = [{"name": c} for c in self.columns]
        document["wells"] = [w.to_json() for w in self.wells]
        if self.field_count is not None:
            document["field_count"] = self.field_count
        if self.acquisitions:
            document["acquisitions"] = [a.to_json() for a in self.acquisitions]
        return document

    @classmethod
    def from_json(cls, value: Any) -> Plate:
        value = _object(value, "plate")
        try:
            rows = tuple(str(r["name"]) for r in value["rows"])
            columns = tuple(str(c["name"]) for c in value["columns"])
            entries = list(value["wells"])
        except (KeyError, TypeError) as error:
            raise NgffMetadataError(f"plate metadata lacks rows/columns/wells ({error})") from None
        wells = []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            row, column = entry.get("rowIndex"), entry.get("columnIndex")
            wells.append(
                PlateWell(
                    str(entry.get("path", "")),
                    row if _is_int(row) else None,
                    column if _is_int(column) else None,
                )
            )
        acquisitions = value.get("acquisitions")
        found = [Acquisition.from_json(a) for a in acquisitions] if isinstance(acquisitions, list) else []
        name = value.get("name")
        count = value.get("field_count")
        return cls(
            rows,
            columns,
            tuple(wells),
            None if name is None else str(name),
            count if _is_int(count) else None,
            tuple(a for a in found if a is not None),
        )


@dataclass
class OmeMetadata:
    """The OME objects found in (or to be written into) one group's attributes."""

    plate: Plate | None = None
    well: Well | None = None
    multiscales: tuple[Multiscale, ...] = ()
    omero: Omero | None = None
    labels: tuple[str, ...] | None = None
    is_label_image: bool = False
    extra: JSON = field(default_factory=dict)  # objects of other specs, kept as they are

    @property
    def kind(self) -> str | None:
        """``"plate"``, ``"well"``, ``"image"`` or None (no OME node)."""
        if self.plate is not None:
            return "plate"
        if self.well is not None:
            return "well"
        if self.multiscales:
            return "image"
        return None

    def objects(self) -> JSON:
        """The objects as JSON, by key, in the order they are written."""
        document: JSON = {}
        if self.plate is not None:
            document["plate"] = self.plate.to_json()
        if self.well is not None:
            document["well"] = self.well.to_json()
        if self.multiscales:
            document["multiscales"] = [m.to_json() for m in self.multiscales]
        if self.omero is not None:
            document["omero"] = self.omero.to_json()
        if self.labels is not None:
            document["labels"] = list(self.labels)
        return {**document, **self.extra}

    @classmethod
    def from_objects(cls, objects: JSON) -> OmeMetadata:
        """Read the objects of a group's OME attributes (the version keys are ignored)."""
        plate = Plate.from_json(objects["plate"]) if "plate" in objects else None
        well = Well.from_json(objects["well"]) if "well" in objects else None
        multiscales: tuple[Multiscale, ...] = ()
        if "multiscales" in objects:
            multiscales = tuple(Multiscale.from_json(m) for m in _list(objects["multiscales"], "multiscales"))
        omero = Omero.from_json(objects["omero"]) if "omero" in objects else None
        labels = objects.get("labels")
        return cls(
            plate=plate,
            well=well,
            multiscales=multiscales,
            omero=omero,
            labels=tuple(str(n) for n in labels) if isinstance(labels, list) else None,
            is_label_image="image-label" in objects,
        )
