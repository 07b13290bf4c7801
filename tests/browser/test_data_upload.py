"""数据管理 journey in Chromium: upload a GBK CSV of 供地 records, see the validation and the preview, save and
publish, and find the new version listed as current — with nothing leaving the machine.
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from dashboard.navigation import page_spec
from tests.browser.helpers import ARTIFACTS, wait_for_app
from tests.browser.test_pages import assert_clean

CSV = ("供地编号,批准文号,县区代码,供地日期,供地面积(亩),供地方式\n"
       "GD-B-001,云政地〔2026〕11号,530402,2026-03-01,12.5,出让\n"
       "GD-B-002,云政地〔2026〕12号,530427,2026-04-02,3.25,划拨\n").encode("gbk")


def test_upload_validate_preview_publish(page, fence, fresh_app_server, tmp_path):
    # A server of its own: what this test publishes (two 供地 rows) must not become the data the other tests'
    # pages and screenshots show.  Open the app's root first: a deep link as a server's very first request is a
    # separate case (test_pages.test_deep_link_as_first_request_opens_the_framed_page).
    for path in ("", page_spec("data_manager").url_path):
        page.goto(f"{fresh_app_server}/{path}", wait_until="domcontentloaded")
        wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')

    main.locator('[data-testid="stSelectbox"]').filter(has_text="数据集").first.click()
    page.get_by_role("option", name="土地供应（供地）").click()
    wait_for_app(page)

    csv = tmp_path / "<img src=x onerror=alert(1)>.csv"
    csv.write_bytes(CSV)
    main.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(csv))
    expect(main.get_by_text("校验通过：共 2 行", exact=False).first).to_be_visible(timeout=60_000)
    wait_for_app(page)
    expect(main.get_by_text("发布前预览", exact=True)).to_be_visible()
    expect(main.get_by_text("新增 2 行", exact=False).first).to_be_visible()
    expect(main.get_by_text("<img src=x onerror=alert(1)>.csv", exact=True).first).to_be_visible()

    # The data date is typed by hand in real use; Streamlit's masked date input garbles synthetic keystrokes
    # in headless Chromium, so the test sets the widget's value the way its React handler receives it.
    date_input = main.locator('[data-testid="stDateInput"] input')
    date_input.focus()
    date_input.evaluate(
        """(el) => {
            const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
            setter.call(el, "2026-10-31");
            el.dispatchEvent(new Event("input", {bubbles: true}));
        }"""
    )
    date_input.press("Enter")
    wait_for_app(page)
    source = main.get_by_label("数据来源（必填）")
    source.fill("浏览器测试台账")
    source.press("Enter")
    wait_for_app(page)

    main.get_by_role("button", name="保存并发布").click()
    published = main.get_by_text(re.compile(r"已发布：当前版本为 \S+。"))
    expect(published).to_be_visible(timeout=60_000)
    wait_for_app(page)
    version = re.search(r"当前版本为 (\S+)。", published.inner_text()).group(1)
    expect(main.get_by_text(f"当前版本：{version}", exact=True)).to_be_visible()

    shots = ARTIFACTS / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside stMain, so a "full page" is the viewport: show the report, preview and versions.
    main.get_by_text("校验结果", exact=True).scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "data-upload.png"), full_page=True)
    expect(main.get_by_text(f"当前版本：{version}", exact=True)).to_be_visible()
    assert_clean(page, fence)
