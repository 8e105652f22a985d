"""Where a dataset's files are looked for, what is downloaded when they are absent, and what a
person is told to do when that fails.

The data root is the loader's ``data_dir=`` argument, else ``$MINICNN_DATA``, else the Keras
cache (``$KERAS_HOME/datasets``, ``~/.keras/datasets`` by default). A root named by ``data_dir``
may hold the files themselves or the dataset's usual subfolder; the other two are shared by
every dataset and are searched only in each dataset's own subfolders and archives, the way
Keras lays them out (``mnist.npz``, ``fashion-mnist/``, ``cifar-10-batches-py/``, ...).
"""

import os
from dataclasses import dataclass
from pathlib import Path

from . import download
from .sources import Archive, Folder

ENV_VARIABLE = "MINICNN_DATA"


class DatasetNotFoundError(FileNotFoundError):
    """A dataset's files are absent and could not be downloaded; the message says where to put which."""


@dataclass(frozen=True)
class Remote:
    """A file of a dataset's canonical source: its path under a shared root, URL and Keras-style hash."""

    path: str
    url: str
    file_hash: str


@dataclass(frozen=True)
class Layout:
    """One way a dataset's files lie under a data root.

    ``members`` are read from the first of ``folders`` that holds them all ("" is the root), else
    from the first ``(archive, folder inside it)`` of ``archives`` that exists. ``remote`` lists
    the files that provide this layout when downloaded (only the first layout of a dataset is).
    """

    format: str
    members: tuple
    folders: tuple
    archives: tuple = ()
    remote: tuple = ()


def keras_cache():
    """Keras' dataset cache: ``$KERAS_HOME/datasets``, ``~/.keras/datasets`` by default."""
    return Path(os.environ.get("KERAS_HOME") or "~/.keras").expanduser() / "datasets"


def data_root(data_dir):
    """(root folder, whether the caller named it) from ``data_dir``, ``$MINICNN_DATA``, the Keras cache."""
    if data_dir is not None:
        if not isinstance(data_dir, (str, os.PathLike)):
            raise TypeError(f"data_dir must be a path (str or os.PathLike) or None, got {data_dir!r}")
        return Path(data_dir).expanduser(), True
    if os.environ.get(ENV_VARIABLE):
        return Path(os.environ[ENV_VARIABLE]).expanduser(), False
    return keras_cache(), False


def layout_folders(layout, named):
    """The layout's folders, with the root itself first when the caller named it."""
    return ("",) + layout.folders if named and "" not in layout.folders else layout.folders


def candidates(layout, root, named):
    """The Folder and Archive sources this layout may be read from under ``root``, in order."""
    for folder in layout_folders(layout, named):
        yield Folder(root / folder, layout.members)
    for archive, inside in layout.archives:
        yield Archive(root / archive, inside, layout.members)


def home(layout, root, named):
    """The folder where this layout's loose files belong: a named root itself, else the first subfolder."""
    return root if named else root / layout.folders[0]


def remote_target(remote, root, named):
    """Where a downloaded file goes: into a named root itself, else at its path under the shared root."""
    return root / Path(remote.path).name if named else root / remote.path


def locate(title, layouts, data_dir=None, download_missing=True):
    """(layout, source) of the first complete set of a dataset's files under the data root.

    When none is complete, the first layout's remote files that are absent are downloaded (if
    ``download_missing``); when that is off or fails, a DatasetNotFoundError says which files to
    put in which folder and the URL of each.
    """
    if not isinstance(download_missing, bool):
        raise TypeError(f"download must be True or False, got {download_missing!r}")
    root, named = data_root(data_dir)
    for layout in layouts:
        for source in candidates(layout, root, named):
            if source.complete():
                return layout, source
    if not download_missing:
        reason = "and downloads are off (download=False)"
        raise DatasetNotFoundError(missing_message(title, layouts, root, named, reason))
    primary = layouts[0]
    try:
        for remote in primary.remote:
            target = remote_target(remote, root, named)
            if not target.is_file():
                download.fetch(remote.url, target, remote.file_hash)
    except OSError as err:
        reason = f"and downloading it failed: {err}"
        raise DatasetNotFoundError(missing_message(title, layouts, root, named, reason)) from err
    return primary, next(source for source in candidates(primary, root, named) if source.complete())


def layout_lines(layout, root, named):
    """The lines that tell where this layout's files go: the remote files with their URLs, and
    (when those are archives) the extracted members."""
    lines = [f"  {remote_target(remote, root, named)}  from {remote.url}" for remote in layout.remote]
    remote_names = {Path(remote.path).name for remote in layout.remote}
    if set(layout.members) != remote_names:
        folder = home(layout, root, named)
        prefix = "or the archive extracted: " if layout.remote else ""
        lines.append(f"  {prefix}{folder}{os.sep} holding {', '.join(layout.members)}")
    return lines


def missing_message(title, layouts, root, named, reason):
    """What to put where (with URLs) for each layout, and which folders hold only part of a set."""
    lines = [f"{title} was not found in {root}, {reason}.", "Put these files there:"]
    for k, layout in enumerate(layouts):
        lines += (["or:"] if k else []) + layout_lines(layout, root, named)
    partial = [folder for layout in layouts for folder in candidates(layout, root, named)
               if isinstance(folder, Folder) and 0 < len(folder.missing()) < len(folder.members)]
    for folder in partial:
        lines.append(f"({folder.path} holds only part of a set: it lacks {', '.join(folder.missing())})")
    if not named:
        lines.append(f"Or pass data_dir= to the loader, or set ${ENV_VARIABLE}, to read them from another folder.")
    return "\n".join(lines)
