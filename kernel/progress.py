"""Progress of a long command: a bar on a terminal, a line every few seconds otherwise.

Shared by ``import_articles`` and ``rebuild_search_index``: an operator watching a terminal
sees a bar; cron, CI and log files get one plain line every ``interval`` seconds instead of
thousands of carriage returns.
"""

from __future__ import annotations

import time

__all__ = ["Progress"]


class Progress:
    def __init__(self, stream, *, total: int | None = None, label: str = "", unit: str = "篇",
                 interval: float = 3.0, tty: bool | None = None, clock=time.monotonic):
        self.stream = stream
        self.total = total
        self.label = label
        self.unit = unit
        self.interval = interval
        self.clock = clock
        if tty is None:
            isatty = getattr(stream, "isatty", None)
            tty = bool(isatty and isatty())
        self.tty = tty
        self.done = 0
        self.started = clock()
        self._last = self.started
        self._printed_at = -1

    def rate(self) -> float:
        elapsed = self.clock() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    def _line(self) -> str:
        rate = self.rate()
        if self.total:
            share = min(self.done / self.total, 1.0)
            left = (self.total - self.done) / rate if rate > 0 else 0
            text = f"{self.label} {self.done}/{self.total}（{share:.0%}），{rate:.1f} {self.unit}/秒，预计还需 {left:.0f} 秒"
            if self.tty:
                filled = int(share * 30)
                text = f"[{'#' * filled}{'.' * (30 - filled)}] " + text
            return text
        return f"{self.label} {self.done} {self.unit}，{rate:.1f} {self.unit}/秒"

    def _write(self, text: str, end: str) -> None:
        try:
            self.stream.write(text, ending=end)
        except TypeError:  # a plain file object rather than Django's OutputWrapper
            self.stream.write(text + end)
        flush = getattr(self.stream, "flush", None)
        if flush:
            flush()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self.clock()
        if self.tty:
            if now - self._last >= 0.2 or (self.total and self.done >= self.total):
                self._write("\r" + self._line(), "")
                self._last = now
        elif now - self._last >= self.interval:
            self._write(self._line(), "\n")
            self._last = now
            self._printed_at = self.done

    def finish(self) -> None:
        if self.tty:
            self._write("\r" + self._line(), "\n")
        elif self.done and self._printed_at != self.done and self.clock() - self.started >= self.interval:
            self._write(self._line(), "\n")
