"""Where uploaded image files live: a small interface, and a folder behind it.

Files are stored under a key made from their content's SHA-256, so the same
file uploaded twice is stored once, and a stored file never changes (which is
what lets /media/ tell browsers to cache it for a year). The database keeps
the URL the storage gives for a key, never a path on this machine.

`LocalStorage` writes to MEDIA_ROOT (the git-ignored `.local/media` unless the
setting points elsewhere) and app/web/media.py serves it under /media/. An
object store (S3 and the like) replaces it by implementing the same three
methods and being put in `app.extensions["media_storage"]`; its URLs then
point at the store and /media/ goes unused.
"""

import os
import tempfile
from pathlib import Path
from typing import Protocol

from flask import current_app

from ..web.urls import MEDIA_PATH


class Storage(Protocol):
    def save(self, key: str, data: bytes, content_type: str) -> None:
        """Store data under key (a no-op when the key holds it already)."""

    def exists(self, key: str) -> bool: ...

    def url(self, key: str) -> str:
        """The address the file is served from, as images.url stores it: an absolute
        http(s) URL, or this app's media path (app/web/urls.py)."""


class LocalStorage:
    """Files in a folder on this machine (or a shared volume every app server mounts)."""

    def __init__(self, root: str | Path, base_url: str | None = None):
        self.root = Path(root)
        self.base_url = base_url

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"bad storage key {key!r}")
        return path

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def save(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        if path.is_file():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside, then rename: a reader never sees half a file, and two
        # uploads of the same file at once both end with the whole one.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def url(self, key: str) -> str:
        # This app's media path, never an address built from the request's host;
        # MEDIA_URL (a CDN, or the app's public address) makes it absolute.
        if self.base_url:
            return self.base_url.rstrip("/") + "/" + key
        return MEDIA_PATH + key


def get_storage() -> Storage:
    """The app's media storage: an object store if one was installed, else MEDIA_ROOT."""
    storage = current_app.extensions.get("media_storage")
    if storage is None:
        storage = LocalStorage(current_app.config["MEDIA_ROOT"],
                               current_app.config.get("MEDIA_URL"))
    return storage
