"""Where a dataset's files are read from: a folder, or a ``.tar.gz`` archive read in place.

Both give ``read() -> {member: bytes}`` and ``name(member)``, the text error messages use. An
archive is read in one pass and to its end, so gzip checks its CRC and length; nothing is
extracted, so no path in the archive can reach the disk.
"""

import gzip
import tarfile
import zlib
from pathlib import Path


class Folder:
    """The files ``members`` in the folder ``path``."""

    def __init__(self, path, members):
        self.path, self.members = Path(path), tuple(members)

    def missing(self):
        return [member for member in self.members if not (self.path / member).is_file()]

    def complete(self):
        return not self.missing()

    def name(self, member):
        return str(self.path / member)

    def read(self):
        return {member: (self.path / member).read_bytes() for member in self.members}


class Archive:
    """The files ``members`` in the folder ``inside`` of the ``.tar.gz`` archive ``path``."""

    def __init__(self, path, inside, members):
        self.path, self.inside, self.members = Path(path), inside, tuple(members)

    def complete(self):
        return self.path.is_file()

    def name(self, member):
        return f"{self.path}:{self.inside}/{member}"

    def read(self):
        wanted = {f"{self.inside}/{member}": member for member in self.members}
        found = {}
        try:
            with open(self.path, "rb") as raw, gzip.GzipFile(fileobj=raw) as stream:
                with tarfile.open(fileobj=stream, mode="r|") as archive:
                    for info in archive:
                        member = wanted.get(info.name.removeprefix("./"))
                        if member is not None and info.isfile():
                            found[member] = archive.extractfile(info).read()
                while stream.read(1 << 20):  # to the end, where gzip checks the CRC and length
                    pass
        except (tarfile.TarError, EOFError, gzip.BadGzipFile, zlib.error) as err:
            raise ValueError(f"{self.path}: not a complete .tar.gz archive ({err})") from err
        missing = [f"{self.inside}/{member}" for member in self.members if member not in found]
        if missing:
            raise ValueError(f"{self.path}: the archive holds no file {', '.join(missing)}; "
                             f"an archive of another dataset?")
        return found
