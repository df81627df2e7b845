"""The deterministic demo catalog behind `catalog demo-data` and `make run`.

The shape is a real shop's: `--products 100000` gives about half a million
variants (1-9 a product, on two or three options: Color x Size, some with a
third such as Fit or Length), a four-level tree of 2,072 ranked categories,
200 collections, 50 types, 500 tags, 1-4 images a product, a few products
with 200 variants and one with 2,000, and 2% of products in the Trash.
Smaller catalogs keep the whole tree and the types but fewer collections and
tags, and the big products only appear once a catalog is big enough to have
them.

Everything is generated inside PostgreSQL with set-based statements
(generate_series, INSERT ... SELECT): Python only supplies the word lists. The
same number of products always gives the same rows, because every choice is a
hash of a row number (hashint8extended), never random(), and every timestamp
is an offset from a fixed date rather than now().

IDs are prefix + '_' + a ULID, like the app's own: a 48-bit millisecond time
(equal to the row's created_at, so IDs sort in creation order) and 80 bits
from hashes of the row number.

Every rule the app relies on is still enforced, but the expensive row-by-row
checks are replaced by the cheaper set-based ones PostgreSQL itself offers
for bulk loads (its manual, "Populating a Database"):
  * Foreign keys are dropped for the load and added back at its end, in the
    same transaction: adding a foreign key validates every row with one join,
    about ten times cheaper than a check per inserted row.
  * Secondary indexes are dropped and built again at the end: one sorted build
    instead of an update per row; unique ones still refuse duplicates then.
  * The catalog's own triggers (one value per option, variant combinations,
    no category cycles) stay on and check every row. The variant options go
    in one statement, so each statement trigger runs once over all of them,
    and with nested loops disabled for it, so the triggers' queries read each
    table once instead of probing an index a million times.
A failed load, or a violated rule, rolls everything back.
"""

import logging
import os
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from psycopg import sql
from psycopg.types.json import Jsonb
from slugify import slugify

from .web.urls import MEDIA_PATH

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

# The products staff suffer with: a few with 200 variants once a catalog has a
# thousand products, and one with 2,000 once it has ten thousand.
BIG_PRODUCT_MIN_CATALOG = 1_000
BIG_PRODUCT_COUNT = 5
HUGE_PRODUCT_MIN_CATALOG = 10_000

# About 2% of products are in the Trash, and one in a hundred is a cotton crew
# piece (the benchmark searches "cotton crew": about 1% of the catalog).
DELETED_PER_MILLE = 20
COTTON_CREW_PER_MILLE = 10

# Reference lists shrink with small catalogs: (fewest, most, products each).
COLLECTION_SCALE = (20, 200, 500)
TAG_SCALE = (61, 500, 20)

# The demo catalog's "now". Fixed, so that two loads are identical; products
# were created over the two years before it.
BASE_TIME = datetime(2026, 11, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
# Children of a product are stamped up to this many ms after it (options +1..3,
# values +4..+195, images +300..+303, variants +400.. with up to 2,000 of
# them), so products must be at least this far apart for every table's
# timestamps to stay unique and in creation order.
MIN_PRODUCT_SPACING_MS = 3_000
MAX_VALUES_PER_OPTION = 64  # value stamps step 64 ms per option

# Any constant works; it only has to differ from the migrations' lock.
LOCK_KEY = 0x0C47DE70

log = logging.getLogger(__name__)

DEMO_IMAGE_DIR = "demo"
DEMO_IMAGE_URL = MEDIA_PATH + DEMO_IMAGE_DIR + "/"
DEMO_IMAGE_SIZE = 480


class DemoDataError(Exception):
    """The demo catalog cannot be loaded as asked; the message says why."""


# ---------------------------------------------------------------------------
# Word lists. A product's first option picks its values with a stride over
# the list, so those lists (colors, designs, stones) have a prime length and
# any stride visits distinct entries; the other options take a run of values.

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
    "designs": (
        ("Classic", "CLS"), ("Birthday", "BDY"), ("Holiday", "HOL"), ("Thank You", "THX"),
        ("Congratulations", "CGR"),
    ),
    "stones": (
        ("Pearl", "PRL"), ("Onyx", "ONX"), ("Moonstone", "MST"), ("Turquoise", "TRQ"),
        ("Garnet", "GRN"), ("Amethyst", "AMT"), ("Opal", "OPL"),
    ),
    "letter_sizes": (
        ("XS", "XS"), ("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"), ("XXL", "XXL"),
    ),
    "shoe_sizes": tuple((f"EU {size}", str(size)) for size in range(36, 47)),
    "home_sizes": (("Small", "SM"), ("Medium", "MD"), ("Large", "LG"), ("Extra Large", "XL")),
    "amounts": (("€10", "10"), ("€25", "25"), ("€50", "50"), ("€100", "100"), ("€200", "200")),
    "hardware": (("Silver", "SIL"), ("Gold", "GLD"), ("Gunmetal", "GUN"), ("Brass", "BRS")),
    "fits": (("Regular", "REG"), ("Slim", "SLM"), ("Relaxed", "RLX")),
    "lengths": (("Short", "SHT"), ("Regular", "REG"), ("Long", "LNG")),
    "widths": (("Standard", "STD"), ("Wide", "WDE")),
    "shades": tuple((f"Shade {i:02d}", f"S{i:02d}") for i in range(1, 51)),
    "waist_lengths": tuple(
        (f"W{waist} L{length}", f"{waist}{length}")
        for waist in range(26, 46) for length in (30, 32)
    ),
}
STRIDED_LISTS = ("colors", "designs", "stones")

# Root -> second level -> six third-level names. Every third-level category
# has the same six fourth-level ones (CATEGORY_FACETS): 8 + 48 + 288 + 1,728.
CATEGORY_TREE: dict[str, dict[str, tuple[str, ...]]] = {
    "Women": {
        "Tops": ("T-Shirts", "Shirts", "Blouses", "Polos", "Sweatshirts", "Hoodies"),
        "Bottoms": ("Jeans", "Trousers", "Chinos", "Shorts", "Skirts", "Joggers"),
        "Dresses & Jumpsuits": ("Midi Dresses", "Maxi Dresses", "Mini Dresses",
                                "Shirt Dresses", "Wrap Dresses", "Jumpsuits"),
        "Knitwear": ("Sweaters", "Cardigans", "Turtlenecks", "Knit Vests", "Cashmere", "Merino"),
        "Outerwear": ("Coats", "Jackets", "Parkas", "Rainwear", "Gilets", "Blazers"),
        "Shoes": ("Sneakers", "Boots", "Loafers", "Sandals", "Espadrilles", "Slippers"),
    },
    "Men": {
        "Tops": ("T-Shirts", "Shirts", "Polos", "Henleys", "Sweatshirts", "Hoodies"),
        "Bottoms": ("Jeans", "Trousers", "Chinos", "Shorts", "Joggers", "Swim Shorts"),
        "Knitwear": ("Sweaters", "Cardigans", "Turtlenecks", "Knit Vests", "Cashmere", "Merino"),
        "Outerwear": ("Coats", "Jackets", "Parkas", "Rainwear", "Gilets", "Blazers"),
        "Shoes": ("Sneakers", "Boots", "Loafers", "Sandals", "Espadrilles", "Slippers"),
        "Underwear & Socks": ("Socks", "Boxers", "Undershirts", "Loungewear", "Pyjamas",
                              "Multipacks"),
    },
    "Kids": {
        "Girls": ("T-Shirts", "Dresses", "Sweaters", "Jeans", "Jackets", "Pyjamas"),
        "Boys": ("T-Shirts", "Shirts", "Sweaters", "Jeans", "Jackets", "Pyjamas"),
        "Baby": ("Bodysuits", "Sleepsuits", "Sets", "Blankets", "Hats", "Bibs"),
        "Shoes": ("Sneakers", "Boots", "Sandals", "Slippers", "First Shoes", "Wellies"),
        "Outerwear": ("Coats", "Jackets", "Rainwear", "Snowsuits", "Gilets", "Fleeces"),
        "School": ("Backpacks", "Lunch Bags", "Pencil Cases", "Uniform Shirts",
                   "Uniform Trousers", "Sports Kit"),
    },
    "Home": {
        "Bedroom": ("Duvet Covers", "Pillowcases", "Sheets", "Throws", "Blankets",
                    "Mattress Toppers"),
        "Bathroom": ("Bath Towels", "Hand Towels", "Bath Mats", "Bathrobes", "Washbags",
                     "Soap Dishes"),
        "Living Room": ("Cushions", "Throws", "Rugs", "Curtains", "Blankets", "Poufs"),
        "Decor": ("Vases", "Candles", "Frames", "Mirrors", "Baskets", "Planters"),
        "Outdoor": ("Planters", "Garden Tools", "Outdoor Cushions", "Lanterns", "Picnic",
                    "Hammocks"),
        "Storage": ("Baskets", "Boxes", "Hooks", "Shelving", "Laundry", "Organisers"),
    },
    "Kitchen & Dining": {
        "Tableware": ("Dinner Plates", "Side Plates", "Bowls", "Serving Dishes", "Cutlery",
                      "Dinner Sets"),
        "Drinkware": ("Mugs", "Cups", "Glasses", "Carafes", "Tumblers", "Jugs"),
        "Table Linen": ("Tablecloths", "Table Runners", "Napkins", "Placemats", "Coasters",
                        "Tea Towels"),
        "Cookware": ("Pans", "Pots", "Bakeware", "Utensils", "Chopping Boards", "Aprons"),
        "Kitchen Storage": ("Jars", "Containers", "Bread Bins", "Spice Racks", "Lunch Boxes",
                            "Bottles"),
        "Coffee & Tea": ("Teapots", "Cafetières", "Kettles", "Tea Caddies", "Coffee Grinders",
                         "Mugs"),
    },
    "Accessories": {
        "Bags": ("Tote Bags", "Backpacks", "Crossbody Bags", "Weekenders", "Washbags",
                 "Belt Bags"),
        "Hats": ("Beanies", "Caps", "Sun Hats", "Panama Hats", "Bucket Hats", "Berets"),
        "Scarves & Gloves": ("Scarves", "Gloves", "Mittens", "Snoods", "Bandanas", "Shawls"),
        "Belts & Wallets": ("Belts", "Wallets", "Card Holders", "Key Rings", "Coin Purses",
                            "Suspenders"),
        "Jewellery": ("Necklaces", "Earrings", "Bracelets", "Rings", "Watches", "Brooches"),
        "Socks & Tights": ("Crew Socks", "Ankle Socks", "Wool Socks", "Tights", "Sports Socks",
                           "Gift Boxes"),
    },
    "Sport": {
        "Running": ("Shorts", "Tops", "Jackets", "Leggings", "Socks", "Caps"),
        "Yoga": ("Leggings", "Tops", "Sports Bras", "Mats", "Blocks", "Hoodies"),
        "Training": ("Shorts", "Tanks", "Leggings", "Sports Bras", "Base Layers", "Bags"),
        "Outdoor": ("Jackets", "Fleeces", "Base Layers", "Hiking Boots", "Backpacks", "Hats"),
        "Swim": ("Swimsuits", "Bikinis", "Swim Shorts", "Rash Guards", "Towels", "Goggles"),
        "Cycling": ("Jerseys", "Bib Shorts", "Jackets", "Gloves", "Caps", "Base Layers"),
    },
    "Gifts": {
        "For Her": ("Knitwear", "Bags", "Jewellery", "Scarves", "Candles", "Gift Sets"),
        "For Him": ("Knitwear", "Wallets", "Socks", "Hats", "Mugs", "Gift Sets"),
        "For Kids": ("Pyjamas", "Hats", "Backpacks", "Blankets", "Toys", "Gift Sets"),
        "For the Home": ("Candles", "Vases", "Throws", "Mugs", "Cushions", "Gift Sets"),
        "Gift Cards": ("Birthday", "Thank You", "Congratulations", "Holiday", "Wedding",
                       "Just Because"),
        "Stocking Fillers": ("Socks", "Candles", "Mugs", "Key Rings", "Beanies", "Under €20"),
    },
}
CATEGORY_FACETS = ("New In", "Bestsellers", "Essentials", "Eco Edit", "Premium", "Last Chance")


