"""Every differentiable op through ``mc.gradcheck`` (float64 central differences, random upstream
gradient) on small inputs. No TensorFlow: this checks each backward against its own forward,
including the cases TF cannot referee (cross-entropy labels that do not sum to 1, dropout)."""

import zlib
from collections import namedtuple

import numpy as np
import pytest

import minicnn as mc
from minicnn import functional as F

from inputs import Const, avoiding, away, distinct, labels, normal, positive, shape_id


Case = namedtuple("Case", "id fn inputs")
CASES = []


def case(id, fn, *inputs):
    CASES.append(Case(id, fn, inputs))


# elementwise
for name, fn, ga, gb in [("add", F.add, normal, normal), ("subtract", F.subtract, normal, normal),
                         ("multiply", F.multiply, normal, normal), ("divide", F.divide, normal, positive),
                         ("pow", F.pow, positive, normal)]:
    for sa, sb in [((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((2, 3), ()), ((1,), (5,))]:
        case(f"{name}[{shape_id(sa, sb)}]", fn, ga(*sa), gb(*sb))
case("operators", lambda a, b: (-a + 2.0) * b - a / b + a ** 2 - 1.5 / b + 2.0 ** a, normal(2, 3), positive(3))
case("pow_negative_base", lambda a: a ** 3.0, away(2, 3))
for name, fn, gen in [("negative", F.negative, normal), ("exp", F.exp, normal), ("log", F.log, positive),
                      ("sqrt", F.sqrt, positive), ("square", F.square, normal), ("relu", F.relu, away),
                      ("leaky_relu", F.leaky_relu, away),
                      ("leaky_relu_a1.5", lambda x: F.leaky_relu(x, alpha=1.5), away),
                      ("sigmoid", F.sigmoid, normal), ("tanh", F.tanh, normal),
                      ("clip_by_value", lambda x: F.clip_by_value(x, -0.5, 0.7),
                       lambda *s: avoiding(-0.5, 0.7, *s))]:
    for shape in [(), (2, 3)]:
        case(f"{name}[{shape_id(shape)}]", fn, gen(*shape))
case("cast_float64", lambda x: F.cast(x, np.float64) * x, normal(2, 3))

# reductions
for name, fn in [("reduce_sum", F.reduce_sum), ("reduce_mean", F.reduce_mean), ("reduce_max", F.reduce_max),
                 ("reduce_min", F.reduce_min)]:
    for shape, axis, keepdims in [((3, 4), None, False), ((3, 4), 1, True), ((2, 3, 4), (0, 2), False),
                                  ((2, 3, 4), -2, True), ((1, 4), 0, False), ((), None, False)]:
        case(f"{name}[{shape_id(shape)},axis={axis},keepdims={keepdims}]",
             lambda x, f=fn, a=axis, k=keepdims: f(x, axis=a, keepdims=k), distinct(*shape))
case("methods", lambda x: x.sum(axis=0) * x.mean() + x.max(axis=1, keepdims=True) - x.min(), distinct(3, 4))

# matmul
for sa, sb in [((3, 4), (4, 2)), ((1, 4), (4, 1)), ((2, 3, 4), (4, 2)), ((2, 1, 2, 3), (3, 3, 2))]:
    case(f"matmul[{shape_id(sa, sb)}]", F.matmul, normal(*sa), normal(*sb))
case("matmul_operator", lambda a, b: a @ b, normal(2, 3), normal(3, 2))

# shapes
case("reshape", lambda x: F.reshape(x, (4, -1)), normal(2, 3, 2))
case("reshape_scalar", lambda x: F.reshape(x, (1, 1)), normal())
case("method_reshape", lambda x: x.reshape(3, 4), normal(2, 6))
case("transpose", lambda x: F.transpose(x, (2, 0, 1)), normal(2, 3, 4))
case("transpose_T", lambda x: x.T, normal(2, 3))
case("broadcast_to", lambda x: F.broadcast_to(x, (2, 3, 4)), normal(3, 1))
case("broadcast_to_scalar", lambda x: F.broadcast_to(x, (2, 2)), normal())
case("concat", lambda a, b, c: F.concat([a, b, c], axis=-1), normal(2, 3), normal(2, 1), normal(2, 2))
case("stack", lambda a, b: F.stack([a, b], axis=1), normal(2, 3), normal(2, 3))
case("split", lambda x: F.split(x, [1, -1, 2], axis=1), normal(2, 6))
case("split_one_used", lambda x: F.split(x, 3, axis=0)[2], normal(6, 2))
case("pad", lambda x: F.pad(x, [[1, 0], [2, 1]], constant_values=0.5), normal(2, 3))
case("getitem_basic", lambda x: x[1:, ::-1][..., None, 0], normal(3, 4))
case("getitem_repeated", lambda x: x[[0, 2, 0]] * x[:, [1, 1, 3]].sum(), normal(3, 4))
case("getitem_bool", lambda x: x[x.data > 0], normal(3, 4))

# activations and losses
for shape, axis in [((3, 4), -1), ((2, 3, 4), 1), ((4, 1), -1)]:
    case(f"softmax[{shape_id(shape)},axis={axis}]", lambda x, a=axis: F.softmax(x, axis=a), normal(*shape))
    case(f"log_softmax[{shape_id(shape)},axis={axis}]", lambda x, a=axis: F.log_softmax(x, axis=a), normal(*shape))
# labels are distributions (TF's contract; its logits gradient softmax - labels is exact only then),
# made differentiable by computing them as a softmax of free floats
case("softmax_cross_entropy", lambda r, z: F.softmax_cross_entropy_with_logits(F.softmax(r), z),
     normal(3, 4), normal(3, 4))
case("softmax_cross_entropy_axis0", lambda r, z: F.softmax_cross_entropy_with_logits(F.softmax(r, axis=0), z, axis=0),
     normal(3, 4), normal(3, 4))
case("softmax_cross_entropy_3d", lambda r, z: F.softmax_cross_entropy_with_logits(F.softmax(r), z),
     normal(2, 2, 3), normal(2, 2, 3))
case("sparse_softmax_cross_entropy[N]", lambda t, z: F.sparse_softmax_cross_entropy_with_logits(t, z),
     labels((4,), 5), normal(4, 5))
case("sparse_softmax_cross_entropy[N,T]", lambda t, z: F.sparse_softmax_cross_entropy_with_logits(t, z),
     labels((2, 3), 4), normal(2, 3, 4))
case("mean_squared_error", F.mean_squared_error, normal(3, 4), normal(3, 4))
case("dropout_seeded", lambda x: F.dropout(x, 0.4, seed=3), normal(4, 5))
case("dropout_noise_shape", lambda x: F.dropout(x, 0.5, noise_shape=[2, 1, 1, 3], seed=1), normal(2, 2, 2, 3))
case("dropout_const_input_other_grad", lambda x, c: F.dropout(c * x, 0.3, seed=2), normal(3, 4),
     Const(normal(3, 4)))

# graphs with reuse
case("graph_reuse", lambda a: a * a + F.exp(a) * a, normal(2, 3))
case("graph_mlp", lambda x, w, b, t: F.reduce_mean(F.sparse_softmax_cross_entropy_with_logits(
    t, F.tanh(x @ w + b))), normal(3, 2), normal(2, 4), normal(4), labels((3,), 4))
case("graph_multi_output", lambda a, b: (F.sigmoid(a) * b, F.log_softmax(a - b)), normal(2, 3), normal(3))


def _inputs(case):
    rng = np.random.default_rng(zlib.crc32(case.id.encode()))
    out = []
    for spec in case.inputs:
        if isinstance(spec, Const):
            out.append(mc.Tensor(np.asarray(spec.gen(rng), dtype=np.float64)))
        else:
            out.append(np.asarray(spec(rng)))
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_gradcheck(case):
    inputs = _inputs(case)
    report = mc.gradcheck(case.fn, *inputs)
    assert report, str(report)
    n_checked = sum(isinstance(x, np.ndarray) and x.dtype.kind == "f" for x in inputs)
    assert len(list(report)) == n_checked, str(report)
