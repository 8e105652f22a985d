"""A dilated 3x3 convolution (dilation_rate=2): 7x7 -> 3x3.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.11.1
"空洞卷积", cells In [None] (the imports) and In [53]: a 3x3 Conv2D with dilation_rate=2 takes a
7x7 input to 3x3.
Transcription: as printed; the cell's displayed last expression is passed to runtime.show().

Run it (no data and no training: --quick changes nothing here):

    python examples/dilated_conv.py --quick
    python examples/dilated_conv.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [53]:
# 模拟输入
x = tf.random.normal([1,7,7,1])
# 空洞卷积，1个3x3的卷积核
layer = layers.Conv2D(1,kernel_size=3,strides=1,dilation_rate=2)
out = layer(x)
runtime.show(out.shape)
