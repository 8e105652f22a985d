"""``import minicnn.tf as tf`` against TensorFlow: the same code run on both namespaces.

Most cases are a function of the namespace (``lambda tf: tf.reduce_mean(tf.constant([-1, -2]))``),
run once with real TensorFlow and once with minicnn.tf; values, dtypes and shapes must agree
(float32 within rtol/atol 1e-5, integers and booleans exactly). Error cases must fail on both,
minicnn's with a ValueError or TypeError. GradientTape is compared with tf.GradientTape on small
computations. The names: everything minicnn.tf exports exists in TensorFlow under the same name,
and a name outside the subset raises the AttributeError that says so.
"""

import inspect

import numpy as np
import pytest

import minicnn as mc
import minicnn.tf as mctf
from minicnn import functional as F

from helpers import assert_close


def _values(result):
    """A TensorFlow or minicnn result as NumPy (lists and tuples of them as lists)."""
    if isinstance(result, (list, tuple)):
        return [_values(r) for r in result]
    return np.asarray(result.numpy() if hasattr(result, "numpy") else result)


def assert_same(ours, theirs, what):
    """minicnn's result equals TensorFlow's: structure, dtype, shape and values."""
    if isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs), f"{what}: {ours!r} vs {theirs!r}"
        for k, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{what}[{k}]")
        return
    assert isinstance(ours, mc.Tensor), f"{what}: a {type(ours).__name__}, not a minicnn Tensor"
    expected = _values(theirs)
    got = ours.numpy()
    assert got.dtype == expected.dtype, f"{what}: dtype {got.dtype}, TensorFlow gives {expected.dtype}"
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, TensorFlow gives {expected.shape}"
    if got.dtype.kind == "f":
        assert_close(got, expected, np.float32 if got.dtype != np.float64 else np.float64, what)
    else:
        np.testing.assert_array_equal(got, expected, err_msg=what)


def _ids(cases):
    return [c[0] for c in cases]


# --- the same code on both namespaces -------------------------------------------------------

A = np.array([[1.5, -2.0, 0.25], [3.0, 0.5, -1.0]])
B = np.array([[0.5, 1.0, -2.0], [1.0, 4.0, 2.0]])
I = np.array([[3, -7, 2], [-4, 5, 0]])

CREATION = [
    ("constant_py_float", lambda tf: tf.constant(1.0)),
    ("constant_py_int", lambda tf: tf.constant(1)),
    ("constant_py_int_beyond_int32", lambda tf: tf.constant(2 ** 40)),
    ("constant_py_bool", lambda tf: tf.constant([True, False])),
    ("constant_mixed_list", lambda tf: tf.constant([1, 2.5])),
    ("constant_nested_ints", lambda tf: tf.constant([[1, 2], [3, 4]])),
    ("constant_tuple", lambda tf: tf.constant((1, 2))),
    ("constant_empty_list", lambda tf: tf.constant([])),
    ("constant_np_float64", lambda tf: tf.constant(A)),
    ("constant_np_int64", lambda tf: tf.constant(np.arange(3))),
    ("constant_np_float16", lambda tf: tf.constant(np.ones(2, np.float16))),
    ("constant_np_scalar_float64", lambda tf: tf.constant(np.float64(1.5))),
    ("constant_np_scalar_int64", lambda tf: tf.constant(np.int64(3))),
    ("constant_list_of_np_float64", lambda tf: tf.constant([np.float64(1.0), 2.0])),
    ("constant_list_of_np_float32", lambda tf: tf.constant([np.float32(1.0), 2.0])),
    ("constant_list_of_np_int64", lambda tf: tf.constant([np.int64(1), 2])),
    ("constant_list_of_int_arrays", lambda tf: tf.constant([np.arange(2), np.arange(2)])),
    ("constant_ints_as_float32", lambda tf: tf.constant([1, 2], dtype=tf.float32)),
    ("constant_np_floats_as_int32", lambda tf: tf.constant(np.array([1.5, 2.7, -1.5]), dtype=tf.int32)),
    ("constant_bool_as_int32", lambda tf: tf.constant(True, dtype=tf.int32)),
    ("constant_dtype_by_name", lambda tf: tf.constant([1, 2], dtype="float64")),
    ("constant_fill_shape", lambda tf: tf.constant(0.5, shape=[2, 3])),
    ("constant_reshape", lambda tf: tf.constant([1, 2, 3, 4, 5, 6], shape=[2, 3])),
    ("constant_of_a_tensor", lambda tf: tf.constant(tf.constant([1.0, 2.0]))),
    ("convert_np_float64", lambda tf: tf.convert_to_tensor(A)),
    ("convert_with_dtype", lambda tf: tf.convert_to_tensor(1, dtype=tf.float32)),
    ("convert_hint_fits", lambda tf: tf.convert_to_tensor(1, dtype_hint=tf.float32)),
    ("convert_hint_does_not_fit", lambda tf: tf.convert_to_tensor(1.5, dtype_hint=tf.int32)),
    ("convert_list_of_tensors", lambda tf: tf.convert_to_tensor([tf.constant(1.0), tf.constant(2.0)])),
    ("convert_nested_list_with_tensor", lambda tf: tf.convert_to_tensor([[tf.constant(1.0), 2.0], [3.0, 4.0]])),
    ("convert_list_tensor_float64_and_float", lambda tf: tf.convert_to_tensor([tf.constant(1.0, tf.float64), 2.0])),
    ("convert_uint8_images", lambda tf: tf.convert_to_tensor(np.arange(6, dtype=np.uint8).reshape(2, 3))),
    ("convert_then_scale", lambda tf: tf.convert_to_tensor(np.arange(4), dtype=tf.float32) / 255.),
    ("zeros", lambda tf: tf.zeros([2, 3])),
    ("zeros_int_shape", lambda tf: tf.zeros(3, dtype=tf.int32)),
    ("zeros_tensor_shape", lambda tf: tf.zeros(tf.constant([2, 1]))),
    ("zeros_float64", lambda tf: tf.zeros((2,), tf.float64)),
    ("ones_bool", lambda tf: tf.ones(2, tf.bool)),
    ("zeros_like_int", lambda tf: tf.zeros_like(tf.constant([1, 2]))),
    ("zeros_like_np_float64", lambda tf: tf.zeros_like(A)),
    ("zeros_like_list", lambda tf: tf.zeros_like([1.0, 2.0])),
    ("ones_like_with_dtype", lambda tf: tf.ones_like([1.0, 2.0], dtype=tf.int64)),
    ("ones_like_bool", lambda tf: tf.ones_like(tf.constant([True]))),
    ("fill_int", lambda tf: tf.fill([2, 2], 3)),
    ("fill_float", lambda tf: tf.fill([2], 3.0)),
    ("fill_np_float64", lambda tf: tf.fill([2], np.float64(3.0))),
    ("fill_bool", lambda tf: tf.fill([2], True)),
    ("range_limit", lambda tf: tf.range(5)),
    ("range_start_limit_delta", lambda tf: tf.range(1, 5, 2)),
    ("range_float_delta", lambda tf: tf.range(0, 1, 0.25)),
    ("range_int_limit_float_delta", lambda tf: tf.range(0, 5, 1.5)),
    ("range_negative_delta", lambda tf: tf.range(5, 0, -1)),
    ("range_dtype", lambda tf: tf.range(5, dtype=tf.float32)),
    ("range_dtype_float64", lambda tf: tf.range(3, dtype=tf.float64)),
    ("range_np_int64", lambda tf: tf.range(np.int64(3))),
    ("range_np_float64_start", lambda tf: tf.range(np.float64(1.0), 3)),
    ("range_tensor_limit", lambda tf: tf.range(tf.constant(3))),
    ("range_empty", lambda tf: tf.range(3, 3)),
    ("eye", lambda tf: tf.eye(2, 3)),
    ("eye_square_int", lambda tf: tf.eye(3, dtype=tf.int32)),
    ("eye_batch", lambda tf: tf.eye(2, batch_shape=[3])),
    ("eye_empty", lambda tf: tf.eye(0)),
    ("linspace", lambda tf: tf.linspace(0.0, 1.0, 5)),
    ("linspace_ints_give_float64", lambda tf: tf.linspace(0, 10, 5)),
    ("linspace_float64", lambda tf: tf.linspace(np.float64(0), 1.0, 3)),
    ("linspace_one", lambda tf: tf.linspace(0.0, 10.0, 1)),
    ("linspace_vectors", lambda tf: tf.linspace([0.0, 1.0], [1.0, 3.0], 3)),
    ("linspace_vectors_axis1", lambda tf: tf.linspace([0.0, 1.0], [1.0, 3.0], 3, axis=1)),
    ("cast_float_to_int_truncates", lambda tf: tf.cast(tf.constant([-2.7, -0.5, 0.5, 2.9]), tf.int32)),
    ("cast_to_bool", lambda tf: tf.cast(tf.constant([0.0, 2.5, -1.0]), tf.bool)),
    ("cast_bool_to_float", lambda tf: tf.cast(tf.constant([True, False]), tf.float32)),
    ("cast_list", lambda tf: tf.cast([1, 2], tf.float32)),
    ("cast_python_float", lambda tf: tf.cast(1.7, tf.int32)),
    ("cast_dtype_by_name", lambda tf: tf.cast([1], "float32")),
    ("cast_int_to_float64", lambda tf: tf.cast(tf.constant([1, 2]), tf.float64)),
    ("cast_uint8_to_float32", lambda tf: 2 * tf.cast(np.array([0, 128, 255], np.uint8), tf.float32) / 255. - 1),
    ("one_hot", lambda tf: tf.one_hot([0, 2, -1, 3], 3)),
    ("one_hot_axis0", lambda tf: tf.one_hot([0, 2], 3, axis=0)),
    ("one_hot_2d_axis1", lambda tf: tf.one_hot([[0, 1], [1, 2]], 3, axis=1)),
    ("one_hot_on_off_ints", lambda tf: tf.one_hot([0, 2], 3, on_value=5, off_value=-1)),
    ("one_hot_on_only", lambda tf: tf.one_hot([0, 1], 2, on_value=3.0)),
    ("one_hot_off_only_int", lambda tf: tf.one_hot([0, 1], 2, off_value=3)),
    ("one_hot_float64_values", lambda tf: tf.one_hot([0, 2], 3, on_value=np.float64(1.0), off_value=np.float64(0))),
    ("one_hot_dtype", lambda tf: tf.one_hot(np.array([1, 0], np.int64), 2, dtype=tf.float64)),
    ("one_hot_uint8_labels", lambda tf: tf.one_hot(np.array([3, 1], np.uint8), 4)),
    ("one_hot_depth_0", lambda tf: tf.one_hot([0], 0)),
]

