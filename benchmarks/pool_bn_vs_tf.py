"""Max pool 2x2/2, average pool 2x2/2 and training-mode batch norm against TensorFlow, in one run.

    python benchmarks/pool_bn_vs_tf.py [--shape 64 32 32 16] [--repeats 15] [--onednn]

Forward+backward (gradient of input, and of gamma/beta for BN), CPU float32, median times and
the ratio minicnn / TensorFlow (graph mode). TensorFlow runs with oneDNN off unless --onednn.
"""

import argparse
import sys

import numpy as np

from timing import add_common_arguments, alternate, import_tensorflow


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", type=int, nargs=4, default=[64, 32, 32, 16])
    add_common_arguments(parser)
    args = parser.parse_args(argv)
    tf = import_tensorflow(args.onednn)

    import minicnn as mc
    from minicnn import functional as F

    rng = np.random.default_rng(0)
    shape = tuple(args.shape)
    x = rng.standard_normal(shape).astype(np.float32)
    channels = shape[-1]
    gamma, beta = np.ones(channels, np.float32), np.zeros(channels, np.float32)
    xt, gt, bt = (mc.Tensor(a, requires_grad=True) for a in (x, gamma, beta))
    tx, tg, tb = tf.constant(x), tf.Variable(gamma), tf.Variable(beta)
    half = (shape[0], shape[1] // 2, shape[2] // 2, channels)
    dy_pool = rng.standard_normal(half).astype(np.float32)
    dy_full = rng.standard_normal(shape).astype(np.float32)

    def tf_grads(fn, dy, sources):
        @tf.function
        def run():
            with tf.GradientTape() as tape:
                tape.watch(tx)
                y = fn()
            return tape.gradient(y, sources, output_gradients=tf.constant(dy))
        return lambda: [g.numpy() for g in run()]

    def tf_batch_norm():  # TensorFlow's fused kernel (FusedBatchNormV3), its fastest training-mode BN
        return tf.compat.v1.nn.fused_batch_norm(tx, tg, tb, epsilon=1e-3, is_training=True)[0]

    cases = [
        ("max pool 2x2/2", lambda: mc.grad(F.max_pool2d(xt, 2, 2, "VALID"), [xt], output_gradient=dy_pool),
         tf_grads(lambda: tf.nn.max_pool2d(tx, 2, 2, "VALID"), dy_pool, [tx])),
        ("avg pool 2x2/2", lambda: mc.grad(F.avg_pool2d(xt, 2, 2, "VALID"), [xt], output_gradient=dy_pool),
         tf_grads(lambda: tf.nn.avg_pool2d(tx, 2, 2, "VALID"), dy_pool, [tx])),
        ("batch norm (train)",
         lambda: mc.grad(F.fused_batch_norm(xt, gt, bt, (0, 1, 2), 1e-3)[0], [xt, gt, bt], output_gradient=dy_full),
         tf_grads(tf_batch_norm, dy_full, [tx, tg, tb])),
    ]
    print(f"input {shape}, float32, forward+backward, TensorFlow {tf.__version__} "
          f"(oneDNN {'on' if args.onednn else 'off'})")
    print(f"{'op':<22}{'minicnn ms':>12}{'TF ms':>9}{'ratio':>7}")
    for name, ours, theirs in cases:
        mine, tf_time = alternate([ours, theirs], args.repeats)
        print(f"{name:<22}{mine:12.2f}{tf_time:9.2f}{mine / tf_time:7.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
