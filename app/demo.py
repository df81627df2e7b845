"""The deterministic demo catalog behind `catalog demo-data` and `make run`.

Everything is generated inside PostgreSQL with set-based statements
(generate_series, INSERT ... SELECT): Python only supplies the word lists. The
same number of products always gives the same rows, because every choice is a
hash of a row number (hashint8extended), never random(), and every timestamp
is an offset from a fixed date rather than now().

IDs are prefix + '_' + a ULID, like the app's own: a 48-bit millisecond time
(equal to the row's created_at, so IDs sort in creation order) and 80 bits
from hashes of the row number.

Foreign keys and triggers stay on, so every rule the app relies on is
checked. To keep 100,000 products (half a million variants) to about a
minute, the secondary indexes are dropped for the load and built again at its
end, inside the same transaction.
"""

import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from psycopg import sql
from psycopg.types.json import Jsonb
from slugify import slugify

CATALOG_TABLES = (
    "products",
    "p_variants",
    "p_options",
    "p_option_values",
    "p_variants_options",
    "p_categories",
    "p_categories_products",
    "p_collections",
    "p_types",
    "p_tags",
    "products_tags",
    "images",
    "products_images",
)

MAX_PRODUCTS = 1_000_000
# The product that has every shade in every size: the page staff suffer with.
# Only in catalogs big enough that one such product is plausible.
BIG_PRODUCT_MIN_CATALOG = 1_000

