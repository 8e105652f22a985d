"""Listing 5.2: the two-input Y-network (a plain and a dilated branch) trained on MNIST.

Seed 000_4184f2205535d435.txt (Keras textbook, chapter 5), section 5.1.1 "创建一个两进一出的模型",
Listing 5.2 (cnn-y-network-2.1.2.py): the two-input Y-network, a plain and a dilated
(dilation_rate=2) Conv2D-Dropout-MaxPooling2D branch merged with concatenate; plot_model,
summary, fit on [x, x], evaluate.
Transcription: printed line numbers stripped, the listing's two pages joined; nothing else to fix.
Runtime (examples/runtime.py): mnist.load_data() -> runtime.mnist.load_data(), epochs=20 ->
runtime.epochs(20). plot_model writes cnn-y-network.png into the
current directory.

Run it (from the repository root; from elsewhere, give the script's path):

    python examples/y_network_mnist.py --quick
        seconds: 96 generated 28x28 digits, 2 epochs
    python examples/y_network_mnist.py --data-dir ../shared/data/mnist
        MNIST (its four IDX .gz files); 20 epochs as printed (--epochs N to change)
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import numpy as np
from minicnn.tf.keras.layers import Dense, Dropout, Input
from minicnn.tf.keras.layers import Conv2D, MaxPooling2D
from minicnn.tf.keras.layers import Flatten, concatenate
from minicnn.tf.keras.models import Model
from minicnn.tf.keras.datasets import mnist
from minicnn.tf.keras.utils import to_categorical
from minicnn.tf.keras.utils import plot_model
# load MNIST dataset
(x_train, y_train), (x_test, y_test) = runtime.mnist.load_data()  # listing: mnist.load_data()
# from sparse label to categorical
num_labels = len(np.unique(y_train))
y_train = to_categorical(y_train)
y_test = to_categorical(y_test)
# reshape and normalize input images
image_size = x_train.shape[1]
x_train = np.reshape(x_train, [-1, image_size, image_size, 1])
x_test = np.reshape(x_test, [-1, image_size, image_size, 1])
x_train = x_train.astype('float32') / 255
x_test = x_test.astype('float32') / 255
# network parameters
input_shape = (image_size, image_size, 1)
batch_size = 32
kernel_size = 3
dropout = 0.4
n_filters = 32
# left branch of Y network
left_inputs = Input(shape=input_shape)
x = left_inputs
filters = n_filters
# 3 layers of Conv2D-Dropout-MaxPooling2D
# number of filters doubles after each layer (32-64-128)
for i in range(3):
    x = Conv2D(filters=filters,
               kernel_size=kernel_size,
               padding='same',
               activation='relu')(x)
    x = Dropout(dropout)(x)
    x = MaxPooling2D()(x)
    filters *= 2
# right branch of Y network
right_inputs = Input(shape=input_shape)
y = right_inputs
filters = n_filters
# 3 layers of Conv2D-Dropout-MaxPooling2D
# number of filters doubles after each layer (32-64-128)
for i in range(3):
    y = Conv2D(filters=filters,
               kernel_size=kernel_size,
               padding='same',
               activation='relu',
               dilation_rate=2)(y)
    y = Dropout(dropout)(y)
    y = MaxPooling2D()(y)
    filters *= 2
# merge left and right branches outputs
y = concatenate([x, y])
# feature maps to vector before connecting to Dense
y = Flatten()(y)
y = Dropout(dropout)(y)
outputs = Dense(num_labels, activation='softmax')(y)
# build the model in functional API
model = Model([left_inputs, right_inputs], outputs)
# verify the model using graph
plot_model(model, to_file='cnn-y-network.png', show_shapes=True)
# verify the model using layer text description
model.summary()
# classifier loss, Adam optimizer, classifier accuracy
model.compile(loss='categorical_crossentropy',
              optimizer='adam',
              metrics=['accuracy'])
# train the model with input images and labels
model.fit([x_train, x_train],
          y_train,
          validation_data=([x_test, x_test], y_test),
          epochs=runtime.epochs(20),  # listing: 20
          batch_size=batch_size)
# model accuracy on test dataset
score = model.evaluate([x_test, x_test],
                       y_test,
                       batch_size=batch_size,
                       verbose=0)
print("\nTest accuracy: %.1f%%" % (100.0 * score[1]))
