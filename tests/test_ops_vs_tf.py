"""Every math/activation/loss op against TensorFlow: forward values and the gradients of every
float input, in float32 and float64.

One table of cases (id, minicnn callable, TF callable, input generators) and one parametrised
test over cases x dtypes. Each case projects its outputs on a random upstream gradient ``g``:
TF's ``tape.gradient(y, xs, output_gradients=g)`` is compared with ``mc.grad(y, xs,
output_gradient=g)`` (``backpropagate`` for multi-output ops) and with ``y.backward(g)``.
"""

import zlib
from collections import namedtuple

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F
from minicnn.autograd import backpropagate

from helpers import assert_close
from inputs import Const, avoiding, away, dist, labels, normal, onehot, positive, shape_id, ties

DTYPES = [np.float32, np.float64]


def keras_mse(tf, y_true, y_pred):
    import keras  # already loaded with TF; keras.losses.mean_squared_error keeps float64

    return keras.losses.mean_squared_error(y_true, y_pred)


# --- the case table -------------------------------------------------------------------------

Case = namedtuple("Case", "id mc tf inputs")
CASES = []


def case(id, mc_fn, tf_fn, *inputs):
    CASES.append(Case(id, mc_fn, tf_fn, inputs))


# elementwise binary ops over broadcasting shapes
BROADCAST = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((2, 3), ()), ((), ()),
             ((1, 4), (3, 1)), ((1,), (5,))]
BINARY = [
    ("add", F.add, lambda tf, a, b: tf.math.add(a, b), normal, normal),
    ("subtract", F.subtract, lambda tf, a, b: tf.math.subtract(a, b), normal, normal),
    ("multiply", F.multiply, lambda tf, a, b: tf.math.multiply(a, b), normal, normal),
    ("divide", F.divide, lambda tf, a, b: tf.math.divide(a, b), normal, positive),
    ("pow", F.pow, lambda tf, a, b: tf.math.pow(a, b), positive, normal),
    ("maximum", F.maximum, lambda tf, a, b: tf.math.maximum(a, b), normal, normal),
    ("minimum", F.minimum, lambda tf, a, b: tf.math.minimum(a, b), normal, normal),
]
for name, mfn, tfn, ga, gb in BINARY:
    for sa, sb in BROADCAST:
        case(f"{name}[{shape_id(sa, sb)}]", mfn, tfn, ga(*sa), gb(*sb))

# operators, Python scalars and NumPy arrays as operands
case("op_add[3x4+4]", lambda a, b: a + b, lambda tf, a, b: a + b, normal(3, 4), normal(4))
case("op_sub[2x1x4+3x1]", lambda a, b: a - b, lambda tf, a, b: a - b, normal(2, 1, 4), normal(3, 1))
case("op_mul[scalar+2x3]", lambda a, b: a * b, lambda tf, a, b: a * b, normal(), normal(2, 3))
case("op_div[3x4+4]", lambda a, b: a / b, lambda tf, a, b: a / b, normal(3, 4), positive(4))
case("op_pow[3x4+3x1]", lambda a, b: a ** b, lambda tf, a, b: a ** b, positive(3, 4), normal(3, 1))
case("op_neg[2x3]", lambda a: -a, lambda tf, a: -a, normal(2, 3))
case("op_rsub_pyfloat", lambda a: 2.5 - a, lambda tf, a: 2.5 - a, normal(2, 3))
case("op_rdiv_pyfloat", lambda a: 1.5 / a, lambda tf, a: 1.5 / a, positive(2, 3))
case("op_div_pyfloat", lambda a: a / 3.0, lambda tf, a: a / 3.0, normal(2, 3))
case("op_pow_pyint", lambda a: a ** 2, lambda tf, a: a ** 2, normal(2, 3))
case("op_rpow_pyfloat", lambda a: 2.0 ** a, lambda tf, a: 2.0 ** a, normal(2, 3))
case("op_pow_negative_base_int_exponent", lambda a: a ** 3.0, lambda tf, a: a ** 3.0, away(2, 3))
case("op_ndarray_times_tensor", lambda c, a: c * a, lambda tf, c, a: c * a, Const(normal(3, 4)), normal(3, 4))
case("op_ndarray_minus_tensor", lambda c, a: c - a, lambda tf, c, a: c - a, Const(normal(4)), normal(3, 4))
case("op_tensor_plus_ndarray", lambda a, c: a + c, lambda tf, a, c: a + c, normal(3, 4), Const(normal(3, 1)))
case("op_matmul[3x4@4x2]", lambda a, b: a @ b, lambda tf, a, b: a @ b, normal(3, 4), normal(4, 2))

