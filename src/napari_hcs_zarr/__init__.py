"""View and produce high-content-screening plates as OME-Zarr.

The core (``raw_plate``, ``yokogawa``, ``stitching``, ``pyramid``, ``ngff``, ``writer``,
``plate_model``) never imports Qt or napari; the ``_napari_*`` modules are thin shells
over it, and so is the command line in ``cli``.
"""

__version__ = "0.1.0"

from napari_hcs_zarr.raw_plate import RawChannel, RawField, RawPlate, RawWell

__all__ = ["RawChannel", "RawField", "RawPlate", "RawWell", "__version__"]
