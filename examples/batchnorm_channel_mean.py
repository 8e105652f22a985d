"""BatchNormalization's per-channel batch mean, by tf.reshape and tf.reduce_mean.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.8.2
"反向更新", cells In [None] (the imports) and In [31]: BatchNorm's per-channel batch mean of a
[100, 32, 32, 3] input, computed with tf.reshape to [-1, 3] and tf.reduce_mean over axis 0.
Transcription: as printed; the cell's displayed last expression is passed to runtime.show().

Run it (no data and no training: --quick changes nothing here):

    python examples/batchnorm_channel_mean.py --quick
    python examples/batchnorm_channel_mean.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [31]:
# 构造输入
x=tf.random.normal([100,32,32,3])
# 将其他维度合并，仅保留通道维度
x=tf.reshape(x,[-1,3])
# 计算其他维度的均值
ub=tf.reduce_mean(x,axis=0)
runtime.show((x.shape, ub))
