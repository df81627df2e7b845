"""Ranks after a drag, shared by every list staff reorder (variants, images)."""


def merge_order(current, posted):
    """The product's order with the posted variants in the posted order.

    The posted ids take the places they occupy now, in the new order; every other
    variant keeps its place. Posting the whole list is the plain case (ranks 0..n-1
    in the posted order); a page of the grid reorders only its rows, and a variant
    a colleague added meanwhile stays where it is."""
    place = {vid: i for i, vid in enumerate(current)}
    moved, seen = [], set()
    for vid in posted:
        if vid in place and vid not in seen:
            seen.add(vid)
            moved.append(vid)
    order = list(current)
    for slot, vid in zip(sorted(place[v] for v in moved), moved, strict=True):
        order[slot] = vid
    return order
