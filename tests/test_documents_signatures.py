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


# --- signing time, validity period, damaged and encrypted files ---------------------------
def _leaf(pki: SamplePki, name: str, not_before: datetime, not_after: datetime):
    """A signer certificate of the test intermediate with the given validity period."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(pki.sub.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(pki.sub_key, hashes.SHA256())
    )
    return cert, key


def _sign_as(pki: SamplePki, pdf: bytes, cert, key, claimed=None, stamped_at=None) -> bytes:
    """Sign with ``cert``; ``claimed`` is the signer's own clock (signingTime), and
    ``stamped_at`` the time of a timestamp token from the trusted test TSA."""
    from unittest import mock

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers import pdf_signer
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from tests.documents_samples import _asn1_cert, _asn1_key

    tsa = _asn1_cert(pki.tsa)
    stamper = DummyTimeStamper(
        tsa_cert=tsa,
        tsa_key=_asn1_key(pki.tsa_key),
        certs_to_embed=SimpleCertificateStore.from_certs([tsa]),
        fixed_dt=stamped_at,
    )
    signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(field_name="Sig", subfilter=fields.SigSeedSubFilter.PADES),
        signer=signers.SimpleSigner(
            signing_cert=_asn1_cert(cert),
            signing_key=_asn1_key(key),
            cert_registry=SimpleCertificateStore(),
        ),
        timestamper=stamper if stamped_at else None,
    )

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return claimed

    out = io.BytesIO()
    with mock.patch.object(pdf_signer, "datetime", Clock if claimed else datetime):
        signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out)
    return out.getvalue()


def test_a_trusted_timestamp_is_the_moment_the_certificate_is_checked_at(pki: SamplePki) -> None:
    """The signer's clock is 7 h ahead (local time labelled UTC) and the certificate expired
    in between; the TSA shows it signed while the certificate was valid."""
    now = datetime.now(UTC)
    cert, key = _leaf(pki, "Phạm Thị Hằng", now - timedelta(hours=20), now + timedelta(hours=3))
    pdf = _sign_as(pki, text_pdf(LETTER), cert, key, claimed=now + timedelta(hours=7),
                   stamped_at=now)  # fmt: skip
    report = check_pdf(pdf, str(pki.trust_dir()))
    [sig] = report.signatures
    assert (sig["time_source"], sig["trusted"], report.trusted, report.reason) == (
        "timestamp", True, True, None
    )  # fmt: skip


def test_a_backdated_signature_after_revocation_is_caught_by_the_timestamp(
    pki: SamplePki,
) -> None:
    """Revoked an hour ago; the signer claims five hours ago, the trusted TSA says now."""
    from asn1crypto import crl as asn1_crl
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    now = datetime.now(UTC)
    crl = asn1_crl.CertificateList.load(pki.crl(revoked="agency"))
    results = []
    for stamped_at in (None, now):
        out = io.BytesIO(
            _sign_as(
                pki,
                text_pdf(LETTER),
                pki.agency,
                pki.agency_key,
                claimed=now - timedelta(hours=5),
                stamped_at=stamped_at,
            )
        )
        DocumentSecurityStore.add_dss(out, None, crls=[crl], strict=False)
        [sig] = check_pdf(out.getvalue(), str(pki.trust_dir())).signatures
        results.append((sig["trusted"], sig["revoked"]))
    # Without a token the claim stands (the CRL, issued after it, still counts); with
    # a trusted token the signature is dated after the revocation.
    assert results == [(True, False), (False, True)]


def test_an_expired_certificate_is_reported_as_such(pki: SamplePki) -> None:
    now = datetime.now(UTC)
    cert, key = _leaf(pki, "Hết Hạn", now - timedelta(days=400), now - timedelta(days=30))
    report = check_pdf(_sign_as(pki, text_pdf(LETTER), cert, key), str(pki.trust_dir()))
    assert (report.valid, report.trusted) == (True, False)
    assert "certificate was not valid at the signing time" in report.reason


def test_a_damaged_signature_does_not_hide_the_other_one(pki: SamplePki) -> None:
    once = pki.sign(text_pdf(LETTER), "person", "Signature1")
    twice = bytearray(pki.sign(once, "agency", "Signature2"))
    at = twice.rindex(b"/Contents <") + 40  # inside the agency signature's CMS
    twice[at] = ord("0") if twice[at] != ord("0") else ord("1")
    report = check_pdf(bytes(twice), str(pki.trust_dir()))
    person, agency = report.signatures
    assert (person["field"], person["valid"], person["trusted"]) == ("Signature1", True, True)
    assert (agency["field"], agency["valid"]) == ("Signature2", False)
    assert agency["problem"].startswith("the signature data is damaged")
    assert report.valid is False


def test_signatures_of_an_encrypted_pdf_are_checked(pki: SamplePki) -> None:
    """Permissions-only encryption (empty user password) is common; a real password is
    reported, not taken for a broken signature."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import copy_into_new_writer

    def encrypted(user_password: str) -> bytes:
        writer = copy_into_new_writer(PdfFileReader(io.BytesIO(text_pdf(LETTER))))
        writer.encrypt("owner", user_password)
        out = io.BytesIO()
        writer.write(out)
        return _sign_as_encrypted(pki, out.getvalue(), user_password)

    def _sign_as_encrypted(pki: SamplePki, pdf: bytes, password: str) -> bytes:
        from pyhanko.sign import signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        from tests.documents_samples import _asn1_cert, _asn1_key

        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        writer.encrypt(password or "owner")
        out = io.BytesIO()
        signers.sign_pdf(
            writer,
            signers.PdfSignatureMetadata(field_name="Sig"),
            signer=signers.SimpleSigner(
                signing_cert=_asn1_cert(pki.agency),
                signing_key=_asn1_key(pki.agency_key),
                cert_registry=SimpleCertificateStore(),
            ),
            output=out,
        )
        return out.getvalue()

    open_one = check_pdf(encrypted(""), str(pki.trust_dir()))
    assert (open_one.signed, open_one.valid, open_one.trusted) == (True, True, True)
    locked = check_pdf(encrypted("secret"), str(pki.trust_dir()))
    assert (locked.signed, locked.valid, locked.trusted) == (True, None, None)
    assert "encrypted with a password" in locked.reason
