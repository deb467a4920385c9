"""One conformance suite, run unchanged against both engines (tantivy and whoosh)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from sqlalchemy import insert, select

from archive.ingest import Archive, Source
from archive.models import Blob, Document, Part
from config import Settings
from search.query import QuerySyntaxError
from search.scope import Scope
from search.service import IndexHook, SearchService

ALL = Scope.all()
A = "an.nv@ninhthuan.gov.vn"
B = "binh.tt@ninhthuan.gov.vn"


def mail(
    subject: str,
    body: str,
    *,
    sender: str = A,
    to: str = B,
    day: int = 1,
    attachments: tuple[tuple[str, bytes], ...] = (),
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(datetime(2023, 1, 1, 9, tzinfo=UTC) + timedelta(days=day))
    msg["Message-ID"] = f"<{abs(hash((subject, body, sender, to, day)))}@test.gov.vn>"
    msg.set_content(body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return bytes(msg)


def add_document(
    archive: Archive, message_id: int, filename: str, text: str, **fields: object
) -> None:
    """What issue 3's extraction records for an attachment, written directly."""
    data = text.encode()
    key = archive.blobs.put(data).sha256
    with archive.sessions() as s, s.begin():
        part = s.scalar(
            select(Part).where(Part.message_id == message_id, Part.filename == filename)
        )
        if not s.get(Blob, key):
            s.execute(insert(Blob).values(sha256=key, size=len(data), stored_size=len(data)))
        s.add(Document(sha256=part.sha256, text_sha256=key, text_chars=len(text), **fields))


@pytest.fixture(params=["tantivy", "whoosh"])
def engine_settings(request, settings: Settings) -> Settings:
    tuned = settings.model_copy(deep=True)
    tuned.search.engine = request.param
    return tuned


@pytest.fixture
def corpus(engine_settings: Settings, archive: Archive):
    """A small archive with known truth, indexed through the ingest hook."""
    archive.settings = engine_settings
    hook = IndexHook(engine_settings)
    archive.add_hook(hook)
    ids: dict[str, int] = {}

    def put(key: str, raw: bytes, source: Source | None = None) -> None:
        ids[key] = archive.ingest(raw, source or Source("import", key)).id

    put("ban", mail("Giấy mời họp", "Đề nghị bán tài sản công theo quy định."))
    put("ban2", mail("Mua sắm", "Đề nghị mua bàn ghế làm việc cho phòng họp."))
    put("the", mail("Sức khỏe", "Rèn luyện cơ thể mỗi ngày."))
    put("the2", mail("Hội nhập", "Xu thế hội nhập thế giới.", day=40))
    put("dinh", mail("Quyết định", "Căn cứ Quyết định số 28/2018/QĐ-TTg của Thủ tướng.", day=70))
    put("dinh2", mail("Tham quan", "Đoàn tham quan Dinh Thống Nhất.", day=95))
    put("phrase", mail("Ký số", "Văn bản có chữ ký số của cơ quan ban hành."))
    put("nophrase", mail("Thống kê", "Số văn bản có ký tên, chữ viết tay."))
    put("tone", mail("Thuỷ lợi", "Công trình thuỷ lợi Hoà Bình do uỷ ban quản lý."))
    put(
        "cv",
        mail(
            "V/v triển khai văn bản điện tử 5985/UBND-KTN",
            "Kính gửi các sở, ngành.",
            sender="vanthu@ubnd.ninhthuan.gov.vn",
            to="sotttt@ninhthuan.gov.vn",
            day=120,
            attachments=(
                ("Kế hoạch số 12.pdf", b"%PDF-1.4 kh"),
                ("Scan công văn.pdf", b"%PDF-1.4 scan"),
            ),
        ),
        Source("smtp", "tx1", direction="outbound", policy_action="tag"),
    )
    put(
        "gmail",
        mail(
            "Hỏi thủ tục",
            "Xin hướng dẫn thủ tục.",
            sender="dan@gmail.com",
            to="vanthu@ubnd.ninhthuan.gov.vn",
            day=200,
        ),
        Source("smtp", "tx2", direction="inbound", policy_action="quarantine"),
    )
    for i in range(25):
        put(f"bulk{i}", mail(f"Báo cáo tuần {i}", f"Báo cáo tổng hợp số {i}.", day=300 + i))
    add_document(
        archive,
        ids["cv"],
        "Kế hoạch số 12.pdf",
        "KẾ HOẠCH ứng dụng công nghệ thông tin, chữ ký số chuyên dùng.",
        number="12",
        notation="KH-UBND",
        doc_type="Kế hoạch",
        signed=True,
        issuer="UBND tỉnh Ninh Thuận",
        signer_name="Lê Văn Bình",
    )
    add_document(
        archive,
        ids["cv"],
        "Scan công văn.pdf",
        "Công văn về phòng chống thiên tai bão lũ.",
        scanned=True,
        ocr=True,
        ocr_status="done",
        doc_type="Công văn",
    )
    archive.refresh([ids["cv"]])  # documents read after ingest: the index catches up
    service = SearchService(engine_settings, archive)
    yield service, ids
    service.close()
    hook._svc(archive).close()


