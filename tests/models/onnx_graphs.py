"""Tiny ONNX files for tests: graphs whose outputs are constants the test designs."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

OPSET = 17


def constant_model(
    path: Path,
    outputs: dict[str, np.ndarray],
    *,
    input_name: str = "images",
    input_shape: Sequence[int | str] = (1, 3, 640, 640),
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write a model that reads one float input and answers the given constant outputs.

    The input is used (summed and multiplied by zero into every output), so ONNX Runtime
    checks its name and shape like a real model's.
    """
    nodes = [
        helper.make_node("ReduceSum", [input_name], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "zero"], ["nothing"]),
    ]
    initializers = [numpy_helper.from_array(np.zeros((), np.float32), "zero")]
    graph_outputs = []
    for name, value in outputs.items():
        value = np.asarray(value, dtype=np.float32)
        initializers.append(numpy_helper.from_array(value, f"{name}_value"))
        nodes.append(helper.make_node("Add", [f"{name}_value", "nothing"], [name]))
        graph_outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, value.shape))
    graph = helper.make_graph(
        nodes,
        "constant",
        [helper.make_tensor_value_info(input_name, TensorProto.FLOAT, list(input_shape))],
        graph_outputs,
        initializers,
    )
    return _save(path, graph, metadata)


def inputs_model(
    path: Path,
    inputs: dict[str, Sequence[int | str]],
    outputs: dict[str, np.ndarray],
    *,
    metadata: dict[str, str] | None = None,
) -> Path:
    """Write a model with several float inputs (all used) and constant outputs."""
    nodes, initializers = [], [numpy_helper.from_array(np.zeros((), np.float32), "zero")]
    sums = []
    for name in inputs:
        nodes.append(helper.make_node("ReduceSum", [name], [f"{name}_sum"], keepdims=0))
        sums.append(f"{name}_sum")
    nodes.append(helper.make_node("Sum", sums, ["total"]))
    nodes.append(helper.make_node("Mul", ["total", "zero"], ["nothing"]))
    graph_outputs = []
    for name, value in outputs.items():
        value = np.asarray(value, dtype=np.float32)
        initializers.append(numpy_helper.from_array(value, f"{name}_value"))
        nodes.append(helper.make_node("Add", [f"{name}_value", "nothing"], [name]))
        graph_outputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, value.shape))
    graph = helper.make_graph(
        nodes,
        "inputs",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(s)) for n, s in inputs.items()],
        graph_outputs,
        initializers,
    )
    return _save(path, graph, metadata)


def _save(path: Path, graph: onnx.GraphProto, metadata: dict[str, str] | None) -> Path:
    """Check and write the model, with its metadata."""
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
