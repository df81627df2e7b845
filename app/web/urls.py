"""Image addresses: the one rule for what an image or thumbnail address is.

An address is either an absolute http(s) URL with a host, or this app's own media
path, `/media/<key>` (uploads and the demo images, served by app/web/media.py),
which is how this app's files are always stored: it never depends on the host a
request came to. The product, variant and category forms, the images section, the
CSV import and the demo data all store what `stored_image_url` returns.
"""

from urllib.parse import urlsplit

URL_LIMIT = 2048
MEDIA_PATH = "/media/"
REFUSED_SCHEMES = {"javascript", "data", "file", "vbscript", "blob", "about"}
EXAMPLE = "https://images.example.com/shoe.jpg"


def image_url_problem(value: str) -> str | None:
    """Why value (as stored) is not an acceptable image address, or None when it is."""
    if len(value) > URL_LIMIT:
        return (f"That address is {len(value):,} characters long; "
                f"the limit is {URL_LIMIT:,}.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "The address may not contain tabs, line breaks or other invisible characters."
    if value.startswith(MEDIA_PATH):
        return _media_path_problem(value)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return "That is not a valid web address."
    scheme = parts.scheme.lower()
    if scheme in REFUSED_SCHEMES:
        return f"“{scheme}:” addresses are not allowed: use an http:// or https:// address."
    if scheme not in ("http", "https"):
        return f"Use an http:// or https:// address, like {EXAMPLE}."
    if not host:
        return f"The address needs a host, like {EXAMPLE}."
    return None


def _media_path_problem(value: str) -> str | None:
    key = value[len(MEDIA_PATH):]
    parts = key.split("/")
    if not key or "\\" in key or "?" in key or "#" in key or any(
            part in ("", ".", "..") for part in parts):
        return f"“{value[:80]}” is not a file of this app: use {MEDIA_PATH}<file> or {EXAMPLE}."
    return None


def stored_image_url(text: str | None, base_url: str = "") -> str | None:
    """The stored form of an address staff typed or a file holds (None when blank).

    Spaces are written %20, as a browser sends them. An absolute address of this
    app's own media (`base_url` is where the request or the import came from, as
    the CSV export writes it) is stored as its media path. Raises ValueError with
    the message for staff when it is not an image address.
    """
    value = (text or "").strip().replace(" ", "%20")
    if not value:
        return None
    own = base_url.rstrip("/") + MEDIA_PATH
    if base_url and value.startswith(own):
        value = value[len(own) - len(MEDIA_PATH):]
    problem = image_url_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def public_image_url(url: str | None, base_url: str) -> str:
    """An address as another tool needs it (the CSV export): this app's media made absolute."""
    if url and url.startswith(MEDIA_PATH):
        return base_url.rstrip("/") + url
    return url or ""