# elementwise unary ops
UNARY = [
    ("negative", F.negative, lambda tf, x: tf.math.negative(x), normal),
    ("exp", F.exp, lambda tf, x: tf.math.exp(x), normal),
    ("log", F.log, lambda tf, x: tf.math.log(x), positive),
    ("sqrt", F.sqrt, lambda tf, x: tf.math.sqrt(x), positive),
    ("square", F.square, lambda tf, x: tf.math.square(x), normal),
    ("abs", F.abs, lambda tf, x: tf.math.abs(x), away),
    ("sin", F.sin, lambda tf, x: tf.math.sin(x), lambda *s: normal(*s, scale=3.0)),
    ("cos", F.cos, lambda tf, x: tf.math.cos(x), lambda *s: normal(*s, scale=3.0)),
    ("sign", F.sign, lambda tf, x: tf.math.sign(x), away),
    ("relu", F.relu, lambda tf, x: tf.nn.relu(x), away),
    ("leaky_relu", F.leaky_relu, lambda tf, x: tf.nn.leaky_relu(x), away),
    ("leaky_relu_a0.01", lambda x: F.leaky_relu(x, alpha=0.01), lambda tf, x: tf.nn.leaky_relu(x, alpha=0.01), away),
    ("leaky_relu_a1.5", lambda x: F.leaky_relu(x, alpha=1.5), lambda tf, x: tf.nn.leaky_relu(x, alpha=1.5), away),
    ("sigmoid", F.sigmoid, lambda tf, x: tf.math.sigmoid(x), lambda *s: normal(*s, scale=2.0)),
    ("tanh", F.tanh, lambda tf, x: tf.math.tanh(x), lambda *s: normal(*s, scale=2.0)),
    ("silu", F.silu, lambda tf, x: tf.nn.silu(x), lambda *s: normal(*s, scale=3.0)),
    ("swish_beta1.7", lambda x: F.swish(x, beta=1.7), lambda tf, x: tf.nn.swish(x, beta=1.7), normal),
    ("relu6", lambda x: F.relu6(4.0 * x), lambda tf, x: tf.nn.relu6(4.0 * x), lambda *s: avoiding(0.0, 1.5, *s)),
    ("elu", F.elu, lambda tf, x: tf.nn.elu(x), lambda *s: normal(*s, scale=2.0)),
    ("elu_alpha0.1", lambda x: F.elu(x, alpha=0.1), lambda tf, x: tf.keras.activations.elu(x, alpha=0.1), away),
    ("elu_alpha1.7", lambda x: F.elu(x, alpha=1.7), lambda tf, x: tf.keras.activations.elu(x, alpha=1.7), away),
    ("selu", F.selu, lambda tf, x: tf.nn.selu(x), away),
    ("gelu", F.gelu, lambda tf, x: tf.nn.gelu(x), lambda *s: normal(*s, scale=2.0)),
    ("gelu_approximate", lambda x: F.gelu(x, approximate=True), lambda tf, x: tf.nn.gelu(x, approximate=True),
     lambda *s: normal(*s, scale=2.0)),
    ("softplus", F.softplus, lambda tf, x: tf.nn.softplus(x), lambda *s: normal(*s, scale=3.0)),
    ("softsign", F.softsign, lambda tf, x: tf.nn.softsign(x), lambda *s: normal(*s, scale=3.0)),
    ("hard_sigmoid", lambda x: F.hard_sigmoid(2.0 * x), lambda tf, x: tf.keras.activations.hard_sigmoid(2.0 * x),
     lambda *s: avoiding(-1.5, 1.5, *s)),
    ("hard_silu", lambda x: F.hard_silu(2.0 * x), lambda tf, x: tf.keras.activations.hard_silu(2.0 * x),
     lambda *s: avoiding(-1.5, 1.5, *s)),
    ("mish", F.mish, lambda tf, x: tf.keras.activations.mish(x), lambda *s: normal(*s, scale=3.0)),
    ("exponential", F.exponential, lambda tf, x: tf.keras.activations.exponential(x), normal),
    ("clip_by_value", lambda x: F.clip_by_value(x, -0.5, 0.7), lambda tf, x: tf.clip_by_value(x, -0.5, 0.7),
     lambda *s: avoiding(-0.5, 0.7, *s)),
]
for name, mfn, tfn, gen in UNARY:
    for shape in [(), (5,), (2, 3, 4), (1, 1)]:
        case(f"{name}[{shape_id(shape)}]", mfn, tfn, gen(*shape))
case("sigmoid_saturated", F.sigmoid, lambda tf, x: tf.math.sigmoid(x), normal(12, scale=15.0))
case("tanh_saturated", F.tanh, lambda tf, x: tf.math.tanh(x), normal(12, scale=15.0))
case("silu_saturated", F.silu, lambda tf, x: tf.nn.silu(x), normal(12, scale=15.0))
EXTREMES = [-1000.0, -100.0, -40.0, -20.0, -5.0, 0.0, 5.0, 20.0, 40.0, 100.0, 1000.0]
for name, mfn, tfn in [("elu", F.elu, lambda tf, x: tf.nn.elu(x)), ("selu", F.selu, lambda tf, x: tf.nn.selu(x)),
                       ("gelu", F.gelu, lambda tf, x: tf.nn.gelu(x)),
                       ("gelu_approximate", lambda x: F.gelu(x, approximate=True),
                        lambda tf, x: tf.nn.gelu(x, approximate=True)),
                       ("softplus", F.softplus, lambda tf, x: tf.nn.softplus(x)),
                       ("softsign", F.softsign, lambda tf, x: tf.nn.softsign(x)),
                       ("mish", F.mish, lambda tf, x: tf.keras.activations.mish(x))]:
    case(f"{name}_saturated", mfn, tfn, normal(12, scale=15.0))
    case(f"{name}_extremes", mfn, tfn, lambda r: np.array(EXTREMES))
