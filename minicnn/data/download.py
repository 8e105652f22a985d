"""Downloads: into a temporary file beside the target, checked against its hash, then renamed.

A failed download (network error, interruption, wrong checksum) leaves nothing behind: neither
a partial file nor a folder it created. ``open_url`` is the only function that touches the
network; tests replace it (``monkeypatch.setattr(download, "open_url", fake)``) or pass ``opener=``.
"""

import hashlib
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

from ..progress import ProgressBar

CHUNK_BYTES = 1 << 16
TIMEOUT_SECONDS = 60


def open_url(url):
    """The network: a response (a context manager) with ``read(size)`` and ``headers``."""
    return urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS)


def hash_algorithm(file_hash):
    """Keras' rule: 64 hex digits are a sha256, 32 an md5."""
    algorithms = {64: "sha256", 32: "md5"}
    if len(file_hash) not in algorithms:
        raise ValueError(f"file_hash must be 64 (sha256) or 32 (md5) hex digits, got {file_hash!r}")
    return algorithms[len(file_hash)]


def content_length(response):
    """The response's Content-Length in bytes, or None when it does not say."""
    value = (getattr(response, "headers", None) or {}).get("Content-Length")
    return int(value) if value is not None and str(value).isdigit() else None


def copy_response(url, out, digest, opener, stream):
    """Write the body at ``url`` to ``out`` and into ``digest``, drawing a progress bar in bytes."""
    stream = stream or sys.stdout
    stream.write(f"Downloading data from {url}\n")
    with opener(url) as response:
        total = content_length(response)
        bar, done = ProgressBar(total, stream=stream), 0
        while chunk := response.read(CHUNK_BYTES):
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            bar.update(done)
    if total is not None and done != total:
        stream.write("\n")
        raise OSError(f"the download of {url} stopped after {done} of {total} bytes")
    bar.close()


def make_folders(folder):
    """Create ``folder`` and its missing parents; return those created, deepest first."""
    created, path = [], Path(folder).absolute()
    while not path.exists():
        created.append(path)
        path = path.parent
    for path in reversed(created):
        path.mkdir(exist_ok=True)
    return created


def fetch(url, target, file_hash, opener=None, stream=None):
    """Download ``url`` to ``target`` (a path), checking its ``file_hash`` (sha256 or md5 hex digest).

    The bytes go to a temporary file in the target's folder; only a complete file with the right
    hash is renamed to ``target`` (atomic). A wrong hash is a ValueError naming the file, the
    URL and both hashes; a network failure or an interruption raises the OSError it met.
    """
    target, algorithm = Path(target), hash_algorithm(file_hash)
    created = make_folders(target.parent)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        digest = hashlib.new(algorithm, usedforsecurity=False)
        with os.fdopen(handle, "wb") as out:
            copy_response(url, out, digest, opener or open_url, stream)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != file_hash.lower():
            raise ValueError(f"{target}: the file downloaded from {url} has {algorithm} {digest.hexdigest()}, "
                             f"expected {file_hash.lower()}; it was discarded (a corrupted or altered download)")
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        for folder in created:
            try:
                folder.rmdir()
            except OSError:
                pass
        raise
    return target