SHAPES = [
    ("reshape", lambda tf: tf.reshape(tf.range(24), [2, -1, 4])),
    ("reshape_tensor_shape", lambda tf: tf.reshape(tf.ones([2, 3]), tf.constant([3, 2]))),
    ("reshape_like_other", lambda tf: tf.reshape(tf.range(6), tf.shape(tf.ones([3, 2])))),
    ("expand_dims_last", lambda tf: tf.expand_dims(tf.constant(A), -1)),
    ("expand_dims_first", lambda tf: tf.expand_dims(tf.constant(A), 0)),
    ("expand_dims_end", lambda tf: tf.expand_dims(tf.constant(A), 2)),
    ("expand_dims_-3", lambda tf: tf.expand_dims(tf.constant(A), -3)),
    ("expand_dims_list_axis", lambda tf: tf.expand_dims(tf.constant(A), [1])),
    ("expand_dims_np", lambda tf: tf.expand_dims(np.ones(2), 0)),
    ("expand_dims_images", lambda tf: tf.expand_dims(tf.constant(np.ones((2, 4, 4), np.uint8)), axis=3)),
    ("squeeze_all", lambda tf: tf.squeeze(tf.ones([1, 2, 1, 3, 1]))),
    ("squeeze_axes", lambda tf: tf.squeeze(tf.ones([1, 2, 1, 3, 1]), axis=[0, -1])),
    ("squeeze_axis_int", lambda tf: tf.squeeze(tf.ones([1, 2, 1, 3, 1]), axis=2)),
    ("squeeze_labels", lambda tf: tf.squeeze(tf.constant(np.array([[3], [1]], np.uint8)), axis=1)),
    ("transpose_default", lambda tf: tf.transpose(tf.reshape(tf.range(24.0), [2, 3, 4]))),
    ("transpose_perm", lambda tf: tf.transpose(tf.reshape(tf.range(24.0), [2, 3, 4]), perm=[0, 2, 1])),
    ("concat", lambda tf: tf.concat([tf.constant(A), tf.constant(B)], 0)),
    ("concat_last_axis", lambda tf: tf.concat([tf.constant(A), tf.constant(B)], axis=-1)),
    ("concat_tensor_and_list", lambda tf: tf.concat([tf.constant([1.0]), [2.0]], 0)),
    ("concat_float64_and_list", lambda tf: tf.concat([tf.constant([1.0], tf.float64), [2.0]], 0)),
    ("concat_lists", lambda tf: tf.concat([[1], [2]], 0)),
    ("concat_one", lambda tf: tf.concat([tf.constant(A)], 0)),
    ("stack", lambda tf: tf.stack([tf.constant(A), tf.constant(B)], axis=1)),
    ("stack_lists", lambda tf: tf.stack([[1.0], [2.0]], 0)),
    ("split_even", lambda tf: tf.split(tf.reshape(tf.range(12.0), [6, 2]), 3)),
    ("split_sizes", lambda tf: tf.split(tf.reshape(tf.range(12.0), [6, 2]), [1, -1, 2])),
    ("split_axis1", lambda tf: tf.split(tf.reshape(tf.range(12), [2, 6]), 2, axis=1)),
    ("tile", lambda tf: tf.tile(tf.constant([[1, 2], [3, 4]]), [2, 3])),
    ("tile_zero", lambda tf: tf.tile(tf.constant([[1, 2], [3, 4]]), [2, 0])),
    ("tile_tensor_multiples", lambda tf: tf.tile(tf.constant([1.0, 2.0]), tf.constant([2]))),
    ("pad", lambda tf: tf.pad(tf.constant([[1, 2]]), [[1, 0], [0, 2]], constant_values=9)),
    ("pad_float", lambda tf: tf.pad(tf.constant(A), [[0, 1], [2, 0]])),
    ("pad_lowercase_mode", lambda tf: tf.pad(tf.constant(A), [[1, 1], [0, 0]], mode="constant")),
    ("gather_rows", lambda tf: tf.gather(tf.constant([[1, 2], [3, 4], [5, 6]]), [2, 0, 2])),
    ("gather_axis1_2d_indices", lambda tf: tf.gather(tf.constant([[1, 2], [3, 4], [5, 6]]), [[1], [0]], axis=1)),
    ("gather_scalar_index", lambda tf: tf.gather(tf.constant([[1, 2], [3, 4]]), 1)),
    ("gather_axis_-1", lambda tf: tf.gather(tf.constant(A), [2, 2], axis=-1)),
    ("gather_tensor_indices", lambda tf: tf.gather(tf.constant(A), tf.constant([1, 0], tf.int64))),
    ("broadcast_to", lambda tf: tf.broadcast_to(tf.constant([1.0, 2.0, 3.0]), [2, 3])),
    ("repeat", lambda tf: tf.repeat(tf.constant(A), 2, axis=1)),
    ("where_coordinates_1d", lambda tf: tf.where([True, False, True])),
    ("where_coordinates_2d", lambda tf: tf.where(tf.constant([[True, False], [False, True]]))),
    ("where_select", lambda tf: tf.where([True, False], [1.0, 2.0], [3.0, 4.0])),
    ("where_broadcast", lambda tf: tf.where([[True], [False]], tf.ones([2, 3]), 0.0)),
    ("where_ints", lambda tf: tf.where([True, False], 1, 2)),
    ("where_python_and_float64", lambda tf: tf.where([True], 1.0, tf.constant([2.0], tf.float64))),
    ("where_mask_from_comparison", lambda tf: tf.where(tf.constant(A) > 0, tf.constant(A), tf.constant(B))),
    ("shape", lambda tf: tf.shape(tf.ones([2, 3]))),
    ("shape_int64", lambda tf: tf.shape(tf.ones([2, 3]), out_type=tf.int64)),
    ("shape_of_list", lambda tf: tf.shape([[1, 2]])),
    ("rank", lambda tf: tf.rank(tf.ones([2, 3]))),
    ("size", lambda tf: tf.size(tf.ones([2, 3]))),
    ("size_int64", lambda tf: tf.size(tf.ones([2, 3]), out_type=tf.int64)),
]

