"""conv2d against tf.nn.conv2d (oneDNN on and off) and PyTorch: `minicnn bench ops --filter ops/conv2d/`.

    python benchmarks/conv2d_vs_tf.py [--quick] [--repeats N] [--out DIR] [other `minicnn bench` options]

A thin wrapper kept for the habit: the harness (minicnn/bench) times every conv2d form (im2col,
sparse and naive where they fit) on the shapes of LeNet-5, VGG, ResNet-20/56 and DenseNet-BC,
forward and forward+backward, each system in its own process, and writes bench.json, bench.md
and ops.png. Both TensorFlow configurations are always measured, so ``--onednn`` is accepted and
ignored.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # this checkout's minicnn

from minicnn.bench import main  # noqa: E402

if __name__ == "__main__":
    argv = [a for a in sys.argv[1:] if a != "--onednn"]
    sys.exit(main(["ops", "--filter", "ops/conv2d/", *argv], prog="benchmarks/conv2d_vs_tf.py"))
