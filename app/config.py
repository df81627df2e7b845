"""Settings from the environment, with safe defaults."""

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def state_dir() -> Path:
    """The git-ignored folder for local state: embedded database, secret key, media."""
    path = Path(os.environ.get("CATALOG_STATE_DIR", ROOT / ".local")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into the state folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = state_dir() / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
    return key_file.read_text().strip()


class Config:
    """Read once by create_app(); tests pass overrides on top."""

    def __init__(self):
        self.DATABASE_URL = os.environ.get("DATABASE_URL") or None
        self.SECRET_KEY = secret_key()
        self.MEDIA_ROOT = os.environ.get("MEDIA_ROOT") or str(state_dir() / "media")
        # Where uploads are served from, when not this app's own /media/ (a CDN, say).
        self.MEDIA_URL = os.environ.get("MEDIA_URL") or None
        self.DB_POOL_MIN = int(os.environ.get("DB_POOL_MIN", "1"))
        self.DB_POOL_MAX = int(os.environ.get("DB_POOL_MAX", "10"))
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Secure is also set per request whenever it came over https (see auth.security).
        self.SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "") == "1"
        self.PROXY_FIX = os.environ.get("PROXY_FIX", "") == "1"
        self.PERMANENT_SESSION_LIFETIME = int(os.environ.get("SESSION_HOURS", "12")) * 3600
        # The cookie is sent only when the session changes. Sent with every response, a
        # request that began before a save (a section loading beside the form) could
        # end after it and put back the cookie without the save's message. A sign-in
        # lasts SESSION_HOURS from when it was made.
        self.SESSION_REFRESH_EACH_REQUEST = False
        # Tokens live as long as the session: a form left open over lunch still saves.
        self.WTF_CSRF_TIME_LIMIT = None
        self.MAX_CONTENT_LENGTH = 20 * 1024 * 1024
        # One non-file form field (rows pasted into the import, up to 5 MB) may be this big.
        self.MAX_FORM_MEMORY_SIZE = 6 * 1024 * 1024
        # Adds X-SQL-Count to responses: the statements a request ran (tests, benchmarks).
        # History: records older than this many days are pruned (`catalog prune-history`,
        # and at every `catalog serve`); a bulk action offers Undo on the list this long.
        self.HISTORY_DAYS = int(os.environ.get("HISTORY_DAYS", "365"))
        self.UNDO_HOURS = int(os.environ.get("UNDO_HOURS", "12"))
        # CSV imports: a file with more rows is checked by the job worker, not within
        # the upload request (~0.5 s per 5,000 rows here).
        self.IMPORT_CHECK_IN_REQUEST_ROWS = int(
            os.environ.get("IMPORT_CHECK_IN_REQUEST_ROWS", "5000"))
        # The page cache (app/web/pagecache.py): megabytes per process (0 turns it off),
        # and the longest an entry is used, whatever else happens.
        self.PAGE_CACHE_MB = float(os.environ.get("PAGE_CACHE_MB", "64"))
        self.PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
        self.SQL_COUNT_HEADER = os.environ.get("SQL_COUNT_HEADER", "") == "1"

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
