"""Personal data never reaches someone who may not see it, in whatever form a citizen writes it,
and the words around it, the amounts, the dates and the case codes stay readable."""
from __future__ import annotations

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from handlers.privacy import ACCOUNT, EMAIL, ID_NUMBER, PHONE, mask_personal
from handlers.tracking import ALPHABET

TOKENS = (PHONE, ID_NUMBER, ACCOUNT, EMAIL)


def examples(n: int) -> settings:
    """n generated cases; no per-example deadline, since a busy CI machine must not fail a correct one."""
    return settings(max_examples=n, deadline=None)


# Digit-free Vietnamese around the secret, so any digit left in the output is a leak.
WORDS = ["công ty", "nợ lương", "em ở Bắc Ninh", "gọi cho em", "xin cảm ơn", "số của em là", "nhà em",
         "liên hệ", "chủ trọ", "ạ", "giúp em với", "bị lừa", "chuyển khoản rồi", "cán bộ xã", "đây là",
         "Hội Nông dân", "mẹ em", "zalo", "anh Tuấn", "đường làng", "vay nặng lãi"]
context = st.lists(st.sampled_from(WORDS), min_size=0, max_size=4).map(" ".join)
punct = st.sampled_from(["", ",", ".", ":", ";", "!", ")"])


def digits(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet="0123456789", min_size=n, max_size=n)


@st.composite
def mobile(draw: st.DrawFn) -> str:
    nat = draw(st.sampled_from("35789")) + draw(digits(8))
    forms = [
        "0" + nat,
        f"0{nat[:2]}.{nat[2:5]}.{nat[5:]}",      # 091.234.5678
        f"0{nat[:3]} {nat[3:6]} {nat[6:]}",      # 0912 345 678
        f"0{nat[:3]}-{nat[3:6]}-{nat[6:]}",
        f"0{nat[:2]} {nat[2:5]} {nat[5:]}",
        f"+84 {nat[:2]} {nat[2:5]} {nat[5:]}",   # +84 91 234 5678
        f"+84 {nat[:3]} {nat[3:6]} {nat[6:]}",
        "+84" + nat,
        "84" + nat,                              # 84912345678
        f"(+84) {nat[:3]} {nat[3:6]} {nat[6:]}",
    ]
    return draw(st.sampled_from(forms))


@st.composite
def landline(draw: st.DrawFn) -> str:
    area = draw(st.sampled_from(["24", "28", "236", "222", "251", "292"]))
    nat = area + draw(digits(10 - len(area)))
    head, rest = "0" + area, nat[len(area):]
    forms = [
        f"({head}) {rest[:-4]} {rest[-4:]}",     # (024) 3825 1234
        f"{head} {rest[:-4]} {rest[-4:]}",
        f"{head}.{rest[:-4]}.{rest[-4:]}",
        head + rest,
        f"+84 {area} {rest[:-4]} {rest[-4:]}",
    ]
    return draw(st.sampled_from(forms))


@st.composite
def id_number(draw: st.DrawFn) -> tuple[str, str]:
    """(text before it, the number): CCCD 12 digits, CMND 9, grouped or glued to its word."""
    number = draw(digits(draw(st.sampled_from([9, 12]))))
    groups = [number[i:i + 3] for i in range(0, len(number), 3)]
    sep = draw(st.sampled_from(["", "-", " ", "."]))
    written = sep.join(groups)
    # "123.456.000" is written exactly like an amount of money; without a word saying it is an ID
    # nobody (and no function) can tell, so that one form is generated only with digits after it.
    assume(not (sep == "." and number.endswith("000")))
    cue = draw(st.sampled_from(["CCCD", "CMND", "cccd ", "CMND số ", "căn cước ", "số định danh ", ""]))
    return cue, written


@st.composite
def bank_account(draw: st.DrawFn) -> tuple[str, str]:
    cue = draw(st.sampled_from(["stk", "STK:", "số tài khoản", "số tài khoản:", "TK", "tk", "Vietcombank", "VCB",
                                "Techcombank", "MB", "MB Bank", "Agribank", "BIDV", "tài khoản Vietcombank số",
                                "stk Agribank"]))
    number = draw(digits(draw(st.integers(6, 19))))
    grouped = draw(st.booleans()) and len(number) > 8
    written = " ".join(number[i:i + 4] for i in range(0, len(number), 4)) if grouped else number
    return cue + " ", written


emails = st.builds(lambda user, host, tld: f"{user}@{host}.{tld}",
                   st.from_regex(r"[a-z][a-z0-9._]{0,12}[a-z0-9]", fullmatch=True),
                   st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z]", fullmatch=True),
                   st.sampled_from(["com", "vn", "com.vn", "gov.vn", "edu.vn"]))


def assert_hidden(before: str, secret: str, after: str) -> None:
    text = f"{before}{secret}{after}"
    masked = mask_personal(text)
    assert not any(ch.isdigit() for ch in masked), f"{secret!r} leaked: {masked!r}"
    assert "@" not in masked, masked
    assert any(masked == f"{before}{token}{after}" for token in TOKENS), \
        f"the words around {secret!r} changed: {text!r} -> {masked!r}"


@examples(300)
@given(context, st.one_of(mobile(), landline()), punct, context)
def test_every_written_form_of_a_phone_number_is_masked(before: str, phone: str, mark: str, after: str) -> None:
    assert_hidden(f"{before} " if before else "", phone, f"{mark} {after}" if after else mark)


@examples(300)
@given(context, id_number(), punct, context)
def test_id_numbers_are_masked_even_glued_to_their_word(before: str, id_: tuple[str, str], mark: str,
                                                        after: str) -> None:
    cue, number = id_
    assert_hidden(f"{before} {cue}" if before else cue, number, f"{mark} {after}" if after else mark)


