"""Checking COCO compressed RLE strings before pycocotools, which trusts its input."""

from labelwright.domain.shapes import Rle

_MAX_COUNT = 2**32 - 1
_MAX_DIGITS = 7  # 7 groups of 5 bits hold any 32-bit count


def decode_rle_counts(counts: str) -> list[int]:
    """Decode a compressed RLE `counts` string into run lengths, or raise ValueError.

    Mirrors pycocotools' `rleFrString`, which reads past the end of a truncated string
    and overflows on long ones, so hostile strings must be stopped here first.
    """
    runs: list[int] = []
    position = 0
    while position < len(counts):
        value = 0
        digits = 0
        more = True
        while more:
            if position >= len(counts):
                raise ValueError("RLE counts string ends in the middle of a number")
            code = ord(counts[position]) - 48
            if not 0 <= code < 64:
                raise ValueError(f"RLE counts has an invalid character at {position}")
            value |= (code & 0x1F) << (5 * digits)
            more = bool(code & 0x20)
            position += 1
            digits += 1
            if digits > _MAX_DIGITS:
                raise ValueError(f"RLE counts has a number too long at {position}")
            if not more and code & 0x10:
                value -= 1 << (5 * digits)  # sign-extend, as the C code does
        if len(runs) > 2:
            value += runs[-2]
        if not 0 <= value <= _MAX_COUNT:
            raise ValueError(f"RLE run {len(runs)} has impossible length {value}")
        runs.append(value)
    return runs


def rle_problem(rle: Rle) -> str | None:
    """Say why `rle` is not a well-formed mask of its stated size, or return None."""
    height, width = rle.size
    if height <= 0 or width <= 0:
        return f"RLE size {list(rle.size)} must be positive"
    try:
        runs = decode_rle_counts(rle.counts)
    except ValueError as error:
        return str(error)
    if sum(runs) != height * width:
        return f"RLE runs cover {sum(runs)} pixels, but size {list(rle.size)} has {height * width}"
    return None


def check_rle(rle: Rle) -> None:
    """Raise ValueError unless `rle` is safe to hand to pycocotools."""
    problem = rle_problem(rle)
    if problem:
        raise ValueError(problem)


def coco_rle(rle: Rle) -> dict:
    """Return `rle` as the dict pycocotools expects, after checking it is safe."""
    check_rle(rle)
    return {"size": [rle.size[0], rle.size[1]], "counts": rle.counts.encode("ascii")}
