"""A generated mail history with known truth, for the report tests.

``generate()`` plans letters between the agencies of ``tests.reports_data`` (and outsiders)
in 2023 and 2024 with documents whose flags, numbers and signing times are chosen here;
``ingest()`` sends them through the archive as real messages and writes the documents
rows (as extraction would); ``expected()`` computes every figure of the report from the
plan alone, with plain Python, following the rules the issue states.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from hashlib import sha256
from zoneinfo import ZoneInfo

from archive.ingest import Archive, Source
from archive.models import Document
from tests.reports_data import (
    ADDRESS,
    COMMUNE,
    DISTRICT,
    MINISTRY,
    OUTSIDE,
    PROVINCE,
    STC,
    STTTT,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")
AGENCIES = [PROVINCE, STTTT, STC, DISTRICT, COMMUNE, MINISTRY]
NOTATION = {
    PROVINCE: "UBND",
    STTTT: "STTTT",
    STC: "STC",
    DISTRICT: "UBND",
    COMMUNE: "UBND",
    MINISTRY: "BTTTT",
}
LEVEL = {
    PROVINCE: "province",
    STTTT: "department",
    STC: "department",
    DISTRICT: "district",
    COMMUNE: "commune",
    MINISTRY: "central",
}
SECOND_ADDRESS = {STTTT: "sotttt@ninhthuan.gov.vn"}  # same agency, another mailbox
OTHER_OUTSIDE = "someone@yahoo.com"
# scenario: (sign offset days, sign time, send offset days, send time, delay, late)
# offsets from a Tuesday; "weekend" signs the Friday before and sends on Monday.
SCENARIOS = {
    "same": (0, time(9), 0, time(15), 0, False),
    "next_morning": (0, time(16), 1, time(10), 1, False),
    "next_afternoon": (0, time(10), 1, time(14), 1, True),
    "three_days": (0, time(10), 3, time(9), 3, True),
    "weekend": (-4, time(15), -1, time(9, 30), 1, False),
    "weekend_late": (-4, time(15), -1, time(13), 1, True),
    "date_only": (0, None, 1, time(11), 1, False),
    "unknown": (None, None, 0, time(10), None, None),
}


@dataclass
class Doc:
    key: int
    official: bool = True
    number: int | None = None
    notation: str | None = None
    issued: date | None = None
    signed_at: datetime | None = None  # aware
    scanned: bool = False
    signed: bool = False
    valid: bool = False
    trusted: bool = False
    extracted: bool = True  # False: no documents row at all (a file never read)

    @property
    def content(self) -> bytes:
        return f"%PDF-1.4\n% generated document {self.key}\n".encode()

    @property
    def sha256(self) -> str:
        return sha256(self.content).hexdigest()


@dataclass
class Letter:
    key: int
    sender: str
    recipients: list[str]
    sent: datetime  # aware
    docs: list[Doc] = field(default_factory=list)
    channel: str = "import"
    policy: tuple[str, str] | None = None
    delay: int | None = None
    late: bool | None = None

    @property
    def month(self) -> int:
        local = self.sent.astimezone(VN)
        return local.year * 100 + local.month


OWNER = {address: code for code, address in ADDRESS.items()} | {
    address: code for code, address in SECOND_ADDRESS.items()
}


def agency_of(address: str) -> str | None:
    return OWNER.get(address)


def _tuesdays(year: int, months: list[int]) -> list[date]:
    days = []
    for month in months:
        day = date(year, month, 1)
        while day.month == month:
            if day.weekday() == 1 and day.day > 5:
                days.append(day)
            day += timedelta(days=1)
    return days


def generate(seed: int = 2024) -> list[Letter]:
    rng = random.Random(seed)
    numbers: dict[tuple[str, int], int] = defaultdict(int)
    letters: list[Letter] = []
    doc_keys = iter(range(1, 10_000))
    plan = (
        [(d, 2) for d in _tuesdays(2024, [1, 2, 3])]
        + [(d, 1) for d in _tuesdays(2023, [1, 2, 3])]
        + [(date(2024, 4, 9), 1), (date(2023, 12, 12), 1)]
    )
    for tuesday, repeat in plan:
        for _ in range(repeat * 3):
            letters.append(_letter(rng, len(letters) + 1, tuesday, numbers, doc_keys))
    return letters


def _letter(rng, key: int, tuesday: date, numbers, doc_keys) -> Letter:
    kind = rng.choice(["between", "between", "out", "mixed", "internal", "in", "in", "lost"])
    agency = rng.choice(AGENCIES)
    others = [a for a in AGENCIES if a != agency]
    if kind == "between":
        sender, recipients = ADDRESS[agency], [ADDRESS[a] for a in rng.sample(others, 2)]
    elif kind == "out":
        sender, recipients = ADDRESS[agency], [OUTSIDE]
    elif kind == "mixed":
        sender, recipients = ADDRESS[agency], [ADDRESS[rng.choice(others)], OUTSIDE]
    elif kind == "internal":
        sender, recipients = ADDRESS[STTTT], [SECOND_ADDRESS[STTTT]]
        agency = STTTT
    elif kind == "in":
        sender, recipients = OUTSIDE, [ADDRESS[a] for a in rng.sample(AGENCIES, 2)]
    else:
        sender, recipients = OUTSIDE, [OTHER_OUTSIDE]
    scenario = rng.choice(list(SCENARIOS))
    sign_off, sign_time, send_off, send_time, delay, late = SCENARIOS[scenario]
    sent = datetime.combine(tuesday + timedelta(days=send_off), send_time, VN)
    letter = Letter(key, sender, recipients, sent, channel=rng.choice(["smtp", "imap", "import"]))
    if kind in ("out", "mixed") and letter.channel == "smtp" and rng.random() < 0.6:
        letter.policy = ("quarantine", "official-document-to-free-provider")
    elif kind == "in" and letter.channel == "smtp":
        letter.policy = ("tag", "inbound-free-provider")
    elif letter.channel == "smtp":
        letter.policy = ("accept", "default")
    sign_day = tuesday + timedelta(days=sign_off) if sign_off is not None else None
    own = agency_of(sender)
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        doc = Doc(next(doc_keys))
        issuer = own if own and rng.random() < 0.8 else rng.choice(AGENCIES)
        if sign_day is not None:
            numbers[(issuer, sign_day.year)] += rng.randint(1, 4) + (0 if issuer == own else 40)
            doc.number = numbers[(issuer, sign_day.year)]
            doc.notation = f"{rng.choice(['QĐ', 'KH', 'BC'])}-{NOTATION[issuer]}"
            doc.issued = sign_day
            if sign_time is not None:
                doc.signed_at = datetime.combine(sign_day, sign_time, VN)
        doc.scanned = rng.random() < 0.3
        doc.signed = not doc.scanned and rng.random() < 0.7
        doc.valid = doc.signed and rng.random() < 0.8
        doc.trusted = doc.valid and rng.random() < 0.8
        if sign_day is None and not (doc.scanned or doc.signed):
            doc.official = False  # nothing marks it as an official document
        letter.docs.append(doc)
    if rng.random() < 0.2:
        letter.docs.append(Doc(next(doc_keys), official=False))  # a plain attachment
    if rng.random() < 0.1:
        letter.docs.append(Doc(next(doc_keys), official=False, extracted=False))
    if any(d.official and d.issued for d in letter.docs):
        letter.delay, letter.late = delay, late
    return letter


def message_bytes(letter: Letter) -> bytes:
    msg = EmailMessage()
    msg["From"] = letter.sender
    msg["To"] = ", ".join(letter.recipients)
    msg["Subject"] = f"Văn bản số {letter.key}"
    msg["Date"] = format_datetime(letter.sent.astimezone(VN))
    msg["Message-ID"] = f"<letter-{letter.key}@test.gov.vn>"
    msg.set_content("Kính gửi quý cơ quan.")
    for doc in letter.docs:
        msg.add_attachment(
            doc.content, maintype="application", subtype="pdf", filename=f"vb-{doc.key}.pdf"
        )
    if msg.is_multipart():
        msg.set_boundary(f"==letter-{letter.key}==")
    return bytes(msg)


def ingest(archive: Archive, letters: list[Letter]) -> None:
    """Archive every letter through its channel, then write what extraction would find."""
    for letter in letters:
        action, rule = letter.policy or (None, None)
        archive.ingest(
            message_bytes(letter),
            Source(
                channel=letter.channel,
                ref=f"{letter.channel}-{letter.key}",
                mail_from=letter.sender,
                rcpt_to=tuple(letter.recipients) if letter.channel == "smtp" else (),
                policy_action=action,
                policy_rule=rule,
            ),
        )
    with archive.sessions() as session, session.begin():
        for letter in letters:
            for doc in letter.docs:
                if doc.extracted:
                    session.merge(_document_row(doc))  # over what the extraction hook read


def _document_row(doc: Doc) -> Document:
    return Document(
        sha256=doc.sha256,
        detected_type="application/pdf",
        scanned=doc.scanned,
        signed=doc.signed,
        signature_valid=doc.valid if doc.signed else None,
        signature_trusted=doc.trusted if doc.signed else None,
        signing_time=doc.signed_at.astimezone(UTC) if doc.signed_at else None,
        issued_date=doc.issued,
        number=f"{doc.number:02d}" if doc.number is not None else None,
        notation=doc.notation,
    )


# -- the truth ------------------------------------------------------------------------


@dataclass
class Registers:
    """Register totals the test imports: (code, period label) → figures."""

    rows: dict[tuple[str, str], dict[str, int | None]]

    def csv(self) -> str:
        lines = ["code,period,sent,received,records,records_online"]
        for (code, period), f in self.rows.items():
            cells = [f.get(k) for k in ("sent", "received", "records", "records_online")]
            lines.append(",".join([code, period, *("" if v is None else str(v) for v in cells)]))
        return "\n".join(lines) + "\n"


REGISTERS = Registers(
    {
        (STTTT, "2024Q1"): {"sent": 60, "received": 70, "records": 40, "records_online": 38},
        (PROVINCE, "2024-01"): {"sent": 30, "received": 50},
        (PROVINCE, "2024-02"): {"sent": 25},
        (PROVINCE, "2024-03"): {"sent": 35},
        (STC, "2024-01"): {"sent": 10},
    }
)


def _register(code: str, months: list[int]) -> dict[str, int | None] | None:
    """Exact period first (a quarter here), else complete months; None otherwise."""
    if len(months) == 3:
        quarter = f"{months[0] // 100}Q{(months[0] % 100 + 2) // 3}"
        if (code, quarter) in REGISTERS.rows:
            return REGISTERS.rows[(code, quarter)]
    rows = [REGISTERS.rows.get((code, f"{m // 100}-{m % 100:02d}")) for m in months]
    if all(r is not None for r in rows):
        return {
            k: (sum(r[k] for r in rows) if all(r.get(k) is not None for r in rows) else None)
            for k in ("sent", "received", "records", "records_online")
        }
    return None


def _own_max(letters: list[Letter], code: str) -> dict[int, int]:
    """Highest own number per sending month (the sender's notation, issued that year)."""
    found: dict[int, int] = {}
    for letter in letters:
        if agency_of(letter.sender) != code:
            continue
        year = letter.month // 100
        for doc in letter.docs:
            if not doc.official or doc.number is None or doc.issued is None:
                continue
            if doc.issued.year != year or doc.notation.split("-")[-1] != NOTATION[code]:
                continue
            found[letter.month] = max(found.get(letter.month, 0), doc.number)
    return found


def _estimate(letters: list[Letter], code: str, months: list[int]) -> int | None:
    monthly = _own_max(letters, code)
    year = months[0] // 100
    seen = sorted(m for m in monthly if m // 100 == year and m <= months[-1])
    if not [m for m in seen if m >= months[0]]:
        return None
    running, before, issued = 0, 0, 0
    for m in seen:
        running = max(running, monthly[m])
        if m < months[0]:
            before = running
        else:
            issued += running - before
            before = running
    return issued


def _share(part: float, whole: float | None) -> float | None:
    return None if not whole else part * 100 / whole


def _unit(letters: list[Letter], code: str, months: list[int]) -> dict:
    """Counts for one agency over ``months`` and the same months a year before."""
    previous = [m - 100 for m in months]
    u = defaultdict(int)
    u["max_delay"] = None
    for letter in letters:
        if letter.month not in months and letter.month not in previous:
            continue
        now = letter.month in months
        sender = agency_of(letter.sender)
        agencies = {agency_of(r) for r in letter.recipients} - {None}
        outside = any(agency_of(r) is None for r in letter.recipients)
        if sender == code or (code in agencies and sender != code):
            u["present"] = 1
        docs = [d for d in letter.docs if d.official and d.extracted]
        n = len(docs)
        if sender == code:
            if agencies - {code} or outside or not agencies:
                u["sent" if now else "sent_prev"] += n
                if now:
                    u["scanned"] += sum(d.scanned for d in docs)
                    u["signed"] += sum(d.signed for d in docs)
                    u["valid"] += sum(d.trusted for d in docs)
                    timed = [d for d in docs if d.issued is not None]
                    u["timed"] += len(timed)
                    if timed:
                        u["late"] += len(timed) * bool(letter.late)
                        u["max_delay"] = max(u["max_delay"] or 0, letter.delay)
            elif now:
                u["internal"] += n
        if code in agencies and (sender is None or sender != code):
            u["received" if now else "received_prev"] += n
    register = _register(code, months)
    estimate = _estimate(letters, code, months)
    u["total_sent"] = register["sent"] if register and register["sent"] is not None else estimate
    u["from_register"] = int(bool(register and register["sent"] is not None))
    u["from_estimate"] = int(not u["from_register"] and estimate is not None)
    u["received_total"] = register["received"] if register else None
    both = register and register["records"] is not None and register["records_online"] is not None
    u["records"] = register["records"] if both else None
    u["records_online"] = register["records_online"] if both else None
    if register is not None or estimate is not None:
        u["present"] = 1
    return u


def _combine(units: list[dict]) -> dict:
    """Sum units into one group row and divide, as the report defines the shares."""
    row: dict = {}
    for key in (
        "sent", "sent_prev", "received", "received_prev", "internal", "scanned", "signed",
        "valid", "timed", "late", "from_register", "from_estimate",
    ):  # fmt: skip
        row[key] = sum(u[key] for u in units)
    with_total = [u for u in units if u["total_sent"] is not None]
    row["total_sent"] = sum(u["total_sent"] for u in with_total) if with_total else None
    row["electronic_share"] = _share(sum(u["sent"] for u in with_total), row["total_sent"])
    row["fully_electronic_share"] = _share(sum(u["valid"] for u in with_total), row["total_sent"])
    with_received = [u for u in units if u["received_total"] is not None]
    row["received_total"] = (
        sum(u["received_total"] for u in with_received) if with_received else None
    )
    row["received_share"] = _share(sum(u["received"] for u in with_received), row["received_total"])
    with_records = [u for u in units if u["records"] is not None]
    row["records"] = sum(u["records"] for u in with_records) if with_records else None
    row["records_online"] = sum(u["records_online"] for u in with_records) if with_records else None
    row["online_share"] = _share(row["records_online"] or 0, row["records"])
    row["sent_change"] = _share(row["sent"] - row["sent_prev"], row["sent_prev"])
    row["received_change"] = _share(row["received"] - row["received_prev"], row["received_prev"])
    row["scanned_share"] = _share(row["scanned"], row["sent"])
    row["signed_share"] = _share(row["signed"], row["sent"])
    row["valid_share"] = _share(row["valid"], row["sent"])
    row["late_share"] = _share(row["late"], row["timed"])
    delays = [u["max_delay"] for u in units if u["max_delay"] is not None]
    row["max_delay"] = max(delays) if delays else None
    row["fully_electronic"] = row["valid"]
    row["electronic"] = row["documents"] = row["sent"]
    if row["from_register"] and row["from_estimate"]:
        row["total_source"] = "register+estimate"
    elif row["from_estimate"]:
        row["total_source"] = "estimate"
    elif row["from_register"]:
        row["total_source"] = "register"
    else:
        row["total_source"] = None
    return row


def expected(letters: list[Letter], months: list[int], by: str) -> dict[str, dict]:
    """Group key (agency code, level, or "YYYY-MM") → expected figures; plus "total"."""
    cells = [[m] for m in months] if by == "month" else [months]
    units: dict[str, list[dict]] = defaultdict(list)
    every = []
    for code in AGENCIES:
        for cell in cells:
            unit = _unit(letters, code, cell)
            if not unit["present"]:
                continue
            key = {
                "agency": code,
                "level": LEVEL[code],
                "month": f"{cell[0] // 100}-{cell[0] % 100:02d}",
            }[by]
            units[key].append(unit)
            every.append(unit)
    rows = {key: _combine(group) for key, group in units.items()}
    rows["total"] = _combine(every)
    return rows


def expected_violations(letters: list[Letter], months: list[int]) -> dict[tuple, dict]:
    """(agency code, action, rule) → outgoing / incoming message counts; "total" rows too."""
    found: dict[tuple, dict] = defaultdict(lambda: {"outgoing": 0, "incoming": 0})
    for letter in letters:
        if letter.month not in months or not letter.policy:
            continue
        action, rule = letter.policy
        if action not in ("tag", "quarantine", "reject"):
            continue
        sender = agency_of(letter.sender)
        if sender is not None:
            found[(sender, action, rule)]["outgoing"] += 1
            found[("total", action, rule)]["outgoing"] += 1
        else:
            for code in {agency_of(r) for r in letter.recipients} - {None}:
                found[(code, action, rule)]["incoming"] += 1
                found[("total", action, rule)]["incoming"] += 1
    return dict(found)


def unattributed(letters: list[Letter], months: list[int]) -> int:
    return sum(
        1
        for letter in letters
        if letter.month in months
        and agency_of(letter.sender) is None
        and all(agency_of(r) is None for r in letter.recipients)
    )
