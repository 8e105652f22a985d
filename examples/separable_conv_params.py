"""Depthwise separable convolution: 39 parameters where a 3x3 convolution has 108.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10), section 10.11.3 "分离卷积"
(figures 10.60, 10.61): a 3x3 convolution from 3 channels to 4 has 3x3x3x4 = 108 parameters; the
depthwise separable one has 3x3x3x1 = 27 (one 3x3 kernel per input channel) plus 1x1x3x4 = 12 (four
1x1 kernels over the 3 intermediate channels), 39 in all, for the same change of shape.
Not a listing: the seed gives the counts in its text. Here they are counted with the Keras layers
(without biases, as the text counts), and the separable convolution's two steps are written out with
tf.nn. The figures' input size is not given; 5x5 is used, as in section 10.2.

Run it (no data and no training: --quick changes nothing here):

    python examples/separable_conv_params.py --quick
    python examples/separable_conv_params.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras import layers

x = tf.random.normal([1, 5, 5, 3])
# 普通卷积 (ordinary convolution) and 分离卷积 (separable convolution), 4 output channels each
conv = layers.Conv2D(4, kernel_size=3, use_bias=False)
separable = layers.SeparableConv2D(4, kernel_size=3, use_bias=False)
out_conv, out_separable = conv(x), separable(x)
print('output shapes:', out_conv.shape, out_separable.shape)
# 108 and 39
print('parameters:', conv.count_params(), separable.count_params())
print('kernels:', conv.kernel.shape, separable.depthwise_kernel.shape, separable.pointwise_kernel.shape)

# the two steps: each input channel with its own 3x3 kernel, then 1x1 kernels across the channels
middle = tf.nn.depthwise_conv2d(x, separable.depthwise_kernel, strides=[1, 1, 1, 1], padding='VALID')
out = tf.nn.conv2d(middle, separable.pointwise_kernel, strides=1, padding='VALID')
print('intermediate shape:', middle.shape)
print('largest difference from the layer:', float(tf.reduce_max(tf.abs(out - out_separable))))
