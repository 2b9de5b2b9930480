"""The work queue: order, leases and expiry, overlap, skips, submissions, review, concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from labelwright.domain.roles import ProjectRole
from labelwright.services import projects, queue, users
from labelwright.services.errors import Conflict, Forbidden, Invalid, NotFound
from labelwright.store import tables
from labelwright.store.tables import Annotation, Assignment, Image, Item, Project

PASSWORD = "a long enough password"
START = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A settable stand-in for tables.utcnow."""

    def __init__(self) -> None:
        self.t = START

    def __call__(self) -> datetime:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(tables, "utcnow", c)
    return c


class Team:
    """A project with items and one account per name, made straight in the store."""

    def __init__(self, ctx, n_items=3, overlap=1, settings=None, priorities=None, extra=()):
        self.ctx = ctx
        self.users: dict[str, tables.User] = {}
        roles = {"boss": "manager", "ann1": "annotator", "ann2": "annotator"}
        roles |= {"ann3": "annotator", "rev": "reviewer", "cli": "client"}
        roles |= {name: "annotator" for name in extra}
        with ctx.db.session() as sess:
            for name in [*roles, "stranger"]:
                self.users[name] = users.create_user(sess, name, PASSWORD)
            project = projects.create_project(
                sess, "queue", creator=self.users["boss"], overlap=overlap
            )
            project.settings = dict(settings or {})
            for name, role in roles.items():
                if role != "manager":
                    projects.set_member(sess, project, self.users[name], ProjectRole(role))
            self.project_id = project.id
            self.item_ids = add_items(sess, project.id, n_items, priorities)

    def next(self, who: str, kind: str = "annotate") -> queue.Lease | None:
        return queue.next_item(self.ctx, self.users[who], self.project_id, kind)

    def submit(self, who: str, lease: queue.Lease) -> queue.Outcome:
        return queue.submit(self.ctx, self.users[who], self.project_id, lease.assignment_id)

    def state(self, item_id: int) -> str:
        with self.ctx.db.session() as sess:
            return sess.get(Item, item_id).state


def add_items(sess, project_id: int, n: int, priorities=None) -> list[int]:
    """n items with images of their own, created in order (so ids rise with age)."""
    ids = []
    for i in range(n):
        image = Image(
            sha256=f"{project_id:08x}{i:056x}",
            phash="0" * 16,
            format="png",
            mime="image/png",
            width=10,
            height=10,
            size_bytes=100,
            blob_key=f"o/{i}",
            thumb_key=f"t/{i}",
        )
        sess.add(image)
        sess.flush()
        priority = priorities[i] if priorities else 0.0
        item = Item(
            project_id=project_id, image_id=image.id, file_name=f"{i:03}.png", priority=priority
        )
        sess.add(item)
        sess.flush()
        ids.append(item.id)
    return ids


def test_oldest_first_by_default(ctx, clock):
    team = Team(ctx, n_items=3, priorities=[0, 9, 5])
    got = [team.next(who).item_id for who in ("ann1", "ann2", "ann3")]
    assert got == team.item_ids
    assert team.state(team.item_ids[0]) == "annotating"


def test_priority_order_higher_first_then_oldest(ctx, clock):
    team = Team(ctx, n_items=4, settings={"order": "priority"}, priorities=[1, 9, 5, 9])
    got = [team.next(who).item_id for who in ("ann1", "ann2", "ann3", "boss")]
    ids = team.item_ids
    assert got == [ids[1], ids[3], ids[2], ids[0]]


def test_asking_again_resumes_the_active_lease(ctx, clock):
    team = Team(ctx)
    first = team.next("ann1")
    clock.advance(200)
    again = team.next("ann1")
    assert again.assignment_id == first.assignment_id
    assert again.expires_at == clock.t + timedelta(seconds=300)  # resuming renews it


def test_expired_lease_frees_the_slot_for_someone_else(any_ctx, clock):
    team = Team(any_ctx, n_items=1, settings={"lease_seconds": 60})
    lease = team.next("ann1")
    assert lease.expires_at == START + timedelta(seconds=60)
    assert team.next("ann2") is None
    clock.advance(61)
    taken = team.next("ann2")
    assert taken.item_id == lease.item_id
    with pytest.raises(Conflict, match=f"lease on item {lease.item_id} expired at"):
        queue.heartbeat(any_ctx, team.users["ann1"], team.project_id, lease.assignment_id)
    with pytest.raises(Conflict):
        team.submit("ann1", lease)
    assert team.next("ann1") is None


