"""Built-in models whose weights ship inside installed packages, so nothing is downloaded.

Importing this package loads no model package (no mediapipe, OpenCV or onnxruntime): each
entry names its factory, which the registry imports when the model is first used.
"""

from labelwright.models.builtin import specs
from labelwright.models.protocol import ModelEntry, ModelSpec


def _entry(spec: ModelSpec, module: str) -> ModelEntry:
    """A batch model entry whose factory is `create` in a module of this package."""
    return ModelEntry(
        name=spec.name, target=f"labelwright.models.builtin.{module}:create", spec=spec
    )


BUILTIN_ENTRIES: list[ModelEntry] = [
    _entry(specs.FACES, "faces"),
    _entry(specs.POSE, "pose"),
    _entry(specs.PERSON_MASKS, "person_masks"),
    _entry(specs.COCO_OBJECTS, "coco_objects"),
    _entry(specs.TEXT, "text_ocr"),
    _entry(specs.IMAGENET, "imagenet"),
]
"""Every built-in model, in the order a model list shows them."""
