"""tf.nn.conv2d with padding lists and strides, and layers.Conv2D with its variables.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.3
"卷积层实现", cells In [None] (the imports) and In [3]-[12]: tf.nn.conv2d with explicit padding
lists, 'SAME' at strides 1 and 3 (5x5 -> 2x2), a bias added by hand; layers.Conv2D with square and
(3,4)/(2,1) kernels and strides, its forward pass, trainable_variables, kernel name and shape.
Transcription: as printed; a cell's displayed last expression is passed to runtime.show().

Run it (no data and no training: --quick changes nothing here):

    python examples/conv2d_basics.py --quick
    python examples/conv2d_basics.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [3]:
# 模拟输入，3通道，高宽为5
x = tf.random.normal([2,5,5,3])
# 需要根据[k,k,cin,cout]格式创建W张量
w = tf.random.normal([3,3,3,4])
# 步长为1, padding为0,
out = tf.nn.conv2d(x,w,strides=1,padding=[[0,0],[0,0],[0,0],[0,0]])
runtime.show(out.shape)

# In [4]:
# 模拟输入，3通道，高宽为5
x = tf.random.normal([2,5,5,3])
# 需要根据[k,k,cin,cout]格式创建W张量
w = tf.random.normal([3,3,3,4])
out = tf.nn.conv2d(x,w,strides=1,padding=[[0,0],[1,1],[1,1],[0,0]])
runtime.show(out.shape)

# In [5]:
# 模拟输入，3通道，高宽为5
x = tf.random.normal([2,5,5,3])
# 需要根据[k,k,cin,cout]格式创建W张量
w = tf.random.normal([3,3,3,4])
out = tf.nn.conv2d(x,w,strides=1,padding='SAME')
runtime.show(out.shape)

# In [6]:
# 模拟输入，3通道，高宽为5
x = tf.random.normal([2,5,5,3])
# 需要根据[k,k,cin,cout]格式创建W张量
w = tf.random.normal([3,3,3,4])
# 高宽先padding成可以整除3的最小整数6，然后6按3倍减少，得到2x2
out = tf.nn.conv2d(x,w,strides=3,padding='SAME')
runtime.show(out.shape)

# In [7]:
# 根据[cout]格式创建偏置向量
b = tf.zeros([4])
# 在卷积输出上叠加偏置向量，它会自动broadcasting为[b,h',w',cout]
out = out + b

# In [8]:
layer = layers.Conv2D(4,kernel_size=3,strides=1,padding='SAME')

# In [9]:
layer = layers.Conv2D(4,kernel_size=(3,4),strides=(2,1),padding='SAME')

# In [10]:
layer = layers.Conv2D(4,kernel_size=3,strides=1,padding='SAME')
out = layer(x)
runtime.show(out.shape)

# In [11]:
for v in layer.trainable_variables:
    print(v.name, v.shape, v.dtype)

# In [12]:
runtime.show((layer.kernel.name, layer.kernel.shape))
