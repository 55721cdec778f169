"""Display colours of channels from their emission wavelength, for formats that name none."""

from __future__ import annotations

#: (upper bound of the emission band in nm, colour) from violet to far red.
_BANDS = [
    (480.0, "0000FF"),  # DAPI, Hoechst
    (560.0, "00FF00"),  # FITC, GFP, Alexa 488
    (600.0, "FFFF00"),  # TRITC, Cy3
    (650.0, "FF0000"),  # Texas Red, mCherry, Alexa 594
    (750.0, "FF00FF"),  # Cy5, Alexa 647
]


def emission_color(wavelength_nm: float | None) -> str:
    """``RRGGBB`` for a channel emitting at ``wavelength_nm``; white when unknown (e.g.
    brightfield, which has no emission wavelength)."""
    if wavelength_nm is None or not wavelength_nm > 0:
        return "FFFFFF"
    for upper, color in _BANDS:
        if wavelength_nm < upper:
            return color
    return "FF00FF"
