"""The Gradio page: chat with clickable citations, clause lookup, and the retrieval test.

No logic of its own: every answer, search and ranking comes from `PolicyService`, the same
pipeline as the CLI. `[n]` markers in answers are links (`#cite-<turn>-<n>`); a small script
catches their clicks and asks the server for that citation's clause, which the side panel shows.
"""

from __future__ import annotations

import html
import json
import logging
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

import gradio as gr

from assistant.conversation import Turn
from assistant.eligibility import Project, format_report, is_eligibility_question
from assistant.errors import AssistantError, InputError
from assistant.types import Answer, Level, SearchFilters
from indexing.loading import MAX_FILE_BYTES, SUPPORTED_SUFFIXES
from indexing.parks import park_names
from ui import render
from ui.admin import AdminDesk
from ui.render import LABELS
from ui.service import FeedbackLog, PolicyService, friendly

log = logging.getLogger(__name__)

CSS = """
.yk-clause .yk-doc, .yk-group .yk-doc {font-weight: 600; font-size: 1.05em}
.yk-facts, .yk-crumb {color: #666; font-size: .9em; margin: .2em 0}
.yk-near {color: #888; font-size: .9em; border-left: 3px solid #ddd; padding-left: .6em; margin: .4em 0}
.yk-text {margin: .4em 0; line-height: 1.7}
.yk-text mark {background: #ffe58a; padding: 0 .1em}
.yk-filters {color: #a15c00; font-size: .9em; margin-bottom: .4em}
.yk-hit {border-bottom: 1px solid #eee; padding: .4em 0}
.yk-group {margin-bottom: 1em}
.yk-abstained {border-left: 4px solid #e0a000}
#yk-cite-bridge {display: none}
"""

# Clicks on [n] links in the chat become a value in a hidden textbox, which the server reads.
HEAD = """
<script>
document.addEventListener('click', function (e) {
  const a = e.target.closest && e.target.closest('a[href^="#cite-"]');
  if (!a) return;
  e.preventDefault();
  const box = document.querySelector('#yk-cite-bridge textarea, #yk-cite-bridge input');
  if (!box) return;
  box.value = a.getAttribute('href').slice(6) + '|' + Date.now();
  box.dispatchEvent(new Event('input', {bubbles: true}));
}, true);
</script>
"""

LEVEL_CHOICES = [Level.NATIONAL.value, Level.PROVINCIAL.value, Level.MUNICIPAL.value, Level.ENTERPRISE.value]


