"""The product CSV: its columns, reading a file staff bring, writing the export.

One row per variant, the product's fields repeated on each of its rows, rows
grouped by `handle` (the convention staff know from other admins). A product
without variants has one row whose variant columns are blank. Headers match
case-, space-, underscore- and hyphen-insensitively ("Variant SKU" is
`variant_sku`). Lists sit in one cell: tags and categories separated by
commas, image URLs by spaces (a URL may hold a comma, never a space).

Reading is forgiving about the container (UTF-8 with or without BOM, UTF-16
with BOM, Windows-1252 as a last resort; `,` `;` or tab, found from the header
line) and strict about the values: every value that cannot be stored exactly
is an error naming its line and column, never a guess.
"""

import codecs
import csv
import io
import json
import re
from dataclasses import dataclass, field

from ..products.workflow import STATUSES
from ..web.handles import HANDLE_RULE, is_valid_handle
from ..web.metadata import parse_metadata
from ..web.urls import URL_LIMIT as MAX_URL
from ..web.urls import public_image_url, stored_image_url

MAX_INT = 2_147_483_647
MAX_ROWS = 200_000
MAX_TAGS = 50
EXPORT_OPTION_SLOTS = 3


@dataclass(frozen=True)
class Column:
    name: str  # the header as exported
    label: str  # how the preview names it
    level: str  # product | variant
    kind: str  # text | handle | status | bool | int | country | url | urls | json | tags | paths
    target: str = ""  # the database column it sets, when it is one
    max_length: int | None = None

    @property
    def db(self) -> str:
        return self.target or self.name


PRODUCT_COLUMNS = (
    Column("handle", "Handle", "product", "handle", max_length=120),
    Column("title", "Title", "product", "text", max_length=255),
    Column("subtitle", "Subtitle", "product", "text", max_length=255),
    Column("description", "Description", "product", "text", max_length=20_000),
    Column("status", "Status", "product", "status"),
    Column("collection", "Collection", "product", "ref", target="collection_id"),
    Column("type", "Type", "product", "ref", target="type_id", max_length=255),
    Column("tags", "Tags", "product", "tags"),
    Column("categories", "Categories", "product", "paths"),
    Column("images", "Images", "product", "urls"),
    Column("thumbnail", "Thumbnail URL", "product", "url", max_length=MAX_URL),
    Column("weight", "Weight", "product", "text", max_length=50),
    Column("length", "Length", "product", "text", max_length=50),
    Column("height", "Height", "product", "text", max_length=50),
    Column("width", "Width", "product", "text", max_length=50),
    Column("origin_country", "Country of origin", "product", "country"),
    Column("hs_code", "HS code", "product", "text", max_length=50),
    Column("mid_code", "MID code", "product", "text", max_length=50),
    Column("material", "Material", "product", "text", max_length=200),
    Column("discountable", "Discountable", "product", "bool"),
    Column("is_giftcard", "Gift card", "product", "bool"),
    Column("external_id", "External ID", "product", "text", max_length=255),
    Column("metadata", "Metadata", "product", "json"),
)

VARIANT_COLUMNS = (
    Column("variant_title", "Variant title", "variant", "text", "title", 255),
    Column("variant_sku", "SKU", "variant", "text", "sku", 100),
    Column("variant_barcode", "Barcode", "variant", "text", "barcode", 100),
    Column("variant_ean", "EAN", "variant", "text", "ean", 100),
    Column("variant_upc", "UPC", "variant", "text", "upc", 100),
    Column("variant_weight", "Weight (g)", "variant", "int", "weight"),
    Column("variant_length", "Length (mm)", "variant", "int", "length"),
    Column("variant_height", "Height (mm)", "variant", "int", "height"),
    Column("variant_width", "Width (mm)", "variant", "int", "width"),
    Column("variant_allow_backorder", "Allow backorder", "variant", "bool", "allow_backorder"),
    Column("variant_manage_inventory", "Manage inventory", "variant", "bool", "manage_inventory"),
    Column("variant_origin_country", "Variant country of origin", "variant", "country",
           "origin_country"),
    Column("variant_hs_code", "Variant HS code", "variant", "text", "hs_code", 50),
    Column("variant_mid_code", "Variant MID code", "variant", "text", "mid_code", 50),
    Column("variant_material", "Variant material", "variant", "text", "material", 200),
    Column("variant_thumbnail", "Variant thumbnail URL", "variant", "url", "thumbnail", MAX_URL),
    Column("variant_metadata", "Variant metadata", "variant", "json", "metadata"),
)

