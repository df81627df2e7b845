"""The grid's columns and the state of one row as the templates show it.

A row shows, per editable column, the value in the input (what was typed, when
a save was refused), the last saved value (Escape brings it back) and an error.
"""

import json
from dataclasses import dataclass, field

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str  # text | code | int | bool | country
    heading: str = ""  # the column heading when shorter than the label
    unit: str = ""

    @property
    def short(self) -> str:
        return self.heading or self.label


# The seed's editable variant columns, in the grid's order.
COLUMNS = (
    Column("title", "Title", "text"),
    Column("sku", "SKU", "code"),
    Column("barcode", "Barcode", "code"),
    Column("ean", "EAN", "code"),
    Column("upc", "UPC", "code"),
    Column("weight", "Weight (g)", "int", unit="g"),
    Column("length", "Length (mm)", "int", unit="mm"),
    Column("height", "Height (mm)", "int", unit="mm"),
    Column("width", "Width (mm)", "int", unit="mm"),
    Column("allow_backorder", "Allow backorder", "bool", heading="Backorder"),
    Column("manage_inventory", "Manage inventory", "bool", heading="Inventory"),
    Column("origin_country", "Country of origin", "country", heading="Origin"),
    Column("hs_code", "HS code", "text"),
    Column("mid_code", "MID code", "text"),
    Column("material", "Material", "text"),
)
COLUMNS_BY_NAME = {c.name: c for c in COLUMNS}
FIELD_NAMES = tuple(c.name for c in COLUMNS)
CODE_FIELDS = ("sku", "barcode", "ean", "upc")
# Columns a bulk edit may set: every column but the unique codes.
BULK_FIELDS = tuple(c for c in COLUMNS if c.name not in CODE_FIELDS)
CODE_LABELS = {"sku": "SKU", "barcode": "Barcode", "ean": "EAN", "upc": "UPC"}
# What a column's kind adds to its cell's input.
INPUT_EXTRAS = {"int": ' inputmode="numeric"', "country": ' maxlength="2"'}


def shown(value):
    """A column's value as an input shows it: text, or a bool for checkboxes."""
    if isinstance(value, bool):
        return value
    return "" if value is None else str(value)


def shown_values(variant) -> dict:
    return {name: shown(variant.get(name)) for name in FIELD_NAMES}


@dataclass
class RowState:
    """One grid row: the variant, what its inputs show, and how its last save went."""

    variant: dict
    values: dict = field(default_factory=dict)  # what the inputs show
    saved: dict = field(default_factory=dict)  # the last saved values
    original: dict = field(default_factory=dict)  # what the row was loaded with
    errors: dict = field(default_factory=dict)  # column -> message
    version: str = ""  # the updated_at the row saves against
    status: str = ""  # "" | saved | error | conflict
    message: str = ""

    @classmethod
    def of(cls, variant, **kwargs):
        """The row as saved: inputs, saved and original values all from the variant."""
        values = shown_values(variant)
        state = cls(variant=variant, values=dict(values), saved=dict(values),
                    original=dict(values), version=variant["updated_at"].isoformat())
        for key, value in kwargs.items():
            setattr(state, key, value)
        return state

    @property
    def id(self) -> str:
        return self.variant["id"]

    @property
    def label(self) -> str:
        """How the row is named to screen readers: its combination, or its title."""
        held = (self.variant.get("option_values") or {}).values()
        values = [h["value"] for h in held]
        return self.variant.get("combination_label") or " / ".join(values) or self.variant["title"]

    @property
    def original_json(self) -> str:
        """`original` without its blanks (parse_original() puts them back): short, as a
        page carries one per row."""
        compact = {k: v for k, v in self.original.items() if v != ""}
        return json.dumps(compact, separators=(",", ":"), ensure_ascii=False)

    def value_of(self, option_id) -> str:
        held = (self.variant.get("option_values") or {}).get(option_id)
        return held["value"] if held else ""

    def cells(self, columns, form_id: str, can_edit: bool) -> Markup:
        """The row's editable cells: an input joined to the row's form, its saved value
        when the input shows another, and its error.

        Written here rather than in _row.html: a page holds 100 rows of 15 cells, and
        Jinja took ~0.3 ms a row for them (every value escaped and yielded alone);
        this is the same HTML, escaped the same way, in a tenth of the time."""
        label = escape(self.label)
        row_id = escape(self.id)
        form_id = escape(form_id)
        html = []
        for column in columns:  # names and kinds are ours: nothing to escape
            name = column.name
            value, saved = self.values[name], self.saved[name]
            error = self.errors.get(name)
            input_id = f"v-{row_id}-{name}"
            invalid = (f' aria-invalid="true" aria-describedby="{input_id}-error"'
                       if error else "")
            aria = f' aria-label="{escape(column.label)}, {label}"'
            html.append(f'\n<td class="cell cell-{column.kind}{" has-error" if error else ""}"'
                        f' data-col="{name}">')
            if column.kind == "bool":
                was = f' data-saved="{"1" if saved else ""}"' if saved != value else ""
                html.append(f'<input type="checkbox" id="{input_id}" name="{name}" value="y"'
                            f' form="{form_id}" class="cell-check"{" checked" if value else ""}'
                            f'{was}{aria}{invalid}{"" if can_edit else " disabled"}>')
            else:
                was = f' data-saved="{escape(saved)}"' if saved != value else ""
                extra = INPUT_EXTRAS.get(column.kind, "")
                html.append(f'<input id="{input_id}" name="{name}" value="{escape(value)}"'
                            f' form="{form_id}" class="cell-input"{was}{aria}{extra}{invalid}'
                            f'{"" if can_edit else " readonly"}>')
            if error:
                html.append(f'<p class="cell-error" id="{input_id}-error">{escape(error)}</p>')
            html.append("</td>")
        return Markup("".join(html))


