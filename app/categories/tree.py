"""The category tree's rules: building it for display, moving, restoring and purging.

Every function that changes parents or ranks runs inside the caller's
transaction and starts with `queries.lock_tree()`, so moves happen one after
the other; afterwards the ranks of every sibling set it touched are dense
(0..n-1) again.
"""

import re
from dataclasses import dataclass, field

import psycopg

from ..trash.registry import PurgeRefused, RestoreConflict
from ..web.handles import HANDLE_RULE, free_handle, is_valid_handle
from . import queries

SEPARATOR = " › "
OPS = ("up", "down", "indent", "outdent")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_]{1,64}$")


class MoveRefused(Exception):
    """A move that would break the tree, or that is no longer possible; nothing moved."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Display --------------------------------------------------------------------


@dataclass
class Node:
    id: str
    name: str
    row: dict
    depth: int = 0
    children: list = field(default_factory=list)
    open: bool = True

    def __getattr__(self, name):
        # Jinja reads columns (node.handle, node.product_count) straight from the row.
        try:
            return self.__dict__["row"][name]
        except KeyError:
            raise AttributeError(name) from None


def build_forest(rows, *, is_open=None):
    """Nest rows (in sibling order) into root Nodes; `is_open(id)` decides what is expanded.

    A live row whose parent is not live is shown at the root, so nothing is
    ever hidden by a damaged parent chain.
    """
    nodes = {row["id"]: Node(row["id"], row["name"], row) for row in rows}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.row["parent_id"])
        (parent.children if parent else roots).append(node)
    stack = [(root, 0) for root in roots]
    while stack:
        node, depth = stack.pop()
        node.depth = depth
        if is_open is not None and node.children:
            node.open = is_open(node.id)
        stack.extend((child, depth + 1) for child in node.children)
    return roots


def walk(roots):
    """Depth-first, in display order."""
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def ancestor_ids(rows, category_id):
    """Ids of the category's ancestors among rows (to expand the branch it now sits in)."""
    parents = {row["id"]: row["parent_id"] for row in rows}
    seen = []
    current = parents.get(category_id)
    while current and current in parents and current not in seen:
        seen.append(current)
        current = parents[current]
    return seen


def parent_choices(rows, *, exclude_id=None, root_label="— Top level —"):
    """(value, label) pairs for a parent select: the tree indented, without exclude_id's branch."""
    choices = [("", root_label)]
    roots = build_forest(rows)
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        if node.id == exclude_id:
            continue
        choices.append((node.id, "\u00a0\u00a0\u00a0" * node.depth + node.name))
        stack.extend(reversed(node.children))
    return choices


def path_label(path_rows) -> str:
    return SEPARATOR.join(row["name"] for row in path_rows)


@dataclass(frozen=True)
class OpenState:
    """Which categories are expanded, as the `cat_tree` cookie (set by categories.js) says.

    The cookie is "o-" or "c-" (everything open or closed by default) and then
    the ids that are the other way, dot-separated (characters a cookie allows
    without quoting).
    """

    default_open: bool = True
    exceptions: frozenset = frozenset()
    forced: frozenset = frozenset()

    @classmethod
    def from_cookie(cls, value, forced=(), *, default_open=True):
        """default_open: the mode before staff have folded anything (no cookie yet)."""
        value = value or ""
        mode, _, rest = value.partition("-")
        ids = frozenset(i for i in rest.split(".") if ID_PATTERN.match(i))
        if mode in ("o", "c"):
            default_open = mode == "o"
        return cls(default_open=default_open, exceptions=ids, forced=frozenset(forced))

    def __call__(self, category_id) -> bool:
        if category_id in self.forced:
            return True
        return self.default_open != (category_id in self.exceptions)


# --- Moves ----------------------------------------------------------------------


@dataclass(frozen=True)
class Moved:
    category: dict  # as it was before the move
    parent_id: str | None
    parent_label: str  # "Women › Tops", or "" for the top level
    position: int
    siblings: int  # how many it now has, itself included
    changed: bool
    order: tuple = ()  # its new siblings' ids in order, itself included
    old_order: tuple = ()  # its old siblings' ids in order, when it changed parent


