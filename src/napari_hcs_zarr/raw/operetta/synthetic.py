"""Synthetic Harmony exports (``Images/Index.*.xml`` + TIFFs, optionally an assay layout).

The fields and their pixels come from :mod:`napari_hcs_zarr.raw.synthetic`; positions are
written as Harmony does: each field's centre in metres relative to the well centre, Y up.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import tifffile

from napari_hcs_zarr.plate_names import parse_well_name, plate_row_names
from napari_hcs_zarr.raw.synthetic import SyntheticPlateSpec, field_pixels, synthetic_fields

CHANNELS = [("DAPI", 456), ("Alexa 488", 525), ("Alexa 568", 603), ("Alexa 647", 665)]
_NAMESPACE = "http://www.perkinelmer.com/PEHH/HarmonyV{version}"


def image_file_name(row: int, column: int, field: int, plane: int, channel: int, timepoint: int) -> str:
    """Harmony's name of one image (all 1-based but ``timepoint``)."""
    return f"r{row:02d}c{column:02d}f{field:02d}p{plane:02d}-ch{channel}sk{timepoint + 1}fk1fl1.tiff"


def _channel_values(spec: SyntheticPlateSpec, c: int) -> list[str]:
    name, emission = CHANNELS[c % len(CHANNELS)]
    size = spec.pixel_size_um * 1e-6
    return [
        f"<ChannelName>{escape(name)}</ChannelName>",
        f'<ImageResolutionX Unit="m">{size!r}</ImageResolutionX>',
        f'<ImageResolutionY Unit="m">{size!r}</ImageResolutionY>',
        f"<ImageSizeX>{spec.field_shape[1]}</ImageSizeX>",
        f"<ImageSizeY>{spec.field_shape[0]}</ImageSizeY>",
        "<MaxIntensity>65535</MaxIntensity>",
        f'<MainEmissionWavelength Unit="nm">{emission}</MainEmissionWavelength>',
    ]


def _assay_layout(spec: SyntheticPlateSpec, version: int) -> str:
    """Two layers: a compound name per row and a concentration per column (empty in column 1)."""
    compound, concentration = [], []
    for well in spec.wells:
        row_name, column = parse_well_name(well)
        row = plate_row_names(spec.rows).index(row_name) + 1
        place = f"<Row>{row}</Row><Col>{column}</Col>"
        compound.append(f"<Well>{place}<Value>compound-{row_name}</Value><Color>4294967295</Color></Well>")
        value = "" if column == 1 else f"{column * 0.5:g}"
        concentration.append(f"<Well>{place}<Value>{value}</Value><Color>4294967295</Color></Well>")
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<AssayLayout xmlns="{_NAMESPACE.format(version=version)}">\n'
        f"  <PlateCols>{spec.columns}</PlateCols>\n  <PlateRows>{spec.rows}</PlateRows>\n"
        f"  <Layer><Name>Compound</Name><ValueType>String</ValueType>{''.join(compound)}</Layer>\n"
        f"  <Layer><Name>Concentration</Name><ValueType>Double</ValueType><Unit>uM</Unit>"
        f"{''.join(concentration)}</Layer>\n</AssayLayout>\n"
    )


