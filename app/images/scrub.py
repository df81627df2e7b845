"""Uploaded files without what the camera wrote about the person who took them.

A phone's photo carries EXIF (where it was taken, to a few metres; the device's
serial number; the owner's name), often XMP and IPTC too. Product images are
published on the shop, so an upload is stored without them. Nothing is decoded
and encoded again: the file's own segments or chunks are copied, less the
metadata, so the pixels are exactly those uploaded. What the image needs to look
right is kept: the colour profile, and the EXIF orientation (rewritten as the only
EXIF field) that tells a browser to turn a photo taken on its side.

A file laid out in a way these copies do not expect is returned as it was (it
has passed Pillow's checks already); the tests pin what each format gives.
"""

import io

from PIL import Image

ORIENTATION = 0x0112


def scrub(data: bytes, image_format: str, orientation: int | None) -> bytes:
    """data without its private metadata; orientation: the EXIF orientation to keep."""
    copy = {"JPEG": lambda: _jpeg(data, orientation), "PNG": lambda: _png(data),
            "WEBP": lambda: _webp(data)}.get(image_format, lambda: None)()
    if copy is None or copy == data:
        return data
    try:  # the copy must still be the whole picture
        with Image.open(io.BytesIO(copy), formats=[image_format]) as image:
            image.load()
    except (OSError, SyntaxError, ValueError, EOFError):
        return data
    return copy


# --- JPEG: marker segments ---------------------------------------------------------

APP0, APP1, APP2, APP13, SOS = 0xE0, 0xE1, 0xE2, 0xED, 0xDA


def _jpeg(data: bytes, orientation: int | None) -> bytes | None:
    if data[:2] != b"\xff\xd8":
        return None
    out = []
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == SOS:
            # The scans, to the first image's end. What follows it (a multi-picture
            # file's other pictures, each with EXIF of its own) is left out.
            end = data.find(b"\xff\xd9", i)
            if end < 0:
                return None
            if orientation and orientation != 1:
                exif = Image.Exif()
                exif[ORIENTATION] = orientation
                payload = exif.tobytes()
                # EXIF goes first, or after the JFIF segment where there is one.
                at = 1 if out and out[0][1] == APP0 else 0
                out.insert(at, b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload)
            return b"\xff\xd8" + b"".join(out) + data[i:end + 2]
        length = int.from_bytes(data[i + 2:i + 4], "big")
        segment = data[i:i + 2 + length]
        payload = segment[4:]
        private = (
            marker in (APP1, APP13)  # EXIF, XMP; IPTC and Photoshop's resources
            or (marker == APP2 and payload.startswith(b"MPF\x00"))  # the other pictures' index
        )
        if not private:
            out.append(segment)
        i += 2 + length
    return None


# --- PNG: chunks -------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_PRIVATE = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def _png(data: bytes) -> bytes | None:
    if not data.startswith(PNG_SIGNATURE):
        return None
    out, i = [PNG_SIGNATURE], len(PNG_SIGNATURE)
    while i + 12 <= len(data):
        length = int.from_bytes(data[i:i + 4], "big")
        kind = data[i + 4:i + 8]
        chunk = data[i:i + 12 + length]
        if kind not in PNG_PRIVATE:
            out.append(chunk)
        i += 12 + length
        if kind == b"IEND":
            return b"".join(out)
    return None


# --- WebP: RIFF chunks -------------------------------------------------------------

VP8X_EXIF, VP8X_XMP = 0x08, 0x04


def _webp(data: bytes) -> bytes | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunks, i = [], 12
    while i + 8 <= len(data):
        kind = data[i:i + 4]
        size = int.from_bytes(data[i + 4:i + 8], "little")
        chunk = data[i:i + 8 + size + (size & 1)]  # chunks are padded to even sizes
        if kind == b"VP8X":
            flags = chunk[8] & ~(VP8X_EXIF | VP8X_XMP)
            chunk = chunk[:8] + bytes([flags]) + chunk[9:]
        if kind not in (b"EXIF", b"XMP "):
            chunks.append(chunk)
        i += 8 + size + (size & 1)
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + len(body).to_bytes(4, "little") + body