def move(conn, *, category_id, parent_id=None, position=None, op=None) -> Moved:
    """Move a category under parent_id (None: the root) at position (None: last), or by op.

    op is one of OPS: up/down among its siblings, indent (last child of the
    sibling above), outdent (next sibling of its parent). Raises MoveRefused.
    """
    queries.lock_tree(conn)
    category = queries.get_category(conn, category_id=category_id)
    if category is None:
        raise MoveRefused("That category no longer exists; it may have been deleted.")
    if op is not None:
        parent_id, position = _target_of(conn, category, op)
    parent_id = parent_id or None
    old_parent_id = category["parent_id"]
    path, siblings = queries.list_path_and_children(
        conn, path_of=parent_id, parent_ids={p for p in (old_parent_id, parent_id) if p},
        with_root=old_parent_id is None or parent_id is None)
    if parent_id is not None:
        _check_parent(category, parent_id, path)
    return _place(conn, category, parent_id, position, path_label(path), siblings)


def _target_of(conn, category, op):
    """(parent_id, position) that op means for category, from the tree as it is now."""
    name = category["name"]
    parent_id = category["parent_id"]
    siblings = [r["id"] for r in queries.list_children(
        conn, parent_ids=[parent_id] if parent_id else [], with_root=parent_id is None)]
    index = siblings.index(category["id"]) if category["id"] in siblings else len(siblings)
    if op == "up":
        if index == 0:
            raise MoveRefused(f"“{name}” is already first.")
        return parent_id, index - 1
    if op == "down":
        if index >= len(siblings) - 1:
            raise MoveRefused(f"“{name}” is already last.")
        return parent_id, index + 1
    if op == "indent":
        if index == 0:
            raise MoveRefused(f"“{name}” has no category above it to go under.")
        return siblings[index - 1], None
    if op == "outdent":
        if parent_id is None:
            raise MoveRefused(f"“{name}” is already at the top level.")
        parent = queries.get_category(conn, category_id=parent_id)
        grandparent_id = parent["parent_id"] if parent else None
        aunts = [r["id"] for r in queries.list_children(
            conn, parent_ids=[grandparent_id] if grandparent_id else [],
            with_root=grandparent_id is None)]
        return grandparent_id, (aunts.index(parent_id) + 1 if parent_id in aunts else None)
    raise MoveRefused("Unknown move.")


def _check_parent(category, parent_id, path):
    """The new parent (path: it and its ancestors, root first) is live and not the
    category itself or one of its descendants."""
    if not path or path[-1]["deleted_at"] is not None:
        raise MoveRefused("The category you chose as the new parent no longer exists.")
    ids = [row["id"] for row in path]
    if category["id"] not in ids:
        return
    at = ids.index(category["id"])
    own = path_label(path[: at + 1])
    if parent_id == category["id"]:
        raise MoveRefused(f"“{own}” cannot move under itself.")
    kind = "child" if at == len(path) - 2 else "descendant"
    raise MoveRefused(f"“{own}” cannot move under its own {kind} “{path_label(path)}”.")


def _place(conn, category, parent_id, position, parent_label, rows) -> Moved:
    """Rewrite the old and the new sibling sets (rows: the live children of both
    parents) densely with the category at position."""
    old_parent_id = category["parent_id"]
    old = [r["id"] for r in rows if r["parent_id"] == old_parent_id and r["id"] != category["id"]]
    new = [r["id"] for r in rows if r["parent_id"] == parent_id and r["id"] != category["id"]]
    before = [r["id"] for r in rows if r["parent_id"] == parent_id]
    position = len(new) if position is None else max(0, min(int(position), len(new)))
    new.insert(position, category["id"])

    ids, parent_ids, ranks = [], [], []
    for rank, item in enumerate(new):
        ids.append(item), parent_ids.append(parent_id), ranks.append(rank)
    if old_parent_id != parent_id:
        for rank, item in enumerate(old):
            ids.append(item), parent_ids.append(old_parent_id), ranks.append(rank)
    queries.update_positions(conn, ids=ids, parent_ids=parent_ids, ranks=ranks)
    changed = old_parent_id != parent_id or before != new
    return Moved(category=category, parent_id=parent_id, parent_label=parent_label,
                 position=position, siblings=len(new), changed=changed, order=tuple(new),
                 old_order=tuple(old) if old_parent_id != parent_id else ())


def close_gap(conn, *, parent_id):
    """Dense ranks again among a parent's live children (after one of them left)."""
    rows = queries.list_children(
        conn, parent_ids=[parent_id] if parent_id else [], with_root=parent_id is None)
    queries.update_positions(conn, ids=[r["id"] for r in rows],
                             parent_ids=[parent_id] * len(rows), ranks=list(range(len(rows))))


