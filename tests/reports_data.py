"""A small agency directory of Ninh Thuận (H43) shared by the report tests."""

from __future__ import annotations

from pathlib import Path

_STTTT = "Sở Thông tin và Truyền thông,department,,stttt.ninhthuan.gov.vn,sotttt@ninhthuan.gov.vn"
DIRECTORY_CSV = f"""\
code,name,level,parent,domains,addresses,valid_from,valid_to,notation,previous_code
000.00.00.H43,UBND tỉnh Ninh Thuận,province,,ninhthuan.gov.vn,,,,UBND,
H43.05,{_STTTT},2015-01-01,2024-06-30,STTTT,
000.00.25.H43,{_STTTT},2024-07-01,,STTTT,000.00.05.H43
000.00.06.H43,Sở Tài chính,sở,,stc.ninhthuan.gov.vn,,,,STC,
000.00.20.H43,UBND huyện Ninh Hải,district,,ninhhai.ninhthuan.gov.vn,,,,UBND,
000.01.20.H43,UBND xã Hộ Hải,xã,,,hohai.ninhhai@ninhthuan.gov.vn,,,UBND,
000.00.00.G14,Bộ Thông tin và Truyền thông,central,,mic.gov.vn,,,,BTTTT,
"""

# Addresses used by the generated mail history, and who they belong to.
PROVINCE = "000.00.00.H43"
STTTT = "000.00.25.H43"
STC = "000.00.06.H43"
DISTRICT = "000.00.20.H43"
COMMUNE = "000.01.20.H43"
MINISTRY = "000.00.00.G14"
ADDRESS = {
    PROVINCE: "vanthu@ninhthuan.gov.vn",
    STTTT: "vanthu@stttt.ninhthuan.gov.vn",
    STC: "vanthu@stc.ninhthuan.gov.vn",
    DISTRICT: "vanthu@ninhhai.ninhthuan.gov.vn",
    COMMUNE: "hohai.ninhhai@ninhthuan.gov.vn",
    MINISTRY: "vanthu@mic.gov.vn",
}
OUTSIDE = "nguoidan@gmail.com"


def write_directory(path: Path) -> Path:
    path.write_text(DIRECTORY_CSV, encoding="utf-8")
    return path