def found(service: SearchService, query: str, scope: Scope = ALL, **kw) -> list[int]:
    return [h.id for h in service.search(query, scope, **kw).hits]


def test_diacritic_insensitive_match(corpus) -> None:
    service, ids = corpus
    assert set(found(service, "van ban dien tu")) == {ids["cv"]}
    assert {ids["dinh"], ids["dinh2"]} <= set(found(service, "dinh"))  # đ folds to d
    assert ids["phrase"] in found(service, "VĂN BẢN")


@pytest.mark.parametrize(
    ("query", "first", "second"),
    [
        ("bán", "ban", "ban2"),
        ("bàn", "ban2", "ban"),
        ("thể", "the", "the2"),
        ("thế", "the2", "the"),
        ("định", "dinh", "dinh2"),
    ],
)
def test_tone_minimal_pairs_rank_the_exact_form_first(corpus, query, first, second) -> None:
    service, ids = corpus
    hits = found(service, query)
    assert ids[first] in hits and ids[second] in hits
    assert hits.index(ids[first]) < hits.index(ids[second])


def test_old_and_new_tone_placement_are_one_word(corpus) -> None:
    service, ids = corpus
    for query in ("thủy lợi", "thuỷ lợi", "hòa bình", "ủy ban"):
        assert found(service, query) == [ids["tone"]], query


def test_phrases_match_consecutive_syllables(corpus) -> None:
    service, ids = corpus
    assert set(found(service, '"chữ ký số"')) == {ids["phrase"], ids["cv"]}
    assert ids["nophrase"] in found(service, "chữ ký số")


def test_document_numbers_are_exact_tokens(corpus) -> None:
    service, ids = corpus
    assert found(service, "so:5985/UBND-KTN") == [ids["cv"]]
    assert found(service, "so:12/KH-UBND") == [ids["cv"]]
    assert found(service, "28/2018/QĐ-TTg") == [ids["dinh"]]
    assert found(service, "28/2018/qd-ttg") == [ids["dinh"]]
    assert found(service, "2018") == []  # never split into pieces
    assert found(service, "so:5985/UBND") == []


def test_fields(corpus) -> None:
    service, ids = corpus
    assert found(service, "from:dan@gmail.com") == [ids["gmail"]]
    assert found(service, "from:gmail.com") == [ids["gmail"]]
    assert found(service, "to:sotttt@ninhthuan.gov.vn") == [ids["cv"]]
    assert set(found(service, "agency:ubnd.ninhthuan.gov.vn")) == {ids["cv"], ids["gmail"]}
    assert found(service, 'type:"Kế hoạch"') == [ids["cv"]]
    assert found(service, "type:cong-van") == [ids["cv"]]
    assert found(service, 'filename:"kế hoạch"') == [ids["cv"]]
    assert found(service, "signed:yes") == [ids["cv"]]
    assert found(service, "scanned:yes") == [ids["cv"]]
    assert found(service, "ocr:yes") == [ids["cv"]]
    assert found(service, "ocr:yes thiên tai") == [ids["cv"]]  # words read by OCR
    assert ids["cv"] not in found(service, "ocr:no", limit=100)
    assert ids["gmail"] in found(service, "ocr:no", limit=100)
    assert ids["cv"] not in found(service, "signed:no", limit=100)
    assert set(found(service, "has:attachment")) == {ids["cv"]}
    assert found(service, "verdict:quarantine") == [ids["gmail"]]
    assert found(service, "direction:out") == [ids["cv"]]
    assert found(service, "direction:in") == [ids["gmail"]]


def test_dates(corpus) -> None:
    service, ids = corpus
    # day 0 is 2023-01-01: the2 is 2023-02-10, dinh 2023-03-12, dinh2 2023-04-06
    assert set(found(service, "date:2023-02-01..2023-03-31")) == {ids["the2"], ids["dinh"]}
    assert set(found(service, "date:2023-03")) == {ids["dinh"]}
    assert found(service, "date:2023-02-10") == [ids["the2"]]
    assert ids["the2"] not in found(service, "before:2023-02-10", limit=100)
    assert ids["the"] in found(service, "before:2023-02-10", limit=100)
    assert set(found(service, "after:2023-03-12 before:2023-05-01")) == {ids["dinh2"]}


def test_boolean_operators(corpus) -> None:
    service, ids = corpus
    for word, doc in (("bán", "ban"), ("bàn", "ban2")):  # exact forms before folded ones
        assert found(service, word)[0] == ids[doc], word
    assert set(found(service, '"bán tài sản" OR "bàn ghế"')) == {ids["ban"], ids["ban2"]}
    assert found(service, "đề nghị -bàn") == [ids["ban"]]
    assert set(found(service, "(thể OR thế) -giới")) == {ids["the"]}
    assert found(service, "-báo", limit=100) == found(service, "-báo -cáo", limit=100)
    assert len(found(service, "-báo", limit=100)) == 11


