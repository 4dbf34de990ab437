"""Keep a table's selected row and scroll position across a model reset (the board's refresh).

``with kept_view(view, key):`` remembers the key of the selected row (``key(row DTO)``, e.g. the
queue item id) and the scroll bars' values, lets the caller reset the model, then selects the row
with the same key again (wherever it moved) and restores the scroll position.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QTableView

from console.ui.supervisor.models import ROW_ROLE


def selected_row(view: QTableView) -> Any:
    rows = view.selectionModel().selectedRows()
    return view.model().data(rows[0], ROW_ROLE) if rows else None


def select_where(view: QTableView, matches: Callable[[Any], bool]) -> bool:
    """Select the first row whose DTO matches; False when none does."""
    model = view.model()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if matches(model.data(index, ROW_ROLE)):
            view.selectionModel().select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                         | QItemSelectionModel.SelectionFlag.Rows)
            view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)
            return True
    return False


@contextmanager
def kept_view(view: QTableView, key: Callable[[Any], object]) -> Iterator[None]:
    current = selected_row(view)
    wanted = key(current) if current is not None else None
    vertical, horizontal = view.verticalScrollBar().value(), view.horizontalScrollBar().value()
    yield
    view.doItemsLayout()  # the scroll ranges of the new rows, before the old position is put back
    if wanted is not None:
        select_where(view, lambda row: row is not None and key(row) == wanted)
    view.verticalScrollBar().setValue(vertical)
    view.horizontalScrollBar().setValue(horizontal)