MATH = [
    ("exp", lambda tf: tf.exp(tf.constant(A))),
    ("exp_python_float", lambda tf: tf.exp(1.0)),
    ("math.log", lambda tf: tf.math.log(tf.constant(np.abs(A)))),
    ("sqrt", lambda tf: tf.sqrt(tf.constant(np.abs(A)))),
    ("sin", lambda tf: tf.sin(tf.constant(A))),
    ("cos", lambda tf: tf.cos(tf.constant(A))),
    ("sigmoid", lambda tf: tf.sigmoid(tf.constant(A))),
    ("tanh", lambda tf: tf.tanh(tf.constant(A))),
    ("math.softplus", lambda tf: tf.math.softplus(tf.constant(A))),
    ("math.softsign", lambda tf: tf.math.softsign(tf.constant(A))),
    ("math.softmax", lambda tf: tf.math.softmax(tf.constant(A))),
    ("math.log_softmax_axis0", lambda tf: tf.math.log_softmax(tf.constant(A), axis=0)),
    ("abs", lambda tf: tf.abs(tf.constant(A))),
    ("abs_int", lambda tf: tf.abs(tf.constant(I))),
    ("negative_int", lambda tf: tf.negative(tf.constant(I))),
    ("square_int", lambda tf: tf.square(tf.constant(I))),
    ("sign", lambda tf: tf.sign(tf.constant([-4.0, 0.0, 2.0]))),
    ("sign_int", lambda tf: tf.sign(tf.constant(I))),
    ("round_halves_to_even", lambda tf: tf.round(tf.constant([-2.5, -1.5, 0.5, 1.5, 2.5, 2.6]))),
    ("round_int", lambda tf: tf.round(tf.constant([3]))),
    ("floor", lambda tf: tf.floor(tf.constant([-2.5, 1.5]))),
    ("math.ceil", lambda tf: tf.math.ceil(tf.constant([-2.5, 1.5]))),
    ("add", lambda tf: tf.add(tf.constant(A), tf.constant(B))),
    ("add_int_tensor_python_int", lambda tf: tf.add(tf.range(3), 1)),
    ("add_int64_tensor_python_int", lambda tf: tf.add(tf.constant([1, 5], tf.int64), 3)),
    ("add_float64_tensor_python_int", lambda tf: tf.add(tf.constant(A), 3)),
    ("add_lists", lambda tf: tf.add([1, 2], [3, 4])),
    ("add_python_float_python_int", lambda tf: tf.add(1.5, 2)),
    ("add_float32_tensor_np_float64", lambda tf: tf.add(tf.ones(3), np.ones(3))),
    ("add_python_int_np_float64", lambda tf: tf.add(2, np.ones(2))),
    ("subtract_broadcast", lambda tf: tf.subtract(tf.constant(A), tf.constant([1.0, 2.0, 3.0], tf.float64))),
    ("multiply", lambda tf: tf.multiply(tf.constant(A), 2.0)),
    ("divide", lambda tf: tf.divide(tf.constant(A), tf.constant(B))),
    ("divide_ints_float64", lambda tf: tf.divide(tf.constant([3, 7]), tf.constant([2, 2]))),
    ("divide_int_by_python_int", lambda tf: tf.divide(tf.constant([3]), 2)),
    ("pow", lambda tf: tf.pow(tf.constant(np.abs(A)), tf.constant(B))),
    ("pow_ints", lambda tf: tf.pow(tf.constant([3, -2]), 2)),
    ("pow_python_base", lambda tf: tf.pow(2, tf.constant(1.5))),
    ("maximum", lambda tf: tf.maximum(tf.constant(A), tf.constant(B))),
    ("maximum_int_python", lambda tf: tf.maximum(tf.constant([1, 5]), 3)),
    ("maximum_python_tensor", lambda tf: tf.maximum(2, tf.constant(1.5))),
    ("maximum_np_float64_tensor_float32", lambda tf: tf.maximum(np.ones(1), tf.constant([0.5]))),
    ("minimum_broadcast", lambda tf: tf.minimum(tf.constant(A), 0.5)),
    ("equal_int64_python", lambda tf: tf.equal(tf.constant([1, 5], tf.int64), 5)),
    ("equal_python_tensor", lambda tf: tf.equal(2, tf.constant(1.5))),
    ("not_equal", lambda tf: tf.not_equal(tf.constant(I), 0)),
    ("less", lambda tf: tf.less(tf.constant(A), tf.constant(B))),
    ("less_equal", lambda tf: tf.less_equal(tf.constant(A), 0.5)),
    ("greater", lambda tf: tf.greater(tf.constant(I), tf.constant(I).numpy()[::-1])),
    ("greater_equal", lambda tf: tf.greater_equal(tf.constant(A), tf.constant(B))),
    ("logical_and", lambda tf: tf.logical_and([True, False, True], True)),
    ("logical_or", lambda tf: tf.logical_or(tf.constant([[True], [False]]), [False, True])),
    ("logical_not", lambda tf: tf.logical_not(tf.constant([True, False]))),
    ("add_n", lambda tf: tf.add_n([tf.ones(2), tf.ones(2), [1.0, 2.0]])),
    ("add_n_one", lambda tf: tf.add_n([tf.constant(A)])),
    ("add_n_ints", lambda tf: tf.add_n([tf.constant(I), tf.constant(I)])),
    ("matmul", lambda tf: tf.matmul(tf.constant(A), tf.constant(B), transpose_b=True)),
    ("matmul_transpose_a", lambda tf: tf.matmul(tf.constant(A), tf.constant(B), transpose_a=True)),
    ("matmul_adjoint_b", lambda tf: tf.matmul(tf.constant(A), tf.constant(B), adjoint_b=True)),
    ("matmul_ints", lambda tf: tf.matmul(tf.ones([2, 2], tf.int32), tf.ones([2, 2], tf.int32))),
    ("matmul_lists", lambda tf: tf.matmul([[1.0, 2.0]], [[1.0], [2.0]])),
    ("linalg.matmul_batch", lambda tf: tf.linalg.matmul(tf.ones([2, 3, 4]), tf.ones([4, 5]))),
    ("linalg.eye", lambda tf: tf.linalg.eye(2)),
    ("reduce_sum", lambda tf: tf.reduce_sum(tf.constant(A))),
    ("reduce_sum_axis", lambda tf: tf.reduce_sum(tf.constant(A), axis=1)),
    ("reduce_sum_keepdims", lambda tf: tf.reduce_sum(tf.constant(A), axis=0, keepdims=True)),
    ("reduce_sum_axis_tensor", lambda tf: tf.reduce_sum(tf.constant(A), axis=tf.constant(1))),
    ("reduce_sum_no_axes", lambda tf: tf.reduce_sum(tf.constant(A), axis=[])),
    ("reduce_sum_int32_stays_int32", lambda tf: tf.reduce_sum(tf.constant([1, 2], tf.int32))),
    ("reduce_sum_uint8_wraps", lambda tf: tf.reduce_sum(tf.constant([255, 255], tf.uint8))),
    ("reduce_sum_list", lambda tf: tf.reduce_sum([1, 2])),
    ("reduce_sum_list_floats", lambda tf: tf.reduce_sum([1.0, 2.0])),
    ("reduce_mean", lambda tf: tf.reduce_mean(tf.constant(A), axis=-1)),
    ("reduce_mean_int_toward_zero", lambda tf: tf.reduce_mean(tf.constant([-1, -2]))),
    ("reduce_mean_int", lambda tf: tf.reduce_mean(tf.constant([[1, 2, 2], [7, 8, 9]]), axis=1)),
    ("reduce_mean_uint8", lambda tf: tf.reduce_mean(tf.constant([255, 255], tf.uint8))),
    ("reduce_mean_no_axes", lambda tf: tf.reduce_mean(tf.constant(A), axis=[])),
    ("reduce_max_int", lambda tf: tf.reduce_max(tf.constant(I), axis=0)),
    ("reduce_min", lambda tf: tf.reduce_min(tf.constant(A), axis=[0, 1], keepdims=True)),
    ("reduce_prod", lambda tf: tf.reduce_prod(tf.constant(A), axis=1)),
    ("reduce_prod_int", lambda tf: tf.reduce_prod(tf.constant([3, 4]))),
    ("reduce_prod_list", lambda tf: tf.reduce_prod([1.0, 2.0])),
    ("reduce_any", lambda tf: tf.reduce_any(tf.constant([[True, False], [False, False]]), axis=1)),
    ("reduce_all", lambda tf: tf.reduce_all(tf.constant([[True, False], [True, True]]), axis=0, keepdims=True)),
    ("math.reduce_sum", lambda tf: tf.math.reduce_sum(tf.constant(I), 1)),
    ("argmax_default_axis_0", lambda tf: tf.argmax(tf.constant([[1.0, 5.0], [3.0, 2.0]]))),
    ("argmax_axis1_int32", lambda tf: tf.argmax(tf.constant([[1.0, 5.0], [3.0, 2.0]]), axis=1, output_type=tf.int32)),
    ("argmax_ties_first", lambda tf: tf.argmax(tf.constant([1.0, 5.0, 5.0]))),
    ("argmax_int16", lambda tf: tf.argmax(tf.constant([1.0, 5.0]), output_type=tf.int16)),
    ("argmax_ints", lambda tf: tf.argmax(tf.constant([1, 3, 2]))),
    ("argmax_axis_tensor", lambda tf: tf.argmax(tf.ones([2, 3]), axis=tf.constant(-1))),
    ("argmin", lambda tf: tf.argmin(tf.constant(A), axis=-1)),
    ("math.argmax", lambda tf: tf.math.argmax(tf.constant(A), 1)),
    ("stop_gradient", lambda tf: tf.stop_gradient(tf.constant(A))),
    ("clip_by_value", lambda tf: tf.clip_by_value(tf.constant(A), -0.5, 0.7)),
    ("nn.relu", lambda tf: tf.nn.relu(tf.constant(A))),
    ("nn.l2_loss", lambda tf: tf.nn.l2_loss(tf.constant(A))),
    ("nn.softmax_axis0", lambda tf: tf.nn.softmax(tf.constant(A), axis=0)),
    ("nn.moments", lambda tf: tf.nn.moments(tf.constant(A), axes=[0])),
    ("nn.sparse_ce", lambda tf: tf.nn.sparse_softmax_cross_entropy_with_logits(tf.constant([2, 0]), tf.constant(A))),
    ("losses.categorical_crossentropy_from_logits", lambda tf: tf.losses.categorical_crossentropy(
        tf.one_hot([2, 0], depth=3), tf.constant(A, tf.float32), from_logits=True)),
    ("accuracy_count_of_the_source", lambda tf: tf.reduce_sum(tf.cast(tf.equal(
        tf.argmax(tf.constant(A), axis=-1), tf.cast(tf.constant([0, 0]), tf.int64)), tf.float32))),
]

