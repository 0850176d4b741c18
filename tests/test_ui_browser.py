"""End to end in a real browser: Debian's Chromium driven by Playwright against `serve` on
127.0.0.1, over a real index of the city plan. Screenshots go to test-artifacts/screenshots/.

Chromium is a system package (`apt-get install chromium`, done by .ci/run); without it these
tests are skipped with that reason.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from assistant.config import Settings
from tests.conftest import CHROMIUM, ROOT
from tests.conftest import CHROMIUM_ARGS as ARGS

ARTIFACTS = ROOT / "test-artifacts" / "screenshots"

playwright_api = pytest.importorskip("playwright.sync_api", reason="the test extra installs playwright")
if not CHROMIUM.exists():
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)

# A document with markup in its text: the page must show it, never run it.
HOSTILE = """\
滨海测试通知
一、注意事项
测试文本<img src=x onerror="window.__pwned=1">与<script>window.__pwned=2</script>蓝鲸化工中试基地说明。
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, e5):
    from indexing.pipeline import ingest
    from ui.app import serve

    base = tmp_path_factory.mktemp("ui")
    extra = base / "extra"
    extra.mkdir()
    (extra / "notice.txt").write_text(HOSTILE, encoding="utf-8")
    settings = Settings(index_dir=base / "index", corpus_dir=ROOT / "corpus", feedback_file=base / "feedback.jsonl",
                        reports_dir=base / "reports")
    ingest(settings, e5, [extra])
    # An eval report for the retrieval-test tab, made the way an evaluator makes one.
    from assistant.retrieval import Retriever
    from evals.report import write_report
    from evals.runner import run_eval

    gold = base / "gold.jsonl"
    gold.write_text(json.dumps({"id": "q1", "query": "抗氧剂重点补齐哪些产品？", "evidence": ["胺类抗氧剂"],
                                "lang": "zh", "kind": "list"}, ensure_ascii=False) + "\n", encoding="utf-8")
    with Retriever(settings, e5) as r:
        write_report(run_eval(settings, gold, r), settings.reports_dir / "latest")
    port = _free_port()
    app, _ = serve(settings, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/", settings
    app.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server, request):
    url, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    pg = context.new_page()
    dialogs = []
    pg.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    pg.goto(url)
    pg.wait_for_selector("#yk-question textarea", timeout=60_000)
    yield pg
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    assert not dialogs, f"a script ran in the page: {dialogs}"
    assert pg.evaluate("() => window.__pwned === undefined"), "markup from a document was executed"
    context.close()


def ask(page, question: str):
    before = page.locator("#yk-chat .message-row, #yk-chat [data-testid='bot']").count()
    page.fill("#yk-question textarea", question)
    page.click("#yk-send")
    page.wait_for_function(
        "n => document.querySelectorAll(\"#yk-chat .message-row, #yk-chat [data-testid='bot']\").length > n + 1",
        arg=before, timeout=60_000)
    page.wait_for_timeout(1500)  # the answer streams line by line


def last_answer(page) -> str:
    return page.locator("#yk-chat [data-testid='bot']").last.inner_text()


def test_page_loads_with_its_index(page, server):
    from indexing.index import current_generation, read_meta

    _, settings = server
    n = len(read_meta(current_generation(settings.index_dir)).documents)  # the plan, its cards, the notice
    assert page.title() == "营口精细化工政策助手"
    assert f"已索引 {n} 份文件" in page.inner_text("#yk-status")


def test_chinese_question_citation_click_shows_quote_in_panel(page):
    ask(page, "仙人岛能源化工区重点发展哪些产品？")
    links = page.locator("#yk-chat a[href^='#cite-']")
    assert links.count() >= 2
    links.nth(1).click()  # [2]
    page.wait_for_function("() => document.querySelector('#yk-ref textarea').value.length > 0", timeout=20_000)
    page.wait_for_timeout(800)
    ref = page.input_value("#yk-ref textarea")
    quote = ref.split("：“", 1)[1].rstrip("”")
    marked = page.locator("#yk-panel mark").inner_text()
    assert marked == quote  # the panel marks exactly the quoted sentence of citation 2
    assert "《营口市精细化工产业发展规划》" in page.inner_text("#yk-panel")
    assert page.locator("#yk-cite-pick input").nth(1).is_checked()


