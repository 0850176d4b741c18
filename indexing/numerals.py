"""Chinese numerals as used in headings (一 … 九十九), both ways."""

_DIGITS = "零一二三四五六七八九"


def cn_to_int(text: str) -> int | None:
    """'十二' → 12, '二十' → 20, '一百零三' → 103; None when `text` is not a numeral."""
    if not text:
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _DIGITS or ch == "〇":
            current = _DIGITS.index(ch) if ch != "〇" else 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def int_to_cn(n: int) -> str:
    if not 0 < n < 100:
        raise ValueError(f"heading numbers run from 1 to 99, got {n}")
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones else "")
