"""The exchange report against a generated mail history with known truth, in every format.

The history (``tests.reports_history``) is sent through the archive on every channel; the
documents rows are written afterwards, as extraction would, and ``report rebuild`` brings
the exchange log up to date. Every figure of every table is then compared with what the
plan says, in JSON, CSV, XLSX, HTML and the terminal table; the PNG is checked for size.
"""

from __future__ import annotations

import csv
import io
import json
import struct
import zlib
from decimal import ROUND_HALF_UP, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive.ingest import Archive
from archive.models import Document, Exchange, ExchangeDirty, Message
from cli.main import cli
from config import Settings
from gateway.wiring import open_archive
from reports.directory import AgencyNotFound, import_file
from reports.exchange_log import rebuild, refresh
from reports.model import Column
from reports.periods import parse_period
from reports.render.formatting import display, plain
from reports.report import ReportRequest, build_report
from reports.totals import import_totals
from reports.working_days import Calendar
from tests import reports_history as H
from tests.conftest import cli_env
from tests.reports_data import COMMUNE, DISTRICT, STTTT, write_directory

PERIOD = parse_period("2024Q1")
ONLINE_TARGET = {"province": 100.0, "department": 100.0, "district": 95.0, "commune": 75.0}
COLUMNS = {
    "exchange": [
        "sent", "sent_prev", "sent_change", "received", "received_prev", "received_change",
        "internal",
    ],
    "electronic": [
        "total_sent", "total_source", "electronic", "electronic_share", "electronic_target",
        "fully_electronic", "fully_electronic_share",
    ],
    "received": [
        "received", "received_total", "received_share", "records", "records_online",
        "online_share", "online_target",
    ],
    "signatures": [
        "documents", "scanned", "scanned_share", "scanned_max", "signed", "signed_share",
        "signed_target", "valid", "valid_share",
    ],
    "late": ["timed", "late", "late_share", "max_delay"],
}  # fmt: skip
PERCENT = {
    "sent_change", "received_change", "electronic_share", "electronic_target",
    "fully_electronic_share", "received_share", "online_share", "online_target",
    "scanned_share", "scanned_max", "signed_share", "signed_target", "valid_share", "late_share",
}  # fmt: skip
# Sở TT&TT got its new code on 2024-07-01; reports for 2024Q1 show the code valid then.
CODE_THEN = {STTTT: "000.00.05.H43"}
SOURCE_VI = {
    "register": "sổ đăng ký",
    "estimate": "ước tính",
    "register+estimate": "sổ đăng ký + ước tính",
}


@pytest.fixture
def history(settings: Settings, tmp_path: Path):
    archive = open_archive(settings)
    with archive.sessions() as session, session.begin():
        assert import_file(session, write_directory(tmp_path / "agencies.csv")).applied
        totals = tmp_path / "totals.csv"
        totals.write_text(H.REGISTERS.csv())
        assert import_totals(session, totals).applied
    letters = H.generate()
    H.ingest(archive, letters)
    yield archive, letters
    archive.close()


def _log(archive: Archive) -> list[tuple]:
    with archive.sessions() as session:
        rows = session.execute(select(Exchange).order_by(Exchange.message_id, Exchange.id))
        return [
            tuple(
                getattr(e, c.key)
                for c in Exchange.__table__.columns
                if c.key not in ("id", "built_at")
            )
            for (e,) in rows
        ]


def test_every_message_is_logged_and_rebuild_picks_up_documents(history, settings) -> None:
    archive, letters = history
    with archive.sessions() as session:
        messages = session.scalar(select(func.count()).select_from(Message))
        logged = session.scalar(select(func.count(func.distinct(Exchange.message_id))))
        channels = set(session.scalars(select(Exchange.channel).distinct()))
        before = session.scalar(select(func.sum(Exchange.documents)))
    assert messages == logged == len(letters)
    assert channels == {"smtp", "imap", "import"}
    assert before == 0  # the hook ran before extraction wrote the documents rows
    calendar = Calendar.from_settings(settings.reports)
    rebuild(archive.sessions, calendar)
    first = _log(archive)
    rebuild(archive.sessions, calendar)
    assert _log(archive) == first  # idempotent
    expected_docs = sum(
        len([d for d in letter.docs if d.official and d.extracted]) for letter in letters
    )
    with archive.sessions() as session:
        sent = session.scalar(
            select(func.sum(Exchange.documents)).where(Exchange.send_row.is_(True))
        )
    assert sent == expected_docs
    # Seeing a message again through another channel changes nothing in the log.
    archive.ingest(H.message_bytes(letters[0]), H.Source("imap", "again"))
    assert _log(archive) == first


