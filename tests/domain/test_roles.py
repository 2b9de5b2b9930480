import pytest

from labelwright.domain.roles import (
    ALLOWED_TRANSITIONS,
    InvalidTransition,
    ItemState,
    ProjectRole,
    check_transition,
)


def test_roles_and_states_have_their_values():
    assert [r.value for r in ProjectRole] == ["manager", "annotator", "reviewer", "client"]
    assert ItemState.in_review == "in_review"
    assert set(ALLOWED_TRANSITIONS) == set(ItemState)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("new", "prelabeled"),
        ("new", "annotating"),
        ("prelabeled", "annotating"),
        ("annotating", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "accepted"),
        ("in_review", "rejected"),
        ("rejected", "annotating"),
        ("accepted", "delivered"),
    ],
)
def test_the_flow_is_allowed(old, new):
    check_transition(ItemState(old), ItemState(new))


@pytest.mark.parametrize(
    ("old", "new"),
    [("new", "submitted"), ("annotating", "accepted"), ("rejected", "delivered"), ("new", "new")],
)
def test_shortcuts_are_refused_with_a_clear_message(old, new):
    with pytest.raises(InvalidTransition, match=f"from '{old}' to '{new}'"):
        check_transition(old, new)


def test_delivered_is_final_and_unknown_states_are_refused():
    with pytest.raises(InvalidTransition, match="final"):
        check_transition(ItemState.delivered, ItemState.new)
    with pytest.raises(InvalidTransition, match="unknown"):
        check_transition("bogus", ItemState.new)
    assert issubclass(InvalidTransition, ValueError)
