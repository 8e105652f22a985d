"""Max pool, average pool and training-mode batch norm against TensorFlow (oneDNN on and off) and
PyTorch: `minicnn bench ops --filter ops/max_pool/,ops/avg_pool/,ops/batch_norm/`.

    python benchmarks/pool_bn_vs_tf.py [--quick] [--repeats N] [--out DIR] [other `minicnn bench` options]

A thin wrapper over the harness (minicnn/bench); ``--onednn`` is accepted and ignored (both
TensorFlow configurations are always measured).
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # this checkout's minicnn

from minicnn.bench import main  # noqa: E402

if __name__ == "__main__":
    argv = [a for a in sys.argv[1:] if a != "--onednn"]
    cases = "ops/max_pool/,ops/avg_pool/,ops/batch_norm/"
    sys.exit(main(["ops", "--filter", cases, *argv], prog="benchmarks/pool_bn_vs_tf.py"))
