"""The three suites: ``ops``, ``models`` and ``scaling``, as lists of cases.

A case is a plain dict (it travels to the worker processes as JSON):

    id       unique, "suite/op/source/mode[/sweep=value]"
    suite, kind ("op" | "model"), op (an operator or a model name), mode ("fwd", "fwd+bwd",
    "train", "infer"), source (the network the shape comes from), label, params (shapes),
    variants (minicnn's forms to time, e.g. conv2d's ["im2col", "sparse"]; [None]: its one form),
    memory (whether peak memory is measured, in fresh processes), sweep ({"axis", "value"}: scaling).

Shapes come from the networks of the source material: LeNet-5 on MNIST, VGG on CIFAR, the
ResNet-20/56 stages (64x32x32x16, 64x16x16x32, 64x8x8x64) and DenseNet-BC.
"""

from . import shapes

MODES = ("fwd", "fwd+bwd")

# name: (builder in minicnn.models, its arguments, input shape, classes, loss from logits, label)
MODELS = {
    "lenet5": ("lenet5", {}, (28, 28, 1), 10, True, "LeNet-5 (MNIST)"),
    "resnet20": ("resnet_v1", {"depth": 20}, (32, 32, 3), 10, False, "ResNet-20 v1 (CIFAR)"),
    "resnet56": ("resnet_v1", {"depth": 56}, (32, 32, 3), 10, False, "ResNet-56 v1 (CIFAR)"),
    "densenet_bc40": ("densenet_bc", {"depth": 40, "growth_rate": 12}, (32, 32, 3), 10, False,
                      "DenseNet-BC-40, k=12 (CIFAR)"),
}


def conv(hw, cin, cout, k=3, stride=1, padding="SAME", batch=64):
    return dict(batch=batch, hw=tuple(hw), cin=cin, cout=cout, k=k, stride=stride, padding=padding)


def describe(op, p):
    """A short, readable shape: 'conv2d 3x3/2 SAME 64x32x32x16->32'."""
    n, (h, w) = p.get("batch"), p.get("hw", (0, 0))
    stride = f"/{p['stride']}" if p.get("stride", 1) != 1 else ""
    if op in ("conv2d", "conv2d_transpose", "depthwise_conv2d", "separable_conv2d"):
        k = f"{p['k']}x{p['k']}{stride} {p['padding']}"
        if op == "depthwise_conv2d":
            out = f" x{p['multiplier']}"
        elif op == "separable_conv2d":
            out = f" x{p['multiplier']}->{p['cout']}"
        else:
            out = f"->{p['cout']}"
        return f"{op} {k} {n}x{h}x{w}x{p['cin']}{out}"
    if op in ("max_pool", "avg_pool"):
        return f"{op} {p['size']}x{p['size']}{stride} {n}x{h}x{w}x{p['cin']}"
    if op == "batch_norm":
        return f"batch_norm (training) {n}x{h}x{w}x{p['cin']}"
    if op == "dense":
        return f"dense {n}x{p['units_in']}->{p['units_out']}"
    return f"softmax cross-entropy {n}x{p['classes']}"


def op_case(op, source, params, modes=MODES, suite="ops", variants=None, memory=False, sweep=None):
    """One case per mode; conv2d gets the forms that fit its shapes (see shapes.conv_methods)."""
    if variants is None:
        variants = shapes.conv_methods(params) if op == "conv2d" else [None]
    cases = []
    for mode in modes:
        tail = f"/{sweep['axis']}={sweep['value']}" if sweep else ""
        cases.append(dict(id=f"{suite}/{op}/{source}/{mode}{tail}", suite=suite, kind="op", op=op, mode=mode,
                          source=source, label=describe(op, params), params=params, variants=list(variants),
                          memory=memory, sweep=sweep))
    return cases


