"""Decree 30/2020 metadata read from document text and e-mail subjects.

The examples follow the Decree 30 Appendix I/III layouts (công văn, quyết định, chỉ thị, …,
party documents) as text extraction gives them: header cells one after another or side by
side on one line, upper-case and OCR-noisy copies. Every field not named in an expectation
must come out empty: the parser may not invent anything.
"""

from __future__ import annotations

import email
import email.policy
import unicodedata
from email.message import Message
from pathlib import Path

import pytest

from archive.documents.metadata import Citation, DocumentMetadata, read_metadata
from archive.documents.metadata_rules import TYPE_BY_ABBREVIATION, fold
from archive.documents.normalise import normalise
from tests.conftest import CORPUS

FIELDS = (
    "number",
    "notation",
    "issued_date",
    "place",
    "doc_type",
    "issuer",
    "issuer_parent",
    "subject",
    "signer_name",
    "signer_title",
    "signer_authority",
    "source",
)


def _cite(c: Citation) -> tuple:
    when = c.issued_date.isoformat() if c.issued_date else None
    return (c.number, c.notation, c.doc_type, when) + ((c.title,) if c.title else ())


def _as_dict(md: DocumentMetadata) -> dict:
    out = {name: getattr(md, name) for name in FIELDS}
    out["issued_date"] = md.issued_date.isoformat() if md.issued_date else None
    out["cites"] = [_cite(c) for c in md.cites]
    return out


def _expect(**fields) -> dict:
    """The full expectation: fields not given must be empty."""
    out = dict.fromkeys(FIELDS)
    out["cites"] = []
    out.update(fields)
    return out


# ---------------------------------------------------------------------------------------
# Công văn

CV_NINH_THUAN = """\
ỦY BAN NHÂN DÂN
TỈNH NINH THUẬN
Số: 5985/UBND-KTN
V/v triển khai thực hiện Kế hoạch ứng dụng
công nghệ thông tin năm 2014
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 12 tháng 12 năm 2013
Kính gửi:
- Các sở, ban, ngành thuộc tỉnh;
- Ủy ban nhân dân các huyện, thành phố.
Thực hiện Chỉ thị số 15/CT-TTg ngày 22 tháng 5 năm 2012 của Thủ tướng Chính phủ về tăng \
cường sử dụng văn bản điện tử; Công văn số 1950/TTg-KGVX ngày 15/11/2013 của Thủ tướng \
Chính phủ, Ủy ban nhân dân tỉnh có ý kiến như sau:
1. Các cơ quan, đơn vị sử dụng thư điện tử công vụ trong trao đổi văn bản.
2. Sở Thông tin và Truyền thông theo dõi, tổng hợp, báo cáo.
Nơi nhận:
- Như trên;
- CT, các PCT UBND tỉnh;
- Lưu: VT, KTN.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
(Đã ký)
Nguyễn Văn A
"""
CV_NINH_THUAN_EXPECT = _expect(
    number="5985",
    notation="UBND-KTN",
    issued_date="2013-12-12",
    place="Ninh Thuận",
    doc_type="Công văn",
    issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
    subject="triển khai thực hiện Kế hoạch ứng dụng công nghệ thông tin năm 2014",
    signer_name="Nguyễn Văn A",
    signer_title="KT. CHỦ TỊCH, PHÓ CHỦ TỊCH",
    signer_authority="KT",
    source="text",
    cites=[
        ("15", "CT-TTg", "Chỉ thị", "2012-05-22"),
        ("1950", "TTg-KGVX", "Công văn", "2013-11-15"),
    ],
)

# The same header as a PDF text layer gives it: both columns on one line.
CV_SIDE_BY_SIDE = """\
ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
TỈNH NINH THUẬN Độc lập - Tự do - Hạnh phúc
Số: 5985/UBND-KTN Ninh Thuận, ngày 12 tháng 12 năm 2013
V/v triển khai thực hiện Chỉ thị số 15/CT-TTg
Kính gửi: Sở Thông tin và Truyền thông.
Ủy ban nhân dân tỉnh đề nghị Sở Thông tin và Truyền thông chủ trì, phối hợp các đơn vị.
Nơi nhận: KT. CHỦ TỊCH
- Như trên; PHÓ CHỦ TỊCH
- Lưu: VT, KTN.
Nguyễn Văn A
"""

CV_VPCP = """\
VĂN PHÒNG CHÍNH PHỦ
-------
Số: 7816/VPCP-TTĐT
V/v triển khai kết nối, liên thông
gửi, nhận văn bản điện tử
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Hà Nội, ngày 30 tháng 9 năm 2015
Kính gửi:
- Các Bộ, cơ quan ngang Bộ, cơ quan thuộc Chính phủ;
- Ủy ban nhân dân các tỉnh, thành phố trực thuộc Trung ương.
Thực hiện Quyết định số 1819/QĐ-TTg ngày 26/10/2015 của Thủ tướng Chính phủ, Văn phòng \
Chính phủ đề nghị các cơ quan triển khai kết nối.
Nơi nhận:
- Như trên;
- Lưu: VT, TTĐT (3b).
KT. BỘ TRƯỞNG, CHỦ NHIỆM
PHÓ CHỦ NHIỆM
Nguyễn Cao Lục
"""

CV_TTG = """\
THỦ TƯỚNG CHÍNH PHỦ
-------
Số: 1950/TTg-KGVX
V/v sơ kết thực hiện Chỉ thị số 34/2008/CT-TTg
và Chỉ thị số 15/CT-TTg
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 15 tháng 11 năm 2013
Kính gửi: Bộ Thông tin và Truyền thông.
Xét đề nghị của Bộ Thông tin và Truyền thông tại văn bản số 3456/BTTTT-ƯDCNTT ngày \
05/11/2013, Thủ tướng Chính phủ có ý kiến như sau:
Nơi nhận:
- Như trên;
- Lưu: VT, KGVX (3).
KT. THỦ TƯỚNG
PHÓ THỦ TƯỚNG
Vũ Đức Đam
"""

# Cục Thuế abbreviates itself "CT": with "V/v" this is a công văn, not a chỉ thị.
CV_CUC_THUE = """\
TỔNG CỤC THUẾ
CỤC THUẾ TP HÀ NỘI
Số: 45678/CT-TTHT
V/v chính sách thuế đối với hóa đơn điện tử
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 05 tháng 01 năm 2022
Kính gửi: Công ty TNHH Thương mại ABC.
Căn cứ Thông tư số 78/2021/TT-BTC ngày 17/9/2021 của Bộ Tài chính hướng dẫn về hóa đơn;
Cục Thuế TP Hà Nội trả lời như sau:
Nơi nhận:
- Như trên;
- Lưu: VT, TTHT.
KT. CỤC TRƯỞNG
PHÓ CỤC TRƯỞNG
Nguyễn Tiến Trường
"""

# Signed PDF: the VGCA signature appearance text comes first in the text layer.
CV_SIGNED_STAMP = """\
Ký bởi: Sở Thông tin và Truyền thông
Email: stttt@ninhthuan.gov.vn
Cơ quan: Tỉnh Ninh Thuận
Thời gian ký: 05.03.2020 10:15:34 +07:00
UBND TỈNH NINH THUẬN
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 312/STTTT-BCVT
V/v hướng dẫn sử dụng chữ ký số chuyên dùng Chính phủ
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 05/3/2020
Kính gửi: Các cơ quan, đơn vị trên địa bàn tỉnh.
Căn cứ Chỉ thị số 02/CT-TTg ngày 23/01/2019 của Thủ tướng Chính phủ;
Sở Thông tin và Truyền thông hướng dẫn như sau:
Nơi nhận:
- Như trên;
- Lưu: VT, BCVT.
GIÁM ĐỐC
Lê Thị Hồng Nhung
"""

# Before Decree 30: "Về việc" under the số.
CV_OLD_VE_VIEC = """\
SỞ NỘI VỤ TỈNH NINH THUẬN
Số: 702/SNV-VTLT
Về việc hướng dẫn lập hồ sơ điện tử
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 18 tháng 8 năm 2016
Kính gửi: Các sở, ban, ngành.
Nơi nhận:
- Như trên;
- Lưu: VT.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Bùi Văn Khoa
"""

# Party công văn: "123-CV/TU", signed "T/L BAN THƯỜNG VỤ".
CV_PARTY = """\
ĐẢNG BỘ TỈNH NINH THUẬN
TỈNH ỦY
*
Số 1234-CV/TU
V/v tăng cường ứng dụng công nghệ thông tin trong các cơ quan đảng
ĐẢNG CỘNG SẢN VIỆT NAM
Ninh Thuận, ngày 02 tháng 11 năm 2020
Kính gửi: Các huyện ủy, thành ủy, đảng ủy trực thuộc Tỉnh ủy.
Thực hiện Hướng dẫn số 11-HD/VPTW ngày 28/10/2019 của Văn phòng Trung ương Đảng, Ban \
Thường vụ Tỉnh ủy yêu cầu các cấp ủy thực hiện tốt các nội dung sau.
T/L BAN THƯỜNG VỤ
CHÁNH VĂN PHÒNG
Nguyễn Văn Bình
"""

# ---------------------------------------------------------------------------------------
# Văn bản có tên loại