COLUMNS = {c.name: c for c in PRODUCT_COLUMNS + VARIANT_COLUMNS}
CODE_COLUMNS = ("variant_sku", "variant_barcode", "variant_ean", "variant_upc")
CODE_LABELS = {"sku": "SKU", "barcode": "Barcode", "ean": "EAN", "upc": "UPC"}
OPTION_HEADER = re.compile(r"^option(\d{1,2})(name|value)$")

# Other spellings staff's files use for our columns (after normalising).
ALIASES = {
    "sku": "variant_sku", "barcode": "variant_barcode", "ean": "variant_ean",
    "upc": "variant_upc", "producttype": "type", "tag": "tags", "image": "images",
    "imageurls": "images", "category": "categories", "producthandle": "handle",
    "producttitle": "title", "name": "title",
}


def header_key(text: str) -> str:
    """A header as compared: lowercase, without spaces, underscores or hyphens."""
    return re.sub(r"[\s_\-]+", "", (text or "").strip().lower())


KNOWN = {header_key(name): name for name in COLUMNS}
KNOWN.update(ALIASES)


def option_columns(slots: int) -> list[str]:
    return [f"option{n}_{part}" for n in range(1, slots + 1) for part in ("name", "value")]


def export_header(option_slots: int = EXPORT_OPTION_SLOTS) -> list[str]:
    return ([c.name for c in PRODUCT_COLUMNS] + option_columns(option_slots)
            + [c.name for c in VARIANT_COLUMNS])


# --- Reading a file -------------------------------------------------------------


class FileError(ValueError):
    """The file as a whole cannot be read (the message is for staff)."""


@dataclass
class Row:
    line: int  # the file's line this row starts on (the header is line 1)
    cells: dict  # column name -> text, for the columns the file has
    options: dict  # slot number -> (name, value)

    def get(self, name: str) -> str:
        return self.cells.get(name, "")


@dataclass
class ParsedFile:
    encoding: str
    delimiter: str
    columns: list[str]  # our column names the file has, in its order
    option_slots: list[int]
    rows: list[Row]
    ignored: list[str] = field(default_factory=list)  # headers we do not know

    @property
    def delimiter_name(self) -> str:
        return {",": "comma", ";": "semicolon", "\t": "tab"}[self.delimiter]

    def has(self, name: str) -> bool:
        return name in self.columns


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding name): BOMs first, then UTF-8, then Windows-1252."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8"), "UTF-8 with BOM"
        except UnicodeDecodeError as error:
            raise FileError("The file says it is UTF-8 but is not readable as such: save it "
                            "as CSV UTF-8 and upload it again.") from error
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(name), "UTF-16"
            except UnicodeDecodeError as error:
                raise FileError("The file says it is UTF-16 but is not readable as such.") \
                    from error
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise FileError("The file's characters could not be read: save it as CSV UTF-8 "
                        "and upload it again.") from error


