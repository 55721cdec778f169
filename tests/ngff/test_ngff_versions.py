"""The NGFF objects and the two version layouts: what is written, and what is read back
(from this package's documents and from other writers' forms)."""

from __future__ import annotations

import pytest

from napari_hcs_zarr.errors import NgffMetadataError, OptionError
from napari_hcs_zarr.ngff import VERSIONS, ome_kind, read_ome, version_spec
from napari_hcs_zarr.ngff.model import (
    Acquisition,
    Axis,
    Dataset,
    Multiscale,
    OmeMetadata,
    Omero,
    OmeroChannel,
    Plate,
    PlateWell,
    Well,
    WellImage,
    Window,
)

IMAGE = OmeMetadata(
    multiscales=(
        Multiscale(
            (Axis("c", "channel"), Axis("y", "space", "micrometer"), Axis("x", "space", "micrometer")),
            (Dataset("0", (1.0, 0.5, 0.5)), Dataset("1", (1.0, 1.0, 1.0))),
            "img",
        ),
    ),
    omero=Omero((OmeroChannel("DAPI", "0000FF", Window(0, 65535, 100, 2000), wavelength_id="A01_C01"),)),
)
PLATE = OmeMetadata(
    plate=Plate(("A", "B"), ("01", "02"), (PlateWell("B/02", 1, 1),), "p", 1, (Acquisition(0, "p", 1),))
)
WELL = OmeMetadata(well=Well((WellImage("0", 0),)))


def test_versions_registry():
    assert list(VERSIONS) == ["0.4", "0.5"]
    assert (version_spec("0.4").zarr_format, version_spec("0.5").zarr_format) == (2, 3)
    with pytest.raises(OptionError, match="'0.6'.*0.4 or 0.5"):
        version_spec("0.6")


def test_04_layout():
    attributes = version_spec("0.4").to_attributes(IMAGE)
    assert list(attributes) == ["multiscales", "omero"]
    assert attributes["multiscales"][0] == {
        "name": "img",
        "axes": [
            {"name": "c", "type": "channel"},
            {"name": "y", "type": "space", "unit": "micrometer"},
            {"name": "x", "type": "space", "unit": "micrometer"},
        ],
        "datasets": [
            {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1.0, 0.5, 0.5]}]},
            {"path": "1", "coordinateTransformations": [{"type": "scale", "scale": [1.0, 1.0, 1.0]}]},
        ],
        "version": "0.4",
    }
    assert attributes["omero"]["channels"][0] == {
        "label": "DAPI",
        "wavelength_id": "A01_C01",
        "color": "0000FF",
        "window": {"min": 0, "max": 65535, "start": 100, "end": 2000},
        "active": True,
        "coefficient": 1.0,
        "family": "linear",
        "inverted": False,
    }
    plate = version_spec("0.4").to_attributes(PLATE)["plate"]
    assert plate["version"] == "0.4" and plate["wells"] == [{"path": "B/02", "rowIndex": 1, "columnIndex": 1}]
    assert plate["acquisitions"] == [{"id": 0, "name": "p", "maximumfieldcount": 1}]
    assert version_spec("0.4").to_attributes(WELL) == {
        "well": {"images": [{"path": "0", "acquisition": 0}], "version": "0.4"}
    }


def test_05_layout():
    attributes = version_spec("0.5").to_attributes(PLATE)
    assert list(attributes) == ["ome"]
    assert attributes["ome"]["version"] == "0.5" and attributes["ome"]["plate"]["version"] == "0.5"
    image = version_spec("0.5").to_attributes(IMAGE)["ome"]
    assert "version" not in image["multiscales"][0]


@pytest.mark.parametrize("version", ["0.4", "0.5"])
@pytest.mark.parametrize("objects", [IMAGE, PLATE, WELL], ids=["image", "plate", "well"])
def test_round_trip(version, objects):
    stored, read = read_ome(version_spec(version).to_attributes(objects))
    assert stored == version
    assert read == objects


def test_older_and_foreign_forms_are_read():
    # NGFF 0.3: axes as names, no unit; a plate without indices; labels groups.
    stored, ome = read_ome(
        {"multiscales": [{"version": "0.3", "axes": ["c", "y", "x"], "datasets": [{"path": "0"}]}]}
    )
    assert stored == "0.3" and ome.kind == "image"
    assert ome.multiscales[0].axis_names == ["c", "y", "x"] and ome.multiscales[0].datasets[0].scale == ()
    _, ome = read_ome(
        {"plate": {"rows": [{"name": "A"}], "columns": [{"name": "1"}], "wells": [{"path": "A/1"}]}}
    )
    assert ome.plate.wells == (PlateWell("A/1", None, None),)
    assert read_ome({"labels": ["cells"]})[1].labels == ("cells",)
    assert read_ome({"ome": {"version": "0.5", "labels": ["nuclei"]}})[1].labels == ("nuclei",)
    assert read_ome({"something": "else"}) is None
    # A channel without window or label still reads.
    _, ome = read_ome(
        {**version_spec("0.4").to_attributes(IMAGE), "omero": {"channels": [{"color": "FF0000"}]}}
    )
    assert ome.omero.channels == (OmeroChannel(color="FF0000"),)


@pytest.mark.parametrize(
    "attributes",
    [
        {"plate": {"rows": "AB", "columns": [], "wells": []}},
        {"plate": {"columns": [], "wells": []}},
        {"multiscales": {"not": "a list"}},
        {"ome": {"version": "0.5", "well": {"images": "0"}}},
        {
            "multiscales": [
                {
                    "datasets": [
                        {"path": "0", "coordinateTransformations": [{"type": "scale", "scale": ["a"]}]}
                    ]
                }
            ]
        },
    ],
)
def test_unusable_objects_are_ngff_errors(attributes):
    with pytest.raises(NgffMetadataError):
        read_ome(attributes)


@pytest.mark.parametrize(
    ("attributes", "kind"),
    [
        (version_spec("0.4").to_attributes(PLATE), "plate"),
        (version_spec("0.5").to_attributes(WELL), "well"),
        (version_spec("0.5").to_attributes(IMAGE), "image"),
        ({"well": "B03", "plate": "P1"}, None),  # other tools' keys: not OME objects
        ({"multiscales": []}, None),
        ({"ome": {"version": "0.5", "plate": "P1"}}, None),
        ({}, None),
    ],
)
def test_ome_kind_from_the_top_of_the_attributes(attributes, kind):
    assert ome_kind(attributes) == kind
