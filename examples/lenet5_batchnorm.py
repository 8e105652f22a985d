"""LeNet-5 with BatchNormalization: a training-mode step and a test-mode pass on MNIST.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.8.3
"BN层实现", its four code blocks after the imports of In [None]: a BatchNormalization layer, LeNet-5
with BN after each convolution, the forward pass of a training step with training=True and the
test loop with training=False.
The blocks are fragments of the In [26]/[27] loops: they use a batch `x` and a dataset `db_test`
that the notebook never defines (In [26] calls it dbtest). The glue between the blocks
(marked) supplies them the way In [26] builds its data, from runtime.mnist.load_data().
Transcription: as printed, nothing to fix.

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/lenet5_batchnorm.py --quick
        seconds: 96 generated 28x28 digits
    python examples/lenet5_batchnorm.py --data-dir ../shared/data/mnist
        MNIST (its four IDX .gz files); one training batch, then the test set
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# 创建BN层
# BN层的训练阶段和测试阶段的行为不同，需要通过设置training标志位来区分训练模式还是测试模式
layer=layers.BatchNormalization()

network = Sequential([
    layers.Conv2D(6,kernel_size=3,strides=1),
    # 插入BN层
    layers.BatchNormalization(),
    layers.MaxPooling2D(pool_size=2,strides=2),
    layers.ReLU(),
    layers.Conv2D(16,kernel_size=3,strides=1),
    # 插入BN层
    layers.BatchNormalization(),
    layers.MaxPooling2D(pool_size=2,strides=2),
    layers.ReLU(),
    layers.Flatten(),
    layers.Dense(120, activation='relu'),
    # 此处也可以插入BN层
    layers.Dense(84, activation='relu'),
    # 此处也可以插入BN层
    layers.Dense(10)
])

# --- glue (not in the notebook): a training batch x and the test set db_test, as In [26]
(xs, ys), (xt, yt) = runtime.mnist.load_data()
x = tf.convert_to_tensor(xs[:32], dtype=tf.float32) / 255.
db_test = tf.data.Dataset.from_tensor_slices((tf.convert_to_tensor(xt, dtype=tf.float32) / 255., yt)).batch(32)

with tf.GradientTape() as tape:
    # 插入通道维度
    x = tf.expand_dims(x,axis=3)
    # 前向计算，设置计算模式，[b, 784] => [b, 10]
    out = network(x, training=True)

# --- glue (not in the notebook): keep the training step's input and output (tests/test_listings.py reads them)
x_train_step, out_train_step = x, out

for x,y in db_test: # 遍历测试集
    # 插入通道维度
    x = tf.expand_dims(x,axis=3)
    # 前向计算，测试模式
    out = network(x, training=False)