def detect_delimiter(text: str) -> str:
    """`,` `;` or tab: whichever splits the header line most (headers hold none of them)."""
    header = ""
    for line in io.StringIO(text):  # line by line: the header is near the top
        if line.strip():
            header = line
            break
    counts = {d: _count_outside_quotes(header, d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _count_outside_quotes(line: str, delimiter: str) -> int:
    n, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            n += 1
    return n


def _records(reader):
    """The reader's records; a file the csv module cannot read is a FileError with its line."""
    try:
        yield from reader
    except csv.Error as error:
        raise FileError(f"Line {reader.line_num}: the file could not be read ({error}). "
                        "Look for a quote (\") that is opened but never closed.") from None


def read(data: bytes | str) -> ParsedFile:
    """Parse an uploaded or pasted file; FileError when it cannot be read as a whole."""
    if isinstance(data, bytes):
        text, encoding = decode(data)
    else:
        text, encoding = data.removeprefix("\ufeff"), "UTF-8"
    if "\x00" in text:
        raise FileError("This is not a text file (it holds NUL characters). "
                        "Export the spreadsheet as CSV and upload that.")
    if not text.strip():
        raise FileError("The file is empty.")
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records = _records(reader)
    try:
        header = next(records)
        while not any(h.strip() for h in header):
            header = next(records)
    except StopIteration:
        raise FileError("The file is empty.") from None
    header_end = reader.line_num

    positions: dict[str, int] = {}
    option_positions: dict[tuple[int, str], int] = {}
    ignored, columns = [], []
    for index, raw in enumerate(header):
        key = header_key(raw)
        if not key:
            continue
        match = OPTION_HEADER.match(key)
        if match:
            slot = (int(match.group(1)), match.group(2))
            if slot in option_positions:
                raise FileError(f"The column “{raw.strip()}” appears twice.")
            option_positions[slot] = index
            continue
        name = KNOWN.get(key)
        if name is None:
            ignored.append(raw.strip())
            continue
        if name in positions:
            raise FileError(f"The column “{raw.strip()}” appears twice (as {name}).")
        positions[name] = index
        columns.append(name)
    if "handle" not in positions and "title" not in positions:
        raise FileError("The file needs a handle or a title column. The first line must "
                        "hold the column names: download the template to see them.")
    slots = sorted({n for n, _ in option_positions})
    for n in slots:
        if (n, "name") not in option_positions or (n, "value") not in option_positions:
            raise FileError(f"Option {n} needs both columns, option{n}_name and "
                            f"option{n}_value.")

    rows = []
    previous_end = header_end
    for record in records:
        start = previous_end + 1
        previous_end = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) >= MAX_ROWS:
            raise FileError(f"The file has more than {MAX_ROWS:,} rows; split it in parts.")
        cells = {name: _cell(record, i) for name, i in positions.items()}
        options = {n: (_cell(record, option_positions[(n, "name")]).strip(),
                       _cell(record, option_positions[(n, "value")]).strip()) for n in slots}
        rows.append(Row(line=start, cells=cells, options=options))
    if not rows:
        raise FileError("The file has column names but no rows.")
    return ParsedFile(encoding=encoding, delimiter=delimiter, columns=columns,
                      option_slots=slots, rows=rows, ignored=ignored)


def _cell(record: list[str], index: int) -> str:
    return from_spreadsheet_safe(record[index]) if index < len(record) else ""


# --- Cells a spreadsheet would run (CSV injection) ------------------------------------
# A cell starting with = + - @, a tab or a carriage return is a formula to Excel,
# LibreOffice and Google Sheets: a title such as =HYPERLINK("https://…") would run
# on the computer of whoever opens the export. The export puts an apostrophe before
# such a cell, so spreadsheets show it as text, and the import takes it off again.
# A value that itself starts with apostrophes before such a character gets one more,
# so every value reads back as it was written; "'90s jacket" is left as it is.

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ESCAPED = re.compile(r"'+[=+\-@\t\r]")


def spreadsheet_safe(text: str) -> str:
    if text.startswith(FORMULA_START) or _ESCAPED.match(text):
        return "'" + text
    return text


def from_spreadsheet_safe(text: str) -> str:
    return text[1:] if _ESCAPED.match(text) else text


# --- Values: text in a cell <-> what the database stores -----------------------

TRUE = {"true", "yes", "y", "1", "t"}
FALSE = {"false", "no", "n", "0", "f"}


def parse_text(text: str, column: Column):
    value = text.strip()
    if column.max_length and len(value) > column.max_length:
        raise ValueError(f"At most {column.max_length:,} characters (this has {len(value):,}).")
    if "\x00" in value:
        raise ValueError("The character NUL is not allowed.")
    return value or None


def parse_handle(text: str):
    value = text.strip().lower()
    if value and not is_valid_handle(value):
        raise ValueError(f"“{text.strip()[:60]}” is not a handle. {HANDLE_RULE}")
    return value or None


def parse_status(text: str):
    value = text.strip().lower()
    if value and value not in STATUSES:
        raise ValueError(f"Unknown status “{text.strip()[:40]}”: use "
                         f"{', '.join(STATUSES[:-1])} or {STATUSES[-1]}.")
    return value or None


def parse_bool(text: str):
    value = text.strip().lower()
    if not value:
        return None
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f"“{text.strip()[:40]}” is not true or false.")


