from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..web.fields import image_address
from ..web.urls import stored_image_url
from .uploads import FILE_LIMIT, KINDS_TEXT, MAX_FILES, UploadRefused, inspect, megabytes

MAX_URLS = 50
UPLOAD_HINT = (f"JPEG, PNG, WebP or GIF; at most {megabytes(FILE_LIMIT).replace('.0', '')} "
               "each.")


def chosen_files(field) -> list:
    """The files actually chosen (a browser sends one empty part for an empty input)."""
    return [f for f in (field.data or []) if f and getattr(f, "filename", "")]


def read_upload(storage):
    """The upload from a FileStorage, read at most one byte past the limit."""
    data = storage.stream.read(FILE_LIMIT + 1)
    return inspect(storage.filename, data)


class ImageAddForm(FlaskForm):
    """Add images to a product: addresses, files, or both, all or nothing."""

    urls = TextAreaField(
        "Image URLs",
        description=f"One http:// or https:// address per line, up to {MAX_URLS} at once. "
                    "The images stay where they are; Catalog only links to them.")
    files = MultipleFileField("Upload files", description=UPLOAD_HINT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.url_list: list[str] = []
        self.uploads: list = []

    def validate_urls(self, field):
        lines = [line.strip() for line in (field.data or "").splitlines()]
        numbered = [(n, line) for n, line in enumerate(lines, start=1) if line]
        if len(numbered) > MAX_URLS:
            raise ValidationError(f"That is {len(numbered)} addresses; add at most {MAX_URLS} "
                                  "at once.")
        urls, problems = [], []
        for n, line in numbered:
            try:
                urls.append(stored_image_url(line))
            except ValueError as problem:
                shown = line if len(line) <= 80 else line[:77] + "…"
                problems.append(f"Line {n} (“{shown}”): {problem}")
        if problems:
            raise ValidationError(" ".join(problems[:5]) + (
                f" And {len(problems) - 5} more lines." if len(problems) > 5 else ""))
        self.url_list = list(dict.fromkeys(urls))

    def validate_files(self, field):
        files = chosen_files(field)
        if len(files) > MAX_FILES:
            raise ValidationError(f"That is {len(files)} files; upload at most {MAX_FILES} "
                                  "at once.")
        uploads, problems = [], []
        for storage in files:
            try:
                uploads.append(read_upload(storage))
            except UploadRefused as refused:
                problems.append(str(refused))
        if problems:
            raise ValidationError(" ".join(problems) + f" Upload {KINDS_TEXT}.")
        self.uploads = uploads

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if not self.url_list and not self.uploads:
            self.urls.errors = ["Paste at least one image address, or choose files to upload."]
            return False
        return True


class CategoryImageForm(FlaskForm):
    """A category's one image: an address or a file."""

    image_url = StringField("Image URL")
    file = FileField("Or upload a file", description=UPLOAD_HINT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.upload = None

    def validate_image_url(self, field):
        image_address(self, field)

    def validate_file(self, field):
        if field.data and getattr(field.data, "filename", ""):
            try:
                self.upload = read_upload(field.data)
            except UploadRefused as refused:
                raise ValidationError(f"{refused} Upload {KINDS_TEXT}.") from None

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators):
            return False
        if self.image_url.data and self.upload:
            self.image_url.errors = ["Give an address or a file, not both."]
            return False
        if not self.image_url.data and not self.upload:
            self.image_url.errors = ["Paste the image’s web address, or choose a file."]
            return False
        return True


def id_list(label):
    return SelectMultipleField(label, choices=[], validate_choice=False)


class ImageOrderForm(FlaskForm):
    ids = id_list("Order")


class VariantImagesForm(FlaskForm):
    """Which of the listed variants show an image, and which use it as their thumbnail."""

    listed = id_list("Variants on the page")
    shown = id_list("Shows this image")
    thumbnail = id_list("Thumbnail")

