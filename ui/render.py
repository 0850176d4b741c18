"""Text and HTML for the page, as pure functions of the pipeline's records.

Everything that comes from a question or a document is escaped here, before it reaches the
browser: a `<script>` in a policy text or a question is shown as text, never run.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Sequence

from assistant.types import Answer, Citation, Clause, Hit, SearchFilters
from indexing.index import IndexedDocument
from ui.service import ClauseView, RankedHit

LABELS = {
    "zh": {
        "title": "营口精细化工政策助手",
        "subtitle": "答案逐句引用原文条款；文件未涉及的问题会明确说明。",
        "chat": "问答", "lookup": "条款检索", "retrieval": "检索测试",
        "question": "输入问题（中文或英文）", "send": "提问", "clear": "新对话",
        "levels": "文件层级", "docs": "文件", "parks": "园区",
        "use_llm": "使用大模型综合（需配置）",
        "source": "引用来源", "citations": "本轮引用", "copy": "引用格式（可复制）",
        "examples": "示例问题", "feedback": "反馈", "up": "👍 有帮助", "down": "👎 有问题",
        "comment": "补充说明（可选）", "export": "导出对话（Markdown）", "query": "检索词",
        "search": "检索", "outline": "文件目录", "clause": "条款全文", "doc": "选择文件",
        "report": "最新评测报告", "no_report": "尚无评测报告：运行 `python -m assistant eval --report reports/latest`。",
        "abstained": "未找到依据", "searched_as": "检索为", "related": "可能相关的条款",
        "thanks": "已记录反馈，谢谢。", "no_answer": "请先提问。",
        "eligibility": "准入评估", "e_desc": "项目描述（产品、工艺、规模、拟选园区，中文或英文）", "e_product": "产品",
        "e_process": "工艺", "e_capacity": "规模", "e_kind": "类型", "e_new": "新建", "e_expansion": "扩建",
        "e_foreign": "外商投资", "e_check": "评估",
        "admin": "文件管理", "password": "管理密码", "unlock": "进入", "wrong_password": "密码不对。",
        "admin_off": "文件管理未启用：在配置中设置 `admin_password`（或环境变量 `YK_ADMIN_PASSWORD`）。",
        "upload": "上传文件（.txt .md .docx .pdf .html）", "upload_btn": "上传并索引", "uploaded": "已上传的文件",
        "delete": "删除并重建索引", "f_title": "标题（留空则从文件读取）", "f_issuer": "发文机关", "f_date": "日期",
        "f_doc_type": "文件类型", "f_number": "发文字号",
        "level_names": {"national": "国家", "provincial": "省级", "municipal": "市级", "enterprise": "企业",
                        "unspecified": "未注明"},
    },
    "en": {
        "title": "Yingkou Fine-Chemical Policy Assistant",
        "subtitle": "Every answer quotes the clauses it rests on; when the documents do not say, it says so.",
        "chat": "Chat", "lookup": "Clause lookup", "retrieval": "Retrieval test",
        "question": "Ask a question (Chinese or English)", "send": "Ask", "clear": "New conversation",
        "levels": "Document level", "docs": "Documents", "parks": "Park",
        "use_llm": "Synthesise with an LLM (if configured)",
        "source": "Cited source", "citations": "Citations of this turn", "copy": "Reference (copy)",
        "examples": "Example questions", "feedback": "Feedback", "up": "👍 Helpful", "down": "👎 Wrong",
        "comment": "Comment (optional)", "export": "Export conversation (Markdown)", "query": "Search terms",
        "search": "Search", "outline": "Document outline", "clause": "Full clause", "doc": "Document",
        "report": "Latest eval report", "no_report": "No eval report yet: run "
                                                    "`python -m assistant eval --report reports/latest`.",
        "abstained": "Not covered", "searched_as": "Searched as", "related": "Possibly related clauses",
        "thanks": "Feedback recorded, thank you.", "no_answer": "Ask a question first.",
        "eligibility": "Eligibility", "e_desc": "Your project (product, process, capacity, park; Chinese or English)",
        "e_product": "Product", "e_process": "Process", "e_capacity": "Capacity", "e_kind": "Kind", "e_new": "New",
        "e_expansion": "Expansion", "e_foreign": "Foreign investor", "e_check": "Check",
        "admin": "Documents", "password": "Admin password", "unlock": "Enter", "wrong_password": "Wrong password.",
        "admin_off": "Document administration is off: set `admin_password` (or YK_ADMIN_PASSWORD).",
        "upload": "Upload a file (.txt .md .docx .pdf .html)", "upload_btn": "Upload and index",
        "uploaded": "Uploaded documents", "delete": "Delete and re-index", "f_title": "Title (blank: from the file)",
        "f_issuer": "Issuer", "f_date": "Date", "f_doc_type": "Document type", "f_number": "Document number",
        "level_names": {"national": "national", "provincial": "provincial", "municipal": "municipal",
                        "enterprise": "enterprise", "unspecified": "unspecified"},
    },
}

EXAMPLES = [
    "仙人岛能源化工区重点发展哪些产品？",
    "催化剂领域以哪些企业为龙头？",
    "排污许可证有效期是多久？",
    "Which products are encouraged in Xianrendao?",
    "What must a new chemical project do before construction starts?",
]

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_MARKER = re.compile(r"\[(\d+)\]")


def escape_md(text: str) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown's own marks backslashed."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def answer_markdown(answer: Answer, turn: int, lang: str) -> str:
    """A chat message: the answer with each `[n]` a link that opens the citation panel."""
    t = LABELS[lang]
    lines = []
    if answer.abstained:
        lines.append(f"**⚠ {t['abstained']}**\n")
    body = "\n".join(escape_md(line) for line in answer.answer.splitlines())
    # The markers were escaped as \[n\]; make each a link the page's script catches.
    body = re.sub(r"\\\[(\d+)\\\]", lambda m: f"[\\[{m.group(1)}\\]](#cite-{turn}-{m.group(1)})", body)
    body = body.replace("\n", "  \n")
    if answer.abstained:  # set apart as a quote: not an answer
        body = "> " + body.replace("  \n", "  \n> ")
    lines.append(body)
    if answer.condensed_query and answer.condensed_query != answer.question:
        lines.append(f"\n*{t['searched_as']}: {escape_md(answer.condensed_query)}*")
    for note in answer.notes:
        lines.append(f"\n*{escape_md(note)}*")
    return "\n".join(lines)


def citation_choices(answer: Answer | None, turn: int) -> list[tuple[str, str]]:
    """The side panel's list of one turn's citations; each value names its turn and number."""
    if answer is None:
        return []
    return [(f"[{c.n}] 《{c.doc_title}》 {' › '.join(c.heading_path)}", f"{turn}-{c.n}") for c in answer.citations]


def breadcrumb(title: str, heading_path: Sequence[str]) -> str:
    return " › ".join([f"《{title}》", *heading_path])


def level_name(level: str, lang: str) -> str:
    return LABELS[lang]["level_names"].get(level or "unspecified", level)


def clause_html(view: ClauseView, lang: str) -> str:
    """The side panel: where the clause sits, the clause with the quote marked, its neighbours."""
    d = view.doc
    effective = (f"{d.effective} 施行" if lang == "zh" else f"in force {d.effective}") if d.effective else ""
    facts = [level_name(d.level, lang), d.issuer, d.doc_number, d.date, effective, d.doc_type]
    text = _mark(view.text, [view.quote] if view.quote else [])
    parts = [
        '<div class="yk-clause">',
        f'<div class="yk-doc">《{_e(d.title)}》</div>',
        f'<div class="yk-facts">{" · ".join(_e(f) for f in facts if f)}</div>',
        f'<div class="yk-crumb">{_e(breadcrumb(d.title, view.heading_path))}</div>',
    ]
    if view.before:
        parts.append(f'<div class="yk-near">{_e(view.before)}</div>')
    parts.append(f'<div class="yk-text">{text}</div>')
    if view.after:
        parts.append(f'<div class="yk-near">{_e(view.after)}</div>')
    parts.append("</div>")
    return "\n".join(parts)


def reference(citation: Citation, doc: IndexedDocument) -> str:
    """A citation formatted for a letter or a report."""
    issued = "，".join(x for x in (doc.issuer, doc.doc_number, doc.date) if x)
    where = " › ".join(citation.heading_path)
    return (f"《{citation.doc_title}》" + (f"（{issued}）" if issued else "") + (f" {where}" if where else "")
            + f"：“{citation.quote}”")


def companies_markdown(hits: Sequence[Hit], lang: str) -> str:
    """Company cards under an answer: the company, and the facts of its best-matching section,
    each of which quotes the plan."""
    if not hits:
        return ""
    head = "**相关企业档案**" if lang == "zh" else "**Companies (profiles drawn from the plan)**"
    lines = [head]
    for h in hits:
        name = h.doc_title.removeprefix("企业档案：")
        section = " › ".join(h.heading_path)
        facts = [ln.split("。依据", 1)[0].split("：", 1)[-1] for ln in h.text.splitlines() if "。依据" in ln]
        lines.append(f"- **{escape_md(name)}** · {escape_md(section)}: {escape_md('；'.join(dict.fromkeys(facts))[:160])}")
    return "\n".join(lines)


def related_html(hits: Iterable[Hit], lang: str) -> str:
    # One line of HTML: a blank line inside it would end the HTML block in the chat's Markdown.
    items = "".join(f"<li>{_e(breadcrumb(h.doc_title, h.heading_path))}<br><small>{_e(_one_line(h.text)[:120])}…"
                    f"</small></li>" for h in hits)
    return f'<div class="yk-related"><b>{LABELS[lang]["related"]}</b><ul>{items}</ul></div>' if items else ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def filters_caption(filters: SearchFilters, lang: str) -> str:
    """The filters in force, said in words: shown above results, so a narrowed list reads as such."""
    t = LABELS[lang]
    parts = [f"{t['levels']}: {'、'.join(level_name(lv.value, lang) for lv in filters.levels)}" if filters.levels else "",
             f"{t['docs']}: {'、'.join(filters.doc_titles)}" if filters.doc_titles else "",
             f"{t['parks']}: {'、'.join(filters.parks)}" if filters.parks else ""]
    return " · ".join(p for p in parts if p)


def results_html(hits: Sequence[Hit], terms: Sequence[str], lang: str, caption: str = "") -> str:
    """Search results grouped by document, matched terms marked, under the filters' caption."""
    head = f'<div class="yk-filters">{_e(caption)}</div>' if caption else ""
    if not hits:
        return head + f"<p>{'没有结果。' if lang == 'zh' else 'No results.'}</p>"
    groups: dict[str, list[Hit]] = {}
    for h in hits:
        groups.setdefault(h.doc_title, []).append(h)
    out = [head, '<div class="yk-results">']
    for title, group in groups.items():
        out.append(f'<div class="yk-group"><div class="yk-doc">《{_e(title)}》 '
                   f'<small>{_e(level_name(group[0].level, lang))}</small></div>')
        for h in group:
            out.append(f'<div class="yk-hit"><div class="yk-crumb">#{h.rank} · {_e(" › ".join(h.heading_path))}'
                       f'</div><div class="yk-text">{_mark(h.text, terms)}</div></div>')
        out.append("</div>")
    out.append("</div>")
    return "\n".join(out)


