"""The hybrid retriever inside a llama-index query engine."""

from llama_index.core.llms import MockLLM
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.response_synthesizers.no_text import NoText
from llama_index.core.schema import QueryBundle

from assistant.llama import PolicyRetriever
from assistant.retrieval import Retriever
from assistant.types import Level, SearchFilters
from indexing.pipeline import ingest


def test_policy_retriever_returns_nodes_with_metadata(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    with Retriever(mini_settings, fake_embedder) as r:
        expected = r.search("排污许可证有效期", top_k=3).hits
        nodes = PolicyRetriever(r, top_k=3).retrieve("排污许可证有效期")
    assert [n.node.node_id for n in nodes] == [h.chunk_id for h in expected]
    first = nodes[0]
    assert first.node.metadata["doc_title"] == "滨海市化工园区管理办法"
    assert first.node.metadata["heading_path"] == "第二章 监督管理 › 第三条"
    assert first.score == expected[0].score
    assert "start" not in first.node.get_content(metadata_mode="llm")


def test_policy_retriever_in_a_query_engine(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    with Retriever(mini_settings, fake_embedder) as r:
        retriever = PolicyRetriever(r, top_k=4, filters=SearchFilters(levels=(Level.PROVINCIAL,)))
        # No LLM runs offline: MockLLM stands in, and NO_TEXT synthesis returns the sources.
        engine = RetrieverQueryEngine(retriever, response_synthesizer=NoText(llm=MockLLM()))
        response = engine.query(QueryBundle("化工园区认定"))
    assert response.source_nodes
    assert {n.node.metadata["level"] for n in response.source_nodes} == {"provincial"}
