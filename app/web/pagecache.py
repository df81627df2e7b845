"""Pages rendered once per state of the database, and sent again while nothing changed.

A page marked `@cached_page` is a function of what the database holds, of who asks
(their account and their session) and of the request (address, htmx headers,
cookies). `pg_current_snapshot()`, read in the statement that loads the signed-in
user, names what the database holds: two statements with the same snapshot see
the same committed data, and any commit since, by this app or anyone else (in any
database of the server: transaction ids are the server's), gives every later
statement a different one. So a page stored under the snapshot
its request began with is sent again, as it was, to a request that begins with
the same snapshot, the same account, session, address and headers.

Its queries run after that first statement, so a page may include a commit made
in between; that commit changed the snapshot, so the entry is never used again.

So it serves staff who look at a page again before anything is committed: on a
quiet shop for seconds (the job worker's heartbeat commits every 10 s), on a busy
server hardly at all. It costs a dictionary lookup per page when it misses.

What the database does not hold is left out:
- a page that read the clock ("3 min ago", an Undo banner that expires) calls
  `vary_by_time()` and is not stored;
- a page that changed the session (a flash shown, a token made), wrote to the
  database or answered anything but 200 HTML is not stored;
- a request with a flash waiting is always rendered;
- entries expire after PAGE_CACHE_SECONDS anyway, and the least recently used
  go when the PAGE_CACHE_MB budget (per process; 0 turns the cache off) is spent.
"""

import json
import threading
import time
from collections import OrderedDict
from functools import wraps
from typing import NamedTuple

from flask import current_app, g, has_request_context, request, session


class Entry(NamedTuple):
    stored_at: float
    status: int
    headers: list
    body: bytes


class PageCache:
    """A thread-safe LRU of rendered pages, bounded by the bytes it holds."""

    def __init__(self, max_bytes: int, max_age: float):
        self.max_bytes = max_bytes
        self.max_age = max_age
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            if time.monotonic() - entry.stored_at > self.max_age:
                self._drop(key)
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key, entry: Entry) -> None:
        if len(entry.body) > self.max_bytes // 4:
            return
        with self.lock:
            if key in self.entries:
                self._drop(key)
            self.entries[key] = entry
            self.size += len(entry.body)
            while self.size > self.max_bytes:
                self._drop(next(iter(self.entries)))

    def _drop(self, key) -> None:
        self.size -= len(self.entries.pop(key).body)


def vary_by_time() -> None:
    """This response shows something the clock changes: do not store it."""
    if has_request_context():
        g.page_varies_by_time = True


def _key():
    user = g.get("user")
    snapshot = g.get("db_snapshot")
    if user is None or snapshot is None or "_flashes" in session:
        return None
    cookie_name = current_app.config["SESSION_COOKIE_NAME"]
    return (
        snapshot,
        request.host_url,
        request.full_path,
        tuple(sorted((k.lower(), v) for k, v in request.headers.items()
                     if k.lower().startswith("hx-"))),
        tuple(sorted((k, v) for k, v in request.cookies.items() if k != cookie_name)),
        json.dumps(dict(session), sort_keys=True, default=str),
        json.dumps(user, sort_keys=True, default=str),
    )


def _storable(response) -> bool:
    return (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.is_streamed
        and not session.modified
        and not g.get("page_varies_by_time")
        and "change_set_id" not in g  # the request wrote (or meant to)
        and "Set-Cookie" not in response.headers
    )


def cached_page(view):
    """Serve this GET view's page from the cache while the database has not changed."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        cache = current_app.extensions.get("page_cache")
        key = _key() if cache is not None and request.method == "GET" else None
        if key is None:
            return view(*args, **kwargs)
        entry = cache.get(key)
        if entry is not None:
            return current_app.response_class(entry.body, entry.status, entry.headers)
        response = current_app.make_response(view(*args, **kwargs))
        if _storable(response):
            cache.put(key, Entry(time.monotonic(), response.status_code,
                                 list(response.headers.items()), response.get_data()))
        return response

    return wrapper


def init_app(app) -> None:
    megabytes = app.config["PAGE_CACHE_MB"]
    if megabytes > 0:
        app.extensions["page_cache"] = PageCache(
            int(megabytes * 1024 * 1024), app.config["PAGE_CACHE_SECONDS"])
