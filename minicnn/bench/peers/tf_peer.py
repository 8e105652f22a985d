"""TensorFlow's side: ``tf.nn`` operators and tf.keras networks, each call a ``tf.function`` (graph mode).

oneDNN is on or off as ``TF_ENABLE_ONEDNN_OPTS`` was when this process imported TensorFlow (the
coordinator sets it). Forward+backward is a ``GradientTape`` gradient against the upstream
gradient ``dy`` (the gradients of the scalar ``sum(y * dy)``), and the tf.function returns the
output y with the gradients: a graph that returned the gradients alone would let Grappler prune
every forward op the gradients do not read (a convolution's or a matmul's gradients never read
its output), and TensorFlow would be timed on less work than the others. Batch norm is
TensorFlow's fused kernel (its fastest training-mode BN); a training step is loss plus
``model.losses``, ``tape.gradient`` and ``SGD(0.1, momentum=0.9)``.

Trap T9 (TF 2.21): with oneDNN the float32 filter gradient of a convolution corrupts memory when
the stride does not tile the (padded) input; such operator backwards are skipped, with the reason.
Whole networks that contain such a convolution (ResNet's 1x1/2 shortcut) are run as users run them.
"""

import os

import tensorflow as tf

from .. import shapes
from . import Skip, Unavailable
from .keras_models import BUILDERS


def onednn_enabled():
    try:
        from tensorflow.python.util import _pywrap_util_port

        return bool(_pywrap_util_port.IsMklEnabled())
    except (ImportError, AttributeError):
        return os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1") != "0"


def t9_applies(op, p):
    """Whether the stride leaves a remainder on the padded input of the convolution whose filter
    gradient is taken (TF 2.21's oneDNN bug); a transposed conv's is the conv from its output."""
    if op == "conv2d_transpose":
        p = dict(p, hw=tuple(n * p["stride"] for n in p["hw"]))
    return any((n + sum(shapes.pads(n, p["k"], p["stride"], p["padding"])) - p["k"]) % p["stride"]
               for n in p["hw"])


def _forward(op, p, t):
    """f() -> output of one operator case on the tensors ``t``."""
    s, padding = p.get("stride", 1), p.get("padding", "VALID")
    if op == "conv2d":
        return lambda: tf.nn.conv2d(t["x"], t["w"], s, padding)
    if op == "conv2d_transpose":
        out = (p["batch"], p["hw"][0] * s, p["hw"][1] * s, p["cout"])
        return lambda: tf.nn.conv2d_transpose(t["x"], t["w"], out, s, padding)
    if op == "depthwise_conv2d":
        return lambda: tf.nn.depthwise_conv2d(t["x"], t["w"], [1, s, s, 1], padding)
    if op == "separable_conv2d":
        return lambda: tf.nn.separable_conv2d(t["x"], t["w"], t["w2"], [1, s, s, 1], padding)
    if op == "max_pool":
        return lambda: tf.nn.max_pool2d(t["x"], p["size"], s, padding)
    if op == "avg_pool":
        return lambda: tf.nn.avg_pool2d(t["x"], p["size"], s, padding)
    if op == "batch_norm":
        return lambda: tf.compat.v1.nn.fused_batch_norm(t["x"], t["gamma"], t["beta"], epsilon=1e-3,
                                                         is_training=True)[0]
    if op == "dense":
        return lambda: tf.nn.bias_add(tf.matmul(t["x"], t["w"]), t["b"])
    if op == "softmax_cross_entropy":
        return lambda: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(t["labels"], t["x"]))
    raise Skip(f"TensorFlow has no benchmark for operator {op!r}")


SOURCES = {"conv2d": ("x", "w"), "conv2d_transpose": ("x", "w"), "depthwise_conv2d": ("x", "w"),
           "separable_conv2d": ("x", "w", "w2"), "max_pool": ("x",), "avg_pool": ("x",),
           "batch_norm": ("x", "gamma", "beta"), "dense": ("x", "w", "b"), "softmax_cross_entropy": ("x",)}


class Peer:
    def __init__(self, device):
        if device != "cpu":
            raise Unavailable("the TensorFlow peers run on the CPU (on a GPU the reference is PyTorch + cuDNN)")
        self.onednn = onednn_enabled()
        self.models = {}
        threads = int(os.environ.get("MINICNN_BENCH_THREADS", 0))
        if threads:  # `minicnn bench --threads N`; must precede TensorFlow's first op
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)

    def info(self):
        import keras

        return {"tensorflow": tf.__version__, "keras": keras.__version__, "onednn": self.onednn,
                "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads() or "default (all cores)",
                "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads() or "default (all cores)"}

    def sync(self):
        pass  # on the CPU a tf.function call returns once its outputs are computed

    def as_numpy(self, result):
        return [r.numpy() for r in (result if isinstance(result, (list, tuple)) else [result])]

    def build(self, case, variant):
        if case["kind"] == "model":
            return self.build_model(case)
        op, p = case["op"], case["params"]
        arrays = shapes.op_arrays(op, p)
        t = {k: tf.constant(v) for k, v in arrays.items()}
        f = _forward(op, p, t)
        if case["mode"] == "fwd":
            return tf.function(f), {}
        if self.onednn and op in ("conv2d", "conv2d_transpose") and t9_applies(op, p):
            raise Skip("oneDNN's float32 filter gradient corrupts memory on this stride (TF 2.21, trap T9)")
        sources = [t[n] for n in SOURCES[op]]
        dy = t.get("dy")

        @tf.function
        def forward_backward():
            with tf.GradientTape() as tape:
                tape.watch(sources)
                y = f()
            return [y, *tape.gradient(y, sources, output_gradients=dy)]  # y too: nothing pruned

        return forward_backward, {}

    def model(self, p):
        key = (p["builder"], tuple(sorted(p["kwargs"].items())))
        if key not in self.models:
            self.models.clear()
            tf.keras.utils.set_random_seed(0)
            self.models[key] = BUILDERS[p["builder"]](tf, input_shape=tuple(p["input_shape"]),
                                                      num_classes=p["classes"], **p["kwargs"])
        return self.models[key]

    def build_model(self, case):
        p = case["params"]
        model = self.model(p)
        x, y = (tf.constant(a) for a in shapes.model_arrays(p))
        facts = {"parameters": int(model.count_params())}
        if case["mode"] == "infer":
            return tf.function(lambda: model(x, training=False)), facts
        loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=p["from_logits"])
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        weights = model.trainable_variables
        optimizer.build(weights)

        @tf.function
        def train_step():
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
                if model.losses:
                    loss = loss + tf.add_n(model.losses)
            optimizer.apply_gradients(zip(tape.gradient(loss, weights), weights))
            return loss

        return (lambda: train_step().numpy()), facts

    def release(self):
        self.models.clear()
        tf.keras.backend.clear_session()


def start(device):
    return Peer(device)