@dataclass(frozen=True)
class Noun:
    """What a product is: its name, SKU code, materials, type and shelf names."""

    name: str
    code: str
    materials: tuple[str, ...]
    type: str
    # Third-level category names it belongs under, wherever its line's
    # shelves have one of them.
    families: tuple[str, ...]


@dataclass(frozen=True)
class Line:
    """A product line: its words, options and the shelves (root, second level) it sits on."""

    adjectives: tuple[str, ...]
    nouns: tuple[Noun, ...]
    shelves: tuple[tuple[str, str], ...]
    hs_code: str | None
    weight: int  # grams, a typical piece
    image: str  # label of the demo picture that shows it first
    care: str
    option1: tuple[str, str] = ("Color", "colors")
    option2: tuple[str, str] = ("Size", "letter_sizes")
    # A third option, given to some products with four or more variants.
    option3: tuple[str, str] | None = None
    giftcard: bool = False
    # A big product's line: every product of it has exactly k1 x k2 variants.
    big: tuple[int, int] | None = None


def _n(name, code, materials, type_, *families):
    return Noun(name, code, tuple(materials), type_, tuple(families) or (type_,))


LINES = (
    Line(
        adjectives=("Relaxed", "Classic", "Slim", "Oversized", "Everyday", "Essential", "Boxy"),
        nouns=(
            _n("Crew Tee", "TEE", ("Cotton", "Organic Cotton", "Pima Cotton", "Slub Cotton",
                                   "Hemp"), "T-Shirts"),
            _n("V-Neck Tee", "VNT", ("Cotton", "Organic Cotton", "Jersey"), "T-Shirts"),
            _n("Long-Sleeve Tee", "LST", ("Jersey", "Waffle Knit", "Modal"), "T-Shirts"),
            _n("Henley", "HEN", ("Jersey", "Waffle Knit"), "T-Shirts", "Henleys", "T-Shirts"),
            _n("Tank Top", "TNK", ("Jersey", "Ribbed Jersey"), "T-Shirts"),
            _n("Polo Shirt", "POL", ("Piqué", "Organic Piqué"), "Polo Shirts", "Polos",
               "Uniform Shirts"),
            _n("Oxford Shirt", "OXF", ("Oxford Cloth", "Organic Poplin"), "Shirts", "Shirts",
               "Uniform Shirts"),
            _n("Camp Shirt", "CMP", ("Linen", "Viscose"), "Shirts"),
            _n("Blouse", "BLO", ("Silk", "Viscose", "Voile"), "Blouses"),
            _n("Sweatshirt", "SWS", ("Fleece", "Loopback Jersey"), "Sweatshirts", "Sweatshirts",
               "Sweaters"),
            _n("Hoodie", "HOO", ("Fleece", "Recycled Fleece"), "Hoodies", "Hoodies", "Sweaters"),
        ),
        shelves=(("Women", "Tops"), ("Men", "Tops"), ("Kids", "Girls"), ("Kids", "Boys"),
                 ("Kids", "School")),
        hs_code="6109.10",
        weight=220,
        image="Tee",
        care="Machine wash at 30°C.",
        option3=("Fit", "fits"),
    ),
    Line(
        adjectives=("Straight-Leg", "Tapered", "Wide-Leg", "Relaxed", "Slim", "Pleated"),
        nouns=(
            _n("Jeans", "JNS", ("Denim", "Selvedge Denim", "Stretch Denim"), "Jeans"),
            _n("Chinos", "CHI", ("Twill", "Stretch Twill"), "Chinos", "Chinos", "Trousers",
               "Uniform Trousers"),
            _n("Trousers", "TRS", ("Linen", "Wool", "Corduroy"), "Trousers", "Trousers",
               "Uniform Trousers"),
            _n("Shorts", "SHO", ("Linen", "Twill", "Denim"), "Shorts"),
            _n("Midi Skirt", "SKR", ("Linen", "Satin", "Corduroy"), "Skirts"),
            _n("Joggers", "JOG", ("Fleece", "Jersey"), "Joggers"),
        ),
        shelves=(("Women", "Bottoms"), ("Men", "Bottoms"), ("Kids", "Girls"), ("Kids", "Boys"),
                 ("Kids", "School")),
        hs_code="6203.42",
        weight=520,
        image="Denim",
        care="Machine wash at 30°C, inside out.",
        option3=("Length", "lengths"),
    ),
    Line(
        adjectives=("Floaty", "Tiered", "Belted", "Summer", "Smocked"),
        nouns=(
            _n("Wrap Dress", "WRD", ("Viscose", "Linen", "Silk"), "Dresses", "Wrap Dresses",
               "Midi Dresses", "Dresses"),
            _n("Shirt Dress", "SHD", ("Poplin", "Linen"), "Dresses", "Shirt Dresses",
               "Midi Dresses", "Dresses"),
            _n("Slip Dress", "SLD", ("Satin", "Silk"), "Dresses", "Maxi Dresses", "Mini Dresses"),
            _n("Jumpsuit", "JMP", ("Linen", "Tencel"), "Jumpsuits"),
        ),
        shelves=(("Women", "Dresses & Jumpsuits"), ("Kids", "Girls")),
        hs_code="6204.42",
        weight=380,
        image="Tee",
        care="Machine wash at 30°C on a gentle cycle.",
    ),
    Line(
        adjectives=("Chunky", "Fine-Knit", "Cosy", "Cropped", "Ribbed", "Après-Ski"),
        nouns=(
            _n("Crewneck Sweater", "SWT", ("Merino Wool", "Cashmere", "Lambswool", "Cotton"),
               "Sweaters", "Sweaters", "Knitwear"),
            _n("Cardigan", "CAR", ("Merino Wool", "Alpaca", "Cotton"), "Cardigans", "Cardigans",
               "Knitwear"),
            _n("Turtleneck", "TRT", ("Merino Wool", "Cashmere"), "Sweaters", "Turtlenecks",
               "Sweaters", "Knitwear"),
            _n("Sweater Vest", "VST", ("Lambswool", "Cotton"), "Sweaters", "Knit Vests",
               "Knitwear"),
        ),
        shelves=(("Women", "Knitwear"), ("Men", "Knitwear"), ("Kids", "Girls"),
                 ("Kids", "Boys"), ("Gifts", "For Her"), ("Gifts", "For Him")),
        hs_code="6110.11",
        weight=420,
        image="Knit",
        care="Hand wash cold and dry flat.",
        option3=("Fit", "fits"),
    ),
    Line(
        adjectives=("Lightweight", "Insulated", "Waterproof", "Packable", "Quilted"),
        nouns=(
            _n("Parka", "PRK", ("Recycled Nylon", "Waxed Cotton"), "Coats", "Parkas", "Coats"),
            _n("Bomber Jacket", "BMB", ("Nylon", "Suede", "Wool-Blend"), "Jackets"),
            _n("Rain Jacket", "RNJ", ("Recycled Polyester", "Ripstop"), "Rainwear", "Rainwear",
               "Jackets"),
            _n("Overcoat", "OVC", ("Wool-Blend", "Cashmere-Blend"), "Coats"),
            _n("Gilet", "GIL", ("Down", "Recycled Polyester"), "Gilets"),
            _n("Blazer", "BLZ", ("Wool", "Linen"), "Blazers"),
            _n("Fleece Jacket", "FLC", ("Recycled Fleece", "Sherpa"), "Jackets", "Fleeces",
               "Jackets"),
        ),
        shelves=(("Women", "Outerwear"), ("Men", "Outerwear"), ("Kids", "Outerwear"),
                 ("Kids", "Girls"), ("Kids", "Boys"), ("Sport", "Outdoor")),
        hs_code="6201.40",
        weight=900,
        image="Jacket",
        care="Dry clean or machine wash at 30°C on a gentle cycle.",
    ),
    Line(
        adjectives=("Classic", "Low-Top", "High-Top", "Everyday", "Trail", "Chunky"),
        nouns=(
            _n("Sneakers", "SNK", ("Leather", "Canvas", "Recycled Knit"), "Sneakers"),
            _n("Chelsea Boots", "CHB", ("Leather", "Suede"), "Boots"),
            _n("Hiking Boots", "HKB", ("Leather", "Nubuck"), "Boots", "Hiking Boots", "Boots"),
            _n("Loafers", "LOF", ("Leather", "Suede"), "Loafers"),
            _n("Sandals", "SDL", ("Leather", "Cork"), "Sandals"),
            _n("Espadrilles", "ESP", ("Canvas", "Jute"), "Espadrilles"),
            _n("Slippers", "SLP", ("Wool Felt", "Shearling"), "Slippers"),
        ),
        shelves=(("Women", "Shoes"), ("Men", "Shoes"), ("Kids", "Shoes"), ("Sport", "Outdoor")),
        hs_code="6403.99",
        weight=800,
        image="Sneaker",
        care="Wipe clean with a damp cloth.",
        option2=("Size", "shoe_sizes"),
        option3=("Width", "widths"),
    ),
    Line(
        adjectives=("Everyday", "Soft", "Ribbed", "Heritage", "Organic"),
        nouns=(
            _n("Crew Socks", "SCK", ("Cotton", "Merino Wool", "Bamboo"), "Socks", "Crew Socks",
               "Socks"),
            _n("Ankle Socks", "ASK", ("Cotton", "Bamboo"), "Socks", "Ankle Socks", "Socks"),
            _n("Boxer Shorts", "BOX", ("Jersey", "Poplin"), "Underwear", "Boxers", "Multipacks"),
            _n("Pyjama Set", "PJS", ("Poplin", "Flannel"), "Nightwear", "Pyjamas"),
            _n("Lounge Pants", "LNP", ("Jersey", "Waffle Knit"), "Nightwear", "Loungewear"),
        ),
        shelves=(("Men", "Underwear & Socks"), ("Accessories", "Socks & Tights"),
                 ("Kids", "Girls"), ("Kids", "Boys"), ("Gifts", "For Him"),
                 ("Gifts", "For Kids"), ("Gifts", "Stocking Fillers")),
        hs_code="6115.95",
        weight=80,
        image="Detail",
        care="Machine wash at 40°C.",
    ),
    Line(
        adjectives=("Classic", "Ribbed", "Everyday", "Heritage", "Wide-Brim"),
        nouns=(
            _n("Beanie", "BNE", ("Merino Wool", "Cashmere", "Recycled Wool"), "Hats", "Beanies",
               "Hats"),
            _n("Cap", "CAP", ("Twill", "Corduroy"), "Hats", "Caps", "Hats"),
            _n("Sun Hat", "HAT", ("Raffia", "Paper Straw"), "Hats", "Sun Hats", "Hats"),
            _n("Panama Hat", "PAN", ("Toquilla Straw",), "Hats", "Panama Hats"),
            _n("Bucket Hat", "BKT", ("Canvas", "Corduroy"), "Hats", "Bucket Hats", "Hats"),
            _n("Scarf", "SCF", ("Merino Wool", "Silk", "Cashmere"), "Scarves"),
            _n("Gloves", "GLV", ("Leather", "Merino Wool"), "Gloves"),
        ),
        shelves=(("Accessories", "Hats"), ("Accessories", "Scarves & Gloves"), ("Kids", "Baby"),
                 ("Sport", "Outdoor"), ("Gifts", "For Her"), ("Gifts", "For Him"),
                 ("Gifts", "For Kids")),
        hs_code="6505.00",
        weight=120,
        image="Beanie",
        care="Hand wash cold.",
    ),
    Line(
        adjectives=("Classic", "Slim", "Heritage", "Minimal"),
        nouns=(
            _n("Belt", "BLT", ("Leather", "Canvas"), "Belts"),
            _n("Wallet", "WLT", ("Leather", "Recycled Leather"), "Small Leather Goods",
               "Wallets"),
            _n("Card Holder", "CRH", ("Leather", "Suede"), "Small Leather Goods",
               "Card Holders", "Wallets"),
            _n("Key Ring", "KEY", ("Leather", "Brass"), "Small Leather Goods", "Key Rings"),
        ),
        shelves=(("Accessories", "Belts & Wallets"), ("Gifts", "For Him"),
                 ("Gifts", "Stocking Fillers")),
        hs_code="4203.30",
        weight=150,
        image="Detail",
        care="Condition the leather now and then.",
        option2=("Hardware", "hardware"),
    ),
    Line(
        adjectives=("Delicate", "Chunky", "Hammered", "Vintage"),
        nouns=(
            _n("Necklace", "NCK", ("Sterling Silver", "Gold Vermeil", "Recycled Silver"),
               "Jewellery", "Necklaces", "Jewellery"),
            _n("Earrings", "EAR", ("Sterling Silver", "Gold Vermeil"), "Jewellery", "Earrings",
               "Jewellery"),
            _n("Bracelet", "BRC", ("Sterling Silver", "Gold Vermeil", "Leather"), "Jewellery",
               "Bracelets", "Jewellery"),
            _n("Ring", "RNG", ("Sterling Silver", "Gold Vermeil"), "Jewellery", "Rings",
               "Jewellery"),
        ),
        shelves=(("Accessories", "Jewellery"), ("Gifts", "For Her")),
        hs_code="7113.11",
        weight=30,
        image="Gift",
        care="Keep dry and polish with a soft cloth.",
        option1=("Stone", "stones"),
        option2=("Size", "home_sizes"),
    ),
    Line(
        adjectives=("Everyday", "Weekend", "Compact", "Structured", "Foldable"),
        nouns=(
            _n("Tote Bag", "TOT", ("Canvas", "Leather", "Recycled Nylon"), "Bags", "Tote Bags",
               "Bags"),
            _n("Backpack", "BPK", ("Recycled Nylon", "Waxed Canvas"), "Bags", "Backpacks"),
            _n("Crossbody Bag", "XBG", ("Leather", "Suede"), "Bags", "Crossbody Bags", "Bags"),
            _n("Belt Bag", "BBG", ("Recycled Nylon", "Leather"), "Bags", "Belt Bags"),
            _n("Lunch Bag", "LUN", ("Recycled Polyester", "Canvas"), "Bags", "Lunch Bags"),
            _n("Weekender", "WKD", ("Waxed Canvas", "Leather"), "Travel Bags", "Weekenders",
               "Bags"),
            _n("Washbag", "WSH", ("Waxed Canvas", "Recycled Nylon"), "Travel Bags", "Washbags"),
        ),
        shelves=(("Accessories", "Bags"), ("Kids", "School"), ("Home", "Bathroom"),
                 ("Sport", "Outdoor"), ("Sport", "Training"), ("Gifts", "For Her"),
                 ("Gifts", "For Kids")),
        hs_code="4202.92",
        weight=650,
        image="Tote",
        care="Spot clean only.",
        option2=("Size", "home_sizes"),
    ),
    Line(
        adjectives=("Stonewashed", "Waffle", "Crème", "Herringbone", "Soft", "Washed"),
        nouns=(
            _n("Duvet Cover", "DUV", ("Linen", "Percale", "Sateen"), "Bedding", "Duvet Covers"),
            _n("Pillowcase Pair", "PLW", ("Linen", "Percale"), "Bedding", "Pillowcases"),
            _n("Fitted Sheet", "SHT", ("Percale", "Linen"), "Bedding", "Sheets"),
            _n("Throw Blanket", "THR", ("Wool", "Mohair", "Recycled Wool"), "Throws & Blankets",
               "Throws", "Blankets"),
            _n("Cushion Cover", "CSH", ("Linen", "Velvet", "Wool"), "Cushions"),
            _n("Bath Towel", "TWL", ("Terry", "Organic Terry"), "Bath Linen", "Bath Towels",
               "Towels"),
            _n("Hand Towel", "HTW", ("Terry", "Linen"), "Bath Linen", "Hand Towels"),
            _n("Bath Mat", "BMT", ("Terry", "Jute"), "Bath Linen", "Bath Mats"),
            _n("Bathrobe", "ROB", ("Waffle Knit", "Terry"), "Bath Linen", "Bathrobes"),
            _n("Tablecloth", "TBC", ("Linen", "Jacquard"), "Table Linen", "Tablecloths"),
            _n("Table Runner", "RUN", ("Linen", "Jute"), "Table Linen", "Table Runners"),
            _n("Napkin Set", "NPK", ("Linen", "Jacquard"), "Table Linen", "Napkins"),
            _n("Tea Towel", "TTW", ("Linen", "Waffle Knit"), "Table Linen", "Tea Towels"),
            _n("Apron", "APR", ("Canvas", "Linen"), "Table Linen", "Aprons"),
        ),
        shelves=(("Home", "Bedroom"), ("Home", "Bathroom"), ("Home", "Living Room"),
                 ("Kitchen & Dining", "Table Linen"), ("Kitchen & Dining", "Cookware"),
                 ("Kids", "Baby"), ("Sport", "Swim"), ("Gifts", "For the Home")),
        hs_code="6302.31",
        weight=700,
        image="Linen",
        care="Machine wash at 40°C, tumble dry low.",
        option2=("Size", "home_sizes"),
    ),
    Line(
        adjectives=("Café", "Glazed", "Speckled", "Handmade", "Minimal", "Rustic"),
        nouns=(
            _n("Mug", "MUG", ("Stoneware", "Porcelain"), "Drinkware", "Mugs"),
            _n("Espresso Cup", "ESC", ("Porcelain", "Stoneware"), "Drinkware", "Cups"),
            _n("Tumbler", "TMB", ("Recycled Glass", "Borosilicate Glass"), "Drinkware",
               "Tumblers", "Glasses"),
            _n("Carafe", "CRF", ("Recycled Glass", "Borosilicate Glass"), "Drinkware",
               "Carafes", "Jugs"),
            _n("Serving Bowl", "BWL", ("Stoneware", "Olive Wood"), "Tableware", "Bowls",
               "Serving Dishes"),
            _n("Dinner Plate", "PLT", ("Stoneware", "Porcelain"), "Tableware", "Dinner Plates"),
            _n("Side Plate", "SPL", ("Stoneware", "Porcelain"), "Tableware", "Side Plates"),
            _n("Teapot", "TPT", ("Stoneware", "Cast Iron"), "Kitchenware", "Teapots"),
            _n("Chopping Board", "BRD", ("Olive Wood", "Oak"), "Kitchenware", "Chopping Boards"),
            _n("Vase", "VAS", ("Ceramic", "Recycled Glass"), "Home Decor", "Vases"),
            _n("Candle", "CND", ("Soy Wax", "Beeswax"), "Home Decor", "Candles"),
            _n("Planter", "PLN", ("Terracotta", "Stoneware"), "Home Decor", "Planters"),
        ),
        shelves=(("Kitchen & Dining", "Tableware"), ("Kitchen & Dining", "Drinkware"),
                 ("Kitchen & Dining", "Cookware"), ("Kitchen & Dining", "Coffee & Tea"),
                 ("Home", "Decor"), ("Home", "Outdoor"), ("Gifts", "For Her"),
                 ("Gifts", "For Him"), ("Gifts", "For the Home"), ("Gifts", "Stocking Fillers")),
        hs_code="6912.00",
        weight=450,
        image="Mug",
        care="Dishwasher safe.",
        option2=("Size", "home_sizes"),
    ),
    Line(
        adjectives=("Performance", "Seamless", "Breathable", "Lightweight", "Thermal"),
        nouns=(
            _n("Running Shorts", "RSH", ("Recycled Polyester", "Nylon"), "Activewear",
               "Shorts"),
            _n("Yoga Leggings", "LEG", ("Nylon-Elastane", "Recycled Polyester"), "Activewear",
               "Leggings"),
            _n("Training Tank", "TTK", ("Mesh", "Recycled Polyester"), "Activewear", "Tanks",
               "Tops"),
            _n("Running Tee", "RTE", ("Recycled Polyester", "Merino Wool"), "Activewear",
               "Tops"),
            _n("Sports Bra", "BRA", ("Nylon-Elastane",), "Activewear", "Sports Bras"),
            _n("Track Jacket", "TRK", ("Recycled Polyester", "Nylon"), "Activewear", "Jackets"),
            _n("Base Layer", "BSL", ("Merino Wool",), "Activewear", "Base Layers"),
            _n("Cycling Jersey", "CJY", ("Recycled Polyester",), "Activewear", "Jerseys"),
            _n("Bib Shorts", "BIB", ("Nylon-Elastane",), "Activewear", "Bib Shorts"),
            _n("Swimsuit", "SWM", ("Recycled Nylon",), "Swimwear", "Swimsuits"),
            _n("Swim Shorts", "SWH", ("Recycled Polyester",), "Swimwear", "Swim Shorts"),
        ),
        shelves=(("Sport", "Running"), ("Sport", "Yoga"), ("Sport", "Training"),
                 ("Sport", "Outdoor"), ("Sport", "Swim"), ("Sport", "Cycling")),
        hs_code="6112.20",
        weight=260,
        image="Active",
        care="Machine wash at 30°C, no softener.",
        option3=("Fit", "fits"),
    ),
    Line(
        adjectives=("Classic", "Digital", "Holiday", "Birthday"),
        nouns=(_n("Gift Card", "GFT", ("",), "Gift Cards", *CATEGORY_TREE["Gifts"]["Gift Cards"]),),
        shelves=(("Gifts", "Gift Cards"),),
        hs_code=None,
        weight=0,
        image="Gift",
        care="Redeemable online and in store.",
        option1=("Design", "designs"),
        option2=("Amount", "amounts"),
        giftcard=True,
    ),
)

