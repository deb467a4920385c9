"""Words on the pages, in Vietnamese (default) and English; Vietnamese dates and numbers."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("vi", "en")
VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

TEXT: dict[str, tuple[str, str]] = {
    "app": ("Lưu trữ thư công vụ", "Official mail archive"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "User name"),
    "password": ("Mật khẩu", "Password"),
    "bad_login": ("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong user name or password."),
    "locked": (
        "Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau {until}.",
        "Too many failed sign-ins. Try again after {until}.",
    ),
    "search": ("Tìm kiếm", "Search"),
    "search_hint": (
        "Ví dụ: văn bản điện tử  so:5985/UBND-KTN  from:vanthu@…  date:2023-01-01..2023-03-31",
        "Example: văn bản điện tử  so:5985/UBND-KTN  from:vanthu@…  date:2023-01-01..2023-03-31",
    ),
    "filters": ("Bộ lọc", "Filters"),
    "date_from": ("Từ ngày", "From date"),
    "date_to": ("Đến ngày", "To date"),
    "agency": ("Cơ quan", "Agency"),
    "doc_type": ("Loại văn bản", "Document type"),
    "signed": ("Có chữ ký số", "Digitally signed"),
    "scanned": ("Bản quét", "Scanned"),
    "direction": ("Chiều", "Direction"),
    "any": ("Tất cả", "Any"),
    "yes": ("Có", "Yes"),
    "no": ("Không", "No"),
    "in": ("Đến", "Incoming"),
    "out": ("Đi", "Outgoing"),
    "internal": ("Nội bộ", "Internal"),
    "results": ("{n} kết quả", "{n} results"),
    "no_results": ("Không tìm thấy thư nào.", "No messages found."),
    "matched_in": ("Khớp ở", "Matched in"),
    "subject": ("Tiêu đề", "Subject"),
    "body": ("Nội dung", "Body"),
    "attachment": ("Tệp đính kèm", "Attachment"),
    "attachments": ("Tệp đính kèm", "Attachments"),
    "from": ("Người gửi", "From"),
    "to": ("Người nhận", "To"),
    "cc": ("Đồng gửi", "Cc"),
    "date": ("Ngày", "Date"),
    "previous": ("Trang trước", "Previous"),
    "next": ("Trang sau", "Next"),
    "page": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "download_csv": ("Tải kết quả (CSV)", "Download results (CSV)"),
    "download_eml": ("Tải thư gốc (.eml)", "Download original (.eml)"),
    "download": ("Tải về", "Download"),
    "preview": ("Xem trước", "Preview"),
    "headers": ("Tiêu đề thư", "Headers"),
    "verdict": ("Kết quả kiểm tra chính sách", "Policy verdict"),
    "dkim": ("DKIM", "DKIM"),
    "detected_type": ("Kiểu theo nội dung", "Detected type"),
    "size": ("Kích thước", "Size"),
    "document": ("Văn bản", "Document"),
    "number": ("Số, ký hiệu", "Number"),
    "issued": ("Ngày ban hành", "Issued"),
    "issuer": ("Cơ quan ban hành", "Issuer"),
    "signer": ("Người ký", "Signer"),
    "signature": ("Chữ ký số", "Signature"),
    "valid": ("Hợp lệ", "Valid"),
    "invalid": ("Không hợp lệ", "Invalid"),
    "trusted": ("Tin cậy", "Trusted"),
    "untrusted": ("Chưa xác thực được nguồn", "Not trusted"),
    "ocr": ("Nhận dạng ký tự (OCR)", "OCR text"),
    "remote_images": ("Ảnh từ máy chủ ngoài đã bị chặn.", "Remote images are blocked."),
    "show_images": ("Hiện ảnh", "Show images"),
    "external_link": ("Liên kết ngoài", "External link"),
    "reports": ("Báo cáo", "Reports"),
    "period": ("Kỳ báo cáo", "Period"),
    "level": ("Cấp", "Level"),
    "by": ("Theo", "By"),
    "month": ("Tháng", "Month"),
    "show": ("Xem", "Show"),
    "export": ("Xuất", "Export"),
    "quarantine": ("Thư bị giữ lại", "Quarantine"),
    "release": ("Chuyển tiếp", "Release"),
    "delete": ("Xóa", "Delete"),
    "rule": ("Quy tắc", "Rule"),
    "reason": ("Lý do", "Reason"),
    "audit": ("Nhật ký truy cập", "Audit log"),
    "user": ("Người dùng", "User"),
    "action": ("Thao tác", "Action"),
    "target": ("Đối tượng", "Target"),
    "client": ("Địa chỉ", "Client"),
    "outcome": ("Kết quả", "Outcome"),
    "forbidden_title": ("Không có quyền truy cập", "Access denied"),
    "forbidden": (
        "Bạn không có quyền xem nội dung này. Lần truy cập đã được ghi lại.",
        "You may not see this. The attempt has been recorded.",
    ),
    "not_found_title": ("Không tìm thấy", "Not found"),
    "not_found": (
        "Trang hoặc thư bạn tìm không tồn tại.",
        "The page or message you asked for does not exist.",
    ),
    "error_title": ("Lỗi", "Error"),
    "bad_request": (
        "Yêu cầu không hợp lệ (mã bảo vệ biểu mẫu đã hết hạn?). Hãy thử lại.",
        "Invalid request (the form's protection token expired?). Please retry.",
    ),
    "bad_parameter": (
        "Tham số trong địa chỉ không hợp lệ (ví dụ số trang quá lớn).",
        "A parameter in the address is not valid (for example a page number too large).",
    ),
    "damaged_entry": (
        "Tệp của thư bị giữ này đã hỏng; thư vẫn được giữ nguyên. Quản trị viên xem bằng "
        "lệnh 'govmail quarantine list'.",
        "This held message's file is damaged; it is kept as it is. An administrator can see "
        "it with 'govmail quarantine list'.",
    ),
    "server_error": (
        "Đã có lỗi trong hệ thống; lỗi đã được ghi lại. Hãy thử lại sau.",
        "Something went wrong on the server; it has been logged. Please retry later.",
    ),
    "query_error": ("Câu truy vấn chưa đúng", "The query is not valid"),
    "language": ("English", "Tiếng Việt"),
    "none": ("(không có)", "(none)"),
    "estimate": ("ước tính", "estimate"),
}


def translate(key: str, lang: str, **values: object) -> str:
    vi, en = TEXT.get(key, (key, key))
    text = vi if lang == "vi" else en
    return text.format(**values) if values else text


def format_number(value: int | float | None, lang: str, digits: int = 0) -> str:
    """``1.234.567`` and ``55,5`` in Vietnamese; ``1,234,567`` and ``55.5`` in English."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "vi":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_datetime(value: datetime | None, lang: str) -> str:
    if value is None:
        return "–"
    local = value.astimezone(VN_TZ)
    return local.strftime("%d/%m/%Y %H:%M") if lang == "vi" else local.strftime("%Y-%m-%d %H:%M")


def format_date(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        value = value.astimezone(VN_TZ).date()
    return value.strftime("%d/%m/%Y") if lang == "vi" else value.isoformat()
