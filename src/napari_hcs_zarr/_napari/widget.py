"""The conversion widget: raw plate folder → OME-Zarr plate, in the background, then open it."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    FileEdit,
    Label,
    LineEdit,
    PushButton,
    SpinBox,
)

from napari_hcs_zarr.convert import (
    ConversionOptions,
    ConversionSummary,
    ProgressEvent,
    is_resumable,
    iter_convert_until,
)
from napari_hcs_zarr.ngff import DEFAULT_VERSION, VERSIONS
from napari_hcs_zarr.raw import RawPlate, describe_raw_plate, read_raw_plate
from napari_hcs_zarr.store import open_store

if TYPE_CHECKING:
    import napari


def plate_map(plate: RawPlate) -> str:
    """A small text map of the plate: one mark per well, filled where imaged."""
    occupied = {(w.row_index, w.column_index) for w in plate.wells}
    columns = len(plate.column_names)
    step = 1 if columns <= 24 else 2
    lines = []
    for r, row in enumerate(plate.row_names):
        marks = "".join(
            "#" if any((r, c + k) in occupied for k in range(step)) else "." for c in range(0, columns, step)
        )
        lines.append(f"{row:>2} {marks}")
    return "\n".join(lines)


def default_output(raw_folder: Path, plate_name: str) -> Path:
    """Beside the raw folder, named after the plate."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in plate_name) or raw_folder.name
    return raw_folder.parent / f"{safe}.zarr"


