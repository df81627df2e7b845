"""Names of files staff upload: only for messages and labels, never for paths."""


def clean_filename(name: str | None, default: str = "file") -> str:
    """The file's name as the browser sent it, for messages and the image's label only."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:200] or default
