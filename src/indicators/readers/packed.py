"""What a delivered file that is no text most likely is, from its first bytes, and the fix: a CSV
export compressed (``gzip``, ``7z``, …) and named ``.csv`` was "binary content (NUL bytes): not a
CSV export" or "unreadable header line (not cp1252)", neither naming the file's kind nor the fix. And whether
its text is UTF-16 or UTF-32 (:func:`wide_encoding`), which no CSV reader here takes."""

from __future__ import annotations

import io
import zipfile

# the first bytes of each kind of archive a CSV export arrives compressed in, and its name
# (report.reader_words has their Swedish names)
_ARCHIVES = (
    (b"\x1f\x8b", "gzip-compressed (.gz)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (.7z)"),
    (b"BZh", "bzip2-compressed (.bz2)"),
    (b"\xfd7zXZ\x00", "xz-compressed (.xz)"),
    (b"Rar!\x1a\x07", "a RAR archive (.rar)"),
    (b"(\xb5/\xfd", "zstd-compressed (.zst)"),
)
# a suffix that names such an archive (``x.csv.gz``), for a file whose name says so
ARCHIVE_SUFFIXES = {".gz": "a gzip-compressed file", ".7z": "a 7-Zip archive", ".bz2": "a bzip2-compressed file",
                    ".xz": "an xz-compressed file", ".rar": "a RAR archive", ".zst": "a zstd-compressed file",
                    ".zip": "a zip archive"}  # fmt: skip


def what_it_is(data: bytes) -> str | None:
    """What a file named ``.csv`` of these bytes is, and the fix, or None."""
    sample = data[:64]
    if sample.startswith(b"PK\x03\x04") and not _workbook(data):
        return (
            "a zip archive (not a workbook), not a CSV export: unpack it and deliver the export itself "
            "(.csv, .xlsx or .xml)"
        )
    if sample.startswith(b"PK\x03\x04"):
        return (
            "a zip archive (an XLSX workbook named .csv?), not a CSV export: name it .xlsx, or save it as CSV"
        )
    if sample.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE compound file
        return "a legacy .xls or password-protected workbook named .csv, not a CSV export: save it as CSV"
    for magic, kind in _ARCHIVES:
        if sample.startswith(magic):
            return f"{kind}, not a CSV export: unpack it and deliver the export itself (.csv, .xlsx or .xml)"
    if sample.startswith(b"%PDF-"):
        return "a PDF document, not a CSV export: deliver the export the system writes as CSV"
    return None


def _workbook(data: bytes) -> bool:
    """Whether a zip is an Office document (its directory names ``[Content_Types].xml``), or cannot be
    told (a zip cut short: taken for one, as before)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "[Content_Types].xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return True


def archive_named(suffix: str) -> str | None:
    """The reason for a file whose name ends in an archive's suffix (``.csv.gz``), or None."""
    kind = ARCHIVE_SUFFIXES.get(suffix)
    if kind is None:
        return None
    return f"{kind} ({suffix}), not an export: unpack it and deliver the export itself (.csv, .xlsx or .xml)"


def wide_encoding(sample: bytes) -> str | None:
    """``UTF-16`` or ``UTF-32`` when the sample is one of them (a byte order mark, or ASCII text
    with a NUL beside every character), else None."""
    if sample.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    head = sample[:4096]
    if len(head) < 4:
        return None
    for width in (4, 2):
        columns = [head[i::width] for i in range(width)]
        nul = [column.count(0) / max(len(column), 1) for column in columns]
        text = [share < 0.1 for share in nul]
        if sum(text) == 1 and all(share > 0.9 for share, t in zip(nul, text, strict=True) if not t):
            return f"UTF-{8 * width}"
    return None