QD_THANH_HOA = """\
ỦY BAN NHÂN DÂN
TỈNH THANH HÓA
-------
Số: 3380/2013/QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Thanh Hóa, ngày 30 tháng 9 năm 2013
QUYẾT ĐỊNH
Ban hành Quy chế quản lý, sử dụng hệ thống thư điện tử công vụ
của tỉnh Thanh Hóa
-----------
ỦY BAN NHÂN DÂN TỈNH THANH HÓA
Căn cứ Luật Tổ chức Hội đồng nhân dân và Ủy ban nhân dân ngày 26 tháng 11 năm 2003;
Căn cứ Luật Công nghệ thông tin ngày 29 tháng 6 năm 2006;
Căn cứ Chỉ thị số 34/2008/CT-TTg ngày 03/12/2008 của Thủ tướng Chính phủ về tăng cường sử \
dụng hệ thống thư điện tử trong hoạt động của cơ quan nhà nước;
Căn cứ Chỉ thị số 15/CT-TTg ngày 22/5/2012 của Thủ tướng Chính phủ;
Xét đề nghị của Giám đốc Sở Thông tin và Truyền thông tại Tờ trình số 123/TTr-STTTT ngày \
10/9/2013,
QUYẾT ĐỊNH:
Điều 1. Ban hành kèm theo Quyết định này Quy chế quản lý, sử dụng hệ thống thư điện tử công vụ.
Điều 2. Quyết định này có hiệu lực thi hành sau 10 ngày kể từ ngày ký.
Nơi nhận:
- Như Điều 3;
- Bộ TT&TT (b/c);
- Lưu: VT, VX.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
(Đã ký)
Vương Văn Việt
"""

QD_TTG_UPPER_SUBJECT = """\
THỦ TƯỚNG CHÍNH PHỦ
-------
Số: 28/2018/QĐ-TTg
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
---------------
Hà Nội, ngày 12 tháng 7 năm 2018
QUYẾT ĐỊNH
VỀ VIỆC GỬI, NHẬN VĂN BẢN ĐIỆN TỬ GIỮA CÁC CƠ QUAN
TRONG HỆ THỐNG HÀNH CHÍNH NHÀ NƯỚC
Căn cứ Luật tổ chức Chính phủ ngày 19 tháng 6 năm 2015;
Căn cứ Luật giao dịch điện tử ngày 29 tháng 11 năm 2005;
Theo đề nghị của Bộ trưởng Bộ Thông tin và Truyền thông;
Thủ tướng Chính phủ ban hành Quyết định về việc gửi, nhận văn bản điện tử.
Nơi nhận:
- Ban Bí thư Trung ương Đảng;
- Lưu: VT, KGVX (2b).
KT. THỦ TƯỚNG
PHÓ THỦ TƯỚNG
Vương Đình Huệ
"""

QD_ONE_LINE_TITLE = """\
UBND HUYỆN NINH PHƯỚC
PHÒNG NỘI VỤ
Số: 15/QĐ-PNV
Ninh Phước, ngày 03 tháng 02 năm 2021
QUYẾT ĐỊNH Về việc thành lập Tổ công tác chuyển đổi số
TRƯỞNG PHÒNG NỘI VỤ HUYỆN NINH PHƯỚC
Căn cứ Quyết định số 749/QĐ-TTg ngày 03 tháng 6 năm 2020 của Thủ tướng Chính phủ;
QUYẾT ĐỊNH:
Điều 1. Thành lập Tổ công tác.
TRƯỞNG PHÒNG
Đỗ Thị Mai
"""

CT_TTG = """\
THỦ TƯỚNG CHÍNH PHỦ
--------
Số: 15/CT-TTg
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 22 tháng 5 năm 2012
CHỈ THỊ
Về việc tăng cường sử dụng văn bản điện tử trong hoạt động của cơ quan nhà nước
--------
Trong những năm qua, việc ứng dụng công nghệ thông tin trong hoạt động của cơ quan nhà nước \
đã có những bước tiến đáng kể.
Nơi nhận:
- Ban Bí thư Trung ương Đảng;
- Lưu: Văn thư, KGVX (3b).
THỦ TƯỚNG
(Đã ký)
Nguyễn Tấn Dũng
"""

CT_PARTY = """\
BAN CHẤP HÀNH ĐẢNG BỘ TỈNH NINH THUẬN
BAN THƯỜNG VỤ
*
Số 05-CT/TU
ĐẢNG CỘNG SẢN VIỆT NAM
Ninh Thuận, ngày 04 tháng 8 năm 2021
CHỈ THỊ
của Ban Thường vụ Tỉnh ủy về tăng cường lãnh đạo công tác chuyển đổi số
Thời gian qua, công tác chuyển đổi số trên địa bàn tỉnh đã đạt được một số kết quả bước đầu.
T/M BAN THƯỜNG VỤ
BÍ THƯ
Nguyễn Đức Thanh
"""

KH_SO = """\
UBND TỈNH NINH THUẬN
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 45/KH-STTTT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 05 tháng 3 năm 2020
KẾ HOẠCH
Triển khai Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ
về công tác văn thư tại Sở Thông tin và Truyền thông
Thực hiện Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư; Sở \
Thông tin và Truyền thông ban hành Kế hoạch triển khai như sau:
I. MỤC ĐÍCH, YÊU CẦU
1. Bảo đảm văn bản điện tử đúng thể thức.
Nơi nhận:
- UBND tỉnh (b/c);
- Lưu: VT, VP.
GIÁM ĐỐC
(Đã ký)
Trần Thị Bích
"""

KH_NO_NUMBER = """\
ỦY BAN NHÂN DÂN
HUYỆN THUẬN BẮC
KẾ HOẠCH
Tuyên truyền về chuyển đổi số năm 2023
Nhằm nâng cao nhận thức của cán bộ, công chức và người dân về chuyển đổi số, Ủy ban nhân dân \
huyện ban hành Kế hoạch tuyên truyền như sau.
"""

TB_KET_LUAN = """\
VĂN PHÒNG ỦY BAN NHÂN DÂN
TỈNH NINH THUẬN
Số: 12/TB-VPUB
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 08 tháng 4 năm 2021
THÔNG BÁO
Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại buổi làm việc
với Sở Thông tin và Truyền thông
Ngày 05/4/2021, Chủ tịch Ủy ban nhân dân tỉnh đã có buổi làm việc với Sở Thông tin và Truyền \
thông về tình hình triển khai chính quyền điện tử.
Nơi nhận:
- Sở TT&TT;
- Lưu: VT.
TL. CHỦ TỊCH
CHÁNH VĂN PHÒNG
Lê Văn Cường
"""

BC_SO = """\
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
TỈNH NINH THUẬN
Số: 215/BC-STTTT
Ninh Thuận, ngày 20 tháng 12 năm 2019
BÁO CÁO
Tình hình ứng dụng công nghệ thông tin năm 2019
Kính gửi: Ủy ban nhân dân tỉnh Ninh Thuận.
Thực hiện Công văn số 4512/UBND-VXNV ngày 01/11/2019 của Ủy ban nhân dân tỉnh, Sở Thông tin \
và Truyền thông báo cáo như sau:
Nơi nhận:
- Như trên;
- Lưu: VT.
GIÁM ĐỐC
Phạm Minh Đức
"""

TTR_SNV = """\
SỞ NỘI VỤ TỈNH NINH THUẬN
Số: 87/TTr-SNV
Ninh Thuận, ngày 03 tháng 6 năm 2022
TỜ TRÌNH
Về việc ban hành Quy chế công tác văn thư, lưu trữ
Kính gửi: Ủy ban nhân dân tỉnh.
Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;
Sở Nội vụ kính trình Ủy ban nhân dân tỉnh xem xét, ban hành.
KT. GIÁM ĐỐC
PHÓ GIÁM ĐỐC
Đặng Thị Hương
"""

NQ_PARTY = """\
ĐẢNG BỘ TỈNH NINH THUẬN
TỈNH ỦY
*
Số 09-NQ/TU
ĐẢNG CỘNG SẢN VIỆT NAM
Ninh Thuận, ngày 15 tháng 01 năm 2021
NGHỊ QUYẾT
về chuyển đổi số tỉnh Ninh Thuận đến năm 2025, định hướng đến năm 2030
-----
Căn cứ Nghị quyết số 52-NQ/TW ngày 27 tháng 9 năm 2019 của Bộ Chính trị về một số chủ \
trương, chính sách chủ động tham gia cuộc Cách mạng công nghiệp lần thứ tư;
I. TÌNH HÌNH
T/M BAN THƯỜNG VỤ
BÍ THƯ
Nguyễn Đức Thanh
"""

NQ_HDND = """\
HỘI ĐỒNG NHÂN DÂN
TỈNH NINH THUẬN
Số: 12/2021/NQ-HĐND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 20 tháng 7 năm 2021
NGHỊ QUYẾT
Quy định mức chi hỗ trợ cán bộ làm công tác chuyển đổi số
HỘI ĐỒNG NHÂN DÂN TỈNH NINH THUẬN
KHÓA XI KỲ HỌP THỨ 2
Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;
Căn cứ Luật sửa đổi, bổ sung một số điều của Luật Tổ chức Chính phủ và Luật Tổ chức chính \
quyền địa phương ngày 22 tháng 11 năm 2019;
Căn cứ Luật Ngân sách nhà nước ngày 25/6/2015;
QUYẾT NGHỊ:
Điều 1. Quy định mức chi.
CHỦ TỊCH
Phạm Văn Hậu
"""

