"""LeNet5 as a subclassed Model for 32x32x3 images, trained on CIFAR-10.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slide "LeNet" (source
P31_cifar10_lenet5.py): LeNet5 as a subclassed Model for 32x32x3 inputs, two 5x5 'valid' sigmoid
convolutions of 6 and 16 filters with 2x2/2 max pooling, then Dense 120-84 (sigmoid) and 10 (softmax).
Transcription fixes: the slide prints each line in its own box without indentation, restored.
Not printed on the slide, so taken from the course script to make it run: the imports (those of
p27), call() chaining the layers in the order of the slide's C/B/A/P/D table, and `model = LeNet5()`.
Run as a script, it then trains the model on CIFAR-10 as the course script does (p27's compile
and fit; see its end).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/lenet5_class.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/lenet5_class.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        5 epochs, as the course script (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout, Flatten, Dense
from minicnn.tf.keras import Model


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

# --- not printed on the slide: the model applied to one CIFAR-sized image, and its summary
model(tf.zeros([1, 32, 32, 3]))
model.summary()

# --- not on the slide: the course script P31_cifar10_lenet5.py trains the model as p27 trains the Baseline
# (baseline_cifar10.py; its checkpoint, weights dump and curves are left out here)
if __name__ == '__main__':
    (x_train, y_train), (x_test, y_test) = runtime.cifar10.load_data()  # script: cifar10.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0

    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=['sparse_categorical_accuracy'])
    history = model.fit(x_train, y_train, batch_size=32, epochs=runtime.epochs(5),  # script: epochs=5
                        validation_data=(x_test, y_test), validation_freq=1)
