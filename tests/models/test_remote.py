"""A model over HTTP: the client against the reference server in-process, and bad servers."""

from __future__ import annotations

import json

import httpx
import numpy as np
import pytest
from fastapi.testclient import TestClient

from labelwright.domain.shapes import BBox, Polygon
from labelwright.models.protocol import ModelError, ModelSpec, Prediction, PredictOptions
from labelwright.models.registry import load_model
from labelwright.models.remote import RemoteModel
from labelwright.models.remote_server import remote_app

SPEC_BODY = {"name": "echo", "labels": ["frame", "corner"], "kinds": ["bbox"]}


class EchoModel:
    """Boxes the whole image ("frame", 0.9) and its top-left pixel ("corner", 0.2)."""

    spec = ModelSpec(
        name="echo", description="echoes sizes", labels=("frame", "corner"), kinds=("bbox",)
    )

    def __init__(self) -> None:
        self.calls: list[tuple[int, PredictOptions]] = []

    def predict(self, images, options):
        self.calls.append((len(images), options))
        found = []
        for image in images:
            height, width = image.shape[:2]
            frame = Prediction(
                "frame", BBox(x=0, y=0, w=width, h=height), 0.9, {"red": int(image[0, 0, 0])}
            )
            corner = Prediction("corner", BBox(x=0, y=0, w=1, h=1), 0.2)
            found.append([frame, corner])
        return found


@pytest.fixture
def served() -> tuple[EchoModel, TestClient]:
    model = EchoModel()
    return model, TestClient(remote_app(model))


def image(width: int, height: int, red: int = 0) -> np.ndarray:
    out = np.zeros((height, width, 3), np.uint8)
    out[..., 0] = red
    return out


def test_the_spec_and_predictions_travel_over_http(served) -> None:
    model, client = served
    remote = RemoteModel("http://testserver/", client=client, image_format="png", batch_size=2)
    assert remote.spec.name == "echo" and remote.spec.labels == ("frame", "corner")
    found = remote.predict(
        [image(30, 20, 200), image(10, 15), image(7, 7)], PredictOptions(min_score=0.1)
    )
    assert [p.shape for p in found[0]] == [BBox(x=0, y=0, w=30, h=20), BBox(x=0, y=0, w=1, h=1)]
    assert found[0][0].attributes == {"red": 200} and found[0][0].score == 0.9
    assert found[2][0].shape == BBox(x=0, y=0, w=7, h=7)
    assert [count for count, _ in model.calls] == [2, 1]  # batches of two
    assert model.calls[0][1].min_score == 0.1


def test_jpeg_is_the_default_and_options_reach_the_server(served) -> None:
    model, client = served
    remote = RemoteModel("http://testserver", client=client)
    options = PredictOptions(min_score=0.5, labels=frozenset({"frame"}), settings={"k": 1})
    [found] = remote.predict([image(16, 16)], options)
    assert [p.label for p in found] == ["frame"]
    sent = model.calls[0][1]
    assert (sent.min_score, sent.labels, sent.settings) == (0.5, frozenset({"frame"}), {"k": 1})


def test_the_reference_server_refuses_undecodable_images(served) -> None:
    _, client = served
    body = {"images": [{"width": 2, "height": 2, "format": "png", "data": "!!!"}]}
    response = client.post("/predict", json=body)
    assert response.status_code == 422 and "images[0]: not a base64 JPEG or PNG" in response.text


def mock_remote(handler, **settings) -> RemoteModel:
    """A RemoteModel whose server is `handler` for /predict (the spec is always good)."""

    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/spec"):
            return httpx.Response(200, json=SPEC_BODY)
        return handler(request)

    client = httpx.Client(transport=httpx.MockTransport(route))
    return RemoteModel("https://models.example/v1", client=client, **settings)


def test_the_token_goes_in_a_bearer_header() -> None:
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers.get("authorization")
        seen["body"] = json.loads(request.content)
        return httpx.Response(200, json={"predictions": [[]]})

    remote = mock_remote(handler, token="s3cret")
    assert remote.predict([image(4, 4)], PredictOptions()) == [[]]
    assert seen["auth"] == "Bearer s3cret"
    assert seen["body"]["images"][0]["format"] == "jpeg"


def test_a_polygon_reply_is_a_domain_polygon() -> None:
    ring = [[0, 0], [4, 0], [4, 4]]
    reply = {
        "predictions": [
            [{"label": "frame", "score": 1, "shape": {"kind": "polygon", "rings": [ring]}}]
        ]
    }
    remote = mock_remote(lambda request: httpx.Response(200, json=reply))
    [[found]] = remote.predict([image(4, 4)], PredictOptions())
    assert isinstance(found.shape, Polygon) and found.shape.rings[0][1] == (4, 0)


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(500, text="out of memory"), r"answered HTTP 500: out of memory"),
        (httpx.Response(200, text="<html>"), r"answered something that is not JSON"),
        (httpx.Response(200, json={"predictions": []}), r"answered 0 lists for 1 images"),
        (httpx.Response(200, json={"boxes": []}), r"sent a bad reply: predictions: Field required"),
        (
            httpx.Response(
                200, json={"predictions": [[{"label": "a", "score": 2, "shape": {"kind": "tag"}}]]}
            ),
            r"bad reply: predictions.0.0.score: Input should be less than or equal to 1",
        ),
        (
            httpx.Response(
                200, json={"predictions": [[{"label": "a", "score": 1, "shape": {"kind": "star"}}]]}
            ),
            r"bad reply: predictions.0.0.shape: Input tag 'star'",
        ),
    ],
)
def test_bad_replies_are_model_errors_naming_the_server(response, message) -> None:
    remote = mock_remote(lambda request: response)
    with pytest.raises(ModelError, match=r"remote model at https://models.example/v1/predict"):
        remote.predict([image(4, 4)], PredictOptions())
    with pytest.raises(ModelError, match=message):
        remote.predict([image(4, 4)], PredictOptions())


def test_timeouts_and_unreachable_servers_are_model_errors() -> None:
    def slow(request):
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(ModelError, match=r"v1/predict timed out \(ReadTimeout\)"):
        mock_remote(slow).predict([image(4, 4)], PredictOptions())

    def down(request):
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(ModelError, match=r"is unreachable: connection refused"):
        mock_remote(down).predict([image(4, 4)], PredictOptions())


def test_a_bad_spec_is_refused_when_the_model_is_built() -> None:
    client = httpx.Client(
        transport=httpx.MockTransport(lambda r: httpx.Response(200, json={"name": "x"}))
    )
    with pytest.raises(ModelError, match=r"/spec sent a bad spec: labels: Field required"):
        RemoteModel("http://models.example", client=client)


def test_settings_are_checked() -> None:
    with pytest.raises(ModelError, match=r"setting 'url' must be an http"):
        load_model("remote", {"url": "ftp://models.example"})
    with pytest.raises(ModelError, match=r"'image_format' must be jpeg or png"):
        RemoteModel("http://models.example", image_format="webp")
    remote = mock_remote(lambda r: httpx.Response(200, json={"predictions": [[]]}))
    with pytest.raises(ModelError, match=r"options.settings cannot be sent as JSON"):
        remote.predict([image(4, 4)], PredictOptions(settings={"when": object()}))
