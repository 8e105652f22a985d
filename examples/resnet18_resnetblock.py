"""ResNet18 of the slides (ResnetBlock, [2, 2, 2, 2]), trained on CIFAR-10.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slides "ResNet块" and
"ResNet" (source p46_cifar10_resnet18.py): ResnetBlock (two 3x3 bias-free Conv-BN, a 1x1 Conv-BN
shortcut when residual_path, ReLU of the sum), ResNet18 (3x3 stem of 64 filters, blocks built from
block_list with stride 2 and a residual path at the start of every block but the first, filters
doubled per block, global average pooling, Dense(10)), and `model = ResNet18([2, 2, 2, 2])`.
Transcription fixes: the ResNet18 class was printed with its body one level out (methods at column 0),
re-indented; `self.out_filters *= 2` is printed at the depth of `self.blocks.add(block)`, which
doubles the filters after every ResnetBlock instead of every block (the model then fails to add a
128-channel F(x) to a 64-channel x); its comment says "下一个block的卷积核数是上一个block的2倍", and the
course script has it in the block loop: put back there.
Not printed on the slides: the imports (those of the course script).
Run as a script, it then trains the model on CIFAR-10 as the course script does (p27's compile
and fit; see its end).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/resnet18_resnetblock.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/resnet18_resnetblock.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        5 epochs, as the course script (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout, Flatten, Dense
from minicnn.tf.keras import Model


class ResnetBlock(Model):

    def __init__(self, filters, strides=1, residual_path=False):
        super(ResnetBlock, self).__init__()
        self.filters = filters
        self.strides = strides
        self.residual_path = residual_path

        self.c1 = Conv2D(filters, (3, 3), strides=strides, padding='same', use_bias=False)
        self.b1 = BatchNormalization()
        self.a1 = Activation('relu')

        self.c2 = Conv2D(filters, (3, 3), strides=1, padding='same', use_bias=False)
        self.b2 = BatchNormalization()

        # residual_path为True时, 对输入进行下采样, 即用1x1的卷积核做卷积操作, 保证x能和F(x)维度相同, 顺利相加
        if residual_path:
            self.down_c1 = Conv2D(filters, (1, 1), strides=strides, padding='same', use_bias=False)
            self.down_b1 = BatchNormalization()

        self.a2 = Activation('relu')

    def call(self, inputs):
        residual = inputs # residual等于输入值本身, 即residual=x
        # 将输入通过卷积、BN层、激活层, 计算F(x)
        x = self.c1(inputs)
        x = self.b1(x)
        x = self.a1(x)

        x = self.c2(x)
        y = self.b2(x)

        if self.residual_path:
            residual = self.down_c1(inputs)
            residual = self.down_b1(residual)

        out = self.a2(y + residual) # 最后输出的是两部分的和, 即F(x)+x或F(x)+Wx, 再过激活函数
        return out


class ResNet18 (Model):

    def __init__(self, block_list, initial_filters=64): # block_list表示每个block有几个卷积层
        super(ResNet18, self).__init__()
        self.num_blocks = len(block_list) # 共有几个block
        self.block_list = block_list
        self.out_filters = initial_filters

        self.c1 = Conv2D(self.out_filters, (3, 3), strides=1, padding='same', use_bias=False,
                         kernel_initializer='he_normal')
        self.b1 = tf.keras.layers.BatchNormalization()
        self.a1 = Activation('relu')

        self.blocks = tf.keras.models.Sequential()

        # 构建ResNet网络结构
        for block_id in range(len(block_list)): # 第几个resnet block
            for layer_id in range(block_list[block_id]): # 第几个卷积层
                if block_id != 0 and layer_id == 0: # 对除第一个block以外的每个block的输入进行下采样
                    block = ResnetBlock(self.out_filters, strides=2, residual_path=True)
                else:
                    block = ResnetBlock(self.out_filters, residual_path=False)
                self.blocks.add(block) # 将构建好的block加入resnet
            self.out_filters *= 2 # 下一个block的卷积核数是上一个block的2倍

        self.p1 = tf.keras.layers.GlobalAveragePooling2D()
        self.f1 = tf.keras.layers.Dense(10)

    def call(self, inputs):
        x = self.c1(inputs)
        x = self.b1(x)
        x = self.a1(x)
        x = self.blocks(x)
        x = self.p1(x)
        y = self.f1(x)
        return y


model = ResNet18([2, 2, 2, 2])

# --- not printed on the slide: the model applied to one CIFAR-sized image, and its summary
model(tf.zeros([1, 32, 32, 3]))
model.summary()

# --- not on the slide: the course script p46_cifar10_resnet18.py trains the model as p27 trains the Baseline
# (baseline_cifar10.py; its checkpoint, weights dump and curves are left out here);
# the slide's Dense(10) has no softmax, so the loss is given logits (from_logits=True)
if __name__ == '__main__':
    (x_train, y_train), (x_test, y_test) = runtime.cifar10.load_data()  # script: cifar10.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0

    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=['sparse_categorical_accuracy'])
    history = model.fit(x_train, y_train, batch_size=32, epochs=runtime.epochs(5),  # script: epochs=5
                        validation_data=(x_test, y_test), validation_freq=1)
