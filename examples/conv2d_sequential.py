"""Three 5x5 sigmoid convolutions with 2x2 max pooling in a Sequential, written three ways.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slide "TF描述卷积层":
a Sequential of three 5x5 'valid' sigmoid Conv2D layers written three ways (positional, tuple,
keyword arguments), each followed by a 2x2 MaxPool2D (again written three ways), Flatten, and a
softmax Dense(10).
Not printed on the slide: the imports (the course scripts' `import tensorflow as tf` and
`from tensorflow.keras.layers import ...`). The slide gives no input size; the model is built here
on 40x40x3 images (CIFAR's 32x32 is too small for three 5x5-valid + 2x2-pool stages).
Transcription: the slide's lines were printed without indentation, restored.

Run it (no data and no training: --quick changes nothing here):

    python examples/conv2d_sequential.py --quick
    python examples/conv2d_sequential.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras.layers import Conv2D, MaxPool2D, Flatten, Dense

model = tf.keras.models.Sequential([
    Conv2D(6, 5, padding='valid', activation='sigmoid'),
    MaxPool2D(2, 2),
    Conv2D(6, (5, 5), padding='valid', activation='sigmoid'),
    MaxPool2D(2, (2, 2)),
    Conv2D(filters=6, kernel_size=(5, 5), padding='valid', activation='sigmoid'),
    MaxPool2D(pool_size=(2, 2), strides=2),
    Flatten(),
    Dense(10, activation='softmax')
])

# --- not printed on the slide: the model applied to one 40x40x3 image (see above), and its summary
model(tf.zeros([1, 40, 40, 3]))
model.summary()
