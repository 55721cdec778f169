"""Plain TIFFs (one uncompressed page, as CellVoyagers write them), read with a few
``struct`` reads instead of tifffile's parser."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

#: TIFF tags :func:`read_plain_tiff` reads, and the ones it leaves to tifffile when present.
_WIDTH, _LENGTH, _BITS, _COMPRESSION, _PHOTOMETRIC = 256, 257, 258, 259, 262
_STRIP_OFFSETS, _SAMPLES, _STRIP_BYTES, _PLANAR = 273, 277, 279, 284
_PREDICTOR, _TILE_WIDTH, _EXTRA_SAMPLES, _SAMPLE_FORMAT = 317, 322, 338, 339
_TIFF_FIELD_TYPES = {3: "H", 4: "I"}  # SHORT, LONG
#: numpy type code of each (SampleFormat, BitsPerSample) read here.
_PLAIN_SAMPLES = {
    (format_code, bits): f"{kind}{bits // 8}"
    for format_code, kind, sizes in ((1, "u", (8, 16, 32, 64)), (2, "i", (8, 16, 32, 64)), (3, "f", (32, 64)))
    for bits in sizes
}


def read_plain_tiff(path: Path) -> np.ndarray | None:
    """The pixels of a single-page, uncompressed, one-sample TIFF with contiguous strips
    (what CellVoyagers write), read straight into an array; ``None`` for any other file.

    tifffile reads the same pixels, but parsing a file with it costs ~0.25 ms of Python
    (holding the GIL) per image; this reads the few tags needed with ``struct``.
    """
    with open(path, "rb") as file:
        header = file.read(8)
        if len(header) < 8 or header[:2] not in (b"II", b"MM"):
            return None
        order = "<" if header[:2] == b"II" else ">"
        magic, ifd_offset = struct.unpack(order + "HI", header[2:8])
        if magic != 42:  # 43: BigTIFF
            return None
        file.seek(ifd_offset)
        count_bytes = file.read(2)
        if len(count_bytes) < 2:
            return None
        (count,) = struct.unpack(order + "H", count_bytes)
        entries = file.read(12 * count + 4)
        if len(entries) < 12 * count + 4 or struct.unpack(order + "I", entries[-4:])[0] != 0:
            return None  # truncated, or more than one page
        tags: dict[int, tuple[int, int, bytes]] = {}
        for start in range(0, 12 * count, 12):
            tag, field_type, values = struct.unpack(order + "HHI", entries[start : start + 8])
            tags[tag] = (field_type, values, entries[start + 8 : start + 12])

        def values_of(tag: int, default: int | None = None) -> list[int] | None:
            if tag not in tags:
                return None if default is None else [default]
            field_type, n, inline = tags[tag]
            code = _TIFF_FIELD_TYPES.get(field_type)
            if code is None:
                return None
            size = struct.calcsize(code) * n
            if size <= 4:
                data = inline[:size]
            else:
                file.seek(struct.unpack(order + "I", inline)[0])
                data = file.read(size)
            return list(struct.unpack(f"{order}{n}{code}", data)) if len(data) == size else None

        if any(t in tags for t in (_PREDICTOR, _TILE_WIDTH, _EXTRA_SAMPLES)):
            return None
        width, length, bits = values_of(_WIDTH), values_of(_LENGTH), values_of(_BITS, 1)
        sample_format = values_of(_SAMPLE_FORMAT, 1)
        offsets, byte_counts = values_of(_STRIP_OFFSETS), values_of(_STRIP_BYTES)
        if None in (width, length, bits, sample_format, offsets, byte_counts):
            return None
        plain = (
            values_of(_COMPRESSION, 1) == [1]
            and values_of(_SAMPLES, 1) == [1]
            and values_of(_PLANAR, 1) == [1]
            and values_of(_PHOTOMETRIC) in ([0], [1])
            and len(width) == len(length) == len(bits) == len(sample_format) == 1
            and len(offsets) == len(byte_counts)
            and (sample_format[0], bits[0]) in _PLAIN_SAMPLES
        )
        if not plain:
            return None
        dtype = np.dtype(f"{order}{_PLAIN_SAMPLES[sample_format[0], bits[0]]}")
        size = width[0] * length[0] * dtype.itemsize
        gaps = [offsets[i] + byte_counts[i] != offsets[i + 1] for i in range(len(offsets) - 1)]
        if any(gaps) or sum(byte_counts) != size:
            return None
        image = np.empty((length[0], width[0]), dtype=dtype)
        file.seek(offsets[0])
        if file.readinto(image) != size:
            return None
    return image.astype(dtype.newbyteorder("="), copy=False)