TENSOR_BEHAVIOUR = [
    ("operators", lambda tf: (tf.constant(A) * 2 - tf.constant(B)) / 4 + 1),
    ("reflected_operators", lambda tf: 1.5 - 2.0 / tf.constant(np.abs(A) + 1)),
    ("power_operator", lambda tf: tf.constant(A) ** 2),
    ("matmul_operator", lambda tf: tf.constant(A) @ tf.transpose(tf.constant(B))),
    ("int_operators", lambda tf: tf.constant(I) * tf.constant(I) - tf.constant(I)),
    ("comparison_operators", lambda tf: [tf.constant(A) > 0, tf.constant(A) <= tf.constant(B)]),
    ("negation", lambda tf: -tf.constant(I)),
    ("slicing", lambda tf: tf.constant(A)[1:, ::-1]),
    ("indexing", lambda tf: tf.constant(A)[1, 2]),
    ("newaxis_ellipsis", lambda tf: tf.constant(A)[..., None, 0]),
    ("iteration", lambda tf: list(tf.constant(A))),
]


SAME_CODE = CREATION + SHAPES + MATH + TENSOR_BEHAVIOUR


@pytest.mark.parametrize("case", SAME_CODE, ids=_ids(SAME_CODE))
def test_same_code_same_result(tf, case):
    name, fn = case
    assert_same(fn(mctf), fn(tf), name)


