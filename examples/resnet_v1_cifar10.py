"""ResNet20 v1 on CIFAR-10 with lr_schedule, ReduceLROnPlateau, checkpoints and flips.

Seed 000_4184f2205535d435.txt (Keras textbook, chapter 5), section 5.2 "深度剩余网络 (ResNet)":
Listings 5.3, 5.5 and 5.4 of resnet-cifar10-2.2.1.py in the order the script runs them: load
CIFAR-10 (5.3), the resnet_v1() model builder (5.5), pick n = 3, version = 1 and build ResNet20 (5.4).
Not printed in the seed, so taken from the book's resnet-cifar10-2.2.1.py (Keras' CIFAR-10 ResNet
example) to make the listings run: the imports, the input scaling and input_shape, resnet_layer().
Transcription fixes: printed line numbers stripped; Listing 5.5's first line "Listing 2.2.1:
resnet-cifar10-2.2.1.py" is a caption, dropped; indentation restored where the typesetting shifted
it (5.5's docstring and body, its second page: `batch_normalization=False)`, `x = add(...)`,
`x = Activation(...)` inside the res_block loop, `num_filters *= 2` inside the stack loop; 5.4's
`depth = n * 9 + 2` under its elif).
Runtime (examples/runtime.py): cifar10.load_data() -> runtime.cifar10.load_data(), epochs=200 ->
runtime.epochs(200).
The training that follows (run as a script) is not printed either, and the seed only describes it
(section 5.2, after Table 2.2.2): it is written here from that description, see the file's end.
ImageDataGenerator is gone from Keras 3: tests/test_listings.py, whose TensorFlow run stops before
the training, hands TensorFlow the import line commented out (KERAS3_PATCHES).

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/resnet_v1_cifar10.py --quick
        seconds: 8 generated 32x32 images, 2 epochs
    python examples/resnet_v1_cifar10.py --data-dir DIR
        CIFAR-10 (DIR holds cifar-10-python.tar.gz or cifar-10-batches-py/);
        200 epochs, as the book's script (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
from minicnn.tf.keras.layers import Dense, Conv2D
from minicnn.tf.keras.layers import BatchNormalization, Activation
from minicnn.tf.keras.layers import AveragePooling2D, Input
from minicnn.tf.keras.layers import Flatten, add
from minicnn.tf.keras.regularizers import l2
from minicnn.tf.keras.models import Model
from minicnn.tf.keras.datasets import cifar10
from minicnn.tf.keras.utils import to_categorical
from minicnn.tf.keras.optimizers import Adam
from minicnn.tf.keras.callbacks import ModelCheckpoint, LearningRateScheduler
from minicnn.tf.keras.callbacks import ReduceLROnPlateau
from minicnn.tf.keras.preprocessing.image import ImageDataGenerator
import numpy as np
import math
import os

# --- Listing 5.3
(x_train, y_train), (x_test, y_test) = runtime.cifar10.load_data()  # listing: cifar10.load_data()

# --- not printed: resnet-cifar10-2.2.1.py's data preparation
num_classes = 10
input_shape = x_train.shape[1:]
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255
y_train = to_categorical(y_train, num_classes)
y_test = to_categorical(y_test, num_classes)


# --- not printed: resnet-cifar10-2.2.1.py's resnet_layer()
def resnet_layer(inputs,
                 num_filters=16,
                 kernel_size=3,
                 strides=1,
                 activation='relu',
                 batch_normalization=True,
                 conv_first=True):
    """2D Convolution-Batch Normalization-Activation stack builder"""
    conv = Conv2D(num_filters,
                  kernel_size=kernel_size,
                  strides=strides,
                  padding='same',
                  kernel_initializer='he_normal',
                  kernel_regularizer=l2(1e-4))
    x = inputs
    if conv_first:
        x = conv(x)
        if batch_normalization:
            x = BatchNormalization()(x)
        if activation is not None:
            x = Activation(activation)(x)
    else:
        if batch_normalization:
            x = BatchNormalization()(x)
        if activation is not None:
            x = Activation(activation)(x)
        x = conv(x)
    return x


# --- Listing 5.5
def resnet_v1(input_shape, depth, num_classes=10):
    """ResNet Version 1 Model builder [a]
    Stacks of 2 x (3 x 3) Conv2D-BN-ReLU
    Last ReLU is after the shortcut connection.
    At the beginning of each stage, the feature map size is halved
    (downsampled) by a convolutional layer with strides=2, while
    the number of filters is doubled. Within each stage,
    the layers have the same number filters and the
    same number of filters.
    Features maps sizes:
    stage 0: 32x32, 16
    stage 1: 16x16, 32
    stage 2: 8x8, 64
    The Number of parameters is approx the same as Table 6 of [a]:
    ResNet20 0.27M
    ResNet32 0.46M
    ResNet44 0.66M
    ResNet56 0.85M
    ResNet110 1.7M
    Arguments:
        input_shape (tensor): shape of input image tensor
        depth (int): number of core convolutional layers
        num_classes (int): number of classes (CIFAR10 has 10)
    Returns:
        model (Model): Keras model instance
    """
    if (depth - 2) % 6 != 0:
        raise ValueError('depth should be 6n+2 (eg 20, 32, in [a])')
    # Start model definition.
    num_filters = 16
    num_res_blocks = int((depth - 2) / 6)
    inputs = Input(shape=input_shape)
    x = resnet_layer(inputs=inputs)
    # instantiate the stack of residual units
    for stack in range(3):
        for res_block in range(num_res_blocks):
            strides = 1
            # first layer but not first stack
            if stack > 0 and res_block == 0:
                strides = 2 # downsample
            y = resnet_layer(inputs=x,
                             num_filters=num_filters,
                             strides=strides)
            y = resnet_layer(inputs=y,
                             num_filters=num_filters,
                             activation=None)
            # first layer but not first stack
            if stack > 0 and res_block == 0:
                # linear projection residual shortcut
                # connection to match changed dims
                x = resnet_layer(inputs=x,
                                 num_filters=num_filters,
                                 kernel_size=1,
                                 strides=strides,
                                 activation=None,
                                 batch_normalization=False)
            x = add([x, y])
            x = Activation('relu')(x)
        num_filters *= 2
    # add classifier on top.
    # v1 does not use BN after last shortcut connection-ReLU
    x = AveragePooling2D(pool_size=8)(x)
    y = Flatten()(x)
    outputs = Dense(num_classes,
                    activation='softmax',
                    kernel_initializer='he_normal')(y)
    # instantiate model.
    model = Model(inputs=inputs, outputs=outputs)
    return model


# --- Listing 5.4
n= 3
# model version
# orig paper: version = 1 (ResNet v1),
# improved ResNet: version = 2 (ResNet v2)
version = 1
# computed depth from supplied model parameter n
if version == 1:
    depth = n * 6 + 2
elif version == 2:
    depth = n * 9 + 2
if version == 2:
    model = resnet_v2(input_shape=input_shape, depth=depth)
else:
    model = resnet_v1(input_shape=input_shape, depth=depth)

# --- not printed: how resnet-cifar10-2.2.1.py trains the model, written here from section 5.2's
# account of it (the seed prints none of this code): Adam starting at 1e-3, lowered by lr_schedule()
# after epochs 80, 120, 160 and 180; ReduceLROnPlateau(patience=5) on the validation loss; a
# checkpoint whenever the validation accuracy improves; random horizontal flips (ImageDataGenerator,
# horizontal_flip=True); batches of 32 for 200 epochs; the test loss and accuracy at the end.
batch_size = 32
epochs = runtime.epochs(200)  # the book's script: 200
data_augmentation = True
model_type = 'ResNet%dv%d' % (depth, version)


def lr_schedule(epoch, lr=1e-3):
    """The learning rate for epoch `epoch` (counted from 0): 1e-3, divided by 10 after epochs 80,
    120 and 160 each, and by 2 more after epoch 180; or the current rate `lr` (which
    LearningRateScheduler passes) where ReduceLROnPlateau has already cut it lower."""
    scheduled = 1e-3
    if epoch > 180:
        scheduled = 0.5e-6
    elif epoch > 160:
        scheduled = 1e-6
    elif epoch > 120:
        scheduled = 1e-5
    elif epoch > 80:
        scheduled = 1e-4
    lr = min(scheduled, float(lr))
    print('Learning rate: ', lr)
    return lr


model.compile(loss='categorical_crossentropy',
              optimizer=Adam(learning_rate=lr_schedule(0)),
              metrics=['accuracy'])
model.summary()
print(model_type)

if __name__ == '__main__':
    # the whole model, saved whenever the validation accuracy is the best so far
    save_dir = os.path.join(os.getcwd(), 'saved_models')
    os.makedirs(save_dir, exist_ok=True)
    filepath = os.path.join(save_dir, 'cifar10_%s_model.{epoch:03d}.keras' % model_type)
    checkpoint = ModelCheckpoint(filepath=filepath, monitor='val_accuracy', verbose=1, save_best_only=True)
    # at the start of each epoch the scheduled rate, unless the plateau reducer has cut it lower (by
    # sqrt(0.1) each time the validation loss has not improved for 5 epochs)
    lr_scheduler = LearningRateScheduler(lr_schedule)
    lr_reducer = ReduceLROnPlateau(factor=np.sqrt(0.1), cooldown=0, patience=5, min_lr=0.5e-6)
    callbacks = [checkpoint, lr_reducer, lr_scheduler]

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