case("softsign_huge", F.softsign, lambda tf, x: tf.nn.softsign(x), normal(12, scale=1e30))
# the kinks, where TensorFlow picks one side's gradient
KINKS = [
    ("relu6", F.relu6, lambda tf, x: tf.nn.relu6(x), [0.0, 6.0, -1.0, 3.0, 7.0]),
    ("hard_sigmoid", F.hard_sigmoid, lambda tf, x: tf.keras.activations.hard_sigmoid(x), [-3.0, 3.0, -4.0, 0.0, 4.0]),
    ("hard_silu", F.hard_silu, lambda tf, x: tf.keras.activations.hard_silu(x), [-3.0, 3.0, -4.0, 0.0, 4.0]),
    ("hard_swish", F.hard_swish, lambda tf, x: tf.keras.activations.hard_swish(x), [-3.0, 3.0, -4.0, 0.0, 4.0]),
    ("elu", F.elu, lambda tf, x: tf.nn.elu(x), [0.0, -1e-3, 1e-3, -1e-9]),
    ("elu_alpha0.3", lambda x: F.elu(x, alpha=0.3), lambda tf, x: tf.keras.activations.elu(x, alpha=0.3),
     [0.0, -1e-3, 1e-3, -1e-9]),
    ("selu", F.selu, lambda tf, x: tf.nn.selu(x), [0.0, -1e-3, 1e-3, -1e-9]),
]
for name, mfn, tfn, values in KINKS:
    case(f"{name}_at_kinks", mfn, tfn, lambda r, v=values: np.array(v))
case("clip_by_value_broadcast_bounds", lambda x, lo: F.clip_by_value(x, lo, 0.7),
     lambda tf, x, lo: tf.clip_by_value(x, lo, 0.7), avoiding(-0.5, 0.7, 3, 4), Const(lambda r: np.full(4, -0.5)))
case("bias_add[2x3x4+4]", F.bias_add, lambda tf, v, b: tf.nn.bias_add(v, b), normal(2, 3, 4), normal(4))
case("maximum[ties]", F.maximum, lambda tf, a, b: tf.math.maximum(a, b), ties(3, 4), ties(3, 4))  # ties: to x
case("minimum[ties,3x4+4]", F.minimum, lambda tf, a, b: tf.math.minimum(a, b), ties(3, 4), ties(4))
case("sign_with_zeros", F.sign, lambda tf, x: tf.math.sign(x), lambda r: np.array([-2.0, 0.0, 3.0, 0.0]))
for sc, sx, sy in [((3, 4), (3, 4), (3, 4)), ((3, 1), (1, 4), (3, 4)), ((4,), (3, 4), ()), ((2, 1, 4), (3, 1), (4,)),
                   ((), (2,), (2,))]:
    mask = np.random.default_rng(len(sc) + 7 * len(sx)).uniform(size=sc) < 0.5
    case(f"where[{shape_id(sc, sx, sy)}]", lambda x, y, m=mask: F.where(m, x, y),
         lambda tf, x, y, m=mask: tf.where(m, x, y), normal(*sx), normal(*sy))
for shape, repeats, axis in [((2, 3), 2, 1), ((2, 3, 4), 3, 0), ((1, 2, 2, 1), 2, -2), ((2, 3), 2, None), ((3,), 1, 0)]:
    case(f"repeat[{shape_id(shape)},{repeats},axis={axis}]", lambda x, r=repeats, a=axis: F.repeat(x, r, axis=a),
         lambda tf, x, r=repeats, a=axis: tf.repeat(x, r, axis=a), normal(*shape))


def tf_resize(tf, x, size, method):
    """tf.image.resize in x's dtype. TF's bilinear kernel computes in float32, so for float64 its own
    interpolation weights (read off by resizing identity images) are applied by tf.einsum in float64."""
    if x.dtype != tf.float64 or method != "bilinear":
        return tf.image.resize(x, size, method=method)
    weights = [tf.cast(tf.image.resize(tf.eye(n)[None, :, None], (k, 1), method=method)[0, :, 0], x.dtype)
               for n, k in zip(x.shape[-3:-1], size)]
    return tf.einsum("ih,jw,...hwc->...ijc", *weights, x)


for shape, size, method in [((2, 3, 4, 2), (6, 8), "bilinear"), ((1, 3, 5, 1), (3, 15), "bilinear"),
                            ((2, 5, 4, 3), (2, 3), "bilinear"), ((1, 1, 1, 2), (3, 4), "bilinear"),
                            ((3, 4, 2), (7, 5), "bilinear"), ((2, 3, 4, 2), (5, 3), "nearest"),
                            ((1, 4, 6, 1), (8, 18), "nearest"), ((2, 5, 7, 1), (3, 4), "nearest")]:
    case(f"resize[{shape_id(shape)}->{size[0]}x{size[1]},{method}]",
         lambda x, s=size, m=method: F.resize(x, s, method=m),
         lambda tf, x, s=size, m=method: tf_resize(tf, x, s, m), normal(*shape))


case("exp_wide", F.exp, lambda tf, x: tf.math.exp(x), lambda r: r.uniform(-8, 8, (3, 4)))
case("abs_at_zero", F.abs, lambda tf, x: tf.math.abs(x), lambda r: r.integers(-1, 2, (3, 4)).astype(float))


def other_float(dtype):
    return np.float64 if np.dtype(dtype) == np.float32 else np.float32


case("cast_to_other_float", lambda x: F.cast(x, other_float(x.dtype)),
     lambda tf, x: tf.cast(x, other_float(x.dtype.as_numpy_dtype)), normal(3, 4))
