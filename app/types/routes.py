"""Product types: the list with live product counts, inline create and rename, merge,
delete. Deleting a type clears products.type_id (DESIGN.md decision 6).

The views are shared with collections and tags (app/taxonomy/views.py).
"""

from flask import Blueprint

from ..taxonomy.trash import trash_kind
from ..taxonomy.views import TaxonomyViews
from ..trash.registry import register
from .forms import TypeForm
from .queries import TYPES

bp = Blueprint("types", __name__, url_prefix="/types")

TaxonomyViews(TYPES, TypeForm).register(bp)
register(trash_kind(TYPES))