ERRORS = [  # (id, code, the exception minicnn raises)
    ("constant_1.5_as_int32", lambda tf: tf.constant(1.5, dtype=tf.int32), TypeError),
    ("constant_2.0_as_int32", lambda tf: tf.constant([1, 2.0], dtype=tf.int32), TypeError),
    ("constant_1_as_bool", lambda tf: tf.constant(1, dtype=tf.bool), TypeError),
    ("constant_beyond_int64", lambda tf: tf.constant(2 ** 70), ValueError),
    ("constant_ragged", lambda tf: tf.constant([[1, 2], [3]]), ValueError),
    ("constant_None", lambda tf: tf.constant(None), ValueError),
    ("constant_shape_mismatch", lambda tf: tf.constant([1, 2, 3, 4, 5], shape=[2, 3]), TypeError),
    ("constant_tensor_other_dtype", lambda tf: tf.constant(tf.constant(1.0), dtype=tf.float64), TypeError),
    ("convert_tensor_other_dtype", lambda tf: tf.convert_to_tensor(tf.constant(1.0), dtype=tf.float64), ValueError),
    ("as_dtype_python_int", lambda tf: tf.as_dtype(int), TypeError),
    ("as_dtype_unknown_name", lambda tf: tf.as_dtype("float33"), TypeError),
    ("zeros_negative", lambda tf: tf.zeros([-1]), ValueError),
    ("zeros_float_shape", lambda tf: tf.zeros([2.0]), TypeError),
    ("fill_not_scalar", lambda tf: tf.fill([2], [1, 2]), ValueError),
    ("range_delta_0", lambda tf: tf.range(0, 5, 0), ValueError),
    ("range_wrong_direction", lambda tf: tf.range(5, 0), ValueError),
    ("range_float_as_int32", lambda tf: tf.range(0.5, 3, dtype=tf.int32), TypeError),
    ("eye_negative", lambda tf: tf.eye(-1), ValueError),
    ("one_hot_float_indices", lambda tf: tf.one_hot([0.0, 2.0], 3), TypeError),
    ("one_hot_negative_depth", lambda tf: tf.one_hot([0], -1), ValueError),
    ("one_hot_axis_-2", lambda tf: tf.one_hot([[0, 1]], 2, axis=-2), ValueError),
    ("one_hot_on_value_not_of_dtype", lambda tf: tf.one_hot([0, 2], 3, on_value=1.0, dtype=tf.int32), TypeError),
    ("one_hot_bool_from_ints", lambda tf: tf.one_hot([0, 1], 2, dtype=tf.bool), TypeError),
    ("reshape_size", lambda tf: tf.reshape(tf.ones([2, 3]), [4, 2]), ValueError),
    ("reshape_two_unknown", lambda tf: tf.reshape(tf.ones([2, 3]), [-1, -1]), ValueError),
    ("expand_dims_out_of_range", lambda tf: tf.expand_dims(tf.ones([2, 3]), 3), ValueError),
    ("expand_dims_below_range", lambda tf: tf.expand_dims(tf.ones([2, 3]), -4), ValueError),
    ("squeeze_not_1", lambda tf: tf.squeeze(tf.ones([1, 2]), axis=1), ValueError),
    ("squeeze_out_of_range", lambda tf: tf.squeeze(tf.ones([1, 2]), axis=3), ValueError),
    ("transpose_short_perm", lambda tf: tf.transpose(tf.ones([2, 3, 4]), perm=[0, 1]), ValueError),
    ("concat_shapes", lambda tf: tf.concat([tf.ones([2, 3]), tf.ones([2, 2])], 0), ValueError),
    ("concat_dtypes", lambda tf: tf.concat([tf.constant([1.0]), tf.constant([1.0], tf.float64)], 0), TypeError),
    ("stack_shapes", lambda tf: tf.stack([tf.ones([2, 3]), tf.ones([3])]), ValueError),
    ("split_uneven", lambda tf: tf.split(tf.ones([6, 2]), 4), ValueError),
    ("tile_wrong_length", lambda tf: tf.tile(tf.constant([[1, 2], [3, 4]]), [2]), ValueError),
    ("tile_negative", lambda tf: tf.tile(tf.constant([[1, 2], [3, 4]]), [2, -1]), ValueError),
    ("pad_mode", lambda tf: tf.pad(tf.ones([1, 3]), [[0, 0], [1, 1]], mode="WRAP"), ValueError),
    ("gather_out_of_range", lambda tf: tf.gather(tf.constant([1, 2, 3]), [3]), ValueError),
    ("gather_negative", lambda tf: tf.gather(tf.constant([1, 2, 3]), [-1]), ValueError),
    ("gather_float_indices", lambda tf: tf.gather(tf.constant([1, 2, 3]), [1.0]), TypeError),
    ("where_x_only", lambda tf: tf.where([True], x=[1.0]), ValueError),
    ("where_float_condition", lambda tf: tf.where([1.0, 0.0], [1.0, 2.0], [3.0, 4.0]), TypeError),
    ("where_shapes", lambda tf: tf.where([True, False, True], [1.0, 2.0], [3.0, 4.0]), ValueError),
    ("where_dtypes", lambda tf: tf.where([True], tf.constant([1.0]), tf.constant([2.0], tf.float64)), TypeError),
    ("where_python_int_and_float", lambda tf: tf.where([True], 1, 2.0), TypeError),
    ("exp_int", lambda tf: tf.exp(tf.constant([4])), TypeError),
    ("sqrt_int_list", lambda tf: tf.sqrt([1, 2]), TypeError),
    ("floor_int", lambda tf: tf.floor(tf.constant([3])), TypeError),
    ("sigmoid_int", lambda tf: tf.sigmoid(tf.constant([1])), TypeError),
    ("add_int_and_float", lambda tf: tf.add(tf.constant([1, 5]), 2.5), TypeError),
    ("equal_int64_and_int32", lambda tf: tf.equal(tf.constant([1, 5], tf.int64), tf.constant([1, 5])), TypeError),
    ("equal_shapes", lambda tf: tf.equal(tf.ones(2), tf.ones(3)), ValueError),
    ("pow_int_negative", lambda tf: tf.pow(tf.constant([3]), -1), ValueError),
    ("logical_and_float", lambda tf: tf.logical_and(tf.constant([1.0]), tf.constant([1.0])), TypeError),
    ("add_n_shapes", lambda tf: tf.add_n([tf.ones(2), tf.ones(3)]), ValueError),
    ("add_n_broadcast", lambda tf: tf.add_n([tf.ones(2), tf.ones(())]), ValueError),
    ("add_n_empty", lambda tf: tf.add_n([]), ValueError),
    ("matmul_rank_1", lambda tf: tf.matmul(tf.ones([2]), tf.ones([2, 2])), ValueError),
    ("reduce_sum_bool", lambda tf: tf.reduce_sum(tf.constant([True])), TypeError),
    ("reduce_sum_axis_out_of_range", lambda tf: tf.reduce_sum(tf.ones([2, 3]), axis=2), ValueError),
    ("reduce_sum_axis_twice", lambda tf: tf.reduce_sum(tf.ones([2, 3]), axis=[1, 1]), ValueError),
    ("reduce_any_float", lambda tf: tf.reduce_any(tf.constant([1.0])), TypeError),
    ("argmax_axis_list", lambda tf: tf.argmax(tf.constant([1.0, 5.0]), axis=[0]), TypeError),
    ("argmax_float_output", lambda tf: tf.argmax(tf.constant([1.0, 5.0]), output_type=tf.float32), TypeError),
    ("argmax_scalar", lambda tf: tf.argmax(tf.constant(1.0)), ValueError),
    ("argmax_axis_out_of_range", lambda tf: tf.argmax(tf.ones([2, 3]), axis=2), ValueError),
    ("normal_int_dtype", lambda tf: tf.random.normal([2], dtype=tf.int32), TypeError),
    ("truncated_normal_int_dtype", lambda tf: tf.random.truncated_normal([3], dtype=tf.int32), TypeError),
    ("uniform_int_without_maxval", lambda tf: tf.random.uniform([3], dtype=tf.int32), ValueError),
    ("uniform_int_empty_range", lambda tf: tf.random.uniform([3], minval=5, maxval=5, dtype=tf.int32), ValueError),
    ("uniform_bool", lambda tf: tf.random.uniform([3], dtype=tf.bool), ValueError),
    ("normal_negative_shape", lambda tf: tf.random.normal([-2]), ValueError),
    ("variable_without_value", lambda tf: tf.Variable(), ValueError),
    ("variable_assign_shape", lambda tf: tf.Variable(1.0).assign([1.0, 2.0]), ValueError),
    ("variable_assign_other_dtype", lambda tf: tf.Variable(1.0).assign(tf.constant(2.0, tf.float64)), ValueError),
    ("int_variable_assign_float", lambda tf: tf.Variable(1).assign(1.5), TypeError),
    ("variable_assign_add_broadcast", lambda tf: tf.Variable([1.0, 2.0]).assign_add(1.0), ValueError),
    ("variable_assign_sub_float_to_int", lambda tf: tf.Variable([1, 2]).assign_sub([1.5, 1.0]), TypeError),
    ("unconnected_gradients_unknown", lambda tf: tf.GradientTape().gradient(
        tf.constant(1.0), tf.constant(1.0), unconnected_gradients="bogus"), ValueError),
    ("tape_watch_numpy", lambda tf: _watch_in_tape(tf, np.ones(2)), ValueError),
    ("memory_growth_on_cpu", lambda tf: tf.config.experimental.set_memory_growth(
        tf.config.list_physical_devices("CPU")[0], True), ValueError),
]


def _watch_in_tape(tf, value):
    with tf.GradientTape() as tape:
        tape.watch(value)


@pytest.mark.parametrize("case", ERRORS, ids=_ids(ERRORS))
def test_same_bad_input_fails_on_both(tf, case):
    name, fn, ours = case
    with pytest.raises(Exception):
        fn(tf)
    with pytest.raises(ours) as info:
        fn(mctf)
    assert str(info.value), f"{name}: an error without a message"


