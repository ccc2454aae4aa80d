"""Signal work gathered in a block (a bulk import) and done once at its end."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def collected(local, name: str):
    """Open a thread-local list ``local.<name>`` for handlers to append to instead of acting.

    Yields that list, to be acted on after the block; an inner block yields an empty list
    and leaves the work to the outermost. Handlers read ``getattr(local, name, None)``:
    ``None`` outside any block."""
    if getattr(local, name, None) is not None:
        yield []
        return
    items: list = []
    setattr(local, name, items)
    try:
        yield items
    finally:
        setattr(local, name, None)
