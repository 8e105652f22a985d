"""AlexNet8 (BatchNormalization in place of LRN) for 32x32x3 images, trained on CIFAR-10.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slide "AlexNet" (source
p34_cifar10_alexnet8.py): AlexNet8 for 32x32x3 inputs, BN in place of LRN: 96@3x3 and 256@3x3 'valid'
convolutions with BN, ReLU and 3x3/2 max pooling, three 3x3 'same' ReLU convolutions (384, 384, 256),
3x3/2 max pooling, Dense 2048-2048 with Dropout(0.5), softmax Dense(10).
Transcription fixes: the slide prints each line in its own box without indentation, restored; OCR
dropped the underscores of `super(AlexNet8, self).__init__()` (printed `.init()`), put back.
Not printed on the slide, so taken from the course script to make it run: the imports (those of
p27), call() chaining the layers in the order of the slide's C/B/A/P/D table, and `model = AlexNet8()`.
Run as a script, it then trains the model on CIFAR-10 as the course script does (p27's compile
and fit; see its end).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/alexnet8.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/alexnet8.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        5 epochs, as the course script (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout, Flatten, Dense
from minicnn.tf.keras import Model


class AlexNet8(Model):
    def __init__(self):
        super(AlexNet8, self).__init__()
        self.c1 = Conv2D(filters=96, kernel_size=(3, 3))
        self.b1 = BatchNormalization()
        self.a1 = Activation('relu')
        self.p1 = MaxPool2D(pool_size=(3, 3), strides=2)

        self.c2 = Conv2D(filters=256, kernel_size=(3, 3))
        self.b2 = BatchNormalization()
        self.a2 = Activation('relu')
        self.p2 = MaxPool2D(pool_size=(3, 3), strides=2)

        self.c3 = Conv2D(filters=384, kernel_size=(3, 3), padding='same',
                         activation='relu')

        self.c4 = Conv2D(filters=384, kernel_size=(3, 3), padding='same',
                         activation='relu')

        self.c5 = Conv2D(filters=256, kernel_size=(3, 3), padding='same',
                         activation='relu')
        self.p3 = MaxPool2D(pool_size=(3, 3), strides=2)

        self.flatten = Flatten()
        self.f1 = Dense(2048, activation='relu')
        self.d1 = Dropout(0.5)
        self.f2 = Dense(2048, activation='relu')
        self.d2 = Dropout(0.5)
        self.f3 = Dense(10, activation='softmax')

    # --- not printed on the slide
    def call(self, x):
        x = self.c1(x)
        x = self.b1(x)
        x = self.a1(x)
        x = self.p1(x)

        x = self.c2(x)
        x = self.b2(x)
        x = self.a2(x)
        x = self.p2(x)

        x = self.c3(x)

        x = self.c4(x)

        x = self.c5(x)
        x = self.p3(x)

        x = self.flatten(x)
        x = self.f1(x)
        x = self.d1(x)
        x = self.f2(x)
        x = self.d2(x)
        y = self.f3(x)
        return y


model = AlexNet8()  # not printed on the slide

# --- not printed on the slide: the model applied to one CIFAR-sized image, and its summary
model(tf.zeros([1, 32, 32, 3]))
model.summary()

# --- not on the slide: the course script p34_cifar10_alexnet8.py trains the model as p27 trains the Baseline
# (baseline_cifar10.py; its checkpoint, weights dump and curves are left out here)
if __name__ == '__main__':
    (x_train, y_train), (x_test, y_test) = runtime.cifar10.load_data()  # script: cifar10.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0

    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=['sparse_categorical_accuracy'])
    history = model.fit(x_train, y_train, batch_size=32, epochs=runtime.epochs(5),  # script: epochs=5
                        validation_data=(x_test, y_test), validation_freq=1)