def parse_int(text: str, column: Column):
    value = text.strip().replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    if not value:
        return None
    if re.fullmatch(r"\d+(\.0+)?", value):
        number = int(value.split(".")[0])
        if number > MAX_INT:
            raise ValueError(f"{value} is too large (at most {MAX_INT:,}).")
        return number
    unit = "grams" if column.target == "weight" else "millimetres"
    raise ValueError(f"“{text.strip()[:40]}” is not a whole number of {unit}.")


def parse_country(text: str):
    value = text.strip().upper()
    if value and not re.fullmatch(r"[A-Z]{2}", value):
        raise ValueError(f"“{text.strip()[:40]}” is not a two-letter country code, like PT.")
    return value or None


def parse_url(text: str, base_url: str = ""):
    """One image address in its stored form (the file's own media paths back to /media/)."""
    try:
        return stored_image_url(text, base_url)
    except ValueError as problem:
        raise ValueError(f"“{text.strip()[:80]}”: {problem}") from None


def parse_urls(text: str, base_url: str = "") -> list[str]:
    """Image addresses separated by spaces or line breaks (an address has none: %20)."""
    return [parse_url(url, base_url) for url in text.split()]


def parse_json(text: str):
    value = text.strip()
    if not value:
        return None
    return parse_metadata(value)


def parse_tags(text: str) -> list[str]:
    """"Summer, linen ,summer" -> ["Summer", "linen"]: as the product form reads its tags."""
    seen, values = set(), []
    for raw in text.split(","):
        value = " ".join(raw.split())
        if value and value.lower() not in seen:
            if len(value) > 100:
                raise ValueError(f"A tag can have at most 100 characters (“{value[:30]}…”).")
            seen.add(value.lower())
            values.append(value)
    if len(values) > MAX_TAGS:
        raise ValueError(f"At most {MAX_TAGS} tags.")
    return values


def parse_paths(text: str) -> list[str]:
    """Category paths by handle, "women/tops/shirts", separated by commas."""
    paths = []
    for raw in text.split(","):
        path = "/".join(part.strip().lower() for part in raw.strip().strip("/").split("/"))
        if not path:
            continue
        bad = [part for part in path.split("/") if not is_valid_handle(part)]
        if bad:
            raise ValueError(f"“{raw.strip()[:60]}” is not a category path: use the "
                             "categories' handles from the top, like women/tops/shirts.")
        if path not in paths:
            paths.append(path)
    return paths


def parse(column: Column, text: str, base_url: str = ""):
    """The value a cell stores; ValueError with a message for staff."""
    kind = column.kind
    if kind == "text" or kind == "ref":
        return parse_text(text, column)
    if kind == "handle":
        return parse_handle(text)
    if kind == "status":
        return parse_status(text)
    if kind == "bool":
        return parse_bool(text)
    if kind == "int":
        return parse_int(text, column)
    if kind == "country":
        return parse_country(text)
    if kind == "url":
        return parse_url(text, base_url)
    if kind == "urls":
        return parse_urls(text, base_url)
    if kind == "json":
        return parse_json(text)
    if kind == "tags":
        return parse_tags(text)
    if kind == "paths":
        return parse_paths(text)
    raise AssertionError(kind)


