"""PyTorch's side (CPU, or CUDA with cuDNN for the GPU hook): ``torch.nn.functional`` and nn.Modules.

PyTorch works in NCHW: the NHWC inputs and HWIO filters are transposed once, before timing, so
each system computes on its own natural layout. TensorFlow's SAME padding is reproduced exactly
(an explicit pad where it is one-sided), so every system computes the same numbers. Forward
runs under ``torch.inference_mode()``; forward+backward returns the output and
``torch.autograd.grad`` against ``dy``, as the other peers do; a training step is cross-entropy
(plus ResNet's l2 penalty), backward, SGD(0.1, 0.9).
"""

import os

import numpy as np
import torch
import torch.nn.functional as F

from .. import shapes
from . import Skip, Unavailable
from .torch_models import BUILDERS, keras_count


def padding_of(p):
    """TensorFlow's padding of ``p`` as (symmetric (h, w) for the conv, asymmetric F.pad tuple or None)."""
    (top, bottom), (left, right) = (shapes.pads(n, p["k"], p["stride"], p["padding"]) for n in p["hw"])
    if top == bottom and left == right:
        return (top, left), None
    return (0, 0), (left, right, top, bottom)


def conv(x, w, p, groups=1):
    """F.conv2d with TensorFlow's padding (an explicit F.pad where SAME pads one side more, as
    PyTorch users write TF's SAME; the copy is part of PyTorch's cost)."""
    padding, extra = padding_of(p)
    if extra is not None:
        x = F.pad(x, extra)
    return F.conv2d(x, w, stride=p["stride"], padding=padding, groups=groups)


def conv_transpose(x, w, p):
    """The adjoint of the conv from the s-times larger output: a full transposed conv, cropped by the
    pads TensorFlow's conv would add."""
    s, k = p["stride"], p["k"]
    out_hw = tuple(n * s for n in p["hw"])
    (top, _), (left, _) = (shapes.pads(n, k, s, p["padding"]) for n in out_hw)
    full = F.conv_transpose2d(x, w, stride=s)
    return full[:, :, top:top + out_hw[0], left:left + out_hw[1]]


def _forward(op, p, t):
    s = p.get("stride", 1)
    if op == "conv2d":
        return lambda: conv(t["x"], t["w"], p)
    if op == "conv2d_transpose":
        return lambda: conv_transpose(t["x"], t["w"], p)
    if op == "depthwise_conv2d":
        return lambda: conv(t["x"], t["w"], p, groups=p["cin"])
    if op == "separable_conv2d":
        return lambda: F.conv2d(conv(t["x"], t["w"], p, groups=p["cin"]), t["w2"])
    if op == "max_pool":
        return lambda: F.max_pool2d(t["x"], p["size"], s)
    if op == "avg_pool":
        return lambda: F.avg_pool2d(t["x"], p["size"], s)
    if op == "batch_norm":
        return lambda: F.batch_norm(t["x"], None, None, t["gamma"], t["beta"], training=True, eps=1e-3)
    if op == "dense":
        return lambda: F.linear(t["x"], t["w"], t["b"])
    if op == "softmax_cross_entropy":
        return lambda: F.cross_entropy(t["x"], t["labels"])
    raise Skip(f"PyTorch has no benchmark for operator {op!r}")


SOURCES = {"conv2d": ("x", "w"), "conv2d_transpose": ("x", "w"), "depthwise_conv2d": ("x", "w"),
           "separable_conv2d": ("x", "w", "w2"), "max_pool": ("x",), "avg_pool": ("x",),
           "batch_norm": ("x", "gamma", "beta"), "dense": ("x", "w", "b"), "softmax_cross_entropy": ("x",)}


def to_torch_layout(op, arrays):
    """NHWC -> NCHW for activations, HWIO -> OIHW for filters (depthwise: (C·M, 1, kh, kw))."""
    out = dict(arrays)
    for k in ("x", "dy"):
        if k in out and out[k].ndim == 4:
            out[k] = out[k].transpose(0, 3, 1, 2)
    if op in ("conv2d", "conv2d_transpose"):  # [k, k, in, out] -> (out, in, k, k); transposed conv's alike
        out["w"] = out["w"].transpose(3, 2, 0, 1)
    elif op in ("depthwise_conv2d", "separable_conv2d"):
        kh, kw, c, m = out["w"].shape
        out["w"] = out["w"].reshape(kh, kw, c * m).transpose(2, 0, 1)[:, None]
        if "w2" in out:
            out["w2"] = out["w2"].transpose(3, 2, 0, 1)
    elif op == "dense":
        out["w"] = out["w"].T
    return {k: np.ascontiguousarray(v) for k, v in out.items()}


class Peer:
    def __init__(self, device):
        if device == "gpu" and not torch.cuda.is_available():
            raise Unavailable("PyTorch sees no CUDA device")
        self.device = torch.device("cuda" if device == "gpu" else "cpu")
        self.models = {}
        threads = int(os.environ.get("MINICNN_BENCH_THREADS", 0))
        if threads:  # `minicnn bench --threads N`
            torch.set_num_threads(threads)
            torch.set_num_interop_threads(threads)

    def info(self):
        facts = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                 "interop_threads": torch.get_num_interop_threads(), "mkldnn": torch.backends.mkldnn.is_available()}
        if self.device.type == "cuda":
            facts.update(cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(),
                         gpu=torch.cuda.get_device_name(self.device))
        return facts

    def sync(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)

    def as_numpy(self, result):
        return [r.detach().cpu().numpy() for r in (result if isinstance(result, (list, tuple)) else [result])]

    def tensor(self, array, grad=False):
        return torch.from_numpy(array).to(self.device).requires_grad_(grad)

    def build(self, case, variant):
        if case["kind"] == "model":
            return self.build_model(case)
        op, p = case["op"], case["params"]
        arrays = to_torch_layout(op, shapes.op_arrays(op, p))
        backward = case["mode"] == "fwd+bwd"
        t = {k: self.tensor(v, grad=backward and k in SOURCES[op]) for k, v in arrays.items()}
        f = _forward(op, p, t)
        if not backward:
            def forward():
                with torch.inference_mode():
                    return f()

            return forward, {}
        sources, dy = [t[n] for n in SOURCES[op]], t.get("dy")

        def forward_backward():
            y = f()
            return [y, *torch.autograd.grad(y, sources, grad_outputs=dy)]

        return forward_backward, {}

    def model(self, p):
        key = (p["builder"], tuple(sorted(p["kwargs"].items())))
        if key not in self.models:
            self.models.clear()
            torch.manual_seed(0)
            model = BUILDERS[p["builder"]](input_shape=tuple(p["input_shape"]), num_classes=p["classes"], **p["kwargs"])
            self.models[key] = model.to(self.device)
        return self.models[key]

    def build_model(self, case):
        p = case["params"]
        model = self.model(p)
        x, y = shapes.model_arrays(p)
        x, y = self.tensor(np.ascontiguousarray(x.transpose(0, 3, 1, 2))), self.tensor(y)
        facts = {"parameters": keras_count(model)}
        if case["mode"] == "infer":
            def infer():
                model.eval()
                with torch.inference_mode():
                    return model(x)

            return infer, facts
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        penalty = getattr(model, "penalty", None)

        def train_step():
            model.train()
            optimizer.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            if penalty is not None:
                loss = loss + penalty()
            loss.backward()
            optimizer.step()
            return loss

        return train_step, facts

    def release(self):
        self.models.clear()


def start(device):
    return Peer(device)
