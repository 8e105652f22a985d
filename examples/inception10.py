"""Inception10 of the slides (two blocks of two Inception modules), trained on CIFAR-10.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slides "InceptionNet" and
"精简InceptionNet" (source p40_cifar10_inception10.py): ConvBNRelu (a Model wrapping a Conv-BN-ReLU
Sequential), InceptionBlk (four branches 1x1 / 1x1-3x3 / 1x1-5x5 / 3x3 max pool-1x1 joined with
tf.concat on the channel axis), Inception10 (a 16-channel stem, num_blocks blocks of two Inception
blocks, the first with stride 2, channels doubled per block, global average pooling, softmax Dense),
and `model = Inception10(num_blocks=2, num_classes=10)`.
Transcription: ConvBNRelu is printed twice, kept once; the code boxes of InceptionBlk joined.
Not printed on the slides: the imports (those of the course script).
Run as a script, it then trains the model on CIFAR-10 as the course script does (p27's compile
and fit; see its end).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/inception10.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/inception10.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        5 epochs, as the course script (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout, Flatten, Dense, \
    GlobalAveragePooling2D
from minicnn.tf.keras import Model


class ConvBNRelu(Model):
    def __init__(self, ch, kernelsz=3, strides=1, padding='same'):
        super(ConvBNRelu, self).__init__()
        self.model = tf.keras.models.Sequential([
            Conv2D(ch, kernelsz, strides=strides, padding=padding),
            BatchNormalization(),
            Activation('relu')
        ])

    def call(self, x):
        x = self.model(x)
        return x


class InceptionBlk(Model):
    def __init__(self, ch, strides=1):
        super(InceptionBlk, self).__init__()
        self.ch = ch
        self.strides = strides
        self.c1 = ConvBNRelu(ch, kernelsz=1, strides=strides)
        self.c2_1 = ConvBNRelu(ch, kernelsz=1, strides=strides)
        self.c2_2 = ConvBNRelu(ch, kernelsz=3, strides=1)
        self.c3_1 = ConvBNRelu(ch, kernelsz=1, strides=strides)
        self.c3_2 = ConvBNRelu(ch, kernelsz=5, strides=1)
        self.p4_1 = MaxPool2D(3, strides=1, padding='same')
        self.c4_2 = ConvBNRelu(ch, kernelsz=1, strides=strides)

    def call(self, x):
        x1 = self.c1(x)
        x2_1 = self.c2_1(x)
        x2_2 = self.c2_2(x2_1)
        x3_1 = self.c3_1(x)
        x3_2 = self.c3_2(x3_1)
        x4_1 = self.p4_1(x)
        x4_2 = self.c4_2(x4_1)
        # concat along axis=channel
        x = tf.concat([x1, x2_2, x3_2, x4_2], axis=3)
        return x


class Inception10(Model):
    def __init__(self, num_blocks, num_classes, init_ch=16, **kwargs):
        super(Inception10, self).__init__(**kwargs)
        self.in_channels = init_ch
        self.out_channels = init_ch
        self.num_blocks = num_blocks
        self.init_ch = init_ch
        self.c1 = ConvBNRelu(init_ch)
        self.blocks = tf.keras.models.Sequential()

        for block_id in range(num_blocks):
            for layer_id in range(2):
                if layer_id == 0:
                    block = InceptionBlk(self.out_channels, strides=2)
                else:
                    block = InceptionBlk(self.out_channels, strides=1)
                self.blocks.add(block)
                # enlarger out_channels per block
                self.out_channels *= 2

        self.p1 = GlobalAveragePooling2D()
        self.f1 = Dense(num_classes, activation='softmax')

    def call(self, x):
        x = self.c1(x)
        x = self.blocks(x)
        x = self.p1(x)
        y = self.f1(x)
        return y


model = Inception10(num_blocks=2, num_classes=10)

# --- not printed on the slide: the model applied to one CIFAR-sized image, and its summary
model(tf.zeros([1, 32, 32, 3]))
model.summary()

# --- not on the slide: the course script p40_cifar10_inception10.py trains the model as p27 trains the Baseline
# (baseline_cifar10.py; its checkpoint, weights dump and curves are left out here)
if __name__ == '__main__':
    (x_train, y_train), (x_test, y_test) = runtime.cifar10.load_data()  # script: cifar10.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0

    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=['sparse_categorical_accuracy'])
    history = model.fit(x_train, y_train, batch_size=32, epochs=runtime.epochs(5),  # script: epochs=5
                        validation_data=(x_test, y_test), validation_freq=1)
