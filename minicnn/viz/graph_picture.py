"""The graph of a functional model as a Figure: ``plot_model``'s layout (model_graph.py) without the
file, and the source material's two-input Y-network (seed 000, Listing 5.2) drawn as its listing
draws it, ``plot_model(model, to_file='cnn-y-network.png', show_shapes=True)``."""

from .. import models
from .figures import finish
from .model_graph import check_options, diagram, draw_diagram


def model_figure(model, path=None, show_shapes=True, show_dtype=False, show_layer_names=True, rankdir="TB",
                 dpi=96, show_layer_activations=False, show_trainable=False, splines="ortho"):
    """The Figure ``plot_model`` draws for ``model`` (same arguments and meaning; ``show_shapes``
    defaults to True here). With ``path``, also writes it there (atomically) at ``dpi``."""
    check_options(model, path or "model.png", rankdir, dpi, False, splines, {})
    boxes, arrows, size = diagram(model, show_shapes, show_dtype, show_layer_names, rankdir, show_layer_activations,
                                  show_trainable, splines)
    return finish(draw_diagram(boxes, arrows, size), path, "model_figure", dpi)


def y_network_figure(path=None):
    """The Y-network of seed 000 Listing 5.2 (``mc.models.y_network()``: 28x28x1 inputs, 32-64-128
    filters, the right branch dilated) with its shapes. Returns the Figure; with ``path``, writes it."""
    return model_figure(models.y_network(), path, show_shapes=True)