LENIENT = [  # TensorFlow refuses these; minicnn converts the non-Tensor operand to the Tensor's dtype
    ("add_python_int_first", lambda tf: tf.add(2, tf.constant(1.5)), np.array(3.5, np.float32)),
    ("add_np_float64_first", lambda tf: tf.add(np.ones(2), tf.ones(2)), np.full(2, 2.0, np.float32)),
    ("matmul_np_float64_first", lambda tf: tf.matmul(np.ones((1, 1)), tf.ones((1, 1))), np.ones((1, 1), np.float32)),
]


@pytest.mark.parametrize("case", LENIENT, ids=_ids(LENIENT))
def test_a_non_tensor_operand_takes_the_tensors_dtype(tf, case):
    """The one documented leniency (docs/tf_compat.md): tf.add and tf.matmul convert their first
    operand on its own and then refuse a Tensor of another dtype; minicnn applies everywhere the rule
    of TensorFlow's operators and of tf.maximum: the Tensor operand sets the dtype."""
    name, fn, expected = case
    with pytest.raises(Exception):
        fn(tf)
    assert_same(fn(mctf), expected, name)


# --- dtypes and names -----------------------------------------------------------------------

DTYPE_NAMES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "bool"]


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtypes_are_numpy_dtypes_equal_to_tensorflows(tf, name):
    ours = getattr(mctf, name)
    assert isinstance(ours, np.dtype) and ours == getattr(tf, name).as_numpy_dtype and ours.name == name
    assert getattr(mctf.dtypes, name) is ours


@pytest.mark.parametrize("value", ["float32", "float", "double", "half", "int64", "bool", np.float64, np.int8,
                                   np.dtype("uint8"), float, bool], ids=repr)
def test_as_dtype_matches_tensorflow(tf, value):
    assert mctf.as_dtype(value) == tf.as_dtype(value).as_numpy_dtype


def _public(module):
    return sorted(n for n in getattr(module, "__all__", dir(module)) if not n.startswith("_"))


def test_every_top_level_name_is_tensorflows(tf):
    skip = {"sys", "dtypes", "keras", "config", "linalg", "math", "nn", "random", "losses", "optimizers"}
    names = [n for n in dir(mctf) if not n.startswith("_") and n not in skip and not inspect.ismodule(getattr(mctf, n))]
    assert len(names) > 80
    missing = [n for n in names if not hasattr(tf, n)]
    assert not missing, f"minicnn.tf exports names TensorFlow does not have: {missing}"


@pytest.mark.parametrize("namespace", ["math", "nn", "random", "linalg", "config", "dtypes"])
def test_every_namespace_name_is_tensorflows(tf, namespace):
    ours, theirs = getattr(mctf, namespace), getattr(tf, namespace)
    missing = [n for n in ours.__all__ if not hasattr(theirs, n)]
    assert not missing, f"minicnn.tf.{namespace} exports names tf.{namespace} does not have: {missing}"


def test_tf_nn_is_functional_under_tensorflows_names(tf):
    """Every minicnn.functional function that tf.nn has is tf.nn's, the very same function."""
    for name in F.__all__:
        if hasattr(tf.nn, name):
            assert getattr(mctf.nn, name) is getattr(F, name), f"tf.nn.{name} is not F.{name}"


def test_tf_math_names_that_tensorflow_also_exports_at_the_top_are_there(tf):
    for name in mctf.math.__all__:
        if hasattr(tf, name):
            assert getattr(mctf, name) is getattr(mctf.math, name), f"tf.{name} is not tf.math.{name}"


SIGNATURE_MODULES = ["tensors", "shapes", "math", "linalg", "random", "eager"]


def _our_functions():
    for module_name in SIGNATURE_MODULES:
        module = getattr(mctf, module_name, None) or __import__(f"minicnn.tf.{module_name}", fromlist=["_"])
        for name in module.__all__:
            fn = getattr(module, name)
            if inspect.isfunction(fn):
                yield module_name, name, fn


@pytest.mark.parametrize("where, name, fn", list(_our_functions()), ids=lambda v: v if isinstance(v, str) else "")
def test_arguments_and_defaults_are_tensorflows(tf, where, name, fn):
    """Every argument a mapped function takes, TensorFlow's function takes too, with the same default."""
    namespace = {"math": tf.math, "random": tf.random, "linalg": tf.linalg}.get(where, tf)
    theirs = inspect.signature(getattr(namespace, name)).parameters
    for argument, parameter in inspect.signature(fn).parameters.items():
        assert argument in theirs, f"{name}({argument}=...): TensorFlow has no such argument ({list(theirs)})"
        expected = theirs[argument].default
        if argument != "name" and expected is not inspect.Parameter.empty:
            assert parameter.default == expected, (
                f"{name}({argument}=...): minicnn's default is {parameter.default!r}, TensorFlow's {expected!r}")


@pytest.mark.parametrize("namespace, name", [
    (mctf, "Session"), (mctf, "placeholder"), (mctf.math, "bessel_i0"), (mctf.nn, "ctc_loss"),
    (mctf.random, "categorical"), (mctf.linalg, "svd"), (mctf.config, "set_visible_devices"),
    (mctf.config.experimental, "get_memory_info"), (mctf.dtypes, "complex64"), ("a tape", "jacobian"),
], ids=lambda v: v if isinstance(v, str) else "")
def test_a_name_outside_the_subset_says_so(namespace, name):
    namespace = mctf.GradientTape() if namespace == "a tape" else namespace
    with pytest.raises(AttributeError, match=rf"\.{name} is not in minicnn's TensorFlow/Keras subset"):
        getattr(namespace, name)


def test_keras_aliases_stay(tf):
    from minicnn.tf.keras.layers import Dense
    assert mctf.keras is mc.keras and Dense is mc.layers.Dense and mctf.losses is mc.keras.losses


# --- Tensor behaviour -----------------------------------------------------------------------

def test_shape_is_a_tensorshape(tf):
    ours, theirs = mctf.ones([2, 3, 4]).shape, tf.ones([2, 3, 4]).shape
    assert ours.as_list() == theirs.as_list() == [2, 3, 4]
    assert ours[1:].as_list() == theirs[1:].as_list() == [3, 4]
    assert ours == [2, 3, 4] and ours == (2, 3, 4) and not ours != [2, 3, 4] and ours != [2, 3]
    assert ours.rank == theirs.rank == 3 and ours[0] == 2 and type(ours[0]) is int
    assert repr(ours) == "(2, 3, 4)"  # error messages keep showing plain tuples


def test_python_numbers_and_indices_from_tensors(tf):
    for ns in (tf, mctf):
        assert int(ns.constant(3.7)) == 3 and float(ns.constant(2)) == 2.0
        assert list(range(ns.constant(3))) == [0, 1, 2] and [5, 6, 7][ns.constant(1)] == 6
    with pytest.raises(TypeError, match="0-d integer"):
        [5, 6, 7][mctf.constant(1.0)]
    with pytest.raises(TypeError, match="0-d integer"):
        [5, 6, 7][mctf.constant([1])]


def test_numpy_sees_the_values():
    t = mctf.constant(A)
    np.testing.assert_array_equal(np.asarray(t), A)
    np.testing.assert_array_equal(np.arange(6)[mctf.constant([1, 4])], [1, 4])  # advanced index, not __index__


# --- Variable -------------------------------------------------------------------------------

@pytest.mark.parametrize("value, kwargs", [(1.0, {}), (1, {}), (A, {}), ([1, 2], {"dtype": "float64"}),
                                           (np.arange(3), {"trainable": False}), (True, {})],
                         ids=["float", "int", "np_float64", "list_as_float64", "np_int64_frozen", "bool"])
def test_variable_dtype_and_values(tf, value, kwargs):
    ours, theirs = mctf.Variable(value, **kwargs), tf.Variable(value, **kwargs)
    assert_same(ours, theirs, "Variable")
    assert ours.trainable == theirs.trainable and ours.name == theirs.name == "Variable:0"
    assert ours.requires_grad == (ours.trainable and ours.dtype.kind == "f")