ND_CHINH_PHU = """\
CHÍNH PHỦ
-------
Số: 30/2020/NĐ-CP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 05 tháng 3 năm 2020
NGHỊ ĐỊNH
VỀ CÔNG TÁC VĂN THƯ
Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;
Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011;
Theo đề nghị của Bộ trưởng Bộ Nội vụ;
Chính phủ ban hành Nghị định về công tác văn thư.
Nơi nhận:
- Ban Bí thư Trung ương Đảng;
- Lưu: VT, TCCV (2b).
TM. CHÍNH PHỦ
THỦ TƯỚNG
Nguyễn Xuân Phúc
"""

TT_BTTTT = """\
BỘ THÔNG TIN VÀ TRUYỀN THÔNG
-------
Số: 22/2013/TT-BTTTT
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Hà Nội, ngày 23 tháng 12 năm 2013
THÔNG TƯ
Ban hành Danh mục tiêu chuẩn kỹ thuật về ứng dụng công nghệ thông tin trong cơ quan nhà nước
Căn cứ Luật Công nghệ thông tin ngày 29 tháng 6 năm 2006;
Căn cứ Nghị định số 132/2013/NĐ-CP ngày 16 tháng 10 năm 2013 của Chính phủ quy định chức \
năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của Bộ Thông tin và Truyền thông;
Căn cứ Thông tư liên tịch số 03/2015/TTLT-BTTTT-BNV ngày 06 tháng 3 năm 2015;
Bộ trưởng Bộ Thông tin và Truyền thông ban hành Thông tư quy định Danh mục tiêu chuẩn.
BỘ TRƯỞNG
Nguyễn Bắc Son
"""

LUAT = """\
QUỐC HỘI
-------
Luật số: 77/2015/QH13
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
LUẬT
TỔ CHỨC CHÍNH QUYỀN ĐỊA PHƯƠNG
Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;
Quốc hội ban hành Luật tổ chức chính quyền địa phương.
Luật này được Quốc hội nước Cộng hòa xã hội chủ nghĩa Việt Nam khóa XIII, kỳ họp thứ 9 thông \
qua ngày 19 tháng 6 năm 2015.
CHỦ TỊCH QUỐC HỘI
Nguyễn Sinh Hùng
"""

GM_UBND = """\
ỦY BAN NHÂN DÂN
TỈNH NINH THUẬN
Số: 35/GM-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 10 tháng 01 năm 2022
GIẤY MỜI
Dự Hội nghị triển khai Đề án 06 năm 2022
Ủy ban nhân dân tỉnh trân trọng kính mời đại diện lãnh đạo các sở, ban, ngành tham dự hội nghị.
Thời gian: 08 giờ 00, ngày 14/01/2022.
Địa điểm: Hội trường Ủy ban nhân dân tỉnh.
TL. CHỦ TỊCH
KT. CHÁNH VĂN PHÒNG
PHÓ CHÁNH VĂN PHÒNG
Hồ Thị Phương
"""

CD_UBND = """\
ỦY BAN NHÂN DÂN
TỈNH NINH THUẬN
Số: 07/CĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 28 tháng 10 năm 2020
CÔNG ĐIỆN
Về việc chủ động ứng phó với bão số 9
CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH điện:
- Giám đốc các sở, ngành;
- Chủ tịch Ủy ban nhân dân các huyện, thành phố.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Lê Huyền
"""

HD_SO = """\
UBND TỈNH NINH THUẬN
SỞ NỘI VỤ
Số: 02/HD-SNV
Ninh Thuận, ngày 15 tháng 02 năm 2021
HƯỚNG DẪN
Lập hồ sơ và nộp lưu hồ sơ điện tử vào Lưu trữ cơ quan
Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư;
GIÁM ĐỐC
Châu Thị Lan
"""

# An attached regulation: no số of its own, it cites the decision that issues it.
QUY_DINH_ATTACHED = """\
ỦY BAN NHÂN DÂN
TỈNH TIỀN GIANG
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
QUY ĐỊNH
Về quản lý, sử dụng hệ thống thư điện tử công vụ tỉnh Tiền Giang
(Ban hành kèm theo Quyết định số 51/2016/QĐ-UBND ngày 31/10/2016 của UBND tỉnh Tiền Giang)
Chương I
QUY ĐỊNH CHUNG
"""

# Old tone placement ("HOÀ", "UỶ"): Decree 30 itself mixes both.
GUQ_OLD_TONES = """\
CÔNG AN TỈNH NINH THUẬN
PHÒNG THAM MƯU
Số: 03/GUQ-PTM
CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 09 tháng 9 năm 2019
GIẤY UỶ QUYỀN
Về việc ký văn bản điện tử
TRƯỞNG PHÒNG
Đại tá Nguyễn Hữu Giang
"""

# Police with a rank before the name.
KH_CONG_AN = """\
BỘ CÔNG AN
CÔNG AN TỈNH NINH THUẬN
Số: 456/KH-CAT-PV01
Ninh Thuận, ngày 11 tháng 5 năm 2022
KẾ HOẠCH
Triển khai Đề án 06 trên địa bàn tỉnh
Thực hiện Quyết định số 06/QĐ-TTg ngày 06/01/2022 của Thủ tướng Chính phủ, Công an tỉnh xây \
dựng Kế hoạch như sau:
GIÁM ĐỐC
Đại tá Đỗ Hữu Huy
"""

# Upper-case copy (fax/OCR of a copy typed in capitals).
CV_UPPER = """\
ỦY BAN NHÂN DÂN TỈNH NINH THUẬN
SỐ: 1234/UBND-VX
V/V TĂNG CƯỜNG SỬ DỤNG THƯ ĐIỆN TỬ CÔNG VỤ
NINH THUẬN, NGÀY 05 THÁNG 01 NĂM 2015
KÍNH GỬI: CÁC SỞ, BAN, NGÀNH THUỘC TỈNH
THỰC HIỆN CHỈ THỊ SỐ 34/2008/CT-TTG NGÀY 03/12/2008 CỦA THỦ TƯỚNG CHÍNH PHỦ, ỦY BAN NHÂN DÂN \
TỈNH YÊU CẦU CÁC CƠ QUAN THỰC HIỆN NGHIÊM.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
NGUYỄN VĂN AN
"""

# OCR: extra spaces, spaces around "/" and "-", stray bars, a broken citation line.
CV_OCR = """\
| ỦY BAN NHÂN DÂN
TỈNH  NINH   THUẬN
Số : 5985 / UBND- KTN
V / v triển khai thực hiện kế hoạch
ứng dụng CNTT năm 2014
Ninh Thuận , ngày 12  tháng 12  năm 2013 |
Kính gửi: Các sở, ban, ngành.
Căn cứ Quyết định số 28/2018/QĐ-TTg ngày
12/7/2018 của Thủ tướng Chính phủ;
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
~ .
Nguyễn Văn A
"""

# OCR that lost most diacritics in the title and the labels.
QD_OCR_NO_MARKS = """\
UY BAN NHAN DAN
TINH NINH THUAN
So: 192/QĐ-UBND
Ninh Thuan, ngay 15 thang 01 nam 2020
QUYET DINH
Ve viec phe duyet Ke hoach chuyen doi so
Can cu Luat To chuc chinh quyen dia phuong ngay 19 thang 6 nam 2015;
"""

# A draft: blanks for number and date.
QD_DRAFT = """\
DỰ THẢO
ỦY BAN NHÂN DÂN
TỈNH NINH THUẬN
Số:      /QĐ-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày      tháng     năm 2020
QUYẾT ĐỊNH
Ban hành Quy chế công tác văn thư
"""

# Merged header line (OCR of a scan) and a numeric date with dashes.
CV_MERGED_HEADER = """\
ỦY BAN NHÂN DÂN TỈNH NINH THUẬN Số: 123/UBND-VP
V/v báo cáo số liệu văn bản điện tử quý I
Ninh Thuận, ngày 02-4-2019
Kính gửi: Các sở, ngành.
CHỦ TỊCH
Lưu Xuân Vĩnh
"""

# Invalid date in the header (31/02): no date, the rest still read.
CV_BAD_DATE = """\
ỦY BAN NHÂN DÂN
TỈNH NINH THUẬN
Số: 77/UBND-TH
V/v rà soát hộp thư điện tử
Ninh Thuận, ngày 31 tháng 02 năm 2020
Kính gửi: Các sở, ngành.
Căn cứ Quyết định số 12/QĐ-UBND ngày 15/13/2020 của UBND tỉnh; Kế hoạch số 5/KH-UBND ngày \
01/01/1850;
CHỦ TỊCH
Trần Quốc Nam
"""