def format_value(value) -> str:
    """A stored value as the export writes it (parse() reads it back to the same value)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --- Writing the export ------------------------------------------------------------


class Writer:
    """CSV text in chunks: rows go in, encoded chunks of about `chunk` bytes come out.
    Cells a spreadsheet would run as formulas are written as text (spreadsheet_safe)."""

    def __init__(self, chunk: int = 64 * 1024):
        self.buffer = io.StringIO()
        self.csv = csv.writer(self.buffer, lineterminator="\r\n")
        self.chunk = chunk

    def write(self, row: list[str]) -> bytes | None:
        self.csv.writerow([spreadsheet_safe(cell) for cell in row])
        if self.buffer.tell() >= self.chunk:
            return self.flush()
        return None

    def flush(self) -> bytes:
        data = self.buffer.getvalue().encode("utf-8")
        self.buffer.seek(0)
        self.buffer.truncate()
        return data


def product_cells(product: dict, base_url: str) -> list[str]:
    """The product's columns, in PRODUCT_COLUMNS order, for each of its rows."""
    cells = []
    for column in PRODUCT_COLUMNS:
        name = column.name
        if name == "collection":
            cells.append(product.get("collection_handle") or "")
        elif name == "type":
            cells.append(product.get("type_value") or "")
        elif name == "tags":
            cells.append(", ".join(product.get("tags") or []))
        elif name == "categories":
            cells.append(", ".join(product.get("categories") or []))
        elif name == "images":
            images = product.get("images") or []
            cells.append(" ".join(public_image_url(url, base_url) for url in images))
        elif name == "thumbnail":
            cells.append(public_image_url(product.get("thumbnail"), base_url))
        else:
            cells.append(format_value(product.get(name)))
    return cells


def variant_cells(variant: dict | None, option_titles: list[str], slots: int,
                  base_url: str) -> list[str]:
    """Option names and values, then the variant's columns; blanks without a variant."""
    cells = []
    values = (variant or {}).get("values") or {}
    for n in range(slots):
        title = option_titles[n] if n < len(option_titles) and variant else ""
        cells += [title, values.get(title, "") if title else ""]
    for column in VARIANT_COLUMNS:
        if variant is None:
            cells.append("")
        elif column.target == "thumbnail":
            cells.append(public_image_url(variant.get("thumbnail"), base_url))
        else:
            cells.append(format_value(variant.get(column.db)))
    return cells


TEMPLATE_ROWS = [
    {"handle": "linen-shirt", "title": "Linen Shirt", "subtitle": "Breathable summer linen",
     "description": "A relaxed shirt in washed linen.", "status": "draft",
     "type": "Shirts", "tags": "linen, summer", "weight": "", "origin_country": "PT",
     "discountable": "true", "is_giftcard": "false", "metadata": '{"care": "Machine wash 30°C"}',
     "option1_name": "Color", "option1_value": "White", "option2_name": "Size",
     "option2_value": "M", "variant_title": "White / M", "variant_sku": "LS-WHT-M",
     "variant_weight": "220", "variant_allow_backorder": "false",
     "variant_manage_inventory": "true"},
    {"handle": "linen-shirt", "title": "Linen Shirt", "subtitle": "Breathable summer linen",
     "description": "A relaxed shirt in washed linen.", "status": "draft",
     "type": "Shirts", "tags": "linen, summer", "weight": "", "origin_country": "PT",
     "discountable": "true", "is_giftcard": "false", "metadata": '{"care": "Machine wash 30°C"}',
     "option1_name": "Color", "option1_value": "White", "option2_name": "Size",
     "option2_value": "L", "variant_title": "White / L", "variant_sku": "LS-WHT-L",
     "variant_weight": "240", "variant_allow_backorder": "false",
     "variant_manage_inventory": "true"},
]


def template_csv() -> bytes:
    header = export_header(2)
    writer = Writer()
    writer.write(header)
    for example in TEMPLATE_ROWS:
        writer.write([example.get(name, "") for name in header])
    return codecs.BOM_UTF8 + writer.flush()