def outline_rows(clauses: Sequence[Clause]) -> list[tuple[str, str]]:
    """Dropdown choices for a document's outline, a tree of its headings: each heading once,
    indented by depth, its value the heading path as JSON."""
    seen, rows = set(), []
    for c in clauses:
        path = c.heading_path or ("（前言）",)
        for depth in range(1, len(path) + 1):
            prefix = path[:depth]
            if prefix not in seen:
                seen.add(prefix)
                rows.append(("　" * (depth - 1) + prefix[-1], json.dumps(list(c.heading_path[:depth]), ensure_ascii=False)))
    return rows


def ranking_rows(rows: Sequence[RankedHit]) -> list[list]:
    return [[r.hit.rank, *("—" if rank is None else rank for rank in (r.dense_rank, r.sparse_rank, r.cross_rank)),
             round(r.hit.score, 4),
             f"《{r.hit.doc_title}》 {' › '.join(r.hit.heading_path)}", r.hit.text[:80]] for r in rows]


def ingest_markdown(report, lang: str) -> str:
    """What an upload or a deletion did to the index, and what was skipped and why."""
    zh = lang == "zh"
    lines = [(f"索引已更新：{report.documents} 份文件，{report.chunks} 个片段（新嵌入 {report.embedded}，"
              f"沿用 {report.reused}，移除 {report.removed}），用时 {report.seconds:.1f} 秒。") if zh else
             (f"Index updated: {report.documents} documents, {report.chunks} chunks ({report.embedded} embedded, "
              f"{report.reused} reused, {report.removed} removed) in {report.seconds:.1f} s.")]
    for label, titles in ((("新增", "added"), report.added), (("更新", "changed"), report.changed),
                          (("删除", "removed"), report.deleted)):
        if titles:
            lines.append(f"- {label[0] if zh else label[1]}: {escape_md('、'.join(titles))}")
    for s in report.skipped:
        lines.append(f"- ⚠ {escape_md(s.reason)}")
    return "\n".join(lines)


