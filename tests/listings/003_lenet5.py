# Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slide "LeNet" (source
# P31_cifar10_lenet5.py): LeNet5 as a subclassed Model for 32x32x3 inputs, two 5x5 'valid' sigmoid
# convolutions of 6 and 16 filters with 2x2/2 max pooling, then Dense 120-84 (sigmoid) and 10 (softmax).
# Transcription fixes: the slide prints each line in its own box without indentation, restored.
# Not printed on the slide, so taken from the course script to make it run: the imports (those of
# p27), call() chaining the layers in the order of the slide's C/B/A/P/D table, and `model = LeNet5()`.
import tensorflow as tf
from tensorflow.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout, Flatten, Dense
from tensorflow.keras import Model


class LeNet5(Model):
    def __init__(self):
        super(LeNet5, self).__init__()
        self.c1 = Conv2D(filters=6, kernel_size=(5, 5),
                         activation='sigmoid')
        self.p1 = MaxPool2D(pool_size=(2, 2), strides=2)
        self.c2 = Conv2D(filters=16, kernel_size=(5, 5),
                         activation='sigmoid')
        self.p2 = MaxPool2D(pool_size=(2, 2), strides=2)
        self.flatten = Flatten()
        self.f1 = Dense(120, activation='sigmoid')
        self.f2 = Dense(84, activation='sigmoid')
        self.f3 = Dense(10, activation='softmax')

    # --- not printed on the slide
    def call(self, x):
        x = self.c1(x)
        x = self.p1(x)
        x = self.c2(x)
        x = self.p2(x)
        x = self.flatten(x)
        x = self.f1(x)
        x = self.f2(x)
        y = self.f3(x)
        return y


model = LeNet5()  # not printed on the slide