# Citations in many shapes, in a công văn with a numeric header date.
CV_CITATIONS = """\
BỘ NỘI VỤ
Số: 05/BNV-VP
V/v thực hiện các văn bản về văn thư, lưu trữ
Hà Nội, ngày 05/3/2020
Kính gửi: Các Bộ, cơ quan ngang Bộ.
Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư;
Căn cứ Luật Lưu trữ ngày 11 tháng 11 năm 2011;
Thực hiện Chỉ thị số 15/CT-TTg ngày 22 tháng 5 năm 2012 của Thủ tướng Chính phủ;
Thực hiện Nghị quyết số 09-NQ/TU ngày 15/01/2021 của Ban Thường vụ Tỉnh ủy;
Theo văn bản số 456/STTTT-VP ngày 02/4/2020 của Sở Thông tin và Truyền thông;
Quyết định 20/2020/QĐ-TTg ngày 22-7-2020 về mã định danh điện tử;
Nghị định số 30/2020/NĐ-CP nêu trên quy định thể thức văn bản.
Nơi nhận:
- Như trên;
- Lưu: VT, VP.
TL. BỘ TRƯỞNG
CHÁNH VĂN PHÒNG
Nguyễn Thị Thu
"""

CTR_NOTATION_ONLY = """\
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 08/CTr-STTTT
Ninh Thuận, ngày 06 tháng 01 năm 2023
Căn cứ Kế hoạch số 10/KH-UBND ngày 03/01/2023 của Ủy ban nhân dân tỉnh;
"""

# A normal e-mail: a date and a document mentioned, but it is not a document.
PLAIN_EMAIL = """\
Kính gửi anh chị,
Văn phòng gửi kèm Quyết định số 123/QĐ-UBND ngày 05/3/2020 để các đơn vị nghiên cứu.
Hà Nội, ngày 5 tháng 3 năm 2020
Trân trọng,
Nguyễn Văn Hùng
Phòng Hành chính - Tổng hợp
"""

# Numbers that are not document numbers: phone, amount, account, tax code.
NOT_NUMBERS = """\
Số điện thoại: 0259.3822.123
Số tiền: 1.500.000/tháng
Số: 0912/345 678
Số tài khoản: 0123456789 tại Ngân hàng Nông nghiệp
Mã số thuế: 4500123456
Hotline 1900/1234
"""

ENGLISH_TEXT = """\
Hello team,
Please find attached the report ref. 2020/ABC-12 and invoice No: 45/INV-2020.
Best regards,
John Smith
"""

# DOCX header table read right cell first.
CV_RIGHT_CELL_FIRST = """\
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Phan Rang-Tháp Chàm, ngày 09 tháng 6 năm 2023
ỦY BAN NHÂN DÂN
THÀNH PHỐ PHAN RANG-THÁP CHÀM
Số: 1502/UBND-VP
V/v triển khai thực hiện
Kế hoạch số 12/KH-UBND
Kính gửi: Các phòng, ban thuộc thành phố.
Nội dung triển khai theo kế hoạch.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Nguyễn Văn Hải
"""

# Tab-separated columns (text of a DOCX table row), signature column beside "Nơi nhận".
BC_XA_TABS = """\
ỦY BAN NHÂN DÂN\tCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
XÃ PHƯỚC DINH\tĐộc lập - Tự do - Hạnh phúc
Số: 12/BC-UBND\tPhước Dinh, ngày 03 tháng 3 năm 2021
BÁO CÁO
Kết quả thực hiện nhiệm vụ tháng 02 năm 2021
I. KẾT QUẢ
Nơi nhận:\tTM. ỦY BAN NHÂN DÂN
- UBND huyện;\tCHỦ TỊCH
- Lưu: VT.\t
\tĐã ký
\tKiều Thị Hoa
"""

# A regulation citing laws by name with their number.
QC_LAWS_WITH_NUMBERS = """\
BỘ NỘI VỤ
Số: 09/QC-BNV
Hà Nội, ngày 21 tháng 02 năm 2022
QUY CHẾ
Làm việc của Bộ Nội vụ
Căn cứ Luật Ban hành văn bản quy phạm pháp luật số 80/2015/QH13 ngày 22 tháng 6 năm 2015;
Căn cứ Bộ luật Lao động ngày 20 tháng 11 năm 2019;
Căn cứ Hiến pháp năm 2013;
BỘ TRƯỞNG
Phạm Thị Thanh Trà
"""

# An e-mail listing documents line by line: no header, so no document.
EMAIL_LISTING = """\
Kính gửi các đơn vị,
Văn phòng chuyển các văn bản sau:
Số 123/QĐ-UBND ngày 5/3/2020 về việc phê duyệt kế hoạch
Số 45/KH-UBND ngày 6/3/2020 của UBND tỉnh
Trân trọng.
"""

# "thực hiện …" continues the trích yếu (lower case), a title wrapped over two lines.
CV_WRAPPED = """\
ỦY BAN NHÂN DÂN
TỈNH NINH THUẬN
Số: 88/UBND-VXNV
V/v triển khai
thực hiện Kế hoạch số 12/KH-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Ninh Thuận, ngày 07 tháng 01 năm 2021
Kính gửi: Các sở, ban, ngành.
Thực hiện ý kiến chỉ đạo của Chủ tịch Ủy ban nhân dân tỉnh, Văn phòng thông báo như sau.
TL. CHỦ TỊCH
KT. CHÁNH
VĂN PHÒNG
PHÓ CHÁNH VĂN PHÒNG
Đặng Văn Phòng
"""

# Right cell first, no số yet: the agency above the title; a short first body line.
KH_RIGHT_FIRST_NO_NUMBER = """\
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Bác Ái, ngày 07 tháng 01 năm 2021
ỦY BAN NHÂN DÂN
HUYỆN BÁC ÁI
KẾ HOẠCH
Chuyển đổi số năm 2021
Nhằm triển khai hiệu quả chuyển đổi số.
"""

# A Thông báo / Giấy mời: the first body line introduces a list ("… như sau:") or names the
# invited ("Kính mời: …"); neither continues the trích yếu.
TB_BODY_INTRODUCES_LIST = """\
ỦY BAN NHÂN DÂN TỈNH NINH THUẬN
Số: 112/TB-UBND
Ninh Thuận, ngày 09 tháng 9 năm 2024
THÔNG BÁO
Lịch nghỉ lễ Quốc khánh năm 2024
Ủy ban nhân dân tỉnh thông báo lịch nghỉ lễ như sau:
1. Thời gian nghỉ: từ ngày 31/8 đến 03/9/2024.
"""

GM_KINH_MOI = """\
UBND TỈNH NINH THUẬN
VĂN PHÒNG
Số: 32/GM-VPUB
Ninh Thuận, ngày 15 tháng 4 năm 2024
GIẤY MỜI
Dự họp giao ban chuyển đổi số quý I năm 2024
Kính mời: Lãnh đạo Sở Thông tin và Truyền thông.
Thời gian: 08 giờ 00, ngày 18/4/2024.
"""

# PDF text layers: "Số:" and its value on two lines (a number stamped by the system, or a
# narrow header column), and a ký hiệu wrapped after its "-".
BC_NUMBER_ON_NEXT_LINE = """\
UBND TỈNH NINH THUẬN
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số:
15/BC-STTTT
Ninh Thuận, ngày 05 tháng 3 năm 2024
BÁO CÁO
Kết quả thực hiện chuyển đổi số quý I năm 2024
Kính gửi: Ủy ban nhân dân tỉnh.
"""

CV_NOTATION_WRAPPED = """\
UBND TỈNH NINH THUẬN
SỞ THÔNG TIN VÀ TRUYỀN THÔNG
Số: 1234/STTTT-
CNTT Ninh Thuận, ngày 05 tháng 3 năm 2024
V/v đôn đốc báo cáo tình hình
ứng dụng công nghệ thông tin
Kính gửi: Các sở, ban, ngành.
"""

