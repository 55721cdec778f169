"""Command line: ``napari-hcs-zarr convert RAW_DIR OUT.zarr`` and ``napari-hcs-zarr demo``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from napari_hcs_zarr.convert import ConversionOptions, ProgressEvent, convert_plate, prepare_raw_plate
from napari_hcs_zarr.errors import HcsZarrError
from napari_hcs_zarr.ngff import DEFAULT_VERSION, VERSIONS
from napari_hcs_zarr.raw import describe_raw_plate


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="napari-hcs-zarr",
        description="Convert raw plate-imager folders into stitched OME-Zarr plates.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    converting = commands.add_parser(
        "convert", help="convert a raw acquisition folder into an OME-Zarr plate"
    )
    converting.add_argument("raw_dir", type=Path, help="the instrument's acquisition folder")
    converting.add_argument(
        "output", help="the plate to write: a path (plate.zarr) or a URL (s3://bucket/plate.zarr)"
    )
    converting.add_argument(
        "--levels",
        type=int,
        default=None,
        help="pyramid levels (default: until a well's longest side is at most 256 px)",
    )
    converting.add_argument(
        "--ngff", choices=list(VERSIONS), default=DEFAULT_VERSION, help="OME-NGFF version"
    )
    converting.add_argument("--wells", default=None, help="comma-separated wells, e.g. B03,C04")
    converting.add_argument(
        "--conditions",
        type=Path,
        default=None,
        metavar="CSV",
        help="a CSV of conditions per well (well, compound, concentration...) for the plate's "
        "condition table",
    )
    converting.add_argument("--overwrite", action="store_true", help="replace an existing output")
    converting.add_argument(
        "--resume", action="store_true", help="finish an interrupted conversion into OUTPUT"
    )
    converting.add_argument("--workers", type=int, default=None, help="planes at once (default: cores)")
    converting.add_argument(
        "--scheduler", default=None, help="address of a dask.distributed scheduler to run on"
    )
    converting.add_argument(
        "--no-shards",
        action="store_true",
        help="NGFF 0.5: plain chunks instead of one shard per well plane",
    )
    converting.add_argument(
        "--shard-chunks",
        type=int,
        default=None,
        metavar="N",
        help="NGFF 0.5: shards of at most N x N chunks (camera fields at level 0) "
        "instead of one shard per well plane",
    )
    converting.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the result (and errors): no summary of the input, no progress",
    )
    demo = commands.add_parser("demo", help="write a synthetic raw plate, convert it and show it in napari")
    demo.add_argument("folder", type=Path, nargs="?", default=Path("demo-output"))
    demo.add_argument(
        "--screenshot",
        type=Path,
        default=None,
        help="render the viewer to this PNG instead of opening a window",
    )
    return parser


class _Progress:
    """Conversion progress on stderr: a bar on a terminal, one line per change otherwise
    (a log or a captured output gets each step once), nothing with ``--quiet``."""

    def __init__(self, quiet: bool) -> None:
        self._bar = None
        self._quiet = quiet
        self._last: tuple[int, int, str] | None = None
        if not quiet and sys.stderr.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=1, unit="plane", desc="converting", file=sys.stderr)

    def show(self, event: ProgressEvent) -> None:
        if self._bar is not None:
            self._bar.total = event.total
            self._bar.n = event.done
            self._bar.set_description(event.message)
            self._bar.refresh()
        elif not self._quiet and (event.done, event.total, event.message) != self._last:
            self._last = (event.done, event.total, event.message)
            print(f"{event.done}/{event.total} {event.message}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def run_convert(args: argparse.Namespace) -> int:
    wells = [w for w in (args.wells or "").split(",") if w.strip()] or None
    options = ConversionOptions(
        levels=args.levels,
        ngff=args.ngff,
        wells=wells,
        overwrite=args.overwrite,
        resume=args.resume,
        workers=args.workers,
        scheduler=args.scheduler,
        shard_planes=not args.no_shards,
        shard_chunks=args.shard_chunks,
        conditions=args.conditions,
    )
    plate = prepare_raw_plate(args.raw_dir, wells, args.conditions)
    if not args.quiet:
        print(describe_raw_plate(plate))
    progress = _Progress(args.quiet)
    try:
        summary = convert_plate(plate, args.output, options, progress=progress.show)
    except KeyboardInterrupt:
        print(
            f"interrupted: {args.output} is incomplete; run the same command with --resume to finish it",
            file=sys.stderr,
        )
        return 130
    finally:
        progress.close()
    print(summary.describe())
    return 0


def run_demo(args: argparse.Namespace) -> int:
    from napari_hcs_zarr._napari.demo import run_demo as demo

    png = demo(args.folder, screenshot=args.screenshot)
    if png is not None:
        print(f"screenshot: {png.resolve()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "convert":
            return run_convert(args)
        return run_demo(args)
    except HcsZarrError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