def test_english_question_gets_english_lead_and_citations(page):
    ask(page, "Which products are encouraged in Xianrendao?")
    text = last_answer(page)
    assert "Xianrendao" in text or "仙人岛" in text
    assert "indexed documents" in text
    assert page.locator("#yk-chat a[href^='#cite-']").count() >= 1


def test_unanswerable_question_shows_abstention(page):
    ask(page, "营口望儿山景区的门票多少钱？几点开放？")
    text = last_answer(page)
    assert "未找到依据" in text and "可能相关的条款" in text


def test_follow_up_uses_the_conversation(page):
    ask(page, "催化剂领域以哪些企业为龙头？")
    ask(page, "那抗氧剂呢？")
    text = last_answer(page)
    assert "检索为" in text and "抗氧剂" in text
    # Back to the first turn: a citation clicked there, then another chosen from the side list,
    # both belong to the first turn.
    page.locator("#yk-chat a[href^='#cite-0-']").first.click()
    page.wait_for_function("() => document.querySelector('#yk-ref textarea').value.includes('催化剂')",
                           timeout=20_000)
    page.locator("#yk-cite-pick label").nth(1).click()
    page.wait_for_function("() => [...document.querySelectorAll('#yk-cite-pick input')][1].checked", timeout=20_000)
    page.wait_for_timeout(500)
    chosen = page.locator("#yk-cite-pick label").nth(1).inner_text()
    assert chosen.split("》")[0].lstrip("[2] 《") in page.input_value("#yk-ref textarea")


def test_markup_in_documents_and_questions_is_shown_as_text(page):
    ask(page, "<b>蓝鲸化工</b>中试基地<img src=y onerror=alert(3)>有什么说明？")
    user = page.locator("#yk-chat [data-testid='user']").last.inner_text()
    assert "<b>蓝鲸化工</b>" in user
    links = page.locator("#yk-chat a[href^='#cite-']")
    assert links.count() >= 1  # the notice answers it: its clause opens in the panel, markup as text
    links.first.click()
    page.wait_for_function("() => document.querySelector('#yk-panel').innerText.includes('onerror')",
                           timeout=20_000)
    assert '<img src=x onerror="window.__pwned=1">' in page.inner_text("#yk-panel")
    page.get_by_role("tab", name="条款检索").click()
    page.fill("#yk-lookup-q textarea", "蓝鲸化工中试基地")
    page.click("#yk-lookup-btn")
    page.wait_for_selector("#yk-lookup-out .yk-hit", timeout=30_000)
    assert '<img src=x onerror="window.__pwned=1">' in page.inner_text("#yk-lookup-out")


def test_over_long_question_is_refused_with_a_message(page):
    ask(page, "化工" * 400)
    assert "keep it under 500" in last_answer(page)


def test_filters_change_the_results(page):
    page.get_by_role("tab", name="条款检索").click()
    page.fill("#yk-lookup-q textarea", "重点发展")
    page.click("#yk-lookup-btn")
    page.wait_for_selector("#yk-lookup-out .yk-hit", timeout=30_000)
    unfiltered = page.inner_text("#yk-lookup-out")
    page.locator("#yk-parks").get_by_text("大石桥经济开发区化工园区").click()
    page.click("#yk-lookup-btn")
    page.wait_for_selector("#yk-lookup-out .yk-filters:has-text('大石桥经济开发区化工园区')", timeout=30_000)
    assert page.inner_text("#yk-lookup-out") != unfiltered
    hits = page.locator("#yk-lookup-out .yk-hit")
    assert hits.count() >= 1
    for i in range(hits.count()):
        assert "大石桥" in hits.nth(i).inner_text()