EXAMPLES = [
    ("cong-van-ninh-thuan", CV_NINH_THUAN, None, CV_NINH_THUAN_EXPECT),
    (
        "cong-van-side-by-side-columns",
        CV_SIDE_BY_SIDE,
        None,
        _expect(
            number="5985",
            notation="UBND-KTN",
            issued_date="2013-12-12",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="triển khai thực hiện Chỉ thị số 15/CT-TTg",
            signer_name="Nguyễn Văn A",
            signer_title="KT. CHỦ TỊCH, PHÓ CHỦ TỊCH",
            signer_authority="KT",
            source="text",
            cites=[("15", "CT-TTg", "Chỉ thị", None)],
        ),
    ),
    (
        "cong-van-vpcp",
        CV_VPCP,
        None,
        _expect(
            number="7816",
            notation="VPCP-TTĐT",
            issued_date="2015-09-30",
            place="Hà Nội",
            doc_type="Công văn",
            issuer="VĂN PHÒNG CHÍNH PHỦ",
            subject="triển khai kết nối, liên thông gửi, nhận văn bản điện tử",
            signer_name="Nguyễn Cao Lục",
            signer_title="KT. BỘ TRƯỞNG, CHỦ NHIỆM, PHÓ CHỦ NHIỆM",
            signer_authority="KT",
            source="text",
            cites=[("1819", "QĐ-TTg", "Quyết định", "2015-10-26")],
        ),
    ),
    (
        "cong-van-thu-tuong",
        CV_TTG,
        None,
        _expect(
            number="1950",
            notation="TTg-KGVX",
            issued_date="2013-11-15",
            place="Hà Nội",
            doc_type="Công văn",
            issuer="THỦ TƯỚNG CHÍNH PHỦ",
            subject="sơ kết thực hiện Chỉ thị số 34/2008/CT-TTg và Chỉ thị số 15/CT-TTg",
            signer_name="Vũ Đức Đam",
            signer_title="KT. THỦ TƯỚNG, PHÓ THỦ TƯỚNG",
            signer_authority="KT",
            source="text",
            cites=[
                ("34", "2008/CT-TTg", "Chỉ thị", None),
                ("15", "CT-TTg", "Chỉ thị", None),
                ("3456", "BTTTT-ƯDCNTT", None, "2013-11-05"),
            ],
        ),
    ),
    (
        "cong-van-cuc-thue-ct-is-not-chi-thi",
        CV_CUC_THUE,
        None,
        _expect(
            number="45678",
            notation="CT-TTHT",
            issued_date="2022-01-05",
            place="Hà Nội",
            doc_type="Công văn",
            issuer="CỤC THUẾ TP HÀ NỘI",
            issuer_parent="TỔNG CỤC THUẾ",
            subject="chính sách thuế đối với hóa đơn điện tử",
            signer_name="Nguyễn Tiến Trường",
            signer_title="KT. CỤC TRƯỞNG, PHÓ CỤC TRƯỞNG",
            signer_authority="KT",
            source="text",
            cites=[("78", "2021/TT-BTC", "Thông tư", "2021-09-17")],
        ),
    ),
    (
        "cong-van-signed-pdf-stamp-numeric-date",
        CV_SIGNED_STAMP,
        None,
        _expect(
            number="312",
            notation="STTTT-BCVT",
            issued_date="2020-03-05",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            issuer_parent="UBND TỈNH NINH THUẬN",
            subject="hướng dẫn sử dụng chữ ký số chuyên dùng Chính phủ",
            signer_name="Lê Thị Hồng Nhung",
            signer_title="GIÁM ĐỐC",
            source="text",
            cites=[("02", "CT-TTg", "Chỉ thị", "2019-01-23")],
        ),
    ),
    (
        "cong-van-old-ve-viec",
        CV_OLD_VE_VIEC,
        None,
        _expect(
            number="702",
            notation="SNV-VTLT",
            issued_date="2016-08-18",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="SỞ NỘI VỤ TỈNH NINH THUẬN",
            subject="hướng dẫn lập hồ sơ điện tử",
            signer_name="Bùi Văn Khoa",
            signer_title="KT. GIÁM ĐỐC, PHÓ GIÁM ĐỐC",
            signer_authority="KT",
            source="text",
        ),
    ),
    (
        "cong-van-party",
        CV_PARTY,
        None,
        _expect(
            number="1234",
            notation="CV/TU",
            issued_date="2020-11-02",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="TỈNH ỦY",
            issuer_parent="ĐẢNG BỘ TỈNH NINH THUẬN",
            subject="tăng cường ứng dụng công nghệ thông tin trong các cơ quan đảng",
            signer_name="Nguyễn Văn Bình",
            signer_title="T/L BAN THƯỜNG VỤ, CHÁNH VĂN PHÒNG",
            signer_authority="TL",
            source="text",
            cites=[("11", "HD/VPTW", "Hướng dẫn", "2019-10-28")],
        ),
    ),
    (
        "quyet-dinh-thanh-hoa",
        QD_THANH_HOA,
        None,
        _expect(
            number="3380",
            notation="2013/QĐ-UBND",
            issued_date="2013-09-30",
            place="Thanh Hóa",
            doc_type="Quyết định",
            issuer="ỦY BAN NHÂN DÂN TỈNH THANH HÓA",
            subject="Ban hành Quy chế quản lý, sử dụng hệ thống thư điện tử công vụ của tỉnh "
            "Thanh Hóa",
            signer_name="Vương Văn Việt",
            signer_title="TM. ỦY BAN NHÂN DÂN, KT. CHỦ TỊCH, PHÓ CHỦ TỊCH",
            signer_authority="KT",
            source="text",
            cites=[
                (
                    None,
                    None,
                    "Luật",
                    "2003-11-26",
                    "Tổ chức Hội đồng nhân dân và Ủy ban nhân dân",
                ),
                (None, None, "Luật", "2006-06-29", "Công nghệ thông tin"),
                ("34", "2008/CT-TTg", "Chỉ thị", "2008-12-03"),
                ("15", "CT-TTg", "Chỉ thị", "2012-05-22"),
                ("123", "TTr-STTTT", "Tờ trình", "2013-09-10"),
            ],
        ),
    ),
    (
        "quyet-dinh-thu-tuong-upper-case-trich-yeu",
        QD_TTG_UPPER_SUBJECT,
        None,
        _expect(
            number="28",
            notation="2018/QĐ-TTg",
            issued_date="2018-07-12",
            place="Hà Nội",
            doc_type="Quyết định",
            issuer="THỦ TƯỚNG CHÍNH PHỦ",
            subject="VỀ VIỆC GỬI, NHẬN VĂN BẢN ĐIỆN TỬ GIỮA CÁC CƠ QUAN TRONG HỆ THỐNG HÀNH "
            "CHÍNH NHÀ NƯỚC",
            signer_name="Vương Đình Huệ",
            signer_title="KT. THỦ TƯỚNG, PHÓ THỦ TƯỚNG",
            signer_authority="KT",
            source="text",
            cites=[
                (None, None, "Luật", "2015-06-19", "tổ chức Chính phủ"),
                (None, None, "Luật", "2005-11-29", "giao dịch điện tử"),
            ],
        ),
    ),
    (
        "quyet-dinh-title-and-trich-yeu-on-one-line",
        QD_ONE_LINE_TITLE,
        None,
        _expect(
            number="15",
            notation="QĐ-PNV",
            issued_date="2021-02-03",
            place="Ninh Phước",
            doc_type="Quyết định",
            issuer="PHÒNG NỘI VỤ",
            issuer_parent="UBND HUYỆN NINH PHƯỚC",
            subject="Về việc thành lập Tổ công tác chuyển đổi số",
            signer_name="Đỗ Thị Mai",
            signer_title="TRƯỞNG PHÒNG",
            source="text",
            cites=[("749", "QĐ-TTg", "Quyết định", "2020-06-03")],
        ),
    ),
    (
        "chi-thi-thu-tuong",
        CT_TTG,
        None,
        _expect(
            number="15",
            notation="CT-TTg",
            issued_date="2012-05-22",
            place="Hà Nội",
            doc_type="Chỉ thị",
            issuer="THỦ TƯỚNG CHÍNH PHỦ",
            subject="Về việc tăng cường sử dụng văn bản điện tử trong hoạt động của cơ quan nhà "
            "nước",
            signer_name="Nguyễn Tấn Dũng",
            signer_title="THỦ TƯỚNG",
            source="text",
        ),
    ),
    (
        "chi-thi-party",
        CT_PARTY,
        None,
        _expect(
            number="05",
            notation="CT/TU",
            issued_date="2021-08-04",
            place="Ninh Thuận",
            doc_type="Chỉ thị",
            issuer="BAN THƯỜNG VỤ",
            issuer_parent="BAN CHẤP HÀNH ĐẢNG BỘ TỈNH NINH THUẬN",
            subject="của Ban Thường vụ Tỉnh ủy về tăng cường lãnh đạo công tác chuyển đổi số",
            signer_name="Nguyễn Đức Thanh",
            signer_title="T/M BAN THƯỜNG VỤ, BÍ THƯ",
            signer_authority="TM",
            source="text",
        ),
    ),
    (
        "ke-hoach-so",
        KH_SO,
        None,
        _expect(
            number="45",
            notation="KH-STTTT",
            issued_date="2020-03-05",
            place="Ninh Thuận",
            doc_type="Kế hoạch",
            issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            issuer_parent="UBND TỈNH NINH THUẬN",
            subject="Triển khai Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công "
            "tác văn thư tại Sở Thông tin và Truyền thông",
            signer_name="Trần Thị Bích",
            signer_title="GIÁM ĐỐC",
            source="text",
            cites=[("30", "2020/NĐ-CP", "Nghị định", "2020-03-05")],
        ),
    ),
    (
        "ke-hoach-without-number",
        KH_NO_NUMBER,
        None,
        _expect(
            doc_type="Kế hoạch",
            issuer="ỦY BAN NHÂN DÂN HUYỆN THUẬN BẮC",
            subject="Tuyên truyền về chuyển đổi số năm 2023",
            source="text",
        ),
    ),
    (
        "thong-bao-ket-luan",
        TB_KET_LUAN,
        None,
        _expect(
            number="12",
            notation="TB-VPUB",
            issued_date="2021-04-08",
            place="Ninh Thuận",
            doc_type="Thông báo",
            issuer="VĂN PHÒNG ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="Kết luận của Chủ tịch Ủy ban nhân dân tỉnh tại buổi làm việc với Sở Thông "
            "tin và Truyền thông",
            signer_name="Lê Văn Cường",
            signer_title="TL. CHỦ TỊCH, CHÁNH VĂN PHÒNG",
            signer_authority="TL",
            source="text",
        ),
    ),
    (
        "bao-cao",
        BC_SO,
        None,
        _expect(
            number="215",
            notation="BC-STTTT",
            issued_date="2019-12-20",
            place="Ninh Thuận",
            doc_type="Báo cáo",
            issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH NINH THUẬN",
            subject="Tình hình ứng dụng công nghệ thông tin năm 2019",
            signer_name="Phạm Minh Đức",
            signer_title="GIÁM ĐỐC",
            source="text",
            cites=[("4512", "UBND-VXNV", "Công văn", "2019-11-01")],
        ),
    ),
    (
        "to-trinh",
        TTR_SNV,
        None,
        _expect(
            number="87",
            notation="TTr-SNV",
            issued_date="2022-06-03",
            place="Ninh Thuận",
            doc_type="Tờ trình",
            issuer="SỞ NỘI VỤ TỈNH NINH THUẬN",
            subject="Về việc ban hành Quy chế công tác văn thư, lưu trữ",
            signer_name="Đặng Thị Hương",
            signer_title="KT. GIÁM ĐỐC, PHÓ GIÁM ĐỐC",
            signer_authority="KT",
            source="text",
            cites=[("30", "2020/NĐ-CP", "Nghị định", "2020-03-05")],
        ),
    ),
    (
        "nghi-quyet-party-09-NQ-TU",
        NQ_PARTY,
        None,
        _expect(
            number="09",
            notation="NQ/TU",
            issued_date="2021-01-15",
            place="Ninh Thuận",
            doc_type="Nghị quyết",
            issuer="TỈNH ỦY",
            issuer_parent="ĐẢNG BỘ TỈNH NINH THUẬN",
            subject="về chuyển đổi số tỉnh Ninh Thuận đến năm 2025, định hướng đến năm 2030",
            signer_name="Nguyễn Đức Thanh",
            signer_title="T/M BAN THƯỜNG VỤ, BÍ THƯ",
            signer_authority="TM",
            source="text",
            cites=[("52", "NQ/TW", "Nghị quyết", "2019-09-27")],
        ),
    ),
    (
        "nghi-quyet-hdnd-laws-cited-by-name",
        NQ_HDND,
        None,
        _expect(
            number="12",
            notation="2021/NQ-HĐND",
            issued_date="2021-07-20",
            place="Ninh Thuận",
            doc_type="Nghị quyết",
            issuer="HỘI ĐỒNG NHÂN DÂN TỈNH NINH THUẬN",
            subject="Quy định mức chi hỗ trợ cán bộ làm công tác chuyển đổi số",
            signer_name="Phạm Văn Hậu",
            signer_title="CHỦ TỊCH",
            source="text",
            cites=[
                (None, None, "Luật", "2015-06-19", "Tổ chức chính quyền địa phương"),
                (None, None, "Luật", "2019-11-22", "Tổ chức chính quyền địa phương"),
                (None, None, "Luật", "2015-06-25", "Ngân sách nhà nước"),
            ],
        ),
    ),
    (
        "nghi-dinh-chinh-phu",
        ND_CHINH_PHU,
        None,
        _expect(
            number="30",
            notation="2020/NĐ-CP",
            issued_date="2020-03-05",
            place="Hà Nội",
            doc_type="Nghị định",
            issuer="CHÍNH PHỦ",
            subject="VỀ CÔNG TÁC VĂN THƯ",
            signer_name="Nguyễn Xuân Phúc",
            signer_title="TM. CHÍNH PHỦ, THỦ TƯỚNG",
            signer_authority="TM",
            source="text",
            cites=[
                (None, None, "Luật", "2015-06-19", "Tổ chức Chính phủ"),
                (None, None, "Luật", "2011-11-11", "Lưu trữ"),
            ],
        ),
    ),
    (
        "thong-tu-bo",
        TT_BTTTT,
        None,
        _expect(
            number="22",
            notation="2013/TT-BTTTT",
            issued_date="2013-12-23",
            place="Hà Nội",
            doc_type="Thông tư",
            issuer="BỘ THÔNG TIN VÀ TRUYỀN THÔNG",
            subject="Ban hành Danh mục tiêu chuẩn kỹ thuật về ứng dụng công nghệ thông tin "
            "trong cơ quan nhà nước",
            signer_name="Nguyễn Bắc Son",
            signer_title="BỘ TRƯỞNG",
            source="text",
            cites=[
                (None, None, "Luật", "2006-06-29", "Công nghệ thông tin"),
                ("132", "2013/NĐ-CP", "Nghị định", "2013-10-16"),
                ("03", "2015/TTLT-BTTTT-BNV", "Thông tư liên tịch", "2015-03-06"),
            ],
        ),
    ),
    (
        "luat-quoc-hoi",
        LUAT,
        None,
        _expect(
            number="77",
            notation="2015/QH13",
            doc_type="Luật",
            issuer="QUỐC HỘI",
            subject="TỔ CHỨC CHÍNH QUYỀN ĐỊA PHƯƠNG",
            signer_name="Nguyễn Sinh Hùng",
            signer_title="CHỦ TỊCH QUỐC HỘI",
            source="text",
        ),
    ),
    (
        "giay-moi",
        GM_UBND,
        None,
        _expect(
            number="35",
            notation="GM-UBND",
            issued_date="2022-01-10",
            place="Ninh Thuận",
            doc_type="Giấy mời",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="Dự Hội nghị triển khai Đề án 06 năm 2022",
            signer_name="Hồ Thị Phương",
            signer_title="TL. CHỦ TỊCH, KT. CHÁNH VĂN PHÒNG, PHÓ CHÁNH VĂN PHÒNG",
            signer_authority="KT",
            source="text",
        ),
    ),
    (
        "cong-dien",
        CD_UBND,
        None,
        _expect(
            number="07",
            notation="CĐ-UBND",
            issued_date="2020-10-28",
            place="Ninh Thuận",
            doc_type="Công điện",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="Về việc chủ động ứng phó với bão số 9",
            signer_name="Lê Huyền",
            signer_title="KT. CHỦ TỊCH, PHÓ CHỦ TỊCH",
            signer_authority="KT",
            source="text",
        ),
    ),
    (
        "huong-dan",
        HD_SO,
        None,
        _expect(
            number="02",
            notation="HD-SNV",
            issued_date="2021-02-15",
            place="Ninh Thuận",
            doc_type="Hướng dẫn",
            issuer="SỞ NỘI VỤ",
            issuer_parent="UBND TỈNH NINH THUẬN",
            subject="Lập hồ sơ và nộp lưu hồ sơ điện tử vào Lưu trữ cơ quan",
            signer_name="Châu Thị Lan",
            signer_title="GIÁM ĐỐC",
            source="text",
            cites=[("30", "2020/NĐ-CP", "Nghị định", "2020-03-05")],
        ),
    ),
    (
        "quy-dinh-attached-to-a-decision",
        QUY_DINH_ATTACHED,
        None,
        _expect(
            doc_type="Quy định",
            issuer="ỦY BAN NHÂN DÂN TỈNH TIỀN GIANG",
            subject="Về quản lý, sử dụng hệ thống thư điện tử công vụ tỉnh Tiền Giang",
            source="text",
            cites=[("51", "2016/QĐ-UBND", "Quyết định", "2016-10-31")],
        ),
    ),
    (
        "giay-uy-quyen-old-tone-placement-and-rank",
        GUQ_OLD_TONES,
        None,
        _expect(
            number="03",
            notation="GUQ-PTM",
            issued_date="2019-09-09",
            place="Ninh Thuận",
            doc_type="Giấy ủy quyền",
            issuer="PHÒNG THAM MƯU",
            issuer_parent="CÔNG AN TỈNH NINH THUẬN",
            subject="Về việc ký văn bản điện tử",
            signer_name="Nguyễn Hữu Giang",
            signer_title="TRƯỞNG PHÒNG",
            source="text",
        ),
    ),
    (
        "ke-hoach-cong-an-rank",
        KH_CONG_AN,
        None,
        _expect(
            number="456",
            notation="KH-CAT-PV01",
            issued_date="2022-05-11",
            place="Ninh Thuận",
            doc_type="Kế hoạch",
            issuer="CÔNG AN TỈNH NINH THUẬN",
            issuer_parent="BỘ CÔNG AN",
            subject="Triển khai Đề án 06 trên địa bàn tỉnh",
            signer_name="Đỗ Hữu Huy",
            signer_title="GIÁM ĐỐC",
            source="text",
            cites=[("06", "QĐ-TTg", "Quyết định", "2022-01-06")],
        ),
    ),
    (
        "cong-van-upper-case",
        CV_UPPER,
        None,
        _expect(
            number="1234",
            notation="UBND-VX",
            issued_date="2015-01-05",
            place="NINH THUẬN",
            doc_type="Công văn",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="TĂNG CƯỜNG SỬ DỤNG THƯ ĐIỆN TỬ CÔNG VỤ",
            signer_name="Nguyễn Văn An",
            signer_title="KT. CHỦ TỊCH, PHÓ CHỦ TỊCH",
            signer_authority="KT",
            source="text",
            cites=[("34", "2008/CT-TTG", "Chỉ thị", "2008-12-03")],
        ),
    ),
    (
        "cong-van-ocr-noise",
        CV_OCR,
        None,
        _expect(
            number="5985",
            notation="UBND-KTN",
            issued_date="2013-12-12",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="triển khai thực hiện kế hoạch ứng dụng CNTT năm 2014",
            signer_name="Nguyễn Văn A",
            signer_title="KT. CHỦ TỊCH, PHÓ CHỦ TỊCH",
            signer_authority="KT",
            source="text",
            cites=[("28", "2018/QĐ-TTg", "Quyết định", "2018-07-12")],
        ),
    ),
    (
        "quyet-dinh-ocr-without-diacritics",
        QD_OCR_NO_MARKS,
        None,
        _expect(
            number="192",
            notation="QĐ-UBND",
            issued_date="2020-01-15",
            place="Ninh Thuan",
            doc_type="Quyết định",
            issuer="UY BAN NHAN DAN TINH NINH THUAN",
            subject="Ve viec phe duyet Ke hoach chuyen doi so",
            source="text",
            cites=[(None, None, "Luật", "2015-06-19", "To chuc chinh quyen dia phuong")],
        ),
    ),
    (
        "quyet-dinh-draft-blank-number-and-date",
        QD_DRAFT,
        None,
        _expect(
            notation="QĐ-UBND",
            place="Ninh Thuận",
            doc_type="Quyết định",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="Ban hành Quy chế công tác văn thư",
            source="text",
        ),
    ),
    (
        "cong-van-merged-header-dashed-date",
        CV_MERGED_HEADER,
        None,
        _expect(
            number="123",
            notation="UBND-VP",
            issued_date="2019-04-02",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="báo cáo số liệu văn bản điện tử quý I",
            signer_name="Lưu Xuân Vĩnh",
            signer_title="CHỦ TỊCH",
            source="text",
        ),
    ),
    (
        "invalid-dates-are-not-reported",
        CV_BAD_DATE,
        None,
        _expect(
            number="77",
            notation="UBND-TH",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="rà soát hộp thư điện tử",
            signer_name="Trần Quốc Nam",
            signer_title="CHỦ TỊCH",
            source="text",
            cites=[("12", "QĐ-UBND", "Quyết định", None), ("5", "KH-UBND", "Kế hoạch", None)],
        ),
    ),
    (
        "citations-numeric-and-worded-dates",
        CV_CITATIONS,
        None,
        _expect(
            number="05",
            notation="BNV-VP",
            issued_date="2020-03-05",
            place="Hà Nội",
            doc_type="Công văn",
            issuer="BỘ NỘI VỤ",
            subject="thực hiện các văn bản về văn thư, lưu trữ",
            signer_name="Nguyễn Thị Thu",
            signer_title="TL. BỘ TRƯỞNG, CHÁNH VĂN PHÒNG",
            signer_authority="TL",
            source="text",
            cites=[
                ("30", "2020/NĐ-CP", "Nghị định", "2020-03-05"),
                (None, None, "Luật", "2011-11-11", "Lưu trữ"),
                ("15", "CT-TTg", "Chỉ thị", "2012-05-22"),
                ("09", "NQ/TU", "Nghị quyết", "2021-01-15"),
                ("456", "STTTT-VP", None, "2020-04-02"),
                ("20", "2020/QĐ-TTg", "Quyết định", "2020-07-22"),
                ("30", "2020/NĐ-CP", "Nghị định", None),
            ],
        ),
    ),
    (
        "type-from-notation-only",
        CTR_NOTATION_ONLY,
        None,
        _expect(
            number="08",
            notation="CTr-STTTT",
            issued_date="2023-01-06",
            place="Ninh Thuận",
            doc_type="Chương trình",
            issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            source="text",
            cites=[("10", "KH-UBND", "Kế hoạch", "2023-01-03")],
        ),
    ),
    (
        "cong-van-wrapped-trich-yeu-and-title",
        CV_WRAPPED,
        None,
        _expect(
            number="88",
            notation="UBND-VXNV",
            issued_date="2021-01-07",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="triển khai thực hiện Kế hoạch số 12/KH-UBND",
            signer_name="Đặng Văn Phòng",
            signer_title="TL. CHỦ TỊCH, KT. CHÁNH VĂN PHÒNG, PHÓ CHÁNH VĂN PHÒNG",
            signer_authority="KT",
            source="text",
            cites=[("12", "KH-UBND", "Kế hoạch", None)],
        ),
    ),
    (
        "ke-hoach-right-cell-first-no-number",
        KH_RIGHT_FIRST_NO_NUMBER,
        None,
        _expect(
            issued_date="2021-01-07",
            place="Bác Ái",
            doc_type="Kế hoạch",
            issuer="ỦY BAN NHÂN DÂN HUYỆN BÁC ÁI",
            subject="Chuyển đổi số năm 2021",
            source="text",
        ),
    ),
    # ---- the e-mail subject when the text has no document
    (
        "header-right-cell-first",
        CV_RIGHT_CELL_FIRST,
        None,
        _expect(
            number="1502",
            notation="UBND-VP",
            issued_date="2023-06-09",
            place="Phan Rang-Tháp Chàm",
            doc_type="Công văn",
            issuer="ỦY BAN NHÂN DÂN THÀNH PHỐ PHAN RANG-THÁP CHÀM",
            subject="triển khai thực hiện Kế hoạch số 12/KH-UBND",
            signer_name="Nguyễn Văn Hải",
            signer_title="KT. CHỦ TỊCH, PHÓ CHỦ TỊCH",
            signer_authority="KT",
            source="text",
            cites=[("12", "KH-UBND", "Kế hoạch", None)],
        ),
    ),
    (
        "bao-cao-xa-tab-columns",
        BC_XA_TABS,
        None,
        _expect(
            number="12",
            notation="BC-UBND",
            issued_date="2021-03-03",
            place="Phước Dinh",
            doc_type="Báo cáo",
            issuer="ỦY BAN NHÂN DÂN XÃ PHƯỚC DINH",
            subject="Kết quả thực hiện nhiệm vụ tháng 02 năm 2021",
            signer_name="Kiều Thị Hoa",
            signer_title="TM. ỦY BAN NHÂN DÂN, CHỦ TỊCH",
            signer_authority="TM",
            source="text",
        ),
    ),
    (
        "quy-che-laws-with-numbers",
        QC_LAWS_WITH_NUMBERS,
        None,
        _expect(
            number="09",
            notation="QC-BNV",
            issued_date="2022-02-21",
            place="Hà Nội",
            doc_type="Quy chế",
            issuer="BỘ NỘI VỤ",
            subject="Làm việc của Bộ Nội vụ",
            signer_name="Phạm Thị Thanh Trà",
            signer_title="BỘ TRƯỞNG",
            source="text",
            cites=[
                (
                    "80",
                    "2015/QH13",
                    "Luật",
                    "2015-06-22",
                    "Ban hành văn bản quy phạm pháp luật",
                ),
                (None, None, "Bộ luật", "2019-11-20", "Lao động"),
            ],
        ),
    ),
    (
        "subject-vv-before-number",
        None,
        "V/v triển khai chữ ký số (Công văn số 123/SNV-VP)",
        _expect(
            number="123",
            notation="SNV-VP",
            doc_type="Công văn",
            subject="triển khai chữ ký số",
            source="subject",
        ),
    ),
    (
        "subject-gui-cong-van",
        PLAIN_EMAIL,
        "Gửi Công văn số 5985/UBND-KTN ngày 12/12/2013 V/v triển khai thực hiện Kế hoạch "
        "ứng dụng CNTT",
        _expect(
            number="5985",
            notation="UBND-KTN",
            issued_date="2013-12-12",
            doc_type="Công văn",
            subject="triển khai thực hiện Kế hoạch ứng dụng CNTT",
            source="subject",
        ),
    ),
    (
        "subject-bracket-cv",
        None,
        "[CV 123/STTTT-BCVT] Hướng dẫn triển khai chữ ký số",
        _expect(
            number="123",
            notation="STTTT-BCVT",
            doc_type="Công văn",
            subject="Hướng dẫn triển khai chữ ký số",
            source="subject",
        ),
    ),
    (
        "subject-forwarded-qd",
        "",
        "Fwd: QĐ 1234/QĐ-UBND ngày 05/3/2020 về việc phê duyệt kế hoạch chuyển đổi số",
        _expect(
            number="1234",
            notation="QĐ-UBND",
            issued_date="2020-03-05",
            doc_type="Quyết định",
            subject="phê duyệt kế hoạch chuyển đổi số",
            source="subject",
        ),
    ),
    (
        "subject-thong-bao-worded-date",
        ENGLISH_TEXT,
        "Thông báo số 45/TB-VPUB ngày 8 tháng 4 năm 2021 kết luận của Chủ tịch UBND tỉnh",
        _expect(
            number="45",
            notation="TB-VPUB",
            issued_date="2021-04-08",
            doc_type="Thông báo",
            source="subject",
        ),
    ),
    (
        "subject-party-nghi-quyet",
        None,
        "Re: Nghị quyết 09-NQ/TU về chuyển đổi số",
        _expect(
            number="09",
            notation="NQ/TU",
            doc_type="Nghị quyết",
            subject="về chuyển đổi số",
            source="subject",
        ),
    ),
    (
        "thong-bao-body-line-introducing-a-list-ends-the-subject",
        TB_BODY_INTRODUCES_LIST,
        None,
        _expect(
            number="112",
            notation="TB-UBND",
            issued_date="2024-09-09",
            place="Ninh Thuận",
            doc_type="Thông báo",
            issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
            subject="Lịch nghỉ lễ Quốc khánh năm 2024",
            source="text",
        ),
    ),
    (
        "giay-moi-kinh-moi-ends-the-subject",
        GM_KINH_MOI,
        None,
        _expect(
            number="32",
            notation="GM-VPUB",
            issued_date="2024-04-15",
            place="Ninh Thuận",
            doc_type="Giấy mời",
            issuer="VĂN PHÒNG",
            issuer_parent="UBND TỈNH NINH THUẬN",
            subject="Dự họp giao ban chuyển đổi số quý I năm 2024",
            source="text",
        ),
    ),
    (
        "so-label-and-number-on-two-lines",
        BC_NUMBER_ON_NEXT_LINE,
        None,
        _expect(
            number="15",
            notation="BC-STTTT",
            issued_date="2024-03-05",
            place="Ninh Thuận",
            doc_type="Báo cáo",
            issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            issuer_parent="UBND TỈNH NINH THUẬN",
            subject="Kết quả thực hiện chuyển đổi số quý I năm 2024",
            source="text",
        ),
    ),
    (
        "notation-wrapped-after-its-dash",
        CV_NOTATION_WRAPPED,
        None,
        _expect(
            number="1234",
            notation="STTTT-CNTT",
            issued_date="2024-03-05",
            place="Ninh Thuận",
            doc_type="Công văn",
            issuer="SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
            issuer_parent="UBND TỈNH NINH THUẬN",
            subject="đôn đốc báo cáo tình hình ứng dụng công nghệ thông tin",
            source="text",
        ),
    ),
    # ---- nothing to read: nothing reported
    ("plain-email-and-plain-subject", PLAIN_EMAIL, "Re: góp ý dự thảo", _expect()),
    ("email-listing-documents", EMAIL_LISTING, "Chuyển văn bản tuần 10", _expect()),
    ("numbers-that-are-not-document-numbers", NOT_NUMBERS, "Đơn hàng 123/ABC-XY", _expect()),
    ("english-text", ENGLISH_TEXT, "Invoice No: 45/INV-2020", _expect()),
    ("no-text-no-subject", None, None, _expect()),
    ("subject-without-document", "", "Lịch họp giao ban tuần 12/2020", _expect()),
]


