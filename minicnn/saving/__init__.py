"""Models to and from tf.keras through Keras 3's own files (``.weights.h5``, ``.keras``), without pickle.

    save_weights_h5(model, "m.weights.h5")     # keras_model.load_weights("m.weights.h5") reads it
    load_weights_h5(model, "m.weights.h5")     # from keras_model.save_weights(...) or minicnn
    save_model(model, "m.keras")               # keras.models.load_model("m.keras") rebuilds it
    model = load_model("m.keras")              # from keras_model.save(...) or minicnn
    config = model_config(model)               # keras_model.get_config()'s dict
    model = model_from_config(config)

One job per file: ``keras_layers`` (a layer's Keras config, both ways), ``keras_models``
(Sequential and functional configs), ``weights_h5`` (the weights layout), ``keras_archive``
(the .keras zip).
"""

from .keras_archive import load_model, save_model
from .keras_models import model_config, model_from_config, serialize_model
from .weights_h5 import load_weights_h5, save_weights_h5, weight_paths

__all__ = ["save_weights_h5", "load_weights_h5", "model_config", "model_from_config", "serialize_model",
           "save_model", "load_model", "weight_paths"]
