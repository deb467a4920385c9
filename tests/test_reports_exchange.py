"""Exchange rows of one message (pure), register totals import, report command errors."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from archive.models import RegisterTotal
from cli.main import cli
from config import Settings
from reports.attribution import Directory
from reports.exchange import DocFacts, MessageFacts, build_rows
from reports.periods import PeriodError, parse_period
from reports.totals import import_totals
from reports.working_days import Calendar
from tests.conftest import cli_env
from tests.reports_data import write_directory

P, T, C = 1, 2, 3  # province, Sở TT&TT, Sở Tài chính
DIRECTORY = Directory(
    addresses={"sotttt@ninhthuan.gov.vn": T},
    domains={"ninhthuan.gov.vn": P, "stttt.ninhthuan.gov.vn": T, "stc.ninhthuan.gov.vn": C},
    notations={P: "UBND", T: "STTTT", C: "STC"},
)
SENT = datetime(2024, 3, 12, 3, 0, tzinfo=UTC)  # 10:00 in Hà Nội, a Tuesday


def _facts(sender: str, *recipients: str, docs=(), **kw) -> MessageFacts:
    return MessageFacts(
        id=7,
        channel="smtp",
        sent_at=kw.pop("sent_at", SENT),
        first_seen=kw.pop("first_seen", SENT + timedelta(minutes=1)),
        senders=(sender,),
        recipients=recipients,
        documents=tuple(docs),
        **kw,
    )


def _rows(facts: MessageFacts) -> list[tuple]:
    rows = build_rows(facts, DIRECTORY, Calendar.build())
    return [
        (r["sender_agency_id"], r["recipient_agency_id"], r["direction"], r["send_row"])
        for r in rows
    ]


def test_directions_and_the_one_send_row() -> None:
    assert _rows(_facts("a@stttt.ninhthuan.gov.vn", "b@stc.ninhthuan.gov.vn", "x@gmail.com")) == [
        (T, C, "between", True),
        (T, None, "out", False),
    ]
    # A copy to the sender's own agency is internal; the send row is the outward one.
    assert _rows(
        _facts("a@stttt.ninhthuan.gov.vn", "sotttt@ninhthuan.gov.vn", "vp@ninhthuan.gov.vn")
    ) == [(T, T, "internal", False), (T, P, "between", True)]
    assert _rows(_facts("a@stttt.ninhthuan.gov.vn", "sotttt@ninhthuan.gov.vn")) == [
        (T, T, "internal", True)
    ]
    assert _rows(_facts("x@gmail.com", "vp@ninhthuan.gov.vn", "b@stc.ninhthuan.gov.vn")) == [
        (None, P, "in", True),
        (None, C, "in", False),
    ]
    assert _rows(_facts("x@gmail.com", "y@yahoo.com")) == [(None, None, "unattributed", True)]
    assert _rows(_facts("a@stttt.ninhthuan.gov.vn")) == [(T, None, "unattributed", True)]


def test_envelope_sender_attributes_a_forward_from_outside_author() -> None:
    facts = MessageFacts(
        id=1,
        channel="smtp",
        sent_at=SENT,
        first_seen=SENT,
        senders=("author@gmail.com", "vanthu@ninhthuan.gov.vn"),
        recipients=("friend@gmail.com",),
    )
    assert _rows(facts) == [(P, None, "out", True)]


def test_documents_counts_timeliness_and_own_numbering() -> None:
    signed = datetime(2024, 3, 8, 9, 0, tzinfo=UTC)  # Friday; sent Tuesday: 2 working days
    docs = [
        DocFacts("a", signed=True, valid=True, trusted=True, signing_time=signed, number="12",
                 notation="QĐ-STTTT", issued_date=date(2024, 3, 8)),
        DocFacts("b", scanned=True, number="07", notation="KH-STTTT",
                 issued_date=date(2024, 3, 12)),
        DocFacts("c", signed=True, valid=True, number="950", notation="QĐ-UBND",
                 issued_date=date(2024, 3, 11)),
        DocFacts("d", number="30", notation="BC-STTTT", issued_date=date(2023, 12, 29)),
        DocFacts("logo"),  # nothing official about it
    ]  # fmt: skip
    (row,) = build_rows(
        _facts("a@stttt.ninhthuan.gov.vn", "b@stc.ninhthuan.gov.vn", docs=docs),
        DIRECTORY,
        Calendar.build(),
    )
    assert (row["documents"], row["scanned"], row["signed"]) == (4, 1, 2)
    assert (row["signed_valid"], row["signed_trusted"]) == (2, 1)
    # a: 2 working days late; b: same day; c: next morning; d: from last year, very late.
    assert (row["timed"], row["late"], row["max_delay"]) == (4, 2, 52)
    # The forwarded UBND document (950) and last year's number do not count.
    assert row["max_number"] == 12
    assert (row["month"], row["day"]) == (202403, date(2024, 3, 12))


def test_a_date_far_ahead_of_the_first_sighting_is_not_believed() -> None:
    seen = datetime(2024, 1, 5, 2, 0, tzinfo=UTC)
    facts = _facts(
        "a@stttt.ninhthuan.gov.vn",
        "b@stc.ninhthuan.gov.vn",
        sent_at=datetime(2031, 1, 1, tzinfo=UTC),
        first_seen=seen,
    )
    (row,) = build_rows(facts, DIRECTORY, Calendar.build())
    assert row["sent_at"] == seen and row["month"] == 202401


def test_periods() -> None:
    assert parse_period("2023Q1").months == [202301, 202302, 202303]
    assert parse_period("Q4/2023").label == "2023Q4"
    assert parse_period("05/2023").label == "2023-05"
    assert parse_period("2024-02").end == date(2024, 2, 29)
    assert parse_period("2023").previous_year().label == "2022"
    for bad in ("2023Q5", "2023-13", "23", "soon"):
        with pytest.raises(PeriodError):
            parse_period(bad)


@pytest.fixture
def run(settings: Settings):
    env = cli_env(settings)
    runner = CliRunner(env=env)

    def _run(*args: str, code: int = 0):
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == code, result.output
        return result

    return _run


def test_totals_import_is_all_or_nothing(run, settings: Settings, tmp_path: Path) -> None:
    run("agencies", "import", str(write_directory(tmp_path / "agencies.csv")))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "Mã định danh,Kỳ,Văn bản đi,Văn bản đến,Hồ sơ,Hồ sơ trực tuyến\n"
        "H43,2024Q1,100,200,,\n"
        "H43.99,2024Q1,1,2,,\n"
        "H43.06,2024Q5,1,2,,\n"
        "H43.06,2024-02,nhiều,2,,\n"
        "H43.06,2024-03,,,10,11\n"
        "H43,2024Q1,5,5,,\n"
    )
    result = run("report", "totals", "import", str(bad), code=1)
    for line in (
        "bad.csv:3: code",
        "bad.csv:4: period",
        "bad.csv:5: sent",
        "bad.csv:6: records_online",
        "bad.csv:7: period",
    ):
        assert line in result.stderr
    from archive.ingest import Archive

    archive = Archive.open(settings)
    with archive.sessions() as session:
        assert session.scalars(select(RegisterTotal)).all() == []
    good = tmp_path / "good.csv"
    good.write_text('code,period,sent,received\n000.00.00.H43,2024Q1,"1,200",300\n')
    assert (
        json.loads(run("report", "totals", "import", "--json", str(good)).stdout)["imported"] == 1
    )
    good.write_text("code,period,sent,received\n000.00.00.H43,2024Q1,1300,300\n")
    run("report", "totals", "import", str(good))
    with archive.sessions() as session:
        rows = session.scalars(select(RegisterTotal)).all()
        assert [(r.month_start, r.month_end, r.months, r.sent_total) for r in rows] == [
            (202401, 202403, 3, 1300)
        ]
    with archive.sessions() as session, session.begin():
        assert not import_totals(session, bad).applied
    archive.close()


def test_report_command_usage_errors(run, tmp_path: Path) -> None:
    assert "2024Q5" in run("report", "--period", "2024Q5", code=2).output
    assert "H43.77" in run("report", "--agency", "H43.77", code=2).output
    run("report", "--table", "late", code=2)
    run("agencies", "import", str(write_directory(tmp_path / "agencies.csv")))
    out = tmp_path / "r.csv"
    run("report", "--period", "2024-03", "--by", "month", "--format", "csv", "--out", str(out))
    assert out.read_text(encoding="utf-8-sig").startswith("# report,")
    empty = json.loads(run("report", "--period", "2024", "--level", "commune", "--json").stdout)
    assert [r["group"] for r in empty["tables"]["exchange"]["rows"]] == ["total"]
    assert empty["tables"]["exchange"]["rows"][0]["sent"] == 0
    assert "Tổng" in run("report", "--period", "2024").stdout


def test_own_numbering_reads_the_signing_year_in_vietnam_time() -> None:
    # Signed 06:00 on 1 January 2025 in Hà Nội (23:00 UTC on 31 December), no document
    # date: a number of 2025, so it counts for a message sent on 2 January 2025.
    doc = DocFacts(
        "a",
        signed=True,
        signing_time=datetime(2024, 12, 31, 23, 0, tzinfo=UTC),
        number="03",
        notation="QĐ-STTTT",
    )
    sent = datetime(2025, 1, 2, 2, 0, tzinfo=UTC)
    (row,) = build_rows(
        _facts(
            "a@stttt.ninhthuan.gov.vn",
            "b@stc.ninhthuan.gov.vn",
            docs=[doc],
            sent_at=sent,
            first_seen=sent,
        ),
        DIRECTORY,
        Calendar.build(),
    )
    assert (row["month"], row["max_number"]) == (202501, 3)