case("cast_to_same_float", lambda x: F.cast(x, x.dtype), lambda tf, x: tf.cast(x, x.dtype), normal(3, 4))
case("cast_roundtrip_times", lambda x: F.cast(F.cast(x, other_float(x.dtype)), x.dtype) * x,
     lambda tf, x: tf.cast(tf.cast(x, other_float(x.dtype.as_numpy_dtype)), x.dtype) * x, normal(2, 3))

# reductions
REDUCE_CONFIGS = [
    ((3, 4), None, False), ((3, 4), None, True), ((3, 4), 0, False), ((3, 4), 1, True), ((3, 4), -1, False),
    ((2, 3, 4), (0, 2), False), ((2, 3, 4), (0, 2), True), ((2, 3, 4), (-1, -3), False), ((2, 3, 4), -2, True),
    ((2, 3, 4), (0, 1, 2), True), ((2, 3, 4), [0, -1], False), ((1, 4), 0, False), ((4, 1), 1, True), ((1, 1), None, False), ((), None, False),
]
REDUCE = [
    ("reduce_sum", F.reduce_sum, lambda tf: tf.reduce_sum),
    ("reduce_mean", F.reduce_mean, lambda tf: tf.reduce_mean),
    ("reduce_max", F.reduce_max, lambda tf: tf.reduce_max),
    ("reduce_min", F.reduce_min, lambda tf: tf.reduce_min),
]


def _reduce_case(name, mfn, tfn, shape, axis, keepdims, gen):
    tag = "ties," if gen is ties else ""
    case(f"{name}[{tag}{shape_id(shape)},axis={axis},keepdims={keepdims}]",
         lambda x: mfn(x, axis=axis, keepdims=keepdims),
         lambda tf, x: tfn(tf)(x, axis=list(axis) if isinstance(axis, tuple) else axis, keepdims=keepdims),
         gen(*shape))


for name, mfn, tfn in REDUCE:
    for shape, axis, keepdims in REDUCE_CONFIGS:
        _reduce_case(name, mfn, tfn, shape, axis, keepdims, normal)
for name, mfn, tfn in REDUCE[2:]:  # tie-splitting of the max/min gradient
    for shape, axis, keepdims in [((4, 5), 1, False), ((4, 5), None, False), ((2, 3, 4), (0, 2), True),
                                  ((3, 4), 0, True), ((6,), -1, False)]:
        _reduce_case(name, mfn, tfn, shape, axis, keepdims, ties)
    case(f"{name}[all_equal]", lambda x, f=mfn: f(x * 0.0 + 1.0, axis=0),
         lambda tf, x, f=tfn: f(tf)(x * 0.0 + 1.0, axis=0), normal(3, 4))
for name, mfn, tfn in [REDUCE[0], REDUCE[2]]:
    case(f"{name}[2x3,axis=()]", lambda x, f=mfn: f(x, axis=()),
         lambda tf, x, f=tfn: f(tf)(x, axis=tf.constant([], dtype=tf.int32)), normal(2, 3))
case("method_sum", lambda x: x.sum(axis=1), lambda tf, x: tf.reduce_sum(x, axis=1), normal(3, 4))
case("method_mean", lambda x: x.mean(keepdims=True), lambda tf, x: tf.reduce_mean(x, keepdims=True), normal(3, 4))
case("method_max", lambda x: x.max(axis=-1), lambda tf, x: tf.reduce_max(x, axis=-1), ties(3, 4))
case("method_min", lambda x: x.min(axis=(0,)), lambda tf, x: tf.reduce_min(x, axis=[0]), ties(3, 4))
for shape, axis, keepdims in REDUCE_CONFIGS:
    _reduce_case("reduce_prod", F.reduce_prod, lambda tf: tf.reduce_prod, shape, axis, keepdims, normal)
case("reduce_prod[zeros]", lambda x: F.reduce_prod(x, axis=1), lambda tf, x: tf.reduce_prod(x, axis=1),
     lambda r: np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 2.0], [1.5, -2.0, 0.5]]))

# matmul
for sa, sb in [((3, 4), (4, 5)), ((1, 4), (4, 1)), ((1, 1), (1, 3)), ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4, 5)),
               ((3, 4), (2, 4, 5)), ((2, 1, 3, 4), (5, 4, 2))]:
    case(f"matmul[{shape_id(sa, sb)}]", F.matmul, lambda tf, a, b: tf.linalg.matmul(a, b), normal(*sa), normal(*sb))

