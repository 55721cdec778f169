from napari_hcs_zarr.cli import main

raise SystemExit(main())
