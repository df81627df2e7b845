"""Uploaded image files: what they really are (Pillow decides, not the name or the
declared type), stored without the camera's metadata (scrub.py), and a small
preview for the grid.

Nothing here touches the database or the storage: `inspect()` turns bytes into
an `Upload` or raises `UploadRefused` with a message for staff, and
`store()` writes an upload and its preview through a storage.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from ..web.files import clean_filename
from .scrub import ORIENTATION, scrub

FILE_LIMIT = 10 * 1024 * 1024  # bytes per file
MAX_FILES = 20  # files per upload
# A small file can decode to a huge bitmap (a "decompression bomb"); Pillow's own
# limit is ~179 megapixels, far more than a product photo needs.
PIXEL_LIMIT = 50_000_000
PREVIEW_SIZE = 480  # the preview's longer side, in pixels

# Pillow format -> (file extension, content type). Only these are accepted.
FORMATS = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}
KINDS_TEXT = "a JPEG, PNG, WebP or GIF image"


class UploadRefused(ValueError):
    """The file is not an image we take; str() is the message for staff."""


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes
    format: str
    width: int
    height: int
    sha256: str

    @property
    def extension(self) -> str:
        return FORMATS[self.format][0]

    @property
    def content_type(self) -> str:
        return FORMATS[self.format][1]

    @property
    def key(self) -> str:
        """The storage key: by content, in 256 folders so none grows huge."""
        return f"{self.sha256[:2]}/{self.sha256}.{self.extension}"

    @property
    def preview_key(self) -> str:
        return f"{self.sha256[:2]}/{self.sha256}-{PREVIEW_SIZE}.webp"


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def inspect(filename: str | None, data: bytes) -> Upload:
    """The upload, if Pillow reads data as a whole JPEG, PNG, WebP or GIF image."""
    name = clean_filename(filename)
    if not data:
        raise UploadRefused(f"“{name}” is empty.")
    if len(data) > FILE_LIMIT:
        raise UploadRefused(f"“{name}” is {megabytes(len(data))}; the limit is "
                            f"{megabytes(FILE_LIMIT)} per file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                # A phone's multi-picture JPEG (MPO) is a JPEG: stored and served as one.
                image_format = "JPEG" if image.format == "MPO" else image.format
                width, height = image.size
                if width * height > PIXEL_LIMIT:
                    raise UploadRefused(
                        f"“{name}” is {width:,} × {height:,} pixels; the limit is "
                        f"{PIXEL_LIMIT // 1_000_000} megapixels.")
                image.verify()  # the whole file, not only its header
            # verify() leaves the image unusable; decoding proves the pixels are there.
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                image.load()
                orientation = image.getexif().get(ORIENTATION)
    except UploadRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRefused(f"“{name}” has too many pixels; the limit is "
                            f"{PIXEL_LIMIT // 1_000_000} megapixels.") from None
    except UnidentifiedImageError:
        raise UploadRefused(f"“{name}” is not {KINDS_TEXT}.") from None
    except (OSError, SyntaxError, ValueError, EOFError, KeyError, IndexError):
        raise UploadRefused(f"“{name}” looks like an image but is damaged or cut short; "
                            "it could not be read.") from None
    data = scrub(data, image_format, orientation)
    return Upload(filename=name, data=data, format=image_format, width=width, height=height,
                  sha256=hashlib.sha256(data).hexdigest())


def make_preview(upload: Upload) -> bytes:
    """A WebP at most PREVIEW_SIZE on its longer side, turned the way the camera held it."""
    with Image.open(io.BytesIO(upload.data), formats=[upload.format]) as image:
        image.seek(0)  # an animated GIF or WebP: its first frame
        frame = ImageOps.exif_transpose(image)
        frame = frame.convert("RGBA" if _has_alpha(frame) else "RGB")
        frame.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
        out = io.BytesIO()
        frame.save(out, format="WEBP", quality=80, method=4)
    return out.getvalue()


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info)


def store(storage, upload: Upload) -> dict:
    """Write the file and its preview; the image's URL and its metadata."""
    storage.save(upload.key, upload.data, upload.content_type)
    if not storage.exists(upload.preview_key):
        storage.save(upload.preview_key, make_preview(upload), "image/webp")
    return {
        "url": storage.url(upload.key),
        "metadata": {
            "source": "upload",
            "filename": upload.filename,
            "content_type": upload.content_type,
            "bytes": len(upload.data),
            "width": upload.width,
            "height": upload.height,
            "sha256": upload.sha256,
            "preview": storage.url(upload.preview_key),
        },
    }
