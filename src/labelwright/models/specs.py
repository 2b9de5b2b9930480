"""Specs of the models this package ships, shared by the registry and the models themselves.

Kept apart from the model modules so that listing models imports none of them.
"""

from __future__ import annotations

from labelwright.models.protocol import ModelSpec

EXTRA = "models"
"""The optional dependency group (`pip install 'labelwright[models]'`) the models need."""

CV2 = ("cv2",)
ONNX = ("onnxruntime", "cv2")

YOLO_ONNX = ModelSpec(
    name="yolo-onnx",
    description="A YOLO (v8/v11 style) .onnx file of your own: detect, segment, pose, obb",
    labels=(),
    kinds=("bbox", "rotated_box", "keypoints", "mask", "polygon"),
    requires=ONNX,
    extra=EXTRA,
)

HAAR_FACES = ModelSpec(
    name="haar-faces",
    description="Frontal faces with OpenCV's Haar cascade (no weights to download)",
    labels=("face",),
    kinds=("bbox",),
    requires=CV2,
    extra=EXTRA,
)

FIND_SIMILAR = ModelSpec(
    name="find-similar",
    description="Boxes around more copies of one example box (template matching)",
    labels=("object",),
    kinds=("bbox",),
    requires=CV2,
    extra=EXTRA,
)

REMOTE = ModelSpec(
    name="remote",
    description="A model served over HTTP (see docs/models.md for the protocol)",
    labels=(),
    kinds=(),
    requires=("httpx",),
)

GRABCUT = ModelSpec(
    name="grabcut",
    description="Interactive segmentation from a box and clicks (OpenCV GrabCut)",
    labels=("object",),
    kinds=("mask", "polygon"),
    requires=CV2,
    extra=EXTRA,
    interactive=True,
)

SAM_ONNX = ModelSpec(
    name="sam-onnx",
    description="Segment Anything from your own ONNX encoder and decoder files",
    labels=("object",),
    kinds=("mask", "polygon"),
    requires=ONNX,
    extra=EXTRA,
    interactive=True,
)