VERDICT_NAMES = {"encouraged": ("✅ 鼓励", "✅ Encouraged"), "permitted": ("☑️ 允许（需符合入园条件）", "☑️ Permitted "
                 "(on the general conditions)"), "restricted": ("⚠️ 限制", "⚠️ Restricted"),
                 "prohibited": ("⛔ 禁止", "⛔ Prohibited"),
                 "not_covered": ("❔ 已索引的文件未涉及", "❔ Not covered by the indexed documents")}


def eligibility_markdown(report, lang: str) -> str:
    """The eligibility report: the verdict, then each finding with the clause it rests on."""
    zh = lang == "zh"

    def cite(f) -> str:
        return f"  \n  > 《{escape_md(f.rule.doc)}》 {escape_md(f.rule.where)}：“{escape_md(f.quote)}”"

    lines = [f"**{'准入评估' if zh else 'Eligibility'}：{VERDICT_NAMES[report.verdict][0 if zh else 1]}**"]
    for title, findings in ((("理由", "Why"), report.reasons),
                            (("园区", "Parks"), [p.finding for p in report.parks if p.finding]),
                            (("需办理的手续", "Procedures to plan for"), report.procedures)):
        if findings:
            lines += ["", f"**{title[0] if zh else title[1]}**"]
            lines += [f"- {escape_md(f.text)}{cite(f)}" for f in findings]
    for title, items in ((("同链企业（可作合作伙伴，据规划）", "Companies in the same chain (from the plan)"),
                          report.partners),
                         (("文件未能确定", "Not settled by the documents"), report.not_settled),
                         (("所作假设", "Assumptions"), report.assumptions),
                         (("请补充", "Please add"), report.questions)):
        if items:
            lines += ["", f"**{title[0] if zh else title[1]}**", *[f"- {escape_md(x)}" for x in items]]
    return "\n".join(lines)


