"""The worked example of one 3x3x3 kernel on a 3-channel input: outputs -5 and 50.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10), section 10.2.2 "多通道输入和单卷积核"
(figures 10.17-10.20): one 3x3x3 kernel over a 3-channel input. Channel i of the kernel meets
channel i of X; at the first position the three channels give 7, -11 and -1, which add up to the
output -5; one step to the right they give 10, 20 and 20, output 50.
Not a listing: the seed works this example by hand. Here it is in tf.nn (section 10.3's
tf.nn.conv2d) with the numbers the text prints. Channel 1 is section 10.2.1's example (see
conv2d_single_channel.py, whose fourth column it shares). Channels 2 and 3 of X and of the kernel
are only in figure 10.17 (an image): the values below are a reconstruction that gives the text's
intermediate values. Each x is the part of its channel the first two outputs see.

Run it (no data and no training: --quick changes nothing here):

    python examples/conv2d_three_channels.py --quick
    python examples/conv2d_three_channels.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf

# X's three channels (first three rows, four columns) and the kernel's three channels
x1 = tf.constant([[1, -1, 0, 2], [-1, -2, 2, 3], [1, 2, -2, 1]], tf.float32)
x2 = tf.constant([[-2, 1, 0, -2], [2, 3, -2, 2], [0, -1, 0, 1]], tf.float32)  # reconstructed
x3 = tf.constant([[0, 1, -2, -2], [0, 0, -1, 1], [0, -2, -1, 0]], tf.float32)  # reconstructed
w1 = tf.constant([[-1, 1, 2], [1, -1, 3], [0, -1, -2]], tf.float32)
w2 = tf.constant([[3, -1, -3], [2, -3, -2], [0, 3, 3]], tf.float32)  # reconstructed
w3 = tf.constant([[3, -1, -3], [-3, -2, 2], [-3, 1, 2]], tf.float32)  # reconstructed
x = tf.expand_dims(tf.stack([x1, x2, x3], axis=2), axis=0)  # [1, 3, 4, 3]: [b, h, w, c_in]
w = tf.expand_dims(tf.stack([w1, w2, w3], axis=2), axis=3)  # [3, 3, 3, 1]: [k, k, c_in, c_out]

# each channel on its own: [7, 10], [-11, 20], [-1, 20]
per_channel = [tf.nn.conv2d(x[:, :, :, c:c + 1], w[:, :, c:c + 1, :], strides=1, padding='VALID')
               for c in range(3)]
for c, out_c in enumerate(per_channel):
    print('channel', c + 1, tf.squeeze(out_c).numpy())
# all channels at once: their outputs added, [-5, 50]
out = tf.nn.conv2d(x, w, strides=1, padding='VALID')
print('output', tf.squeeze(out).numpy())
