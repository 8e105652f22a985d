"""``minicnn explain <what> --out FILE.png``: each picture of ``minicnn.viz`` from the command line.

``add_arguments(parser)`` adds one sub-command per picture to the ``explain`` verb;
``run_from_args(args)`` draws the picture, writes it and prints one line saying what it shows.
"""

import numpy as np

from .figures import number_text
from .seed_examples import alternating_kernel

PADDINGS = ("VALID", "SAME")


def _small_example(args, default_size, default_kernel):
    """(image, kernel): 1..n² as n x n and the alternating kernel -1, 2, -3, ... as k x k (with the
    default sizes 4 and 3 these are the source material's 4x4 example)."""
    n, k = args.input_size or default_size, args.kernel_size or default_kernel
    return np.arange(1, n * n + 1, dtype=np.float64).reshape(n, n), alternating_kernel(k, k)


def _im2col(args):
    from .im2col_picture import im2col_figure, im2col_matrix

    image, kernel = _small_example(args, 4, 3)
    im2col_figure(image, kernel, args.stride, args.padding, path=args.out)
    cols, _, geometry = im2col_matrix(image, kernel.shape, args.stride, args.padding)
    return f"patch matrix {cols.shape[0]} x {cols.shape[1]} ({geometry.out_hw[0]}x{geometry.out_hw[1]} windows)"


def _sparse(args):
    from .sparse_picture import sparse_matrix_example, sparse_matrix_figure

    image, kernel = _small_example(args, 4, 3)
    sparse_matrix_figure(image, kernel, args.stride, args.padding, path=args.out)
    example = sparse_matrix_example(image, kernel, args.stride, args.padding)
    rows, columns = example["w_prime"].shape
    return f"W' {rows} x {columns}, O' = [{', '.join(map(number_text, example['o_flat']))}]"


def _conv_steps(args):
    from .steps_picture import conv_steps, conv_steps_figure

    image, kernel = (None, None) if args.input_size is None and args.kernel_size is None else _small_example(args, 5, 3)
    conv_steps_figure(image, kernel, args.stride, path=args.out)
    _, output = conv_steps(image, kernel, args.stride)
    rows = "; ".join(" ".join(map(number_text, row)) for row in output)
    return f"{output.size} steps, output [{rows}]"


def _lenet5(args, index=None):
    """(model, x_test, y_test, about): the LeNet-5 the options ask for; ``index`` (a test image) is
    checked before any training starts."""
    from .feature_pictures import load_images, train_lenet5

    images = load_images(args.data_dir)
    count = len(images[1][0])
    if index is not None and not 0 <= index < count:
        raise ValueError(f"--index must be between 0 and {count - 1} (the test images), got {index}")
    model, (x_test, y_test), accuracy = train_lenet5(args.epochs, weights=args.weights, seed=args.seed, images=images)
    source = f"weights {args.weights}" if args.weights else f"trained {args.epochs} epoch(s)"
    return model, x_test, y_test, f"LeNet-5 ({source}, test accuracy {accuracy:.3f})"


def _feature_maps(args):
    from .feature_pictures import feature_maps_figure, predict_class

    model, x_test, y_test, about = _lenet5(args, args.index)
    image, label = x_test[args.index], int(y_test[args.index])
    feature_maps_figure(model, image, label, path=args.out)
    return f"{about}; test image {args.index}: label {label}, predicted {predict_class(model, image)}"


def _filters(args):
    from .feature_pictures import filters_figure

    model, _, _, about = _lenet5(args)
    filters_figure(model, path=args.out)
    return about


def _graph(args):
    from .graph_picture import y_network_figure

    y_network_figure(path=args.out)
    return "the Y-network of seed 000 Listing 5.2"


