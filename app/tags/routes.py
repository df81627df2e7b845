"""Tags: the list with live product counts, inline create and rename, merge, delete.

The views are shared with collections and types (app/taxonomy/views.py).
"""

from flask import Blueprint

from ..taxonomy.trash import trash_kind
from ..taxonomy.views import TaxonomyViews
from ..trash.registry import register
from .forms import TagForm
from .queries import TAGS

bp = Blueprint("tags", __name__, url_prefix="/tags")

TaxonomyViews(TAGS, TagForm).register(bp)
register(trash_kind(TAGS))
