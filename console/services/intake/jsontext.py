"""JSON text exactly as the SQLite JSON columns store it (``json.dumps(value, ensure_ascii=False)``),
made faster for the importer; no database here, so the preparing worker can use it too."""

from __future__ import annotations

import json
import json.encoder
from collections.abc import Sequence
from typing import Any, Final

# The C encoder json.dumps(value, ensure_ascii=False) ends up in, made once instead of per call (the
# per-call set-up costs more than encoding a row).  No circular-reference check: the importer only
# encodes rows and lists it built itself.
_ENCODE: Final = json.encoder.c_make_encoder(  # type: ignore[attr-defined]
    None, None, json.encoder.encode_basestring, None, ": ", ", ", False, False, True,
) if json.encoder.c_make_encoder is not None else None  # type: ignore[attr-defined]


def json_text(value: Any) -> str:
    """Exactly ``json.dumps(value, ensure_ascii=False)`` (the text SQLite JSON columns hold), faster."""
    if _ENCODE is None:
        return json.dumps(value, ensure_ascii=False)
    return "".join(_ENCODE(value, 0))



class ListJson:
    """``json.dumps`` of lists whose items are often the very same objects (the triage reasons the
    scorer shares between warnings): each item is encoded once, and a list is its items' texts
    joined the way ``json.dumps`` joins them.  Items are remembered by identity, so they are kept
    alive while remembered: at most ``limit`` of them, then the memory starts afresh."""

    def __init__(self, limit: int = 4096) -> None:
        self.limit = limit
        self._texts: dict[int, tuple[Any, str]] = {}
        self._lists: dict[tuple[int, ...], str] = {}  # the same items in the same order: the whole text

    def dumps(self, items: Sequence[Any]) -> str:
        texts = self._texts
        if len(texts) > self.limit or len(self._lists) > self.limit:
            texts.clear()
            self._lists.clear()
        key = tuple(map(id, items))
        whole = self._lists.get(key)
        if whole is not None:  # every item is remembered (and kept alive) by the item memory
            return whole
        parts: list[str] = []
        for item in items:
            known = texts.get(id(item))
            if known is None:
                known = texts[id(item)] = (item, json_text(item))
            parts.append(known[1])
        whole = self._lists[key] = "[" + ", ".join(parts) + "]"
        return whole
