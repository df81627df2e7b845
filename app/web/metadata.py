"""Metadata typed as JSON: one parser for every area's form.

The database refuses what JSON allows but PostgreSQL does not (NaN and
Infinity, the character \\u0000) and anything over 10 KB (the CHECK of migration
0003); catching those here gives a message at the field instead of a 500.
"""

import json

METADATA_LIMIT = 10 * 1024  # bytes of the stored JSON text, as migration 0003 measures
METADATA_EXAMPLE = '{"season": "summer"}'


def metadata_text(value) -> str:
    """Metadata as stored and measured: non-ASCII kept as is (an escape would count
    six bytes per character)."""
    return json.dumps(value, ensure_ascii=False)


def metadata_size(value) -> int:
    return len(metadata_text(value).encode())


def _reject_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def check_metadata(value) -> None:
    """Raise ValueError with a message for staff when PostgreSQL would refuse `value`."""
    if _has_nul(value):
        raise ValueError("Metadata cannot contain the character \\u0000.")
    size = metadata_size(value)
    if size > METADATA_LIMIT:
        raise ValueError(f"Metadata is {size / 1024:.1f} KB ({size:,} bytes); "
                         f"the limit is 10 KB ({METADATA_LIMIT:,} bytes).")


def parse_metadata(text: str | None) -> dict | None:
    """A JSON object typed as text, or None when empty; ValueError with a message."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError):
            raise ValueError(f"This is not valid JSON: {error.msg} (line {error.lineno}, "
                             f"column {error.colno}).") from None
        raise ValueError(f"This is not valid JSON: {error}.") from None
    except RecursionError:
        raise ValueError("This JSON is nested too deeply to read.") from None
    if not isinstance(value, dict):
        raise ValueError(f"Metadata must be a JSON object in braces, like {METADATA_EXAMPLE}.")
    check_metadata(value)
    return value
