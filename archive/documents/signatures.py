"""PDF digital signatures with pyHanko: who signed, when, intact, changed since, trusted.

Government PDFs carry a personal signature and then the agency's (vn-edoc.md §1.5, §4.3).
Both ``adbe.pkcs7.detached`` and ``ETSI.CAdES.detached`` are checked. Their CMS often embeds
only the signer's certificate, so intermediates come from the trust directory too. Their
signingTime may be local time labelled UTC: the timestamp token's time wins when present.
No network: no certificate fetching, revocation checked only from what is embedded.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger("govmail.archive")
# pyHanko logs every untrusted or odd signature with a traceback at ERROR level; the verdict
# is what we record, so keep its own loggers quiet.
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)

SUPPORTED = {"/adbe.pkcs7.detached", "/ETSI.CAdES.detached", "/ETSI.RFC3161"}
# Changes after signing that do not alter what was signed: more signatures, form filling,
# long-term validation data. Anything else ("OTHER") means the document was modified.
_ALLOWED_CHANGES = {"NONE", "LTA_UPDATES", "FORM_FILLING"}
CERT_SUFFIXES = {".pem", ".crt", ".cer", ".der"}


@dataclass
class SignatureReport:
    """The summary stored on the document plus one dict per signature."""

    signed: bool = False
    valid: bool | None = None  # every signature intact, valid, document unchanged since
    trusted: bool | None = None  # every signature chains to a configured trust anchor
    reason: str | None = None  # why not valid / not trusted, for people
    signing_time: datetime | None = None  # the first signature's time
    signatures: list[dict[str, Any]] = field(default_factory=list)


def has_signature(data: bytes) -> bool:
    """Cheap pre-check: a signed PDF has a /ByteRange (or a legacy /Cert) somewhere."""
    return b"/ByteRange" in data or b"adbe.x509.rsa_sha1" in data


def check_pdf(data: bytes, trust_dir: str | None) -> SignatureReport:
    from pyhanko.pdf_utils.crypt import AuthStatus
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.encrypted and reader.decrypt("").status == AuthStatus.FAILED:
        return SignatureReport(
            signed=True, reason="the PDF is encrypted with a password: signatures not checked"
        )
    roots, others = load_trust(trust_dir)
    stored = _document_revocation_info(reader)
    items = []
    for field_name, sig_obj, sig_field, revision in _signature_fields(reader):
        subfilter = str(sig_obj.get("/SubFilter", ""))
        if subfilter not in SUPPORTED:
            items.append(_unsupported(field_name, sig_obj, subfilter, revision))
            continue
        if sig_obj.get("/Type") == "/DocTimeStamp":
            continue  # a document timestamp: no signer, it only dates the revision
        try:
            embedded = EmbeddedPdfSignature(reader, sig_field, field_name)
        except Exception as exc:  # one damaged signature must not hide the others
            item = _unsupported(field_name, sig_obj, subfilter, revision)
            item.update(intact=False, valid=False, trusted=False)
            item["problem"] = f"the signature data is damaged: {type(exc).__name__}: {exc}"[:300]
            items.append(item)
            continue
        items.append(_check_one(embedded, roots, others, trust_dir, stored))
    items.sort(key=lambda s: s.get("signed_revision_end") or 0)
    return summarise(items, trust_dir)


def summarise(items: list[dict[str, Any]], trust_dir: str | None) -> SignatureReport:
    """The document-level verdict from the per-signature results (a pure decision)."""
    if not items:
        return SignatureReport()
    reasons = [f"{s['field']}: {s['problem']}" for s in items if s.get("problem")]
    valid = all(s.get("valid") is True for s in items)
    trusted = valid and all(s.get("trusted") is True for s in items)
    if valid and not trusted and not reasons:
        reasons.append(
            "no trust anchors configured (documents.trust_anchors)"
            if not trust_dir
            else "a certificate does not chain to a trust anchor in documents.trust_anchors"
        )
    times = [s["time"] for s in items if s.get("time")]
    return SignatureReport(
        signed=True,
        valid=valid,
        trusted=trusted,
        reason="; ".join(reasons) or None,
        signing_time=datetime.fromisoformat(times[0]) if times else None,
        signatures=items,
    )


def _signature_fields(reader):
    """(fully qualified field name, signature dictionary, field) of every filled
    signature field."""
    from pyhanko.sign.fields import enumerate_sig_fields

    for name, sig_obj, sig_field in enumerate_sig_fields(reader, filled_status=True):
        try:  # the revision that added it, to keep the signatures in signing order
            revision = reader.xrefs.get_last_change(sig_obj.reference)
        except Exception:  # a direct object, or a damaged cross-reference table
            revision = None
        yield name, sig_obj.get_object(), sig_field, revision


def _unsupported(
    field_name: str, sig_obj, subfilter: str, revision: int | None = None
) -> dict[str, Any]:
    name = sig_obj.get("/Name")
    return {
        "field": field_name,
        "subfilter": subfilter.lstrip("/") or None,
        "signer": {"name": str(name) if name is not None else None, "organisation": None},
        "time": _pdf_date(sig_obj.get("/M")),
        "time_source": "signature dictionary",
        "timestamp": None,
        "intact": None,
        "valid": None,
        "modified_after_signing": None,
        "trusted": None,
        "problem": f"unsupported signature format {subfilter.lstrip('/') or '(none)'}",
        "signed_revision_end": revision,
    }


@dataclass
class RevocationInfo:
    """CRLs and OCSP responses a PDF carries: its document security store (DSS, PAdES
    long-term validation) and each signature's adbe-revocationInfoArchival attribute.
    With no network, this is all the revocation checking there can be."""

    crls: list = field(default_factory=list)
    ocsps: list = field(default_factory=list)
    certs: list = field(default_factory=list)

    def plus(self, other: RevocationInfo) -> RevocationInfo:
        return RevocationInfo(
            self.crls + other.crls, self.ocsps + other.ocsps, self.certs + other.certs
        )


def _document_revocation_info(reader) -> RevocationInfo:
    from asn1crypto import crl as asn1_crl
    from asn1crypto import ocsp as asn1_ocsp
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS (most PDFs), or a malformed one: nothing to add
        return RevocationInfo()
    found = RevocationInfo()
    try:
        found.certs = list(dss.load_certs())
        for ref in dss.crls:
            found.crls.append(asn1_crl.CertificateList.load(ref.get_object().data))
        for ref in dss.ocsps:
            found.ocsps.append(asn1_ocsp.OCSPResponse.load(ref.get_object().data))
    except Exception as exc:
        log.info("unreadable revocation data in the DSS: %s", exc)
    return found


def _signature_revocation_info(embedded) -> RevocationInfo:
    from pyhanko.sign.general import find_unique_cms_attribute

    try:
        archival = find_unique_cms_attribute(
            embedded.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except Exception:  # absent (most signatures) or malformed
        return RevocationInfo()
    crls = list(archival["crl"]) if archival["crl"].native is not None else []
    ocsps = list(archival["ocsp"]) if archival["ocsp"].native is not None else []
    return RevocationInfo(crls=crls, ocsps=ocsps)


def _check_one(
    embedded, roots, others, trust_dir: str | None, stored: RevocationInfo | None = None
) -> dict[str, Any]:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    item: dict[str, Any] = {
        "field": embedded.field_name,
        "subfilter": str(embedded.sig_object.get("/SubFilter", "")).lstrip("/") or None,
        "signer": _signer(embedded.signer_cert),
        "time": None,
        "time_source": None,
        "timestamp": None,
        "intact": None,
        "valid": None,
        "modified_after_signing": None,
        "trusted": None,
        "problem": None,
    }
    item["signed_revision_end"] = embedded.signed_revision  # for ordering only
    claimed = embedded.self_reported_timestamp
    stamped = _token_time(embedded)
    revinfo = (stored or RevocationInfo()).plus(_signature_revocation_info(embedded))

    def validate(moment: datetime | None):
        context = ValidationContext(
            trust_roots=roots,
            other_certs=others + list(embedded.other_embedded_certs) + revinfo.certs,
            crls=revinfo.crls,
            ocsps=revinfo.ocsps,
            allow_fetching=False,
            revocation_mode="soft-fail",  # what is embedded counts; nothing embedded is no fault
            # CRLs and OCSP responses are gathered after signing (DSS, LTV): they still
            # tell whether the certificate was revoked at the signing time.
            retroactive_revinfo=True,
            moment=moment or datetime.now(UTC),
            best_signature_time=moment,
        )
        return validate_pdf_signature(embedded, context)

    try:
        # The certificate must be good when it signed: at the timestamp token's time if
        # that token is trusted (it is checked in the same pass), else the signer's claim.
        moment = stamped or claimed
        status = validate(moment)
        ts = status.timestamp_validity
        if stamped is not None and not (ts and ts.intact and ts.valid and ts.trusted):
            moment = claimed
            status = validate(moment)
    except Exception as exc:  # malformed CMS, unsupported algorithm …
        item["problem"] = f"cannot validate: {type(exc).__name__}: {exc}"[:300]
        item["valid"] = False
        item["trusted"] = False
        return item
    level = status.modification_level.name if status.modification_level else "NONE"
    modified = level not in _ALLOWED_CHANGES or status.docmdp_ok is False
    revoked = bool(getattr(status, "revoked", False))
    item.update(
        intact=bool(status.intact),
        valid=bool(status.intact and status.valid and not modified),
        modified_after_signing=modified,
        trusted=bool(status.trusted) and not revoked,
        revoked=revoked,
        coverage=status.coverage.name if status.coverage else None,
        changes=level,
    )
    ts = status.timestamp_validity
    if ts is not None:
        item["timestamp"] = {
            "time": _iso(ts.timestamp),
            "intact": bool(ts.intact),
            "valid": bool(ts.valid),
            "trusted": bool(ts.trusted),
            "tsa": _signer(getattr(ts, "signing_cert", None))["name"],
        }
    # Anyone can make a timestamp token that verifies: only a TSA that chains to a trust
    # anchor is believed over the signer's own clock.
    if ts is not None and ts.intact and ts.valid and ts.trusted:
        item["time"], item["time_source"] = _iso(ts.timestamp), "timestamp"
    elif status.signer_reported_dt is not None:
        item["time"], item["time_source"] = _iso(status.signer_reported_dt), "signer"
    item["problem"] = _problem(status, modified, revoked, trust_dir, embedded.signer_cert, moment)
    return item


def _token_time(embedded) -> datetime | None:
    """genTime of the signature's timestamp token, not yet verified."""
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    try:
        for token in extract_tst_data_iter(embedded.signer_info, signed=False):
            return token["encap_content_info"]["content"].parsed["gen_time"].native
    except Exception:  # malformed token: validation reports it
        return None
    return None


