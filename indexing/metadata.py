"""Metadata read from a policy text itself: 发文字号, issuing body, dates, level and type.

Government documents carry their own particulars: a header line with the document number
(辽政办发〔2023〕12号), a title that often names the issuer (营口市人民政府关于印发…的通知), a
signature block with the issuer and the date at the end, and a clause on when they take
effect (自2023年6月1日起施行). A manifest entry, when there is one, wins over all of this.
"""

from __future__ import annotations

import re

from assistant.types import Level

# 辽政办发〔2023〕12号, 工信部联原〔2022〕34号, 国务院令第736号, 第5号令
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,14}[〔\[［(（]\s*(?:19|20)\d{2}\s*[〕\]］)）]\s*第?\d{1,4}\s*号"
                         r"|[\u4e00-\u9fff]{1,12}令\s*第\s*\d{1,4}\s*号|第\s*\d{1,4}\s*号令")
_DATE = re.compile(r"((?:19|20)\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_EFFECTIVE = re.compile(r"自\s*((?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*起\s*(?:施行|实施|执行|生效)")
_ISSUER_END = r"(?:人民政府办公厅|人民政府办公室|人民政府|人民代表大会常务委员会|人民代表大会|委员会|办公厅|办公室|管理委员会|部|厅|局|委|署)"
_ISSUER_LINE = re.compile(rf"^[\u4e00-\u9fff（）()]{{2,30}}{_ISSUER_END}$")
_ISSUER_IN_TITLE = re.compile(rf"^([\u4e00-\u9fff（）()、]{{2,40}}?{_ISSUER_END})(?:关于|印发)")
_NATIONAL = re.compile(r"^(国务院|全国人民代表大会|中共中央|国家|中华人民共和国|工业和信息化部|生态环境部|应急管理部|"
                       r"商务部|财政部|交通运输部|自然资源部|科学技术部|人力资源和社会保障部|[\u4e00-\u9fff]{2,8}总局)")


def iso_date(match: re.Match) -> str:
    y, m, d = match.groups()
    return f"{y}-{int(m):02d}-{int(d):02d}"


def read_metadata(text: str, title: str = "") -> dict[str, str]:
    """Fields found in the text; absent ones are left out (a manifest or the defaults decide)."""
    found: dict[str, str] = {}
    head = text[:600]
    # The document's own number stands on a header line of its own; one cited in a sentence
    # ("根据《…》（国发〔2021〕23号）") is another document's.
    own = next((ln.strip() for ln in head.splitlines() if (n := _DOC_NUMBER.search(ln.strip()))
                and len(ln.strip()) - len(n.group(0)) <= 2), "")
    if m := _DOC_NUMBER.search(own):
        # "…日中华人民共和国国务院令第253号": the date before it is not part of the number.
        found["doc_number"] = re.sub(r"^[年月日号]", "", re.sub(r"\s+", "", m.group(0)))
    first_line = text.strip().splitlines()[0] if text.strip() else ""
    issuer = _signature_issuer(text) or _title_issuer(title) or _title_issuer(first_line)
    if issuer:
        found["issuer"] = issuer
        if level := level_of(issuer):
            found["level"] = level
    if date := _signature_date(text) or _first_date(head):
        found["date"] = date
    if m := _EFFECTIVE.search(text):
        found["effective"] = iso_date(_DATE.search(m.group(1)))
    return found


def level_of(issuer: str) -> str:
    """The level of the body that issued: the lowest place it names decides (辽宁省营口市人民政府
    is municipal, 国家税务总局营口市税务局 too)."""
    if re.search(r"市(?!场)|县|区|开发区|管理委员会|市委", issuer):
        return Level.MUNICIPAL.value
    if re.search(r"省|自治区", issuer):
        return Level.PROVINCIAL.value
    if _NATIONAL.search(issuer):
        return Level.NATIONAL.value
    return ""


def _tail_lines(text: str, n: int = 6) -> list[str]:
    return [ln.strip() for ln in text.strip().splitlines()[-n:] if ln.strip()]


def _signature_issuer(text: str) -> str:
    """The issuer in the signature block: a line naming a body, just above the closing date."""
    for line in reversed(_tail_lines(text)):
        if _ISSUER_LINE.match(line):
            return line
    return ""


def _signature_date(text: str) -> str:
    for line in reversed(_tail_lines(text, 3)):
        if (m := _DATE.fullmatch(line.strip("（）() "))) is not None:
            return iso_date(m)
    return ""


def _first_date(head: str) -> str:
    m = _DATE.search(head)
    return iso_date(m) if m else ""


def _title_issuer(title: str) -> str:
    m = _ISSUER_IN_TITLE.match(title.strip())
    return m.group(1) if m else ""
