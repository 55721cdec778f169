"""Table plates: any instrument's tiles listed in a CSV, with a small TOML header."""

from napari_hcs_zarr.raw.raw_format import RawFormat
from napari_hcs_zarr.raw.table.parser import HEADER_NAME, TABLE_NAME, is_table_plate, read_table_plate
from napari_hcs_zarr.raw.table.synthetic import write_synthetic_table

TABLE_PLATE = RawFormat(
    name="Table of tiles",
    looks_for=f"{TABLE_NAME} + {HEADER_NAME} (or NAME.csv + NAME.toml)",
    detect=is_table_plate,
    read=read_table_plate,
    write_synthetic=write_synthetic_table,
)

__all__ = ["TABLE_PLATE", "read_table_plate", "write_synthetic_table"]
