"""Personal data out of texts shown to people without the right to see it (Decree 13/2023).

One function, `mask_personal`, used by the console, the JSON API and the training-data export,
so every place hides the same things the same way: phone numbers in the forms Vietnamese people
write them, ID numbers (CMND 9 digits, CCCD 12 digits, even glued to a word), bank account
numbers after a cue (stk, số tài khoản, a bank's name) and e-mail addresses. Money amounts,
dates, years, case codes and small numbers stay: staff need them to understand the case.
"""
from __future__ import annotations

import re
from collections.abc import Callable

PHONE, ID_NUMBER, ACCOUNT, EMAIL = "<phone>", "<id>", "<account>", "<email>"

# A number followed by one of these is an amount of money, not an identifier.
_MONEY_AFTER = r"(?!\s?(?:đồng|dong|đ|vnđ|vnd|triệu|trieu|tr|tỷ|tỉ|ty|nghìn|nghin|ngàn|ngan|k|usd|\$)(?!\w))"
_SEP = r"[ .\-]"          # what people put between digit groups
_DIGITS_END = rf"(?!{_SEP}?\d)"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

_BANKS = (r"vietcombank|vcb|techcombank|tcb|mb\s?bank|mbbank|mb|agribank|bidv|vietinbank|vietin|acb|sacombank|"
          r"vpbank|tpbank|hdbank|shb|scb|ocb|msb|seabank|vib|eximbank|lpbank|lienvietpostbank|abbank|"
          r"nam a bank|bac a bank|pvcombank|momo")
_ACCOUNT = re.compile(
    rf"(?P<cue>(?<!\w)(?:stk|số\s+tài\s+khoản|so\s+tai\s+khoan|số\s+tk|tài\s+khoản|tai\s+khoan|tk|"
    rf"account|acc|{_BANKS})(?!\w)[^\d\n]{{0,30}}?)"
    rf"(?P<num>(?<!\d)\d(?:{_SEP}?\d){{5,18}}){_DIGITS_END}{_MONEY_AFTER}",
    re.IGNORECASE)

# CCCD (12 digits) and CMND (9 digits): plain, in groups of three, or glued to a word (CCCD0010...).
_ID = re.compile(rf"(?<!\d)(?:\d{{12}}|\d{{9}}|\d{{3}}(?:{_SEP}\d{{3}}){{2,3}}){_DIGITS_END}{_MONEY_AFTER}")

# Phones: 0 or (+)84 then 9 digits (mobile) or 10 (landline 02x), in any grouping people use:
# 0912345678, 091.234.5678, 0912 345 678, (024) 3825 1234, +84 91 234 5678, 84912345678.
_PHONE = re.compile(
    rf"(?<![\d+])(?:\(\+?84\)|\+84|84|\(0\d{{2,3}}\)|0)(?:{_SEP}?\(0\))?(?:{_SEP}{{0,2}}\d){{6,11}}{_DIGITS_END}"
    rf"{_MONEY_AFTER}")
_MONEY_GROUPS = re.compile(r"[1-9]\d{0,2}(?:[.,]\d{3})+")


def _is_amount(number: str) -> bool:
    """5.000.000 or 84.500.000.000: thousands separators make it an amount, whatever follows."""
    return bool(_MONEY_GROUPS.fullmatch(number))


def _phone_digits_ok(found: str) -> bool:
    """A real number's national part has 9 (mobile) or 10 (landline) digits after its prefix; its
    groups are never single digits and a group opening with 0 has at least three (024, 0912), which
    tells a date or a list (01.02.2024 10) from a number."""
    if _is_amount(found):
        return False
    groups = re.findall(r"\d+", found)
    digits = "".join(groups)
    national = digits[1:] if digits.startswith("0") else digits[2:]
    if len(national) not in (9, 10):
        return False
    if groups[0].startswith("0") and len(groups[0]) < 3 and groups[0] != "0":
        return False
    return all(len(g) >= 2 for g in groups[1:] if g != "0")


def _phone(match: re.Match[str]) -> str:
    return PHONE if _phone_digits_ok(match.group(0)) else match.group(0)


def _account(match: re.Match[str]) -> str:
    if _is_amount(match.group("num")):
        return match.group(0)
    return match.group("cue") + ACCOUNT


def _id(match: re.Match[str]) -> str:
    return match.group(0) if _is_amount(match.group(0)) and match.group(0).endswith("000") else ID_NUMBER


def mask_personal(text: str) -> str:
    """The text with personal data replaced by <phone>, <id>, <account>, <email>; words kept."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL, text)
    text = _ACCOUNT.sub(_account, text)
    text = _PHONE.sub(_phone, text)
    return _ID.sub(_id, text)


def mask_contact(phone: str | None) -> str | None:
    """A contact phone field, for someone who may not see it: that there is one, not which."""
    return phone and PHONE


def shown_text(personal: bool) -> Callable[[str], str]:
    """The text as this viewer may see it: whole for the owning unit, masked for anyone else."""
    return (lambda text: text) if personal else mask_personal