# shape operations
for src, dst in [((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((2, 3, 4), (4, -1, 2)), ((), (1, 1)), ((1,), ()),
                 ((1, 5), (5, 1))]:
    case(f"reshape[{shape_id(src)}->{dst}]", lambda x, d=dst: F.reshape(x, d),
         lambda tf, x, d=dst: tf.reshape(x, tf.constant(d, dtype=tf.int32, shape=(len(d),))), normal(*src))
case("method_reshape", lambda x: x.reshape(4, 6), lambda tf, x: tf.reshape(x, (4, 6)), normal(2, 3, 4))
case("method_reshape_tuple", lambda x: x.reshape((3, -1)), lambda tf, x: tf.reshape(x, (3, -1)), normal(2, 3, 4))
for shape, perm in [((3, 4), (1, 0)), ((2, 3, 4), (2, 0, 1)), ((2, 3, 4), None), ((1, 3, 1), (2, 1, 0)),
                    ((2, 3, 4), (0, 1, 2))]:
    case(f"transpose[{shape_id(shape)},perm={perm}]", lambda x, p=perm: F.transpose(x, p),
         lambda tf, x, p=perm: tf.transpose(x, p), normal(*shape))
case("method_T", lambda x: x.T, lambda tf, x: tf.transpose(x), normal(2, 3, 4))
case("method_transpose", lambda x: x.transpose(1, 2, 0), lambda tf, x: tf.transpose(x, (1, 2, 0)), normal(2, 3, 4))
for src, dst in [((3, 1), (2, 3, 4)), ((), (2, 2)), ((4,), (3, 4)), ((1, 1), (1, 1)), ((2, 1, 3), (2, 4, 3))]:
    case(f"broadcast_to[{shape_id(src)}->{dst}]", lambda x, d=dst: F.broadcast_to(x, d),
         lambda tf, x, d=dst: tf.broadcast_to(x, d), normal(*src))
for shapes, axis in [([(2, 3), (2, 1), (2, 2)], 1), ([(2, 3), (2, 1), (2, 2)], -1), ([(1, 3), (2, 3)], 0),
                     ([(2, 3, 4), (2, 3, 4)], 1), ([(3,)], 0)]:
    case(f"concat[{shape_id(*shapes)},axis={axis}]", lambda *xs, a=axis: F.concat(list(xs), axis=a),
         lambda tf, *xs, a=axis: tf.concat(list(xs), axis=a), *[normal(*s) for s in shapes])
for shape, n, axis in [((2, 3), 3, 0), ((2, 3), 3, -1), ((2, 3), 2, 1), ((), 2, 0), ((1,), 1, 0)]:
    case(f"stack[{n}x{shape_id(shape)},axis={axis}]", lambda *xs, a=axis: F.stack(list(xs), axis=a),
         lambda tf, *xs, a=axis: tf.stack(list(xs), axis=a), *[normal(*shape)] * n)
for shape, spec, axis in [((4, 6), 3, 1), ((4, 6), [1, -1, 2], 1), ((4, 6), 2, 0), ((4, 6), [4], 0),
                          ((2, 3, 4), 2, -1), ((4, 6), [2, 0, 4], -1)]:
    case(f"split[{shape_id(shape)},{spec},axis={axis}]", lambda x, s=spec, a=axis: F.split(x, s, axis=a),
         lambda tf, x, s=spec, a=axis: tf.split(x, s, axis=a), normal(*shape))
case("split_one_output_used", lambda x: F.split(x, 3, axis=1)[1], lambda tf, x: tf.split(x, 3, axis=1)[1],
     normal(2, 6))
case("split_reversed_concat", lambda x: F.concat(F.split(x, [1, 2, 3], axis=1)[::-1], axis=1),
     lambda tf, x: tf.concat(tf.split(x, [1, 2, 3], axis=1)[::-1], axis=1), normal(2, 6))
for shape, paddings, value in [((2, 3), [[1, 0], [2, 1]], 0), ((1, 2, 2, 1), [[0, 0], [1, 1], [2, 0], [0, 0]], 0),
                               ((3,), [[2, 3]], 1.5), ((2, 2), [[0, 0], [0, 0]], 0)]:
    case(f"pad[{shape_id(shape)},{paddings},{value}]", lambda x, p=paddings, v=value: F.pad(x, p, constant_values=v),
         lambda tf, x, p=paddings, v=value: tf.pad(x, p, constant_values=v), normal(*shape))
for shape, axis in [((2, 3), 0), ((2, 3), -1), ((2, 3), 2), ((), 0), ((2, 1, 3), -4), ((2, 3), -2)]:
    case(f"expand_dims[{shape_id(shape)},axis={axis}]", lambda x, a=axis: F.expand_dims(x, a),
         lambda tf, x, a=axis: tf.expand_dims(x, a), normal(*shape))
for shape, axis in [((1, 3, 1, 2, 1), None), ((1, 3, 1, 2, 1), [0, -1]), ((2, 1), 1), ((1,), None), ((2, 3), None)]:
    case(f"squeeze[{shape_id(shape)},axis={axis}]", lambda x, a=axis: F.squeeze(x, a),
         lambda tf, x, a=axis: tf.squeeze(x, a), normal(*shape))
for shape, multiples in [((2, 3), [2, 1]), ((2, 3), [1, 3]), ((2, 1, 3), [2, 3, 2]), ((3,), [4]), ((2, 3), [1, 1]),
                         ((1, 2), [3, 0])]:
    case(f"tile[{shape_id(shape)},{multiples}]", lambda x, m=multiples: F.tile(x, m),
         lambda tf, x, m=multiples: tf.tile(x, m), normal(*shape))
for shape, indices, axis in [((4, 3), [3, 0, 3], 0), ((4, 3), [[2, 0], [1, 1]], 1), ((2, 3, 4), [1], -1),
                             ((4,), 2, 0), ((3, 4), [0, 0, 0], None), ((1, 2), [[0]], 0)]:
    case(f"gather[{shape_id(shape)},{indices},axis={axis}]", lambda x, i=indices, a=axis: F.gather(x, i, axis=a),
         lambda tf, x, i=indices, a=axis: tf.gather(x, i, axis=a), normal(*shape))

# indexing (Tensor.__getitem__): basic slices against TF slicing, advanced against gather
BASIC_INDEX = [
    ("[1]", (1,)), ("[-1,1:3]", (-1, slice(1, 3))), ("[:,::-1]", (slice(None), slice(None, None, -1))),
    ("[...,None,0]", (Ellipsis, None, 0)), ("[1:,None,::2]", (slice(1, None), None, slice(None, None, 2))),
    ("[1,2]", (1, 2)), ("[::2,-3:-1]", (slice(None, None, 2), slice(-3, -1))),
]
for name, index in BASIC_INDEX:
    case(f"getitem{name}", lambda x, i=index: x[i], lambda tf, x, i=index: x[i], normal(3, 4))
case("getitem_rows_repeated", lambda x: x[[0, 2, 0]], lambda tf, x: tf.gather(x, [0, 2, 0]), normal(3, 4))
case("getitem_cols_repeated", lambda x: x[:, [3, 0, 3]], lambda tf, x: tf.gather(x, [3, 0, 3], axis=1),
     normal(3, 4))
case("getitem_ndarray_pairs_repeated", lambda x: x[np.array([0, 1, 1, 0]), np.array([2, 2, 0, 2])],
     lambda tf, x: tf.gather_nd(x, [[0, 2], [1, 2], [1, 0], [0, 2]]), normal(3, 4))
case("getitem_tensor_index", lambda x: x[mc.Tensor(np.array([2, 0, 2]))], lambda tf, x: tf.gather(x, [2, 0, 2]),
     normal(3, 4))
MASK = np.array([[True, False, True, False], [False, False, True, True], [True, True, False, False]])
case("getitem_bool_mask", lambda x: x[MASK], lambda tf, x: tf.boolean_mask(x, MASK), normal(3, 4))

# activations along an axis
for shape, axis in [((3, 5), -1), ((2, 3, 4), 1), ((2, 3, 4), 0), ((1, 5), -1), ((4, 1), -1), ((6,), -1),
                    ((2, 3, 4), -2)]:
    for name, mfn, tfn in [("softmax", F.softmax, lambda tf: tf.nn.softmax),
                           ("log_softmax", F.log_softmax, lambda tf: tf.nn.log_softmax)]:
        case(f"{name}[{shape_id(shape)},axis={axis}]", lambda x, f=mfn, a=axis: f(x, axis=a),
             lambda tf, x, f=tfn, a=axis: f(tf)(x, axis=a), normal(*shape))
case("softmax_default_axis", F.softmax, lambda tf, x: tf.nn.softmax(x), normal(2, 5))
case("softmax_logits_1e4", F.softmax, lambda tf, x: tf.nn.softmax(x), normal(3, 5, scale=1e4))
case("log_softmax_logits_1e4", F.log_softmax, lambda tf, x: tf.nn.log_softmax(x), normal(3, 5, scale=1e4))

# losses
for shape, axis in [((4, 5), -1), ((1, 3), -1), ((2, 3, 4), -1), ((3, 4), 0), ((6,), -1)]:
    case(f"softmax_cross_entropy[{shape_id(shape)},axis={axis}]",
         lambda y, z, a=axis: F.softmax_cross_entropy_with_logits(y, z, axis=a),
         lambda tf, y, z, a=axis: tf.nn.softmax_cross_entropy_with_logits(y, z, axis=a),
         dist(*shape, axis=axis), normal(*shape))
case("softmax_cross_entropy_keywords", lambda y, z: F.softmax_cross_entropy_with_logits(labels=y, logits=z),
     lambda tf, y, z: tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z), dist(3, 4), normal(3, 4))
case("softmax_cross_entropy_logits_1e4", F.softmax_cross_entropy_with_logits,
     lambda tf, y, z: tf.nn.softmax_cross_entropy_with_logits(y, z), dist(4, 5), normal(4, 5, scale=1e4))
case("softmax_cross_entropy_onehot_logits_1e4", F.softmax_cross_entropy_with_logits,
     lambda tf, y, z: tf.nn.softmax_cross_entropy_with_logits(y, z), onehot(6, 3), normal(6, 3, scale=1e4))
# labels that are not distributions (multi-hot, unnormalised): minicnn returns TF's gradient softmax - labels
case("softmax_cross_entropy_multi_hot", F.softmax_cross_entropy_with_logits,
     lambda tf, y, z: tf.nn.softmax_cross_entropy_with_logits(y, z),
     Const(lambda r: (r.uniform(0, 1, (4, 5)) < 0.5).astype(float)), normal(4, 5))
case("softmax_cross_entropy_unnormalised", F.softmax_cross_entropy_with_logits,
     lambda tf, y, z: tf.nn.softmax_cross_entropy_with_logits(y, z), positive(3, 4), normal(3, 4))
case("softmax_cross_entropy_const_labels", F.softmax_cross_entropy_with_logits,
     lambda tf, y, z: tf.nn.softmax_cross_entropy_with_logits(y, z), Const(onehot(4, 5)), normal(4, 5))
for lshape, classes, scale in [((), 4, 1.0), ((4,), 5, 1.0), ((1,), 3, 1.0), ((2, 3), 4, 1.0), ((5,), 1, 1.0), ((6,), 3, 1e4),
                               ((2, 3), 4, 1e4)]:
    zshape = lshape + (classes,)
    case(f"sparse_softmax_cross_entropy[labels={shape_id(lshape)},C={classes},scale={scale:g}]",
         lambda t, z: F.sparse_softmax_cross_entropy_with_logits(t, z),
         lambda tf, t, z: tf.nn.sparse_softmax_cross_entropy_with_logits(t, z),
         labels(lshape, classes), normal(*zshape, scale=scale))
case("sparse_softmax_cross_entropy_keywords",
     lambda t, z: F.sparse_softmax_cross_entropy_with_logits(labels=t, logits=z),
     lambda tf, t, z: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=z),
     labels((3,), 4), normal(3, 4))
