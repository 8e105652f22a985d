"""The worked example of a 3x3 kernel on a 5x5 single-channel input: outputs 7 and 10.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10), section 10.2.1 "单通道输入和单卷积核"
(figures 10.12-10.16): a 3x3 kernel slides over a single-channel 5x5 input X. The text multiplies
X's first 3x3 receptive field by the kernel element by element (the Hadamard product it prints),
adds the nine products up to 7, and one step to the right gets 10.
Not a listing: the seed works this example by hand. Here it is in the tf.nn calls of section 10.3
(In [3]: tf.nn.conv2d on [b, h, w, c_in] inputs and [k, k, c_in, c_out] kernels) with the numbers
the text prints. The whole of X is only in figure 10.12 (an image): the text gives its first
receptive field; the fourth column of its first three rows, [2, 3, 1], is a reconstruction (any
column c with c·(2, 3, -2) = 11 gives the text's 10). x below is the part of X the first two
outputs see.

Run it (no data and no training: --quick changes nothing here):

    python examples/conv2d_single_channel.py --quick
    python examples/conv2d_single_channel.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf

# the first receptive field of X and the kernel, as the text prints them
window = tf.constant([[1, -1, 0], [-1, -2, 2], [1, 2, -2]], tf.float32)
kernel = tf.constant([[-1, 1, 2], [1, -1, 3], [0, -1, -2]], tf.float32)
# 哈达马积 (Hadamard product): [[-1, -1, 0], [-1, 2, 6], [0, -2, 4]]
product = window * kernel
runtime.show(product)
# −1−1+0−1+2+6+0−2+4 = 7
runtime.show(tf.reduce_sum(product))

# tf.nn.conv2d does both steps at every position: X's first three rows, one column more
x = tf.concat([window, tf.constant([[2.], [3.], [1.]])], axis=1)  # reconstructed column
x = tf.reshape(x, [1, 3, 4, 1])  # [b, h, w, c_in]
w = tf.reshape(kernel, [3, 3, 1, 1])  # [k, k, c_in, c_out]
out = tf.nn.conv2d(x, w, strides=1, padding='VALID')
# the first row of the output starts 7, 10
runtime.show(tf.squeeze(out))