def conversation_markdown(turns: Sequence[tuple[str, Answer]], lang: str) -> str:
    """The conversation with its citations, for a memo or an email."""
    t = LABELS[lang]
    out = [f"# {t['title']}", ""]
    for i, (question, answer) in enumerate(turns, 1):
        out += [f"## {i}. {question}", "", answer.answer, ""]
        for c in answer.citations:
            out.append(f"[{c.n}] {breadcrumb(c.doc_title, c.heading_path)}：“{c.quote}”")
        if answer.related:
            out.append(f"{t['related']}:")
            out += [f"- {breadcrumb(h.doc_title, h.heading_path)}" for h in answer.related]
        if answer.companies:
            out += ["", companies_markdown(answer.companies, lang)]
        out.append("")
    return "\n".join(out)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _mark(text: str, needles: Iterable[str]) -> str:
    """Escaped text with every occurrence of the needles wrapped in <mark>."""
    needles = sorted({n for n in needles if n and n.strip()}, key=len, reverse=True)
    if not needles:
        return _e(text)
    pattern = re.compile("|".join(re.escape(n) for n in needles), re.I)
    out, last = [], 0
    for m in pattern.finditer(text):
        out += [_e(text[last:m.start()]), f"<mark>{_e(m.group(0))}</mark>"]
        last = m.end()
    out.append(_e(text[last:]))
    return "".join(out)
