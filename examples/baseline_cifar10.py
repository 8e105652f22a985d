"""The slides' Baseline network (one CBAPD block) trained on CIFAR-10: checkpoint, weights dump, curves.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), the full script of slide
"卷积神经网络搭建示例" (the course's p27_cifar10_baseline.py): CIFAR-10, the Baseline network as a
subclassed Model, compile with SparseCategoricalCrossentropy, a ModelCheckpoint (save_weights_only,
save_best_only) restored on the next run, fit with validation, summary, the trainable variables
dumped to weights.txt, accuracy/loss curves with matplotlib.
Transcription fixes: printed line numbers stripped; three slide captions inside the code box are
not code and are dropped: a lone `import` before line 4, `model.compile` before line 38, and line
51's caption 参数提取 (kept as a comment). The checkpoint is tf.keras 2 code that Keras 3 (TensorFlow
2.16+) refuses: "./checkpoint/Baseline.ckpt", found again through its '.index' file, is TensorFlow's
checkpoint format (Keras 3: save_weights_only "must end in .weights.h5"), and the restore loads into
a model not yet built (tf.keras 2 deferred it to the first call; Keras 3 raises). The test hands
TensorFlow "./checkpoint/Baseline.weights.h5", checked as itself, and builds the model before
load_weights (KERAS3_PATCHES in tests/test_listings.py); minicnn runs the lines as printed.
Runtime (examples/runtime.py): cifar10.load_data() -> runtime.cifar10.load_data(), epochs=5 ->
runtime.epochs(5).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/baseline_cifar10.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/baseline_cifar10.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        5 epochs as printed (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
import os
import numpy as np
from matplotlib import pyplot as plt
from minicnn.tf.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout, Flatten, Dense
from minicnn.tf.keras import Model
np.set_printoptions(threshold=np.inf)

cifar10 = tf.keras.datasets.cifar10
(x_train, y_train), (x_test, y_test) = runtime.cifar10.load_data()  # listing: cifar10.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0

class Baseline(Model):
    def __init__(self):
        super(Baseline, self).__init__()
        self.c1 = Conv2D(filters=6, kernel_size=(5, 5), padding='same') # 卷积层
        self.b1 = BatchNormalization()
        self.a1 = Activation('relu')
        self.p1 = MaxPool2D(pool_size=(2, 2), strides=2, padding='same') # 池化层
        self.d1 = Dropout(0.2)
        self.flatten = Flatten()
        self.f1 = Dense(120, activation='relu')
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
model = Baseline()

model.compile(optimizer='adam',
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=False),
              metrics=['sparse_categorical_accuracy'])
checkpoint_save_path = "./checkpoint/Baseline.ckpt"
if os.path.exists(checkpoint_save_path + '.index'):
    print('-----load the model-----')
    model.load_weights(checkpoint_save_path)
cp_callback = tf.keras.callbacks.ModelCheckpoint(filepath=checkpoint_save_path,
                                                 save_weights_only=True,
                                                 save_best_only=True)
history = model.fit(x_train, y_train, batch_size=32, epochs=runtime.epochs(5), validation_data=(x_test, y_test), validation_freq=1,
                    callbacks=[cp_callback])  # listing: epochs=5
model.summary()
# 参数提取
file = open('./weights.txt', 'w')
for v in model.trainable_variables:
    file.write(str(v.name) + '\n')
    file.write(str(v.shape) + '\n')
    file.write(str(v.numpy()) + '\n')
file.close()
##### show #####
# 显示训练集和验证集的acc和loss曲线
acc = history.history['sparse_categorical_accuracy']
val_acc = history.history['val_sparse_categorical_accuracy']
loss = history.history['loss']
val_loss = history.history['val_loss']
plt.subplot(1, 2, 1)
plt.plot(acc, label='Training Accuracy')
plt.plot(val_acc, label='Validation Accuracy')
plt.title('Training and Validation Accuracy')
plt.legend()
plt.subplot(1, 2, 2)
plt.plot(loss, label='Training Loss')
plt.plot(val_loss, label='Validation Loss')
plt.title('Training and Validation Loss')
plt.legend()
plt.show()