def build_app(service: PolicyService, feedback: FeedbackLog | None = None, lang: str = "zh") -> gr.Blocks:
    feedback = feedback or FeedbackLog(service.settings.feedback_file)
    admin = AdminDesk(service)
    t = LABELS[lang]
    with gr.Blocks(title=t["title"], fill_width=True) as app:
        ui_lang = gr.State(lang)
        answers = gr.State([])  # [(question, Answer)] of this browser session
        header = gr.Markdown(f"# {t['title']}\n{t['subtitle']}")
        status = gr.Markdown(_status(service, lang), elem_id="yk-status")
        with gr.Row():
            lang_switch = gr.Radio(["中文", "English"], value="中文" if lang == "zh" else "English",
                                   show_label=False, container=False, scale=0, min_width=200)
            levels = gr.CheckboxGroup(_level_choices(lang), label=t["levels"], scale=1, elem_id="yk-levels")
            docs = gr.Dropdown(_doc_titles(service), value=[], multiselect=True, label=t["docs"], scale=2, elem_id="yk-docs")
            parks = gr.CheckboxGroup(park_names(), label=t["parks"], scale=2, elem_id="yk-parks")
            build_btn = gr.Button("建立索引 / Build index", visible=not service.ready and not service.build_state.running,
                                  scale=0)

        with gr.Tabs():
            with gr.Tab(t["chat"], id="chat") as chat_tab:
                with gr.Row():
                    with gr.Column(scale=3):
                        chatbot = gr.Chatbot(label=t["chat"], height=520, elem_id="yk-chat", sanitize_html=True,
                                             feedback_options=None)
                        with gr.Row():
                            question = gr.Textbox(placeholder=t["question"], show_label=False, scale=5,
                                                  max_lines=4, elem_id="yk-question")
                            send = gr.Button(t["send"], variant="primary", scale=1, elem_id="yk-send")
                        with gr.Row():
                            use_llm = gr.Checkbox(False, label=t["use_llm"], interactive=service.llm_configured)
                            clear = gr.Button(t["clear"], size="sm")
                            export_btn = gr.Button(t["export"], size="sm", elem_id="yk-export")
                        gr.Examples(render.EXAMPLES, inputs=question, label=t["examples"])
                        export_file = gr.File(visible=False, label=t["export"], elem_id="yk-export-file")
                        with gr.Accordion(t["feedback"], open=False):
                            comment = gr.Textbox(label=t["comment"], max_lines=3, elem_id="yk-comment")
                            with gr.Row():
                                up = gr.Button(t["up"], size="sm", elem_id="yk-up")
                                down = gr.Button(t["down"], size="sm", elem_id="yk-down")
                            feedback_msg = gr.Markdown()
                    with gr.Column(scale=2):
                        cite_pick = gr.Radio([], label=t["citations"], elem_id="yk-cite-pick")
                        panel = gr.HTML(label=t["source"], elem_id="yk-panel")
                        ref = gr.Textbox(label=t["copy"], buttons=["copy"], interactive=False, lines=3,
                                         elem_id="yk-ref")
                        bridge = gr.Textbox(elem_id="yk-cite-bridge", visible="hidden")

            with gr.Tab(t["lookup"], id="lookup") as lookup_tab:
                with gr.Row():
                    lookup_q = gr.Textbox(label=t["query"], scale=5, elem_id="yk-lookup-q")
                    lookup_btn = gr.Button(t["search"], variant="primary", scale=1, elem_id="yk-lookup-btn")
                lookup_out = gr.HTML(elem_id="yk-lookup-out")
                with gr.Row():
                    outline_doc = gr.Dropdown(_doc_titles(service), value=None, label=t["doc"], scale=2, elem_id="yk-outline-doc")
                    outline = gr.Dropdown([], value=None, label=t["outline"], scale=3, elem_id="yk-outline")
                outline_clause = gr.HTML(elem_id="yk-outline-clause")

            with gr.Tab(t["retrieval"], id="retrieval") as retrieval_tab:
                with gr.Row():
                    rt_q = gr.Textbox(label=t["query"], scale=5, elem_id="yk-rt-q")
                    rt_btn = gr.Button(t["search"], variant="primary", scale=1, elem_id="yk-rt-btn")
                rt_table = gr.Dataframe(headers=["fused", "dense", "BM25", "cross", "score", "clause", "text"],
                                        interactive=False, wrap=True, elem_id="yk-rt-table")
                report = gr.Markdown(_report(service, lang), label=t["report"], elem_id="yk-report")
                plots = _report_plots(service)
                gallery = gr.Gallery(plots, label=t["report"], visible=bool(plots), columns=2, height="auto",
                                     elem_id="yk-report-plots")

            with gr.Tab(t["eligibility"], id="eligibility"):
                e_desc = gr.Textbox(label=t["e_desc"], lines=3, elem_id="yk-e-desc")
                with gr.Row():
                    e_product = gr.Textbox(label=t["e_product"], elem_id="yk-e-product")
                    e_process = gr.Textbox(label=t["e_process"])
                    e_capacity = gr.Textbox(label=t["e_capacity"])
                with gr.Row():
                    e_park = gr.Dropdown(["", *park_names()], value="", label=t["parks"], elem_id="yk-e-park")
                    e_new = gr.Radio([(t["e_new"], "new"), (t["e_expansion"], "expansion")], value=None,
                                     label=t["e_kind"])
                    e_foreign = gr.Checkbox(False, label=t["e_foreign"])
                e_btn = gr.Button(t["e_check"], variant="primary", elem_id="yk-e-btn")
                e_out = gr.Markdown(elem_id="yk-e-out")

            with gr.Tab(t["admin"], id="admin"):
                admin_open = gr.State(False)
                if not admin.enabled:
                    gr.Markdown(t["admin_off"])
                with gr.Row(visible=admin.enabled):
                    password = gr.Textbox(type="password", label=t["password"], scale=3, elem_id="yk-password")
                    unlock = gr.Button(t["unlock"], scale=1, elem_id="yk-unlock")
                admin_msg = gr.Markdown(elem_id="yk-admin-msg")
                with gr.Column(visible=False) as admin_panel:
                    up_file = gr.File(label=t["upload"], file_types=list(SUPPORTED_SUFFIXES), type="filepath",
                                      elem_id="yk-upload")
                    with gr.Row():
                        f_title = gr.Textbox(label=t["f_title"], elem_id="yk-f-title")
                        f_level = gr.Dropdown(_level_choices(lang), value=None, label=t["levels"], elem_id="yk-f-level")
                        f_issuer = gr.Textbox(label=t["f_issuer"])
                    with gr.Row():
                        f_date = gr.Textbox(label=t["f_date"])
                        f_number = gr.Textbox(label=t["f_number"])
                        f_doc_type = gr.Textbox(label=t["f_doc_type"])
                    up_btn = gr.Button(t["upload_btn"], variant="primary", elem_id="yk-upload-btn")
                    with gr.Row():
                        uploaded = gr.Dropdown(_uploaded_titles(admin), value=None, label=t["uploaded"],
                                               scale=3, elem_id="yk-uploaded")
                        del_btn = gr.Button(t["delete"], variant="stop", scale=1, elem_id="yk-delete")

        # ------------------------------------------------------------------ chat

        def respond(message, chat, state, lv, dv, pv, llm, lang_now):
            message = (message or "").strip()
            if not message:
                yield chat, state, "", gr.update(), gr.update(), gr.update()
                return
            chat = [*chat, {"role": "user", "content": render.escape_md(message)}]
            yield chat, state, "", gr.update(), gr.update(), gr.update()  # the question shows at once
            history = [Turn(role, text) for q, a in state for role, text in (("user", q), ("assistant", a.answer))]
            try:
                filters = _filters(lv, dv, pv)
                if is_eligibility_question(message):
                    report = service.check(Project(message))
                    answer = Answer(message, format_report(report), False, (), report.elapsed_ms, message)
                    chat.append({"role": "assistant", "content": render.eligibility_markdown(report, lang_now)})
                    yield chat, [*state, (message, answer)], "", gr.update(choices=[], value=None), "", ""
                    return
                if llm:
                    answer = None
                    for answer in _streamed(service, message, history, filters):
                        if isinstance(answer, str):  # the model's draft so far
                            yield ([*chat, {"role": "assistant", "content": render.escape_md(answer)}], state, "",
                                   gr.update(), gr.update(), gr.update())
                else:
                    answer = service.ask(message, history, filters)
            except Exception as exc:  # every failure becomes a message in the chat, never a trace
                if not isinstance(exc, AssistantError):
                    log.exception("chat failed")
                chat.append({"role": "assistant", "content": f"⚠ {render.escape_md(friendly(exc))}"})
                yield chat, state, "", gr.update(), gr.update(), gr.update()
                return
            state = [*state, (message, answer)]
            turn = len(state) - 1
            text = render.answer_markdown(answer, turn, lang_now)
            if answer.abstained and answer.related:
                text += "\n\n" + render.related_html(answer.related, lang_now)
            if answer.companies:
                text += "\n\n" + render.companies_markdown(answer.companies, lang_now)
            # Stream the answer line by line: the lead first, then each supporting point.
            lines = text.split("\n")
            chat.append({"role": "assistant", "content": ""})
            for i in range(1, len(lines) + 1):
                chat[-1] = {"role": "assistant", "content": "\n".join(lines[:i])}
                yield chat, state, "", gr.update(), gr.update(), gr.update()
            choices = render.citation_choices(answer, turn)
            first = _show_citation(service, answer, 1, lang_now) if answer.citations else ("", "")
            yield (chat, state, "", gr.update(choices=choices, value=choices[0][1] if choices else None),
                   first[0], first[1])

        outs = [chatbot, answers, question, cite_pick, panel, ref]
        ins = [question, chatbot, answers, levels, docs, parks, use_llm, ui_lang]
        # One event for the button and Enter; "once" ignores a second submit while answering.
        gr.on([send.click, question.submit], respond, ins, outs, trigger_mode="once", api_visibility="private")

        def clear_chat():
            return [], [], gr.update(choices=[], value=None), "", ""

        clear.click(clear_chat, None, [chatbot, answers, cite_pick, panel, ref], api_visibility="private")

        def pick(value, state, lang_now):
            """A citation chosen in the side list; its value names its turn, which may be an earlier one."""
            try:
                turn, n = (int(x) for x in value.split("-"))
                return _show_citation(service, state[turn][1], n, lang_now)
            except (ValueError, IndexError, AttributeError, TypeError):
                return gr.update(), gr.update()

        cite_pick.input(pick, [cite_pick, answers, ui_lang], [panel, ref], api_visibility="private")

        def clicked(value, state, lang_now):
            """A [n] link in turn `turn` was clicked: show that turn's citation n."""
            try:
                turn, n = (int(x) for x in value.split("|")[0].split("-"))
                answer = state[turn][1]
            except (ValueError, IndexError, AttributeError):
                return gr.update(), gr.update(), gr.update()
            choices = render.citation_choices(answer, turn)
            html, reference = _show_citation(service, answer, n, lang_now)
            return gr.update(choices=choices, value=f"{turn}-{n}"), html, reference

        bridge.change(clicked, [bridge, answers, ui_lang], [cite_pick, panel, ref], api_visibility="private")

        def rate(rating, text, state, lang_now):
            if not state:
                return LABELS[lang_now]["no_answer"], text
            try:
                feedback.record(state[-1][1], rating, text or "")
            except (OSError, InputError) as exc:
                return f"⚠ {render.escape_md(friendly(exc) if isinstance(exc, InputError) else str(exc))}", text
            return LABELS[lang_now]["thanks"], ""

        up.click(lambda c, s, lg: rate("up", c, s, lg), [comment, answers, ui_lang], [feedback_msg, comment],
                 api_visibility="private")
        down.click(lambda c, s, lg: rate("down", c, s, lg), [comment, answers, ui_lang], [feedback_msg, comment],
                   api_visibility="private")

        def export(state, lang_now):
            if not state:
                return gr.update(visible=False)
            path = Path(tempfile.mkdtemp(prefix="yk-export-")) / "conversation.md"
            path.write_text(render.conversation_markdown(state, lang_now), encoding="utf-8")
            return gr.update(value=str(path), visible=True)

        export_btn.click(export, [answers, ui_lang], export_file, api_visibility="private")

        # ------------------------------------------------------------------ lookup

        def lookup(query, lv, dv, pv, lang_now):
            try:
                filters = _filters(lv, dv, pv)
                result = service.search(query, filters, top_k=service.settings.top_k)
                return render.results_html(result.hits, service.terms(query), lang_now,
                                           render.filters_caption(filters, lang_now))
            except Exception as exc:
                return _error_html(exc)

        gr.on([lookup_btn.click, lookup_q.submit], lookup, [lookup_q, levels, docs, parks, ui_lang], lookup_out,
              api_visibility="private")

        def load_outline(title):
            if not title:
                return gr.update(choices=[], value=None), ""
            try:
                rows = render.outline_rows(service.outline(title))
            except Exception as exc:
                return gr.update(choices=[], value=None), _error_html(exc)
            return gr.update(choices=rows, value=None), ""

        outline_doc.change(load_outline, outline_doc, [outline, outline_clause], api_visibility="private")

        def show_clause(title, path, lang_now):
            if not title or not path:
                return ""
            try:
                return render.clause_html(service.section(title, json.loads(path)), lang_now)
            except Exception as exc:
                return _error_html(exc)

        outline.change(show_clause, [outline_doc, outline, ui_lang], outline_clause, api_visibility="private")

        # ------------------------------------------------------------------ retrieval test

        def rank(query, lv, dv, pv):
            try:
                return render.ranking_rows(service.explain(query, _filters(lv, dv, pv), top_k=service.settings.top_k))
            except Exception as exc:
                gr.Warning(html.escape(friendly(exc)))
                return []

        gr.on([rt_btn.click, rt_q.submit], rank, [rt_q, levels, docs, parks], rt_table, api_visibility="private")

        # ------------------------------------------------------------------ eligibility

        def check(desc, product, process, capacity, park, kind, foreign, lang_now):
            try:
                report = service.check(Project(desc or "", product or "", process or "", capacity or "", park or "",
                                               kind == "new" if kind else None, True if foreign else None))
            except Exception as exc:
                if not isinstance(exc, AssistantError):
                    log.exception("check failed")
                return f"⚠ {render.escape_md(friendly(exc))}"
            return render.eligibility_markdown(report, lang_now)

        e_btn.click(check, [e_desc, e_product, e_process, e_capacity, e_park, e_new, e_foreign, ui_lang], e_out,
                    api_visibility="private")

        # ------------------------------------------------------------------ administration

        def enter(pw, lang_now):
            ok = admin.check_password(pw)
            return ok, gr.update(visible=ok), "" if ok else LABELS[lang_now]["wrong_password"], ""

        gr.on([unlock.click, password.submit], enter, [password, ui_lang], [admin_open, admin_panel, admin_msg, password],
              api_visibility="private")

        def changed_index(report, lang_now):
            titles = _doc_titles(service)
            return (render.ingest_markdown(report, lang_now), gr.update(choices=_uploaded_titles(admin), value=None),
                    gr.update(choices=titles), gr.update(choices=titles), _status(service, lang_now))

        admin_outs = [admin_msg, uploaded, docs, outline_doc, status]

        def do_upload(is_open, path, title, level, issuer, date, number, doc_type, lang_now,
                      progress=gr.Progress()):  # noqa: B008 - how Gradio hands a handler its progress bar
            if not is_open or not admin.enabled:  # checked here, not only by hiding the form
                return (LABELS[lang_now]["wrong_password"], *[gr.update()] * 4)
            if not path:
                return (LABELS[lang_now]["upload"], *[gr.update()] * 4)
            fields = {"title": title, "level": level or "", "issuer": issuer, "date": date, "doc_number": number,
                      "doc_type": doc_type}
            service.build_state.listener = lambda done, total: progress((done, total), desc="embedding")
            try:
                report = admin.upload(Path(path).name, Path(path).read_bytes(), fields)
            except Exception as exc:
                if not isinstance(exc, AssistantError):
                    log.exception("upload failed")
                return (f"⚠ {render.escape_md(friendly(exc))}", *[gr.update()] * 4)
            finally:
                service.build_state.listener = None
            return changed_index(report, lang_now)

        up_btn.click(do_upload, [admin_open, up_file, f_title, f_level, f_issuer, f_date, f_number, f_doc_type, ui_lang],
                     admin_outs, api_visibility="private")

        def do_delete(is_open, title, lang_now):
            if not is_open or not admin.enabled:
                return (LABELS[lang_now]["wrong_password"], *[gr.update()] * 4)
            try:
                report = admin.delete(title or "")
            except Exception as exc:
                if not isinstance(exc, AssistantError):
                    log.exception("delete failed")
                return (f"⚠ {render.escape_md(friendly(exc))}", *[gr.update()] * 4)
            return changed_index(report, lang_now)

        del_btn.click(do_delete, [admin_open, uploaded, ui_lang], admin_outs, api_visibility="private")

        # ------------------------------------------------------------------ index, language

        def build():
            service.build_in_background()  # does nothing while a build runs
            return gr.update(visible=False), gr.Timer(active=True)

        def poll(lang_now):
            """While an index is built, show its progress; when done, fill the document lists."""
            state = service.build_state
            titles = _doc_titles(service)
            active = state.running
            return (_status(service, lang_now), gr.update(choices=titles), gr.update(choices=titles),
                    gr.update(visible=not service.ready and not active), gr.Timer(active=active))

        timer = gr.Timer(1.0, active=service.build_state.running)
        build_btn.click(build, None, [build_btn, timer], api_visibility="private")
        timer.tick(poll, ui_lang, [status, docs, outline_doc, build_btn, timer], api_visibility="private")

        def refresh(lang_now):
            """On each page load: the index state, documents and newest report as they are now."""
            plots = _report_plots(service)
            return (*poll(lang_now), _report(service, lang_now), gr.update(value=plots, visible=bool(plots)))

        app.load(refresh, ui_lang, [status, docs, outline_doc, build_btn, timer, report, gallery],
                 api_visibility="private")

        def switch(choice):
            lg = "zh" if choice == "中文" else "en"
            t = LABELS[lg]
            return (lg, f"# {t['title']}\n{t['subtitle']}", gr.update(label=t["levels"], choices=_level_choices(lg)),
                    gr.update(label=t["docs"]),
                    gr.update(placeholder=t["question"]), gr.update(value=t["send"]), gr.update(label=t["use_llm"]),
                    gr.update(value=t["clear"]), gr.update(value=t["export"]), gr.update(label=t["citations"]),
                    gr.update(label=t["copy"]), gr.update(label=t["query"]), gr.update(value=t["search"]),
                    gr.update(label=t["doc"]), gr.update(label=t["outline"]), gr.update(label=t["query"]),
                    gr.update(value=t["search"]), gr.update(label=t["chat"]), gr.update(label=t["lookup"]),
                    gr.update(label=t["retrieval"]), gr.update(value=t["up"]), gr.update(value=t["down"]),
                    gr.update(label=t["comment"]), _status(service, lg), _report(service, lg),
                    gr.update(label=t["parks"]))

        lang_switch.change(switch, lang_switch,
                           [ui_lang, header, levels, docs, question, send, use_llm, clear, export_btn, cite_pick,
                            ref, lookup_q, lookup_btn, outline_doc, outline, rt_q, rt_btn, chat_tab, lookup_tab,
                            retrieval_tab, up, down, comment, status, report, parks], api_visibility="private")
        # ------------------------------------------------------------------ API (gradio_client)

        def ask(question: str, history: str = "", levels: list[str] | None = None, docs: list[str] | None = None,
                parks: list[str] | None = None) -> dict:
            """A grounded answer as `ask --json` gives it; history is the JSON list of earlier turns."""
            from assistant.conversation import parse_history

            with _api_errors():
                return service.ask(question, parse_history(history or None), _filters(levels, docs, parks)).to_json()

        def search(query: str, top_k: int = 10, levels: list[str] | None = None, docs: list[str] | None = None,
                   parks: list[str] | None = None) -> dict:
            """Ranked clauses as `search --json` gives them."""
            with _api_errors():
                if not 1 <= int(top_k) <= 100:
                    raise InputError(f"top_k must be between 1 and 100, not {top_k}")
                return service.search(query, _filters(levels, docs, parks), top_k=int(top_k)).to_json()

        def check_api(description: str, product: str = "", park: str = "", foreign: bool = False) -> dict:
            """The eligibility check, as `check --json` gives it."""
            with _api_errors():
                return service.check(Project(description, product, park=park, foreign=True if foreign else None)).to_json()

        gr.api(ask, api_name="ask")
        gr.api(check_api, api_name="check")
        gr.api(search, api_name="search")
    return app