@pytest.mark.parametrize(
    ("text", "subject", "expected"),
    [pytest.param(text, subject, expected, id=name) for name, text, subject, expected in EXAMPLES],
)
def test_reads_metadata(text: str | None, subject: str | None, expected: dict) -> None:
    assert _as_dict(read_metadata(text, subject)) == expected


def test_there_are_at_least_forty_examples() -> None:
    assert len(EXAMPLES) >= 40


def test_decomposed_unicode_and_crlf_read_like_nfc() -> None:
    nfd = unicodedata.normalize("NFD", CV_NINH_THUAN).replace("\n", "\r\n")
    assert nfd != CV_NINH_THUAN
    assert _as_dict(read_metadata(nfd)) == CV_NINH_THUAN_EXPECT


def test_soft_hyphens_and_zero_width_spaces_are_ignored() -> None:
    noisy = CV_NINH_THUAN.replace("ỦY BAN", "Ủ\u00adY B\u200bAN").replace("Số:", "\ufeffSố:")
    assert _as_dict(read_metadata(noisy)) == CV_NINH_THUAN_EXPECT


def test_text_wins_over_subject() -> None:
    md = read_metadata(CT_TTG, "Gửi Công văn số 5985/UBND-KTN ngày 12/12/2013")
    assert (md.number, md.notation, md.source) == ("15", "CT-TTg", "text")


