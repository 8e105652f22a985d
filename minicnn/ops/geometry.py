"""Convolution arithmetic shared by every conv-like op: argument forms, padding, output sizes.

For one spatial axis with input size ``n``, kernel ``k``, stride ``s`` and dilation ``d``, the
kernel spans ``eff_k = (k - 1)·d + 1`` cells and

* VALID: ``out = (n - eff_k) // s + 1``, no padding;
* SAME:  ``out = ceil(n / s)``, ``total = max((out - 1)·s + eff_k - n, 0)``, ``before = total // 2``
  and ``after = total - before`` (the odd cell goes bottom/right, as TensorFlow);
* explicit ``[[0, 0], [top, bottom], [left, right], [0, 0]]``: ``out = (n + before + after - eff_k) // s + 1``.
"""

from dataclasses import dataclass


def spatial_pair(value, name):
    """An int, [v], [vh, vw] or [1, vh, vw, 1] (tf.nn's forms) as a pair of positive ints."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int or a list of ints, got {value!r}")
    items = [value] if isinstance(value, int) else list(value) if isinstance(value, (list, tuple)) else None
    if items is None or not all(isinstance(v, int) and not isinstance(v, bool) for v in items):
        raise TypeError(f"{name} must be an int or a list of 1, 2 or 4 ints, got {value!r}")
    if len(items) == 4:
        if items[0] != 1 or items[3] != 1:
            raise ValueError(f"{name}={value!r}: the batch and channel entries must be 1")
        items = items[1:3]
    if len(items) == 1:
        items = items * 2
    if len(items) != 2:
        raise ValueError(f"{name} must have 1, 2 or 4 entries, got {len(items)}: {value!r}")
    if min(items) < 1:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return tuple(items)


def effective_kernel(k, d):
    return (k - 1) * d + 1


def same_padding(n, k, s, d=1):
    """(out, before, after) of TensorFlow's SAME padding on one axis."""
    out = -(-n // s)
    total = max((out - 1) * s + effective_kernel(k, d) - n, 0)
    return out, total // 2, total - total // 2


def explicit_padding(padding, name="padding"):
    """[[0,0],[t,b],[l,r],[0,0]] as ((t, b), (l, r)), or a clear error."""
    try:
        pairs = [tuple(int(v) for v in p) for p in padding]
    except (TypeError, ValueError):
        pairs = None
    if pairs is None or len(pairs) != 4 or any(len(p) != 2 for p in pairs):
        raise ValueError(f"{name} must be 'SAME', 'VALID' or [[0,0],[top,bottom],[left,right],[0,0]], got {padding!r}")
    if pairs[0] != (0, 0) or pairs[3] != (0, 0):
        raise ValueError(f"{name}={padding!r}: batch and channel padding must be [0, 0]")
    if min(min(p) for p in pairs) < 0:
        raise ValueError(f"{name}={padding!r}: pads must be non-negative")
    return pairs[1], pairs[2]


def resolve_padding(padding, in_hw, kernel_hw, strides, dilations):
    """((top, bottom), (left, right)) for 'SAME', 'VALID' or an explicit list."""
    if isinstance(padding, str):
        mode = padding.upper()
        if mode == "VALID":
            return (0, 0), (0, 0)
        if mode == "SAME":
            return tuple(same_padding(n, k, s, d)[1:] for n, k, s, d in zip(in_hw, kernel_hw, strides, dilations))
        raise ValueError(f"padding must be 'SAME', 'VALID' or an explicit list, got {padding!r}")
    return explicit_padding(padding)


@dataclass(frozen=True)
class ConvGeometry:
    """Everything about one NHWC convolution's shapes: input, kernel, strides, dilations, pads, output."""

    batch: int
    in_hw: tuple
    in_channels: int
    kernel_hw: tuple
    strides: tuple
    dilations: tuple
    pads: tuple  # ((top, bottom), (left, right))
    out_hw: tuple

    @property
    def padded_hw(self):
        return tuple(n + b + a for n, (b, a) in zip(self.in_hw, self.pads))

    @property
    def input_shape(self):
        return (self.batch, *self.in_hw, self.in_channels)


def conv_geometry(input_shape, kernel_hw, strides, padding, dilations, op="conv2d", window="kernel"):
    """The ConvGeometry of an NHWC input under a kernel (or pooling ``window``); raises if the output would be empty."""
    if len(input_shape) != 4:
        raise ValueError(f"{op}: input must have rank 4 (NHWC), got shape {tuple(input_shape)}")
    strides, dilations = spatial_pair(strides, "strides"), spatial_pair(dilations, "dilations")
    batch, h, w, c = input_shape
    pads = resolve_padding(padding, (h, w), kernel_hw, strides, dilations)
    out = []
    for n, k, s, d, (before, after), axis in zip((h, w), kernel_hw, strides, dilations, pads, ("height", "width")):
        span = n + before + after - effective_kernel(k, d)
        if span < 0:
            raise ValueError(
                f"{op}: the {window} spans {effective_kernel(k, d)} cells along {axis} (size {k}, dilation {d}) "
                f"but the padded input has only {n + before + after}: the output would be empty"
            )
        out.append(span // s + 1)
    return ConvGeometry(batch, (h, w), c, tuple(kernel_hw), strides, dilations, pads, tuple(out))


def check_filter_shape(input_shape, filter_shape, op, layout, channel_axis=2):
    """Rank-4 input and filters whose ``channel_axis`` matches the input channels, or a clear error."""
    if len(input_shape) != 4:
        raise ValueError(f"{op}: input must have rank 4 (NHWC), got shape {tuple(input_shape)}")
    if len(filter_shape) != 4:
        raise ValueError(f"{op}: filters must have rank 4 ([{layout}]), got shape {tuple(filter_shape)}")
    if input_shape[3] != filter_shape[channel_axis]:
        raise ValueError(
            f"{op}: input has {input_shape[3]} channels (shape {tuple(input_shape)}) but filters expect "
            f"{filter_shape[channel_axis]} (filters shape {tuple(filter_shape)}, layout [{layout}])"
        )