def ops_cases(quick=False):
    """Every operator family on shapes from real networks, forward and forward+backward."""
    b = 4 if quick else 64
    table = [  # (op, source, params)
        ("conv2d", "LeNet-5 conv1", conv((28, 28), 1, 6, padding="VALID", batch=b)),
        ("conv2d", "LeNet-5 conv2", conv((13, 13), 6, 16, padding="VALID", batch=b)),
        ("conv2d", "ResNet stage 1", conv((32, 32), 16, 16, batch=b)),
        ("conv2d", "ResNet stage 2", conv((16, 16), 32, 32, batch=b)),
        ("conv2d", "ResNet stage 3", conv((8, 8), 64, 64, batch=b)),
        ("conv2d", "ResNet downsample 3x3/2", conv((32, 32), 16, 32, stride=2, batch=b)),
        ("conv2d", "ResNet shortcut 1x1/2", conv((32, 32), 16, 32, k=1, stride=2, batch=b)),
        ("conv2d", "VGG block 1", conv((32, 32), 64, 64, batch=b)),
        ("conv2d", "VGG block 4", conv((4, 4), 512, 512, batch=b)),
        ("conv2d", "DenseNet-BC bottleneck 1x1", conv((32, 32), 120, 48, k=1, batch=b)),
        ("conv2d", "DenseNet-BC growth 3x3", conv((32, 32), 48, 12, batch=b)),
        ("conv2d_transpose", "ResNet stage 2->1 upsampling", conv((16, 16), 32, 16, stride=2, batch=b)),
        ("conv2d_transpose", "ResNet stage 3->2 upsampling", conv((8, 8), 64, 32, stride=2, batch=b)),
        ("depthwise_conv2d", "MobileNet-style 32x32x32", dict(conv((32, 32), 32, None, batch=b), multiplier=1)),
        ("depthwise_conv2d", "MobileNet-style 16x16x64 /2", dict(conv((16, 16), 64, None, stride=2, batch=b),
                                                                 multiplier=1)),
        ("separable_conv2d", "Xception-style 32x32x32->64", dict(conv((32, 32), 32, 64, batch=b), multiplier=1)),
        ("max_pool", "LeNet-5 pool1", dict(batch=b, hw=(26, 26), cin=6, size=2, stride=2, padding="VALID")),
        ("max_pool", "ResNet-size 32x32x16", dict(batch=b, hw=(32, 32), cin=16, size=2, stride=2, padding="VALID")),
        ("max_pool", "VGG pool1", dict(batch=b, hw=(32, 32), cin=64, size=2, stride=2, padding="VALID")),
        ("avg_pool", "ResNet-size 32x32x16", dict(batch=b, hw=(32, 32), cin=16, size=2, stride=2, padding="VALID")),
        ("avg_pool", "DenseNet-BC transition", dict(batch=b, hw=(32, 32), cin=108, size=2, stride=2, padding="VALID")),
        ("avg_pool", "ResNet head 8x8", dict(batch=b, hw=(8, 8), cin=64, size=8, stride=8, padding="VALID")),
        ("batch_norm", "ResNet stage 1", dict(batch=b, hw=(32, 32), cin=16)),
        ("batch_norm", "ResNet stage 2", dict(batch=b, hw=(16, 16), cin=32)),
        ("batch_norm", "ResNet stage 3", dict(batch=b, hw=(8, 8), cin=64)),
        ("batch_norm", "VGG block 1", dict(batch=b, hw=(32, 32), cin=64)),
        ("dense", "LeNet-5 fc1", dict(batch=b, units_in=400, units_out=120)),
        ("dense", "VGG head", dict(batch=b, units_in=512, units_out=512)),
        ("dense", "ResNet head", dict(batch=b, units_in=64, units_out=10)),
        ("softmax_cross_entropy", "CIFAR-10 / MNIST", dict(batch=b, classes=10)),
        ("softmax_cross_entropy", "CIFAR-100", dict(batch=2 * b, classes=100)),
    ]
    if quick:  # one shape per operator family (two for conv2d), batch 4; the slow forms on LeNet-5 only
        keep = {("conv2d", "LeNet-5 conv1"), ("conv2d", "ResNet stage 3"),
                ("conv2d_transpose", "ResNet stage 3->2 upsampling"),
                ("depthwise_conv2d", "MobileNet-style 16x16x64 /2"),
                ("separable_conv2d", "Xception-style 32x32x32->64"), ("max_pool", "ResNet-size 32x32x16"),
                ("avg_pool", "ResNet head 8x8"), ("batch_norm", "ResNet stage 3"), ("dense", "LeNet-5 fc1"),
                ("softmax_cross_entropy", "CIFAR-10 / MNIST")}
        table = [row for row in table if row[:2] in keep]
        return [case for op, source, params in table
                for case in op_case(op, source, params, variants=None if source.startswith("LeNet") or op != "conv2d"
                                    else ["im2col"])]
    return [case for op, source, params in table for case in op_case(op, source, params)]


