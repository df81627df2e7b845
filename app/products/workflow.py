"""The status workflow (DESIGN.md decision 8).

draft → proposed → published | rejected; rejected → draft and published → draft
(unpublish) are allowed; anything else is refused with a reason.
"""

STATUSES = ("draft", "proposed", "published", "rejected")

# (from, to) -> the action's name as staff see it on a button.
MOVES = {
    ("draft", "proposed"): "Propose",
    ("proposed", "published"): "Publish",
    ("proposed", "rejected"): "Reject",
    ("rejected", "draft"): "Back to draft",
    ("published", "draft"): "Unpublish",
}


def can_move(current: str, target: str) -> bool:
    return (current, target) in MOVES


def moves_from(current: str) -> list[tuple[str, str]]:
    """[(target, action label)] allowed from `current`."""
    return [(to, label) for (frm, to), label in MOVES.items() if frm == current]


def refusal(current: str, target: str) -> str:
    """Why current → target is not allowed, and what is."""
    allowed = [to for to, _ in moves_from(current)]
    options = " or ".join(allowed)
    return (f"A {current} product cannot become {target} directly; "
            f"from {current} it can become {options}.")
