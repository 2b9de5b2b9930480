"""Project roles and the life cycle of a work item."""

from enum import StrEnum


class ProjectRole(StrEnum):
    """What a member may do in one project."""

    manager = "manager"
    annotator = "annotator"
    reviewer = "reviewer"
    client = "client"


class ItemState(StrEnum):
    """Where an image stands in a project's labeling flow."""

    new = "new"
    prelabeled = "prelabeled"
    annotating = "annotating"
    submitted = "submitted"
    in_review = "in_review"
    accepted = "accepted"
    rejected = "rejected"
    delivered = "delivered"


ALLOWED_TRANSITIONS: dict[ItemState, frozenset[ItemState]] = {
    ItemState.new: frozenset({ItemState.prelabeled, ItemState.annotating}),
    ItemState.prelabeled: frozenset({ItemState.annotating}),
    ItemState.annotating: frozenset({ItemState.submitted}),
    # Straight to accepted when the project reviews only a share and this item is not in it.
    ItemState.submitted: frozenset({ItemState.in_review, ItemState.accepted}),
    ItemState.in_review: frozenset({ItemState.accepted, ItemState.rejected}),
    # A rejected item goes back to its annotator.
    ItemState.rejected: frozenset({ItemState.annotating}),
    ItemState.accepted: frozenset({ItemState.delivered}),
    ItemState.delivered: frozenset(),
}


class InvalidTransition(ValueError):
    """An item was asked to move between two states the flow does not connect."""


def check_transition(old: ItemState | str, new: ItemState | str) -> None:
    """Raise InvalidTransition unless an item may move from `old` to `new`."""
    states = [state.value for state in ItemState]
    for label, state in (("current", old), ("target", new)):
        if state not in states:
            raise InvalidTransition(
                f"unknown {label} item state {state!r}; states are: {', '.join(states)}"
            )
    old_state, new_state = ItemState(old), ItemState(new)
    allowed = ALLOWED_TRANSITIONS[old_state]
    if new_state in allowed:
        return
    if allowed:
        choices = ", ".join(sorted(state.value for state in allowed))
        hint = f"from {old_state.value!r} it can only go to: {choices}"
    else:
        hint = f"{old_state.value!r} is final"
    raise InvalidTransition(
        f"cannot move an item from {old_state.value!r} to {new_state.value!r}; {hint}"
    )
