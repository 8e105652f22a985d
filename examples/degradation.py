"""The degradation experiment of the ResNet chapters: plain networks against ResNets of the same depth.

Seed 004 ("ResNet 引入") states it: as a plain network gets deeper, its *training* loss gets worse,
not better (not overfitting: the training error itself is higher); seed 000 §5.2 (Figures 5.4, 5.5)
blames the gradient that fades on its way back to the first layers, and the shortcut connection
that lets it through; seed 003 sums ResNet up as "缓解模型退化". He et al. (2016, Fig. 1 and 6)
show it on CIFAR-10: plain-56 trains worse than plain-20, ResNet-56 better than ResNet-20.

This script trains the four networks of that figure, ``resnet_v1(depth, shortcut=False)`` (plain)
and ``resnet_v1(depth)`` (ResNet v1 of seed 000) for two depths, with the same initial weights'
random stream, data order, optimizer (SGD with momentum, the Keras example's l2(1e-4) on every
kernel) and learning rate, epoch by epoch in turn, and records per step and per epoch the training
loss and error (on the mini-batches, in training mode, as the paper's thin curves) and per-layer
kernel gradient norms. After every epoch of every network it rewrites ``degradation.json`` (every
number) in ``--out``, and after every epoch of all four ``degradation.png`` (training error against
the epoch; gradient norm against layer depth for the two deep networks, at the start and in the
latest epoch) and ``degradation_gradients_<deep net>.png`` (every layer's norm at every step), so a run cut
short keeps comparable curves of all four.

    python examples/degradation.py --quick --out /tmp/degradation        # seconds: digits, depths 8/14
    OPENBLAS_NUM_THREADS=1 nice -n 19 python examples/degradation.py \\
        --data-dir ../shared/data/mnist --out /tmp/degradation           # MNIST, depths 20/56: ~25 min on 2 busy cores

(the checkout's own minicnn is imported, installed or not). The real mode's
defaults (1,600 MNIST images, batch 32, 4 epochs, lr 0.025 = He et al.'s 0.1 per 128 images)
are sized for a NumPy engine on two cores; docs/degradation.md shows the result.

Images are brought to ``--image-size`` (at least 29: the head's 8x8 average pooling needs 8x8 maps
after two stride-2 stages) by nearest upscaling by a whole factor and zero padding: MNIST's 28x28
is padded to 32x32 (as LeNet-5's input), the 8x8 digits are upscaled 4x.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # this checkout's minicnn

import minicnn as mc  # noqa: E402
from minicnn.models import resnet_v1  # noqa: E402
from minicnn.viz.figures import new_figure, save_figure  # noqa: E402
from minicnn.viz.gradients import GradientNormRecorder, plot_gradient_norms  # noqa: E402

QUICK = dict(dataset="digits", depths=[8, 14], train_size=16, test_size=8, batch_size=8, epochs=2, log_every=1)
REAL = dict(dataset="mnist", depths=[20, 56], train_size=1600, test_size=500, batch_size=32, epochs=4, log_every=5)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="seconds: 16 digits, depths 8 and 14, 2 epochs")
    parser.add_argument("--dataset", choices=("mnist", "digits"), help="default: mnist (digits with --quick)")
    parser.add_argument("--data-dir", help="folder of MNIST's files (default: $MINICNN_DATA, ~/.keras/datasets)")
    parser.add_argument("--depths", type=int, nargs=2, metavar=("SHALLOW", "DEEP"), help="6n+2 depths (20 56)")
    parser.add_argument("--epochs", type=int, help=f"({REAL['epochs']})")
    parser.add_argument("--train-size", type=int, help=f"training images, a random subset ({REAL['train_size']})")
    parser.add_argument("--test-size", type=int,
                        help=f"test images evaluated after each epoch, 0: none ({REAL['test_size']})")
    parser.add_argument("--image-size", type=int, default=32, help="side of the network's input, at least 29 (32)")
    parser.add_argument("--batch-size", type=int, help=f"({REAL['batch_size']})")
    parser.add_argument("--lr", type=float, default=0.025, help="SGD learning rate, constant (0.025)")
    parser.add_argument("--momentum", type=float, default=0.9)
    parser.add_argument("--log-every", type=int, help=f"steps per point of the step curves ({REAL['log_every']})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="runs/degradation", help="folder for degradation.json and the pictures")
    args = parser.parse_args(argv)
    for key, value in (QUICK if args.quick else REAL).items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    check_args(parser, args)
    return args


def check_args(parser, args):
    for name in ("epochs", "train_size", "batch_size", "log_every"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1, got {getattr(args, name)}")
    if args.test_size < 0:
        parser.error(f"--test-size must be 0 or more, got {args.test_size}")
    if args.image_size < 29:
        parser.error(f"--image-size must be at least 29 (resnet_v1's AveragePooling2D(8) needs 8x8 maps after "
                     f"two stride-2 stages), got {args.image_size}")
    shallow, deep = args.depths
    if (shallow - 2) % 6 or (deep - 2) % 6 or not 8 <= shallow < deep:
        parser.error(f"--depths must be two depths 6n+2 (8, 14, 20, ..., 56), shallow first, got {shallow} {deep}")


# --- data ------------------------------------------------------------------------------------


def load_data(args):
    """(x_train, y_train, x_test, y_test): random subsets of the dataset, NHWC float32 images of
    ``image_size`` with the per-pixel mean of the training subset subtracted (as He et al.), int labels."""
    if args.dataset == "mnist":
        (x_train, y_train), (x_test, y_test) = mc.data.load_mnist(data_dir=args.data_dir, download=False)
        x_train, x_test = x_train[..., None] / np.float32(255), x_test[..., None] / np.float32(255)
    else:
        (x_train, y_train), (x_test, y_test) = mc.data.load_digits()
    generator = np.random.default_rng(args.seed)
    train = generator.choice(len(x_train), min(args.train_size, len(x_train)), replace=False)
    test = generator.choice(len(x_test), min(args.test_size, len(x_test)), replace=False)
    x_train, x_test = to_image_size(x_train[train], args.image_size), to_image_size(x_test[test], args.image_size)
    mean = x_train.mean(axis=0)
    return x_train - mean, y_train[train].astype(np.int64), x_test - mean, y_test[test].astype(np.int64)


def to_image_size(x, size):
    """(N, h, w, c) -> (N, size, size, c): upscaled by the largest whole factor that fits (nearest
    neighbour), then zero-padded evenly (the odd pixel at the bottom/right)."""
    factor = max(1, min(size // x.shape[1], size // x.shape[2]))
    x = x.repeat(factor, axis=1).repeat(factor, axis=2)
    top, left = (size - x.shape[1]) // 2, (size - x.shape[2]) // 2
    padding = ((0, 0), (top, size - x.shape[1] - top), (left, size - x.shape[2] - left), (0, 0))
    return np.pad(x, padding).astype(np.float32)


def epoch_orders(seed, epochs, n):
    """The shuffled sample order of every epoch, the same for each network."""
    generator = np.random.default_rng([seed, 1])
    return [generator.permutation(n) for _ in range(epochs)]


# --- training --------------------------------------------------------------------------------


def run_names(depths):
    """[(name, depth, shortcut)] in the order the figure's legend lists them."""
    return [(f"{'resnet' if shortcut else 'plain'}-{depth}", depth, shortcut)
            for shortcut in (False, True) for depth in depths]


