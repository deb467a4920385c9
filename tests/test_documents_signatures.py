"""PDF signatures: a test CA's signatures, two signers, CAdES, trust, changes after signing,
and the signed PDFs of the shared corpus."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.documents.read import ReadOptions, read_document
from archive.documents.signatures import check_pdf, summarise
from tests.conftest import corpus_path
from tests.documents_samples import LETTER, SamplePki, modify_after_signing, text_pdf


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> SamplePki:
    return SamplePki(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def signed_twice(pki: SamplePki) -> bytes:
    """Signed by the person, then by the agency (CAdES), as Decree 30 prescribes."""
    once = pki.sign(text_pdf(LETTER), "person", "Signature1")
    return pki.sign(once, "agency", "Signature2", cades=True)


def test_person_then_agency_both_valid_and_trusted(pki: SamplePki, signed_twice: bytes) -> None:
    report = check_pdf(signed_twice, str(pki.trust_dir()))
    assert (report.signed, report.valid, report.trusted, report.reason) == (True, True, True, None)
    person, agency = report.signatures
    assert person["signer"]["name"] == "Nguyễn Văn A"
    assert person["signer"]["organisation"] == "ỦY BAN NHÂN DÂN TỈNH NINH THUẬN"
    assert person["subfilter"] == "adbe.pkcs7.detached"
    assert agency["signer"]["name"] == "ỦY BAN NHÂN DÂN TỈNH NINH THUẬN"
    assert agency["subfilter"] == "ETSI.CAdES.detached"
    for sig in (person, agency):
        assert (sig["intact"], sig["valid"], sig["trusted"]) == (True, True, True)
        assert sig["modified_after_signing"] is False
        assert sig["time"] and sig["time_source"] == "signer"
    assert report.signing_time is not None
    assert report.signing_time.isoformat() == person["time"]


def test_a_trusted_timestamp_token_gives_the_signing_time(pki: SamplePki) -> None:
    """The signer's own clock may be wrong (local time labelled UTC); the TSA's is not."""
    stamped_at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=7)
    pdf = pki.sign(text_pdf(LETTER), "agency", cades=True, stamped_at=stamped_at)
    report = check_pdf(pdf, str(pki.trust_dir()))
    [sig] = report.signatures
    assert (sig["valid"], sig["trusted"]) == (True, True)
    assert sig["timestamp"]["tsa"] == "Dịch vụ cấp dấu thời gian"
    assert sig["timestamp"] | {"time": None} == {
        "time": None, "intact": True, "valid": True, "trusted": True,
        "tsa": "Dịch vụ cấp dấu thời gian",
    }  # fmt: skip
    assert sig["time_source"] == "timestamp"
    assert datetime.fromisoformat(sig["time"]) == stamped_at
    assert report.signing_time == stamped_at


def test_an_untrusted_timestamp_token_is_reported_but_not_believed(pki: SamplePki) -> None:
    stamped_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
    pdf = pki.sign(text_pdf(LETTER), "agency", cades=True, stamped_at=stamped_at, tsa="rogue_tsa")
    [sig] = check_pdf(pdf, str(pki.trust_dir())).signatures
    assert sig["timestamp"]["tsa"] == "Rogue TSA"
    # The token verifies (anyone can make one), but its TSA chains to no trust anchor.
    assert (sig["timestamp"]["intact"], sig["timestamp"]["trusted"]) == (True, False)
    assert datetime.fromisoformat(sig["timestamp"]["time"]) == stamped_at
    assert sig["time_source"] == "signer"  # the signer's own claim, not the rogue's date
    assert datetime.fromisoformat(sig["time"]) > stamped_at + timedelta(days=29)


def test_a_certificate_revoked_before_signing_is_not_trusted(pki: SamplePki) -> None:
    """The CRL travels in the PDF (long-term validation); nothing is fetched."""
    pdf = pki.sign(text_pdf(LETTER), "agency", cades=True, crl=pki.crl(revoked="agency"))
    report = check_pdf(pdf, str(pki.trust_dir()))
    [sig] = report.signatures
    assert (sig["intact"], sig["valid"]) == (True, True)  # the signed bytes are fine
    assert (sig["trusted"], sig["revoked"]) == (False, True)
    assert (report.valid, report.trusted) == (True, False)
    assert "revoked" in report.reason


def test_a_crl_that_lists_someone_else_keeps_the_signature_trusted(pki: SamplePki) -> None:
    pdf = pki.sign(text_pdf(LETTER), "agency", cades=True, crl=pki.crl(revoked="person"))
    report = check_pdf(pdf, str(pki.trust_dir()))
    [sig] = report.signatures
    assert (sig["trusted"], sig["revoked"], report.reason) == (True, False, None)


def test_revocation_data_is_read_from_the_signature_and_from_the_dss(pki: SamplePki) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader

    from archive.documents.signatures import (
        _document_revocation_info,
        _signature_revocation_info,
    )

    pdf = pki.sign(
        text_pdf(LETTER), "agency", archived_crl=pki.crl(revoked="person"), crl=pki.crl()
    )
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    [embedded] = reader.embedded_regular_signatures
    assert len(_signature_revocation_info(embedded).crls) == 1
    assert len(_document_revocation_info(reader).crls) == 1
    [sig] = check_pdf(pdf, str(pki.trust_dir())).signatures
    assert (sig["trusted"], sig["revoked"]) == (True, False)


def test_text_is_still_read_from_a_signed_pdf(pki: SamplePki, signed_twice: bytes) -> None:
    reading = read_document(signed_twice, "application/pdf", ReadOptions(str(pki.trust_dir())))
    assert LETTER[1] in reading.text
    assert (reading.signatures.signed, reading.signatures.trusted) == (True, True)


def test_untrusted_without_anchors_or_without_the_intermediate(
    pki: SamplePki, signed_twice: bytes
) -> None:
    none = check_pdf(signed_twice, None)
    assert (none.valid, none.trusted) == (True, False)
    assert "no trust anchors configured (documents.trust_anchors)" in none.reason
    # Only the signer's certificate is embedded: without the intermediate there is no chain.
    root_only = check_pdf(signed_twice, str(pki.trust_dir(with_intermediate=False)))
    assert (root_only.valid, root_only.trusted) == (True, False)
    assert "does not chain to a trust anchor" in root_only.reason


def test_changed_after_signing_is_not_valid(pki: SamplePki, signed_twice: bytes) -> None:
    report = check_pdf(modify_after_signing(signed_twice), str(pki.trust_dir()))
    assert (report.signed, report.valid, report.trusted) == (True, False, False)
    for sig in report.signatures:
        assert sig["intact"] is True  # the signed bytes themselves are untouched
        assert sig["modified_after_signing"] is True
    assert "the document was changed after signing" in report.reason


def test_altered_signed_bytes_are_not_intact(pki: SamplePki) -> None:
    signed = bytearray(pki.sign(text_pdf(LETTER)))
    at = signed.index(b"ReportLab")
    signed[at] = ord("X")
    report = check_pdf(bytes(signed), str(pki.trust_dir()))
    assert report.signatures[0]["intact"] is False
    assert (report.valid, report.trusted) == (False, False)
    assert "digest mismatch" in report.reason


def test_unsigned_pdf_reports_nothing() -> None:
    reading = read_document(text_pdf(LETTER), "application/pdf", ReadOptions())
    assert reading.signatures.signed is False
    assert summarise([], None).signed is False


CORPUS_SIGNED = [
    (("digitorus__pdfsign", "testfiles", "testfile30.pdf"), "John B Harris"),
    (("m32__endesive", "examples", "pdf-acrobat.pdf"), "mak@trisoft.com.pl"),
    (("m32__endesive", "examples", "pdf-linearized.pdf"), "member: 519FA33F"),
    (("m32__endesive", "examples", "test-SHA256_RSA-signed-cms.pdf"), "mak@trisoft.com.pl"),
    (("m32__endesive", "examples", "test-signed-cms-hsm-Google.pdf"), "GoogleHSM CA"),
]


@pytest.mark.parametrize(("parts", "signer"), CORPUS_SIGNED, ids=lambda v: str(v)[-30:])
def test_corpus_signed_pdfs_are_intact_and_valid(parts: tuple[str, ...], signer: str) -> None:
    path: Path = corpus_path(*parts)
    demo_ca = corpus_path("m32__endesive", "examples")
    report = check_pdf(path.read_bytes(), str(demo_ca))
    assert report.signed is True
    assert report.valid is True, report.reason
    (sig,) = report.signatures
    assert sig["intact"] is True and sig["subfilter"] == "adbe.pkcs7.detached"
    assert sig["signer"]["name"].startswith(signer)


def test_corpus_legacy_x509_signature_is_reported_as_unsupported() -> None:
    path = corpus_path("m32__endesive", "examples", "pdf-adobe-webcapture-x509.rsa_sha1.pdf")
    report = check_pdf(path.read_bytes(), None)
    assert report.signed is True
    assert report.valid is False
    (sig,) = report.signatures
    assert sig["signer"]["name"] == "Alice"
    assert sig["problem"] == "unsupported signature format adbe.x509.rsa_sha1"
