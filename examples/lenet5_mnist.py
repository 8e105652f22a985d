"""LeNet-5 on MNIST, trained by a GradientTape loop over tf.data batches.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.4
"LeNet-5 实战", cells In [None] (the imports), In [13], [14], [26], [27]: the modified LeNet-5
(Conv 6@3x3 - MaxPool - ReLU - Conv 16@3x3 - MaxPool - ReLU - 120 - 84 - 10) built on (4, 28, 28, 1),
summary; trained on MNIST by a GradientTape loop over tf.data batches (one-hot labels,
CategoricalCrossentropy(from_logits=True), SGD); tested with argmax/equal/reduce_sum.
Transcription: as printed. In [26]'s optimizers.SGD(lr=0.01) is tf.keras 2 code that Keras 3
(TensorFlow 2.16+) rejects ("Argument(s) not recognized"): the test hands TensorFlow
SGD(learning_rate=0.01) (KERAS3_PATCHES in tests/test_listings.py); minicnn runs the line as printed.
Runtime (examples/runtime.py): mnist.load_data() -> runtime.mnist.load_data(), .repeat(10) ->
.repeat(runtime.epochs(10)), "if step % 1000 == 0" -> "if step % runtime.every(1000) == 0" (with
--quick every step's loss is printed).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/lenet5_mnist.py --quick
        seconds: 96 generated 28x28 digits, 2 epochs
    python examples/lenet5_mnist.py --data-dir ../shared/data/mnist
        MNIST (its four IDX .gz files); 10 epochs as printed (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [13]:
network = Sequential([
    layers.Conv2D(6,kernel_size=3,strides=1), # 第一个卷积层, 6个3x3卷积核
    layers.MaxPooling2D(pool_size=2,strides=2), # 高宽各减半的池化层
    layers.ReLU(), # 激活函数
    layers.Conv2D(16,kernel_size=3,strides=1), # 第二个卷积层, 16个3x3卷积核
    layers.MaxPooling2D(pool_size=2,strides=2), # 高宽各减半的池化层
    layers.ReLU(), # 激活函数
    layers.Flatten(), # 打平层，方便全连接层处理
    layers.Dense(120, activation='relu'), # 全连接层，120个节点
    layers.Dense(84, activation='relu'), # 全连接层，84个节点
    layers.Dense(10) # 全连接层，10个节点
])

# build一次网络模型，给输入X的形状，其中4为随意给的 batchsz
network.build(input_shape=(4, 28, 28, 1))
network.summary()

# In [14]:
# 创建损失函数的类，在实际计算时直接调用类实例即可
# 通过设定`from_logits=True`将`softmax`激活函数实现在损失函数中，
# 不需要手动添加损失函数，提升数值计算稳定性
criteon = losses.CategoricalCrossentropy(from_logits=True)

# In [26]:
(xs, ys), (xt, yt) = runtime.mnist.load_data()  # notebook: mnist.load_data()
xs = tf.convert_to_tensor(xs, dtype=tf.float32) / 255.
db = tf.data.Dataset.from_tensor_slices((xs, ys))
db = db.batch(32).repeat(runtime.epochs(10))  # notebook: .repeat(10)

xt = tf.convert_to_tensor(xt, dtype=tf.float32) / 255.
dbtest = tf.data.Dataset.from_tensor_slices((xt, yt))
dbtest = dbtest.batch(32)

optimizer = optimizers.SGD(lr=0.01)
# acc_meter = metrics.Accuracy()

for step, (x,y) in enumerate(db):
    # 构建梯度记录环境
    with tf.GradientTape() as tape:
        # 插入通道维度，=>[b,28,28,1]
        x = tf.expand_dims(x,axis=3)
        # 前向计算，获得10类别的预测分布，[b, 784] => [b, 10]
        out = network(x)
        # 真实标签one-hot编码，[b] => [b, 10]
        y_onehot = tf.one_hot(y, depth=10)
        # 计算交叉熵损失函数，标量
        loss = criteon(y_onehot, out)
    # 自动计算梯度
    grads = tape.gradient(loss, network.trainable_variables)
    # 自动更新参数
    optimizer.apply_gradients(zip(grads, network.trainable_variables))
    # 打印状态
    if step % runtime.every(1000) == 0:  # notebook: step % 1000
        print("#", step, ', loss: ', float(loss))

# In [27]:
correct, total = 0,0
for x,y in dbtest: # 遍历所有训练集样本
    # 插入通道维度，=>[b,28,28,1]
    x = tf.expand_dims(x,axis=3)
    # 前向计算，获得10类别的预测分布，[b, 784] => [b, 10]
    out = network(x)
    # 真实的流程时先经过softmax，再argmax
    # 但是由于softmax不改变元素的大小相对关系，故省去
    pred = tf.argmax(out, axis=-1)
    y = tf.cast(y, tf.int64)
    # 统计预测正确数量
    correct += float(tf.reduce_sum(tf.cast(tf.equal(pred, y),tf.float32)))
    # 统计预测样本总数
    total += x.shape[0]
# 计算准确率
print('test acc:', correct/total)