def test_variable_assignments_match_tensorflow(tf):
    results = {}
    for ns in (tf, mctf):
        v = ns.Variable([1.0, 2.0], name="w")
        steps = [v.assign([3.0, -1.0]).numpy(), v.assign_add([0.5, 0.5]).numpy(), v.assign_sub([1, 2]).numpy()]
        i = ns.Variable(1)
        results[ns] = steps + [i.assign_add(2).numpy(), v.name, ns.Variable(lambda: ns.ones(2)).numpy()]
    for ours, theirs in zip(results[mctf], results[tf]):
        np.testing.assert_array_equal(ours, theirs)
        assert np.asarray(ours).dtype == np.asarray(theirs).dtype


def test_variable_owns_its_values():
    source = np.ones(3, np.float32)
    v = mctf.Variable(source)
    source[0] = 5.0
    snapshot = v.numpy()
    v.assign_add(np.ones(3))
    assert v.numpy()[0] == 2.0 and snapshot[0] == 1.0 and isinstance(v, mc.Tensor)
    assert v.assign(np.zeros(3), read_value=False) is None and v.numpy().sum() == 0


# --- random ---------------------------------------------------------------------------------

DRAWS = [
    ("normal", lambda tf, **k: tf.random.normal([40000], **k), {}),
    ("normal_mean_std_float64", lambda tf, **k: tf.random.normal([40000], mean=3.0, stddev=2.0, dtype=tf.float64,
                                                                   **k), {}),
    ("truncated_normal", lambda tf, **k: tf.random.truncated_normal([40000], mean=-1.0, stddev=0.5, **k), {}),
    ("uniform", lambda tf, **k: tf.random.uniform([40000], **k), {}),
    ("uniform_bounds_float16", lambda tf, **k: tf.random.uniform([40000], -2.0, 6.0, dtype=tf.float16, **k), {}),
    ("uniform_int32", lambda tf, **k: tf.random.uniform([40000], minval=-3, maxval=4, dtype=tf.int32, **k), {}),
    ("uniform_int64", lambda tf, **k: tf.random.uniform([40000], minval=5, maxval=6, dtype=tf.int64, **k), {}),
]


@pytest.mark.parametrize("case", DRAWS, ids=_ids(DRAWS))
def test_random_draws_match_tensorflows_distribution(tf, case):
    """Same shape and dtype as TensorFlow; mean, std, min and max as TensorFlow's within sampling error."""
    name, draw, _ = case
    ours, theirs = draw(mctf).numpy().astype(np.float64), draw(tf).numpy().astype(np.float64)
    assert draw(mctf).dtype == draw(tf).dtype.as_numpy_dtype and ours.shape == theirs.shape
    spread = max(theirs.std(), 1e-3)
    assert abs(ours.mean() - theirs.mean()) < 0.05 * spread + 1e-6, f"{name}: mean {ours.mean()} vs {theirs.mean()}"
    assert abs(ours.std() - theirs.std()) < 0.05 * spread + 1e-6, f"{name}: std {ours.std()} vs {theirs.std()}"
    if name != "normal" and not name.startswith("normal_"):  # bounded draws: the same bounds
        assert abs(ours.min() - theirs.min()) < 0.05 * spread, f"{name}: min {ours.min()} vs {theirs.min()}"
        assert abs(ours.max() - theirs.max()) < 0.05 * spread, f"{name}: max {ours.max()} vs {theirs.max()}"


def test_truncated_normal_stays_within_two_stddevs():
    x = mctf.random.truncated_normal([2, 50000], mean=[[1.0], [-4.0]], stddev=[[0.5], [3.0]]).numpy()
    for row, mean, std in zip(x, (1.0, -4.0), (0.5, 3.0)):
        assert np.abs(row - mean).max() <= 2 * std * (1 + 1e-6)
        assert abs(row.std() - 0.8796 * std) < 0.02 * std  # the std of a unit normal cut at ±2


def test_uniform_stays_in_half_open_interval():
    ints = mctf.random.uniform([10000], minval=-2, maxval=3, dtype=mctf.int32).numpy()
    floats = mctf.random.uniform([10000], minval=1.0, maxval=1.5).numpy()
    assert set(np.unique(ints)) == {-2, -1, 0, 1, 2} and floats.min() >= 1.0 and floats.max() < 1.5


@pytest.mark.parametrize("shape", [[], (2, 3), 4, [1, 1, 2]], ids=str)
def test_random_shapes(shape):
    for draw in (mctf.random.normal, mctf.random.uniform, mctf.random.truncated_normal):
        assert draw(shape).shape == mctf.zeros(shape).shape


def test_set_seed_reproduces_and_operation_seeds_are_independent():
    def draws(seed_between):
        mctf.random.set_seed(7)
        a = mctf.random.normal([3]).numpy()
        b = mctf.random.uniform([2], seed=3).numpy()
        if seed_between:
            mctf.random.normal([5])  # an unseeded draw does not move the seed=3 sequence
        c = mctf.random.uniform([2], seed=3).numpy()
        return a, b, c
    first, second = draws(False), draws(True)
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[1], first[2]), "an operation seed gives a sequence, not one value"
    mctf.random.set_seed(8)
    assert not np.array_equal(mctf.random.normal([3]).numpy(), first[0])
    mctf.random.set_seed(7)
    np.testing.assert_array_equal(mc.backend.rng().standard_normal(3).astype(np.float32), first[0])


# --- GradientTape against tf.GradientTape ---------------------------------------------------

def _grads(result):
    """Gradients (TensorFlow's or minicnn's, in any nesting) as NumPy arrays, None kept."""
    if result is None:
        return None
    if isinstance(result, dict):
        return {k: _grads(v) for k, v in result.items()}
    if isinstance(result, (list, tuple)):
        return type(result)(_grads(r) for r in result)
    return result.numpy() if hasattr(result, "numpy") else result


def assert_same_gradients(ours, theirs, what):
    ours, theirs = _grads(ours), _grads(theirs)
    if theirs is None or isinstance(theirs, (list, tuple, dict)):
        assert type(ours) is type(theirs), f"{what}: {type(ours).__name__} vs TensorFlow's {type(theirs).__name__}"
        if theirs is None:
            return
        keys = theirs.keys() if isinstance(theirs, dict) else range(len(theirs))
        assert len(ours) == len(theirs), f"{what}: {len(ours)} gradients, TensorFlow {len(theirs)}"
        for k in keys:
            assert_same_gradients(ours[k], theirs[k], f"{what}[{k}]")
        return
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, (
        f"{what}: {ours.dtype}{ours.shape} vs TensorFlow's {theirs.dtype}{theirs.shape}")
    assert_close(ours, theirs, np.float64 if ours.dtype == np.float64 else np.float32, what)


def tape_watch_constant(tf):
    x = tf.constant(A)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.sin(x) * x ** 2)
    return tape.gradient(y, x)


