"""faim-ipa's ImageXpress converter (StackAcquisition, stage-position alignment), timed.

Runs in a venv with faim-ipa (see bench_imagexpress.py); prints one JSON line.

    /work/bench-venvs/faim/bin/python benchmarks/faim_imagexpress_convert.py RAW OUT_DIR --levels 4
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("raw", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--levels", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import distributed
    from faim_ipa.hcs.acquisition import TileAlignmentOptions
    from faim_ipa.hcs.converter import ConvertToNGFFPlate, NGFFPlate
    from faim_ipa.hcs.imagexpress import StackAcquisition
    from faim_ipa.hcs.plate import PlateLayout

    shutil.rmtree(args.out, ignore_errors=True)
    args.out.mkdir(parents=True)
    client = distributed.Client(n_workers=1, threads_per_worker=args.workers, processes=False)
    started = time.perf_counter()
    acquisition = StackAcquisition(acquisition_dir=args.raw, alignment=TileAlignmentOptions.STAGE_POSITION)
    tile = acquisition.get_well_acquisitions()[0].get_tiles()[0]
    converter = ConvertToNGFFPlate(
        ngff_plate=NGFFPlate(
            root_dir=args.out, name="faim", layout=PlateLayout.I96, order_name="o", barcode="b"
        ),
        client=client,
    )
    plate = converter.create_zarr_plate(acquisition)
    chunks = tuple(tile.shape)  # one camera field per chunk, as ours
    converter.run(plate=plate, plate_acquisition=acquisition, chunks=chunks, max_layer=args.levels - 1)
    seconds = time.perf_counter() - started
    client.close()
    print(json.dumps({"seconds": seconds}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
