"""Transposed convolution: 5x5 -> 2x2 -> 5x5, and output_shape choosing 6x6.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.11.2
"转置卷积", cells In [None] (the imports) and In [55]-[58]: x = 1..25 as a 5x5 image, a fixed 3x3
kernel, tf.nn.conv2d at stride 2 'VALID' (5x5 -> 2x2), tf.nn.conv2d_transpose back to 5x5; a 6x6
input giving the same 2x2, and conv2d_transpose with output_shape [1,6,6,1] choosing 6x6.
Transcription: as printed; a cell's displayed last expression is passed to runtime.show(), and
one marked line of glue keeps the 5x5 example's tensors before In [57] reuses the names.

Run it (no data and no training: --quick changes nothing here):

    python examples/conv2d_transpose.py --quick
    python examples/conv2d_transpose.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [55]:
# 创建X矩阵，高宽为5x5
x = tf.range(25)+1
# Reshape为合法维度的张量
x = tf.reshape(x,[1,5,5,1])
x = tf.cast(x, tf.float32)
# 创建固定内容的卷积核矩阵
w = tf.constant([[-1,2,-3.],[4,-5,6],[-7,8,-9]])
# 调整为合法维度的张量
w = tf.expand_dims(w,axis=2)
w = tf.expand_dims(w,axis=3)
# 进行普通卷积运算
out = tf.nn.conv2d(x,w,strides=2,padding='VALID')
runtime.show(out.shape)

# In [56]:
xx = tf.nn.conv2d_transpose(out, w, strides=2, padding='VALID', output_shape=[1,5,5,1])
runtime.show(xx.shape)

# --- glue (not in the notebook): keep the 5x5 example's tensors before In [57] replaces them
x_5x5, out_5x5, xx_5x5 = x, out, xx

# In [57]:
x = tf.random.normal([1,6,6,1])
# 6x6的输入经过普通卷积
out = tf.nn.conv2d(x,w,strides=2,padding='VALID')
runtime.show(out.shape)

# In [58]:
xx = tf.nn.conv2d_transpose(out, w, strides=2, padding='VALID', output_shape=[1,6,6,1])
runtime.show(xx.shape)
