"""The command line, run as a user runs it: a subprocess, JSON contracts, exit codes."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def run(*args, cwd=ROOT, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("YK_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def cli_index(tmp_path_factory):
    from tests.conftest import write_mini_corpus

    root = tmp_path_factory.mktemp("cli")
    corpus = write_mini_corpus(root / "corpus")
    env = {"YK_CORPUS_DIR": str(corpus)}
    out = run("ingest", "--index", str(root / "index"), "--json", env_extra=env)
    assert out.returncode == 0, out.stderr
    return root / "index", env, json.loads(out.stdout)


def test_help_is_instant_and_lists_commands():
    out = run("--help")
    assert out.returncode == 0 and "ingest" in out.stdout and "search" in out.stdout and "eval" in out.stdout


def test_ingest_json_summary(cli_index):
    _, _, summary = cli_index
    assert summary["documents"] == 3 and summary["chunks"] == summary["embedded"] > 0
    assert summary["skipped"] == []


def test_reingest_is_up_to_date(cli_index):
    index, env, _ = cli_index
    out = run("ingest", "--index", str(index), env_extra=env)
    assert out.returncode == 0 and "already up to date" in out.stdout and "0 embedded" in out.stdout


def test_search_json_contract(cli_index):
    index, env, _ = cli_index
    out = run("search", "排污许可证有效期", "--index", str(index), "--json", "--top-k", "2", env_extra=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert {"query", "elapsed_ms", "hits"} <= set(data) and len(data["hits"]) == 2
    assert data["lang"] == "zh" and data["expansions"] == []
    hit = data["hits"][0]
    assert {"rank", "chunk_id", "doc_title", "level", "heading_path", "text", "score"} <= set(hit)
    assert hit["rank"] == 1 and hit["doc_title"] == "滨海市化工园区管理办法"


def test_search_filters_by_level(cli_index):
    index, env, _ = cli_index
    out = run("search", "化工园区", "--index", str(index), "--json", "--level", "provincial", env_extra=env)
    assert {h["level"] for h in json.loads(out.stdout)["hits"]} == {"provincial"}


@pytest.mark.parametrize("args, code, message", [
    (["search", "  "], 2, "empty"),
    (["search", "x", "--level", "county"], 2, "unknown level"),
    (["search", "x", "--top-k", "0"], 2, "at least 1"),
])
def test_bad_queries_exit_non_zero_with_a_message(cli_index, args, code, message):
    index, env, _ = cli_index
    out = run(*args, "--index", str(index), env_extra=env)
    assert out.returncode == code and message in out.stderr


def test_missing_index(tmp_path):
    out = run("search", "园区", "--index", str(tmp_path / "none"))
    assert out.returncode == 3 and "python -m assistant ingest" in out.stderr


def test_unknown_file_type_given_explicitly(cli_index, tmp_path):
    index, env, _ = cli_index
    bad = tmp_path / "slides.pptx"
    bad.write_bytes(b"PK\x03\x04")
    out = run("ingest", str(bad), "--index", str(index), env_extra=env)
    assert out.returncode == 2 and "unsupported file type .pptx" in out.stderr
    torn = tmp_path / "scan.pdf"
    torn.write_bytes(b"%PDF-1.4")
    out = run("ingest", str(torn), "--index", str(index), env_extra=env)
    assert out.returncode == 2 and "scan.pdf" in out.stderr and "PDF" in out.stderr


def test_bad_setting_names_the_valid_values(cli_index):
    index, env, _ = cli_index
    out = run("search", "园区", "--index", str(index), env_extra={**env, "YK_STORE": "milvus"})
    assert out.returncode == 2 and "'edge'" in out.stderr and "'qdrant'" in out.stderr
