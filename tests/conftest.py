"""Shared fixtures: a tiny hand-written policy corpus, isolated index folders, and (for the
slow tier) one real index over the city plan and the national texts, built once."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NATIONAL = SHARED / "corpus-extra"
# Debian's Chromium for the browser tests; without the background-networking flags it keeps
# trying to reach Google's hosts from this closed network.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

MINI_PLAN = """\
为推动全市化工产业发展，制定本规划。
一、发展形势
（一）发展基础
滨海市已形成以催化剂、抗氧剂为主要产品的产业格局。
（二）发展环境
国家鼓励发展高端精细化工。
二、推进产品结构高端化
（一）优化提升精细化工产业
——催化剂。以滨海向阳科化集团为龙头，研发、生产聚烯烃催化剂、乙苯脱氢催化剂等化工助剂。
 图1 聚丙烯催化剂产业链
——抗氧剂。重点补齐胺类抗氧剂、硫代酯类抗氧剂产品。
三、促进产业布局合理化
（一）滨海仙人岛能源化工区
依托港口和液体化学品罐区，发展下游高端新材料和专用化学品。
（二）园外企业
有序推进园区外企业向规范的园区搬迁。
安全发展
（一）加强安全监管
严禁高危险、高污染项目入园。
"""

MINI_LAW = """\
# 滨海市化工园区管理办法

2020年1月1日 滨海市人民政府第1次常务会议通过

<!-- INFO END -->

## 第一章 总则

第一条 为了规范化工园区管理，制定本办法。

第二条 新建化工项目应当进入化工园区，并符合下列条件：

（一）依法取得环境影响评价批复；

（二）通过危险化学品建设项目安全条件审查。

## 第二章 监督管理

第三条 排污许可证有效期为五年。
"""

MINI_PROVINCE = """\
辽滨省化工产业指导意见
一、总体要求
全省化工园区实行认定管理，未经认定的园区不得新建化工项目。
"""

MINI_MANIFEST = """\
[[document]]
file = "plan.txt"
title = "滨海市化工产业发展规划"
level = "municipal"
issuer = "滨海市"
date = "2023"
doc_type = "plan"

[[document]]
file = "law.md"
level = "municipal"
issuer = "滨海市人民政府"

[[document]]
file = "province.txt"
title = "辽滨省化工产业指导意见"
level = "provincial"
issuer = "辽滨省人民政府"
doc_type = "opinion"
"""


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    """No test reads the user's settings or reaches a model hub."""
    for name in list(os.environ):
        if name.startswith("YK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")


def write_mini_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.txt").write_text(MINI_PLAN, encoding="utf-8")
    (folder / "law.md").write_text(MINI_LAW, encoding="utf-8")
    (folder / "province.txt").write_text(MINI_PROVINCE, encoding="utf-8")
    (folder / "manifest.toml").write_text(MINI_MANIFEST, encoding="utf-8")
    return folder


@pytest.fixture
def mini_corpus(tmp_path) -> Path:
    return write_mini_corpus(tmp_path / "corpus")


@pytest.fixture
def mini_settings(tmp_path, mini_corpus) -> Settings:
    return Settings(index_dir=tmp_path / "index", corpus_dir=mini_corpus)


class FakeEmbedder:
    """Deterministic bag-of-characters vectors: for tests of pipeline logic, not of quality."""

    model_id = "fake/char-hash-64"
    dim = 64

    def __init__(self) -> None:
        self.passages_embedded = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        for ch in text:
            v[int(hashlib.md5(ch.encode()).hexdigest(), 16) % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_passages(self, texts):
        self.passages_embedded += len(texts)
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text):
        return self._vec(text)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def e5():
    from indexing.embedding import E5Embedder

    return E5Embedder()


@pytest.fixture(scope="session")
def full_index(tmp_path_factory, e5) -> Settings:
    """The real thing: the city plan and the 23 national texts, bundled e5, Edge shard."""
    if not NATIONAL.exists():
        pytest.skip(f"national texts not found at {NATIONAL}")
    from indexing.pipeline import ingest

    settings = Settings(index_dir=tmp_path_factory.mktemp("full") / "index", corpus_dir=ROOT / "corpus")
    ingest(settings, e5, [NATIONAL])
    return settings
