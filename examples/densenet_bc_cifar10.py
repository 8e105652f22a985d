"""DenseNet-BC-100 (growth rate 12, compression 0.5) trained on CIFAR-10 with RMSprop.

Seed 000_4184f2205535d435.txt (Keras textbook, chapter 5), section 5.4.1 "为 CIFAR10 构建一个 100 层的
DenseNet-BC", Listing 5.8 (densenet-cifar10-2.4.1.py): DenseNet-BC-100 (growth rate 12,
compression 0.5, bottleneck BN-ReLU-Conv1x1(4k)-BN-ReLU-Conv3x3(k), transition BN-Conv1x1-AvgPool),
compiled with RMSprop(1e-3), summary.
Not printed in the seed, so taken from the book's densenet-cifar10-2.4.1.py to make the listing
run: the imports, the CIFAR-10 loading and scaling, and the network parameters (growth_rate=12,
depth=100, 3 dense blocks, (depth - 4) // (2 * 3) bottleneck layers each, 2 * growth_rate filters
before the first block, compression 0.5, data_augmentation=True as the book trains it).
Transcription fixes: printed line numbers stripped; the first line "Listing 2.4.1:
densenet-cifar10-2.4.1.py" is a caption, dropped; the listing's two pages joined. The transition
layer's AveragePooling2D() relies on tf.keras 2's default pool_size=(2, 2), which Keras 3 dropped
(pool_size is required): the test hands TensorFlow AveragePooling2D(pool_size=2) (KERAS3_PATCHES in
tests/test_listings.py); minicnn runs the line as printed.
Runtime (examples/runtime.py): cifar10.load_data() -> runtime.cifar10.load_data().
The training that follows (run as a script) is not printed either: it is written here as section 5.2
describes the ResNet script's, see the file's end. ImageDataGenerator is gone from Keras 3: the
test's TensorFlow run, which stops before the training, gets the import line commented out.

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/densenet_bc_cifar10.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/densenet_bc_cifar10.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        200 epochs, as the book's script (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
from minicnn.tf.keras.layers import Dense, Input
from minicnn.tf.keras.layers import Conv2D, Flatten
from minicnn.tf.keras.layers import BatchNormalization, Activation
from minicnn.tf.keras.layers import AveragePooling2D, concatenate
from minicnn.tf.keras.layers import Dropout
from minicnn.tf.keras.optimizers import RMSprop
from minicnn.tf.keras.models import Model
from minicnn.tf.keras.datasets import cifar10
from minicnn.tf.keras.utils import to_categorical
from minicnn.tf.keras.callbacks import ModelCheckpoint, ReduceLROnPlateau
from minicnn.tf.keras.preprocessing.image import ImageDataGenerator
import numpy as np
import math
import os

# --- not printed: densenet-cifar10-2.4.1.py's parameters and data
# training parameters
batch_size = 32
data_augmentation = True
# network parameters
num_classes = 10
num_dense_blocks = 3
use_max_pool = False
# DenseNet-BC with dataset augmentation
# Growth rate   | Depth |  Accuracy (paper)| Accuracy (this)      |
# 12            | 100   |  95.49%          | 93.74%               |
growth_rate = 12
depth = 100
num_bottleneck_layers = (depth - 4) // (2 * num_dense_blocks)
num_filters_bef_dense_block = 2 * growth_rate
compression_factor = 0.5
# load the CIFAR10 data
(x_train, y_train), (x_test, y_test) = runtime.cifar10.load_data()  # book: cifar10.load_data()
# input image dimensions
input_shape = x_train.shape[1:]
# normalize data
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255
# convert class vectors to binary class matrices.
y_train = to_categorical(y_train, num_classes)
y_test = to_categorical(y_test, num_classes)

# --- Listing 5.8
# start model definition
# densenet CNNs (composite function) are made of BN-ReLU-Conv2D
inputs = Input(shape=input_shape)
x = BatchNormalization()(inputs)
x = Activation('relu')(x)
x = Conv2D(num_filters_bef_dense_block,
           kernel_size=3,
           padding='same',
           kernel_initializer='he_normal')(x)
x = concatenate([inputs, x])
# stack of dense blocks bridged by transition layers
for i in range(num_dense_blocks):
    # a dense block is a stack of bottleneck layers
    for j in range(num_bottleneck_layers):
        y = BatchNormalization()(x)
        y = Activation('relu')(y)
        y = Conv2D(4 * growth_rate,
                   kernel_size=1,
                   padding='same',
                   kernel_initializer='he_normal')(y)
        if not data_augmentation:
            y = Dropout(0.2)(y)
        y = BatchNormalization()(y)
        y = Activation('relu')(y)
        y = Conv2D(growth_rate,
                   kernel_size=3,
                   padding='same',
                   kernel_initializer='he_normal')(y)
        if not data_augmentation:
            y = Dropout(0.2)(y)
        x = concatenate([x, y])
    # no transition layer after the last dense block
    if i == num_dense_blocks - 1:
        continue
    # transition layer compresses num of feature maps and # reduces
    # the size by 2
    num_filters_bef_dense_block += num_bottleneck_layers * growth_rate
    num_filters_bef_dense_block = int(num_filters_bef_dense_block *
    compression_factor)
    y = BatchNormalization()(x)
    y = Conv2D(num_filters_bef_dense_block,
               kernel_size=1,
               padding='same',
               kernel_initializer='he_normal')(y)
    if not data_augmentation:
        y = Dropout(0.2)(y)
    x = AveragePooling2D()(y)
# add classifier on top
# after average pooling, size of feature map is 1 x 1
x = AveragePooling2D(pool_size=8)(x)
y = Flatten()(x)
outputs = Dense(num_classes,
                kernel_initializer='he_normal',
                activation='softmax')(y)
# instantiate and compile model
# orig paper uses SGD but RMSprop works better for DenseNet
model = Model(inputs=inputs, outputs=outputs)
model.compile(loss='categorical_crossentropy',
              optimizer=RMSprop(1e-3),
              metrics=['accuracy'])
model.summary()

# --- not printed: the training of densenet-cifar10-2.4.1.py, written here the way section 5.2
# describes resnet-cifar10-2.2.1.py's (the seed prints neither): a checkpoint whenever the validation
# accuracy improves, ReduceLROnPlateau(patience=5) on the validation loss, random horizontal flips
# (data_augmentation above; without it the model has its Dropout(0.2) layers instead), 200 epochs
if __name__ == '__main__':
    epochs = runtime.epochs(200)  # the book's script: 200
    save_dir = os.path.join(os.getcwd(), 'saved_models')
    os.makedirs(save_dir, exist_ok=True)
    filepath = os.path.join(save_dir, 'cifar10_densenet_model.{epoch:02d}.keras')
    checkpoint = ModelCheckpoint(filepath=filepath, monitor='val_accuracy', verbose=1, save_best_only=True)
    lr_reducer = ReduceLROnPlateau(factor=np.sqrt(0.1), cooldown=0, patience=5, min_lr=0.5e-6)
    callbacks = [checkpoint, lr_reducer]

    if not data_augmentation:
        print('Not using data augmentation.')
        model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs,
                  validation_data=(x_test, y_test), shuffle=True, callbacks=callbacks)
    else:
        print('Using real-time data augmentation.')
        datagen = ImageDataGenerator(horizontal_flip=True)  # each image flipped left-right or not, at random
        model.fit(datagen.flow(x_train, y_train, batch_size=batch_size),
                  steps_per_epoch=math.ceil(len(x_train) / batch_size), epochs=epochs,
                  validation_data=(x_test, y_test), callbacks=callbacks)

    scores = model.evaluate(x_test, y_test, batch_size=batch_size, verbose=0)
    print('Test loss:', scores[0])
    print('Test accuracy:', scores[1])
