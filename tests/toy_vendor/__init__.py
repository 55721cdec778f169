"""A toy raw format, added from outside the package: a folder of PNG tiles and a CSV.

``plate.csv`` lists one image a row (``file, well, field, x_um, y_um, channel, z, t``;
positions are the top-left corners of the fields, Y pointing down) and ``plate.json``
gives the pixel size, plate format and channel names. Everything the package needs from
a vendor is here: detection, parsing into a RawPlate (placed by the shared placement
module, planes loaded by the shared image-file loader) and a synthetic writer.
"""

from toy_vendor.parser import TOY_FORMAT

__all__ = ["TOY_FORMAT"]
