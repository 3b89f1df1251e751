"""A citizen may let the public follow their case, and may take it back; by default nothing is shown."""
from __future__ import annotations

import asyncio

import httpx
from georeport import GeoReport

from tests.clients import StaffApi, WebCitizen
from tests.test_webchat_flow import report_wage_case

HTML = {"Accept": "text/html"}


def _publish_buttons(citizen: WebCitizen, code: str) -> list[str]:
    return [b["value"] for m in citizen.seen for row in m.get("buttons") or [] for b in row
            if b["value"].startswith(f"publish:{code}")]


async def test_a_case_is_public_only_after_yes_and_until_withdrawn(live_app: str) -> None:
    async with WebCitizen(live_app) as citizen:
        code = await report_wage_case(citizen)
        assert _publish_buttons(citizen, code) == [f"publish:{code}:yes", f"publish:{code}:no"]
        async with httpx.AsyncClient(base_url=live_app) as http:
            page = f"/cong-khai/phan-anh/{code}"
            assert (await http.get(page, headers=HTML)).status_code == 404   # not answered: private
            assert await asyncio.to_thread(GeoReport(live_app + "/open311/v2").get_service_requests) == []

            await citizen.press(f"publish:{code}:yes")
            await citizen.wait_for(f"/cong-khai/phan-anh/{code}")
            staff = await StaffApi(live_app).login("congdoan.bacninh", "demo-bacninh")
            try:
                assert (await staff.act(code, "accept")).status_code == 200
                assert (await staff.act(code, "resolve", text="Công ty đã trả đủ lương; liên hệ chị Hoa 0987654321")
                        ).status_code == 200
            finally:
                await staff.aclose()
            shown = await http.get(page)
            assert shown.status_code == 200
            assert "Lao động, việc làm (Công đoàn)" in shown.text and "Bắc Ninh" in shown.text
            assert "Tiếp nhận" in shown.text and "Đơn vị nhận xử lý" in shown.text and "Giải quyết xong" in shown.text
            assert "Công ty đã trả đủ lương" in shown.text and "0987654321" not in shown.text
            assert "nợ lương 3 tháng" not in shown.text          # never the citizen's words
            listed = await asyncio.to_thread(GeoReport(live_app + "/open311/v2").get_service_requests)
            assert [r["service_request_id"] for r in listed] == [code] and listed[0]["status"] == "closed"
            english = await http.get(page, params={"lang": "en"})
            assert "Progress of" in english.text and "Resolved" in english.text

            await citizen.say(f"/private {code}")
            await citizen.wait_for(f"{code} không được công khai")
            assert (await http.get(page, headers=HTML)).status_code == 404
            assert await asyncio.to_thread(GeoReport(live_app + "/open311/v2").get_service_requests) == []
