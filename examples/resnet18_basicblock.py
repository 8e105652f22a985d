"""ResNet-18 and ResNet-34 of BasicBlocks for 32x32 images, trained on CIFAR-10.

Seed 001_0dc837b8b3f160e0.txt (TensorFlow 2 textbook, chapter 10, a notebook), section 10.14
"CIFAR10与ResNet18实战", cells In [None] (the imports) and In [66]: BasicBlock (a layers.Layer with
a 1x1-conv downsample Sequential or an identity lambda, layers.add, tf.nn.relu), the ResNet
keras.Model (3x3 stem, four stacks of BasicBlocks, global average pooling, Dense), resnet18() and
resnet34(). Section 10.12.2 prints the same BasicBlock; this file covers both.
Transcription: as printed.
Run as a script, it then trains ResNet-18 on CIFAR-10, as section 10.10 trains VGG13 (see its end:
the seed prints no training cell for section 10.14).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/resnet18_basicblock.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/resnet18_basicblock.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        50 epochs, as section 10.10 (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf import keras

# 加载TF模块
from minicnn.tf.keras import layers,Sequential,losses,optimizers,datasets
from minicnn.tf.keras.datasets import mnist

# In [66]:
class BasicBlock(layers.Layer):
    # 残差模块
    def __init__(self, filter_num, stride=1):
        super(BasicBlock, self).__init__()
        # 第一个卷积单元
        self.conv1 = layers.Conv2D(filter_num, (3, 3), strides=stride, padding='same')
        self.bn1 = layers.BatchNormalization()
        self.relu = layers.Activation('relu')
        # 第二个卷积单元
        self.conv2 = layers.Conv2D(filter_num, (3, 3), strides=1, padding='same')
        self.bn2 = layers.BatchNormalization()
        # Skip Connection的shape匹配
        if stride != 1:# 通过1x1卷积完成shape匹配
            self.downsample = Sequential()
            self.downsample.add(layers.Conv2D(filter_num, (1, 1), strides=stride))
        else:# shape匹配，直接短接
            self.downsample = lambda x:x

    def call(self, inputs, training=None):
        # [b, h, w, c]，通过第一个卷积单元
        out = self.conv1(inputs)
        out = self.bn1(out)
        out = self.relu(out)
        # 通过第二个卷积单元
        out = self.conv2(out)
        out = self.bn2(out)
        # 通过identity模块
        identity = self.downsample(inputs)
        # 2条路径输出直接相加
        output = layers.add([out, identity])
        output = tf.nn.relu(output) # 激活函数
        return output

class ResNet(keras.Model):
    # 通用的ResNet实现类
    def __init__(self, layer_dims, num_classes=10): # [2, 2, 2, 2]
        super(ResNet, self).__init__()
        # 根网络，预处理
        self.stem = Sequential([
            layers.Conv2D(64, (3, 3), strides=(1, 1)),
            layers.BatchNormalization(),
            layers.Activation('relu'),
            layers.MaxPool2D(pool_size=(2, 2), strides=(1, 1), padding='same')])
        # 堆叠4个Block，每个block包含了多个BasicBlock,设置步长不一样
        self.layer1 = self.build_resblock(64,  layer_dims[0])
        self.layer2 = self.build_resblock(128, layer_dims[1], stride=2)
        self.layer3 = self.build_resblock(256, layer_dims[2], stride=2)
        self.layer4 = self.build_resblock(512, layer_dims[3], stride=2)
        # 通过Pooling层将高宽降低为1x1
        self.avgpool = layers.GlobalAveragePooling2D()
        # 最后连接一个全连接层分类
        self.fc = layers.Dense(num_classes)

    def call(self, inputs, training=None):
        # 通过根网络
        x = self.stem(inputs)
        # 一次通过4个模块
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        # 通过池化层
        x = self.avgpool(x)
        # 通过全连接层
        x = self.fc(x)
        return x

    def build_resblock(self, filter_num, blocks, stride=1):
        # 辅助函数，堆叠filter_num个BasicBlock
        res_blocks = Sequential()
        # 只有第一个BasicBlock的步长可能不为1，实现下采样
        res_blocks.add(BasicBlock(filter_num, stride))
        #其他BasicBlock步长都为1
        for _ in range(1, blocks):
            res_blocks.add(BasicBlock(filter_num, stride=1))
        return res_blocks

def resnet18():
    # 通过调整模块内部BasicBlock的数量和配置实现不同的ResNet
    return ResNet([2, 2, 2, 2])

def resnet34():
     # 通过调整模块内部BasicBlock的数量和配置实现不同的ResNet
    return ResNet([3, 4, 6, 3])


# --- not printed in the notebook: ResNet-18 applied to one CIFAR-sized image, and its summary
model = resnet18()
model(tf.zeros([1, 32, 32, 3]))
model.summary()

# --- not printed in the notebook: section 10.14 trains ResNet-18 on CIFAR-10 without printing the cell
# that does it; here it is trained as section 10.10 trains VGG13 (vgg13_cifar10.py): images scaled to
# [-1, 1], batches of 128, Adam(lr=1e-4), cross-entropy on the logits, the test accuracy after each epoch
if __name__ == '__main__':
    def preprocess(x, y):
        # [-1~1]
        x = 2*tf.cast(x, dtype=tf.float32) / 255.-1
        y = tf.cast(y, dtype=tf.int32)
        return x,y

    (x,y), (x_test,y_test) = runtime.cifar10.load_data()  # section 10.10: datasets.cifar10.load_data()
    y = tf.squeeze(y, axis=1)
    y_test = tf.squeeze(y_test, axis=1)
    train_db = tf.data.Dataset.from_tensor_slices((x,y))
    train_db = train_db.shuffle(1000).map(preprocess).batch(128)
    test_db = tf.data.Dataset.from_tensor_slices((x_test,y_test))
    test_db = test_db.map(preprocess).batch(64)

    optimizer = optimizers.Adam(learning_rate=1e-4)
    for epoch in range(runtime.epochs(50)):  # as section 10.10: range(50)
        for step, (x,y) in enumerate(train_db):
            with tf.GradientTape() as tape:
                # [b, 32, 32, 3] => [b, 10]
                logits = model(x, training=True)
                y_onehot = tf.one_hot(y, depth=10)
                loss = tf.losses.categorical_crossentropy(y_onehot, logits, from_logits=True)
                loss = tf.reduce_mean(loss)
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))

            if step % runtime.every(100) == 0:  # as section 10.10: step %100
                print(epoch, step, 'loss:', float(loss))

        total_num = 0
        total_correct = 0
        for x,y in test_db:
            logits = model(x, training=False)
            pred = tf.argmax(logits, axis=1)
            pred = tf.cast(pred, dtype=tf.int32)
            correct = tf.reduce_sum(tf.cast(tf.equal(pred, y), dtype=tf.int32))
            total_num += x.shape[0]
            total_correct += int(correct)
        print(epoch, 'acc:', total_correct / total_num)