class ConversionWidget(Container):
    """Convert a raw plate folder into an OME-Zarr plate without blocking napari."""

    def __init__(self, viewer: napari.viewer.Viewer) -> None:
        self._viewer = viewer
        self._raw_folder = FileEdit(label="Raw folder", mode="d")
        self._output = FileEdit(label="Output plate", mode="d")
        self._levels = SpinBox(label="Levels (0 = auto)", min=0, max=20, value=0)
        self._ngff = ComboBox(label="OME-NGFF", choices=list(VERSIONS), value=DEFAULT_VERSION)
        self._wells = LineEdit(label="Wells (empty = all)")
        self._overwrite = CheckBox(text="Overwrite existing output")
        self._summary = Label(label="Found")
        self._map = Label(label="Plate")
        self._convert = PushButton(text="Convert")
        self._cancel = PushButton(text="Cancel", enabled=False)
        self._status = Label(label="Status", value="Choose a raw folder.")
        super().__init__(
            widgets=[
                self._raw_folder,
                self._summary,
                self._map,
                self._output,
                self._levels,
                self._ngff,
                self._wells,
                self._overwrite,
                self._convert,
                self._cancel,
                self._status,
            ]
        )
        self._plate: RawPlate | None = None
        self._worker = None
        self._stop = threading.Event()
        self._progress = None
        self._outcome_shown = False
        self._convert.enabled = False
        self._raw_folder.changed.connect(lambda value: self.set_raw_folder(Path(value)))
        self._output.changed.connect(self._show_output_state)
        self._overwrite.changed.connect(self._show_output_state)
        self._convert.changed.connect(self.start_conversion)
        self._cancel.changed.connect(self.cancel_conversion)
        with contextlib.suppress(AttributeError):  # only Qt backends have these
            self._map.native.setStyleSheet("font-family: monospace;")
            self._summary.native.setWordWrap(True)
            self._status.native.setWordWrap(True)
            self.native.setMaximumWidth(480)

    # ---- the raw folder ------------------------------------------------------------
    def set_raw_folder(self, folder: Path) -> None:
        """Parse ``folder`` and show what it holds; propose an output path."""
        from napari.utils.notifications import show_error

        if self._raw_folder.value != folder:
            with self._raw_folder.changed.blocked():
                self._raw_folder.value = folder
        try:
            plate = read_raw_plate(folder)
        except Exception as error:
            self._plate = None
            self._convert.enabled = False
            self._status.value = f"Not convertible: {error}"
            show_error(str(error))
            return
        self._plate = plate
        self._summary.value = describe_raw_plate(plate)
        self._map.value = plate_map(plate)
        output = default_output(folder, plate.name)
        self._convert.enabled = True
        if os.access(output.parent, os.W_OK):
            self._output.value = output
            self._show_output_state()
        else:
            self._output.value = ""
            self._status.value = f"{output.parent} is not writable: choose another output plate."

    def _output_path(self) -> Path | None:
        text = str(self._output.value)
        return Path(text) if text not in ("", ".") else None

    def _resumable(self, output: Path | None) -> bool:
        """Whether ``output`` holds an interrupted conversion that Convert would finish."""
        return output is not None and not self._overwrite.value and is_resumable(output)

    def _show_output_state(self, *_: object) -> None:
        if self._plate is None or (self._worker is not None and self._cancel.enabled):
            return
        output = self._output_path()
        if self._resumable(output):
            self._status.value = (
                f"{output.name} holds an interrupted conversion: Convert finishes it (same settings "
                "as before), or tick Overwrite to start again."
            )
        elif output is not None and not open_store(output).is_empty() and not self._overwrite.value:
            self._status.value = f"{output.name} already exists: tick Overwrite or choose another output."
        else:
            self._status.value = "Ready."

    @property
    def plate(self) -> RawPlate | None:
        return self._plate

    def options(self) -> ConversionOptions:
        """The converter's options as set in the widget; an interrupted conversion in the
        output plate is resumed unless Overwrite is ticked."""
        wells = [w.strip() for w in self._wells.value.replace(";", ",").split(",") if w.strip()]
        return ConversionOptions(
            levels=self._levels.value or None,
            ngff=self._ngff.value,
            wells=wells or None,
            overwrite=self._overwrite.value,
            resume=self._resumable(self._output_path()),
        )

    # ---- running -------------------------------------------------------------------
    def start_conversion(self) -> None:
        """Run the converter in a background thread, with progress in the activity dock."""
        from napari.qt.threading import create_worker
        from napari.utils import progress
        from napari.utils.notifications import show_error

        output = self._output_path()
        if self._plate is None or output is None:
            show_error("Choose a raw folder and an output plate first.")
            return
        self._stop.clear()
        self._outcome_shown = False
        self._progress = progress(total=1, desc=f"Converting {self._plate.name}")
        self._worker = create_worker(
            iter_convert_until,
            self._plate,
            output,
            self.options(),
            self._stop.is_set,
            _start_thread=False,
            # Handling "errored" here keeps the error a notification, not a re-raise.
            _connect={
                "yielded": self._on_progress,
                "returned": self._on_done,
                "errored": self._on_error,
                "finished": self._on_finished,
            },
        )
        self._convert.enabled = False
        self._cancel.enabled = True
        self._status.value = "Converting…"
        self._worker.start()

    def cancel_conversion(self) -> None:
        """Stop after the planes in flight; the output stays an incomplete, resumable plate."""
        self._stop.set()
        self._status.value = "Cancelling…"

    @property
    def worker(self):
        return self._worker

    def _on_progress(self, event: ProgressEvent) -> None:
        if self._outcome_shown:  # a late progress signal must not hide the outcome
            return
        # Status first: napari's progress bar processes Qt events when its description
        # changes, so the outcome handlers may run inside the lines below.
        self._status.value = f"{event.message}: {event.done}/{event.total}"
        bar = self._progress
        if bar is not None:
            bar.total = event.total
            bar.n = event.done
            bar.set_description(event.message)

    def _on_done(self, summary: ConversionSummary | None) -> None:
        from napari.utils.notifications import show_info

        self._outcome_shown = True
        if summary is None:
            self._status.value = "Cancelled; the output is incomplete: press Convert to finish it."
            show_info("Conversion cancelled.")
            return
        self._status.value = summary.describe()
        show_info(summary.describe())
        self._viewer.open(str(summary.output), plugin="napari-hcs-zarr")

    def _on_error(self, error: Exception) -> None:
        from napari.utils.notifications import show_error

        self._outcome_shown = True
        self._status.value = f"Failed: {error}"
        show_error(f"Conversion failed: {error}")

    def _on_finished(self) -> None:
        if self._progress is not None:
            self._progress.close()
            self._progress = None
        self._convert.enabled = self._plate is not None
        self._cancel.enabled = False
