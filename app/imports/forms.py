from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length

from ..web.files import clean_filename

MAX_PASTE = 5 * 1024 * 1024


class UploadForm(FlaskForm):
    """A CSV file, or rows pasted from a spreadsheet: one of the two."""

    file = FileField("CSV file", description="Comma, semicolon or tab separated; UTF-8 "
                     "(with or without BOM) or Windows-1252. Up to 20 MB.")
    text = TextAreaField("Or paste the rows", validators=[Length(max=MAX_PASTE)],
                         description="Copy the cells from a spreadsheet, the header row "
                                     "first, and paste them here.")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        has_file = bool(self.file.data and getattr(self.file.data, "filename", ""))
        if ok and not has_file and not (self.text.data or "").strip():
            self.file.errors.append("Choose a CSV file, or paste the rows below.")
            return False
        if ok and has_file and (self.text.data or "").strip():
            self.text.errors.append("Upload a file or paste rows, not both.")
            return False
        return ok

    def content(self) -> tuple[str, bytes | str]:
        """(file name, content) of what was sent."""
        if self.file.data and self.file.data.filename:
            return clean_filename(self.file.data.filename, "upload.csv"), self.file.data.read()
        return "pasted rows", self.text.data


class ApplyForm(FlaskForm):
    """Apply a previewed import: all of it, or the valid rows only (the button says which)."""

    mode = HiddenField()
