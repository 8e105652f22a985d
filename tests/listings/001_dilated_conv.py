# Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.11.1
# "空洞卷积", cells In [None] (the imports) and In [53]: a 3x3 Conv2D with dilation_rate=2 takes a
# 7x7 input to 3x3.
# Transcription: as printed; the cell's displayed last expression is passed to harness.show().
import tensorflow as tf
from tensorflow import keras

# 加载TF模块
from tensorflow.keras import layers,Sequential,losses,optimizers,datasets
from tensorflow.keras.datasets import mnist
import harness  # the test harness (not in the notebook)

# In [53]:
# 模拟输入
x = tf.random.normal([1,7,7,1])
# 空洞卷积，1个3x3的卷积核
layer = layers.Conv2D(1,kernel_size=3,strides=1,dilation_rate=2)
out = layer(x)
harness.show(out.shape)