def test_lookup_finds_a_clause_and_outline_browses_a_document(page):
    page.get_by_role("tab", name="条款检索").click()
    page.fill("#yk-lookup-q textarea", "催化剂 龙头企业")
    page.click("#yk-lookup-btn")
    page.wait_for_selector("#yk-lookup-out mark", timeout=30_000)
    assert "《营口市精细化工产业发展规划》" in page.inner_text("#yk-lookup-out")
    page.locator("#yk-outline-doc input").click()
    page.get_by_role("option", name="营口市精细化工产业发展规划").click()
    page.wait_for_timeout(2000)  # the outline's choices arrive
    page.locator("#yk-outline input").click()
    page.locator("[role='option']", has_text="营口仙人岛能源化工区").first.click()
    page.wait_for_selector("#yk-outline-clause .yk-text", timeout=20_000)
    assert "仙人岛" in page.inner_text("#yk-outline-clause")


def test_retrieval_tab_shows_ranks_side_by_side(page):
    page.get_by_role("tab", name="检索测试").click()
    page.fill("#yk-rt-q textarea", "抗氧剂")
    page.click("#yk-rt-btn")
    page.wait_for_function("() => document.querySelector('#yk-rt-table').innerText.includes('《营口市')",
                           timeout=30_000)
    table = page.inner_text("#yk-rt-table")
    assert "dense" in table and "BM25" in table and "——抗氧剂" in table
    report = page.inner_text("#yk-report")
    assert "hit@1" in report and "latest" in report  # the newest eval report, its table
    assert page.locator("#yk-report-plots img").count() == 2  # and its two plots


def test_feedback_is_appended_and_export_has_citations(page, server):
    _, settings = server
    ask(page, "催化剂领域以哪些企业为龙头？")
    page.get_by_text("反馈").click()
    page.fill("#yk-comment textarea", "清楚")
    page.click("#yk-up")
    page.wait_for_function("() => document.body.innerText.includes('已记录反馈')", timeout=20_000)
    entry = json.loads(settings.feedback_file.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["rating"] == "up" and entry["comment"] == "清楚" and entry["citations"]
    page.click("#yk-export")
    link = page.locator("#yk-export-file a").first
    link.wait_for(timeout=20_000)
    with page.expect_download() as dl:
        link.click()
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "催化剂领域以哪些企业为龙头？" in text and "[1] 《营口市精细化工产业发展规划》" in text


def test_english_switch_relabels_the_page(page):
    page.get_by_text("English", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('Clause lookup')", timeout=20_000)
    assert "Yingkou Fine-Chemical Policy Assistant" in page.inner_text("body")


def test_gradio_client_api(server):
    from gradio_client import Client

    url, _ = server
    client = Client(url, verbose=False)
    answer = client.predict("仙人岛能源化工区重点发展哪些产品？", api_name="/ask")
    assert answer["abstained"] is False and answer["citations"]
    assert answer["citations"][0]["quote"] in answer["citations"][0]["text"]
    result = client.predict("催化剂", 3, api_name="/search")
    assert len(result["hits"]) == 3
    with pytest.raises(Exception, match="empty"):
        client.predict("", api_name="/ask")
    with pytest.raises(Exception, match="top_k"):
        client.predict("催化剂", 10_000, api_name="/search")


def test_a_damaged_index_is_a_message_in_the_page(browser, tmp_path):
    from ui.app import serve

    index = tmp_path / "index"
    (index / "gen-20200101T000000-broken").mkdir(parents=True)
    settings = Settings(index_dir=index, corpus_dir=ROOT / "corpus")
    port = _free_port()
    app, service = serve(settings, host="127.0.0.1", port=port, block=False)
    try:
        pg = browser.new_page()
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.wait_for_selector("#yk-status", timeout=60_000)
        status = pg.inner_text("#yk-status")
        assert "⚠" in status and "ingest" in status and "Traceback" not in pg.inner_text("body")
        pg.fill("#yk-question textarea", "催化剂")
        pg.click("#yk-send")
        pg.wait_for_timeout(2000)
        assert "no index is open" in pg.locator("#yk-chat").inner_text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "damaged_index.png"), full_page=True)
    finally:
        app.close()
        shutil.rmtree(index, ignore_errors=True)


