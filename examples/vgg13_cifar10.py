"""VGG13 on CIFAR-10, trained by a GradientTape loop with Adam.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.10
"CIFAR10与VGG13实战", cells In [None] (the imports), In [42], [43], [47], [48], [49] and the training
cell In [None]: CIFAR-10 through tf.data (shuffle, map, batch), VGG13 as a convolutional Sequential
(5 Conv-Conv-MaxPool units) plus a 256-128-10 dense Sequential, summaries (fc_net: 165,514), and a
GradientTape loop with Adam over both sub-networks' variables, tested each epoch.
Transcription: as printed. The training cell's optimizers.Adam(lr=1e-4) is tf.keras 2 code that
Keras 3 (TensorFlow 2.16+) rejects ("Argument(s) not recognized"): the test hands TensorFlow
Adam(learning_rate=1e-4) (KERAS3_PATCHES in tests/test_listings.py); minicnn runs it as printed.
Runtime (examples/runtime.py): datasets.cifar10.load_data() -> runtime.cifar10.load_data(), range(50)
epochs -> range(runtime.epochs(50)), "if step %100 == 0" -> "if step % runtime.every(100) == 0".

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/vgg13_cifar10.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/vgg13_cifar10.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        50 epochs as printed (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [42]:
def preprocess(x, y):
    # [0~1]
    x = 2*tf.cast(x, dtype=tf.float32) / 255.-1
    y = tf.cast(y, dtype=tf.int32)
    return x,y

(x,y), (x_test,y_test) = runtime.cifar10.load_data()  # notebook: datasets.cifar10.load_data()
# 删除y的一个维度，[b,1] => [b]
y = tf.squeeze(y, axis=1)
y_test = tf.squeeze(y_test, axis=1)

print(x.shape, y.shape, x_test.shape, y_test.shape)

# 构建训练集对象，随机打乱，预处理，批量化
train_db = tf.data.Dataset.from_tensor_slices((x,y))
train_db = train_db.shuffle(1000).map(preprocess).batch(128)
# 构建测试集对象，预处理，批量化
test_db = tf.data.Dataset.from_tensor_slices((x_test,y_test))
test_db = test_db.map(preprocess).batch(64)
# 从训练集中采样一个Batch，并观察
sample = next(iter(train_db))
print('sample:', sample[0].shape, sample[1].shape, tf.reduce_min(sample[0]), tf.reduce_max(sample[0]))

# In [43]:
conv_layers = [ # 先创建包含多网络层的列表
    # unit 1: 64个3x3卷积核, 输入输出同大小
    layers.Conv2D(64, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.Conv2D(64, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.MaxPool2D(pool_size=[2, 2], strides=2, padding='same'),
    # unit 2: 输出通道提升至128，高宽大小减半
    layers.Conv2D(128, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.Conv2D(128, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.MaxPool2D(pool_size=[2, 2], strides=2, padding='same'),
    # unit 3: 输出通道提升至256，高宽大小减半
    layers.Conv2D(256, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.Conv2D(256, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.MaxPool2D(pool_size=[2, 2], strides=2, padding='same'),
    # unit 4: 输出通道提升至512，高宽大小减半
    layers.Conv2D(512, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.Conv2D(512, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.MaxPool2D(pool_size=[2, 2], strides=2, padding='same'),
    # unit 5: 输出通道提升至512，高宽大小减半
    layers.Conv2D(512, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.Conv2D(512, kernel_size=[3, 3], padding="same", activation=tf.nn.relu),
    layers.MaxPool2D(pool_size=[2, 2], strides=2, padding='same')
]

# 利用前面创建的层列表构建网络容器
conv_net = Sequential(conv_layers)

# In [47]:
# 创建3层全连接层子网络
fc_net = Sequential([
    layers.Dense(256, activation=tf.nn.relu),
    layers.Dense(128, activation=tf.nn.relu),
    layers.Dense(10, activation=None),
])

# 子网络创建完成后，通过如下代码查看网络的参数量
conv_net.build(input_shape=[None, 32, 32, 3])
fc_net.build(input_shape=[None, 512])
conv_net.summary()

# In [48]:
fc_net.summary()

# In [49]:
# [1, 2] + [3, 4] => [1, 2, 3, 4]
variables = conv_net.trainable_variables + fc_net.trainable_variables

# In [None]:
optimizer = optimizers.Adam(lr=1e-4)

for epoch in range(runtime.epochs(50)):  # notebook: range(50)
    for step, (x,y) in enumerate(train_db):
        with tf.GradientTape() as tape:
            # [b, 32, 32, 3] => [b, 1, 1, 512]
            out = conv_net(x)
            # flatten, => [b, 512]
            out = tf.reshape(out, [-1, 512])
            # [b, 512] => [b, 10]
            logits = fc_net(out)
            # [b] => [b, 10]
            y_onehot = tf.one_hot(y, depth=10)
            # compute loss
            loss = tf.losses.categorical_crossentropy(y_onehot, logits, from_logits=True)
            loss = tf.reduce_mean(loss)
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))

        if step % runtime.every(100) == 0:  # notebook: step %100
            print(epoch, step, 'loss:', float(loss))

    total_num = 0
    total_correct = 0
    for x,y in test_db:
        out = conv_net(x)
        out = tf.reshape(out, [-1, 512])
        logits = fc_net(out)
        prob = tf.nn.softmax(logits, axis=1)
        pred = tf.argmax(prob, axis=1)
        pred = tf.cast(pred, dtype=tf.int32)
        correct = tf.cast(tf.equal(pred, y), dtype=tf.int32)
        correct = tf.reduce_sum(correct)
        total_num += x.shape[0]
        total_correct += int(correct)
    acc = total_correct / total_num
    print(epoch, 'acc:', acc)