# The demo catalog's "now". Fixed, so that two loads are identical; products
# were created over the two years before it.
BASE_TIME = datetime(2026, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
# Children of a product are stamped up to this many ms after it (variant ranks
# up to 999 start at +200), so products must be at least this far apart for
# every table's timestamps to stay unique and in creation order.
MIN_PRODUCT_SPACING_MS = 2_000

# Any constant works; it only has to differ from the migrations' lock.
LOCK_KEY = 0x0C47DE70

log = logging.getLogger(__name__)

DEMO_IMAGE_DIR = "demo"
DEMO_IMAGE_URL = "/media/demo/"
DEMO_IMAGE_SIZE = 480


class DemoDataError(Exception):
    """The demo catalog cannot be loaded as asked; the message says why."""


# ---------------------------------------------------------------------------
# Word lists. Lists picked from with a stride (colors, designs, tags) have a
# prime length, so any stride visits distinct entries.

VALUE_LISTS: dict[str, tuple[tuple[str, str], ...]] = {
    # (value, SKU code); codes are unique within a list, so SKUs are unique.
    "colors": (
        ("Black", "BLK"), ("White", "WHT"), ("Navy", "NVY"), ("Heather Grey", "HGR"),
        ("Charcoal", "CHR"), ("Ecru", "ECR"), ("Sand", "SND"), ("Camel", "CML"),
        ("Olive", "OLV"), ("Forest Green", "FGR"), ("Sage", "SGE"), ("Sky Blue", "SKY"),
        ("Indigo", "IND"), ("Burgundy", "BRG"), ("Rust", "RST"), ("Terracotta", "TRC"),
        ("Mustard", "MUS"), ("Blush", "BLS"), ("Lilac", "LLC"), ("Coral", "CRL"),
        ("Chocolate", "CHO"), ("Stone", "STN"), ("Off-White", "OWT"),
    ),
    "letter_sizes": (
        ("XS", "XS"), ("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"), ("XXL", "XXL"),
    ),
    "shoe_sizes": tuple((f"EU {size}", str(size)) for size in range(36, 47)),
    "home_sizes": (("Small", "SM"), ("Medium", "MD"), ("Large", "LG"), ("Extra Large", "XL")),
    "designs": (
        ("Classic", "CLS"), ("Birthday", "BDY"), ("Holiday", "HOL"), ("Thank You", "THX"),
        ("Congratulations", "CGR"),
    ),
    "amounts": (("€10", "10"), ("€25", "25"), ("€50", "50"), ("€100", "100"), ("€200", "200")),
    "shades": tuple((f"Shade {i:02d}", f"S{i:02d}") for i in range(1, 41)),
    "waist_sizes": tuple((f"Size {size}", str(size)) for size in range(36, 61)),
}

CATEGORY_ROOTS = ("Women", "Men", "Kids", "Home", "Accessories", "Sport")
CATEGORY_SHELVES = {
    "Women": ("Tops", "Bottoms", "Outerwear", "Shoes"),
    "Men": ("Tops", "Bottoms", "Outerwear", "Shoes"),
    "Kids": ("Girls", "Boys", "Baby", "Shoes"),
    "Home": ("Bedroom", "Bathroom", "Kitchen & Dining", "Living Room"),
    "Accessories": ("Hats & Scarves", "Bags", "Belts & Gloves", "Gifts"),
    "Sport": ("Running", "Yoga", "Training", "Outdoor"),
}
CATEGORY_LEVEL3 = ("New In", "Bestsellers", "Basics", "Sale")
CATEGORY_LEVEL4 = ("Under €50", "€50 to €100", "Over €100")


@dataclass(frozen=True)
class Line:
    """A product line: its words, type, options and where it sits in the tree."""

    type: str
    adjectives: tuple[str, ...]
    # (noun, SKU code, materials)
    nouns: tuple[tuple[str, str, tuple[str, ...]], ...]
    shelves: tuple[tuple[str, str], ...]
    hs_code: str | None
    weight: int  # grams, a typical piece
    image: str  # label of the demo picture that shows it first
    care: str
    option1: tuple[str, str] = ("Color", "colors")
    option2: tuple[str, str] = ("Size", "letter_sizes")
    giftcard: bool = False


LINES = (
    Line(
        type="Apparel",
        adjectives=("Relaxed", "Classic", "Slim", "Oversized", "Everyday", "Essential", "Boxy"),
        nouns=(
            ("Crew Tee", "TEE", ("Cotton", "Organic Cotton", "Pima Cotton", "Hemp")),
            ("V-Neck Tee", "VNT", ("Cotton", "Organic Cotton", "Jersey")),
            ("Polo Shirt", "POL", ("Cotton Piqué", "Organic Cotton")),
            ("Oxford Shirt", "OXF", ("Cotton", "Organic Cotton")),
            ("Camp Shirt", "CMP", ("Linen", "Viscose")),
            ("Henley", "HEN", ("Cotton", "Waffle Cotton")),
            ("Tank Top", "TNK", ("Cotton", "Ribbed Jersey")),
        ),
        shelves=(("Women", "Tops"), ("Men", "Tops"), ("Kids", "Girls"), ("Kids", "Boys")),
        hs_code="6109.10",
        weight=220,
        image="Tee",
        care="Machine wash at 30°C.",
    ),
    Line(
        type="Apparel",
        adjectives=("Straight-Leg", "Tapered", "Wide-Leg", "Relaxed", "Slim", "Pleated"),
        nouns=(
            ("Jeans", "JNS", ("Denim", "Selvedge Denim", "Stretch Denim")),
            ("Chinos", "CHI", ("Cotton Twill", "Stretch Cotton")),
            ("Trousers", "TRS", ("Linen", "Wool", "Corduroy")),
            ("Shorts", "SHO", ("Linen", "Cotton Twill", "Denim")),
            ("Midi Skirt", "SKR", ("Linen", "Satin", "Corduroy")),
        ),
        shelves=(("Women", "Bottoms"), ("Men", "Bottoms"), ("Kids", "Girls"), ("Kids", "Boys")),
        hs_code="6203.42",
        weight=520,
        image="Denim",
        care="Machine wash at 30°C, inside out.",
    ),
    Line(
        type="Knitwear",
        adjectives=("Chunky", "Fine-Knit", "Cosy", "Cropped", "Ribbed", "Après-Ski"),
        nouns=(
            ("Crewneck Sweater", "SWT", ("Merino Wool", "Cashmere", "Lambswool", "Cotton")),
            ("Cardigan", "CAR", ("Merino Wool", "Alpaca", "Cotton")),
            ("Turtleneck", "TRT", ("Merino Wool", "Cashmere")),
            ("Sweater Vest", "VST", ("Lambswool", "Cotton")),
        ),
        shelves=(("Women", "Tops"), ("Men", "Tops"), ("Kids", "Girls"), ("Kids", "Boys")),
        hs_code="6110.11",
        weight=420,
        image="Knit",
        care="Hand wash cold and dry flat.",
    ),
    Line(
        type="Outerwear",
        adjectives=("Lightweight", "Insulated", "Waterproof", "Packable", "Quilted"),
        nouns=(
            ("Parka", "PRK", ("Recycled Nylon", "Waxed Cotton")),
            ("Bomber Jacket", "BMB", ("Nylon", "Suede", "Wool-Blend")),
            ("Rain Jacket", "RNJ", ("Recycled Polyester", "Ripstop")),
            ("Overcoat", "OVC", ("Wool-Blend", "Cashmere-Blend")),
            ("Gilet", "GIL", ("Down", "Recycled Polyester")),
        ),
        shelves=(("Women", "Outerwear"), ("Men", "Outerwear"), ("Kids", "Baby"),
                 ("Sport", "Outdoor")),
        hs_code="6201.40",
        weight=900,
        image="Jacket",
        care="Dry clean or machine wash at 30°C on a gentle cycle.",
    ),
    Line(
        type="Footwear",
        adjectives=("Classic", "Low-Top", "High-Top", "Everyday", "Trail", "Chunky"),
        nouns=(
            ("Sneakers", "SNK", ("Leather", "Canvas", "Recycled Knit")),
            ("Chelsea Boots", "CHB", ("Leather", "Suede")),
            ("Loafers", "LOF", ("Leather", "Suede")),
            ("Sandals", "SND", ("Leather", "Cork")),
        ),
        shelves=(("Women", "Shoes"), ("Men", "Shoes"), ("Kids", "Shoes")),
        hs_code="6403.99",
        weight=800,
        image="Sneaker",
        care="Wipe clean with a damp cloth.",
        option2=("Size", "shoe_sizes"),
    ),
    Line(
        type="Accessories",
        adjectives=("Classic", "Ribbed", "Everyday", "Heritage"),
        nouns=(
            ("Beanie", "BNE", ("Merino Wool", "Cashmere", "Cotton")),
            ("Scarf", "SCF", ("Merino Wool", "Silk", "Cashmere")),
            ("Cap", "CAP", ("Cotton Twill", "Corduroy")),
            ("Gloves", "GLV", ("Leather", "Merino Wool")),
            ("Belt", "BLT", ("Leather", "Canvas")),
        ),
        shelves=(("Accessories", "Hats & Scarves"), ("Accessories", "Belts & Gloves"),
                 ("Accessories", "Gifts")),
        hs_code="6505.00",
        weight=120,
        image="Beanie",
        care="Hand wash cold.",
    ),
    Line(
        type="Accessories",
        adjectives=("Señor", "Wide-Brim", "Classic", "Packable"),
        nouns=(
            ("Sun Hat", "HAT", ("Raffia", "Paper Straw")),
            ("Panama Hat", "PAN", ("Toquilla Straw",)),
        ),
        shelves=(("Accessories", "Hats & Scarves"),),
        hs_code="6504.00",
        weight=90,
        image="Beanie",
        care="Spot clean only.",
        option2=("Size", "letter_sizes"),
    ),
    Line(
        type="Bags",
        adjectives=("Everyday", "Weekend", "Compact", "Structured", "Foldable"),
        nouns=(
            ("Tote Bag", "TOT", ("Canvas", "Leather", "Recycled Nylon")),
            ("Backpack", "BPK", ("Recycled Nylon", "Waxed Canvas")),
            ("Crossbody Bag", "XBG", ("Leather", "Suede")),
            ("Weekender", "WKD", ("Waxed Canvas", "Leather")),
        ),
        shelves=(("Accessories", "Bags"),),
        hs_code="4202.92",
        weight=650,
        image="Tote",
        care="Spot clean only.",
        option2=("Size", "home_sizes"),
    ),
    Line(
        type="Home Textiles",
        adjectives=("Stonewashed", "Waffle", "Crème", "Herringbone", "Soft", "Washed"),
        nouns=(
            ("Duvet Cover", "DUV", ("Linen", "Percale Cotton", "Cotton Sateen")),
            ("Throw Blanket", "THR", ("Wool", "Cotton", "Mohair")),
            ("Cushion Cover", "CSH", ("Linen", "Velvet", "Wool")),
            ("Bath Towel", "TWL", ("Cotton", "Organic Cotton")),
            ("Table Runner", "RUN", ("Linen", "Jute")),
            ("Apron", "APR", ("Canvas", "Linen")),
        ),
        shelves=(("Home", "Bedroom"), ("Home", "Bathroom"), ("Home", "Living Room"),
                 ("Home", "Kitchen & Dining")),
        hs_code="6302.31",
        weight=700,
        image="Linen",
        care="Machine wash at 40°C, tumble dry low.",
        option2=("Size", "home_sizes"),
    ),
    Line(
        type="Homeware",
        adjectives=("Café", "Glazed", "Speckled", "Handmade", "Minimal", "Rustic"),
        nouns=(
            ("Mug", "MUG", ("Stoneware", "Porcelain")),
            ("Vase", "VAS", ("Ceramic", "Recycled Glass")),
            ("Serving Bowl", "BWL", ("Stoneware", "Olive Wood")),
            ("Candle", "CND", ("Soy Wax", "Beeswax")),
            ("Dinner Plate", "PLT", ("Stoneware", "Porcelain")),
        ),
        shelves=(("Home", "Kitchen & Dining"), ("Home", "Living Room"), ("Accessories", "Gifts")),
        hs_code="6912.00",
        weight=450,
        image="Mug",
        care="Dishwasher safe.",
        option2=("Size", "home_sizes"),
    ),
    Line(
        type="Sportswear",
        adjectives=("Performance", "Seamless", "Breathable", "Lightweight", "Thermal"),
        nouns=(
            ("Running Shorts", "RSH", ("Recycled Polyester", "Nylon")),
            ("Yoga Leggings", "LEG", ("Nylon-Elastane", "Recycled Polyester")),
            ("Training Tank", "TTK", ("Mesh", "Recycled Polyester")),
            ("Sports Bra", "BRA", ("Nylon-Elastane",)),
            ("Track Jacket", "TRK", ("Recycled Polyester", "Nylon")),
            ("Base Layer", "BSL", ("Merino Wool",)),
        ),
        shelves=(("Sport", "Running"), ("Sport", "Yoga"), ("Sport", "Training"),
                 ("Sport", "Outdoor")),
        hs_code="6112.20",
        weight=260,
        image="Active",
        care="Machine wash at 30°C, no softener.",
    ),
    Line(
        type="Gift Card",
        adjectives=("Classic", "Digital", "Holiday", "Birthday"),
        nouns=(("Gift Card", "GFT", ("",)),),
        shelves=(("Accessories", "Gifts"),),
        hs_code=None,
        weight=0,
        image="Gift",
        care="Redeemable online and in store.",
        option1=("Design", "designs"),
        option2=("Amount", "amounts"),
        giftcard=True,
    ),
)

# The big product's line: never picked by hash, only given to product 1.
BIG_LINE = Line(
    type="Apparel",
    adjectives=("Signature",),
    nouns=(("Chino", "SIG", ("Stretch Cotton",)),),
    shelves=(("Women", "Bottoms"), ("Men", "Bottoms")),
    hs_code="6203.42",
    weight=540,
    image="Denim",
    care="Machine wash at 30°C, inside out.",
    option1=("Color", "shades"),
    option2=("Size", "waist_sizes"),
)

COLLECTIONS = (
    "Spring 2026", "Summer 2026", "Autumn 2026", "Winter 2026", "Spring 2025", "Summer 2025",
    "Autumn 2025", "Winter 2025", "Essentials", "Core Basics", "Outdoor Edit", "Holiday Gifts",
    "Workwear", "Weekend", "Loungewear", "Limited Edition", "Eco Line", "Travel",
    "Back to School", "Café Society",
)

TAGS = (
    "organic", "bestseller", "vegan", "new", "sale", "limited", "recycled", "handmade",
    "fair-trade", "gift-idea", "waterproof", "breathable", "machine-washable", "unisex",
    "oversized", "slim-fit", "stretch", "lightweight", "heavyweight", "warm", "summer",
    "winter", "spring", "autumn", "made-in-eu", "plastic-free", "gots-certified", "oeko-tex",
    "merino", "cashmere", "linen", "denim", "leather-free", "wide-fit", "petite", "tall",
    "maternity", "plus-size", "staff-pick", "online-exclusive", "back-in-stock", "low-stock",
    "preorder", "clearance", "travel", "outdoor", "running", "yoga", "festival", "wedding",
    "workwear", "loungewear", "minimal", "vintage", "classic", "statement", "cruelty-free",
    "carbon-neutral", "capsule", "heritage", "seasonal",
)

COUNTRIES = ("PT", "IT", "TR", "IN", "BD", "CN", "VN", "ES", "FR", "DE", "US", "GB", "PE",
             "MA", "RO", "LT", "JP", "KR", "DK", "NL")

TAGLINES = (
    "Made to last, made to wear", "Soft on the skin, easy on the planet",
    "The one you will reach for first", "A modern take on a classic",
    "Designed in Lisbon, loved everywhere", "Small batch, big character",
    "Our bestseller, now in new colours", "Everyday comfort, elevated",
    "Thoughtfully made from better materials", "Built for the long haul",
    "Simple, honest, beautifully finished", "Light enough to pack, tough enough to keep",
)

FEATURES = (
    "Finished by hand in a small workshop we have worked with for years.",
    "Made from certified materials, traceable from source to finish.",
    "A timeless shape in a palette that mixes and matches.",
    "Designed to be used every day and to last for years.",
    "Produced in small batches, so nothing ends up as overstock.",
    "Packed plastic-free in recycled cardboard.",
    "Tested by our team for a full season before it went on sale.",
)

FITS = ("Regular", "Relaxed", "Slim", "Oversized", "True to size")
SEASONS = ("SS25", "AW25", "SS26", "AW26", "Core")

# Labels of the generated PNG files, one file each; lines and category roots
# name the one they are shown with first.
IMAGE_LABELS = (
    "Tee", "Denim", "Knit", "Jacket", "Sneaker", "Beanie", "Tote", "Linen", "Mug", "Active",
    "Gift", "Detail",
)
CATEGORY_ROOT_IMAGES = ("Tee", "Denim", "Knit", "Linen", "Beanie", "Active")
IMAGE_COLORS = (
    ((239, 83, 80), (255, 205, 210)), ((66, 165, 245), (187, 222, 251)),
    ((102, 187, 106), (200, 230, 201)), ((255, 167, 38), (255, 224, 178)),
    ((171, 71, 188), (225, 190, 231)), ((38, 166, 154), (178, 223, 219)),
    ((141, 110, 99), (215, 204, 200)), ((120, 144, 156), (207, 216, 220)),
    ((236, 64, 122), (248, 187, 208)), ((92, 107, 192), (197, 202, 233)),
    ((212, 225, 87), (240, 244, 195)), ((255, 112, 67), (255, 204, 188)),
)


def _is_prime(number: int) -> bool:
    return number > 1 and all(number % d for d in range(2, int(number**0.5) + 1))


# Strides must visit distinct entries (see the word lists' header).
assert _is_prime(len(VALUE_LISTS["colors"])) and _is_prime(len(VALUE_LISTS["designs"]))
assert _is_prime(len(TAGS)) and len(set(TAGS)) == len(TAGS)


# ---------------------------------------------------------------------------
# Reference rows handed to SQL as JSON (small: lines, title combinations,
# option value lists, shelves). The per-product work all happens in SQL.


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


def _reference_data() -> dict:
    list_names = list(VALUE_LISTS)
    values = [
        {"list_idx": list_idx, "pos": pos, "value": value, "code": code}
        for list_idx, name in enumerate(list_names)
        for pos, (value, code) in enumerate(VALUE_LISTS[name])
    ]
    types = list(dict.fromkeys(line.type for line in LINES + (BIG_LINE,)))
    lines, shelves, combos = [], [], []
    combo_count = 0
    # The big line sits at index -1 so a hash over 0..count-1 never lands on it.
    for line_idx, line in [(-1, BIG_LINE), *enumerate(LINES)]:
        lines.append({
            "idx": line_idx,
            "type_idx": types.index(line.type),
            "option1": line.option1[0],
            "list1": list_names.index(line.option1[1]),
            "len1": len(VALUE_LISTS[line.option1[1]]),
            "option2": line.option2[0],
            "list2": list_names.index(line.option2[1]),
            "len2": len(VALUE_LISTS[line.option2[1]]),
            "every_value": line is BIG_LINE,
            "giftcard": line.giftcard,
            "hs_code": line.hs_code,
            "weight": line.weight,
            "image": IMAGE_LABELS.index(line.image),
            "care": line.care,
            "shelf_count": len(line.shelves),
        })
        for pos, (root, shelf) in enumerate(line.shelves):
            shelves.append({
                "line": line_idx,
                "pos": pos,
                "l1": CATEGORY_ROOTS.index(root),
                "l2": CATEGORY_SHELVES[root].index(shelf),
            })
        for adjective in line.adjectives:
            for noun, code, materials in line.nouns:
                for material in materials:
                    title = " ".join(w for w in (adjective, material, noun) if w)
                    if line.giftcard:
                        lede = f"{_article(adjective)} {adjective.lower()} gift card, " \
                               "delivered by email and valid for two years."
                    else:
                        lede = f"{_article(adjective)} {adjective.lower()} {noun.lower()} " \
                               f"in {material.lower()}."
                    if line is BIG_LINE:
                        idx = -1
                    else:
                        idx, combo_count = combo_count, combo_count + 1
                    combos.append({
                        "idx": idx,
                        "line": line_idx,
                        "title": title,
                        "slug": slugify(title),
                        "material": material or None,
                        "code": code,
                        "lede": lede,
                    })
    return {
        "values": values,
        "types": types,
        "lines": lines,
        "shelves": shelves,
        "combos": combos,
        "combo_count": combo_count,
    }


# ---------------------------------------------------------------------------
# SQL. Helper functions live in pg_temp for the length of one load.

# 1024 two-character Crockford base32 pairs: one lookup encodes ten bits.
# IMMUTABLE with no arguments, so the planner evaluates it once per statement.
CREATE_B32_PAIRS = """
CREATE OR REPLACE FUNCTION pg_temp.b32_pairs() RETURNS bytea
LANGUAGE sql IMMUTABLE
AS $$
    SELECT convert_to(
               string_agg(
                   substr(alphabet, i / 32 + 1, 1) || substr(alphabet, i % 32 + 1, 1),
                   '' ORDER BY i),
               'UTF8')
      FROM generate_series(0, 1023) AS i,
           (SELECT '0123456789ABCDEFGHJKMNPQRSTVWXYZ'::text AS alphabet) AS a
$$
"""

# Ten bits as two base32 characters: one lookup in a bytea (O(1) access,
# unlike substr on UTF-8 text).
CREATE_B32_PAIR = """
CREATE OR REPLACE FUNCTION pg_temp.b32_pair(bits bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE
AS $$
    SELECT substring(pg_temp.b32_pairs() FROM (bits & 1023)::int * 2 + 1 FOR 2)
$$
"""

# A ULID as python-ulid prints it: 10 characters of millisecond time, then 16
# of 80 bits from two hashes of the seed (salted with the prefix, so tables
# differ). Plain SQL expressions all the way down, so the planner inlines them.
CREATE_ULID = """
CREATE OR REPLACE FUNCTION pg_temp.ulid(prefix text, ms bigint, seed bigint) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT prefix || '_' || encode(
               pg_temp.b32_pair(ms >> 40)
            || pg_temp.b32_pair(ms >> 30)
            || pg_temp.b32_pair(ms >> 20)
            || pg_temp.b32_pair(ms >> 10)
            || pg_temp.b32_pair(ms)
            || pg_temp.b32_pair(hashint8extended(seed, hashtext(prefix)) >> 30)
            || pg_temp.b32_pair(hashint8extended(seed, hashtext(prefix)) >> 20)
            || pg_temp.b32_pair(hashint8extended(seed, hashtext(prefix)) >> 10)
            || pg_temp.b32_pair(hashint8extended(seed, hashtext(prefix)))
            || pg_temp.b32_pair(hashint8extended(seed, hashtext(prefix)::bigint + 1) >> 30)
            || pg_temp.b32_pair(hashint8extended(seed, hashtext(prefix)::bigint + 1) >> 20)
            || pg_temp.b32_pair(hashint8extended(seed, hashtext(prefix)::bigint + 1) >> 10)
            || pg_temp.b32_pair(hashint8extended(seed, hashtext(prefix)::bigint + 1)),
           'escape')
$$
"""

# A deterministic choice in 0..m-1: the row's seed hashed with a salt that
# names the decision, so decisions are independent of one another.
CREATE_PICK = """
CREATE OR REPLACE FUNCTION pg_temp.pick(seed bigint, salt bigint, m bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE
AS $$
    SELECT (hashint8extended(seed, salt) & 9223372036854775807) % m
$$
"""

# A GTIN (EAN-13, UPC-A, GTIN-14): the body padded to digits - 1, then the
# mod-10 check digit, weights 3 and 1 from the rightmost body digit.
CREATE_GTIN = """
CREATE OR REPLACE FUNCTION pg_temp.gtin(body bigint, digits int) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT lpad(body::text, digits - 1, '0')
        || ((10 - (
                3 * (body % 10 + body / 100 % 10 + body / 10000 % 10 + body / 1000000 % 10
                     + body / 100000000 % 10 + body / 10000000000 % 10
                     + body / 1000000000000 % 10)
              + (body / 10 % 10 + body / 1000 % 10 + body / 100000 % 10 + body / 10000000 % 10
                 + body / 1000000000 % 10 + body / 100000000000 % 10)
            ) % 10) % 10)::text
$$
"""

# One of the words, chosen by the seed and the salt (see pick).
CREATE_CHOOSE = """
CREATE OR REPLACE FUNCTION pg_temp.choose(words text[], seed bigint, salt bigint) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT words[1 + pg_temp.pick(seed, salt, cardinality(words))::int]
$$
"""

# STABLE, as timestamptz + interval is: a function declared stricter than its
# body is not inlined, and a call per row costs ten times as much.
CREATE_AT = """
CREATE OR REPLACE FUNCTION pg_temp.at(ms bigint) RETURNS timestamptz
LANGUAGE sql STABLE
AS $$
    SELECT timestamptz 'epoch' + ms * interval '1 millisecond'
$$
"""

DROP_HELPERS = """
DROP FUNCTION pg_temp.ulid(text, bigint, bigint),
              pg_temp.b32_pair(bigint),
              pg_temp.b32_pairs(),
              pg_temp.choose(text[], bigint, bigint),
              pg_temp.pick(bigint, bigint, bigint),
              pg_temp.gtin(bigint, int),
              pg_temp.at(bigint)
"""

CREATE_REFERENCE_TABLES = """
CREATE TEMP TABLE demo_value (
    list_idx int NOT NULL,
    pos int NOT NULL,
    value text NOT NULL,
    code text NOT NULL,
    PRIMARY KEY (list_idx, pos)
) ON COMMIT DROP;

CREATE TEMP TABLE demo_line (
    idx int PRIMARY KEY,
    type_idx int NOT NULL,
    option1 text NOT NULL,
    list1 int NOT NULL,
    len1 int NOT NULL,
    option2 text NOT NULL,
    list2 int NOT NULL,
    len2 int NOT NULL,
    every_value boolean NOT NULL,
    giftcard boolean NOT NULL,
    hs_code text,
    weight int NOT NULL,
    image int NOT NULL,
    care text NOT NULL,
    shelf_count int NOT NULL
) ON COMMIT DROP;

CREATE TEMP TABLE demo_shelf (
    line int NOT NULL,
    pos int NOT NULL,
    l1 int NOT NULL,
    l2 int NOT NULL,
    PRIMARY KEY (line, pos)
) ON COMMIT DROP;

CREATE TEMP TABLE demo_combo (
    idx int PRIMARY KEY,
    line int NOT NULL,
    title text NOT NULL,
    slug text NOT NULL,
    material text,
    code text NOT NULL,
    lede text NOT NULL
) ON COMMIT DROP;

CREATE TEMP TABLE demo_type (
    idx int PRIMARY KEY,
    id text NOT NULL
) ON COMMIT DROP;

CREATE TEMP TABLE demo_collection (
    idx int PRIMARY KEY,
    id text NOT NULL
) ON COMMIT DROP;

CREATE TEMP TABLE demo_tag (
    idx int PRIMARY KEY,
    id text NOT NULL
) ON COMMIT DROP;

CREATE TEMP TABLE demo_category (
    key int PRIMARY KEY,
    id text NOT NULL
) ON COMMIT DROP;
"""

FILL_VALUES = """
INSERT INTO demo_value (list_idx, pos, value, code)
SELECT list_idx, pos, value, code
  FROM jsonb_to_recordset(%(values)s) AS v(list_idx int, pos int, value text, code text)
"""

FILL_LINES = """
INSERT INTO demo_line (
    idx, type_idx, option1, list1, len1, option2, list2, len2, every_value, giftcard,
    hs_code, weight, image, care, shelf_count)
SELECT idx, type_idx, option1, list1, len1, option2, list2, len2, every_value, giftcard,
       hs_code, weight, image, care, shelf_count
  FROM jsonb_to_recordset(%(lines)s) AS l(
           idx int, type_idx int, option1 text, list1 int, len1 int, option2 text, list2 int,
           len2 int, every_value boolean, giftcard boolean, hs_code text, weight int,
           image int, care text, shelf_count int)
"""

FILL_SHELVES = """
INSERT INTO demo_shelf (line, pos, l1, l2)
SELECT line, pos, l1, l2
  FROM jsonb_to_recordset(%(shelves)s) AS s(line int, pos int, l1 int, l2 int)
"""

FILL_COMBOS = """
INSERT INTO demo_combo (idx, line, title, slug, material, code, lede)
SELECT idx, line, title, slug, material, code, lede
  FROM jsonb_to_recordset(%(combos)s) AS c(
           idx int, line int, title text, slug text, material text, code text, lede text)
"""

# Reference rows are stamped in the day before the first product, a second
# apart, so their IDs sort in list order.
INSERT_TYPES = """
WITH t AS (
    SELECT (ord - 1)::int AS idx,
           value,
           %(ms)s::bigint + (ord - 1) * 1000 AS ms
      FROM unnest(%(types)s::text[]) WITH ORDINALITY AS u(value, ord)
),
staged AS (
    INSERT INTO demo_type (idx, id)
    SELECT idx, pg_temp.ulid('ptyp', ms, idx)
      FROM t
    RETURNING idx, id
)
INSERT INTO p_types (id, value, created_at, updated_at)
SELECT s.id, t.value, pg_temp.at(t.ms), pg_temp.at(t.ms)
  FROM staged AS s
  JOIN t ON t.idx = s.idx
 ORDER BY t.idx
"""

INSERT_COLLECTIONS = """
WITH c AS (
    SELECT (ord - 1)::int AS idx,
           title,
           handle,
           %(ms)s::bigint + (ord - 1) * 1000 AS ms
      FROM unnest(%(titles)s::text[], %(handles)s::text[]) WITH ORDINALITY AS u(title, handle, ord)
),
staged AS (
    INSERT INTO demo_collection (idx, id)
    SELECT idx, pg_temp.ulid('pcol', ms, idx)
      FROM c
    RETURNING idx, id
)
INSERT INTO p_collections (id, title, handle, metadata, created_at, updated_at)
SELECT s.id,
       c.title,
       c.handle,
       CASE WHEN c.idx %% 4 = 0 THEN jsonb_build_object('campaign', c.handle) END,
       pg_temp.at(c.ms),
       pg_temp.at(c.ms)
  FROM staged AS s
  JOIN c ON c.idx = s.idx
 ORDER BY c.idx
"""

INSERT_TAGS = """
WITH t AS (
    SELECT (ord - 1)::int AS idx,
           value,
           %(ms)s::bigint + (ord - 1) * 1000 AS ms
      FROM unnest(%(tags)s::text[]) WITH ORDINALITY AS u(value, ord)
),
staged AS (
    INSERT INTO demo_tag (idx, id)
    SELECT idx, pg_temp.ulid('ptag', ms, idx)
      FROM t
    RETURNING idx, id
)
INSERT INTO p_tags (id, value, created_at, updated_at)
SELECT s.id, t.value, pg_temp.at(t.ms), pg_temp.at(t.ms)
  FROM staged AS s
  JOIN t ON t.idx = s.idx
 ORDER BY t.idx
"""

# The tree: roots x shelves x level-3 x level-4 names. A category's key is its
# path in mixed radix, with 0 for "no level", so a parent's key is computed
# from the child's path and is always smaller. Root categories get an image
# of their own: an image with no product (migration 0001's images.product_id).
INSERT_CATEGORIES = """
WITH levels AS (
    SELECT l1, NULL::int AS l2, NULL::int AS l3, NULL::int AS l4
      FROM generate_series(0, cardinality(%(roots)s::text[]) - 1) AS l1
    UNION ALL
    SELECT l1, l2, NULL, NULL
      FROM generate_series(0, cardinality(%(roots)s::text[]) - 1) AS l1,
           generate_series(0, %(shelves_per_root)s - 1) AS l2
    UNION ALL
    SELECT l1, l2, l3, NULL
      FROM generate_series(0, cardinality(%(roots)s::text[]) - 1) AS l1,
           generate_series(0, %(shelves_per_root)s - 1) AS l2,
           generate_series(0, cardinality(%(level3)s::text[]) - 1) AS l3
    UNION ALL
    SELECT l1, l2, l3, l4
      FROM generate_series(0, cardinality(%(roots)s::text[]) - 1) AS l1,
           generate_series(0, %(shelves_per_root)s - 1) AS l2,
           generate_series(0, cardinality(%(level3)s::text[]) - 1) AS l3,
           generate_series(0, cardinality(%(level4)s::text[]) - 1) AS l4
),
named AS (
    SELECT l.*,
           ((l1 * 5 + coalesce(l2 + 1, 0)) * 5 + coalesce(l3 + 1, 0)) * 4
               + coalesce(l4 + 1, 0) AS key,
           CASE
               WHEN l2 IS NULL THEN NULL
               ELSE ((l1 * 5 + CASE WHEN l3 IS NULL THEN 0 ELSE l2 + 1 END) * 5
                     + CASE WHEN l4 IS NULL THEN 0 ELSE l3 + 1 END) * 4
           END AS parent_key,
           coalesce(l4, l3, l2, l1) AS rank,
           CASE
               WHEN l4 IS NOT NULL THEN 4
               WHEN l3 IS NOT NULL THEN 3
               WHEN l2 IS NOT NULL THEN 2
               ELSE 1
           END AS depth,
           concat_ws(' › ',
               (%(roots)s::text[])[l1 + 1],
               (%(shelves)s::text[])[l1 * %(shelves_per_root)s + l2 + 1],
               (%(level3)s::text[])[l3 + 1],
               (%(level4)s::text[])[l4 + 1]) AS path,
           concat_ws('-',
               (%(root_slugs)s::text[])[l1 + 1],
               (%(shelf_slugs)s::text[])[l1 * %(shelves_per_root)s + l2 + 1],
               (%(level3_slugs)s::text[])[l3 + 1],
               (%(level4_slugs)s::text[])[l4 + 1]) AS handle,
           coalesce((%(level4)s::text[])[l4 + 1],
                    (%(level3)s::text[])[l3 + 1],
                    (%(shelves)s::text[])[l1 * %(shelves_per_root)s + l2 + 1],
                    (%(roots)s::text[])[l1 + 1]) AS name
      FROM levels AS l
),
stamped AS (
    SELECT named.*,
           %(ms)s::bigint + key * 1000 AS ms,
           CASE
               WHEN depth = 1 THEN pg_temp.ulid('img', %(ms)s::bigint + key * 1000 - 500, key)
           END AS image_id,
           CASE WHEN depth = 1 THEN (%(root_images)s::text[])[l1 + 1] END AS image_url
      FROM named
),
root_images AS (
    INSERT INTO images (id, url, rank, product_id, metadata, created_at, updated_at)
    SELECT image_id,
           image_url,
           0,
           NULL,
           jsonb_build_object('alt', name),
           pg_temp.at(ms - 500),
           pg_temp.at(ms - 500)
      FROM stamped
     WHERE depth = 1
),
staged AS (
    INSERT INTO demo_category (key, id)
    SELECT key, pg_temp.ulid('pcat', ms, key)
      FROM stamped
    RETURNING key, id
)
INSERT INTO p_categories (
    id, name, description, handle, is_active, is_internal, rank, image_id, thumbnail,
    parent_id, created_at, updated_at, metadata)
SELECT s.id,
       c.name,
       'Everything in ' || c.path || '.',
       c.handle,
       -- Roots always show; a few deeper categories are switched off or internal.
       c.depth = 1 OR pg_temp.pick(c.key, 401, 100) >= 6,
       c.depth > 1 AND pg_temp.pick(c.key, 402, 100) < 4,
       c.rank,
       c.image_id,
       c.image_url,
       parent.id,
       pg_temp.at(c.ms),
       pg_temp.at(c.ms),
       CASE WHEN c.depth = 1 THEN jsonb_build_object('menu_position', c.rank + 1) END
  FROM stamped AS c
  JOIN staged AS s ON s.key = c.key
  LEFT JOIN staged AS parent ON parent.key = c.parent_key
 ORDER BY c.key
"""

# One row per product with every choice made, so later statements only join.
# Staging tables are written in creation order and read back in it, so the
# inserts append to the (time-sorted) ID indexes instead of sorting again.
# Product n is created at a fixed spacing from the start plus a jitter that
# stays clear of the next product, leaving room for its children's stamps.
STAGE_PRODUCTS = """
CREATE TEMP TABLE demo_product ON COMMIT DROP AS
WITH numbered AS (
    SELECT n,
           %(start_ms)s::bigint + (n - 1)::bigint * %(spacing_ms)s::bigint
               + pg_temp.pick(n, 1, %(jitter_ms)s) AS ms,
           CASE
               WHEN n = 1 AND %(with_big)s THEN -1
               ELSE pg_temp.pick(n, 2, %(combo_count)s)::int
           END AS combo,
           -- About one product in fifty is bare: no options, no variants.
           n > 1 AND pg_temp.pick(n, 3, 50) = 0 AS bare
      FROM generate_series(1, %(products)s::int) AS n
),
chosen AS (
    SELECT p.n,
           p.ms,
           c.title,
           c.slug,
           c.material,
           c.code,
           c.lede,
           l.idx AS line,
           l.type_idx,
           l.giftcard,
           l.hs_code,
           l.weight,
           l.image,
           l.care,
           l.option1,
           l.option2,
           l.list1,
           l.list2,
           l.len1,
           l.len2,
           l.every_value,
           l.shelf_count,
           CASE
               WHEN p.bare THEN 0
               WHEN l.every_value THEN l.len1
               ELSE 1 + pg_temp.pick(p.n, 4, least(4, l.len1))::int
           END AS k1,
           CASE
               WHEN p.bare THEN 0
               WHEN l.every_value THEN l.len2
               ELSE 1 + pg_temp.pick(p.n, 5, least(3, l.len2))::int
           END AS k2
      FROM numbered AS p
      JOIN demo_combo AS c ON c.idx = p.combo
      JOIN demo_line AS l ON l.idx = c.line
)
SELECT c.n,
       pg_temp.ulid('prod', c.ms, c.n) AS id,
       c.ms,
       c.line,
       c.title,
       c.slug || '-' || c.n AS handle,
       -- Six digits, more only from a million on (lpad would cut them).
       lpad(c.n::text, greatest(6, length(c.n::text)), '0') AS ref,
       c.code,
       c.lede,
       c.care,
       c.material,
       c.giftcard,
       c.hs_code,
       c.weight,
       c.type_idx,
       c.option1,
       c.option2,
       CASE WHEN c.k1 > 0 THEN pg_temp.ulid('opt', c.ms + 1, c.n * 2) END AS option1_id,
       CASE WHEN c.k1 > 0 THEN pg_temp.ulid('opt', c.ms + 2, c.n * 2 + 1) END AS option2_id,
       c.list1,
       c.list2,
       c.len1,
       c.k1,
       c.k2,
       -- Colour-like values: k1 of the list with a stride (prime list lengths
       -- make every stride visit distinct values); sizes: a run of k2.
       CASE WHEN c.every_value THEN 0 ELSE pg_temp.pick(c.n, 6, c.len1)::int END AS start1,
       CASE WHEN c.every_value THEN 1 ELSE 1 + pg_temp.pick(c.n, 7, c.len1 - 1)::int END AS step1,
       pg_temp.pick(c.n, 8, greatest(c.len2 - c.k2 + 1, 1))::int AS start2,
       coalesce(sum(c.k1 * c.k2) OVER (ORDER BY c.n ROWS BETWEEN UNBOUNDED PRECEDING
                                                       AND 1 PRECEDING), 0) AS variant_offset,
       1 + pg_temp.pick(c.n, 9, 3)::int AS image_count,
       c.image AS image_file,
       s.l1,
       s.l2
  FROM chosen AS c
  JOIN demo_shelf AS s
    ON s.line = c.line
   AND s.pos = pg_temp.pick(c.n, 11, c.shelf_count)
 ORDER BY c.n
"""

INSERT_PRODUCTS = """
INSERT INTO products (
    id, title, handle, subtitle, description, is_giftcard, status, thumbnail,
    weight, length, height, width, origin_country, hs_code, mid_code, material,
    collection_id, type_id, discountable, external_id, created_at, updated_at, metadata)
SELECT p.id,
       p.title,
       p.handle,
       pg_temp.choose(%(taglines)s, p.n, 20),
       p.lede
           || ' '
           || pg_temp.choose(%(features)s, p.n, 21)
           || ' '
           || p.care,
       p.giftcard,
       CASE
           WHEN pg_temp.pick(p.n, 23, 100) < 60 THEN 'published'
           WHEN pg_temp.pick(p.n, 23, 100) < 80 THEN 'draft'
           WHEN pg_temp.pick(p.n, 23, 100) < 92 THEN 'proposed'
           ELSE 'rejected'
       END,
       %(image_url_base)s || (%(image_files)s::text[])[p.image_file + 1],
       -- The seed keeps product dimensions as text: grams and centimetres.
       CASE
           WHEN NOT p.giftcard AND pg_temp.pick(p.n, 24, 100) < 70
           THEN (p.weight * (80 + pg_temp.pick(p.n, 25, 41)) / 100)::text
       END,
       CASE
           WHEN NOT p.giftcard AND pg_temp.pick(p.n, 24, 100) < 55
           THEN (20 + pg_temp.pick(p.n, 26, 40))::text
       END,
       CASE
           WHEN NOT p.giftcard AND pg_temp.pick(p.n, 24, 100) < 55
           THEN (2 + pg_temp.pick(p.n, 27, 15))::text
       END,
       CASE
           WHEN NOT p.giftcard AND pg_temp.pick(p.n, 24, 100) < 55
           THEN (15 + pg_temp.pick(p.n, 28, 30))::text
       END,
       CASE
           WHEN NOT p.giftcard
           THEN pg_temp.choose(%(countries)s, p.n, 29)
       END,
       CASE WHEN pg_temp.pick(p.n, 30, 100) < 90 THEN p.hs_code END,
       CASE
           WHEN NOT p.giftcard AND pg_temp.pick(p.n, 31, 100) < 20
           THEN 'MID' || lpad(pg_temp.pick(p.n, 32, 100000)::text, 5, '0')
       END,
       p.material,
       CASE WHEN pg_temp.pick(p.n, 33, 100) < 85 THEN col.id END,
       CASE WHEN p.giftcard OR pg_temp.pick(p.n, 34, 100) < 95 THEN typ.id END,
       NOT p.giftcard AND pg_temp.pick(p.n, 35, 100) < 93,
       CASE WHEN pg_temp.pick(p.n, 36, 100) < 15 THEN 'ERP-' || p.ref END,
       pg_temp.at(p.ms),
       -- A third were edited at some point before the demo's "now".
       pg_temp.at(
           CASE
               WHEN pg_temp.pick(p.n, 37, 100) < 35
               THEN p.ms + pg_temp.pick(p.n, 38, %(end_ms)s::bigint - p.ms)
               ELSE p.ms
           END),
       CASE
           WHEN pg_temp.pick(p.n, 39, 100) < 30
           THEN jsonb_build_object(
                    'fit', pg_temp.choose(%(fits)s, p.n, 40),
                    'season', pg_temp.choose(%(seasons)s, p.n, 41),
                    'featured', pg_temp.pick(p.n, 42, 10) = 0)
       END
  FROM demo_product AS p
  JOIN demo_collection AS col ON col.idx = pg_temp.pick(p.n, 43, %(collection_count)s)
  JOIN demo_type AS typ ON typ.idx = p.type_idx
"""

# Stamps after a product's own: options +1 and +2, values +3..+130, images
# +100.., variants +200.. (MIN_PRODUCT_SPACING_MS keeps them before the next
# product). The first picture is the line's; the others step 5 files on, and
# 5 and 10 are not multiples of 12, so a product never shows one file twice.
INSERT_IMAGES = """
INSERT INTO images (id, url, rank, product_id, metadata, created_at, updated_at)
SELECT pg_temp.ulid('img', p.ms + 100 + r, p.n * 4 + r),
       %(image_url_base)s
           || (%(image_files)s::text[])[
                  (p.image_file + r * 5) %% cardinality(%(image_files)s::text[]) + 1],
       r,
       p.id,
       jsonb_build_object('alt', p.title),
       pg_temp.at(p.ms + 100 + r),
       pg_temp.at(p.ms + 100 + r)
  FROM demo_product AS p
 CROSS JOIN generate_series(0, p.image_count - 1) AS r
"""

INSERT_OPTIONS = """
INSERT INTO p_options (id, title, product_id, created_at, updated_at)
SELECT o.id,
       o.title,
       p.id,
       pg_temp.at(p.ms + 1 + o.pos),
       pg_temp.at(p.ms + 1 + o.pos)
  FROM demo_product AS p
 CROSS JOIN LATERAL (
           VALUES (0, p.option1_id, p.option1),
                  (1, p.option2_id, p.option2)
       ) AS o(pos, id, title)
 WHERE p.k1 > 0
"""

# Value i of option 0 (colour-like) or 1 (size-like), for the variants to join.
STAGE_OPTION_VALUES = """
CREATE TEMP TABLE demo_option_value ON COMMIT DROP AS
SELECT p.n,
       o.pos AS option_pos,
       i,
       pg_temp.ulid('optval', p.ms + 3 + o.pos * 64 + i, p.n * 128 + o.pos * 64 + i) AS id,
       o.option_id,
       v.value,
       v.code,
       p.ms + 3 + o.pos * 64 + i AS ms
  FROM demo_product AS p
 CROSS JOIN LATERAL (
           VALUES (0, p.option1_id, p.k1, p.list1, p.start1, p.step1, p.len1),
                  (1, p.option2_id, p.k2, p.list2, p.start2, 1, 1000000)
       ) AS o(pos, option_id, k, list_idx, start, step, len)
 CROSS JOIN generate_series(0, o.k - 1) AS i
  JOIN demo_value AS v
    ON v.list_idx = o.list_idx
   AND v.pos = mod(o.start + i * o.step, o.len)
 ORDER BY p.n, o.pos, i
"""

INSERT_OPTION_VALUES = """
INSERT INTO p_option_values (id, value, option_id, created_at, updated_at)
SELECT id, value, option_id, pg_temp.at(ms), pg_temp.at(ms)
  FROM demo_option_value
"""

# Every combination of the two options, colour-major, ranked 0..k1*k2-1.
STAGE_VARIANTS = """
CREATE TEMP TABLE demo_variant ON COMMIT DROP AS
SELECT p.n,
       r AS rank,
       p.variant_offset + r + 1 AS number,
       pg_temp.ulid('variant', p.ms + 200 + r, p.variant_offset + r + 1) AS id,
       p.id AS product_id,
       p.ms + 200 + r AS ms,
       p.code || '-' || p.ref || '-' || v1.code || '-' || v2.code AS sku,
       v1.value || ' / ' || v2.value AS title,
       v1.id AS value1_id,
       v2.id AS value2_id,
       v2.i AS size_pos,
       p.weight,
       p.giftcard
  FROM demo_product AS p
 CROSS JOIN generate_series(0, p.k1 * p.k2 - 1) AS r
  JOIN demo_option_value AS v1
    ON v1.n = p.n
   AND v1.option_pos = 0
   AND v1.i = r / p.k2
  JOIN demo_option_value AS v2
    ON v2.n = p.n
   AND v2.option_pos = 1
   AND v2.i = mod(r, p.k2)
 ORDER BY p.n, r
"""

# Codes numbered by the variant's place in the whole catalog, so unique: EAN-13
# in the 20-29 in-store prefix range, UPC-A with number system 4 (in-store
# too), and a GTIN-14 as the barcode.
INSERT_VARIANTS = """
INSERT INTO p_variants (
    id, title, sku, barcode, ean, upc, allow_backorder, manage_inventory,
    weight, length, height, width, variant_rank, product_id, metadata, created_at, updated_at)
SELECT v.id,
       v.title,
       v.sku,
       pg_temp.gtin(1200000000000 + v.number, 14),
       pg_temp.gtin(200000000000 + v.number, 13),
       pg_temp.gtin(40000000000 + v.number, 12),
       NOT v.giftcard AND pg_temp.pick(v.number, 50, 100) < 15,
       NOT v.giftcard,
       -- Integers, as the seed has them: grams and millimetres, growing with size.
       CASE WHEN NOT v.giftcard THEN v.weight + v.size_pos * v.weight / 12 END,
       CASE WHEN NOT v.giftcard THEN 250 + v.size_pos * 20 END,
       CASE WHEN NOT v.giftcard THEN 30 + pg_temp.pick(v.n, 51, 40)::int END,
       CASE WHEN NOT v.giftcard THEN 200 + v.size_pos * 15 END,
       v.rank,
       v.product_id,
       CASE
           WHEN pg_temp.pick(v.number, 52, 100) < 5
           THEN jsonb_build_object('supplier_ref', 'SUP-' || v.number)
       END,
       pg_temp.at(v.ms),
       pg_temp.at(v.ms)
  FROM demo_variant AS v
"""

# One statement for both options: this table's triggers (one value per option,
# variant combinations) are statement triggers, so each runs once, over all.
INSERT_VARIANT_OPTIONS = """
INSERT INTO p_variants_options (variant_id, option_value_id)
SELECT v.id, o.value_id
  FROM demo_variant AS v
 CROSS JOIN LATERAL (VALUES (v.value1_id), (v.value2_id)) AS o(value_id)
"""

# The first image shows the first variant.
INSERT_PRODUCT_IMAGES = """
INSERT INTO products_images (product_id, image_id, variant_id)
SELECT i.product_id, i.id, v.id
  FROM images AS i
  JOIN demo_variant AS v
    ON v.product_id = i.product_id
   AND v.rank = 0
 WHERE i.rank = 0
 ORDER BY v.n
"""

# A leaf on one of the line's shelves, and for about a third of products also
# the level-3 category above another leaf of that shelf.
INSERT_CATEGORY_LINKS = """
INSERT INTO p_categories_products (product_id, p_categories_id)
SELECT p.id, c.id
  FROM demo_product AS p
 CROSS JOIN LATERAL (
    SELECT ((p.l1 * 5 + p.l2 + 1) * 5 + pg_temp.pick(p.n, 60, %(level3_count)s)::int + 1) * 4
               + pg_temp.pick(p.n, 61, %(level4_count)s)::int + 1 AS key
    UNION ALL
    SELECT ((p.l1 * 5 + p.l2 + 1) * 5 + pg_temp.pick(p.n, 62, %(level3_count)s)::int + 1) * 4
     WHERE pg_temp.pick(p.n, 63, 100) < 35
 ) AS k
  JOIN demo_category AS c ON c.key = k.key
 ORDER BY p.n
"""

# 0-4 distinct tags: a start and a stride over a prime-length list.
INSERT_TAG_LINKS = """
INSERT INTO products_tags (product_id, product_tag_id)
SELECT p.id, t.id
  FROM demo_product AS p
 CROSS JOIN generate_series(0, pg_temp.pick(p.n, 70, 5)::int - 1) AS i
  JOIN demo_tag AS t
    ON t.idx = (pg_temp.pick(p.n, 71, %(tag_count)s)
                + i * (1 + pg_temp.pick(p.n, 72, %(tag_count)s - 1))) %% %(tag_count)s
 ORDER BY p.n, i
"""


# The catalog's indexes that no constraint (primary key, a foreign key's
# target) relies on. The load drops them and builds them again at the end:
# one sorted build is several times cheaper than updating them row by row,
# and the unique ones (SKU, EAN, handles) still check every row when rebuilt.
# Only indexes of tables this role owns; others are left in place.
LIST_SECONDARY_INDEXES = """
SELECT n.nspname AS schema,
       c.relname AS name,
       pg_get_indexdef(i.indexrelid) AS definition
  FROM pg_index AS i
  JOIN pg_class AS c ON c.oid = i.indexrelid
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
  JOIN pg_class AS t ON t.oid = i.indrelid
 WHERE i.indrelid = ANY(%(tables)s::regclass[])
   AND NOT i.indisprimary
   AND NOT i.indisreplident
   AND NOT i.indisclustered
   AND NOT EXISTS (SELECT 1 FROM pg_constraint AS con WHERE con.conindid = i.indexrelid)
   AND pg_has_role(t.relowner, 'USAGE')
 ORDER BY i.indrelid, c.relname
"""


# The catalog tables and the tables whose foreign keys point at them.
LIST_FILLED_TABLES = """
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_class AS c
  JOIN pg_namespace AS n ON n.oid = c.relnamespace
 WHERE c.oid = ANY(%(tables)s::regclass[])
    OR c.oid IN (SELECT conrelid
                   FROM pg_constraint
                  WHERE contype = 'f'
                    AND confrelid = ANY(%(tables)s::regclass[]))
 ORDER BY c.relname
"""


# ---------------------------------------------------------------------------


def load_demo_data(
    conn, *, products: int, media_root: str | Path, replace: bool = False
) -> dict[str, int]:
    """Generate a realistic demo catalog of `products` products with set-based SQL.

    Returns the row count of each of the 13 catalog tables after loading. With
    replace=False an existing catalog is left alone and DemoDataError raised;
    with replace=True the catalog tables are truncated first. Everything runs
    in one transaction, so a failed load changes nothing; while it runs, other
    sessions wait to read the catalog tables (TRUNCATE and the index rebuild
    lock them), so load before serving or expect a pause.
    """
    if isinstance(products, bool) or not isinstance(products, int):
        raise DemoDataError("the number of products must be a whole number")
    if not 1 <= products <= MAX_PRODUCTS:
        raise DemoDataError(f"the number of products must be between 1 and {MAX_PRODUCTS:,}")

    image_files = ensure_demo_images(media_root)
    ref = _reference_data()

    end_ms = int(BASE_TIME.timestamp() * 1000)
    span_ms = int(SPAN.total_seconds() * 1000)
    spacing_ms = max(span_ms // products, MIN_PRODUCT_SPACING_MS)
    start_ms = end_ms - spacing_ms * products
    reference_ms = start_ms - 86_400_000

    def run(query, params=None):
        started = time.perf_counter()
        cur = conn.execute(query, params)
        name = query if isinstance(query, str) else query.as_string(conn)
        log.debug("%.2fs %s rows: %s", time.perf_counter() - started, cur.rowcount,
                  " ".join(name.split())[:70])

    with conn.transaction():
        # Two loads at once would both see an empty catalog.
        run("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
        if replace:
            run(sql.SQL("TRUNCATE {} CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in CATALOG_TABLES)))
        else:
            _refuse_if_not_empty(conn)

        # Bigger sorts and hashes in memory for the 100k-product joins, and
        # for the index builds at the end.
        run("SET LOCAL work_mem = '64MB'")
        run("SET LOCAL maintenance_work_mem = '256MB'")
        set_aside = _set_aside_indexes(conn)
        for statement in (CREATE_B32_PAIRS, CREATE_B32_PAIR, CREATE_ULID, CREATE_PICK,
                          CREATE_CHOOSE, CREATE_GTIN, CREATE_AT):
            run(statement)
        run(CREATE_REFERENCE_TABLES)
        run(FILL_VALUES, {"values": Jsonb(ref["values"])})
        run(FILL_LINES, {"lines": Jsonb(ref["lines"])})
        run(FILL_SHELVES, {"shelves": Jsonb(ref["shelves"])})
        run(FILL_COMBOS, {"combos": Jsonb(ref["combos"])})

        run(INSERT_TYPES, {"types": ref["types"], "ms": reference_ms})
        run(INSERT_COLLECTIONS, {
            "titles": list(COLLECTIONS),
            "handles": [slugify(c) for c in COLLECTIONS],
            "ms": reference_ms + 60_000,
        })
        run(INSERT_TAGS, {"tags": list(TAGS), "ms": reference_ms + 120_000})
        run(INSERT_CATEGORIES, _category_params(image_files, reference_ms + 180_000))

        run(STAGE_PRODUCTS, {
            "products": products,
            "start_ms": start_ms,
            "spacing_ms": spacing_ms,
            "jitter_ms": spacing_ms - MIN_PRODUCT_SPACING_MS + 1,
            "with_big": products >= BIG_PRODUCT_MIN_CATALOG,
            "combo_count": ref["combo_count"],
        })
        # Temp tables get no autovacuum; without statistics the joins below
        # are planned for a handful of rows.
        run("ANALYZE demo_product")
        run(INSERT_PRODUCTS, {
            "taglines": list(TAGLINES),
            "features": list(FEATURES),
            "countries": list(COUNTRIES),
            "fits": list(FITS),
            "seasons": list(SEASONS),
            "image_url_base": DEMO_IMAGE_URL,
            "image_files": image_files,
            "collection_count": len(COLLECTIONS),
            "end_ms": end_ms,
        })
        run(INSERT_IMAGES, {"image_url_base": DEMO_IMAGE_URL, "image_files": image_files})
        run(INSERT_OPTIONS)
        run(STAGE_OPTION_VALUES)
        run("ANALYZE demo_option_value")
        run(INSERT_OPTION_VALUES)
        run(STAGE_VARIANTS)
        run("ANALYZE demo_variant")
        run(INSERT_VARIANTS)
        run(INSERT_VARIANT_OPTIONS)
        run(INSERT_PRODUCT_IMAGES)
        run(INSERT_CATEGORY_LINKS, {
            "level3_count": len(CATEGORY_LEVEL3),
            "level4_count": len(CATEGORY_LEVEL4),
        })
        run(INSERT_TAG_LINKS, {"tag_count": len(TAGS)})
        for index in set_aside:
            run(index["definition"])
        run(DROP_HELPERS)
        counts = count_catalog(conn)

    # Fresh statistics, so the first page views plan for 100k rows, not 0:
    # the catalog's tables and those its triggers fill (variant keys, say).
    tables = conn.execute(LIST_FILLED_TABLES, {"tables": list(CATALOG_TABLES)}).fetchall()
    run(sql.SQL("ANALYZE {}").format(
        sql.SQL(", ").join(sql.Identifier(t["schema"], t["name"]) for t in tables)))
    return counts


def _set_aside_indexes(conn) -> list[dict]:
    """Drop the catalog's secondary indexes for the load; returns how to rebuild them.

    The drop is part of the load's transaction: readers wait for the commit
    (as they would for TRUNCATE) and a failed load puts every index back.
    """
    indexes = conn.execute(LIST_SECONDARY_INDEXES, {"tables": list(CATALOG_TABLES)}).fetchall()
    if indexes:
        conn.execute(
            sql.SQL("DROP INDEX {}").format(
                sql.SQL(", ").join(sql.Identifier(i["schema"], i["name"]) for i in indexes)
            )
        )
    return indexes


def count_catalog(conn) -> dict[str, int]:
    """Rows in each of the 13 catalog tables, soft-deleted ones included."""
    query = sql.SQL(" UNION ALL ").join(
        sql.SQL("SELECT {name} AS table_name, count(*) AS n FROM {table}").format(
            name=sql.Literal(t), table=sql.Identifier(t)
        )
        for t in CATALOG_TABLES
    )
    counted = {row["table_name"]: row["n"] for row in conn.execute(query).fetchall()}
    return {table: counted[table] for table in CATALOG_TABLES}


def _refuse_if_not_empty(conn) -> None:
    # Any catalog row would collide with the demo's handles and values, not
    # only products, so an existing catalog of any kind is left alone.
    counts = count_catalog(conn)
    used = {table: n for table, n in counts.items() if n}
    if used:
        if used.get("products"):
            what = f"{used['products']:,} products"
        else:
            what = ", ".join(
                f"{n:,} {'row' if n == 1 else 'rows'} in {table}" for table, n in used.items()
            )
        raise DemoDataError(
            f"the catalog is not empty ({what}); demo data is only loaded into an empty "
            "catalog. Use --replace to delete the whole catalog and load the demo instead."
        )


def _category_params(image_files: list[str], ms: int) -> dict:
    shelves = [s for root in CATEGORY_ROOTS for s in CATEGORY_SHELVES[root]]
    shelves_per_root = len(CATEGORY_SHELVES[CATEGORY_ROOTS[0]])
    assert all(len(CATEGORY_SHELVES[r]) == shelves_per_root for r in CATEGORY_ROOTS)
    # The category key's mixed radix (INSERT_CATEGORIES) has room for this many.
    assert shelves_per_root <= 4 and len(CATEGORY_LEVEL3) <= 4 and len(CATEGORY_LEVEL4) <= 3
    return {
        "roots": list(CATEGORY_ROOTS),
        "root_slugs": [slugify(n) for n in CATEGORY_ROOTS],
        "shelves": shelves,
        "shelf_slugs": [slugify(n) for n in shelves],
        "shelves_per_root": shelves_per_root,
        "level3": list(CATEGORY_LEVEL3),
        "level3_slugs": [slugify(n) for n in CATEGORY_LEVEL3],
        "level4": list(CATEGORY_LEVEL4),
        "level4_slugs": [slugify(n) for n in CATEGORY_LEVEL4],
        "root_images": [
            DEMO_IMAGE_URL + image_files[IMAGE_LABELS.index(label)]
            for label in CATEGORY_ROOT_IMAGES
        ],
        "ms": ms,
    }


# ---------------------------------------------------------------------------
# Demo images: the demo cannot fetch pictures from the internet, so it draws
# its own. Files that exist are kept.


def demo_image_names() -> list[str]:
    return [f"demo-{i + 1:02d}-{label.lower()}.png" for i, label in enumerate(IMAGE_LABELS)]


def ensure_demo_images(media_root: str | Path) -> list[str]:
    """Write the demo PNGs into <media_root>/demo/ if missing; return their file names."""
    folder = Path(media_root) / DEMO_IMAGE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    names = demo_image_names()
    for index, name in enumerate(names):
        path = folder / name
        if not path.exists():
            _write_atomically(path, _draw_demo_image(index))
    return names


def _write_atomically(path: Path, data: bytes) -> None:
    # Two loads at once (tests in parallel) must never leave a half-written file.
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _draw_demo_image(index: int) -> bytes:
    import io

    from PIL import Image, ImageDraw, ImageFont, ImageOps

    size = DEMO_IMAGE_SIZE
    dark, light = IMAGE_COLORS[index % len(IMAGE_COLORS)]
    gradient = Image.linear_gradient("L").resize((size, size)).rotate(45 * (index % 4))
    image = ImageOps.colorize(gradient, black=light, white=dark).convert("RGB")
    draw = ImageDraw.Draw(image)

    box = (size * 0.25, size * 0.2, size * 0.75, size * 0.7)
    shape = index % 4
    if shape == 0:
        draw.ellipse(box, fill=(255, 255, 255), outline=dark, width=6)
    elif shape == 1:
        draw.rounded_rectangle(box, radius=28, fill=(255, 255, 255), outline=dark, width=6)
    elif shape == 2:
        draw.polygon(
            [(size * 0.5, size * 0.18), (size * 0.78, size * 0.7), (size * 0.22, size * 0.7)],
            fill=(255, 255, 255), outline=dark, width=6,
        )
    else:
        draw.regular_polygon((size * 0.5, size * 0.45, size * 0.26), 6,
                             fill=(255, 255, 255), outline=dark, width=6)

    try:
        font = ImageFont.load_default(size=44)
        small = ImageFont.load_default(size=22)
    except (TypeError, OSError):  # Pillow without FreeType: the bitmap font
        font = small = ImageFont.load_default()
    label = IMAGE_LABELS[index]
    draw.text((size / 2, size * 0.45), f"{index + 1:02d}", fill=dark, font=font, anchor="mm")
    draw.text((size / 2, size * 0.84), label, fill=(255, 255, 255), font=font, anchor="mm")
    draw.text((size / 2, size * 0.93), "Catalog demo", fill=(255, 255, 255), font=small,
              anchor="mm")

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
