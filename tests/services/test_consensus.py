"""Consensus on overlap items: merged when the last annotator submits, low agreement reviewed."""

from __future__ import annotations

from sqlalchemy import select

from labelwright.services import annotations
from labelwright.services.consensus import CONSENSUS_MODEL
from labelwright.services.labelschema import append_schema
from labelwright.store.tables import Image, Item, ItemAgreementRow, Prediction
from tests.services.test_datasets import SCHEMA, box
from tests.services.test_queue import Team


def _label(team: Team, who: str, objects: list[dict]) -> None:
    lease = team.next(who)
    user = team.users[who]
    annotations.save(
        team.ctx,
        user,
        team.project_id,
        item_id=lease.item_id,
        body={"objects": objects},
        expected=0,
    )
    team.submit(who, lease)


def _team(ctx, **settings) -> Team:
    team = Team(ctx, n_items=1, overlap=2, settings=settings)
    with ctx.db.session() as sess:
        append_schema(sess, team.project_id, SCHEMA, 1, team.users["boss"])
        for item in sess.scalars(select(Item).where(Item.project_id == team.project_id)):
            image = sess.get(Image, item.image_id)
            image.width, image.height = 100, 80  # room for the boxes
    return team


def test_agreeing_annotators_give_a_consensus_and_a_score(any_ctx):
    team = _team(any_ctx, review_share=0.0)
    _label(team, "ann1", [box("a", "car", 2, 2), box("b", "person", 30, 20)])
    _label(team, "ann2", [box("x", "car", 3, 2), box("y", "person", 30, 21)])
    item = team.item_ids[0]
    with any_ctx.db.session(readonly=True) as sess:
        merged = sess.scalars(select(Prediction).where(Prediction.model == CONSENSUS_MODEL)).one()
        agreement = sess.get(ItemAgreementRow, item)
    assert merged.object_count == 2 and merged.item_id == item
    assert {o["source"] for o in merged.body["objects"]} == {"consensus"}
    assert agreement.annotators == 2 and agreement.score > 0.7
    assert set(agreement.per_user) == {str(team.users["ann1"].id), str(team.users["ann2"].id)}
    assert team.state(item) == "accepted"  # agreed, and nothing is sampled for review


def test_disagreeing_annotators_send_the_item_to_review(ctx):
    team = _team(ctx, review_share=0.0, agreement_threshold=0.5)
    _label(team, "ann1", [box("a", "car", 2, 2)])
    _label(team, "ann2", [box("x", "person", 40, 30)])
    with ctx.db.session(readonly=True) as sess:
        assert sess.get(ItemAgreementRow, team.item_ids[0]).score < 0.5
    assert team.state(team.item_ids[0]) == "submitted"  # waits for a reviewer
