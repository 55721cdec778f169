"""The napari shells: reader, conversion widget, sample data and the demo. The only
modules of the package that import napari, magicgui or Qt."""