for shape, scale in [((4, 5), 3.0), ((1, 3), 1.0), ((2, 3, 4), 3.0), ((6,), 1e4), ((), 1.0)]:
    for kind, z in [("soft", lambda r, s=shape: r.uniform(0.0, 1.0, s)),
                    ("binary", lambda r, s=shape: r.integers(0, 2, s).astype(float))]:
        case(f"sigmoid_cross_entropy[{shape_id(shape)},{kind},scale={scale:g}]",
             F.sigmoid_cross_entropy_with_logits, lambda tf, y, x: tf.nn.sigmoid_cross_entropy_with_logits(y, x),
             z, normal(*shape, scale=scale))
case("sigmoid_cross_entropy_keywords_const_labels",
     lambda y, x: F.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
     lambda tf, y, x: tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
     Const(lambda r: r.uniform(0.0, 1.0, (3, 4))), normal(3, 4))
case("sigmoid_cross_entropy_logits_at_0", F.sigmoid_cross_entropy_with_logits,
     lambda tf, y, x: tf.nn.sigmoid_cross_entropy_with_logits(y, x),
     lambda r: r.uniform(0.0, 1.0, (3, 4)), lambda r: r.integers(-1, 2, (3, 4)).astype(float))
for shape in [(4, 5), (1, 3), (2, 3, 4), (5,)]:
    case(f"mean_squared_error[{shape_id(shape)}]", F.mean_squared_error, keras_mse, normal(*shape), normal(*shape))
