"""Pictures a learner can make and look at, drawn with matplotlib on the Agg canvas (no display).

Each picture is a function that returns the matplotlib ``Figure`` and, given ``path``, also writes
it there atomically; ``minicnn explain <what> --out FILE.png`` makes each from the command line
(docs/pictures.md shows them all). ``explain.py`` holds the command's options.

| what | function | module |
| --- | --- | --- |
| ``im2col`` | ``im2col_figure`` (data: ``im2col_matrix``) | ``im2col_picture.py`` |
| ``sparse`` | ``sparse_matrix_figure`` (data: ``sparse_matrix_example``) | ``sparse_picture.py`` |
| ``conv-steps`` | ``conv_steps_figure`` (data: ``conv_steps``) | ``steps_picture.py`` |
| ``feature-maps``, ``filters`` | ``feature_maps_figure``, ``filters_figure`` (data: ``feature_maps``) | ``feature_pictures.py`` |
| ``graph`` | ``y_network_figure``, ``model_figure`` (``plot_model``'s layout) | ``graph_picture.py`` |
| ``grad-norms`` | ``GradientNormRecorder``, ``plot_gradient_norms`` (run: ``record_training``) | ``gradients.py`` |

``plot_model`` (``keras.utils.plot_model``, the model's layer graph) lives in ``model_graph.py``.
"""

from .feature_pictures import feature_maps, feature_maps_figure, filters_figure, train_lenet5
from .gradients import GradientNormRecorder, plot_gradient_norms, record_training
from .graph_picture import model_figure, y_network_figure
from .im2col_picture import im2col_figure, im2col_matrix
from .model_graph import Box, diagram, draw_diagram, layer_graph, plot_model
from .sparse_picture import sparse_matrix_example, sparse_matrix_figure
from .steps_picture import conv_steps, conv_steps_figure

__all__ = ["plot_model", "diagram", "layer_graph", "draw_diagram", "Box", "model_figure", "y_network_figure",
           "im2col_matrix", "im2col_figure", "sparse_matrix_example", "sparse_matrix_figure",
           "conv_steps", "conv_steps_figure", "feature_maps", "feature_maps_figure", "filters_figure",
           "train_lenet5", "GradientNormRecorder", "plot_gradient_norms", "record_training"]
