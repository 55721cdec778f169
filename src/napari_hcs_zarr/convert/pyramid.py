"""Resolution pyramids: 2x2 mean, rounded to nearest, and how many levels to make."""

from __future__ import annotations

import numpy as np

#: Bytes of uint32 row sums :func:`downsample_mean2` computes at once: bands of rows keep
#: the sums small next to a 0.8 GB plane, and few enough numpy calls per plane that two
#: threads downsampling at once do not wait on each other for the GIL (64-row bands of a
#: camera field: no faster on 2 threads than on 1).
_BAND_BYTES = 2 * 2**20


def downsample_mean2(plane: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Halve the last two axes by the mean of each 2x2 block, rounded half up.

    An odd last row or column is dropped (``floor(n / 2)``), as in the seed layout
    (2430 -> 1215 -> 607).

    Parameters
    ----------
    out
        Where to write the result (shape ``floor(shape / 2)``, the plane's dtype), e.g. a
        view into a larger image; a new array when ``None``.
    """
    h, w = plane.shape[-2] // 2, plane.shape[-1] // 2
    if out is None:
        out = np.empty((*plane.shape[:-2], h, w), dtype=plane.dtype)
    if np.issubdtype(plane.dtype, np.unsignedinteger) and plane.dtype.itemsize <= 2:
        # Sum row pairs (contiguous) into uint32, then neighbouring columns: 2x faster than
        # 2x2 views. (Signed types take the general path: uint32 sums cannot hold them.)
        # In bands of output rows, so the uint32 sums stay in cache next to a 0.8 GB plane.
        band = max(1, min(_BAND_BYTES // (2 * w * 4 or 1), h))
        rows = np.empty((*plane.shape[:-2], band, 2 * w), dtype=np.uint32)
        total = np.empty((*plane.shape[:-2], band, w), dtype=np.uint32)
        for top in range(0, h, band):
            bottom = min(top + band, h)
            row_sums = rows[..., : bottom - top, :]
            sums = total[..., : bottom - top, :]
            np.add(
                plane[..., 2 * top : 2 * bottom : 2, : 2 * w],
                plane[..., 2 * top + 1 : 2 * bottom : 2, : 2 * w],
                out=row_sums,
                dtype=np.uint32,
            )
            np.add(row_sums[..., 0::2], row_sums[..., 1::2], out=sums)
            sums += 2
            sums >>= 2
            out[..., top:bottom, :] = sums
        return out
    block = plane[..., : 2 * h, : 2 * w].reshape(*plane.shape[:-2], h, 2, w, 2)
    if np.issubdtype(plane.dtype, np.integer):
        total = block.sum(axis=(-3, -1), dtype=np.int64)
        out[...] = (total + 2) // 4
        return out
    out[...] = block.mean(axis=(-3, -1))
    return out


def default_level_count(shape_yx: tuple[int, int], coarsest_side: int = 256) -> int:
    """Levels needed until the longest side is at most ``coarsest_side`` pixels.

    The seed's 19440 x 20480 well gets 8 levels (20480 / 2**7 = 160).
    """
    longest = max(shape_yx)
    levels = 1
    while longest > coarsest_side:
        longest //= 2
        levels += 1
    return levels


def level_shape(shape_yx: tuple[int, int], level: int) -> tuple[int, int]:
    """Height and width of ``level`` for a level-0 plane of ``shape_yx``."""
    h, w = shape_yx
    for _ in range(level):
        h, w = h // 2, w // 2
    return h, w