def _streamed(service: PolicyService, question, history, filters):
    """Yield the LLM's draft text as it grows, then the validated Answer (or raise its error)."""
    import queue
    import threading

    tokens: queue.Queue = queue.Queue()
    outcome: dict = {}

    def run():
        try:
            outcome["answer"] = service.ask(question, history, filters, use_llm=True, on_token=tokens.put)
        except Exception as exc:  # handed to the generator, raised there
            outcome["error"] = exc
        finally:
            tokens.put(None)

    threading.Thread(target=run, daemon=True).start()
    draft = ""
    while (token := tokens.get()) is not None:
        draft += token
        yield draft
    if "error" in outcome:
        raise outcome["error"]
    yield outcome["answer"]


@contextmanager
def _api_errors():
    """Our errors reach API clients as their message (a gr.Error), not as an opaque failure."""
    try:
        yield
    except AssistantError as exc:
        raise gr.Error(str(exc)) from exc


def _uploaded_titles(admin: AdminDesk) -> list[str]:
    try:
        return [u.title for u in admin.uploads()]
    except InputError as exc:  # a damaged uploads manifest: said in the log, the page still starts
        log.error("%s", exc)
        return []


def _filters(levels, docs, parks) -> SearchFilters:
    try:
        return SearchFilters(tuple(Level.parse(v) for v in levels or ()), tuple(docs or ()), tuple(parks or ()))
    except ValueError as exc:
        raise InputError(str(exc)) from None


