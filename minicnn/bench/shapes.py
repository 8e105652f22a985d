"""Shape arithmetic of the benchmark cases, and the inputs every system is fed.

Each system builds its arrays from the same seed, so every process times the same numbers.
Activations are NHWC, filters HWIO (minicnn's and tf.nn's layouts); the PyTorch peer transposes
them to NCHW / OIHW once, before timing.
"""

import math

import numpy as np

SPARSE_LIMIT = 1 << 24  # nonzeros of W' times the batch: the sparse filter gradient's product array
NAIVE_POSITIONS, NAIVE_MACS = 1024, 5e7  # the loop form: few output positions and little work


def output_size(n, k, stride, padding):
    """TensorFlow's output size on one axis: SAME ceil(n / s), VALID ceil((n - k + 1) / s)."""
    return -(-n // stride) if padding == "SAME" else -(-(n - k + 1) // stride)


def pads(n, k, stride, padding):
    """(before, after) of TensorFlow's padding on one axis (the odd cell goes after)."""
    if padding == "VALID":
        return 0, 0
    total = max((output_size(n, k, stride, padding) - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def conv_out_hw(p):
    return tuple(output_size(n, p["k"], p["stride"], p["padding"]) for n in p["hw"])


def taps_inside(n, k, stride, padding):
    """How many (output position, kernel tap) pairs fall on real (unpadded) input cells, one axis."""
    before, _ = pads(n, k, stride, padding)
    out = output_size(n, k, stride, padding)
    return sum(1 for p in range(out) for i in range(k) if 0 <= p * stride + i - before < n)


def sparse_nonzeros(p):
    """Nonzeros of the sparse form's W' for one sample: taps inside the input, times C_in·C_out."""
    rows = taps_inside(p["hw"][0], p["k"], p["stride"], p["padding"])
    columns = taps_inside(p["hw"][1], p["k"], p["stride"], p["padding"])
    return rows * columns * p["cin"] * p["cout"]


def patch_matrix_bytes(p, itemsize=4):
    """Bytes of im2col's patch matrix (N·OH·OW, kh·kw·C_in)."""
    oh, ow = conv_out_hw(p)
    return p["batch"] * oh * ow * p["k"] ** 2 * p["cin"] * itemsize


def conv_macs(p):
    oh, ow = conv_out_hw(p)
    return p["batch"] * oh * ow * p["k"] ** 2 * p["cin"] * p["cout"]


def conv_methods(p):
    """The conv2d forms worth timing on these shapes: im2col always, sparse while its nonzeros stay
    small, naive only on tiny shapes (a Python loop over output positions)."""
    methods = ["im2col"]
    if sparse_nonzeros(p) * p["batch"] <= SPARSE_LIMIT:
        methods.append("sparse")
    if math.prod(conv_out_hw(p)) <= NAIVE_POSITIONS and conv_macs(p) <= NAIVE_MACS:
        methods.append("naive")
    return methods


def sparse_skip_reason(p):
    nnz = sparse_nonzeros(p) * p["batch"]
    return (f"sparse form skipped: {nnz:,} nonzero products (W' nonzeros x batch) exceed "
            f"{SPARSE_LIMIT:,} ({4 * nnz / 2**20:,.0f} MiB of float32)")


def op_arrays(op, p, seed=0):
    """The NumPy inputs of one operator case (float32; labels int64), from a fixed seed.

    Keys: ``x`` (input), weights (``w``, ``w2``, ``b``, ``gamma``, ``beta``), ``labels``, and ``dy``
    (the upstream gradient of the output, for forward+backward; none for a scalar loss)."""
    rng = np.random.default_rng(seed)

    def normal(*shape, scale=1.0):
        return (scale * rng.standard_normal(shape)).astype(np.float32)

    n = p.get("batch")
    if op == "conv2d":
        (h, w), k = p["hw"], p["k"]
        scale = (k * k * p["cin"]) ** -0.5
        arrays = dict(x=normal(n, h, w, p["cin"]), w=normal(k, k, p["cin"], p["cout"], scale=scale))
        out = (n, *conv_out_hw(p), p["cout"])
    elif op == "conv2d_transpose":  # filters [k, k, out_channels, in_channels]
        (h, w), k, s = p["hw"], p["k"], p["stride"]
        scale = (k * k * p["cin"]) ** -0.5
        arrays = dict(x=normal(n, h, w, p["cin"]), w=normal(k, k, p["cout"], p["cin"], scale=scale))
        out = (n, h * s, w * s, p["cout"])
    elif op in ("depthwise_conv2d", "separable_conv2d"):
        (h, w), k, c, m = p["hw"], p["k"], p["cin"], p["multiplier"]
        arrays = dict(x=normal(n, h, w, c), w=normal(k, k, c, m, scale=1 / k))
        oh, ow = conv_out_hw(dict(p, cout=c * m))
        out = (n, oh, ow, c * m)
        if op == "separable_conv2d":
            arrays["w2"] = normal(1, 1, c * m, p["cout"], scale=(c * m) ** -0.5)
            out = (n, oh, ow, p["cout"])
    elif op in ("max_pool", "avg_pool"):
        (h, w), c = p["hw"], p["cin"]
        arrays = dict(x=normal(n, h, w, c))
        out = (n, *conv_out_hw(dict(p, k=p["size"])), c)
    elif op == "batch_norm":
        (h, w), c = p["hw"], p["cin"]
        arrays = dict(x=normal(n, h, w, c), gamma=np.ones(c, np.float32), beta=np.zeros(c, np.float32))
        out = (n, h, w, c)
    elif op == "dense":
        arrays = dict(x=normal(n, p["units_in"]), w=normal(p["units_in"], p["units_out"], scale=p["units_in"] ** -0.5),
                      b=np.zeros(p["units_out"], np.float32))
        out = (n, p["units_out"])
    elif op == "softmax_cross_entropy":
        arrays = dict(x=normal(n, p["classes"]), labels=rng.integers(0, p["classes"], n).astype(np.int64))
        out = None  # a scalar loss: no upstream gradient
    else:
        raise ValueError(f"unknown benchmark operator {op!r}")
    if out is not None:
        arrays["dy"] = normal(*out)
    return arrays


def model_arrays(p, seed=0):
    """Images (N, H, W, C) in [0, 1) and integer labels for a model case."""
    rng = np.random.default_rng(seed)
    x = rng.random((p["batch"], *p["input_shape"])).astype(np.float32)
    return x, rng.integers(0, p["classes"], p["batch"]).astype(np.int64)
