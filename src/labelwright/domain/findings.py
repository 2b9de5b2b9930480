"""Small shared pieces of the checks: a finding, and quoting values in messages."""

Finding = tuple[str, str]
"""`(field, message)`: where in an object something is wrong, and what."""


def quoted(value: object, limit: int = 60) -> str:
    """A repr for messages, cut short so hostile input cannot flood them."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"