def model_case(name, mode, batch, memory):
    builder, kwargs, input_shape, classes, from_logits, label = MODELS[name]
    params = dict(model=name, builder=builder, kwargs=kwargs, input_shape=input_shape, classes=classes,
                  from_logits=from_logits, batch=batch, optimizer="SGD(learning_rate=0.1, momentum=0.9)")
    what = "training step" if mode == "train" else "inference batch"
    return dict(id=f"models/{name}/{mode}/batch={batch}", suite="models", kind="model", op=name, mode=mode,
                source=label, label=f"{label} {what}, batch {batch}", params=params, variants=[None],
                memory=memory, sweep={"axis": "batch", "value": batch})


def models_cases(quick=False):
    """A training step (SGD, momentum 0.9) and an inference batch of each network at several batch sizes;
    peak memory of every training step and of the largest inference batch."""
    plan = {"lenet5": [8]} if quick else {
        "lenet5": [32, 128, 512], "resnet20": [16, 64, 128], "resnet56": [16, 32], "densenet_bc40": [16, 32]}
    cases = []
    for name, batches in plan.items():
        for mode in ("train", "infer"):
            for batch in batches:
                memory = mode == "train" or (batch == max(batches) and not quick)
                cases.append(model_case(name, mode, batch, memory))
    return cases


SWEEPS = {  # axis: (values, params for a value) of a 3x3 SAME conv2d, forward+backward
    "batch": ([4, 16, 64, 256], lambda v: conv((32, 32), 16, 16, batch=v)),
    "image": ([8, 16, 32, 64, 128], lambda v: conv((v, v), 16, 16, batch=32)),
    "channels": ([4, 16, 64, 256], lambda v: conv((16, 16), v, v, batch=32)),
}
QUICK_SWEEPS = {
    "batch": ([2, 8], lambda v: conv((8, 8), 8, 8, batch=v)),
    "channels": ([4, 16], lambda v: conv((8, 8), v, v, batch=4)),
}


def scaling_cases(quick=False):
    """conv2d 3x3 SAME forward+backward against batch size, image size and channel count, with peak
    memory at every point: how cost grows, and where im2col's patch matrix or the sparse form's
    nonzeros blow up (the sparse form is timed while its nonzeros stay under shapes.SPARSE_LIMIT)."""
    cases = []
    for axis, (values, make) in (QUICK_SWEEPS if quick else SWEEPS).items():
        for value in values:
            params = make(value)
            variants = [m for m in shapes.conv_methods(params) if m != "naive"]
            memory = not quick  # a fresh TensorFlow process per point is more than a quick run can afford
            cases += op_case("conv2d", f"sweep {axis}", params, modes=("fwd+bwd",), suite="scaling",
                             variants=variants, memory=memory, sweep={"axis": axis, "value": value})
    return cases


SUITES = {"ops": ops_cases, "models": models_cases, "scaling": scaling_cases}