def outdent_children(conn, *, category_id) -> int:
    """Move every live child up to the category's parent, right after it, in their order."""
    queries.lock_tree(conn)
    category = queries.get_category(conn, category_id=category_id)
    if category is None:
        raise MoveRefused("That category no longer exists; it may have been deleted.")
    parent_id = category["parent_id"]
    children = [r["id"] for r in queries.list_children(
        conn, parent_ids=[category_id], with_root=False)]
    if not children:
        return 0
    siblings = [r["id"] for r in queries.list_children(
        conn, parent_ids=[parent_id] if parent_id else [], with_root=parent_id is None)]
    at = siblings.index(category_id) + 1 if category_id in siblings else len(siblings)
    order = siblings[:at] + children + siblings[at:]
    queries.update_positions(conn, ids=order, parent_ids=[parent_id] * len(order),
                             ranks=list(range(len(order))))
    return len(children)


def soft_delete(conn, *, category_id):
    """Move a category to the Trash; refused while it has live children. Returns the row."""
    queries.lock_tree(conn)
    children = queries.count_live_children(conn, category_id=category_id)
    if children:
        raise MoveRefused(children_message(children))
    deleted = queries.soft_delete_category(conn, category_id=category_id)
    if deleted is not None:
        close_gap(conn, parent_id=deleted["parent_id"])
    return deleted


def children_message(count: int) -> str:
    noun = "subcategory" if count == 1 else "subcategories"
    return (f"It still has {count} {noun}. Move {'it' if count == 1 else 'them'} up a level "
            "first, then delete it.")


# --- The Trash ------------------------------------------------------------------


def list_deleted(conn, *, q, limit, offset):
    rows = queries.list_deleted_categories(conn, q=q, limit=limit, offset=offset)
    total = queries.count_deleted_categories(conn, q=q)
    items = []
    for row in rows:
        detail = row["handle"]
        if row["parent_name"]:
            where = "in the Trash too" if row["parent_deleted"] else "live"
            detail += f" · was under “{row['parent_name']}” ({where})"
        items.append({"id": row["id"], "name": row["name"], "detail": detail,
                      "deleted_at": row["deleted_at"]})
    return items, total


def restore(conn, *, item_id, new_handle=None):
    """Back where it was if its parent is live, else last at the top level. Returns its name."""
    queries.lock_tree(conn)
    category = queries.get_any_category(conn, category_id=item_id)
    if category is None or category["deleted_at"] is None:
        return None
    handle = new_handle or category["handle"]
    if new_handle is not None and not is_valid_handle(new_handle):
        raise RestoreConflict(f"“{new_handle}” is not a valid handle. {HANDLE_RULE}",
                              field="handle", suggestion=free_handle(
                                  conn, table="p_categories", base=new_handle))
    parent_id = category["parent_id"]
    if parent_id is not None:
        parent = queries.get_category(conn, category_id=parent_id)
        if parent is None:
            parent_id = None
    siblings = [r["id"] for r in queries.list_children(
        conn, parent_ids=[parent_id] if parent_id else [], with_root=parent_id is None)]
    # Under its old parent it returns to its old place; at the root it goes last.
    position = min(category["rank"], len(siblings)) if parent_id else len(siblings)
    try:
        with conn.transaction():
            restored = queries.update_restored_category(
                conn, category_id=item_id, handle=handle, parent_id=parent_id, rank=position)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != "p_categories_handle_unique":
            raise
        suggestion = free_handle(conn, table="p_categories", base=handle)
        raise RestoreConflict(
            f"A live category already has the handle “{handle}”. "
            f"Restore this one as “{suggestion}” instead?",
            field="handle", suggestion=suggestion) from None
    siblings.insert(position, item_id)
    queries.update_positions(conn, ids=siblings, parent_ids=[parent_id] * len(siblings),
                             ranks=list(range(len(siblings))))
    return restored["name"]


def purge(conn, *, item_id):
    """Delete a category in the Trash for good with its product links. Returns its name."""
    queries.lock_tree(conn)
    category = queries.get_any_category(conn, category_id=item_id)
    if category is None or category["deleted_at"] is None:
        return None
    children = queries.count_all_children(conn, category_id=item_id)
    if children["n"]:
        n = children["n"]
        noun = "subcategory" if n == 1 else "subcategories"
        where = "live" if children["live"] == n else (
            "in the Trash" if not children["live"] else "live or in the Trash")
        raise PurgeRefused(
            f"“{category['name']}” cannot be deleted permanently: {n} {noun} ({where}) "
            f"still {'points' if n == 1 else 'point'} to it as {'its' if n == 1 else 'their'} "
            "parent. Delete those permanently first, or restore them and move them elsewhere.")
    queries.delete_category_links(conn, category_id=item_id)
    deleted = queries.delete_deleted_category(conn, category_id=item_id)
    if deleted["image_id"]:
        queries.delete_orphan_image(conn, image_id=deleted["image_id"])
    return deleted["name"]
