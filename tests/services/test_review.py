"""Review: decisions on record, sampling a share for review, comments, gold items in queues."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from labelwright.services import gold, queue, review
from labelwright.services.errors import Invalid, NotFound
from labelwright.store.tables import Assignment, Item, Review
from tests.services.test_queue import Team

EMPTY = {"objects": [], "tags": {}, "relations": []}


def _reviews(team: Team) -> list[Review]:
    with team.ctx.db.session(readonly=True) as sess:
        return list(sess.scalars(select(Review).order_by(Review.id)))


def test_a_review_decision_is_kept_with_its_comment(any_ctx):
    team = Team(any_ctx, n_items=1)
    team.submit("ann1", team.next("ann1"))
    lease = team.next("rev", "review")
    queue.review(
        any_ctx, team.users["rev"], team.project_id, lease.assignment_id, "reject", "box too loose"
    )
    [decision] = _reviews(team)
    assert (decision.decision, decision.reason, decision.comment) == (
        "reject",
        "review",
        "box too loose",
    )
    assert decision.reviewer_id == team.users["rev"].id


def test_sampling_is_stable_and_near_the_share():
    picked = [review.sampled_for_review(i, [7], 0.25) for i in range(4000)]
    assert picked == [review.sampled_for_review(i, [7], 0.25) for i in range(4000)]
    assert 0.22 < sum(picked) / len(picked) < 0.28
    assert all(review.sampled_for_review(i, [7], 1.0) for i in range(50))
    assert not any(review.sampled_for_review(i, [7], 0.0) for i in range(50))


def test_items_outside_the_sample_are_accepted_without_review(ctx):
    team = Team(ctx, n_items=40, settings={"review_share": 0.3})
    for _ in range(40):
        team.submit("ann1", team.next("ann1"))
    states = [team.state(i) for i in team.item_ids]
    expected = [
        "submitted" if review.sampled_for_review(i, [team.users["ann1"].id], 0.3) else "accepted"
        for i in team.item_ids
    ]
    assert states == expected and 0 < states.count("accepted") < 40
    automatic = [r for r in _reviews(team) if r.reason == "not_sampled"]
    assert len(automatic) == states.count("accepted") and all(
        r.reviewer_id is None for r in automatic
    )


def test_comments_are_pinned_listed_and_resolved(any_ctx):
    team = Team(any_ctx, n_items=1)
    item = team.item_ids[0]
    rev, ann = team.users["rev"], team.users["ann1"]
    first = review.add_comment(
        any_ctx, rev, team.project_id, item, "wheel missed", {"kind": "point", "x": 3, "y": 4}
    )
    review.add_comment(
        any_ctx, rev, team.project_id, item, "class?", {"kind": "object", "object_id": "o1"}
    )
    assert first.anchor == {"kind": "point", "x": 3.0, "y": 4.0, "frame": 0}
    review.set_comment_status(any_ctx, ann, team.project_id, first.id, "resolved")
    with any_ctx.db.session(readonly=True) as sess:
        still_open = review.list_comments(sess, ann, team.project_id, item, "open")
        everything = review.list_comments(sess, ann, team.project_id, item)
    assert [c.body for c in still_open] == ["class?"] and len(everything) == 2
    assert everything[0].resolved_by == ann.id


@pytest.mark.parametrize(
    ("body", "anchor", "message"),
    [
        ("", None, "write something"),
        ("x", {"kind": "region", "x": 0, "y": 0, "w": -1, "h": 2}, "anchor: region.w"),
        ("x", {"kind": "point", "x": float("nan"), "y": 0}, "finite"),
        ("x", {"kind": "circle"}, "anchor"),
    ],
)
def test_bad_comments_are_refused_clearly(ctx, body, anchor, message):
    team = Team(ctx, n_items=1)
    with pytest.raises(Invalid, match=message):
        review.add_comment(ctx, team.users["rev"], team.project_id, team.item_ids[0], body, anchor)


def test_clients_and_strangers_cannot_comment(ctx):
    team = Team(ctx, n_items=1)
    with pytest.raises(Exception) as denied:
        review.add_comment(ctx, team.users["cli"], team.project_id, team.item_ids[0], "hi")
    assert type(denied.value).__name__ == "Forbidden"
    with pytest.raises(NotFound):
        review.add_comment(ctx, team.users["stranger"], team.project_id, team.item_ids[0], "hi")


def test_gold_items_are_mixed_in_and_answered_once_each(ctx, monkeypatch):
    team = Team(ctx, n_items=4, settings={"gold_rate": 0.5})
    boss = team.users["boss"]
    gold_item = team.item_ids[0]
    gold.set_gold(ctx, boss, team.project_id, gold_item, body=EMPTY)
    monkeypatch.setattr(queue, "_draw", lambda: 0.0)  # every draw asks for gold
    first = team.next("ann1")
    assert first.item_id == gold_item
    team.submit("ann1", first)
    assert team.state(gold_item) == "new"  # a gold item's state never moves
    second = team.next("ann1")
    assert second.item_id != gold_item  # answered once; then ordinary work
    assert team.next("ann2").item_id == gold_item  # everyone gets their turn
    monkeypatch.setattr(queue, "_draw", lambda: 0.99)
    team.submit("ann1", second)
    seen = {team.next("ann1").item_id}
    assert gold_item not in seen


def test_gold_answers_are_checked_and_managed(ctx):
    team = Team(ctx, n_items=2)
    boss, item = team.users["boss"], team.item_ids[1]
    with pytest.raises(Invalid, match="not both"):
        gold.set_gold(ctx, boss, team.project_id, item, body=EMPTY, from_annotation=1)
    with pytest.raises(Invalid):
        gold.set_gold(ctx, boss, team.project_id, item, body={"objects": [{"id": "x"}]})
    gold.set_gold(ctx, boss, team.project_id, item, body=EMPTY)
    with ctx.db.session(readonly=True) as sess:
        assert [(g.item_id, name) for g, name in gold.list_gold(sess, boss, team.project_id)] == [
            (item, sess.get(Item, item).file_name)
        ]
    gold.remove_gold(ctx, boss, team.project_id, item)
    with pytest.raises(NotFound):
        gold.remove_gold(ctx, boss, team.project_id, item)


def test_heartbeats_add_up_active_time(ctx):
    team = Team(ctx, n_items=1)
    lease = team.next("ann1")
    for seconds in (10.0, 5.5, 0.0):
        queue.heartbeat(ctx, team.users["ann1"], team.project_id, lease.assignment_id, seconds)
    with ctx.db.session(readonly=True) as sess:
        assert sess.get(Assignment, lease.assignment_id).active_seconds == 15.5
