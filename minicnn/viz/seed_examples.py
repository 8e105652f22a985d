"""The numbers of the source material's worked convolution examples, as the pictures draw them.

Line numbers refer to shared/seeds/001_0dc837b8b3f160e0.txt (chapter 10 of a TensorFlow 2 textbook).

- Section 10.2.1 (lines 120-141, figures 10.12-10.16): a 5x5 input X and a 3x3 kernel, stride 1, no
  padding. The text prints the first window, the kernel and their Hadamard product (line 125), which
  sums to 7 (line 127); one step to the right gives 10 (line 129). The rest of X is only in the
  figure, an image: ``STEPS_INPUT`` keeps the printed window, takes a fourth column (2, 3, 1) that
  reproduces the printed 10 (the known part of that window gives -1, and 2·2 + 3·3 + 1·(-2) = 11),
  and fills the cells the text never shows with small integers (``SHOWN`` marks which cells are
  printed). tests/test_conv_examples.py uses the same input (its ``seed_5x5(0)``).
- Section 10.11.2 (lines 1055-1087): the 4x4 input 1..16 with the kernel [[-1, 2, -3], [4, -5, 6],
  [-7, 8, -9]], stride 1, VALID: output [[-56, -61], [-76, -81]] (line 1069), and its transposed
  convolution back to 4x4 (line 1082). Lines 1032-1046 (figures 10.57 and 10.58) draw the same
  geometry as the sparse matrix W' (4 x 16) with O' = W' @ X' and the transposed convolution W'^T.
"""

import numpy as np

STEPS_WINDOW = [[1, -1, 0], [-1, -2, 2], [1, 2, -2]]       # line 125: the first receptive field
STEPS_KERNEL = [[-1, 1, 2], [1, -1, 3], [0, -1, -2]]       # line 125: the kernel
STEPS_PRINTED = {(0, 0): 7, (0, 1): 10}                    # lines 127 and 129: the outputs the text prints
STEPS_INPUT = [[1, -1, 0, 2, -1],
               [-1, -2, 2, 3, 2],
               [1, 2, -2, 1, 3],
               [2, 1, 0, 0, 3],
               [-2, 2, 1, -3, -1]]
SHOWN = np.zeros((5, 5), dtype=bool)
SHOWN[:3, :3] = True                                       # the printed window; everything else is reconstructed

SEED_4X4 = np.arange(1, 17).reshape(4, 4)                  # line 1057: x = tf.range(16)+1 as 4x4
SEED_KERNEL = [[-1, 2, -3], [4, -5, 6], [-7, 8, -9]]       # lines 979 and 1061
SEED_4X4_OUTPUT = [[-56, -61], [-76, -81]]                 # line 1069
SEED_4X4_TRANSPOSED = [[56, -51, 46, 183], [-148, -35, 35, -123], [88, 35, -35, 63], [532, -41, 36, 729]]  # line 1082


def alternating_kernel(kh, kw):
    """The kernel -1, 2, -3, 4, ... row by row (for 3x3 it is the source material's ``SEED_KERNEL``)."""
    n = np.arange(1, kh * kw + 1)
    return ((-1) ** n * n).reshape(kh, kw).astype(np.float64)
