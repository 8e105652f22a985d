# Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.1
# "全连接网络的问题", cells In [None] (the imports) and In [2]: the 4-layer 784-256-256-256-10 MLP,
# built with model.build(input_shape=(4, 784)); its summary prints Total params: 335,114.
# Transcription: as printed, nothing to fix.
import tensorflow as tf
from tensorflow import keras

# 加载TF模块
from tensorflow.keras import layers,Sequential,losses,optimizers,datasets
from tensorflow.keras.datasets import mnist
import harness  # the test harness (not in the notebook)

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
