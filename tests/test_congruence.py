"""The two store backends must agree: the same corpus indexed into Qdrant Edge and into
qdrant-client (local mode) answers the same queries with the same ranking."""

import pytest

from assistant.config import SearchMode, StoreKind
from assistant.retrieval import Retriever
from assistant.types import Level, SearchFilters
from indexing.pipeline import ingest

QUERIES = ["排污许可证有效期", "仙人岛能源化工区发展什么", "新建化工项目需要哪些审批", "抗氧剂",
           "Which projects are banned from the park?", "园区认定管理"]


@pytest.fixture(scope="module")
def both(tmp_path_factory, e5):
    from assistant.config import Settings
    from tests.conftest import write_mini_corpus

    root = tmp_path_factory.mktemp("congruence")
    corpus = write_mini_corpus(root / "corpus")
    out = {}
    for kind in StoreKind:
        settings = Settings(index_dir=root / kind.value, corpus_dir=corpus, store=kind)
        ingest(settings, e5)
        out[kind] = settings
    return out


@pytest.mark.parametrize("mode", list(SearchMode))
@pytest.mark.parametrize("filters", [SearchFilters(), SearchFilters(levels=(Level.MUNICIPAL,))])
def test_edge_and_qdrant_client_rank_alike(both, e5, mode, filters):
    results = {}
    for kind, settings in both.items():
        with Retriever(settings, e5) as r:
            results[kind] = [r.search(q, top_k=5, mode=mode, filters=filters).hits for q in QUERIES]
    for edge_hits, client_hits in zip(results[StoreKind.EDGE], results[StoreKind.QDRANT]):
        assert [h.chunk_id for h in edge_hits] == [h.chunk_id for h in client_hits]
        for a, b in zip(edge_hits, client_hits):
            assert a.score == pytest.approx(b.score, rel=1e-3, abs=1e-5)


def test_client_backend_reuses_vectors_on_reingest(both, e5):
    report = ingest(both[StoreKind.QDRANT], e5)
    assert report.up_to_date and report.embedded == 0