def _grad_norms(args):
    from .gradients import plot_gradient_norms, record_training

    recorder, model, accuracy = record_training(args.depth, args.activation, args.epochs, seed=args.seed)
    layers = list(recorder.history)
    title = (f"Per-layer gradient norms: {model.name} ({args.depth} x Conv2D {args.activation}, SGD, digits), "
             f"test accuracy {accuracy:.3f}")
    plot_gradient_norms(recorder.history, path=args.out, title=title)
    first, last = (float(np.mean(recorder.history[layers[k]])) for k in (0, -2))
    return (f"{len(recorder.steps)} steps; mean kernel-gradient norm: first conv {first:.3g}, last conv {last:.3g}; "
            f"test accuracy {accuracy:.3f}")


def add_arguments(parser, positive_int):
    """One sub-command per picture under ``parser`` (the ``explain`` verb's parser)."""
    pictures = parser.add_subparsers(dest="what", metavar="WHAT", required=True)

    def picture(name, help, run):
        sub = pictures.add_parser(name, help=help, description=help)
        sub.add_argument("--out", required=True, help="the picture's file (.png, .svg, .pdf)")
        sub.set_defaults(draw=run)
        return sub

    for name, help, run in (("im2col", "the patch matrix of a small input, each window becoming a row", _im2col),
                            ("sparse", "the sparse matrix W' of a small convolution and W'^T for the transposed "
                                       "one (seed 001, figures 10.57-10.58)", _sparse)):
        sub = picture(name, help, run)
        sub.add_argument("--input-size", type=positive_int, help="an n x n input 1..n² (default: the seed's 4x4)")
        sub.add_argument("--kernel-size", type=positive_int, help="a k x k kernel -1, 2, -3, ... (default 3)")
        sub.add_argument("--stride", type=positive_int, default=1)
        sub.add_argument("--padding", type=str.upper, choices=PADDINGS, default="VALID")
    steps = picture("conv-steps", "a convolution stepping over the seed's 5x5 input, one panel per output", _conv_steps)
    steps.add_argument("--input-size", type=positive_int, help="an n x n input 1..n² instead of the seed's")
    steps.add_argument("--kernel-size", type=positive_int, help="a k x k kernel -1, 2, -3, ... instead of the seed's")
    steps.add_argument("--stride", type=positive_int, default=1)
    for name, help, run in (("feature-maps", "each conv/pool layer's maps of a trained LeNet-5 for one image",
                             _feature_maps),
                            ("filters", "the first-layer filters of a trained LeNet-5", _filters)):
        sub = picture(name, help, run)
        sub.add_argument("--weights", help="an .npz of a 28x28x1 LeNet-5 (save_weights; e.g. the best.npz of "
                                           "'minicnn train --model lenet5'); default: train one now")
        sub.add_argument("--data-dir", help="MNIST's folder (default: the embedded digits, scaled to 28x28)")
        sub.add_argument("--epochs", type=positive_int, default=3, help="training epochs without --weights (default 3)")
        sub.add_argument("--seed", type=int, default=0)
        if name == "feature-maps":
            sub.add_argument("--index", type=int, default=0, help="which test image (default 0)")
    picture("graph", "the layer graph of the two-input Y-network (seed 000 Listing 5.2)", _graph)
    norms = picture("grad-norms", "per-layer gradient norms while a plain CNN trains on the digits", _grad_norms)
    norms.add_argument("--depth", type=positive_int, default=6, help="convolution layers (default 6)")
    norms.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh", "elu", "selu"])
    norms.add_argument("--epochs", type=positive_int, default=2, help="default 2")
    norms.add_argument("--seed", type=int, default=0)


def run_from_args(args):
    """Draw the picture ``args.what`` into ``args.out``; print what it shows. Without matplotlib,
    a one-line error saying how to install it (a ValueError, which the command prints)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as err:
        raise ValueError(f"the pictures need matplotlib ({err}); install it with: pip install 'minicnn[plot]'") from err
    about = args.draw(args)
    print(f"wrote {args.out}: {args.what}, {about}")
    return 0
