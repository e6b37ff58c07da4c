"""Reading and writing the CSV and XLSX files people keep their lists in."""

import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell

from .errors import DomainError


@dataclass
class Table:
    rows: list[dict[str, str]]  # each row also has "_line": its line number in the file
    errors: list[tuple[int, str]] = field(default_factory=list)


def _decode(data: bytes) -> str:
    # Excel on Chinese Windows saves CSV as GB18030 unless told otherwise.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(_("The file is not readable text. Please save it as CSV (UTF-8) or XLSX."), field="file")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# A text cell starting with one of these is a formula to a spreadsheet (=HYPERLINK(…), +cmd|…, @SUM…).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value):
    """What a CSV cell holds: text that a spreadsheet would run as a formula gets a leading apostrophe
    (shown as text; read_table takes it off again). Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _unquoted(text: str) -> str:
    """A cell as written by to_csv: without the apostrophe put before a would-be formula."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def read_table(filename: str, data: bytes, columns: tuple[str, ...]) -> Table:
    """Rows of a .csv or .xlsx file whose header names exactly `columns` (in any order)."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception:  # openpyxl raises many kinds for a damaged file
            raise DomainError(_("The XLSX file could not be opened."), field="file") from None
        raw = ([_cell(c) for c in row] for row in sheet.iter_rows(values_only=True))
    elif name.endswith(".csv"):
        raw = ([_unquoted(c.strip()) for c in row] for row in csv.reader(io.StringIO(_decode(data))))
    else:
        raise DomainError(_("Please upload a .csv or .xlsx file."), field="file")
    header = [h.lower() for h in next(raw, [])]
    while header and header[-1] == "":
        header.pop()
    missing = [c for c in columns if c not in header]
    if missing:
        raise DomainError(
            _(
                "The first row must name the columns %(columns)s; missing: %(missing)s.",
                columns=",".join(columns),
                missing=",".join(missing),
            ),
            field="file",
        )
    index = {c: header.index(c) for c in columns}
    rows = []
    for line, values in enumerate(raw, start=2):
        if not any(values):
            continue
        row = {c: (values[i] if i < len(values) else "") for c, i in index.items()}
        row["_line"] = line
        rows.append(row)
    if not rows:
        raise DomainError(_("The file has no rows below the header."), field="file")
    return Table(rows=rows)


def to_csv(columns: tuple[str, ...], rows) -> bytes:
    """CSV that Excel opens with the Chinese intact (UTF-8 with a byte-order mark)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([_csv_text(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx_cell(sheet, value):
    """Text starting with "=" would be written as a formula: keep it text."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def to_xlsx(columns: tuple[str, ...], rows) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(columns))
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stash(instance_path: str, filename: str, data: bytes, owner_id: int | None) -> str:
    """Keep an uploaded file between its preview and the confirmation."""
    import json
    import secrets
    from pathlib import Path

    folder = Path(instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16)
    (folder / f"{token}.bin").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"filename": filename, "owner": owner_id}))
    return token


def unstash(instance_path: str, token: str, owner_id: int | None) -> tuple[str, bytes]:
    import json
    from pathlib import Path

    folder = Path(instance_path) / "imports"
    if not token.isalnum() or not (folder / f"{token}.json").exists():
        raise DomainError(_("This upload has expired. Please upload the file again."), field="file")
    meta = json.loads((folder / f"{token}.json").read_text())
    if meta["owner"] != owner_id:
        raise DomainError(_("This upload has expired. Please upload the file again."), field="file")
    return meta["filename"], (folder / f"{token}.bin").read_bytes()


def discard(instance_path: str, token: str) -> None:
    from pathlib import Path

    for suffix in (".bin", ".json"):
        (Path(instance_path) / "imports" / f"{token}{suffix}").unlink(missing_ok=True)