def train_step(model, loss_fn, optimizer, recorder, x, y):
    """One SGD step on the cross-entropy plus the l2 penalties, the gradients' norms going to
    ``recorder`` on their way to the optimizer: (data loss, error rate) of the batch."""
    logits = model(x, training=True)
    loss = loss_fn(y, logits)
    total = loss
    for penalty in model.losses:
        total = total + penalty
    weights = model.trainable_weights
    grads = mc.grad(total, weights)
    optimizer.apply_gradients(recorder.record(zip(grads, weights)))
    error = float(np.mean(np.argmax(mc.to_numpy(logits.data), axis=1) != y))
    return loss.item(), error


def held_out_error(model, x, y, batch_size):
    """Error rate of ``model`` in inference mode (BN with its moving statistics); None without data."""
    if len(x) == 0:
        return None
    wrong = 0
    with mc.no_grad():
        for start in range(0, len(x), batch_size):
            logits = mc.to_numpy(model(x[start:start + batch_size], training=False).data)
            wrong += int(np.sum(np.argmax(logits, axis=1) != y[start:start + batch_size]))
    return wrong / len(x)


class Run:
    """One network of the experiment: its model, SGD optimizer, gradient-norm recorder and
    ``record`` (parameters, per-epoch and per-``log_every``-step loss and error, test error per
    epoch, seconds), trained one epoch at a time so that the four networks advance together."""

    def __init__(self, name, depth, shortcut, input_shape, steps_per_epoch, args):
        mc.set_seed(args.seed)  # the same initializer stream for each network
        self.name, self.args, self.steps_per_epoch = name, args, steps_per_epoch
        self.model = resnet_v1(input_shape, depth=depth, num_classes=10, classifier_activation=None,
                               shortcut=shortcut)
        self.loss_fn = mc.losses.SparseCategoricalCrossentropy(from_logits=True)
        self.optimizer = mc.optimizers.SGD(learning_rate=args.lr, momentum=args.momentum)
        self.recorder = GradientNormRecorder()
        self.record = dict(depth=depth, shortcut=shortcut, parameters=self.model.count_params(), epochs=[],
                           steps=[])
        self.window, self.step = [], 0

    def train_epoch(self, epoch, order, data):
        """Train on the samples of ``order``, in that order; append the epoch's entry and return it."""
        x_train, y_train, x_test, y_test = data
        started, cpu_started, seen = time.time(), time.process_time(), []
        last_step = self.steps_per_epoch * self.args.epochs
        for start in range(0, len(order), self.args.batch_size):
            batch = order[start:start + self.args.batch_size]
            loss, error = train_step(self.model, self.loss_fn, self.optimizer, self.recorder, x_train[batch],
                                     y_train[batch])
            self.step += 1
            seen.append((loss, error, len(batch)))
            self.window.append((loss, error, len(batch)))
            if len(self.window) == self.args.log_every or self.step == last_step:
                self.record["steps"].append(dict(step=self.step, epoch=self.step / self.steps_per_epoch,
                                                 **averages(self.window)))
                self.window = []
        self.recorder.on_epoch_end(epoch)
        entry = dict(epoch=epoch + 1, **averages(seen),
                     test_error=held_out_error(self.model, x_test, y_test, self.args.batch_size),
                     seconds=time.time() - started, cpu_seconds=time.process_time() - cpu_started)
        self.record["epochs"].append(entry)
        self.record["gradient_norms"] = gradient_norm_record(self.model, self.recorder, self.args.log_every)
        return entry


