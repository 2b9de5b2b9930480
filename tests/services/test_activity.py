"""Activity events written with the change, read back by id (late commits too), and the inbox."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select

from labelwright.domain.roles import ProjectRole
from labelwright.services import activity, inbox, jobs, projects, queue, review
from labelwright.services.errors import Conflict
from labelwright.store.tables import ActivityEvent, Batch, InboxEntry, Item
from tests.services.test_queue import Team


def _events(ctx, project_id: int) -> list[ActivityEvent]:
    with ctx.db.session(readonly=True) as sess:
        return list(
            sess.scalars(
                select(ActivityEvent)
                .where(ActivityEvent.project_id == project_id)
                .order_by(ActivityEvent.id)
            )
        )


def _reject(team: Team, comment: str = "box too loose") -> None:
    lease = team.next("rev", "review")
    queue.review(
        team.ctx, team.users["rev"], team.project_id, lease.assignment_id, "reject", comment
    )


def test_submit_and_review_record_events_in_order(any_ctx):
    team = Team(any_ctx, n_items=2)
    first, second = team.item_ids
    team.submit("ann1", team.next("ann1"))
    lease = team.next("rev", "review")
    queue.review(any_ctx, team.users["rev"], team.project_id, lease.assignment_id, "accept")
    team.submit("ann1", team.next("ann1"))
    _reject(team)
    found = [(e.kind, e.item_id, e.actor_id) for e in _events(any_ctx, team.project_id)]
    ann, rev = team.users["ann1"].id, team.users["rev"].id
    assert found == [
        ("item.submitted", first, ann),
        ("item.accepted", first, rev),
        ("item.submitted", second, ann),
        ("item.rejected", second, rev),
    ]
    with any_ctx.db.session(readonly=True) as sess:
        views = activity.events_after(sess, team.project_id, 0)
    assert [v.item_state for v in views] == ["accepted", "accepted", "rejected", "rejected"]
    assert views[3].payload["comment"] == "box too loose" and views[3].actor == "rev"


def test_an_automatic_accept_follows_its_submit(ctx):
    team = Team(ctx, n_items=1, settings={"review_share": 0.0})
    team.submit("ann1", team.next("ann1"))
    kinds = [(e.kind, e.actor_id) for e in _events(ctx, team.project_id)]
    assert kinds == [("item.submitted", team.users["ann1"].id), ("item.accepted", None)]
    assert _events(ctx, team.project_id)[1].payload["reason"] == "not_sampled"


def test_a_refused_change_leaves_no_event(any_ctx):
    team = Team(any_ctx, n_items=1)
    lease = team.next("ann1")
    team.submit("ann1", lease)
    with pytest.raises(Conflict):
        team.submit("ann1", lease)  # the lease is no longer active
    assert [e.kind for e in _events(any_ctx, team.project_id)] == ["item.submitted"]


def test_a_batch_completes_once_when_its_last_item_is_accepted(any_ctx):
    team = Team(any_ctx, n_items=2, settings={"review_share": 0.0})
    with any_ctx.db.session() as sess:
        batch = Batch(project_id=team.project_id, name="client drop")
        sess.add(batch)
        sess.flush()
        for item_id in team.item_ids:
            sess.get(Item, item_id).batch_id = batch.id
        batch_id = batch.id
    team.submit("ann1", team.next("ann1"))
    assert "batch.completed" not in [e.kind for e in _events(any_ctx, team.project_id)]
    team.submit("ann1", team.next("ann1"))
    done = [e for e in _events(any_ctx, team.project_id) if e.kind == "batch.completed"]
    assert len(done) == 1 and done[0].payload == {
        "batch_id": batch_id,
        "name": "client drop",
        "items": 2,
    }
    with any_ctx.db.session(readonly=True) as sess:
        assert sess.get(Batch, batch_id).completed_at is not None


def test_clients_see_progress_without_names(ctx):
    team = Team(ctx, n_items=1, settings={"review_share": 0.0})
    review.add_comment(ctx, team.users["ann1"], team.project_id, team.item_ids[0], "hm")
    team.submit("ann1", team.next("ann1"))
    with ctx.db.session(readonly=True) as sess:
        seen = activity.read_events(sess, team.users["cli"], team.project_id, 0)
        team_view = activity.read_events(sess, team.users["rev"], team.project_id, 0)
    assert [(e.kind, e.actor, e.actor_id) for e in seen] == [("item.accepted", None, None)]
    assert [e.kind for e in team_view] == ["comment.added", "item.submitted", "item.accepted"]


def test_job_finished_is_recorded_when_a_job_ends(ctx):
    team = Team(ctx, n_items=1)
    job_id = jobs.queue_job(ctx, team.users["boss"], team.project_id, "export", {"format": "x"})
    jobs.run_inline(ctx, job_id)
    [event] = _events(ctx, team.project_id)
    assert event.kind == "job.finished"
    assert event.payload["job_id"] == job_id and event.payload["state"] == "failed"


# --- following the table ---------------------------------------------------------------


def _follower(ctx, team: Team, who: str = "boss", after: int = 0) -> activity.Follower:
    with ctx.db.session(readonly=True) as sess:
        reader = activity.reader(sess, team.users[who], team.project_id)
    return activity.Follower(ctx.db, reader, after)


def _comment(ctx, team: Team, text: str) -> int:
    review.add_comment(ctx, team.users["rev"], team.project_id, team.item_ids[0], text)
    with ctx.db.session(readonly=True) as sess:
        return activity.last_event_id(sess, team.project_id)


def test_follower_reads_new_events_and_late_commits_until_settled(ctx):
    team = Team(ctx, n_items=1)
    ids = [_comment(ctx, team, f"note {n}") for n in range(3)]
    # The middle event is not visible yet, as if its transaction had not committed.
    with ctx.db.session() as sess:
        row = sess.get(ActivityEvent, ids[1])
        late = {c: getattr(row, c) for c in ("project_id", "kind", "item_id", "payload")}
        sess.execute(delete(ActivityEvent).where(ActivityEvent.id == ids[1]))
    follower = _follower(ctx, team)
    found, _ = follower.poll(0.0)
    assert [e.id for e in found] == [ids[0], ids[2]]
    with ctx.db.session() as sess:
        sess.add(ActivityEvent(id=ids[1], **late))
    found, _ = follower.poll(1.0)
    assert [e.id for e in found] == [ids[1]]
    assert follower.poll(2.0)[0] == []  # nothing twice
    # Past the settling time a hole is given up: a row appearing there is not read.
    follower.poll(activity.SETTLE_SECONDS + 1)
    with ctx.db.session() as sess:
        sess.execute(delete(ActivityEvent).where(ActivityEvent.id == ids[1]))
        sess.add(ActivityEvent(id=ids[1], **late))
    assert follower.poll(activity.SETTLE_SECONDS + 2)[0] == []
    newer = _comment(ctx, team, "later")
    assert [e.id for e in follower.poll(activity.SETTLE_SECONDS + 3)[0]] == [newer]


def test_follower_reports_presence_when_it_changes(ctx):
    team = Team(ctx, n_items=2)
    follower = _follower(ctx, team)
    assert follower.poll(0.0)[1] == []
    lease = team.next("ann1")
    _, present = follower.poll(1.0)
    assert present == [
        {
            "item_id": lease.item_id,
            "kind": "annotate",
            "user_id": team.users["ann1"].id,
            "username": "ann1",
        }
    ]
    assert follower.poll(2.0)[1] is None  # unchanged
    queue.release(ctx, team.users["ann1"], team.project_id, lease.assignment_id)
    assert follower.poll(3.0)[1] == []
    client = _follower(ctx, team, "cli")
    assert client.poll(0.0)[1] is None  # clients get no presence


# --- inbox -------------------------------------------------------------------------


def test_mentions_reach_members_only_and_not_the_author(any_ctx):
    team = Team(any_ctx, n_items=1)
    rev = team.users["rev"]
    text = "@ann1 and @ann2, see the wheel; cc @stranger @rev mail x@ann3.com"
    review.add_comment(any_ctx, rev, team.project_id, team.item_ids[0], text)
    with any_ctx.db.session(readonly=True) as sess:
        rows = list(sess.scalars(select(InboxEntry).order_by(InboxEntry.user_id)))
    assert [r.user_id for r in rows] == [team.users["ann1"].id, team.users["ann2"].id]
    assert {r.kind for r in rows} == {"mention"} and all(r.actor_id == rev.id for r in rows)


def test_mentioned_names_handle_punctuation_and_addresses():
    names = inbox.mentioned_names("@ann. @bob-smith, (@carol) a@b.c @dave@corp!")
    assert names == ["ann.", "ann", "bob-smith", "carol", "dave@corp"]


def test_rejection_reaches_the_annotator_and_can_be_read(any_ctx):
    team = Team(any_ctx, n_items=1)
    ann = team.users["ann1"]
    team.submit("ann1", team.next("ann1"))
    _reject(team, "missed the bike, @ann2 knows")
    with any_ctx.db.session(readonly=True) as sess:
        mine = inbox.list_entries(sess, ann)
        theirs = inbox.list_entries(sess, team.users["ann2"])
        assert inbox.unread_count(sess, ann) == 1
    assert [(e.kind, e.actor, e.file_name, e.read) for e in mine] == [
        ("rejection", "rev", "000.png", False)
    ]
    assert [e.kind for e in theirs] == ["mention"]
    assert inbox.mark_read(any_ctx, ann) == 1
    with any_ctx.db.session(readonly=True) as sess:
        assert inbox.unread_count(sess, ann) == 0
        assert inbox.list_entries(sess, ann, unread_only=True) == []
    assert inbox.mark_read(any_ctx, ann, [mine[0].id], read=False) == 1


def test_entries_of_a_project_left_are_hidden(ctx):
    team = Team(ctx, n_items=1)
    team.submit("ann1", team.next("ann1"))
    _reject(team)
    with ctx.db.session() as sess:
        project = projects.find_project(sess, team.project_id)
        projects.remove_member(sess, project, team.users["ann1"].id)
    with ctx.db.session(readonly=True) as sess:
        assert inbox.list_entries(sess, team.users["ann1"]) == []
        assert inbox.unread_count(sess, team.users["ann1"]) == 0
    with ctx.db.session() as sess:
        project = projects.find_project(sess, team.project_id)
        projects.set_member(sess, project, team.users["ann1"], ProjectRole.annotator)
    with ctx.db.session(readonly=True) as sess:
        assert len(inbox.list_entries(sess, team.users["ann1"])) == 1
