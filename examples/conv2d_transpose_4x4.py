"""Transposed convolution of a 4x4 input: [[-56, -61], [-76, -81]] and back to 4x4.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.11.2
"转置卷积实现", cells In [None] (the imports) and In [61]-[63]: x = 1..16 as a 4x4 image and the
fixed 3x3 kernel; tf.nn.conv2d 'VALID' gives [[-56,-61],[-76,-81]], tf.nn.conv2d_transpose back to
4x4 gives the printed 4x4 matrix; a layers.Conv2DTranspose(1, 3, 'VALID') applied to the 2x2 result.
Transcription: as printed; a cell's displayed last expression is passed to runtime.show().

Run it (no data and no training: --quick changes nothing here):

    python examples/conv2d_transpose_4x4.py --quick
    python examples/conv2d_transpose_4x4.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [61]:
# 创建4x4大小的输入
x = tf.range(16)+1
x = tf.reshape(x,[1,4,4,1])
x = tf.cast(x, tf.float32)
# 创建3x3卷积核
w = tf.constant([[-1,2,-3.],[4,-5,6],[-7,8,-9]])
w = tf.expand_dims(w,axis=2)
w = tf.expand_dims(w,axis=3)
# 普通卷积运算
out = tf.nn.conv2d(x,w,strides=1,padding='VALID')
runtime.show(out)

# In [62]:
xx = tf.nn.conv2d_transpose(out, w, strides=1, padding='VALID', output_shape=[1,4,4,1])
runtime.show(tf.squeeze(xx))

# In [63]:
# 创建转置卷积类
layer = layers.Conv2DTranspose(1,kernel_size=3,strides=1,padding='VALID')
# 通过转置卷积层
xx2 = layer(out)
runtime.show(xx2)
