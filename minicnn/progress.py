"""A Keras-like progress bar: redrawn in place on a terminal, one final line otherwise."""

import sys
import time


def format_values(values):
    return "".join(f" - {k}: {v:.4f}" for k, v in values.items())


class ProgressBar:
    def __init__(self, total, title="", stream=None, width=30, min_interval=0.1, live=None):
        self.total, self.title, self.width, self.min_interval = total, title, width, min_interval
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.start = self.last_draw = time.perf_counter()

    def line(self, done, values):
        filled = int(self.width * done / max(self.total, 1))
        bar = "=" * max(filled - 1, 0) + (">" if 0 < filled < self.width else "=" * (filled > 0))
        elapsed = time.perf_counter() - self.start
        width = len(str(self.total))
        return (f"{self.title}{done:>{width}}/{self.total} [{bar:<{self.width}}] "
                f"{elapsed:.1f}s{format_values(values)}")

    def update(self, done, values=None):
        now = time.perf_counter()
        if self.live and (now - self.last_draw >= self.min_interval or done == self.total):
            self.stream.write("\r" + self.line(done, values or {}))
            self.stream.flush()
            self.last_draw = now

    def close(self, values=None):
        text = self.line(self.total, values or {})
        self.stream.write(("\r" if self.live else "") + text + "\n")
        self.stream.flush()