def test_first_run_builds_the_index_with_progress_in_the_page(browser, mini_settings):
    from ui.app import serve

    port = _free_port()
    app, service = serve(mini_settings, host="127.0.0.1", port=port, block=False)
    try:
        pg = browser.new_page()
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.wait_for_function("() => document.querySelector('#yk-status')?.innerText.includes('已索引 3 份文件')",
                             timeout=120_000)
        assert service.ready and service.build_state.total > 0
        pg.fill("#yk-question textarea", "排污许可证有效期是多久？")
        pg.click("#yk-send")
        pg.wait_for_selector("#yk-chat a[href^='#cite-']", timeout=60_000)
    finally:
        app.close()


def test_login_when_auth_is_set(browser, mini_settings):
    from ui.app import serve

    port = _free_port()
    app, _ = serve(mini_settings.with_(ui_auth="official:s3cret"), host="127.0.0.1", port=port, block=False)
    try:
        pg = browser.new_page()
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.wait_for_selector("input[type='password']", timeout=60_000)
        assert pg.locator("#yk-question").count() == 0  # nothing of the app before logging in
        pg.locator("input[type='text']").first.fill("official")
        pg.locator("input[type='password']").fill("s3cret")
        pg.keyboard.press("Enter")
        pg.wait_for_selector("#yk-question textarea", timeout=60_000)
    finally:
        app.close()


def test_admin_uploads_and_deletes_a_document(browser, mini_settings, tmp_path):
    from ui.app import serve

    notice = tmp_path / "仓储通知.txt"
    notice.write_text("滨海市应急管理局关于加强危险化学品仓储安全的通知\n一、总体要求\n危险化学品仓库应当设置泄漏报警装置。\n",
                      encoding="utf-8")
    settings = mini_settings.with_(admin_password="s3cret", uploads_dir=tmp_path / "uploads")
    port = _free_port()
    app, service = serve(settings, host="127.0.0.1", port=port, block=False)
    try:
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(f"http://127.0.0.1:{port}/")
        pg.wait_for_function("() => document.querySelector('#yk-status')?.innerText.includes('已索引')",
                             timeout=120_000)
        pg.get_by_role("tab", name="文件管理").click()
        pg.fill("#yk-password input", "wrong")
        pg.click("#yk-unlock")
        pg.wait_for_function("() => document.querySelector('#yk-admin-msg').innerText.includes('密码不对')",
                             timeout=20_000)
        assert not pg.locator("#yk-upload").is_visible()
        pg.fill("#yk-password input", "s3cret")
        pg.click("#yk-unlock")
        pg.locator("#yk-upload input[type='file']").set_input_files(str(notice))
        pg.wait_for_timeout(1000)
        pg.click("#yk-upload-btn")
        pg.wait_for_function("() => document.querySelector('#yk-admin-msg').innerText.includes('索引已更新')",
                             timeout=120_000)
        assert "滨海市应急管理局关于加强危险化学品仓储安全的通知" in pg.inner_text("#yk-admin-msg")
        assert service.search("泄漏报警装置").hits[0].doc_title.startswith("滨海市应急管理局")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "admin_upload.png"), full_page=True)
        pg.locator("#yk-uploaded input").click()
        pg.locator("[role='option']", has_text="仓储安全").first.click()
        pg.click("#yk-delete")
        pg.wait_for_function("() => document.querySelector('#yk-admin-msg').innerText.includes('删除')",
                             timeout=120_000)
        assert all(not h.doc_title.startswith("滨海市应急管理局") for h in service.search("泄漏报警装置").hits)
    finally:
        app.close()


def test_eligibility_in_chat_and_in_its_tab(page):
    ask(page, "我们想在营口新建胺类抗氧剂装置，能不能入园？")
    text = last_answer(page)
    assert "准入评估" in text and "鼓励" in text and "胺类抗氧剂" in text and "《营口市精细化工产业发展规划》" in text
    page.get_by_role("tab", name="准入评估").click()
    page.fill("#yk-e-desc textarea", "想在鲅鱼圈开一家海鲜火锅店")
    page.click("#yk-e-btn")
    page.wait_for_function("() => document.querySelector('#yk-e-out').innerText.includes('准入评估')", timeout=30_000)
    assert "未涉及" in page.inner_text("#yk-e-out")