def _report(archive: Archive, settings: Settings, **kw):
    rebuild(archive.sessions, Calendar.from_settings(settings.reports))
    return build_report(archive.sessions, settings.reports, ReportRequest(period=PERIOD, **kw))


def _expected_tables(letters, by: str = "agency") -> dict[str, dict[str, dict]]:
    """table key → group → column → expected value (targets added as configured)."""
    truth = H.expected(letters, PERIOD.months, by)
    tables: dict[str, dict[str, dict]] = {key: {} for key in COLUMNS}
    for group, row in truth.items():
        level = H.LEVEL.get(group) if by == "agency" else group if by == "level" else None
        row = row | {
            "electronic_target": 80.0,
            "scanned_max": 50.0,
            "signed_target": None,
            "online_target": ONLINE_TARGET.get(level) if group != "total" else None,
        }
        for key, columns in COLUMNS.items():
            tables[key][CODE_THEN.get(group, group)] = {c: row[c] for c in columns}
    return tables


def _same(actual, expected, where: str) -> None:
    if isinstance(expected, float) and actual is not None:
        assert actual == pytest.approx(expected, abs=1e-9), where
    else:
        assert actual == expected, where


def _check_rows(rows: list[dict], expected: dict[str, dict], table: str) -> None:
    by_group = {r["group"]: r for r in rows}
    assert set(by_group) == set(expected), table
    for group, values in expected.items():
        for column, value in values.items():
            _same(by_group[group][column], value, f"{table} {group} {column}")


@pytest.mark.parametrize("by", ["agency", "month", "level"])
def test_every_figure_matches_the_truth(history, settings, by: str) -> None:
    archive, letters = history
    report = _report(archive, settings, by=by)
    for key, expected in _expected_tables(letters, by).items():
        _check_rows(report.table(key).rows, expected, key)
    violations = {(r["group"], r["action"], r["rule"]): r for r in report.table("violations").rows}
    if by == "agency":
        truth = {
            (CODE_THEN.get(code, code), action, rule): counts
            for (code, action, rule), counts in H.expected_violations(
                letters, PERIOD.months
            ).items()
        }
        assert set(violations) == set(truth)
        for key, counts in truth.items():
            assert {k: violations[key][k] for k in counts} == counts, key
    assert report.estimated
    assert any("ước tính" in note.lower() for note in report.notes)
    lost = H.unattributed(letters, PERIOD.months)
    assert lost and any(note.startswith(f"{lost} thư") for note in report.notes)


def test_the_hook_path_keeps_the_monthly_sums_fresh(history, settings) -> None:
    """No rebuild: the hook's refresh marks months, the next report sums them again."""
    archive, letters = history
    calendar = Calendar.from_settings(settings.reports)
    with archive.sessions() as session:
        ids = list(session.scalars(select(Message.id).order_by(Message.id)))
    request = ReportRequest(period=PERIOD)
    empty = build_report(archive.sessions, settings.reports, request)  # before extraction
    assert next(r for r in empty.table("exchange").rows if r["group"] == "total")["sent"] == 0
    refresh(archive.sessions, ids[:40], calendar)
    refresh(archive.sessions, ids[40:], calendar)
    report = build_report(archive.sessions, settings.reports, request)
    for key, expected in _expected_tables(letters).items():
        _check_rows(report.table(key).rows, expected, key)
    # One document turns out to be a scan (OCR ran later): only its months change.
    letter = next(
        x for x in letters
        if x.month in PERIOD.months and H.agency_of(x.sender)
        and any(d.official and d.extracted and not d.scanned for d in x.docs)
        and ({H.agency_of(r) for r in x.recipients} - {H.agency_of(x.sender)})
    )  # fmt: skip
    doc = next(d for d in letter.docs if d.official and d.extracted and not d.scanned)
    with archive.sessions() as session, session.begin():
        session.get(Document, doc.sha256).scanned = True
        message_id = session.scalar(
            select(Message.id).where(Message.message_id == f"<letter-{letter.key}@test.gov.vn>")
        )
    doc.scanned = True
    refresh(archive.sessions, [message_id], calendar)
    with archive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExchangeDirty)) > 0
    report = build_report(archive.sessions, settings.reports, request)
    for key, expected in _expected_tables(letters).items():
        _check_rows(report.table(key).rows, expected, key)
    with archive.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ExchangeDirty)) == 0