def test_every_type_abbreviation_maps_to_a_type_name() -> None:
    # Decree 30 Appendix III abbreviations are distinct once Đ is kept (HĐ ≠ HD, ĐA ≠ DA).
    assert TYPE_BY_ABBREVIATION["HĐ"] == "Hợp đồng"
    assert TYPE_BY_ABBREVIATION["HD"] == "Hướng dẫn"
    assert TYPE_BY_ABBREVIATION["ĐA"] == "Đề án"
    assert TYPE_BY_ABBREVIATION["DA"] == "Dự án"
    assert TYPE_BY_ABBREVIATION["QYĐ"] == "Quy định"
    assert fold("Giấy uỷ quyền") == fold("GIẤY ỦY QUYỀN") == "giay uy quyen"


def test_long_document_keeps_header_signer_and_cites() -> None:
    body = "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05/3/2020 của Chính phủ về công tác văn thư;\n"
    text = CV_NINH_THUAN.replace("Nơi nhận:", body * 2000 + "Nơi nhận:")
    md = _as_dict(read_metadata(text))
    assert md["cites"] == [
        *CV_NINH_THUAN_EXPECT["cites"],
        ("30", "2020/NĐ-CP", "Nghị định", "2020-03-05"),
    ]
    assert md | {"cites": []} == CV_NINH_THUAN_EXPECT | {"cites": []}


