"""Harmony's image index (``Index.idx.xml``, ``Index.xml``, ``Index.ref.xml``), V5 and V6.

The root is ``EvaluationInputData`` in the ``…/PEHH/HarmonyV5`` or ``V6`` namespace (the
namespace is ignored). It holds the plate (``Plates/Plate``), one ``Images/Image`` element
per camera image and, in V6, the channel descriptions in ``Maps/Map/Entry ChannelID=…``
elements instead of in every image: a value an image lacks is looked up in its
channel's entries. The file is streamed, one image at a time, so an index of a large
plate is never held whole in memory.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from napari_hcs_zarr.errors import RawPlateError

#: Micrometres per unit, for the ``Unit`` attribute of lengths (Harmony writes metres).
_MICROMETRES_PER = {"m": 1e6, "mm": 1e3, "um": 1.0, "µm": 1.0, "nm": 1e-3}


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


@dataclass(frozen=True)
class _Value:
    text: str
    unit: str


@dataclass(frozen=True)
class HarmonyPlate:
    """The ``Plates/Plate`` element: name and format."""

    plate_id: str
    name: str
    rows: int
    columns: int
    type_name: str


@dataclass(frozen=True)
class HarmonyImage:
    """One camera image of the index, with every number converted (lengths in µm).

    ``row``, ``column``, ``field``, ``plane`` and ``channel`` are 1-based as in the
    file, ``timepoint`` 0-based. Positions are relative to the well centre, Y up.
    """

    url: str
    row: int
    column: int
    field: int
    plane: int
    timepoint: int
    channel: int
    channel_name: str
    size_yx: tuple[int, int]
    pixel_size_yx_um: tuple[float, float]
    x_um: float
    y_um: float
    z_um: float
    max_intensity: int | None
    emission_nm: float | None
    state: str


class HarmonyIndex:
    """The parsed index file: its plate and its images.

    Raises
    ------
    RawPlateError
        Naming the file, when it is not a Harmony index or an image lacks a value.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.plate: HarmonyPlate | None = None
        self.instrument = ""
        self.images: list[HarmonyImage] = []
        self._read()

    def _read(self) -> None:
        raw_images: list[dict[str, _Value]] = []
        entries: dict[int, dict[str, _Value]] = defaultdict(dict)
        root_seen = False
        try:
            for event, element in ET.iterparse(self.path, events=("start", "end")):
                tag = _local(element.tag)
                if event == "start":
                    if not root_seen:
                        root_seen = True
                        if tag != "EvaluationInputData":
                            raise RawPlateError(
                                self.path, f"root element is <{tag}>, not EvaluationInputData"
                            )
                    continue
                if tag == "Image" and len(element):
                    raw_images.append(_children(element))
                    element.clear()
                elif tag == "Entry" and element.get("ChannelID") is not None:
                    channel = self._integer(element.get("ChannelID", ""), "Entry ChannelID")
                    entries[channel].update(_children(element))
                    element.clear()
                elif tag == "Plate" and len(element) and self.plate is None:
                    self.plate = self._plate(_children(element))
                elif tag == "InstrumentType":
                    self.instrument = (element.text or "").strip()
        except ET.ParseError as error:
            raise RawPlateError(self.path, f"malformed or truncated XML ({error})") from None
        except OSError as error:
            raise RawPlateError(self.path, f"cannot be read ({error.strerror or error})") from None
        self.images = [self._image(values, entries) for values in raw_images]

    def _plate(self, values: dict[str, _Value]) -> HarmonyPlate:
        def text(name: str) -> str:
            return values[name].text if name in values else ""

        rows, columns = text("PlateRows"), text("PlateColumns")
        return HarmonyPlate(
            plate_id=text("PlateID"),
            name=text("Name") or text("PlateID"),
            rows=self._integer(rows, "PlateRows") if rows else 0,
            columns=self._integer(columns, "PlateColumns") if columns else 0,
            type_name=text("PlateTypeName"),
        )

    def _integer(self, text: str, what: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise RawPlateError(self.path, f"{what} is not an integer: {text!r}") from None

    def _image(self, values: dict[str, _Value], entries: dict[int, dict[str, _Value]]) -> HarmonyImage:
        where = values["id"].text if "id" in values else values.get("URL", _Value("?", "")).text

        def text(name: str, channel: int | None = None, required: bool = True) -> str | None:
            value = values.get(name)
            if value is None and channel is not None:
                value = entries.get(channel, {}).get(name)
            if value is None or not value.text:
                if required:
                    raise RawPlateError(self.path, f"image {where} has no {name}")
                return None
            return value.text

        def integer(name: str, channel: int | None = None) -> int:
            return self._integer(text(name, channel) or "", f"{name} of image {where}")

        def length_um(name: str, channel: int | None = None) -> float:
            raw = text(name, channel) or ""
            value = values.get(name) or entries.get(channel or 0, {}).get(name)
            unit = (value.unit if value is not None else "") or "m"
            if unit not in _MICROMETRES_PER:
                raise RawPlateError(self.path, f"{name} of image {where} has an unknown unit {unit!r}")
            try:
                number = float(raw) * _MICROMETRES_PER[unit]
            except ValueError:
                raise RawPlateError(self.path, f"{name} of image {where} is not a number: {raw!r}") from None
            if not math.isfinite(number):
                raise RawPlateError(self.path, f"{name} of image {where} is not finite: {raw!r}")
            return number

        channel = integer("ChannelID")
        pixel_size = (length_um("ImageResolutionY", channel), length_um("ImageResolutionX", channel))
        if not all(p > 0 for p in pixel_size):
            raise RawPlateError(self.path, f"image {where} has a pixel size <= 0: {pixel_size}")
        size = (integer("ImageSizeY", channel), integer("ImageSizeX", channel))
        if not all(0 < s <= 65536 for s in size):
            raise RawPlateError(self.path, f"image {where} has an implausible size {size[1]}x{size[0]} px")
        max_intensity = text("MaxIntensity", channel, required=False)
        emission = text("MainEmissionWavelength", channel, required=False)
        try:
            emission_nm = float(emission) if emission else None
        except ValueError:
            emission_nm = None
        return HarmonyImage(
            url=text("URL") or "",
            row=integer("Row"),
            column=integer("Col"),
            field=integer("FieldID"),
            plane=integer("PlaneID"),
            timepoint=integer("TimepointID"),
            channel=channel,
            channel_name=text("ChannelName", channel, required=False) or f"Channel {channel}",
            size_yx=size,
            pixel_size_yx_um=pixel_size,
            x_um=length_um("PositionX"),
            y_um=length_um("PositionY"),
            z_um=length_um("PositionZ") if text("PositionZ", required=False) else 0.0,
            max_intensity=self._integer(max_intensity, f"MaxIntensity of image {where}")
            if max_intensity
            else None,
            emission_nm=emission_nm,
            state=text("State", required=False) or "Ok",
        )


def _children(element: ET.Element) -> dict[str, _Value]:
    """The text and ``Unit`` of each child element, by local name."""
    return {_local(child.tag): _Value((child.text or "").strip(), child.get("Unit", "")) for child in element}