def test_agency_filter_takes_the_agency_and_its_units(history, settings) -> None:
    archive, letters = history
    report = _report(archive, settings, agency="H43.20")
    groups = {r["group"] for r in report.table("exchange").rows}
    assert groups == {DISTRICT, COMMUNE, "total"}
    truth = H.expected(letters, PERIOD.months, "agency")
    for code in (DISTRICT, COMMUNE):
        row = next(r for r in report.table("exchange").rows if r["group"] == code)
        assert (row["sent"], row["received"]) == (truth[code]["sent"], truth[code]["received"])
    total = next(r for r in report.table("exchange").rows if r["group"] == "total")
    assert total["sent"] == truth[DISTRICT]["sent"] + truth[COMMUNE]["sent"]
    level = _report(archive, settings, level="commune")
    assert {r["group"] for r in level.table("exchange").rows} == {COMMUNE, "total"}


def test_an_agency_may_be_named_by_its_mail_domain(history, settings) -> None:
    """A clerk's web account names its agency by domain (``users add --agency``)."""
    archive, _letters = history
    by_code = _report(archive, settings, agency="H43.20").table("exchange").rows
    for named in (
        "ninhhai.ninhthuan.gov.vn",
        "NinhHai.NinhThuan.gov.vn.",
        "x@ninhhai.ninhthuan.gov.vn",
    ):
        assert _report(archive, settings, agency=named).table("exchange").rows == by_code
    with pytest.raises(AgencyNotFound, match="mail domains"):
        _report(archive, settings, agency="khanhhoa.gov.vn")


# -- every format -----------------------------------------------------------------------


def _one_decimal(value: float) -> str:
    """Half up, as a person rounds the decimal number (55.55 → 55.6, 46.25 → 46.3)."""
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _vn(value, column: str) -> str:
    """How a person reads the value: 1.234 and 55,6; a dash for nothing."""
    if value is None:
        return "—"
    if column == "total_source":
        return SOURCE_VI[value]
    if column in PERCENT:
        return _one_decimal(value).replace(".", ",")
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def _csv_cell(value, column: str) -> str:
    if value is None:
        return ""
    if column in PERCENT:
        return _one_decimal(value)
    return str(value)


@pytest.fixture
def run(settings: Settings):
    env = cli_env(settings, GOVMAIL_REPORTS__CHART_WIDTH="900", GOVMAIL_REPORTS__CHART_HEIGHT="700")
    runner = CliRunner(env=env)

    def _run(*args: str, code: int = 0):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return _run


def test_every_format_carries_every_figure(history, run, tmp_path: Path) -> None:
    _archive, letters = history
    assert json.loads(run("report", "rebuild", "--json").stdout)["messages"] == len(letters)
    expected = _expected_tables(letters)
    base = ("report", "--period", "2024Q1")

    data = json.loads(run(*base, "--json").stdout)
    for key, rows in expected.items():
        _check_rows(data["tables"][key]["rows"], rows, f"json {key}")
    assert data["estimated"] is True

    text = run(*base, "--format", "csv").stdout
    assert "ước tính" in text and ",estimate," in text
    for key, rows in _parse_csv(text).items():
        if key in expected:
            _check_text(rows, expected[key], _csv_cell, f"csv {key}")
    alone = list(
        csv.DictReader(
            io.StringIO(run(*base, "--format", "csv", "--table", "late").stdout.lstrip("\ufeff"))
        )
    )
    _check_text(alone, expected["late"], _csv_cell, "csv --table late")

    xlsx = tmp_path / "r.xlsx"
    run(*base, "--format", "xlsx", "--out", str(xlsx))
    _check_xlsx(xlsx, expected)

    html = tmp_path / "r.html"
    run(*base, "--format", "html", "--out", str(html))
    page = html.read_text(encoding="utf-8")
    parser = _Tables()
    parser.feed(page)
    for key, rows in expected.items():
        _check_text(parser.tables[key], rows, _vn, f"html {key}")
    assert "ước tính" in page and 'src="data:image/png;base64,' in page

    table = tmp_path / "r.txt"
    run(*base, "--format", "table", "--out", str(table))
    _check_terminal(table.read_text(encoding="utf-8"), expected)

    png = tmp_path / "r.png"
    run(*base, "--format", "png", "--out", str(png))
    width, height, texts = _png_info(png.read_bytes())
    assert (width, height) == (900, 700)
    assert "Ước tính" in texts.get("Description", "")


