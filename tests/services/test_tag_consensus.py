"""Dawid–Skene over a project's overlap items: careful annotators outvote a careless one."""

from __future__ import annotations

import random

from sqlalchemy import select

from labelwright.domain.schema import LabelSchema, Option, TagGroup
from labelwright.services import annotations
from labelwright.services.consensus import CONSENSUS_MODEL
from labelwright.services.labelschema import append_schema
from labelwright.services.tag_consensus import apply_tag_consensus, tag_consensus
from labelwright.store.tables import Prediction
from tests.services.test_queue import Team

OPTIONS = ["indoor", "outdoor", "space"]
SCHEMA = LabelSchema(
    tag_groups=[TagGroup(id="scene", name="Scene", options=[Option(id=o, name=o) for o in OPTIONS])]
)


def test_careless_answers_are_outweighed_and_error_rates_learned(ctx):
    rng = random.Random(3)
    team = Team(ctx, n_items=40, overlap=3, settings={"review_share": 0.0})
    with ctx.db.session() as sess:
        append_schema(sess, team.project_id, SCHEMA, 1, team.users["boss"])
    truth = {}
    for item in team.item_ids:
        truth[item] = rng.choice(OPTIONS)
    # ann1 and ann2 are careful; ann3 consistently swaps the options (indoor -> outdoor ->
    # space -> indoor): useless to a vote, fully informative once its confusion is learned.
    swapped = {o: OPTIONS[(i + 1) % 3] for i, o in enumerate(OPTIONS)}
    for who in ("ann1", "ann2", "ann3"):
        for _ in team.item_ids:
            lease_item = team.next(who)
            right = truth[lease_item.item_id]
            careful = right if rng.random() < 0.8 else rng.choice(OPTIONS)
            given = swapped[right] if who == "ann3" else careful
            body = {"objects": [], "tags": {"scene": [given]}}
            annotations.save(
                ctx,
                team.users[who],
                team.project_id,
                item_id=lease_item.item_id,
                body=body,
                expected=0,
            )
            team.submit(who, lease_item)
    [scene] = tag_consensus(ctx, team.users["boss"], team.project_id)
    estimated = {item: e["option"] for item, e in scene.items.items()}
    majority = {item: e["majority"] for item, e in scene.items.items()}
    right = sum(estimated[i] == truth[i] for i in truth)
    by_majority = sum(majority[i] == truth[i] for i in truth)
    assert right >= 38 and right > by_majority
    assert scene.annotators[team.users["ann1"].id]["accuracy"] > 0.7
    assert scene.annotators[team.users["ann3"].id]["accuracy"] < 0.1
    confusion = scene.annotators[team.users["ann3"].id]["confusion"]
    assert all(confusion[i][(i + 1) % 3] > 0.8 for i in range(3))  # the swap, learned
    # Items whose vote-based consensus already matched keep it; the others get a new run.
    changed = apply_tag_consensus(ctx, team.users["boss"], team.project_id)
    assert 0 < changed < 40
    newest = {}
    with ctx.db.session(readonly=True) as sess:
        query = select(Prediction).where(Prediction.model == CONSENSUS_MODEL)
        for row in sess.scalars(query.order_by(Prediction.id)):
            newest[row.item_id] = (row.body.get("tags") or {}).get("scene", [None])[0]
    assert newest == estimated
    assert apply_tag_consensus(ctx, team.users["boss"], team.project_id) == 0  # nothing new


def test_nothing_to_agree_on_is_said_clearly(ctx):
    team = Team(ctx, n_items=1)
    with ctx.db.session() as sess:
        append_schema(sess, team.project_id, SCHEMA, 1, team.users["boss"])
    assert tag_consensus(ctx, team.users["boss"], team.project_id)[0].items == {}
    assert apply_tag_consensus(ctx, team.users["boss"], team.project_id) == 0