def _level_choices(lang: str) -> list[tuple[str, str]]:
    return [(render.level_name(v, lang), v) for v in LEVEL_CHOICES]


def _show_citation(service: PolicyService, answer: Answer, n: int, lang: str) -> tuple[str, str]:
    c = next((c for c in answer.citations if c.n == n), None)
    if c is None:
        return "", ""
    try:
        view = service.clause_at(c.doc_title, c.start, c.end, c.quote)
        return render.clause_html(view, lang), render.reference(c, view.doc)
    except Exception as exc:
        return _error_html(exc), ""


def _doc_titles(service: PolicyService) -> list[str]:
    if not service.ready:
        return []
    return [d.title for d in service.documents()]


def _status(service: PolicyService, lang: str) -> str:
    state = service.build_state
    zh = lang == "zh"
    if state.running:
        share = f"{state.done}/{state.total}" if state.total else "…"
        return f"**正在建立索引：已嵌入 {share} 个片段。**" if zh else f"**Building the index: {share} chunks embedded.**"
    if state.error:
        return f"**⚠ {'索引建立失败' if zh else 'The index build failed'}: {render.escape_md(state.error)}**"
    if service.problem:
        return f"**⚠ {render.escape_md(service.problem)}**"
    if not service.ready:
        return ("**尚未建立索引。** 点击“建立索引”索引 corpus/，或在命令行运行 `python -m assistant ingest`。"
                if zh else
                "**No index yet.** Press “Build index” to index corpus/, or run `python -m assistant ingest`.")
    docs = service.documents()
    chunks = sum(len(d.chunk_ids) for d in docs)
    return f"已索引 {len(docs)} 份文件、{chunks} 个条款片段。" if zh else f"{len(docs)} documents, {chunks} clauses indexed."