def parse_original(text) -> dict | None:
    """The values a row form was loaded with (its hidden `original`), or None if unreadable."""
    try:
        data = json.loads(text or "")
    except (TypeError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return {c.name: data.get(c.name, False if c.kind == "bool" else "") for c in COLUMNS}


def with_labels(variants, options):
    """Set each variant's `combination_label`: its values in option order ("Red / L")."""
    for variant in variants:
        held = variant.get("option_values") or {}
        values = [held[o["id"]]["value"] for o in options if o["id"] in held]
        variant["combination_label"] = " / ".join(values)
    return variants


@dataclass(frozen=True)
class Plan:
    """What "Generate variants" would do now: every combination of the options' values,
    less the ones a live variant already holds."""

    options: tuple  # (title, number of values) in option order
    variant_count: int  # live variants now
    complete_count: int  # of those, holding a value of every option
    limit: int

    @property
    def total(self) -> int:
        if not self.options or any(n == 0 for _, n in self.options):
            return 0
        product = 1
        for _, n in self.options:
            product *= n
        return product

    @property
    def missing(self) -> int:
        return max(self.total - self.complete_count, 0)

    @property
    def after(self) -> int:
        return self.variant_count + self.missing

    @property
    def too_many(self) -> bool:
        return self.after > self.limit

    @property
    def empty_options(self) -> list[str]:
        return [title for title, n in self.options if n == 0]

    @property
    def formula(self) -> str:
        """ "Color (3) × Size (4) = 12 combinations" """
        parts = " × ".join(f"{title} ({n})" for title, n in self.options)
        return f"{parts} = {self.total:,} combination{'s' if self.total != 1 else ''}"

    def refusal(self) -> str:
        return (f"{self.formula}: generating them would give this product {self.after:,} "
                f"variants ({self.missing:,} new and {self.variant_count:,} existing); "
                f"a product can have at most {self.limit:,}. Remove some values first.")


def plan_for(overview, limit) -> Plan:
    return Plan(
        options=tuple((o["title"], len(o["values"])) for o in overview["options"]),
        variant_count=overview["variant_count"],
        complete_count=overview["complete_count"],
        limit=limit,
    )


@dataclass
class EditorState:
    """The options editor after a refused change: messages and typed text by input id,
    and a notice (a delete refused because variants use it)."""

    errors: dict = field(default_factory=dict)
    typed: dict = field(default_factory=dict)
    notice: dict | None = None


@dataclass
class AddState:
    """The "Add a variant" form: chosen value per option, title, messages."""

    chosen: dict = field(default_factory=dict)
    title: str = ""
    errors: dict = field(default_factory=dict)
    existing: dict | None = None  # the variant that already holds the combination
