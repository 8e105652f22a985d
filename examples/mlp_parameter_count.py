"""The 784-256-256-256-10 fully connected network: 335,114 parameters.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.1
"全连接网络的问题", cells In [None] (the imports) and In [2]: the 4-layer 784-256-256-256-10 MLP,
built with model.build(input_shape=(4, 784)); its summary prints Total params: 335,114.
Transcription: as printed, nothing to fix.

Run it (no data and no training: --quick changes nothing here):

    python examples/mlp_parameter_count.py --quick
    python examples/mlp_parameter_count.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [2]:
# 创建4层全连接网络
model = keras.Sequential([
    layers.Dense(256, activation='relu'),
    layers.Dense(256, activation='relu'),
    layers.Dense(256, activation='relu'),
    layers.Dense(10),
])

# build模型，并打印模型信息
model.build(input_shape=(4, 784))
model.summary()
