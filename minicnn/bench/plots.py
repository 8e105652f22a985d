"""PNG plots of a results document (matplotlib with the Agg backend, imported only here).

* ``ops.png``: the time ratio minicnn / TensorFlow of every operator row, forward and
  forward+backward side by side, on a log axis (1 = as fast as TensorFlow).
* ``models.png``: milliseconds per training step and per inference batch against batch size,
  and the training step's peak memory, per network, every system a line (log-log).
* ``scaling.png``: conv2d forward+backward time and peak memory against batch size, image size
  and channel count (log-log), with the sizes of im2col's patch matrix and of the sparse form's
  nonzero products drawn as dashed lines: where memory follows them, they are what blows up.
"""

import pathlib

from .systems import split_contestant

STYLE = {"minicnn": ("tab:blue", "o"), "tf": ("tab:orange", "s"), "tf-eigen": ("tab:green", "^"),
         "torch": ("tab:red", "D"), "minicnn-gpu": ("tab:purple", "o"), "torch-gpu": ("tab:brown", "D")}
VARIANT_STYLE = {None: "-", "im2col": "-", "sparse": "--", "naive": ":"}
LABEL = {"minicnn": "minicnn", "tf": "TF (oneDNN)", "tf-eigen": "TF (Eigen)", "torch": "PyTorch",
         "minicnn-gpu": "minicnn (CuPy)", "torch-gpu": "PyTorch (cuDNN)"}


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def label(name):
    system, variant = split_contestant(name)
    return LABEL.get(system, system) + (f" [{variant}]" if variant else "")


def line_style(name):
    system, variant = split_contestant(name)
    color, marker = STYLE.get(system, ("black", "x"))
    return dict(color=color, marker=marker, linestyle=VARIANT_STYLE.get(variant, "-."), markersize=4)