def test_heartbeat_extends_and_renews_an_expired_lease_nobody_took(any_ctx, clock):
    team = Team(any_ctx, n_items=1)
    lease = team.next("ann1")
    clock.advance(100)
    beat = queue.heartbeat(any_ctx, team.users["ann1"], team.project_id, lease.assignment_id)
    assert beat.expires_at == clock.t + timedelta(seconds=300)
    clock.advance(1000)  # lapsed, but the slot is still free: keep the work
    beat = queue.heartbeat(any_ctx, team.users["ann1"], team.project_id, lease.assignment_id)
    assert beat.expires_at == clock.t + timedelta(seconds=300)
    assert team.submit("ann1", lease).item_state == "submitted"


def test_overlap_two_gives_an_item_to_two_people_and_never_a_third(any_ctx, clock):
    team = Team(any_ctx, n_items=1, overlap=2)
    a, b = team.next("ann1"), team.next("ann2")
    assert a.item_id == b.item_id and a.assignment_id != b.assignment_id
    assert team.next("ann3") is None
    assert team.submit("ann1", a).item_state == "annotating"
    assert team.next("ann1") is None  # never the same item twice
    assert team.next("ann3") is None
    assert team.submit("ann2", b).item_state == "submitted"
    assert team.next("ann3") is None


def test_skip_needs_a_reason_and_the_item_goes_to_others(ctx, clock):
    team = Team(ctx, n_items=1)
    lease = team.next("ann1")
    for blank in ("", "   "):
        with pytest.raises(Invalid, match="reason"):
            queue.skip(ctx, team.users["ann1"], team.project_id, lease.assignment_id, blank)
    done = queue.skip(ctx, team.users["ann1"], team.project_id, lease.assignment_id, "blurry")
    assert done.status == "skipped"
    assert team.next("ann1") is None
    assert team.next("ann2").item_id == lease.item_id
    with ctx.db.session() as sess:
        assert sess.get(Assignment, lease.assignment_id).skip_reason == "blurry"
    with pytest.raises(Conflict, match="skipped"):
        queue.heartbeat(ctx, team.users["ann1"], team.project_id, lease.assignment_id)


def test_release_gives_the_item_back_to_everyone(ctx, clock):
    team = Team(ctx, n_items=1)
    lease = team.next("ann1")
    assert queue.release(ctx, team.users["ann1"], team.project_id, lease.assignment_id).status == (
        "released"
    )
    assert team.next("ann1").item_id == lease.item_id


def test_submit_without_a_save_records_an_empty_annotation(ctx, clock):
    team = Team(ctx, n_items=1)
    lease = team.next("ann1")
    outcome = team.submit("ann1", lease)
    assert (outcome.status, outcome.item_state) == ("submitted", "submitted")
    with ctx.db.session() as sess:
        row = sess.scalar(select(Annotation).where(Annotation.item_id == lease.item_id))
        assert (row.user_id, row.revision, row.submitted) == (team.users["ann1"].id, 0, True)
    with pytest.raises(Conflict, match="submitted"):
        team.submit("ann1", lease)


def test_submit_flips_an_existing_saved_annotation(ctx, clock):
    team = Team(ctx, n_items=1)
    lease = team.next("ann1")
    with ctx.db.session() as sess:
        sess.add(
            Annotation(
                project_id=team.project_id,
                item_id=lease.item_id,
                user_id=team.users["ann1"].id,
                revision=3,
                object_count=2,
            )
        )
    team.submit("ann1", lease)
    with ctx.db.session() as sess:
        row = sess.scalar(select(Annotation).where(Annotation.item_id == lease.item_id))
        assert (row.revision, row.object_count, row.submitted) == (3, 2, True)


def test_review_accept(any_ctx, clock):
    team = Team(any_ctx, n_items=2)
    team.submit("ann1", team.next("ann1"))
    assert team.next("rev", "review").item_id == team.item_ids[0]
    assert team.state(team.item_ids[0]) == "in_review"
    assert team.next("boss", "review") is None  # one reviewer per item
    lease = team.next("rev", "review")
    outcome = queue.review(
        any_ctx, team.users["rev"], team.project_id, lease.assignment_id, "accept", "fine"
    )
    assert (outcome.status, outcome.item_state) == ("submitted", "accepted")
    assert team.next("rev", "review") is None


