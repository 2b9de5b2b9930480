"""Serving any batch model over HTTP with the protocol `remote.RemoteModel` speaks.

    from labelwright.models.remote_server import remote_app
    app = remote_app(MyModel())  # then: uvicorn my_module:app

The reference side of the protocol in docs/models.md, and what the tests talk to.
"""

from __future__ import annotations

import base64
import binascii
import io
from typing import Any

import numpy as np
from fastapi import FastAPI, HTTPException
from PIL import Image as PILImage
from pydantic import BaseModel, Field

from labelwright.models.protocol import Model, PredictOptions

MAX_IMAGES = 256


class SentImage(BaseModel):
    """One image of a predict request."""

    width: int = Field(gt=0)
    height: int = Field(gt=0)
    format: str = "jpeg"
    data: str


class SentOptions(BaseModel):
    """The options of a predict request."""

    min_score: float = Field(default=0.25, ge=0, le=1)
    labels: list[str] | None = None
    settings: dict[str, Any] = Field(default_factory=dict)


class PredictRequest(BaseModel):
    """The body of `POST /predict`."""

    images: list[SentImage] = Field(max_length=MAX_IMAGES)
    options: SentOptions = Field(default_factory=SentOptions)


def decode_sent_image(index: int, sent: SentImage) -> np.ndarray:
    """The RGB array of one sent image; HTTP 422 naming the image when it is unusable."""
    try:
        data = base64.b64decode(sent.data, validate=True)
        with PILImage.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as picture:
            array = np.asarray(picture.convert("RGB"))
    except (binascii.Error, OSError, ValueError) as error:
        raise HTTPException(422, f"images[{index}]: not a base64 JPEG or PNG ({error})") from None
    if array.shape[:2] != (sent.height, sent.width):
        raise HTTPException(
            422,
            f"images[{index}]: is {array.shape[1]}x{array.shape[0]}, "
            f"not the {sent.width}x{sent.height} stated",
        )
    return array


def remote_app(model: Model) -> FastAPI:
    """A FastAPI app serving `model` at `GET /spec` and `POST /predict`."""
    app = FastAPI(title=f"labelwright model {model.spec.name}")
    spec = model.spec

    @app.get("/spec")
    def get_spec() -> dict[str, Any]:
        return {
            "name": spec.name,
            "description": spec.description,
            "labels": list(spec.labels),
            "kinds": list(spec.kinds),
            "version": spec.version,
            "skeleton": list(spec.skeleton),
        }

    @app.post("/predict")
    def predict(request: PredictRequest) -> dict[str, Any]:
        images = [decode_sent_image(i, sent) for i, sent in enumerate(request.images)]
        sent = request.options
        options = PredictOptions(
            min_score=sent.min_score,
            labels=frozenset(sent.labels) if sent.labels is not None else None,
            settings=sent.settings,
        )
        found = model.predict(images, options) if images else []
        return {
            "predictions": [
                [
                    {
                        "label": p.label,
                        "score": float(p.score),
                        "shape": p.shape.model_dump(mode="json"),
                        "attributes": p.attributes,
                    }
                    for p in predictions
                ]
                for predictions in found
            ]
        }

    return app