# TCVN3 from a .VnTime document whose headings use a ".VnTimeH" font: the capitals with
# marks are drawn at the lower-case code points (vn-edoc.md §5), "QUY\xd5T \xa7\xdeNH".
QD_TCVN3_H_FONT = (
    "\xf1Y BAN NH\xa2N D\xa2N\nT\xd8NH NINH THU\xcbN\nS\xe8: 123/Q\xa7-UBND\n"
    "Ninh Thu\xcbn, ng\xb5y 05 th\xb8ng 3 n\xa8m 2024\nQUY\xd5T \xa7\xdeNH\n"
    "V\xd2 vi\xd6c ph\xaa duy\xd6t K\xd5 ho\xb9ch chuy\xd3n \xae\xe6i s\xe8 n\xa8m 2024\n"
    "CH\xf1 T\xdeCH \xf1Y BAN NH\xa2N D\xa2N T\xd8NH NINH THU\xcbN\n"
    "C\xa8n c\xf8 Lu\xcbt T\xe6 ch\xf8c ch\xddnh quy\xd2n \xae\xdea ph\xad\xacng "
    "ng\xb5y 19 th\xb8ng 6 n\xa8m 2015;\n"
    "KT. CH\xf1 T\xdeCH\nPH\xe3 CH\xf1 T\xdeCH\nTr\xc7n Qu\xe8c Nam\n"
)


def test_tcvn3_document_with_h_font_headings_reads_like_unicode() -> None:
    text = normalise(QD_TCVN3_H_FONT)
    assert text.legacy_encoding == "tcvn3"
    assert _as_dict(read_metadata(text.text)) == _expect(
        number="123",
        notation="QĐ-UBND",
        issued_date="2024-03-05",
        place="Ninh Thuận",
        doc_type="Quyết định",
        issuer="ỦY BAN NHÂN DÂN TỈNH NINH THUẬN",
        subject="Về việc phê duyệt Kế hoạch chuyển đổi số năm 2024",
        signer_name="Trần Quốc Nam",
        signer_title="KT. CHỦ TỊCH, PHÓ CHỦ TỊCH",
        signer_authority="KT",
        source="text",
        cites=[(None, None, "Luật", "2015-06-19", "Tổ chức chính quyền địa phương")],
    )


# ---------------------------------------------------------------------------------------
# The shared corpus: real messages from other projects (none is a Vietnamese document)


def _corpus_messages() -> list[Path]:
    if not CORPUS.exists():
        return []
    return sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix in {".eml", ".txt", ".msg"} and "LICENSE" not in p.name
    )


def _texts(message: Message) -> list[str]:
    texts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            texts.append(payload.decode(charset, errors="replace"))
        except LookupError:
            texts.append(payload.decode("utf-8", errors="replace"))
    return texts


def test_corpus_messages_never_raise_and_yield_no_invented_document() -> None:
    files = _corpus_messages()
    if not files:
        pytest.skip(f"shared corpus not found at {CORPUS}")
    read = 0
    for path in files:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.compat32)
        subject = str(message.get("Subject", "") or "")
        for text in [*_texts(message), ""]:
            md = read_metadata(text, subject)
            assert isinstance(md, DocumentMetadata), path
            # No corpus message is a Vietnamese official document or names one.
            assert md.empty, (path, md)
            read += 1
    assert read > len(files)


def test_vietnamese_news_sentences_yield_no_document() -> None:
    treebank = CORPUS / "UniversalDependencies__UD_Vietnamese-VTB" / "vi_vtb-ud-test.conllu"
    if not treebank.exists():
        pytest.skip(f"shared corpus not found at {CORPUS}")
    lines = treebank.read_text(encoding="utf-8").splitlines()
    sentences = [line.removeprefix("# text = ") for line in lines if line.startswith("# text")]
    assert len(sentences) == 800
    assert read_metadata("\n".join(sentences)).empty
    assert all(read_metadata(s, s).empty for s in sentences)
