"""conv2d (im2col form) against tf.nn.conv2d on ResNet-style shapes, CPU float32, in one run.

    python benchmarks/conv2d_vs_tf.py [--batch 64] [--repeats 15] [--onednn]

Prints, per shape, the median time of the forward pass and of forward+backward (gradients with
respect to input and filters) for minicnn and TensorFlow (graph mode, tf.function), and the ratio
minicnn / TensorFlow. The two are timed in alternating rounds so that machine noise hits both.

TensorFlow runs with oneDNN off by default (its Eigen kernels, the canonical CPU path): TF 2.21's
oneDNN filter gradient corrupts memory when a VALID-like stride does not tile the input (trap T9
in the reference sheet). ``--onednn`` turns it on and then skips the backward of such shapes.
"""

import argparse
import sys

import numpy as np

from timing import add_common_arguments, alternate, import_tensorflow

SHAPES = [  # (name, input NHWC without batch, kernel, out channels, stride)
    ("3x3 32x32x16->16", (32, 32, 16), 3, 16, 1),
    ("3x3 16x16x32->32", (16, 16, 32), 3, 32, 1),
    ("3x3 8x8x64->64", (8, 8, 64), 3, 64, 1),
    ("1x1/2 32x32x16->32", (32, 32, 16), 1, 32, 2),
]


def t9_applies(size, kernel, stride):
    return (size - kernel) % stride != 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=64)
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    tf = import_tensorflow(args.onednn)

    import minicnn as mc
    from minicnn import functional as F

    rng = np.random.default_rng(0)
    print(f"batch {args.batch}, float32, TensorFlow {tf.__version__} (oneDNN {'on' if args.onednn else 'off'})")
    print(f"{'shape':<22}{'fwd mc':>9}{'fwd tf':>9}{'ratio':>7}   {'f+b mc':>9}{'f+b tf':>9}{'ratio':>7}")
    for name, (h, w, c), k, o, s in SHAPES:
        x = rng.standard_normal((args.batch, h, w, c)).astype(np.float32)
        f = (rng.standard_normal((k, k, c, o)) / np.sqrt(k * k * c)).astype(np.float32)
        dy = rng.standard_normal((args.batch, -(-h // s), -(-w // s), o)).astype(np.float32)
        xt, ft = mc.Tensor(x, requires_grad=True), mc.Tensor(f, requires_grad=True)

        def mc_forward():
            with mc.no_grad():
                F.conv2d(xt, ft, s, "SAME")

        def mc_both():
            mc.grad(F.conv2d(xt, ft, s, "SAME"), [xt, ft], output_gradient=dy)

        tx, tfilter, tdy = tf.constant(x), tf.constant(f), tf.constant(dy)
        tf_forward_graph = tf.function(lambda: tf.nn.conv2d(tx, tfilter, s, "SAME"))

        @tf.function
        def tf_both_graph():
            with tf.GradientTape() as tape:
                tape.watch([tx, tfilter])
                y = tf.nn.conv2d(tx, tfilter, s, "SAME")
            return tape.gradient(y, [tx, tfilter], output_gradients=tdy)

        fwd_mc, fwd_tf = alternate([mc_forward, lambda: tf_forward_graph().numpy()], args.repeats)
        line = f"{name:<22}{fwd_mc:9.2f}{fwd_tf:9.2f}{fwd_mc / fwd_tf:7.2f}   "
        if args.onednn and t9_applies(h, k, s):
            line += "   backward skipped: oneDNN corrupts memory here (T9)"
        else:
            both_mc, both_tf = alternate([mc_both, lambda: [g.numpy() for g in tf_both_graph()]], args.repeats)
            line += f"{both_mc:9.2f}{both_tf:9.2f}{both_mc / both_tf:7.2f}"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
