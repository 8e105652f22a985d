"""The CBAPD block: Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout.

Seed 003_af57a838ef83f398.txt (lecture slides "人工智能实践：Tensorflow笔记"), slides "TF描述批标准化",
"TF描述池化", "舍弃 Dropout" and "卷积就是特征提取器，就是CBAPD": the CBAPD block (Conv2D 6@5x5 'same',
BatchNormalization, Activation('relu'), MaxPool2D 2x2/2 'same', Dropout(0.2)) as a Sequential. The
slides print it four times; one copy closes with `)` instead of `])` and one marks each line with
its letter C/B/A/P/D: the OCR/slide markings are dropped.
Not printed on the slides: the imports (the course scripts' `import tensorflow as tf` and
`from tensorflow.keras.layers import ...`). The block is applied to a CIFAR-sized image.

Run it (no data and no training: --quick changes nothing here):

    python examples/cbapd_block.py --quick
    python examples/cbapd_block.py
"""

import runtime  # examples/runtime.py (first: it puts this checkout's minicnn on the path)
import minicnn.tf as tf
from minicnn.tf.keras.layers import Conv2D, BatchNormalization, Activation, MaxPool2D, Dropout

model = tf.keras.models.Sequential([
    Conv2D(filters=6, kernel_size=(5, 5), padding='same'), # 卷积层
    BatchNormalization(), # BN层
    Activation('relu'), # 激活层
    MaxPool2D(pool_size=(2, 2), strides=2, padding='same'), # 池化层
    Dropout(0.2), # dropout层
])

# --- not printed on the slide: the model applied to one CIFAR-sized image, and its summary
model(tf.zeros([1, 32, 32, 3]))
model.summary()
