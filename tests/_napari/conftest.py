"""The napari shells' tests need napari (and its pytest fixtures)."""

import pytest

pytest.importorskip("napari", reason="the napari shells are tested in a real napari viewer")