def _error_html(exc: Exception) -> str:
    return f'<div class="yk-error">⚠ {html.escape(friendly(exc))}</div>'


def _latest_report(reports: Path) -> Path | None:
    """The newest report folder under `reports_dir` (written by `eval --report`)."""
    found = sorted(reports.glob("*/report.md"), key=lambda p: p.stat().st_mtime, reverse=True) \
        if reports.is_dir() else []
    return found[0].parent if found else None


def _report(service: PolicyService, lang: str) -> str:
    folder = _latest_report(service.settings.reports_dir)
    if folder is None:
        return LABELS[lang]["no_report"]
    try:
        text = (folder / "report.md").read_text(encoding="utf-8")
    except OSError:
        return LABELS[lang]["no_report"]
    # The plots are shown in the gallery below; their Markdown links are relative to the folder.
    return f"**{render.escape_md(str(folder))}**\n\n" + re.sub(r"!\[[^\]]*\]\([^)]*\.png\)", "", text)


def _report_plots(service: PolicyService) -> list[str]:
    folder = _latest_report(service.settings.reports_dir)
    return [str(p) for p in sorted(folder.glob("*.png"))] if folder else []


def serve(settings, *, host: str | None = None, port: int | None = None, block: bool = True):
    """Open the index (or start building one when there is none) and serve the page."""
    from indexing.index import current_generation

    service = PolicyService(settings)
    try:
        service.open()
        service.warm_up()
    except AssistantError as exc:
        if current_generation(settings.index_dir) is None and not any(settings.index_dir.glob("gen-*")):
            log.warning("no index at %s: building one from %s", settings.index_dir, settings.corpus_dir)
            service.build_in_background()
        else:
            service.problem = friendly(exc)  # shown in the page: a damaged index, another model…
            log.error("%s", service.problem)
    app = build_app(service, lang=settings.ui_language)
    auth = tuple(settings.ui_auth.split(":", 1)) if settings.ui_auth else None
    app.queue(default_concurrency_limit=8)
    app.launch(server_name=host or settings.ui_host, server_port=port or settings.ui_port, auth=auth,
               css=CSS, head=HEAD, show_error=False, footer_links=["api"], prevent_thread_lock=not block,
               allowed_paths=[str(settings.reports_dir.resolve())], max_file_size=MAX_FILE_BYTES,
               quiet=not block)
    return app, service
