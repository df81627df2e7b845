"""Compressed responses (Flask-Compress): pages, fragments, CSS and JavaScript.

The big pages are big (the 2,000-category tree is ~2 MB of HTML, a 100-row
variant grid ~0.8 MB) and compress 15–25×. Compressing costs CPU on the same
two cores that render, so the levels are low, measured on those pages:

- zstd level 1 first (current Chromium and Firefox accept it): the 2 MB tree
  in ~2 ms to 113 KB, 3–5× cheaper than gzip at any level and smaller;
- gzip level 3 for the others: ~6.5 ms to 133 KB, within 10% of level 1's
  time and 15–25% smaller (level 6 doubles the time for 10% less);
- nothing under 1 KB (htmx swaps of a row or a toast gain nothing);
- no brotli: quality 4 costs what gzip 6 does, quality 1 loses to zstd 1.

Only 2xx responses are compressed (the library's rule): a refused form (422)
is small. Streamed responses (static files) use zstd or deflate, compressed
as they stream. The test client asks for no compression, so tests read plain
HTML; a browser gets `Content-Encoding` and `Vary: Accept-Encoding`.
"""

from flask_compress import Compress

SETTINGS = {
    "COMPRESS_ALGORITHM": ["zstd", "gzip"],
    "COMPRESS_ALGORITHM_STREAMING": ["zstd", "deflate"],
    "COMPRESS_ZSTD_LEVEL": 1,
    "COMPRESS_LEVEL": 3,
    "COMPRESS_DEFLATE_LEVEL": 3,
    "COMPRESS_MIN_SIZE": 1024,
    "COMPRESS_MIMETYPES": ["text/html", "text/css", "text/javascript",
                           "application/javascript", "application/json", "image/svg+xml"],
}


def init_app(app) -> None:
    """Call before other after_request handlers are registered: Flask runs them in
    reverse order, so compression runs last, on the finished response."""
    for key, value in SETTINGS.items():
        app.config.setdefault(key, value)
    Compress(app)
