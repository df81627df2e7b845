"""Collections: the list with live product counts, create and edit (title, handle,
metadata), delete. Deleting a collection clears products.collection_id (DESIGN.md
decision 6).

The views are shared with tags and types (app/taxonomy/views.py).
"""

from flask import Blueprint

from ..taxonomy.trash import trash_kind
from ..taxonomy.views import TaxonomyViews
from ..trash.registry import register
from .forms import CollectionForm
from .queries import COLLECTIONS

bp = Blueprint("collections", __name__, url_prefix="/collections")

TaxonomyViews(COLLECTIONS, CollectionForm).register(bp)
register(trash_kind(COLLECTIONS))