def ops_plot(document, path):
    plt = pyplot()
    cases = [c for c in document["cases"] if c["suite"] == "ops"]
    refs = [r for r in document["references"] if document["systems"].get(r, {}).get("available")]
    modes = [m for m in ("fwd", "fwd+bwd") if any(c["mode"] == m for c in cases)]
    rows = {m: [(c, key) for c in cases if c["mode"] == m for key in sorted({k.rsplit("/", 1)[0]
                                                                             for k in c["ratios"]["time"]})]
            for m in modes}
    height = max(3.0, 0.28 * max((len(r) for r in rows.values()), default=1) + 1.5)
    fig, axes = plt.subplots(1, len(modes), figsize=(7 * len(modes), height), squeeze=False, sharex=True)
    for ax, mode in zip(axes[0], modes):
        labels = []
        for i, (case, subject) in enumerate(rows[mode]):
            variant = split_contestant(subject)[1]
            labels.append(f"{case['source']}: {case['op']}" + (f" [{variant}]" if variant else ""))
            for j, ref in enumerate(refs):
                ratio = case["ratios"]["time"].get(f"{subject}/{ref}")
                if ratio:
                    y = i + (j - (len(refs) - 1) / 2) * 0.8 / max(len(refs), 1)
                    ax.barh(y, ratio["median"], height=0.8 / max(len(refs), 1), color=STYLE[ref][0],
                            label=LABEL[ref] if i == 0 else None)
                    if "p25" in ratio:
                        ax.plot([ratio["p25"], ratio["p75"]], [y, y], color="black", linewidth=0.8)
        ax.set_xscale("log")
        plain_numbers(ax, "x", decimal="x")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_yticks(range(len(labels)))
        ax.set_yticklabels(labels, fontsize=7)
        ax.set_ylim(len(labels) - 0.5, -0.5)  # first row on top, no empty margin
        ax.set_xlabel("minicnn time ÷ TensorFlow time (log; above 1: minicnn slower)")
        ax.set_title(f"operators, {mode}")
        ax.grid(axis="x", which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def series(cases, key):
    """{contestant: [(x, value)]} of ``key`` (median_ms or peak_mib) over cases with a sweep value."""
    out = {}
    for case in cases:
        for name, entry in case["results"].items():
            if entry.get(key) is not None:
                out.setdefault(name, []).append((case["sweep"]["value"], entry[key]))
    return {name: sorted(points) for name, points in out.items()}


def plain_numbers(ax, axes="xy", decimal="y"):
    """Tick labels as 0.5, 2, 64 rather than 2^-1 or 6x10^0; the ``decimal`` axes get ticks at 1, 2
    and 5 per decade, so that a range within one decade still has labels (the others keep their
    powers of two)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    plain = FuncFormatter(lambda v, _: f"{v:g}")
    for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
        if name in axes:
            if name in decimal:
                axis.set_major_locator(LogLocator(base=10, subs=(1, 2, 5)))
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(NullFormatter())


def draw(ax, data, title, xlabel, ylabel, extra=None):
    for name, points in sorted(data.items()):
        xs, ys = zip(*points)
        ax.plot(xs, ys, label=label(name), **line_style(name))
    for text, points, style in extra or []:
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, style, color="gray", linewidth=1, label=text)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    plain_numbers(ax)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(which="both", alpha=0.3)
    ax.legend(fontsize=7)


def models_plot(document, path):
    plt = pyplot()
    cases = [c for c in document["cases"] if c["suite"] == "models"]
    networks = list(dict.fromkeys(c["op"] for c in cases))
    fig, axes = plt.subplots(3, len(networks), figsize=(4.2 * len(networks), 10), squeeze=False)
    for col, net in enumerate(networks):
        mine = [c for c in cases if c["op"] == net]
        title = mine[0]["source"]
        for row, (mode, key, ylabel) in enumerate((("train", "median_ms", "ms per training step"),
                                                   ("infer", "median_ms", "ms per inference batch"),
                                                   ("train", "peak_mib", "training step peak MiB above baseline"))):
            data = series([c for c in mine if c["mode"] == mode], key)
            ax = axes[row][col]
            if data:
                draw(ax, data, title, "batch size", ylabel)
            else:
                ax.set_axis_off()
    fig.suptitle("Networks: time and peak memory against batch size (log-log)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def conv_lines(cases):
    """The analytic sizes (MiB) drawn beside measured memory: patch matrix, sparse nonzero products."""
    patches = [(c["sweep"]["value"], c["conv_facts"]["patch_matrix_mib"]) for c in cases if c.get("conv_facts")]
    sparse = [(c["sweep"]["value"], c["conv_facts"]["sparse_products_mib"]) for c in cases if c.get("conv_facts")]
    return [("im2col patch matrix", sorted(patches), "--"), ("sparse: nonzeros x batch x 4 B", sorted(sparse), ":")]


XLABELS = {"batch": "batch size", "image": "image height = width", "channels": "channels in = out"}


def scaling_plot(document, path):
    plt = pyplot()
    cases = [c for c in document["cases"] if c["suite"] == "scaling"]
    axes_names = list(dict.fromkeys(c["sweep"]["axis"] for c in cases))
    fig, axes = plt.subplots(2, len(axes_names), figsize=(5 * len(axes_names), 8.5), squeeze=False)
    for col, axis in enumerate(axes_names):
        mine = [c for c in cases if c["sweep"]["axis"] == axis]
        fixed = mine[0]["label"]
        xlabel = XLABELS.get(axis, axis)
        draw(axes[0][col], series(mine, "median_ms"), f"conv2d 3x3 SAME fwd+bwd, vs {axis}\n(e.g. {fixed})",
             xlabel, "ms per call")
        draw(axes[1][col], series(mine, "peak_mib"), f"peak memory vs {axis}", xlabel, "MiB above baseline",
             extra=conv_lines(mine))
    fig.suptitle("How cost grows (log-log)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


PLOTS = {"ops": ops_plot, "models": models_plot, "scaling": scaling_plot}


def write_all(document, out_dir):
    paths = []
    for suite, plot in PLOTS.items():
        if any(c["suite"] == suite and any("median_ms" in r for r in c["results"].values())
               for c in document["cases"]):
            path = pathlib.Path(out_dir) / f"{suite}.png"
            plot(document, path)
            paths.append(path)
    return paths