def _problem(
    status, modified: bool, revoked: bool, trust_dir: str | None, cert, moment
) -> str | None:
    if not status.intact:
        return "the signed bytes were changed (digest mismatch)"
    if not status.valid:
        return "the signature value does not verify"
    if modified:
        return "the document was changed after signing"
    if revoked:
        return "the signer's certificate was revoked (revocation data in the PDF)"
    if not status.trusted:
        if cert is not None and moment is not None:
            start, end = cert.not_valid_before, cert.not_valid_after
            if not start <= moment <= end:
                return (
                    f"the signer's certificate was not valid at the signing time "
                    f"({_iso(moment)}; valid from {_iso(start)} to {_iso(end)})"
                )
        if not trust_dir:
            return "no trust anchors configured (documents.trust_anchors)"
        return "the certificate does not chain to a trust anchor in documents.trust_anchors"
    return None


def _signer(cert) -> dict[str, Any]:
    if cert is None:
        return {"name": None, "organisation": None}
    subject = cert.subject.native
    return {
        "name": subject.get("common_name"),
        "organisation": subject.get("organization_name"),
        "unit": subject.get("organizational_unit_name"),
        "email": subject.get("email_address"),
        "issuer": cert.issuer.native.get("common_name"),
        "serial": format(cert.serial_number, "x"),
    }


def load_trust(trust_dir: str | None) -> tuple[list, list]:
    """Self-signed certificates become trust roots; the others are intermediates."""
    if not trust_dir:
        return [], []
    from asn1crypto import pem, x509

    roots, others = [], []
    for path in sorted(Path(trust_dir).iterdir()):
        if path.suffix.lower() not in CERT_SUFFIXES or not path.is_file():
            continue
        raw = path.read_bytes()
        blobs = (
            [der for _t, _h, der in pem.unarmor(raw, multiple=True)] if pem.detect(raw) else [raw]
        )
        for der in blobs:
            try:
                cert = x509.Certificate.load(der)
                _ = cert.subject.native
            except Exception:
                log.warning("documents.trust_anchors: %s is not a certificate, skipped", path)
                continue
            (roots if cert.self_signed != "no" else others).append(cert)
    return roots, others


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()


def _pdf_date(value) -> str | None:
    if value is None:
        return None
    try:
        from pyhanko.pdf_utils.misc import parse_pdf_date

        return _iso(parse_pdf_date(str(value)))
    except Exception:
        return None
