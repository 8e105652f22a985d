"""The IDX format of the MNIST files (LeCun's layout), read from bytes with every size checked.

An IDX file is a 4-byte magic number ``00 00 TT DD`` (``TT`` the element type, ``DD`` the number
of dimensions), then ``DD`` sizes as big-endian unsigned 32-bit integers, then the elements,
big-endian, last dimension fastest. MNIST's images are ``0x00000803`` (unsigned bytes, 3-d:
count x 28 x 28), its labels ``0x00000801`` (unsigned bytes, 1-d: count).
"""

import gzip
import math
import struct
import zlib

import numpy as np

ELEMENT_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
TYPE_NAMES = {0x08: "unsigned bytes", 0x09: "signed bytes", 0x0B: "int16", 0x0C: "int32",
              0x0D: "float32", 0x0E: "float64"}
IMAGES_MAGIC, LABELS_MAGIC = 0x00000803, 0x00000801


def describe_magic(magic):
    """``0x00000803 (3-d unsigned bytes)``, or what is wrong with a number that is no IDX magic."""
    code, ndim = (magic >> 8) & 0xFF, magic & 0xFF
    if magic >> 16 or code not in TYPE_NAMES:
        return f"0x{magic:08X} (not an IDX magic number)"
    return f"0x{magic:08X} ({ndim}-d {TYPE_NAMES[code]})"


def gunzip(data, name):
    """The decompressed content of a gzip file's bytes; a ValueError naming ``name`` if it is not whole."""
    try:
        return gzip.decompress(data)
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise ValueError(f"{name}: not a complete gzip file ({err})") from err


def parse_idx(data, name, magic=None):
    """IDX bytes -> a NumPy array of the sizes in the header (native byte order, writable).

    ``magic`` (e.g. ``IMAGES_MAGIC``) is the number the file must start with. The data must be
    exactly ``prod(sizes) * itemsize`` bytes: a truncated file or trailing bytes are refused.
    """
    if len(data) < 4:
        raise ValueError(f"{name}: {len(data)} bytes, too short for an IDX magic number (4 bytes)")
    found = int.from_bytes(data[:4], "big")
    if magic is not None and found != magic:
        raise ValueError(f"{name}: magic number {describe_magic(found)}, expected {describe_magic(magic)}")
    if found >> 16 or data[2] not in ELEMENT_TYPES:
        raise ValueError(f"{name}: magic number {describe_magic(found)}")
    ndim, dtype = data[3], np.dtype(ELEMENT_TYPES[data[2]])
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{name}: truncated: {len(data)} bytes, but a {ndim}-d IDX header takes {header}")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    size = math.prod(shape)
    expected, held = size * dtype.itemsize, len(data) - header
    if held < expected:
        raise ValueError(f"{name}: truncated: the header promises sizes {shape} ({expected} bytes of data), "
                         f"the file holds {held}")
    if held > expected:
        raise ValueError(f"{name}: {held - expected} unexpected bytes after the {expected} bytes of data "
                         f"that the header's sizes {shape} promise")
    return np.frombuffer(data, dtype, count=size, offset=header).reshape(shape).astype(dtype.newbyteorder("="))