# The big products' lines: never picked by hash, only given to the products
# chosen in _big_products.
BIG_LINE = Line(
    adjectives=("Classic",),
    nouns=(_n("Court Sneakers", "CRT", ("Leather",), "Sneakers"),),
    shelves=(("Women", "Shoes"), ("Men", "Shoes")),
    hs_code="6403.99",
    weight=800,
    image="Sneaker",
    care="Wipe clean with a damp cloth.",
    option2=("Size", "shoe_sizes"),
    big=(20, 10),
)
HUGE_LINE = Line(
    adjectives=("Signature",),
    nouns=(_n("Chinos", "SIG", ("Stretch Twill",), "Chinos", "Chinos", "Trousers"),),
    shelves=(("Women", "Bottoms"), ("Men", "Bottoms")),
    hs_code="6203.42",
    weight=540,
    image="Denim",
    care="Machine wash at 30°C, inside out.",
    option1=("Color", "shades"),
    option2=("Size", "waist_lengths"),
    big=(50, 40),
)
ALL_LINES = (*LINES, BIG_LINE, HUGE_LINE)

# Newest first, so a small catalog keeps the recent ones.
COLLECTION_THEMES = (
    "Essentials", "Core Basics", "Outdoor Edit", "Holiday Gifts", "Workwear", "Weekend",
    "Loungewear", "Limited Edition", "Eco Line", "Travel", "Back to School", "Café Society",
    "Resort", "Après-Ski", "Wedding Guest", "Festival", "Heritage", "Capsule", "Linen Edit",
    "Denim Shop",
)
SEASONS = ("Winter", "Autumn", "Summer", "Spring")