def tape_unwatched_constant(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    return tape.gradient(y, x)


def tape_variables(tf):
    v, w = tf.Variable(A), tf.Variable(np.ones(3))
    frozen, counter = tf.Variable(2.0, trainable=False, dtype=tf.float64), tf.Variable(3)
    with tf.GradientTape() as tape:
        y = tf.reduce_mean(tf.matmul(v, tf.expand_dims(w, 1)) * frozen) + tf.cast(counter, tf.float64)
    return tape.gradient(y, [v, w, frozen, counter])


def tape_unconnected(tf):
    v, w, i = tf.Variable(2.0), tf.Variable(3.0), tf.Variable([1, 2])
    with tf.GradientTape(persistent=True) as tape:
        y = v * v
    return (tape.gradient(y, [v, w, i]), tape.gradient(y, [v, w, i], unconnected_gradients="zero"),
            tape.gradient(y, [w], unconnected_gradients=tf.UnconnectedGradients.ZERO))


def tape_persistent(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * 2
    return tape.gradient(y, x), tape.gradient(z, x), tape.gradient(z, y), tape.gradient(z, [x, y])


def tape_output_gradients(tf):
    x = tf.constant(A)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y, z = tf.exp(x), tf.reduce_sum(x, axis=0)
    g = np.array([[1.0, -2.0, 0.5], [3.0, 0.0, 1.0]])
    return (tape.gradient(y, x, output_gradients=tf.constant(g)), tape.gradient(y, x, output_gradients=[g]),
            tape.gradient([y, z], x, output_gradients=[g, tf.constant([1.0, 2.0, 3.0], tf.float64)]),
            tape.gradient([y, z], x), tape.gradient({"a": y, "b": z}, x))


def tape_nested_sources(tf):
    x, v = tf.constant([1.0, 2.0]), tf.Variable([[0.5]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * x * v)
    return tape.gradient(y, {"x": x, "more": [v, (x,)]})


def tape_nested_first_order(tf):
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x
        z = y * 3 + x
    return inner.gradient(y, x), outer.gradient(z, x)


def tape_gradient_inside_the_block(tf):
    v = tf.Variable([1.0, -2.0])
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(v ** 3)
        g = tape.gradient(y, v)
    return g


def tape_intermediate_and_target_as_source(tf):
    x = tf.constant(A)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        h = tf.tanh(x)
        y = tf.reduce_sum(h * h)
    return tape.gradient(y, h), tape.gradient(x, x), tape.gradient(y, y)


def tape_watch_accessed_variables_off(tf):
    v, w = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(w)
        y = v * w * w
    return tape.gradient(y, [v, w])


def tape_through_new_ops(tf):
    x = tf.constant(np.array([[1.0, -2.0, 3.0], [0.0, 2.0, -1.0]]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        parts = [tf.reduce_prod(x, axis=1), tf.reduce_sum(tf.maximum(x, 1.0)), tf.reduce_sum(tf.minimum(x, -1.0)),
                 tf.reduce_sum(tf.where(x > 0, x * x, -x)), tf.reduce_sum(tf.tile(x, [2, 1]) * 1.5),
                 tf.reduce_sum(tf.gather(x, [2, 0, 2], axis=1) ** 2), tf.reduce_sum(tf.sign(x) * x),
                 tf.reduce_sum(tf.cos(tf.squeeze(tf.expand_dims(x, 0)))), tf.reduce_sum(tf.round(x) + tf.floor(x)),
                 tf.reduce_sum(tf.add_n([x, x * x])), tf.reduce_sum(tf.convert_to_tensor([x[0], x[1] * 2]))]
        y = tf.add_n([tf.reduce_sum(p) for p in parts])
    return tape.gradient(y, x)


def tape_float_to_int_cast_has_no_gradient(tf):
    x = tf.constant([1.5, 2.5])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cast(tf.cast(x, tf.int32), tf.float32) * x
    return tape.gradient(y, x)


def tape_keras_model(tf):
    """One training step's gradients of a small Keras model with the same weights."""
    model = tf.keras.Sequential([tf.keras.layers.Dense(4, activation="relu"), tf.keras.layers.Dense(3)])
    model.build((None, 3))
    rng = np.random.default_rng(0)
    model.set_weights([rng.standard_normal(w.shape).astype(np.float32) for w in model.get_weights()])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x = rng.standard_normal((5, 3)).astype(np.float32)
    with tf.GradientTape() as tape:
        loss = loss_fn(tf.constant([0, 2, 1, 1, 0]), model(x, training=True))
    return tape.gradient(loss, model.trainable_variables)


TAPES = [tape_watch_constant, tape_unwatched_constant, tape_variables, tape_unconnected, tape_persistent,
         tape_output_gradients, tape_nested_sources, tape_nested_first_order, tape_gradient_inside_the_block,
         tape_intermediate_and_target_as_source, tape_watch_accessed_variables_off, tape_through_new_ops,
         tape_float_to_int_cast_has_no_gradient, tape_keras_model]


@pytest.mark.parametrize("computation", TAPES, ids=[t.__name__[5:] for t in TAPES])
def test_gradient_tape_matches_tensorflow(tf, computation):
    assert_same_gradients(computation(mctf), computation(tf), computation.__name__)


def test_non_persistent_tape_answers_once(tf):
    for ns in (tf, mctf):
        x = ns.Variable(1.0)
        with ns.GradientTape() as tape:
            y = x * x
        tape.gradient(y, x)
        with pytest.raises(RuntimeError, match="non-persistent GradientTape"):
            tape.gradient(y, x)


def test_second_order_gradient_is_refused_clearly():
    x = mctf.constant([1.0, 2.0])
    with mctf.GradientTape() as outer:
        outer.watch(x)
        with mctf.GradientTape() as inner:
            inner.watch(x)
            y = x * x * x
        g = inner.gradient(y, x)
        g2 = mctf.reduce_sum(g * 2.0)
    for target in (g, g2):
        with pytest.raises(NotImplementedError, match="second-order"):
            outer.gradient(target, x)


def test_watch_makes_a_constant_differentiable_only_while_recording():
    x = mctf.constant([1.0, 2.0])
    with mctf.GradientTape() as tape:
        tape.watch(x)
        assert x.requires_grad
        y = x * x
    assert not x.requires_grad  # operations on x after the tape are not recorded
    z = x * 3.0
    assert not z.requires_grad and mctf.cast(x, mctf.int32).dtype == np.int32
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2.0, 4.0])
    with pytest.raises(RuntimeError, match="not recording"):
        tape.watch(x)


def test_gradients_free_the_graph_unless_another_tape_may_need_it():
    x = mctf.Variable([1.0, 2.0])
    with mctf.GradientTape() as tape:
        y = mctf.reduce_sum(x * x)
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="second time"):  # the saved arrays were released
        mc.grad(y, x)
    with mctf.GradientTape(persistent=True) as kept:
        y = mctf.reduce_sum(x * x)
    kept.gradient(y, x)
    np.testing.assert_allclose(kept.gradient(y, x).numpy(), [2.0, 4.0])


def test_recorded_without_a_tape_the_known_difference():
    """minicnn records operations on tensors that require grad tape or no tape (docs/tf_compat.md):
    a gradient reaches through work done before the tape opened, where TensorFlow gives None."""
    v = mctf.Variable(3.0)
    before = v * 2.0
    with mctf.GradientTape() as tape:
        y = before * v
    assert float(tape.gradient(y, v)) == 12.0


# --- tf.function and tf.config --------------------------------------------------------------

def test_function_is_a_pass_through(tf):
    calls = []

    def double(x):
        calls.append(1)
        return x * 2

    assert mctf.function(double) is double and mctf.function(jit_compile=True)(double) is double
    decorated = mctf.function(reduce_retracing=True)(double)
    for ns, fn in ((mctf, decorated), (tf, tf.function(double))):
        result = fn(ns.constant([1.0, 2.0]))
        np.testing.assert_array_equal(np.asarray(result), [2.0, 4.0])
    decorated(mctf.constant(1.0))
    assert len(calls) == 3  # runs at every call: no tracing


def test_physical_devices(tf):
    ours = mctf.config.list_physical_devices()
    cpu = tf.config.list_physical_devices("CPU")[0]
    assert ours[0] == (cpu.name, cpu.device_type) and ours[0].name == cpu.name and ours[0].device_type == "CPU"
    assert mctf.config.list_physical_devices("CPU") == ours[:1] and mctf.config.list_physical_devices("cpu") == []
    try:
        mc.backend.array_module_of_device("gpu")
        gpus = 1
    except RuntimeError:
        gpus = 0
    listed = mctf.config.experimental.list_physical_devices("GPU")
    assert [d.name for d in listed] == ["/physical_device:GPU:0"] * gpus
    for gpu in listed:
        assert mctf.config.experimental.set_memory_growth(gpu, True) is None