for st, sp in [((4,), (4, 1)), ((4, 1), (4,)), ((4, 2), (4, 1))]:  # Keras aligns ranks before broadcasting
    case(f"mean_squared_error[{shape_id(st, sp)}]", F.mean_squared_error, keras_mse, normal(*st), normal(*sp))

# small graphs: reuse, diamonds, chains (gradient accumulation in the autograd core)
case("graph_reuse_a*a+a", lambda a: a * a + a, lambda tf, a: a * a + a, normal(3, 4))
case("graph_diamond", lambda a, b: F.exp(a) * b + F.sigmoid(a) / b,
     lambda tf, a, b: tf.exp(a) * b + tf.sigmoid(a) / b, normal(3, 4), positive(4))
case("graph_chain_to_scalar", lambda a, b, c: ((a @ b).sum(axis=0) * c).mean() + a.max(),
     lambda tf, a, b, c: tf.reduce_mean(tf.reduce_sum(a @ b, axis=0) * c) + tf.reduce_max(a),
     normal(3, 4), normal(4, 2), normal(2))
case("graph_mlp_loss", lambda x, w, b, t: F.reduce_mean(F.sparse_softmax_cross_entropy_with_logits(
        t, F.relu(x @ w + b))),
     lambda tf, x, w, b, t: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
        t, tf.nn.relu(x @ w + b))),
     normal(4, 3), normal(3, 5), lambda r: r.uniform(0.5, 1.0, 5), labels((4,), 5))
case("graph_stack_of_same_tensor", lambda a: F.stack([a, a * 2.0, a], axis=1),
     lambda tf, a: tf.stack([a, a * 2.0, a], axis=1), normal(2, 3))


# --- the harness ----------------------------------------------------------------------------