@examples(300)
@given(context, bank_account(), punct, context)
def test_bank_accounts_after_a_cue_are_masked(before: str, account: tuple[str, str], mark: str,
                                              after: str) -> None:
    cue, number = account
    assert_hidden(f"{before} {cue}" if before else cue, number, f"{mark} {after}" if after else mark)


@examples(200)
@given(context, emails, st.sampled_from(["", ",", ";", " ạ"]), context)
def test_email_addresses_are_masked(before: str, email: str, mark: str, after: str) -> None:
    assert_hidden(f"{before} " if before else "", email, f"{mark} {after}" if after else mark)


@st.composite
def amount(draw: st.DrawFn) -> str:
    millions = draw(st.integers(1, 999))
    grouped = f"{millions:,}".replace(",", ".") + ".000.000"
    return draw(st.sampled_from([
        f"{draw(st.integers(1, 500))} triệu", f"{grouped}đ", f"{grouped} đồng", f"{grouped} VNĐ",
        f"{millions * 1_000_000} đồng", f"{draw(st.integers(1, 999))}k", f"{draw(st.integers(1, 99))} tỷ",
        f"{draw(st.integers(1, 999))}.500.000 đ", f"{grouped}",
    ]))


@st.composite
def date(draw: st.DrawFn) -> str:
    d, m, y = draw(st.integers(1, 31)), draw(st.integers(1, 12)), draw(st.integers(1950, 2030))
    return draw(st.sampled_from([f"{d:02d}/{m:02d}/{y}", f"{d:02d}.{m:02d}.{y}", f"{d}-{m}-{y}",
                                 f"ngày {d} tháng {m} năm {y}", f"năm {y}", f"{y}-{m:02d}-{d:02d}",
                                 f"tháng {m}/{y}"]))


case_code = st.text(alphabet=ALPHABET, min_size=6, max_size=6).map(lambda s: f"LN-{s}")
small = st.integers(0, 9999).map(str)
harmless = st.lists(st.one_of(amount(), date(), case_code, small), min_size=1, max_size=5)


@examples(400)
@given(harmless, st.lists(st.sampled_from(WORDS), min_size=5, max_size=5))
def test_amounts_dates_codes_and_small_numbers_are_kept(items: list[str], words: list[str]) -> None:
    text = " ".join(f"{w} {item}" for w, item in zip(words, items))
    assert mask_personal(text) == text


def test_a_real_report_keeps_its_story_and_loses_its_identifiers() -> None:
    text = ("Em tên Lan, CCCD 001190012345, công ty nợ lương 3 tháng (tổng 15.000.000đ) từ 01/08/2026. "
            "Gọi em 091.234.5678 hoặc (024) 3825 1234, mail lan.nguyen@gmail.com, "
            "lương về stk 0011004123456 Vietcombank. Mã hồ sơ cũ LN-7K3Q9P.")
    assert mask_personal(text) == (
        "Em tên Lan, CCCD <id>, công ty nợ lương 3 tháng (tổng 15.000.000đ) từ 01/08/2026. "
        "Gọi em <phone> hoặc <phone>, mail <email>, "
        "lương về stk <account> Vietcombank. Mã hồ sơ cũ LN-7K3Q9P.")


async def test_a_moderator_reads_the_whole_case_without_its_personal_data(live_app: str) -> None:
    """Description, transcript, result, reassignment reason and contact: all masked for a viewer
    outside the owning unit, on the console pages and in the JSON API alike."""
    import re

    from tests.clients import StaffApi, WebCitizen

    secrets_ = ["0912345678", "001090012345", "lan.nguyen@gmail.com", "0011004123456", "0987 654 321",
                "(024) 3825 1234"]
    async with WebCitizen(live_app) as citizen:
        await citizen.say("/start")
        await citizen.press("consent:yes")
        await citizen.say("công ty nợ lương 3 tháng, em ở Bắc Ninh, CCCD001090012345, mail lan.nguyen@gmail.com, "
                          "lương về stk 0011004123456 Vietcombank")
        await citizen.press("skip:commune")
        await citizen.say("0912345678")
        await citizen.press("confirm:send")
        code = re.search(r"LN-\w{6}", (await citizen.wait_for("Mã tra cứu"))["text"]).group(0)
    owner = await StaffApi(live_app).login("congdoan.bacninh", "demo-bacninh")
    women = await StaffApi(live_app).login("phunu.hanoi", "demo-hanoi")
    moderator = await StaffApi(live_app).login("kiemduyet", "demo-moderator")
    try:
        assert (await owner.act(code, "reassign", unit="women.ha-noi",
                                reason="chị ở Hà Nội, số mới 0987 654 321")).status_code == 200
        assert (await women.act(code, "resolve", text="đã gọi chị qua (024) 3825 1234, công ty trả đủ 15.000.000đ")
                ).status_code == 200
        seen = (await moderator.http.get(f"/api/cases/{code}")).json()
        assert seen["case"]["contact_phone"] == "<phone>" and "CCCD<id>" in seen["case"]["description"]
        assert "stk <account> Vietcombank" in seen["case"]["description"]
        assert any("số mới <phone>" in (e["reason"] or "") for e in seen["events"])
        assert seen["case"]["result"] == "đã gọi chị qua <phone>, công ty trả đủ 15.000.000đ"
        page = (await moderator.http.get(f"/console/cases/{code}")).text
        inbox = (await moderator.http.get("/console?status_filter=all")).text
        for secret in secrets_:
            assert secret not in str(seen) and secret not in page and secret not in inbox, secret
        assert "nợ lương 3 tháng" in page and code in inbox
    finally:
        for client in (owner, women, moderator):
            await client.aclose()
