"""Image addresses staff type or import: the one rule every form and the CSV import use."""

from urllib.parse import urlsplit

URL_LIMIT = 2048
REFUSED_SCHEMES = {"javascript", "data", "file", "vbscript", "blob", "about"}


def image_url_problem(value: str) -> str | None:
    """Why value is not an acceptable image address, or None when it is."""
    if len(value) > URL_LIMIT:
        return (f"That address is {len(value):,} characters long; "
                f"the limit is {URL_LIMIT:,}.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in value):
        return "The address may not contain spaces or line breaks."
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return "That is not a valid web address."
    scheme = parts.scheme.lower()
    if scheme in REFUSED_SCHEMES:
        return f"“{scheme}:” addresses are not allowed: use an http:// or https:// address."
    if scheme not in ("http", "https"):
        return "Use an http:// or https:// address, like https://images.example.com/shoe.jpg."
    if not host:
        return "The address needs a host, like https://images.example.com/shoe.jpg."
    return None
