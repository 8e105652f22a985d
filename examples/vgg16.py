"""VGG16 of the slides (BatchNormalization, Dropout) for 32x32x3 images, trained on CIFAR-10.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slide "VGGNet" (source
p36_cifar10_vgg16.py): VGG16 for 32x32x3 inputs, thirteen 3x3 'same' Conv2D-BN-ReLU layers (64, 64,
128, 128, 256, 256, then 512 from c7 on, as the slide prints it) in five units each closed by 2x2/2
'same' max pooling and Dropout(0.2), then Dense 512-512 (ReLU, Dropout 0.2) and softmax Dense(10).
Transcription fixes: the slide prints the class without indentation, restored; OCR dropped the
underscores of `super(VGG16, self).__init__()` (printed `.init()`), put back.
Not printed on the slide, so taken from the course script to make it run: the imports (those of
p27), call() chaining the layers in the order they are defined (the slide's C/B/A/P/D table), and
`model = VGG16()`.
Run as a script, it then trains the model on CIFAR-10 as the course script does (p27's compile
and fit; see its end).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/vgg16.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/vgg16.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        5 epochs, as the course script (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout, Flatten, Dense
from minicnn.tf.keras import Model


class VGG16(Model):
    def __init__(self):
        super(VGG16, self).__init__()
        self.c1 = Conv2D(filters=64, kernel_size=(3, 3), padding='same')
        self.b1 = BatchNormalization() # 归一化
        self.a1 = Activation('relu') # 激活层

        self.c2 = Conv2D(filters=64, kernel_size=(3, 3), padding='same')
        self.b2 = BatchNormalization() # 归一化
        self.a2 = Activation('relu') # 激活层
        self.p1 = MaxPool2D(pool_size=(2, 2), strides=2, padding='same')
        self.d1 = Dropout(0.2) # dropout层

        self.c3 = Conv2D(filters=128, kernel_size=(3, 3), padding='same')
        self.b3 = BatchNormalization() # 归一化
        self.a3 = Activation('relu') # 激活层

        self.c4 = Conv2D(filters=128, kernel_size=(3, 3), padding='same')
        self.b4 = BatchNormalization() # 归一化
        self.a4 = Activation('relu') # 激活层
        self.p2 = MaxPool2D(pool_size=(2, 2), strides=2, padding='same')
        self.d2 = Dropout(0.2) # dropout层

        self.c5 = Conv2D(filters=256, kernel_size=(3, 3), padding='same')
        self.b5 = BatchNormalization() # 归一化
        self.a5 = Activation('relu') # 激活层

        self.c6 = Conv2D(filters=256, kernel_size=(3, 3), padding='same')
        self.b6 = BatchNormalization() # 归一化
        self.a6 = Activation('relu') # 激活层

        self.c7 = Conv2D(filters=512, kernel_size=(3, 3), padding='same')
        self.b7 = BatchNormalization() # 归一化
        self.a7 = Activation('relu') # 激活层
        self.p3 = MaxPool2D(pool_size=(2, 2), strides=2, padding='same')
        self.d3 = Dropout(0.2) # dropout层

        self.c8 = Conv2D(filters=512, kernel_size=(3, 3), padding='same')
        self.b8 = BatchNormalization() # 归一化
        self.a8 = Activation('relu') # 激活层

        self.c9 = Conv2D(filters=512, kernel_size=(3, 3), padding='same')
        self.b9 = BatchNormalization() # 归一化
        self.a9 = Activation('relu') # 激活层

        self.c10 = Conv2D(filters=512, kernel_size=(3, 3), padding='same')
        self.b10 = BatchNormalization() # 归一化
        self.a10 = Activation('relu') # 激活层
        self.p4 = MaxPool2D(pool_size=(2, 2), strides=2, padding='same')
        self.d4 = Dropout(0.2) # dropout层

        self.c11 = Conv2D(filters=512, kernel_size=(3, 3), padding='same')
        self.b11 = BatchNormalization() # 归一化
        self.a11 = Activation('relu') # 激活层

        self.c12 = Conv2D(filters=512, kernel_size=(3, 3), padding='same')
        self.b12 = BatchNormalization() # 归一化
        self.a12 = Activation('relu') # 激活层

        self.c13 = Conv2D(filters=512, kernel_size=(3, 3), padding='same')
        self.b13 = BatchNormalization() # 归一化
        self.a13 = Activation('relu') # 激活层
        self.p5 = MaxPool2D(pool_size=(2, 2), strides=2, padding='same')
        self.d5 = Dropout(0.2) # dropout层

        self.flatten = Flatten()
        self.f1 = Dense(512, activation='relu')
        self.d6 = Dropout(0.2)
        self.f2 = Dense(512, activation='relu')
        self.d7 = Dropout(0.2)
        self.f3 = Dense(10, activation='softmax')

    # --- not printed on the slide
    def call(self, x):
        x = self.c1(x)
        x = self.b1(x)
        x = self.a1(x)
        x = self.c2(x)
        x = self.b2(x)
        x = self.a2(x)
        x = self.p1(x)
        x = self.d1(x)
        x = self.c3(x)
        x = self.b3(x)
        x = self.a3(x)
        x = self.c4(x)
        x = self.b4(x)
        x = self.a4(x)
        x = self.p2(x)
        x = self.d2(x)
        x = self.c5(x)
        x = self.b5(x)
        x = self.a5(x)
        x = self.c6(x)
        x = self.b6(x)
        x = self.a6(x)
        x = self.c7(x)
        x = self.b7(x)
        x = self.a7(x)
        x = self.p3(x)
        x = self.d3(x)
        x = self.c8(x)
        x = self.b8(x)
        x = self.a8(x)
        x = self.c9(x)
        x = self.b9(x)
        x = self.a9(x)
        x = self.c10(x)
        x = self.b10(x)
        x = self.a10(x)
        x = self.p4(x)
        x = self.d4(x)
        x = self.c11(x)
        x = self.b11(x)
        x = self.a11(x)
        x = self.c12(x)
        x = self.b12(x)
        x = self.a12(x)
        x = self.c13(x)
        x = self.b13(x)
        x = self.a13(x)
        x = self.p5(x)
        x = self.d5(x)
        x = self.flatten(x)
        x = self.f1(x)
        x = self.d6(x)
        x = self.f2(x)
        x = self.d7(x)
        y = self.f3(x)
        return y


model = VGG16()  # not printed on the slide

# --- not printed on the slide: the model applied to one CIFAR-sized image, and its summary
model(tf.zeros([1, 32, 32, 3]))
model.summary()

# --- not on the slide: the course script p36_cifar10_vgg16.py trains the model as p27 trains the Baseline
# (baseline_cifar10.py; its checkpoint, weights dump and curves are left out here)
if __name__ == '__main__':
    (x_train, y_train), (x_test, y_test) = runtime.cifar10.load_data()  # script: cifar10.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0

    model.compile(optimizer='adam',
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
                  metrics=['sparse_categorical_accuracy'])
    history = model.fit(x_train, y_train, batch_size=32, epochs=runtime.epochs(5),  # script: epochs=5
                        validation_data=(x_test, y_test), validation_freq=1)
