"""MobileNetV2 (torchvision's layout) as an ONNX graph built from a state dict's arrays.

Batch norms are folded into the convolutions before them, so the graph is convolutions,
ReLU6 clips, residual adds, a global average pool and the classifier. It has two outputs:
class probabilities and the pooled 1280-d features used as the image embedding.
"""

from __future__ import annotations

import numpy as np

INVERTED_RESIDUALS = (
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)
"""torchvision's (expansion, channels, repeats, first stride) per stage."""
BATCH_NORM_EPS = 1e-5
OPSET = 13
INPUT_SIZE = 224


class GraphBuilder:
    """Collects ONNX nodes and initialisers while the network is walked layer by layer."""

    def __init__(self, weights: dict[str, np.ndarray]) -> None:
        self.weights = weights
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def name(self, stem: str) -> str:
        """A fresh tensor name."""
        self._count += 1
        return f"{stem}_{self._count}"

    def constant(self, stem: str, value: np.ndarray) -> str:
        """Add an initialiser and return its name."""
        from onnx import numpy_helper

        name = self.name(stem)
        self.initializers.append(numpy_helper.from_array(value.astype(np.float32), name))
        return name

    def weight(self, key: str) -> np.ndarray:
        """A named array of the state dict, or a clear error naming the missing key."""
        if key not in self.weights:
            raise KeyError(f"the state dict has no {key!r}; it is not torchvision's MobileNetV2")
        return self.weights[key]

    def conv(self, x: str, prefix: str, bn: str, stride: int, *, relu6: bool) -> str:
        """A convolution with its batch norm folded in, optionally followed by ReLU6."""
        from onnx import helper

        kernel = self.weight(f"{prefix}.weight")
        scale = self.weight(f"{bn}.weight") / np.sqrt(
            self.weight(f"{bn}.running_var") + BATCH_NORM_EPS
        )
        bias = self.weight(f"{bn}.bias") - self.weight(f"{bn}.running_mean") * scale
        folded = kernel * scale[:, None, None, None]
        groups = kernel.shape[0] if kernel.shape[1] == 1 else 1
        pad = (kernel.shape[2] - 1) // 2
        out = self.name("conv")
        self.nodes.append(
            helper.make_node(
                "Conv",
                [x, self.constant("w", folded), self.constant("b", bias)],
                [out],
                strides=[stride, stride],
                pads=[pad] * 4,
                group=groups,
            )
        )
        if not relu6:
            return out
        clipped = self.name("relu6")
        low, high = self.constant("zero", np.array(0.0)), self.constant("six", np.array(6.0))
        self.nodes.append(helper.make_node("Clip", [out, low, high], [clipped]))
        return clipped

    def inverted_residual(
        self, x: str, index: int, expansion: int, stride: int, residual: bool
    ) -> str:
        """One MobileNetV2 block: expand (1x1), depthwise (3x3), project (1x1, linear)."""
        from onnx import helper

        p = f"features.{index}.conv"
        y = x
        layer = 0
        if expansion != 1:
            y = self.conv(y, f"{p}.0.0", f"{p}.0.1", 1, relu6=True)
            layer = 1
        y = self.conv(y, f"{p}.{layer}.0", f"{p}.{layer}.1", stride, relu6=True)
        y = self.conv(y, f"{p}.{layer + 1}", f"{p}.{layer + 2}", 1, relu6=False)
        if not residual:
            return y
        out = self.name("add")
        self.nodes.append(helper.make_node("Add", [x, y], [out]))
        return out


def _features(builder: GraphBuilder, x: str) -> str:
    """The convolutional trunk: stem, the 17 inverted residual blocks, the 1280-channel head."""
    y = builder.conv(x, "features.0.0", "features.0.1", 2, relu6=True)
    index, channels = 1, 32
    for expansion, out_channels, repeats, first_stride in INVERTED_RESIDUALS:
        for repeat in range(repeats):
            stride = first_stride if repeat == 0 else 1
            residual = stride == 1 and channels == out_channels
            y = builder.inverted_residual(y, index, expansion, stride, residual)
            index, channels = index + 1, out_channels
    return builder.conv(y, f"features.{index}.0", f"features.{index}.1", 1, relu6=True)


def build_mobilenet_v2(weights: dict[str, np.ndarray]) -> bytes:
    """The serialised ONNX model: input `image` (N, 3, 224, 224) normalised RGB; outputs
    `probabilities` (N, 1000) and `features` (N, 1280)."""
    from onnx import TensorProto, helper

    builder = GraphBuilder(weights)
    trunk = _features(builder, "image")
    pooled, features = builder.name("pool"), "features"
    logits = builder.name("logits")
    builder.nodes += [
        helper.make_node("GlobalAveragePool", [trunk], [pooled]),
        helper.make_node("Flatten", [pooled], [features], axis=1),
        helper.make_node(
            "Gemm",
            [
                features,
                builder.constant("fc_w", builder.weight("classifier.1.weight")),
                builder.constant("fc_b", builder.weight("classifier.1.bias")),
            ],
            [logits],
            transB=1,
        ),
        helper.make_node("Softmax", [logits], ["probabilities"], axis=1),
    ]
    classes = builder.weight("classifier.1.weight").shape[0]
    graph = helper.make_graph(
        builder.nodes,
        "mobilenet_v2",
        [
            helper.make_tensor_value_info(
                "image", TensorProto.FLOAT, ["batch", 3, INPUT_SIZE, INPUT_SIZE]
            )
        ],
        [
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", classes]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", 1280]),
        ],
        builder.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # readable by every onnxruntime from 1.14 on
    return model.SerializeToString()