def _listify(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def _inputs(case, dtype):
    """The case's arrays (floats cast to ``dtype``) and which of them are differentiated."""
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    arrays, diff = [], []
    for spec in case.inputs:
        const = isinstance(spec, Const)
        a = np.asarray((spec.gen if const else spec)(rng))
        if a.dtype.kind == "f":
            a = a.astype(dtype)
        arrays.append(a)
        diff.append(a.dtype.kind == "f" and not const)
    return arrays, diff


def _tol_dtype(*dtypes):
    return np.float32 if any(np.dtype(d) == np.float32 for d in dtypes) else np.float64


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_op_matches_tensorflow(case, dtype, tf):
    arrays, diff = _inputs(case, dtype)
    leaves = [mc.Tensor(a.copy(), requires_grad=True) if d else a.copy() for a, d in zip(arrays, diff)]
    mc_out = _listify(case.mc(*leaves))
    tf_in = [tf.constant(a, dtype=tf.as_dtype(a.dtype)) for a in arrays]
    with tf.GradientTape() as tape:
        for t, d in zip(tf_in, diff):
            if d:
                tape.watch(t)
        tf_out = _listify(case.tf(tf, *tf_in))

    assert len(mc_out) == len(tf_out), f"{len(mc_out)} outputs, TensorFlow gives {len(tf_out)}"
    g_rng = np.random.default_rng(99)
    gs = []
    for k, (m, t) in enumerate(zip(mc_out, tf_out)):
        expected = t.numpy()
        assert isinstance(m, mc.Tensor), f"output {k} is a {type(m).__name__}, not a Tensor"
        assert m.dtype == expected.dtype, f"output {k}: dtype {m.dtype}, TensorFlow gives {expected.dtype}"
        assert m.shape == expected.shape, f"output {k}: shape {m.shape}, TensorFlow gives {expected.shape}"
        assert np.isfinite(m.numpy()).all(), f"output {k} is not finite"
        assert_close(m.numpy(), expected, _tol_dtype(dtype, m.dtype), f"forward output {k}")
        gs.append(g_rng.standard_normal(expected.shape).astype(expected.dtype))

    watched = [t for t, d in zip(tf_in, diff) if d]
    tensors = [m for m, d in zip(leaves, diff) if d]
    tf_grads = tape.gradient(tf_out, watched, output_gradients=gs,
                             unconnected_gradients=tf.UnconnectedGradients.ZERO)
    if len(mc_out) == 1:
        mc_grads = mc.grad(mc_out[0], tensors, output_gradient=gs[0], retain_graph=True)
    else:
        found = backpropagate(mc_out, gs, keep=tensors)
        mc_grads = [found[id(t)][1] if id(t) in found else None for t in tensors]

    for i, (t, m, tg) in enumerate(zip(tensors, mc_grads, tf_grads)):
        expected = np.asarray(tf.convert_to_tensor(tg))
        assert m is not None, f"no gradient for float input {i} (TensorFlow: max |g| {np.abs(expected).max()})"
        m = mc.to_numpy(m)
        assert m.dtype == t.dtype, f"grad of input {i}: dtype {m.dtype}, input is {t.dtype}"
        assert m.shape == t.shape, f"grad of input {i}: shape {m.shape}, input is {t.shape}"
        assert np.isfinite(m).all(), f"grad of input {i} is not finite"
        assert_close(m, expected, _tol_dtype(dtype, *[g.dtype for g in gs]), f"gradient of float input {i}")

    if len(mc_out) == 1:  # the .backward() path accumulates the same gradients into .grad
        mc_out[0].backward(gs[0])
        for i, (t, m) in enumerate(zip(tensors, mc_grads)):
            assert t.grad is not None, f"backward() left .grad of input {i} empty"
            assert_close(mc.to_numpy(t.grad), mc.to_numpy(m), np.float64, f".grad of input {i} after backward()")


# --- a few contract points outside the table -------------------------------------------------

def test_cast_float_to_int_truncates_like_tf(tf):
    x = np.array([-2.7, -1.5, -0.2, 0.0, 0.4, 1.5, 2.9], dtype=np.float32)
    got = F.cast(x, np.int32)
    expected = tf.cast(tf.constant(x, dtype=tf.float32), tf.int32).numpy()
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.numpy(), expected)


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_cross_entropy_extreme_logits_finite(dtype, tf):
    """Logits of +-1e4 on the true and the wrong class: finite loss and gradient, equal to TF."""
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [0.0, 0.0, 0.0]], dtype=dtype)
    sparse = np.array([1, 1, 2])
    dense = np.eye(3, dtype=dtype)[sparse]
    z = mc.Tensor(logits, requires_grad=True)
    loss = F.sparse_softmax_cross_entropy_with_logits(sparse, z)
    (gz,) = mc.grad(loss, [z], output_gradient=np.ones(3, dtype=dtype))
    zd = mc.Tensor(logits, requires_grad=True)
    loss_d = F.softmax_cross_entropy_with_logits(dense, zd)
    (gzd,) = mc.grad(loss_d, [zd], output_gradient=np.ones(3, dtype=dtype))
    tz = tf.constant(logits, dtype=tf.as_dtype(dtype))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(tz)
        t_sparse = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant(sparse), tz)
        t_dense = tf.nn.softmax_cross_entropy_with_logits(tf.constant(dense, dtype=tf.as_dtype(dtype)), tz)
    for got, ref, g, what in [(loss, t_sparse, gz, "sparse"), (loss_d, t_dense, gzd, "dense")]:
        assert np.isfinite(got.numpy()).all() and np.isfinite(mc.to_numpy(g)).all(), what
        assert_close(got.numpy(), ref.numpy(), dtype, f"{what} loss")
        assert_close(mc.to_numpy(g), tape.gradient(ref, tz).numpy(), dtype, f"{what} gradient")
    assert_close(loss.numpy(), [2e4, 0.0, np.log(3.0)], dtype, "known values", scale=1.0)


COMPARISONS = [(F.equal, "equal", "=="), (F.not_equal, "not_equal", "!="), (F.less, "less", "<"),
               (F.less_equal, "less_equal", "<="), (F.greater, "greater", ">"), (F.greater_equal, "greater_equal", ">=")]


@pytest.mark.parametrize("fn, name, operator", COMPARISONS, ids=[c[1] for c in COMPARISONS])
def test_comparisons_match_tensorflow(tf, fn, name, operator):
    """Elementwise, broadcasting, boolean results, as tf.math (and Tensor operators do the same)."""
    a = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]], np.float32)
    b = np.array([2.0, 2.0, 2.0], np.float32)
    expected = getattr(tf.math, name)(a, b).numpy()
    got = fn(a, b)
    assert got.dtype == np.bool_ and not got.requires_grad
    np.testing.assert_array_equal(got.numpy(), expected)
    by_operator = eval(f"x {operator} y", {"x": mc.Tensor(a), "y": mc.Tensor(b)})
    np.testing.assert_array_equal(by_operator.numpy(), expected)
