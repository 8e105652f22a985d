"""The slides' Baseline network as a subclassed Model: one CBAPD block, Dense 128, softmax.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slide "卷积神经网络搭建示例":
the Baseline network as a subclassed Model, one CBAPD block then Flatten, Dense(128, relu),
Dropout(0.2), Dense(10, softmax). (The full script p27 that follows on the next slide has Dense(120);
see baseline_cifar10.py.)
Transcription fixes: the slide marks lines with the letters C, B, A, P, D in front of the code;
dropped. Not printed on the slide: the imports (those of the p27 script).

Run it (no data and no training: --quick changes nothing here):

    python examples/baseline_class.py --quick
    python examples/baseline_class.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout, Flatten, Dense
from minicnn.tf.keras import Model


class Baseline(Model):
    def __init__(self):
        super(Baseline, self).__init__()
        self.c1 = Conv2D(filters=6, kernel_size=(5, 5), padding='same')
        self.b1 = BatchNormalization()
        self.a1 = Activation('relu')
        self.p1 = MaxPool2D(pool_size=(2, 2), strides=2, padding='same')
        self.d1 = Dropout(0.2)

        self.flatten = Flatten()
        self.f1 = Dense(128, activation='relu')
        self.d2 = Dropout(0.2)
        self.f2 = Dense(10, activation='softmax')

    def call(self, x):
        x = self.c1(x)
        x = self.b1(x)
        x = self.a1(x)
        x = self.p1(x)
        x = self.d1(x)

        x = self.flatten(x)
        x = self.f1(x)
        x = self.d2(x)
        y = self.f2(x)
        return y


model = Baseline()  # not printed on the slide

# --- not printed on the slide: the model applied to one CIFAR-sized image, and its summary
model(tf.zeros([1, 32, 32, 3]))
model.summary()
