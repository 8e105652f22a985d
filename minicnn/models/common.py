"""Helpers shared by the model-zoo builders."""


def check_channels_last(input_shape, builder="model"):
    """Reject an input shape that looks channels-first.

    minicnn (like tf.keras) is NHWC: ``input_shape`` is (height, width, channels). A shape such as
    (3, 224, 224) is almost certainly an NCHW image; taken as NHWC it builds a network whose first
    convolution sees 224 input channels (seed 004's printed summary, 45,339,624 parameters, is exactly
    this mistake). Returns the shape as a tuple of ints."""
    shape = tuple(int(d) for d in input_shape)
    if len(shape) != 3:
        raise ValueError(f"{builder}: input_shape must be (height, width, channels), got {shape}")
    if shape[0] <= 4 and shape[-1] > 4:
        raise ValueError(
            f"{builder}: input_shape {shape} looks channels-first (NCHW: {shape[0]} channels of "
            f"{shape[1]}x{shape[2]}); minicnn is channels-last (NHWC), so pass "
            f"({shape[1]}, {shape[2]}, {shape[0]}) and transpose the data with x.transpose(0, 2, 3, 1)")
    return shape
