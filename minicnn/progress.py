"""A Keras-like progress bar on standard output: redrawn in place on a terminal, one line otherwise.

``verbose=1`` draws ``12/32 [=======>......] 1.2s 38ms/step - accuracy: 0.9123 - loss: 0.2345``;
``verbose=2`` prints only the finished line of each epoch (Keras' one line per epoch).
"""

import sys
import time


def format_values(values):
    return "".join(f" - {k}: {v:.4f}" for k, v in values.items())


class ProgressBar:
    def __init__(self, total, stream=None, width=30, min_interval=0.1, live=None):
        """``total`` steps (None when unknown, e.g. a generator without a length)."""
        self.total, self.width, self.min_interval = total, width, min_interval
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty() if live is None else live
        self.start = self.last_draw = time.perf_counter()
        self.done = 0

    def line(self, done, values):
        elapsed = time.perf_counter() - self.start
        per_step = f"{1000 * elapsed / done:.0f}ms/step" if done else ""
        if self.total:
            filled = int(self.width * done / self.total)
            bar = "=" * max(filled - 1, 0) + (">" if 0 < filled < self.width else "=" * (filled > 0))
            head = f"{done:>{len(str(self.total))}}/{self.total} [{bar:<{self.width}}]"
        else:
            head = f"{done}/unknown"
        return f"{head} {elapsed:.1f}s {per_step}{format_values(values)}"

    def update(self, done, values=None):
        self.done = done
        now = time.perf_counter()
        if self.live and (now - self.last_draw >= self.min_interval or done == self.total):
            self.stream.write("\r" + self.line(done, values or {}))
            self.stream.flush()
            self.last_draw = now

    def close(self, values=None):
        text = self.line(self.done if self.total is None else self.total, values or {})
        self.stream.write(("\r" if self.live else "") + text + "\n")
        self.stream.flush()