def test_pagination_and_exact_totals(corpus) -> None:
    service, ids = corpus
    first = service.search("báo cáo", ALL, page=1, limit=10)
    third = service.search("báo cáo", ALL, page=3, limit=10)
    assert first.total == third.total == 25
    assert len(first.hits) == 10 and len(third.hits) == 5
    everything = {
        h.id for p in (1, 2, 3) for h in service.search("báo cáo", ALL, page=p, limit=10).hits
    }
    assert everything == {ids[f"bulk{i}"] for i in range(25)}


def test_scope_restricts_to_the_mailbox(corpus) -> None:
    service, ids = corpus
    outsider = Scope.mailbox("someone@other.gov.vn")
    assert found(service, "tài sản", outsider) == []
    assert found(service, "tài sản", Scope.mailbox(A)) == [ids["ban"]]
    assert found(service, "tài sản", Scope.mailbox(B)) == [ids["ban"]]  # the recipient
    assert found(service, "thủ tục", Scope.mailbox(A)) == []  # dan@gmail.com's mail
    dan = Scope.mailbox("dan@gmail.com")
    assert found(service, "", dan) == [ids["gmail"]]
    assert service.search("", Scope.agency(["gmail.com"]), limit=100).total == 1
    # An agency's domains are exact: ubnd.ninhthuan.gov.vn is another agency's.
    assert service.search("", Scope.agency(["ninhthuan.gov.vn"]), limit=100).total == 35
    assert found(service, "thủ tục", Scope.agency(["ubnd.ninhthuan.gov.vn"])) == [ids["gmail"]]


def test_snippets_and_where_it_matched(corpus) -> None:
    service, _ids = corpus
    (hit,) = service.search("thiên tai", ALL).hits
    assert hit.matched_in == "attachment:Scan công văn.pdf (OCR)"
    assert "**thiên** **tai**" in hit.snippet.text()
    (hit,) = service.search("chuyên dùng", ALL).hits
    assert hit.matched_in == "attachment:Kế hoạch số 12.pdf"
    (hit,) = service.search("tai san cong", ALL).hits
    assert hit.matched_in == "body" and "**tài** **sản** **công**" in hit.snippet.text()
    assert "<mark>tài</mark>" in hit.snippet.html()
    (hit,) = service.search("triển khai", ALL).hits
    assert hit.matched_in == "subject"


def test_reindex_gives_the_same_results(corpus) -> None:
    service, _ids = corpus
    queries = ["bán", "van ban", '"chữ ký số"', "báo cáo", "signed:yes", "date:2023-02..2023-12"]

    def results(query: str) -> tuple[int, list[tuple[int, str]]]:
        # Scores move a little (deleted documents count in statistics until merged), so
        # the hits and where they matched are compared, not the order of near-ties.
        page = service.search(query, ALL, limit=100)
        return page.total, sorted((h.id, h.matched_in) for h in page.hits)

    before = {q: results(q) for q in queries}
    assert service.reindex() == 36
    assert {q: results(q) for q in queries} == before


def test_check_proves_completeness_and_repairs(corpus) -> None:
    service, ids = corpus
    assert service.check().ok
    service.engine.delete([ids["ban"]])
    service.engine.commit()
    report = service.check()
    assert report.missing == [ids["ban"]] and not report.ok
    assert ids["ban"] not in found(service, "tài sản bán")
    assert service.check(repair=True).repaired
    assert service.check().ok and found(service, "tài sản bán") == [ids["ban"]]


def test_malformed_queries_point_at_the_problem(corpus) -> None:
    service, _ids = corpus
    for query, position in (('"chữ ký', 0), ("(a b", 0), ("foo:bar", 0), ("date:2023-13", 5)):
        with pytest.raises(QuerySyntaxError) as err:
            service.search(query, ALL)
        assert err.value.position == position, query


def test_old_tone_placement_moves_the_mark_only_in_open_oa_oe_uy_syllables() -> None:
    import random
    import re

    from search.vietnamese import _OLD_TONES, _fix_tones

    # The rule as written in reference/vn-edoc.md §7, as a plain regular expression.
    reference = re.compile(r"(o[àáảãạèéẻẽẹ]|(?<!q)u[ỳýỷỹỵ])(?!\w)")
    rng = random.Random(7)
    letters = "ouqàáảãạèéẻẽẹỳýỷỹỵ xab"
    for _ in range(20_000):
        text = "".join(rng.choice(letters) for _ in range(rng.randint(0, 12)))
        expected = reference.sub(lambda m: _OLD_TONES[m.group(1)], text)
        assert _fix_tones(text) == expected, text
    assert _fix_tones("hoà thuỷ quý uỷ hoàn") == "hòa thủy quý ủy hoàn"
