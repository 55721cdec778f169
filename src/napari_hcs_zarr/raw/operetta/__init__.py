"""Revvity (PerkinElmer) Operetta and Opera Phenix exports from Harmony (V5, V6)."""

from napari_hcs_zarr.raw.operetta.parser import INDEX_NAMES, is_operetta_folder, read_operetta
from napari_hcs_zarr.raw.operetta.synthetic import write_synthetic_operetta
from napari_hcs_zarr.raw.raw_format import RawFormat

OPERETTA = RawFormat(
    name="Revvity Operetta / Opera Phenix",
    looks_for=f"{' or '.join(INDEX_NAMES)}, in the folder or its Images/ folder",
    detect=is_operetta_folder,
    read=read_operetta,
    write_synthetic=write_synthetic_operetta,
)

__all__ = ["OPERETTA", "read_operetta", "write_synthetic_operetta"]
