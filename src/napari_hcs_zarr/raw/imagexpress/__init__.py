"""Molecular Devices ImageXpress (MetaXpress) acquisition folders, direct and exported."""

from napari_hcs_zarr.raw.imagexpress.parser import is_imagexpress_folder, read_imagexpress
from napari_hcs_zarr.raw.imagexpress.synthetic import write_synthetic_imagexpress
from napari_hcs_zarr.raw.raw_format import RawFormat

IMAGEXPRESS = RawFormat(
    name="Molecular Devices ImageXpress",
    looks_for="a .HTD file or <plate>_<well>_s<site>_w<wave>.tif images",
    detect=is_imagexpress_folder,
    read=read_imagexpress,
    write_synthetic=write_synthetic_imagexpress,
)

__all__ = ["IMAGEXPRESS", "read_imagexpress", "write_synthetic_imagexpress"]
