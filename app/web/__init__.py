"""What every blueprint shares: htmx-aware rendering, navigation, error pages."""

from .render import render_page, toast_trigger

__all__ = ["render_page", "toast_trigger"]