def _collection_titles() -> list[str]:
    titles = []
    for year in range(2026, 2016, -1):
        titles += [f"{season} {year}" for season in SEASONS]
        if year >= 2019:
            titles += [f"{theme} {year}" for theme in COLLECTION_THEMES]
    return titles


# The tags everyone uses come first: products draw their first tag from these.
POPULAR_TAGS = (
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
OCCASIONS = ("party", "office", "beach", "city-break", "hiking", "date-night", "brunch",
             "gym", "commute", "holiday", "school-run", "garden", "picnic", "ski", "camping")


def _tag_values() -> list[str]:
    """The 500 tags of a big shop: popular ones, then what merchandisers add over the years."""
    tags = list(POPULAR_TAGS)
    tags += [f"colour-{slugify(v)}" for v, _ in VALUE_LISTS["colors"]]
    materials = dict.fromkeys(m for line in LINES for noun in line.nouns for m in noun.materials)
    tags += [f"material-{slugify(m)}" for m in materials if m]
    tags += [f"occasion-{o}" for o in OCCASIONS]
    tags += [f"{s}{y:02d}" for y in range(26, 16, -1) for s in ("aw", "ss")]
    tags += [f"campaign-{y}-{m:02d}" for y in range(2026, 2018, -1) for m in range(12, 0, -1)]
    tags += [f"lookbook-{s}{y:02d}" for y in range(26, 16, -1) for s in ("aw", "ss")]
    tags += [f"newsletter-{y}-w{w:02d}" for y in range(2026, 2016, -1) for w in range(52, 0, -1)]
    tags = list(dict.fromkeys(tags))
    return tags[:TAG_SCALE[1]]


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
SEASON_CODES = ("SS25", "AW25", "SS26", "AW26", "Core")

# Labels of the generated PNG files, one file each; lines and category roots
# name the one they are shown with first.
IMAGE_LABELS = (
    "Tee", "Denim", "Knit", "Jacket", "Sneaker", "Beanie", "Tote", "Linen", "Mug", "Active",
    "Gift", "Detail",
)
CATEGORY_ROOT_IMAGES = {
    "Women": "Tee", "Men": "Denim", "Kids": "Knit", "Home": "Linen",
    "Kitchen & Dining": "Mug", "Accessories": "Beanie", "Sport": "Active", "Gifts": "Gift",
}
IMAGE_COLORS = (
    ((239, 83, 80), (255, 205, 210)), ((66, 165, 245), (187, 222, 251)),
    ((102, 187, 106), (200, 230, 201)), ((255, 167, 38), (255, 224, 178)),
    ((171, 71, 188), (225, 190, 231)), ((38, 166, 154), (178, 223, 219)),
    ((141, 110, 99), (215, 204, 200)), ((120, 144, 156), (207, 216, 220)),
    ((236, 64, 122), (248, 187, 208)), ((92, 107, 192), (197, 202, 233)),
    ((212, 225, 87), (240, 244, 195)), ((255, 112, 67), (255, 204, 188)),
)
# A product's pictures step this many files on from its line's: 5, 10 and 15
# are not multiples of 12, so a product never shows one file twice.
IMAGE_STEP = 5
MAX_IMAGES = 4


def _is_prime(number: int) -> bool:
    return number > 1 and all(number % d for d in range(2, int(number**0.5) + 1))


def _fold(text: str) -> str:
    """Lower case without accents, as the app's search compares (catalog_fold)."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c)
    )


def _is_cotton_crew(title: str) -> bool:
    folded = _fold(title)
    return "cotton" in folded and "crew" in folded


TYPE_COUNT = len({noun.type for line in ALL_LINES for noun in line.nouns})

# Strides must visit distinct entries (see the word lists' header); stamps
# leave room for this many values of an option. The shape the benchmark asks
# for: 50 types, 500 tags, 200 collections, 8 x 6 x 6 x 6 categories.
assert TYPE_COUNT == 50, TYPE_COUNT
assert all(_is_prime(len(VALUE_LISTS[name])) for name in STRIDED_LISTS)
assert all(len(values) <= MAX_VALUES_PER_OPTION for values in VALUE_LISTS.values())
assert all(line.option1[1] in STRIDED_LISTS or line.big for line in ALL_LINES)
assert len(_tag_values()) == TAG_SCALE[1] and len(set(_collection_titles())) == 200
assert all(len(shelves) == 6 and all(len(names) == 6 for names in shelves.values())
           for shelves in CATEGORY_TREE.values()) and len(CATEGORY_FACETS) == 6


def _scaled(scale: tuple[int, int, int], products: int) -> int:
    fewest, most, per = scale
    return max(fewest, min(most, products // per))


def _big_products(products: int) -> list[tuple[int, Line]]:
    """(product number, line) of the catalog's big products, spread over its history."""
    big = []
    if products >= BIG_PRODUCT_MIN_CATALOG:
        step = products // (BIG_PRODUCT_COUNT + 1)
        big += [(step * (i + 1), BIG_LINE) for i in range(BIG_PRODUCT_COUNT)]
    if products >= HUGE_PRODUCT_MIN_CATALOG:
        big.append((products // 2 + 1, HUGE_LINE))
    assert len({n for n, _ in big}) == len(big)
    return big


def _category_rows() -> tuple[list[dict], dict[tuple[str, str, str], tuple[int, int]]]:
    """The tree in breadth-first order (parents first, siblings side by side).

    Returns the rows and, for each (root, second, third) level path, the key of
    that category and of its first child (its children's keys follow on).
    """
    rows: list[dict] = []
    third = {}
    # (path of names, parent key); a level's children are appended parent by
    # parent, so siblings get consecutive keys.
    level = [((root,), None) for root in CATEGORY_TREE]
    while level:
        next_level, ranks = [], {}
        for path, parent in level:
            rank = ranks[parent] = ranks.get(parent, -1) + 1
            key = len(rows)
            rows.append({
                "key": key,
                "parent_key": parent,
                "depth": len(path),
                "rank": rank,
                "name": path[-1],
                "path": " › ".join(path),
                "handle": "-".join(slugify(name) for name in path),
                "image": (demo_image_names()[IMAGE_LABELS.index(CATEGORY_ROOT_IMAGES[path[0]])]
                          if len(path) == 1 else None),
            })
            if len(path) == 4 and rank == 0:
                third[path[:3]] = (parent, key)
            next_level += [((*path, child), key) for child in _category_children(path)]
        level = next_level
    handles = [row["handle"] for row in rows]
    assert len(set(handles)) == len(handles)
    return rows, third


def _category_children(path: tuple[str, ...]) -> tuple[str, ...]:
    if len(path) == 1:
        return tuple(CATEGORY_TREE[path[0]])
    if len(path) == 2:
        return CATEGORY_TREE[path[0]][path[1]]
    if len(path) == 3:
        return CATEGORY_FACETS
    return ()


def _reference_data(products: int) -> dict:
    """Rows for the small reference tables the set-based statements join."""
    list_names = list(VALUE_LISTS)
    values = [
        {"list_idx": list_idx, "pos": pos, "value": value, "code": code}
        for list_idx, name in enumerate(list_names)
        for pos, (value, code) in enumerate(VALUE_LISTS[name])
    ]
    categories, third_level = _category_rows()
    types = list(dict.fromkeys(noun.type for line in ALL_LINES for noun in line.nouns))

    def option(spec):
        if spec is None:
            return None, None, None
        title, name = spec
        return title, list_names.index(name), len(VALUE_LISTS[name])

    lines, placements, regular, cotton_crew, big = [], [], [], [], {}
    noun_idx = 0
    for line_idx, line in enumerate(ALL_LINES):
        (title1, list1, len1), (title2, list2, len2), (title3, list3, len3) = (
            option(line.option1), option(line.option2), option(line.option3))
        lines.append({
            "idx": line_idx,
            "option1": title1, "list1": list1, "len1": len1,
            "option2": title2, "list2": list2, "len2": len2,
            "option3": title3, "list3": list3, "len3": len3,
            "giftcard": line.giftcard,
            "hs_code": line.hs_code,
            "weight": line.weight,
            "image": IMAGE_LABELS.index(line.image),
            "care": line.care,
            "big_k1": line.big[0] if line.big else None,
            "big_k2": line.big[1] if line.big else None,
        })
        for noun in line.nouns:
            spots = [
                third_level[(root, shelf, name)]
                for root, shelf in line.shelves
                for name in CATEGORY_TREE[root][shelf]
                if name in noun.families
            ]
            assert spots, f"{noun.name} fits none of its line's shelves"
            placements += [
                {"noun": noun_idx, "pos": pos, "key": key, "leaf_base": leaf_base}
                for pos, (key, leaf_base) in enumerate(spots)
            ]
            for adjective in line.adjectives:
                for material in noun.materials:
                    title = " ".join(w for w in (adjective, material, noun.name) if w)
                    if line.giftcard:
                        lede = f"{_article(adjective)} {adjective.lower()} gift card, " \
                               "delivered by email and valid for two years."
                    else:
                        lede = f"{_article(adjective)} {adjective.lower()} " \
                               f"{noun.name.lower()} in {material.lower()}."
                    combo = {
                        "line": line_idx,
                        "noun": noun_idx,
                        "title": title,
                        "slug": slugify(title),
                        "material": material or None,
                        "code": noun.code,
                        "lede": lede,
                        "type_idx": types.index(noun.type),
                        "placement_count": len(spots),
                    }
                    if line.big:
                        big[line] = combo
                    elif _is_cotton_crew(title):
                        cotton_crew.append(combo)
                    else:
                        regular.append(combo)
            noun_idx += 1
    # Combos are numbered: the regular ones, then the cotton crew ones (each
    # picked by its own hash), then one per big line (never picked by hash).
    combos = [*regular, *cotton_crew, *big.values()]
    for idx, combo in enumerate(combos):
        combo["idx"] = idx
    big_products = _big_products(products)
    collections = _collection_titles()[:_scaled(COLLECTION_SCALE, products)]
    return {
        "values": values,
        "types": types,
        "lines": lines,
        "combos": combos,
        "placements": placements,
        "categories": categories,
        "regular_count": len(regular),
        "cotton_crew_count": len(cotton_crew),
        "big_numbers": [n for n, _ in big_products],
        "big_combos": [big[line]["idx"] for _, line in big_products],
        "collections": collections,
        "tags": _tag_values()[:_scaled(TAG_SCALE, products)],
    }


def catalog_shape(products: int) -> dict[str, int]:
    """The size of everything a catalog of this many products gets besides the products."""
    big = _big_products(products)
    return {
        "categories": len(_category_rows()[0]),
        "collections": _scaled(COLLECTION_SCALE, products),
        "types": TYPE_COUNT,
        "tags": _scaled(TAG_SCALE, products),
        "products_with_200_variants": sum(line is BIG_LINE for _, line in big),
        "products_with_2000_variants": sum(line is HUGE_LINE for _, line in big),
    }


def _article(word: str) -> str:
    return "An" if word[:1].lower() in "aeiou" else "A"


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

# The codes of variant number n (EAN-13, UPC-A, GTIN-14) are a fixed prefix,
# n padded to the same eleven (UPC: ten) last digits, and a mod-10 check
# digit over the body with weights 3 and 1 from the rightmost digit. So the
# weighted sum of n's digits is the same for all three: computed once, a
# prefix's share added per code (see INSERT_VARIANTS).
CREATE_GTIN_SUM = """
CREATE OR REPLACE FUNCTION pg_temp.gtin_sum(n bigint) RETURNS int
LANGUAGE sql IMMUTABLE
AS $$
    SELECT (3 * (n % 10 + n / 100 % 10 + n / 10000 % 10 + n / 1000000 % 10
                 + n / 100000000 % 10 + n / 10000000000 % 10)
            + (n / 10 % 10 + n / 1000 % 10 + n / 100000 % 10 + n / 10000000 % 10
               + n / 1000000000 % 10))::int
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

# The IDs of a product's children, computed wherever they are needed rather
# than looked up: value i of option pos, and variant number (catalog-wide).
CREATE_VALUE_ID = """
CREATE OR REPLACE FUNCTION pg_temp.value_id(n bigint, ms bigint, pos int, i int) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT pg_temp.ulid('optval', ms + 4 + pos * 64 + i, n * 256 + pos * 64 + i)
$$
"""

CREATE_VARIANT_ID = """
CREATE OR REPLACE FUNCTION pg_temp.variant_id(ms bigint, rank int, number bigint) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT pg_temp.ulid('variant', ms + 400 + rank, number)
$$
"""

CREATE_IMAGE_ID = """
CREATE OR REPLACE FUNCTION pg_temp.image_id(n bigint, ms bigint, rank int) RETURNS text
LANGUAGE sql IMMUTABLE
AS $$
    SELECT pg_temp.ulid('img', ms + 300 + rank, n * 4 + rank)
$$
"""

HELPERS = (CREATE_B32_PAIRS, CREATE_B32_PAIR, CREATE_ULID, CREATE_PICK, CREATE_CHOOSE,
           CREATE_GTIN_SUM, CREATE_AT, CREATE_VALUE_ID, CREATE_VARIANT_ID, CREATE_IMAGE_ID)

DROP_HELPERS = """
DROP FUNCTION pg_temp.value_id(bigint, bigint, int, int),
              pg_temp.variant_id(bigint, int, bigint),
              pg_temp.image_id(bigint, bigint, int),
              pg_temp.ulid(text, bigint, bigint),
              pg_temp.b32_pair(bigint),
              pg_temp.b32_pairs(),
              pg_temp.choose(text[], bigint, bigint),
              pg_temp.pick(bigint, bigint, bigint),
              pg_temp.gtin_sum(bigint),
              pg_temp.at(bigint)
"""

# The reference rows, from the JSON Python hands over: (statement, its rows).
REFERENCE_TABLES = (
    ("""
CREATE TEMP TABLE demo_value ON COMMIT DROP AS
SELECT *
  FROM jsonb_to_recordset(%(rows)s) AS v(list_idx int, pos int, value text, code text)
""", "values"),
    ("""
CREATE TEMP TABLE demo_line ON COMMIT DROP AS
SELECT *
  FROM jsonb_to_recordset(%(rows)s) AS l(
           idx int, option1 text, list1 int, len1 int, option2 text, list2 int, len2 int,
           option3 text, list3 int, len3 int, giftcard boolean, hs_code text, weight int,
           image int, care text, big_k1 int, big_k2 int)
""", "lines"),
    ("""
CREATE TEMP TABLE demo_combo ON COMMIT DROP AS
SELECT *
  FROM jsonb_to_recordset(%(rows)s) AS c(
           idx int, line int, noun int, title text, slug text, material text, code text,
           lede text, type_idx int, placement_count int)
""", "combos"),
    ("""
CREATE TEMP TABLE demo_placement ON COMMIT DROP AS
SELECT *
  FROM jsonb_to_recordset(%(rows)s) AS p(noun int, pos int, key int, leaf_base int)
""", "placements"),
)

CREATE_ID_TABLES = """
CREATE TEMP TABLE demo_type (idx int PRIMARY KEY, id text NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE demo_collection (idx int PRIMARY KEY, id text NOT NULL) ON COMMIT DROP;
CREATE TEMP TABLE demo_tag (idx int PRIMARY KEY, id text NOT NULL) ON COMMIT DROP;
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

# The tree, parents first (the rows come in breadth-first order). Root
# categories get an image of their own: an image with no product (migration
# 0001's images.product_id).
STAGE_CATEGORIES = """
CREATE TEMP TABLE demo_category ON COMMIT DROP AS
SELECT c.*,
       pg_temp.ulid('pcat', %(ms)s::bigint + c.key * 1000, c.key) AS id,
       %(ms)s::bigint + c.key * 1000 AS ms,
       CASE
           WHEN c.image IS NOT NULL
           THEN pg_temp.ulid('img', %(ms)s::bigint + c.key * 1000 - 500, c.key)
       END AS image_id
  FROM jsonb_to_recordset(%(categories)s) AS c(
           key int, parent_key int, depth int, rank int, name text, path text, handle text,
           image text)
 ORDER BY c.key
"""

INSERT_CATEGORY_IMAGES = """
INSERT INTO images (id, url, rank, product_id, metadata, created_at, updated_at)
SELECT image_id,
       %(image_url_base)s || image,
       0,
       NULL,
       jsonb_build_object('alt', name),
       pg_temp.at(ms - 500),
       pg_temp.at(ms - 500)
  FROM demo_category
 WHERE image_id IS NOT NULL
 ORDER BY key
"""

INSERT_CATEGORIES = """
INSERT INTO p_categories (
    id, name, description, handle, is_active, is_internal, rank, image_id, thumbnail,
    parent_id, created_at, updated_at, metadata)
SELECT c.id,
       c.name,
       'Everything in ' || c.path || '.',
       c.handle,
       -- Roots always show; a few deeper categories are switched off or internal.
       c.depth = 1 OR pg_temp.pick(c.key, 401, 100) >= 6,
       c.depth > 1 AND pg_temp.pick(c.key, 402, 100) < 4,
       c.rank,
       c.image_id,
       CASE WHEN c.image IS NOT NULL THEN %(image_url_base)s || c.image END,
       parent.id,
       pg_temp.at(c.ms),
       pg_temp.at(c.ms),
       CASE WHEN c.depth = 1 THEN jsonb_build_object('menu_position', c.rank + 1) END
  FROM demo_category AS c
  LEFT JOIN demo_category AS parent ON parent.key = c.parent_key
 ORDER BY c.key
"""

# One row per product with every choice made, so later statements only join.
# Product n is created at a fixed spacing from the start plus a jitter that
# stays clear of the next product, leaving room for its children's stamps.
#
# A product has v variants (1-9) on two options, or on three (a run of two
# values of its line's third option) for some with four or more. Option 2
# (sizes) has k2 values, option 1 (colours) k1 = ceil(v / (k2 * k3)); the
# variants are the first v combinations, colour-major, so every value is used
# and, like in a real shop, the last colour need not come in every size.
STAGE_PRODUCTS = """
CREATE TEMP TABLE demo_product ON COMMIT DROP AS
WITH numbered AS (
    SELECT g.n,
           %(start_ms)s::bigint + (g.n - 1)::bigint * %(spacing_ms)s::bigint
               + pg_temp.pick(g.n, 1, %(jitter_ms)s) AS ms,
           b.combo IS NOT NULL AS big,
           coalesce(
               b.combo,
               CASE
                   WHEN pg_temp.pick(g.n, 2, 1000) < %(cotton_crew_per_mille)s
                   THEN %(regular_count)s + pg_temp.pick(g.n, 3, %(cotton_crew_count)s)::int
                   ELSE pg_temp.pick(g.n, 3, %(regular_count)s)::int
               END) AS combo
      FROM generate_series(1, %(products)s::int) AS g(n)
      LEFT JOIN unnest(%(big_numbers)s::int[], %(big_combos)s::int[]) AS b(n, combo)
        ON b.n = g.n
),
chosen AS (
    SELECT p.n, p.ms, p.big, c.idx AS combo, c.line, c.noun, c.title, c.slug, c.material,
           c.code, c.lede, c.type_idx, c.placement_count, l.giftcard, l.hs_code, l.weight,
           l.image, l.care, l.option1, l.option2, l.option3, l.list1, l.list2, l.list3,
           l.len1, l.len2, l.len3,
           CASE
               WHEN p.big THEN l.big_k1 * l.big_k2
               ELSE 1 + pg_temp.pick(p.n, 4, 9)::int
           END AS v,
           CASE WHEN p.big THEN l.big_k1 END AS big_k1,
           CASE WHEN p.big THEN l.big_k2 END AS big_k2
      FROM numbered AS p
      JOIN demo_combo AS c ON c.idx = p.combo
      JOIN demo_line AS l ON l.idx = c.line
),
shaped AS (
    SELECT c.*,
           NOT c.big AND c.list3 IS NOT NULL AND c.v >= 4
               AND pg_temp.pick(c.n, 5, 100) < 45 AS three
      FROM chosen AS c
),
sized AS (
    SELECT s.*,
           CASE WHEN s.three THEN 2 ELSE 1 END AS k3,
           CASE
               WHEN s.big THEN s.big_k2
               WHEN s.three THEN least(s.len2, 3, s.v / 2)
               ELSE least(s.len2, s.v, 2 + pg_temp.pick(s.n, 6, 3)::int)
           END AS k2
      FROM shaped AS s
)
SELECT s.n,
       pg_temp.ulid('prod', s.ms, s.n) AS id,
       s.ms,
       s.big,
       -- About two in a hundred are in the Trash, deleted a while after they were
       -- made (and after their children's stamps).
       CASE
           WHEN NOT s.big AND pg_temp.pick(s.n, 13, 1000) < %(deleted_per_mille)s
           THEN s.ms + %(min_spacing_ms)s
                + pg_temp.pick(s.n, 14, greatest(%(end_ms)s::bigint - s.ms
                                                 - %(min_spacing_ms)s, 1))
       END AS deleted_ms,
       s.title,
       s.slug || '-' || s.n AS handle,
       -- Six digits, more only from a million on (lpad would cut them).
       lpad(s.n::text, greatest(6, length(s.n::text)), '0') AS ref,
       s.code,
       s.lede,
       s.care,
       s.material,
       s.giftcard,
       s.hs_code,
       s.weight,
       s.type_idx,
       s.noun,
       s.placement_count,
       s.image AS image_file,
       1 + pg_temp.pick(s.n, 9, %(max_images)s)::int AS image_count,
       CASE WHEN s.three THEN 3 ELSE 2 END AS opts,
       pg_temp.ulid('opt', s.ms + 1, s.n * 4) AS option1_id,
       pg_temp.ulid('opt', s.ms + 2, s.n * 4 + 1) AS option2_id,
       CASE WHEN s.three THEN pg_temp.ulid('opt', s.ms + 3, s.n * 4 + 2) END AS option3_id,
       s.option1,
       s.option2,
       s.option3,
       s.list1,
       s.list2,
       s.list3,
       s.len1,
       s.v,
       coalesce(s.big_k1, (s.v + s.k2 * s.k3 - 1) / (s.k2 * s.k3)) AS k1,
       s.k2,
       s.k3,
       -- Colour-like values: k1 of the list with a stride (prime list lengths
       -- make every stride visit distinct values); sizes and the third
       -- option: a run.
       CASE WHEN s.big THEN 0 ELSE pg_temp.pick(s.n, 7, s.len1)::int END AS start1,
       CASE WHEN s.big THEN 1 ELSE 1 + pg_temp.pick(s.n, 8, s.len1 - 1)::int END AS step1,
       CASE WHEN s.big THEN 0 ELSE pg_temp.pick(s.n, 10, s.len2 - s.k2 + 1)::int END AS start2,
       CASE WHEN s.three THEN pg_temp.pick(s.n, 11, s.len3 - s.k3 + 1)::int ELSE 0 END
           AS start3,
       coalesce(sum(s.v) OVER (ORDER BY s.n ROWS BETWEEN UNBOUNDED PRECEDING
                                               AND 1 PRECEDING), 0) AS variant_offset
  FROM sized AS s
 ORDER BY s.n
"""

INSERT_PRODUCTS = """
INSERT INTO products (
    id, title, handle, subtitle, description, is_giftcard, status, thumbnail,
    weight, length, height, width, origin_country, hs_code, mid_code, material,
    collection_id, type_id, discountable, external_id, created_at, updated_at, deleted_at,
    metadata)
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
           WHEN p.big OR pg_temp.pick(p.n, 23, 100) < 60 THEN 'published'
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
       CASE WHEN p.big OR pg_temp.pick(p.n, 33, 100) < 85 THEN col.id END,
       CASE WHEN p.giftcard OR p.big OR pg_temp.pick(p.n, 34, 100) < 95 THEN typ.id END,
       NOT p.giftcard AND pg_temp.pick(p.n, 35, 100) < 93,
       CASE WHEN pg_temp.pick(p.n, 36, 100) < 15 THEN 'ERP-' || p.ref END,
       pg_temp.at(p.ms),
       -- A third were edited at some point before the demo's "now"; a delete
       -- is the last change (the app's update trigger stamps it).
       pg_temp.at(
           CASE
               WHEN p.deleted_ms IS NOT NULL THEN p.deleted_ms
               WHEN pg_temp.pick(p.n, 37, 100) < 35
               THEN p.ms + pg_temp.pick(p.n, 38, greatest(%(end_ms)s::bigint - p.ms, 1))
               ELSE p.ms
           END),
       pg_temp.at(p.deleted_ms),
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
 ORDER BY p.n
"""

# Stamps after a product's own: options +1..+3, values +4.. (64 ms per
# option), images +300.., variants +400.. (MIN_PRODUCT_SPACING_MS keeps them
# before the next product). A product's children that its delete took share
# its deleted_at, as the app's delete leaves them (restore relies on it).
INSERT_IMAGES = """
INSERT INTO images (
    id, url, rank, product_id, metadata, created_at, updated_at, deleted_at)
SELECT pg_temp.image_id(p.n, p.ms, r),
       %(image_url_base)s
           || (%(image_files)s::text[])[
                  (p.image_file + r * %(image_step)s) %% cardinality(%(image_files)s::text[])
                  + 1],
       r,
       p.id,
       jsonb_build_object('alt', p.title),
       pg_temp.at(p.ms + 300 + r),
       pg_temp.at(coalesce(p.deleted_ms, p.ms + 300 + r)),
       pg_temp.at(p.deleted_ms)
  FROM demo_product AS p
 CROSS JOIN generate_series(0, p.image_count - 1) AS r
"""

INSERT_OPTIONS = """
INSERT INTO p_options (id, title, product_id, created_at, updated_at, deleted_at)
SELECT o.id,
       o.title,
       p.id,
       pg_temp.at(p.ms + 1 + o.pos),
       pg_temp.at(coalesce(p.deleted_ms, p.ms + 1 + o.pos)),
       pg_temp.at(p.deleted_ms)
  FROM demo_product AS p
 CROSS JOIN LATERAL (
           VALUES (0, p.option1_id, p.option1),
                  (1, p.option2_id, p.option2),
                  (2, p.option3_id, p.option3)
       ) AS o(pos, id, title)
 WHERE o.id IS NOT NULL
"""

# The value positions are worked out first (OFFSET 0 keeps that subquery
# apart), so the planner joins the small value list once, by hash, rather
# than once per product.
INSERT_OPTION_VALUES = """
INSERT INTO p_option_values (id, value, option_id, created_at, updated_at, deleted_at)
SELECT pg_temp.value_id(o.n, o.ms, o.pos, o.i),
       v.value,
       o.option_id,
       pg_temp.at(o.ms + 4 + o.pos * 64 + o.i),
       pg_temp.at(coalesce(o.deleted_ms, o.ms + 4 + o.pos * 64 + o.i)),
       pg_temp.at(o.deleted_ms)
  FROM (SELECT p.n, p.ms, p.deleted_ms, o.pos, o.option_id, o.list_idx, i,
               mod(o.start + i * o.step, o.len) AS value_pos
          FROM demo_product AS p
         CROSS JOIN LATERAL (
                   VALUES (0, p.option1_id, p.list1, p.k1, p.start1, p.step1, p.len1),
                          (1, p.option2_id, p.list2, p.k2, p.start2, 1, 1000000),
                          (2, p.option3_id, p.list3, p.k3, p.start3, 1, 1000000)
               ) AS o(pos, option_id, list_idx, k, start, step, len)
         CROSS JOIN generate_series(0, o.k - 1) AS i
         WHERE o.option_id IS NOT NULL
        OFFSET 0) AS o
  JOIN demo_value AS v
    ON v.list_idx = o.list_idx
   AND v.pos = o.value_pos
"""

# Variant r of a product holds value r / (k2 * k3) of option 1, (r / k3) % k2
# of option 2 and r % k3 of option 3: distinct combinations, colour-major.
STAGE_VARIANTS = """
CREATE TEMP TABLE demo_variant ON COMMIT DROP AS
SELECT x.rank,
       x.number,
       pg_temp.variant_id(x.ms, x.rank, x.number) AS id,
       x.product_id,
       x.ms + 400 + x.rank AS ms,
       x.deleted_ms,
       concat_ws(' / ', v1.value, v2.value, v3.value) AS title,
       concat_ws('-', x.code, x.ref, v1.code, v2.code, v3.code) AS sku,
       CASE
           WHEN x.opts = 3
           THEN ARRAY[pg_temp.value_id(x.n, x.ms, 0, x.i1),
                      pg_temp.value_id(x.n, x.ms, 1, x.i2),
                      pg_temp.value_id(x.n, x.ms, 2, x.i3)]
           ELSE ARRAY[pg_temp.value_id(x.n, x.ms, 0, x.i1),
                      pg_temp.value_id(x.n, x.ms, 1, x.i2)]
       END AS value_ids,
       pg_temp.gtin_sum(x.number) AS gtin_sum,
       x.i2 AS size_pos,
       x.weight,
       x.giftcard
  FROM (SELECT p.n, p.ms, p.deleted_ms, p.id AS product_id, p.code, p.ref, p.opts,
               p.weight, p.giftcard, p.list1, p.list2, p.list3,
               r AS rank,
               p.variant_offset + r + 1 AS number,
               r / (p.k2 * p.k3) AS i1,
               r / p.k3 % p.k2 AS i2,
               r % p.k3 AS i3,
               mod(p.start1 + r / (p.k2 * p.k3) * p.step1, p.len1) AS pos1,
               p.start2 + r / p.k3 % p.k2 AS pos2,
               CASE WHEN p.opts = 3 THEN p.start3 + r % p.k3 END AS pos3
          FROM demo_product AS p
         CROSS JOIN generate_series(0, p.v - 1) AS r
        OFFSET 0) AS x
  JOIN demo_value AS v1
    ON v1.list_idx = x.list1
   AND v1.pos = x.pos1
  JOIN demo_value AS v2
    ON v2.list_idx = x.list2
   AND v2.pos = x.pos2
  LEFT JOIN demo_value AS v3
    ON v3.list_idx = x.list3
   AND v3.pos = x.pos3
"""

# Codes numbered by the variant's place in the whole catalog, so unique: EAN-13
# in the 20-29 in-store prefix range, UPC-A with number system 4 (in-store
# too), and a GTIN-14 as the barcode. Check digits: the number's weighted
# digit sum plus the prefix's (GTIN-14 "12": 1 x 3 + 2; EAN "2": 2; UPC "4":
# 4 x 3, as the body is one digit shorter).
INSERT_VARIANTS = """
INSERT INTO p_variants (
    id, title, sku, barcode, ean, upc, allow_backorder, manage_inventory,
    weight, length, height, width, variant_rank, product_id, metadata,
    created_at, updated_at, deleted_at)
SELECT v.id,
       v.title,
       v.sku,
       '12' || lpad(v.number::text, 11, '0') || (10 - (v.gtin_sum + 5) % 10) % 10,
       '2' || lpad(v.number::text, 11, '0') || (10 - (v.gtin_sum + 2) % 10) % 10,
       '4' || lpad(v.number::text, 10, '0') || (10 - (v.gtin_sum + 12) % 10) % 10,
       NOT v.giftcard AND pg_temp.pick(v.number, 50, 100) < 15,
       NOT v.giftcard,
       -- Integers, as the seed has them: grams and millimetres, growing with size.
       CASE WHEN NOT v.giftcard THEN v.weight + v.size_pos * v.weight / 12 END,
       CASE WHEN NOT v.giftcard THEN 250 + v.size_pos * 20 END,
       CASE WHEN NOT v.giftcard THEN 30 + pg_temp.pick(v.number, 51, 40)::int END,
       CASE WHEN NOT v.giftcard THEN 200 + v.size_pos * 15 END,
       v.rank,
       v.product_id,
       CASE
           WHEN pg_temp.pick(v.number, 52, 100) < 5
           THEN jsonb_build_object('supplier_ref', 'SUP-' || v.number)
       END,
       pg_temp.at(v.ms),
       pg_temp.at(coalesce(v.deleted_ms, v.ms)),
       pg_temp.at(v.deleted_ms)
  FROM demo_variant AS v
"""

# One statement for every option: this table's triggers (one value per
# option, variant combinations) are statement triggers, so each runs once,
# over all of it. Rows go in key order (variant, then option), so the
# primary key only ever appends.
INSERT_VARIANT_OPTIONS = """
INSERT INTO p_variants_options (variant_id, option_value_id)
SELECT v.id, unnest(v.value_ids)
  FROM demo_variant AS v
"""

# The first image shows the first variant.
INSERT_PRODUCT_IMAGES = """
INSERT INTO products_images (product_id, image_id, variant_id)
SELECT p.id,
       pg_temp.image_id(p.n, p.ms, 0),
       pg_temp.variant_id(p.ms, 0, p.variant_offset + 1)
  FROM demo_product AS p
"""

# A leaf (a facet of the third-level category where the product's noun
# belongs, on one of its line's shelves), and for about a third of products
# also the third-level category of another of those shelves.
INSERT_CATEGORY_LINKS = """
INSERT INTO p_categories_products (product_id, p_categories_id)
SELECT p.id, c.id
  FROM demo_product AS p
 CROSS JOIN LATERAL (
           SELECT pg_temp.pick(p.n, 60, p.placement_count)::int AS pos,
                  pg_temp.pick(p.n, 61, %(facet_count)s)::int AS facet
           UNION ALL
           SELECT (pg_temp.pick(p.n, 60, p.placement_count)::int + 1
                   + pg_temp.pick(p.n, 62, greatest(p.placement_count - 1, 1))::int)
                  %% p.placement_count,
                  NULL
            WHERE p.placement_count > 1
              AND pg_temp.pick(p.n, 63, 100) < 35
       ) AS k
  JOIN demo_placement AS pl
    ON pl.noun = p.noun
   AND pl.pos = k.pos
  JOIN demo_category AS c
    ON c.key = coalesce(pl.leaf_base + k.facet, pl.key)
"""

# 0-6 tags, about three: the first from the popular ones, the others from the
# rest, a start and a stride short enough never to wrap onto one another (in
# a small catalog with only the popular tags, all of them that way).
INSERT_TAG_LINKS = """
INSERT INTO products_tags (product_id, product_tag_id)
SELECT p.id, t.id
  FROM demo_product AS p
 CROSS JOIN generate_series(0, pg_temp.pick(p.n, 70, 7)::int - 1) AS i
  JOIN demo_tag AS t
    ON t.idx = CASE
                   WHEN i = 0 AND %(first_count)s > 0 THEN pg_temp.pick(p.n, 71, %(first_count)s)
                   ELSE %(first_count)s
                        + (pg_temp.pick(p.n, 72, %(rest_count)s)
                           + (i - %(first_taken)s)
                             * (1 + pg_temp.pick(p.n, 73, %(max_stride)s)))
                          %% %(rest_count)s
               END
"""


# The catalog's indexes that no constraint (primary key, a foreign key's
# target) relies on, in the catalog's tables and those that reference them
# (variant_combinations, which a trigger fills, say). The load drops them and
# builds them again at the end: one sorted build is several times cheaper
# than updating them row by row, and the unique ones (SKU, EAN, handles,
# variant combinations) still check every row when rebuilt. Only indexes of
# tables this role owns; others are left in place.
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
   AND NOT c.relispartition
   AND NOT EXISTS (SELECT 1 FROM pg_constraint AS con WHERE con.conindid = i.indexrelid)
   AND pg_has_role(t.relowner, 'USAGE')
 ORDER BY i.indrelid, c.relname
"""

# Foreign keys from or to the catalog's tables, with their definitions.
# Dropped for the load and added back at its end, where PostgreSQL validates
# each with one join over the whole table.
LIST_FOREIGN_KEYS = """
SELECT n.nspname AS schema,
       t.relname AS table_name,
       con.conname AS name,
       pg_get_constraintdef(con.oid) AS definition
  FROM pg_constraint AS con
  JOIN pg_class AS t ON t.oid = con.conrelid
  JOIN pg_namespace AS n ON n.oid = t.relnamespace
  JOIN pg_class AS ref ON ref.oid = con.confrelid
 WHERE con.contype = 'f'
   AND con.conparentid = 0
   AND con.conislocal
   AND (con.conrelid = ANY(%(tables)s::regclass[])
        OR con.confrelid = ANY(%(tables)s::regclass[]))
   AND pg_has_role(t.relowner, 'USAGE')
   AND pg_has_role(ref.relowner, 'USAGE')
 ORDER BY n.nspname, t.relname, con.conname
"""

# The catalog tables and the tables whose foreign keys point at them.
LIST_FILLED_TABLES = """
SELECT n.nspname AS schema, c.relname AS name, c.oid::regclass::text AS regclass
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

    Returns the row count of each of the 13 catalog tables after loading
    (soft-deleted rows included). With replace=False an existing catalog is
    left alone and DemoDataError raised; with replace=True the catalog tables
    are truncated first. Everything runs in one transaction, so a failed load
    changes nothing; while it runs, other sessions wait to read the catalog
    tables (TRUNCATE, the dropped indexes and foreign keys lock them), so load
    before serving or expect a pause.
    """
    if isinstance(products, bool) or not isinstance(products, int):
        raise DemoDataError("the number of products must be a whole number")
    if not 1 <= products <= MAX_PRODUCTS:
        raise DemoDataError(f"the number of products must be between 1 and {MAX_PRODUCTS:,}")

    image_files = ensure_demo_images(media_root)
    ref = _reference_data(products)

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
        # Generated data is not a staff member's work: History stays empty.
        run("SET LOCAL catalog.history = 'off'")
        if replace:
            run(sql.SQL("TRUNCATE {} CASCADE").format(
                sql.SQL(", ").join(sql.Identifier(t) for t in (*CATALOG_TABLES, "change_sets"))))
        else:
            _refuse_if_not_empty(conn)

        # Bigger sorts and hashes in memory for the 100k-product joins (and
        # the triggers' own), and for the index builds at the end.
        run("SET LOCAL work_mem = '256MB'")
        run("SET LOCAL maintenance_work_mem = '512MB'")
        filled = [t["regclass"] for t in conn.execute(
            LIST_FILLED_TABLES, {"tables": list(CATALOG_TABLES)}).fetchall()]
        foreign_keys = _set_aside_foreign_keys(conn, filled)
        indexes = _set_aside_indexes(conn, filled)
        for statement in HELPERS:
            run(statement)
        for statement, key in REFERENCE_TABLES:
            run(statement, {"rows": Jsonb(ref[key])})
        run(CREATE_ID_TABLES)
        # Temp tables get no autovacuum; without statistics the joins below
        # are planned for the wrong number of rows (merge joins that sort
        # half a million rows to look up a hundred).
        run("ANALYZE demo_value, demo_line, demo_combo, demo_placement")

        run(INSERT_TYPES, {"types": ref["types"], "ms": reference_ms})
        run(INSERT_COLLECTIONS, {
            "titles": ref["collections"],
            "handles": [slugify(c) for c in ref["collections"]],
            "ms": reference_ms + 60_000,
        })
        run(INSERT_TAGS, {"tags": ref["tags"], "ms": reference_ms + 300_000})
        run(STAGE_CATEGORIES, {
            "categories": Jsonb(ref["categories"]), "ms": reference_ms + 1_000_000})
        run("ANALYZE demo_category")
        run(INSERT_CATEGORY_IMAGES, {"image_url_base": DEMO_IMAGE_URL})
        run(INSERT_CATEGORIES, {"image_url_base": DEMO_IMAGE_URL})

        run(STAGE_PRODUCTS, {
            "products": products,
            "start_ms": start_ms,
            "spacing_ms": spacing_ms,
            "jitter_ms": spacing_ms - MIN_PRODUCT_SPACING_MS + 1,
            "min_spacing_ms": MIN_PRODUCT_SPACING_MS,
            "end_ms": end_ms,
            "big_numbers": ref["big_numbers"],
            "big_combos": ref["big_combos"],
            "regular_count": ref["regular_count"],
            "cotton_crew_count": ref["cotton_crew_count"],
            "cotton_crew_per_mille": COTTON_CREW_PER_MILLE,
            "deleted_per_mille": DELETED_PER_MILLE,
            "max_images": MAX_IMAGES,
        })
        # Statistics of the columns the joins below use (the text ones cost
        # the most to analyze and no join looks at them).
        run("ANALYZE demo_product (n, v, opts, list1, list2, list3, k1, k2, k3, noun, "
            "placement_count, type_idx)")
        run(INSERT_PRODUCTS, {
            "taglines": list(TAGLINES),
            "features": list(FEATURES),
            "countries": list(COUNTRIES),
            "fits": list(FITS),
            "seasons": list(SEASON_CODES),
            "image_url_base": DEMO_IMAGE_URL,
            "image_files": image_files,
            "collection_count": len(ref["collections"]),
            "end_ms": end_ms,
        })
        run(INSERT_IMAGES, {
            "image_url_base": DEMO_IMAGE_URL,
            "image_files": image_files,
            "image_step": IMAGE_STEP,
        })
        run(INSERT_OPTIONS)
        run(INSERT_OPTION_VALUES)
        run(STAGE_VARIANTS)
        run(INSERT_VARIANTS)
        # The triggers' queries (one value per option, variant combinations)
        # run over every row at once; planned as nested loops, they probe an
        # index a million times. Hash joins read each table once.
        nestloop = conn.execute("SELECT current_setting('enable_nestloop') AS v").fetchone()
        run("SELECT set_config('enable_nestloop', 'off', true)")
        run(INSERT_VARIANT_OPTIONS)
        run("SELECT set_config('enable_nestloop', %s, true)", (nestloop["v"],))
        run(INSERT_PRODUCT_IMAGES)
        run(INSERT_CATEGORY_LINKS, {"facet_count": len(CATEGORY_FACETS)})
        run(INSERT_TAG_LINKS, _tag_link_params(len(ref["tags"])))
        for index in indexes:
            run(index["definition"])
        _restore_foreign_keys(conn, foreign_keys, run)
        run(DROP_HELPERS)
        counts = count_catalog(conn)

    # Fresh statistics, so the first page views plan for 100k rows, not 0:
    # the catalog's tables and those its triggers fill (variant combinations).
    run(sql.SQL("ANALYZE {}").format(
        sql.SQL(", ").join(sql.SQL(t) for t in filled)))
    return counts


def _tag_link_params(tag_count: int) -> dict:
    # Popular tags are a group of their own only when there are others.
    first = len(POPULAR_TAGS) if tag_count > len(POPULAR_TAGS) else 0
    rest = tag_count - first
    # Up to six tags from the rest: five strides must stay below its length.
    return {"first_count": first, "first_taken": 1 if first else 0, "rest_count": rest,
            "max_stride": (rest - 1) // 5}


def _set_aside_indexes(conn, tables: list[str]) -> list[dict]:
    """Drop the secondary indexes of these tables for the load; returns how to rebuild them.

    The drop is part of the load's transaction: readers wait for the commit
    (as they would for TRUNCATE) and a failed load puts every index back.
    """
    indexes = conn.execute(LIST_SECONDARY_INDEXES, {"tables": tables}).fetchall()
    if indexes:
        conn.execute(
            sql.SQL("DROP INDEX {}").format(
                sql.SQL(", ").join(sql.Identifier(i["schema"], i["name"]) for i in indexes)
            )
        )
    return indexes


def _set_aside_foreign_keys(conn, tables: list[str]) -> list[dict]:
    """Drop the foreign keys from and to these tables; returns how to add them back."""
    foreign_keys = conn.execute(LIST_FOREIGN_KEYS, {"tables": tables}).fetchall()
    for (schema, table), keys in _by_table(foreign_keys).items():
        conn.execute(
            sql.SQL("ALTER TABLE {} {}").format(
                sql.Identifier(schema, table),
                sql.SQL(", ").join(
                    sql.SQL("DROP CONSTRAINT {}").format(sql.Identifier(k["name"]))
                    for k in keys),
            )
        )
    return foreign_keys


def _restore_foreign_keys(conn, foreign_keys: list[dict], run) -> None:
    """Add the foreign keys back; PostgreSQL checks every row (one join per key)."""
    for (schema, table), keys in _by_table(foreign_keys).items():
        run(
            sql.SQL("ALTER TABLE {} {}").format(
                sql.Identifier(schema, table),
                sql.SQL(", ").join(
                    sql.SQL("ADD CONSTRAINT {} {}").format(
                        sql.Identifier(k["name"]), sql.SQL(k["definition"]))
                    for k in keys),
            )
        )


def _by_table(rows: list[dict]) -> dict[tuple[str, str], list[dict]]:
    grouped: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        grouped.setdefault((row["schema"], row["table_name"]), []).append(row)
    return grouped


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