def gradient_norm_record(model, recorder, log_every):
    """The recorder's norms for the JSON: layer keys input side first, whether each is on the main
    path (not a 1x1 projection shortcut), mean norm per epoch and per ``log_every`` steps."""
    layers = {layer.name: layer for layer in model.layers}
    keys = list(recorder.history)
    main = [getattr(layers.get(key), "kernel_size", None) != (1, 1) for key in keys]
    windows = {key: [rounded(np.mean(norms[k:k + log_every])) for k in range(0, len(norms), log_every)]
               for key, norms in recorder.history.items()}
    per_epoch = {key: [rounded(v) for v in means] for key, means in recorder.epoch_history.items()}
    return dict(layers=keys, main_path=main, per_epoch=per_epoch, per_steps=windows)


def rounded(value):
    """``value`` to 4 significant digits (the JSON stays small; a norm needs no more)."""
    return float(f"{value:.4g}")


def averages(entries):
    """Sample-weighted mean loss and error of [(loss, error, batch size)]."""
    sizes = np.array([n for _, _, n in entries], dtype=np.float64)
    return dict(loss=float(np.average([e[0] for e in entries], weights=sizes)),
                error=float(np.average([e[1] for e in entries], weights=sizes)))


def report(name, epoch, epochs):
    test = "" if epoch["test_error"] is None else f", test error {100 * epoch['test_error']:.2f}%"
    print(f"{name:>10} epoch {epoch['epoch']}/{epochs}: loss {epoch['loss']:.4f}, training error "
          f"{100 * epoch['error']:.2f}%{test} ({epoch['seconds']:.0f} s, {epoch['cpu_seconds']:.0f} s CPU)",
          flush=True)


# --- output ----------------------------------------------------------------------------------


def write_json(results, path):
    """Write ``results`` to ``path`` through a temporary file renamed over it."""
    temporary = f"{path}.tmp"
    with open(temporary, "w") as stream:
        json.dump(results, stream, indent=1)
    os.replace(temporary, path)


