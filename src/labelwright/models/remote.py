"""A model served over HTTP: one more implementation of the batch model protocol.

The protocol (documented in docs/models.md, served by `remote_server.remote_app`):

- `GET {url}/spec` answers the model's spec: `name`, `labels`, `kinds`, optional
  `description`, `version` and `skeleton`.
- `POST {url}/predict` takes `{"images": [{"width", "height", "format", "data"}],
  "options": {"min_score", "labels", "settings"}}` with `data` the base64 of a PNG or
  JPEG file, and answers `{"predictions": [[{"label", "score", "shape", "attributes"}]]}`:
  one list per image, in order, each shape a domain shape (`{"kind": "bbox", ...}`).
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np
from PIL import Image as PILImage
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from labelwright.domain.shapes import Shape
from labelwright.models.images import check_images
from labelwright.models.protocol import Image, ModelError, ModelSpec, Prediction, PredictOptions

IMAGE_FORMATS = {"jpeg": "JPEG", "png": "PNG"}
JPEG_QUALITY = 95
CONNECT_TIMEOUT = 10.0


class RemoteSpec(BaseModel):
    """The body of `GET {url}/spec`."""

    model_config = ConfigDict(extra="ignore")

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    labels: list[str]
    kinds: list[str]
    version: str = "1"
    skeleton: list[str] = Field(default_factory=list)


class RemotePrediction(BaseModel):
    """One predicted object in a reply."""

    model_config = ConfigDict(extra="forbid")

    label: str = Field(min_length=1)
    score: float = Field(ge=0, le=1, allow_inf_nan=False)
    shape: Shape
    attributes: dict[str, Any] = Field(default_factory=dict)


class PredictReply(BaseModel):
    """The body of `POST {url}/predict`: one list of predictions per image sent."""

    predictions: list[list[RemotePrediction]]


def encode_image(image: Image, image_format: str) -> dict[str, Any]:
    """One image as the protocol sends it: size, format and base64 file bytes."""
    buffer = io.BytesIO()
    picture = PILImage.fromarray(np.ascontiguousarray(image), "RGB")
    if image_format == "jpeg":
        picture.save(buffer, "JPEG", quality=JPEG_QUALITY)
    else:
        picture.save(buffer, "PNG", compress_level=1)
    return {
        "width": int(image.shape[1]),
        "height": int(image.shape[0]),
        "format": image_format,
        "data": base64.b64encode(buffer.getvalue()).decode("ascii"),
    }


def _first_error(error: ValidationError) -> str:
    """The first validation problem, with where it is, in one line."""
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


class RemoteModel:
    """A batch model whose predictions come from an HTTP server speaking the protocol above."""

    def __init__(
        self,
        url: str,
        *,
        token: str | None = None,
        timeout: float = 60.0,
        batch_size: int = 8,
        image_format: str = "jpeg",
        client: httpx.Client | None = None,
    ) -> None:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ModelError(f"setting 'url' must be an http:// or https:// URL, got {url!r}")
        if image_format not in IMAGE_FORMATS:
            raise ModelError(f"setting 'image_format' must be jpeg or png, got {image_format!r}")
        if not 0 < timeout <= 3600 or not 1 <= batch_size <= 256:
            raise ModelError("settings: 'timeout' must be 0..3600 s and 'batch_size' 1..256")
        self.url = url.rstrip("/")
        self.batch_size, self.image_format = int(batch_size), image_format
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.client = client or httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)),
            follow_redirects=False,
        )
        self.headers = headers
        self.spec = self._fetch_spec()

    def _request(
        self,
        method: str,
        path: str,
        *,
        content: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Any:
        """One call to the server, answering its JSON body; every failure is a ModelError."""
        url = f"{self.url}/{path}"
        headers = {**self.headers, **(extra_headers or {})}
        try:
            response = self.client.request(method, url, headers=headers, content=content)
        except httpx.TimeoutException as error:
            raise ModelError(f"remote model at {url} timed out ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise ModelError(f"remote model at {url} is unreachable: {error}") from error
        if response.status_code != 200:
            detail = response.text[:200].strip()
            raise ModelError(
                f"remote model at {url} answered HTTP {response.status_code}"
                + (f": {detail}" if detail else "")
            )
        try:
            return response.json()
        except ValueError:
            raise ModelError(f"remote model at {url} answered something that is not JSON") from None

    def _fetch_spec(self) -> ModelSpec:
        """The server's spec, as a ModelSpec."""
        try:
            remote = RemoteSpec.model_validate(self._request("GET", "spec"))
        except ValidationError as error:
            raise ModelError(
                f"remote model at {self.url}/spec sent a bad spec: {_first_error(error)}"
            ) from None
        return ModelSpec(
            name=remote.name,
            description=remote.description or f"remote model at {self.url}",
            labels=tuple(remote.labels),
            kinds=tuple(remote.kinds),
            version=remote.version,
            skeleton=tuple(remote.skeleton),
        )

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Send the images in batches of `batch_size`; one list of predictions per image."""
        check_images(images)
        results: list[list[Prediction]] = []
        for start in range(0, len(images), self.batch_size):
            results.extend(self._predict_batch(images[start : start + self.batch_size], options))
        return results

    def _predict_batch(
        self, images: Sequence[Image], options: PredictOptions
    ) -> list[list[Prediction]]:
        """One POST for a batch of images, its reply checked against the protocol."""
        body = {
            "images": [encode_image(image, self.image_format) for image in images],
            "options": {
                "min_score": options.min_score,
                "labels": sorted(options.labels) if options.labels is not None else None,
                "settings": options.settings,
            },
        }
        try:
            content = json.dumps(body, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise ModelError(f"options.settings cannot be sent as JSON: {error}") from None
        headers = {"Content-Type": "application/json"}
        try:
            answer = self._request("POST", "predict", content=content, extra_headers=headers)
            reply = PredictReply.model_validate(answer)
        except ValidationError as error:
            raise ModelError(
                f"remote model at {self.url}/predict sent a bad reply: {_first_error(error)}"
            ) from None
        if len(reply.predictions) != len(images):
            raise ModelError(
                f"remote model at {self.url}/predict answered {len(reply.predictions)} lists "
                f"for {len(images)} images"
            )
        return [
            [
                Prediction(label=p.label, shape=p.shape, score=p.score, attributes=p.attributes)
                for p in found
                if p.score >= options.min_score
                and (options.labels is None or p.label in options.labels)
            ]
            for found in reply.predictions
        ]

    def close(self) -> None:
        """Close the HTTP connections."""
        self.client.close()