def write_synthetic_operetta(
    folder: str | Path,
    spec: SyntheticPlateSpec | None = None,
    version: int = 6,
    index_name: str = "Index.xml",
    assay_layout: bool = True,
) -> Path:
    """Write a Harmony-like export folder and return it.

    Parameters
    ----------
    version
        5: channel descriptions in every image; 6: in ``Maps/Map/Entry`` elements.
    index_name
        ``Index.idx.xml``, ``Index.xml`` or ``Index.ref.xml``.
    assay_layout
        Also write ``Assaylayout/layout.xml`` (a compound per row, a concentration per column).
    """
    spec = spec or SyntheticPlateSpec()
    folder = Path(folder)
    images_dir = folder / "Images"
    images_dir.mkdir(parents=True, exist_ok=True)
    fh, fw = spec.field_shape
    ps = spec.pixel_size_um
    fields = list(synthetic_fields(spec))
    well_h = max(f.y0 for f in fields) + fh
    well_w = max(f.x0 for f in fields) + fw
    rows = plate_row_names(spec.rows)
    wells_xml, images_xml, well_ids = [], [], []
    for well in spec.wells:
        row_name, column = parse_well_name(well)
        row = rows.index(row_name) + 1
        ids = []
        for fov in fields:
            # The field's centre relative to the well centre, in metres, Y up.
            centre_x = (fov.x0 + fov.jitter_px + fw / 2 - well_w / 2) * ps * 1e-6
            centre_y = -(fov.y0 + fov.jitter_px + fh / 2 - well_h / 2) * ps * 1e-6
            for t in range(spec.time_count):
                for c in range(spec.channels):
                    for z in range(spec.z_count_of(well)):
                        image_id = f"{row:02d}{column:02d}K{t + 1}F{fov.index}P{z + 1}R{c + 1}"
                        ids.append(image_id)
                        name = image_file_name(row, column, fov.index, z + 1, c + 1, t)
                        if name not in spec.missing_files:
                            tifffile.imwrite(
                                images_dir / name,
                                field_pixels(well, t, c, z, fov, spec.field_shape),
                                compression=spec.compression,
                            )
                        channel_values = _channel_values(spec, c) if version == 5 else []
                        images_xml.append(
                            f'<Image Version="1"><id>{image_id}</id><State>Ok</State><URL>{name}</URL>'
                            f"<Row>{row}</Row><Col>{column}</Col><FieldID>{fov.index}</FieldID>"
                            f"<PlaneID>{z + 1}</PlaneID><TimepointID>{t}</TimepointID>"
                            f"<ChannelID>{c + 1}</ChannelID>{''.join(channel_values)}"
                            f'<PositionX Unit="m">{centre_x!r}</PositionX>'
                            f'<PositionY Unit="m">{centre_y!r}</PositionY>'
                            f'<PositionZ Unit="m">{z * spec.z_step_um * 1e-6!r}</PositionZ></Image>'
                        )
        well_id = f"{row:02d}{column:02d}"
        well_ids.append(well_id)
        image_refs = "".join(f'<Image id="{i}" />' for i in ids)
        wells_xml.append(f"<Well><id>{well_id}</id><Row>{row}</Row><Col>{column}</Col>{image_refs}</Well>")
    maps = ""
    if version >= 6:
        entries = "".join(
            f'<Entry ChannelID="{c + 1}">{"".join(_channel_values(spec, c))}</Entry>'
            for c in range(spec.channels)
        )
        maps = f"<Maps><Map>{entries}</Map></Maps>"
    plate_wells = "".join(f'<Well id="{w}" />' for w in well_ids)
    index = (
        '\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
        f'<EvaluationInputData Version="1" xmlns="{_NAMESPACE.format(version=version)}">\n'
        "<User>synthetic</User><InstrumentType>Phenix</InstrumentType>\n"
        f"<Plates><Plate><PlateID>{escape(spec.name)}</PlateID><Name>{escape(spec.name)}</Name>"
        f"<PlateTypeName>synthetic {spec.rows * spec.columns}</PlateTypeName>"
        f"<PlateRows>{spec.rows}</PlateRows><PlateColumns>{spec.columns}</PlateColumns>"
        f"{plate_wells}</Plate></Plates>\n"
        f"<Wells>{''.join(wells_xml)}</Wells>\n{maps}\n<Images>\n" + "\n".join(images_xml) + "\n</Images>\n"
        "</EvaluationInputData>\n"
    )
    (images_dir / index_name).write_text(index, encoding="utf-8")
    if assay_layout:
        (folder / "Assaylayout").mkdir(exist_ok=True)
        (folder / "Assaylayout" / "layout.xml").write_text(_assay_layout(spec, version), encoding="utf-8")
    return folder