def _parse_csv(text: str) -> dict[str, list[dict[str, str]]]:
    tables, current, header = {}, None, None
    for cells in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if not cells:
            current = header = None
        elif cells[0].startswith("## "):
            current, header = cells[0][3:], None
            tables[current] = []
        elif current and header is None:
            header = cells
        elif current:
            tables[current].append(dict(zip(header, cells, strict=True)))
    return tables


def _check_text(rows: list[dict[str, str]], expected: dict[str, dict], fmt, where: str) -> None:
    # People's formats leave the total row's code empty (its name says "Tổng cộng").
    by_group = {r["group"] or "total": r for r in rows}
    assert set(by_group) == set(expected), where
    for group, values in expected.items():
        for column, value in values.items():
            assert by_group[group][column] == fmt(value, column), f"{where} {group} {column}"


def _check_xlsx(path: Path, expected: dict[str, dict[str, dict]]) -> None:
    from openpyxl import load_workbook

    from reports.render.xlsx_out import INFO_SHEET, SHEETS

    book = load_workbook(path)
    assert book.sheetnames == [INFO_SHEET, *SHEETS.values()]
    notes = " ".join(str(c.value) for row in book[INFO_SHEET].iter_rows() for c in row)
    assert "Ước tính" in notes
    for key, rows in expected.items():
        sheet = book[SHEETS[key]]
        values = list(sheet.iter_rows(values_only=True))
        labels = values[0]
        report_columns = ["group", "name", *COLUMNS[key]]
        assert len(labels) == len(report_columns)
        found = {
            row[0] or "total": dict(zip(report_columns, row, strict=True)) for row in values[1:]
        }
        assert set(found) == set(rows), key
        for group, columns in rows.items():
            for column, value in columns.items():
                cell = found[group][column]
                if column == "total_source" and value is not None:
                    value = SOURCE_VI[value]
                _same(cell, value, f"xlsx {key} {group} {column}")


class _Tables(HTMLParser):
    """Rows of every <table data-table=…>, keyed by the columns' data-key."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.keys: list[str] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.current = ""

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "table":
            self.current, self.keys = attrs["data-table"], []
            self.tables[self.current] = []
        elif tag == "th":
            self.keys.append(attrs["data-key"])
        elif tag == "tr":
            self.row = []
        elif tag == "td":
            self.cell = []

    def handle_data(self, data) -> None:
        if self.cell is not None:
            self.cell.append(data)

    def handle_endtag(self, tag) -> None:
        if tag == "td":
            self.row.append("".join(self.cell))
            self.cell = None
        elif tag == "tr" and self.row:
            self.tables[self.current].append(dict(zip(self.keys, self.row, strict=True)))
            self.row = None


def _check_terminal(text: str, expected: dict[str, dict[str, dict]]) -> None:
    """Each table's rows, read back from the box-drawn text by column position."""
    blocks = {key: [] for key in expected}
    order = ["exchange", "electronic", "received", "signatures", "late", "violations"]
    index = -1
    for line in text.splitlines():
        if line.startswith("┏"):
            index += 1
        elif line.startswith("│") and order[index] in blocks:
            blocks[order[index]].append([c.strip() for c in line.strip("│").split("│")])
    for key, lines in blocks.items():
        rows = [dict(zip(["group", "name", *COLUMNS[key]], cells, strict=True)) for cells in lines]
        _check_text(rows, expected[key], _vn, f"table {key}")


def _png_info(data: bytes) -> tuple[int, int, dict[str, str]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, texts, size = 8, {}, None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        assert (
            zlib.crc32(kind + body)
            == struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        )
        if kind == b"IHDR":
            size = struct.unpack(">II", body[:8])
        elif kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            value = rest[2:].split(b"\0", 2)[2]
            texts[key.decode("latin-1")] = value.decode("utf-8")
        pos += 12 + length
    assert size is not None
    return size[0], size[1], texts


def test_shares_round_halves_up_in_every_format() -> None:
    share = Column("s", "Tỷ lệ (%)", "percent")
    # 37 of 80 is 46.25 %; 55.55 is stored as 55.5499…: people (and Excel's 0.0) read
    # 46,3 and 55,6, not the banker's rounding of the binary float (46,2 and 55,5).
    assert [display(v, share) for v in (37 * 100 / 80, 55.55, -12.25)] == ["46,3", "55,6", "-12,3"]
    assert [plain(v, share) for v in (37 * 100 / 80, 55.55, 0.625)] == ["46.3", "55.6", "0.6"]
    assert (display(None, share), plain(None, share)) == ("—", "")