def plot(results, path):
    """Left: training error (%) against the epoch, one curve per network (plain dashed, ResNet solid).
    Right: gradient norm of each main-path layer's kernel (projection shortcuts left out) against its
    depth, for the two deep networks, over the first ``log_every`` steps and over the latest epoch.
    Written atomically (a temporary file renamed over ``path``)."""
    figure = new_figure(13, 4.8)
    errors, norms = figure.subplots(1, 2)
    draw_errors(errors, results)
    draw_gradient_norms(norms, results)
    figure.tight_layout()
    save_figure(figure, path, "degradation.plot")


def draw_errors(ax, results):
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

    config = results["config"]
    colors = dict(zip(config["depths"], ("C0", "C3")))
    for name, run in results["runs"].items():
        style = dict(color=colors[run["depth"]], linestyle="-" if run["shortcut"] else "--")
        ax.plot([s["epoch"] for s in run["steps"]], [100 * s["error"] for s in run["steps"]], label=name, **style)
        ax.plot([e["epoch"] for e in run["epochs"]], [100 * e["error"] for e in run["epochs"]], "o",
                color=style["color"], markersize=5)
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator([0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 30, 50, 70, 100]))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("epoch")
    ax.set_ylabel("training error (%), log scale")
    ax.set_title(f"Training error on the mini-batches, {config['dataset']} ({config['train_size']} images, "
                 f"batch {config['batch_size']}, lr {config['lr']:g});\nlines: means over {config['log_every']} "
                 "steps, dots: epoch means", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    ax.legend()


def draw_gradient_norms(ax, results):
    deep = max(results["config"]["depths"])
    first = results["config"]["log_every"]
    for name, run in results["runs"].items():
        if run["depth"] != deep or "gradient_norms" not in run:
            continue
        norms = run["gradient_norms"]
        keys = [key for key, main in zip(norms["layers"], norms["main_path"]) if main]
        depth = np.arange(1, len(keys) + 1)
        color, style = ("C3", "-") if run["shortcut"] else ("C2", "--")
        ax.plot(depth, [norms["per_steps"][key][0] for key in keys], linestyle=style, color=color, linewidth=2,
                marker=".", label=f"{name}, steps 1-{first}")
        ax.plot(depth, [norms["per_epoch"][key][-1] for key in keys], linestyle=style, color=color, alpha=0.45,
                linewidth=1, label=f"{name}, epoch {len(run['epochs'])} (mean)")
    ax.set_yscale("log")
    ax.set_xlabel("layer depth (1 = first convolution, last = the Dense head)")
    ax.set_ylabel("||dL/dW||_2 of the layer's kernel")
    ax.set_title(f"Per-layer gradient norms of the {deep}-layer networks:\nat the start of training "
                 f"(mean of steps 1-{first}) and over the latest epoch", fontsize=10)
    ax.grid(alpha=0.3, which="both")
    if ax.lines:
        ax.legend(fontsize=8)


# --- the experiment --------------------------------------------------------------------------


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    started = time.time()
    data = load_data(args)
    orders = epoch_orders(args.seed, args.epochs, len(data[0]))
    steps_per_epoch = -(-len(data[0]) // args.batch_size)
    runs = [Run(name, depth, shortcut, data[0].shape[1:], steps_per_epoch, args)
            for name, depth, shortcut in run_names(args.depths)]
    config = {k: v for k, v in vars(args).items() if k != "out"}
    results = dict(config=config, runs={run.name: run.record for run in runs})
    for epoch, order in enumerate(orders):  # epoch by epoch for all four: a cut run keeps comparable curves
        for run in runs:
            report(run.name, run.train_epoch(epoch, order, data), args.epochs)
            results["wall_seconds"] = time.time() - started
            write_json(results, os.path.join(args.out, "degradation.json"))
        draw(results, runs, args)
    for name, run in results["runs"].items():
        print(f"{name:>10}: final training error {100 * run['epochs'][-1]['error']:.2f}% "
              f"(last epoch's mini-batches, training mode)")
    print(f"wrote degradation.json and degradation*.png into {args.out} in {results['wall_seconds']:.0f} s")
    return results


def draw(results, runs, args):
    """Write degradation.png and the recorder's picture of each deep network."""
    plot(results, os.path.join(args.out, "degradation.png"))
    for run in runs:
        if run.record["depth"] == max(args.depths) and run.recorder.history:
            plot_gradient_norms(run.recorder.history, os.path.join(args.out, f"degradation_gradients_{run.name}.png"),
                                title=f"{run.name}: per-layer gradient norms, {args.dataset}")


if __name__ == "__main__":
    main(sys.argv[1:])
