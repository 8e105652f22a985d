"""minicnn's side: ``minicnn.functional`` for the operators, ``minicnn.models`` for the networks.

Forward runs under ``mc.no_grad()`` (no graph, scratch memory handed back at once) and returns y.
Forward+backward builds the graph and returns ``[y, *mc.grad(y, inputs, output_gradient=dy)]``:
the output and the gradients of the scalar loss ``sum(y * dy)`` (``dy`` seeded, the same in
every system; softmax cross-entropy is already the batch-mean scalar). A training step is the
custom loop of the design: loss plus weight penalties, ``mc.grad``, SGD with momentum 0.9. On
``device="gpu"`` the arrays live on CuPy and ``sync`` waits for the stream.
"""

import numpy as np

import minicnn as mc
from minicnn import functional as F
from minicnn.backend import to_device

from .. import shapes
from . import Skip


def _forward(op, p, variant, arrays):
    """(names of the differentiable inputs, f(*tensors) -> output) for one operator case."""
    s, padding = p.get("stride", 1), p.get("padding", "VALID")
    if op == "conv2d":
        return ("x", "w"), lambda x, w: F.conv2d(x, w, s, padding, method=variant or "im2col")
    if op == "conv2d_transpose":
        out = (p["batch"], p["hw"][0] * s, p["hw"][1] * s, p["cout"])
        return ("x", "w"), lambda x, w: F.conv2d_transpose(x, w, out, s, padding)
    if op == "depthwise_conv2d":
        return ("x", "w"), lambda x, w: F.depthwise_conv2d(x, w, s, padding)
    if op == "separable_conv2d":
        return ("x", "w", "w2"), lambda x, w, w2: F.separable_conv2d(x, w, w2, s, padding)
    if op == "max_pool":
        return ("x",), lambda x: F.max_pool2d(x, p["size"], s, padding)
    if op == "avg_pool":
        return ("x",), lambda x: F.avg_pool2d(x, p["size"], s, padding)
    if op == "batch_norm":
        return ("x", "gamma", "beta"), lambda x, g, b: F.fused_batch_norm(x, g, b, (0, 1, 2), 1e-3)[0]
    if op == "dense":
        return ("x", "w", "b"), lambda x, w, b: F.bias_add(F.matmul(x, w), b)
    if op == "softmax_cross_entropy":
        labels = arrays["labels"]
        return ("x",), lambda x: F.reduce_mean(F.sparse_softmax_cross_entropy_with_logits(labels, x))
    raise Skip(f"minicnn has no benchmark for operator {op!r}")


class Peer:
    def __init__(self, device):
        self.device = device
        mc.set_device(device)  # RuntimeError naming what is missing when a GPU is asked for
        self.models = {}

    def info(self):
        import scipy

        facts = {"minicnn": mc.__version__, "numpy": np.__version__, "scipy": scipy.__version__, "device": self.device}
        if self.device == "gpu":
            import cupy

            facts["cupy"] = cupy.__version__
        return facts

    def sync(self):
        if self.device == "gpu":
            import cupy

            cupy.cuda.get_current_stream().synchronize()

    def as_numpy(self, result):
        """An output Tensor or a list of gradients -> a list of NumPy arrays."""
        return [mc.to_numpy(r) for r in (result if isinstance(result, (list, tuple)) else [result])]

    def to_device(self, array):
        return to_device(array, self.device)

    def build(self, case, variant):
        if case["kind"] == "model":
            return self.build_model(case)
        p = case["params"]
        arrays = {k: self.to_device(v) for k, v in shapes.op_arrays(case["op"], p).items()}
        names, f = _forward(case["op"], p, variant, arrays)
        if case["mode"] == "fwd":
            inputs = [mc.Tensor(arrays[n]) for n in names]

            def forward():
                with mc.no_grad():
                    return f(*inputs)

            return forward, {}
        inputs = [mc.Tensor(arrays[n], requires_grad=True) for n in names]
        dy = arrays.get("dy")

        def forward_backward():
            y = f(*inputs)
            return [y, *mc.grad(y, inputs, output_gradient=dy)]

        return forward_backward, {}

    def model(self, p):
        """The network of ``p`` (kept while cases of the same network follow)."""
        key = (p["builder"], tuple(sorted(p["kwargs"].items())))
        if key not in self.models:
            self.models.clear()
            mc.set_seed(0)
            builder = getattr(mc.models, p["builder"])
            self.models[key] = builder(input_shape=tuple(p["input_shape"]), num_classes=p["classes"], **p["kwargs"])
        return self.models[key]

    def build_model(self, case):
        p = case["params"]
        model = self.model(p)
        x, y = (self.to_device(a) for a in shapes.model_arrays(p))
        facts = {"parameters": model.count_params()}
        if case["mode"] == "infer":
            def infer():
                with mc.no_grad():
                    return model(x, training=False)

            return infer, facts
        loss_fn = mc.losses.SparseCategoricalCrossentropy(from_logits=p["from_logits"])
        optimizer = mc.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        weights = model.trainable_weights

        def train_step():
            loss = loss_fn(y, model(x, training=True))
            for penalty in model.losses:  # the weight regularizers, as Keras adds them
                loss = loss + penalty
            optimizer.apply_gradients(zip(mc.grad(loss, weights), weights))
            return loss

        return train_step, facts

    def release(self):
        self.models.clear()


def start(device):
    return Peer(device)