def test_rejected_items_come_back_to_their_annotator_first(ctx, clock):
    team = Team(ctx, n_items=3, settings={"order": "priority"}, priorities=[5, 1, 1])
    first = team.next("ann1")
    assert first.item_id == team.item_ids[0]
    team.submit("ann1", first)
    lease = team.next("rev", "review")
    with pytest.raises(Invalid, match="decision"):
        queue.review(ctx, team.users["rev"], team.project_id, lease.assignment_id, "maybe")
    queue.review(ctx, team.users["rev"], team.project_id, lease.assignment_id, "reject", "redo")
    assert team.state(first.item_id) == "rejected"
    with ctx.db.session() as sess:
        for item_id in team.item_ids[1:]:  # newer work outranks it by priority ...
            sess.get(Item, item_id).priority = 10
    assert team.next("ann2").item_id == team.item_ids[1]  # ... and others never get it
    back = team.next("ann1")
    assert back.item_id == first.item_id  # ... yet its annotator gets it back first
    assert team.state(first.item_id) == "annotating"
    with ctx.db.session() as sess:
        mine = sess.scalar(select(Annotation).where(Annotation.item_id == first.item_id))
        assert mine.submitted is False
    assert team.submit("ann1", back).item_state == "submitted"
    assert team.next("rev", "review").item_id == first.item_id


def test_roles_and_ownership(ctx, clock):
    team = Team(ctx, n_items=2)
    with pytest.raises(Forbidden):
        team.next("cli")
    with pytest.raises(Forbidden):
        team.next("rev")  # reviewers review
    with pytest.raises(Forbidden):
        team.next("ann1", "review")
    with pytest.raises(NotFound):
        team.next("stranger")
    with pytest.raises(Invalid, match="kind"):
        team.next("ann1", "dance")
    lease = team.next("ann1")
    for who in ("ann2", "boss"):  # only the holder acts on a lease
        with pytest.raises(NotFound):
            queue.heartbeat(ctx, team.users[who], team.project_id, lease.assignment_id)
    with pytest.raises(Forbidden):  # annotators do not review, not even their own lease
        queue.review(ctx, team.users["ann1"], team.project_id, lease.assignment_id, "accept")
    held = team.next("boss")
    with pytest.raises(Invalid, match="annotate lease"):
        queue.review(ctx, team.users["boss"], team.project_id, held.assignment_id, "accept")
    with ctx.db.session() as sess:
        other = projects.create_project(sess, "other", creator=team.users["ann1"])
        other_id = other.id
    with pytest.raises(NotFound):  # a lease is addressed only under its own project
        queue.heartbeat(ctx, team.users["ann1"], other_id, lease.assignment_id)


def test_nobody_reviews_their_own_work(ctx, clock):
    team = Team(ctx, n_items=1)
    team.submit("boss", team.next("boss"))
    assert team.next("boss", "review") is None
    assert team.next("rev", "review") is not None


def test_concurrent_claims_hand_out_every_item_exactly_once(any_ctx):
    workers = [f"w{i}" for i in range(8)]
    team = Team(any_ctx, n_items=20, extra=workers)
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(workers))

    def work(who: str) -> None:
        try:
            start.wait()
            while (lease := team.next(who)) is not None:
                with lock:
                    claimed.append(lease.item_id)
                team.submit(who, lease)
        except BaseException as exc:  # reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(claimed) == sorted(team.item_ids)
    with any_ctx.db.session() as sess:
        states = set(sess.scalars(select(Item.state).where(Item.project_id == team.project_id)))
        assert states == {"submitted"}
        project = sess.get(Project, team.project_id)
        assert project.overlap == 1


def test_the_next_item_can_be_leased_ahead_and_comes_next(any_ctx):
    team = Team(any_ctx, n_items=3)
    ann = team.users["ann1"]
    assert queue.next_item(any_ctx, ann, team.project_id, ahead=True) is None  # nothing held yet
    current = team.next("ann1")
    upcoming = queue.next_item(any_ctx, ann, team.project_id, ahead=True)
    assert upcoming is not None and upcoming.item_id != current.item_id
    again = queue.next_item(any_ctx, ann, team.project_id, ahead=True)
    assert again.assignment_id == upcoming.assignment_id  # at most one ahead
    assert team.next("ann1").assignment_id == current.assignment_id  # still on the current one
    team.submit("ann1", current)
    assert team.next("ann1").assignment_id == upcoming.assignment_id
    assert team.next("ann2").item_id not in {current.item_id, upcoming.item_id}
