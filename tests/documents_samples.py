"""Documents made by the tests: Vietnamese PDFs (DejaVu), scans, Office files, legacy
encodings, and PDFs signed by a throw-away test CA."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from archive.documents.legacy_encoding import TCVN3, VNI

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = FONT_DIR / "DejaVuSans.ttf"
FONT_SERIF = FONT_DIR / "DejaVuSerif.ttf"

LETTER = [
    "ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
    "Số: 5985/UBND-KTN",
    "Ninh Thuận, ngày 12 tháng 12 năm 2013",
    "V/v triển khai ứng dụng công nghệ thông tin trong cơ quan nhà nước",
    "Kính gửi: Sở Thông tin và Truyền thông",
    "Căn cứ Chỉ thị số 15/CT-TTg ngày 22 tháng 5 năm 2012 của Thủ tướng Chính phủ;",
    "Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành sử dụng thư điện tử công vụ.",
]
OCR_LINES = [
    "Ủy ban nhân dân tỉnh Ninh Thuận đề nghị các cơ quan",
    "sử dụng văn bản điện tử và thư điện tử công vụ",
    "trong trao đổi công việc hằng ngày giữa các đơn vị.",
    "Giám đốc Sở Thông tin và Truyền thông chịu trách nhiệm",
    "hướng dẫn, kiểm tra việc thực hiện kế hoạch này.",
]


def need_fonts() -> None:
    if not FONT.exists():
        pytest.skip(f"DejaVu fonts missing at {FONT_DIR} (apt-get install fonts-dejavu-core)")


# --- PDFs -------------------------------------------------------------------------------
def text_pdf(lines: list[str], pages: int = 1) -> bytes:
    """A born-digital A4 PDF with a Vietnamese text layer (reportlab + DejaVu)."""
    need_fonts()
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", str(FONT)))
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    for page in range(pages):
        pdf.setFont("DejaVu", 12)
        y = A4[1] - 72
        for line in lines:
            pdf.drawString(60, y, line)
            y -= 20
        pdf.drawString(A4[0] / 2, 40, str(page + 1))
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def page_image(lines: list[str], width: int = 1240, height: int = 1754, size: int = 30):
    """A white page with black text, like a 150-dpi scan of A4 (Pillow + DejaVu)."""
    need_fonts()
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(FONT_SERIF), size)
    y = 120
    for line in lines:
        draw.text((90, y), line, fill=0, font=font)
        y += int(size * 1.8)
    return image


def png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def scanned_pdf(lines: list[str], pages: int = 1) -> bytes:
    """An image-only PDF: each page is one page-sized picture, no text layer."""
    images = [page_image(lines) for _ in range(pages)]
    out = io.BytesIO()
    images[0].save(out, format="PDF", resolution=150, save_all=True, append_images=images[1:])
    return out.getvalue()


# --- Office and other formats ------------------------------------------------------------
def docx_file(body: list[str], table: list[list[str]], header: str, footer: str) -> bytes:
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = header
    document.sections[0].footer.paragraphs[0].text = footer
    for line in body:
        document.add_paragraph(line)
    grid = document.add_table(rows=len(table), cols=len(table[0]))
    for r, row in enumerate(table):
        for c, value in enumerate(row):
            grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_file(heading: str, body: list[str]) -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text=heading))
    for line in body:
        document.text.addElement(P(text=line))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def xlsx_file(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def rtf_file(text: str) -> bytes:
    """RTF as Word writes Vietnamese: \\uN escapes with a '?' fallback."""
    escaped = "".join(c if ord(c) < 128 else f"\\u{ord(c)}?" for c in text)
    return (
        "{\\rtf1\\ansi\\ansicpg1258\\deff0{\\fonttbl{\\f0 Times New Roman;}}"
        f"\\f0\\fs24 {escaped}\\par}}"
    ).encode("ascii")


# --- legacy encodings --------------------------------------------------------------------
_TCVN3_OUT = {v: k for k, v in TCVN3.items()}
_VNI_OUT = {v: k for k, v in VNI.items() if not (k[0].isupper() and k[1:].islower())}


def to_tcvn3(text: str) -> str:
    """Unicode Vietnamese as the Latin-1 look-alikes a .VnTime document yields (lower case:
    TCVN3 has no toned capitals outside the separate "H" fonts)."""
    return "".join(_TCVN3_OUT.get(c, c) for c in text.lower())


def to_vni(text: str) -> str:
    return "".join(_VNI_OUT.get(c, c) for c in text)


# --- signatures --------------------------------------------------------------------------
class SamplePki:
    """A root CA, an intermediate, and two signers (a person and the agency)."""

    def __init__(self, directory: Path):
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        key = lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)  # noqa: E731
        self.root_key, self.sub_key = key(), key()
        self.root = self._cert("Test Root CA G2", self.root_key, None, None, ca=True)
        self.sub = self._cert(
            "Test CA phục vụ cơ quan", self.sub_key, self.root, self.root_key, ca=True
        )
        self.person_key, self.agency_key = key(), key()
        self.person = self._cert(
            "Nguyễn Văn A",
            self.person_key,
            self.sub,
            self.sub_key,
            org="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
        )
        self.agency = self._cert(
            "ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            self.agency_key,
            self.sub,
            self.sub_key,
            org="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
        )
        # Time-stamping authorities: one issued by the test CA, one nobody trusts.
        self.tsa_key, self.rogue_tsa_key = key(), key()
        self.tsa = self._cert("Dịch vụ cấp dấu thời gian", self.tsa_key, self.sub, self.sub_key,
                              tsa=True)  # fmt: skip
        self.rogue_tsa = self._cert("Rogue TSA", self.rogue_tsa_key, None, None, tsa=True)

    def _cert(self, name, key, issuer, issuer_key, ca=False, org="Test PKI", tsa=False):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID

        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                x509.NameAttribute(NameOID.COMMON_NAME, name),
            ]
        )
        now = datetime.now(UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer.subject if issuer else subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=not ca,
                    content_commitment=not ca,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=ca,
                    crl_sign=ca,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
        )
        if not ca:  # as VNPT-CA, Viettel-CA and the Government CA certificates do
            point = x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier("http://ca.test/sub.crl")],
                relative_name=None, reasons=None, crl_issuer=None,
            )  # fmt: skip
            builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
        if tsa:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
            )
        return builder.sign(issuer_key or key, hashes.SHA256())

    def trust_dir(self, with_intermediate: bool = True) -> Path:
        from cryptography.hazmat.primitives.serialization import Encoding

        target = self.dir / ("trust" if with_intermediate else "trust-root-only")
        target.mkdir(exist_ok=True)
        (target / "root.pem").write_bytes(self.root.public_bytes(Encoding.PEM))
        if with_intermediate:
            (target / "sub.crt").write_bytes(self.sub.public_bytes(Encoding.DER))
        return target

    def crl(self, revoked: str | None = None) -> bytes:
        """The intermediate CA's CRL (DER), listing ``revoked`` (``person`` or ``agency``)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.serialization import Encoding

        now = datetime.now(UTC)
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(self.sub.subject)
            .last_update(now - timedelta(minutes=5))
            .next_update(now + timedelta(days=7))
        )
        if revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(getattr(self, revoked).serial_number)
                .revocation_date(now - timedelta(hours=1))
                .build()
            )
        return builder.sign(self.sub_key, hashes.SHA256()).public_bytes(Encoding.DER)

    def sign(
        self,
        pdf: bytes,
        who: str = "person",
        field: str = "Signature1",
        cades: bool = False,
        stamped_at: datetime | None = None,
        tsa: str = "tsa",
        crl: bytes | None = None,
        archived_crl: bytes | None = None,
    ) -> bytes:
        """Sign with only the signer's own certificate embedded (as real VN PDFs do); with
        ``stamped_at``, the signature also gets a timestamp token of that time from ``tsa``
        (``tsa`` or ``rogue_tsa``); with ``crl``, that CRL is then added to the PDF's
        document security store, as long-term-validation services do; ``archived_crl`` goes
        into the signature itself (adbe-revocationInfoArchival), as signing tools do."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        cert, key = (
            (self.person, self.person_key) if who == "person" else (self.agency, self.agency_key)
        )
        signer = signers.SimpleSigner(
            signing_cert=_asn1_cert(cert),
            signing_key=_asn1_key(key),
            cert_registry=SimpleCertificateStore(),
        )
        revinfo = {}
        if archived_crl is not None:
            from pyhanko_certvalidator import ValidationContext

            revinfo["embed_validation_info"] = True
            revinfo["validation_context"] = ValidationContext(
                trust_roots=[_asn1_cert(self.root)],
                other_certs=[_asn1_cert(self.sub)],
                crls=[archived_crl],
                allow_fetching=False,
                revocation_mode="soft-fail",
            )
        meta = signers.PdfSignatureMetadata(
            field_name=field,
            subfilter=fields.SigSeedSubFilter.PADES
            if cades
            else fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
            **revinfo,
        )
        stamper = None
        if stamped_at is not None:
            from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

            tsa_cert = _asn1_cert(getattr(self, tsa))
            stamper = DummyTimeStamper(
                tsa_cert=tsa_cert,
                tsa_key=_asn1_key(getattr(self, f"{tsa}_key")),
                certs_to_embed=SimpleCertificateStore.from_certs([tsa_cert]),
                fixed_dt=stamped_at,
            )
        out = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
            meta,
            signer=signer,
            timestamper=stamper,
            output=out,
        )
        if crl is not None:  # added afterwards, as a validation service updates the DSS
            from asn1crypto import crl as asn1_crl
            from pyhanko.sign.validation.dss import DocumentSecurityStore

            DocumentSecurityStore.add_dss(
                out, None, crls=[asn1_crl.CertificateList.load(crl)], strict=False
            )
        return out.getvalue()


def _asn1_cert(cert):
    """A ``cryptography`` certificate as pyHanko takes it (asn1crypto)."""
    from asn1crypto import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    return x509.Certificate.load(cert.public_bytes(Encoding.DER))


def _asn1_key(key):
    from asn1crypto import keys
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        NoEncryption,
        PrivateFormat,
    )

    return keys.PrivateKeyInfo.load(
        key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    )


def modify_after_signing(pdf: bytes) -> bytes:
    """An incremental update that draws new text on page 1 (the signed bytes stay intact)."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    stream = generic.StreamObject(stream_data=b"0 0 1 rg 40 40 200 30 re f")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
