"""The hybrid retriever as a llama-index `BaseRetriever`, so it drops into llama-index
query engines and workflows (the optional LLM answerer builds on this)."""

from __future__ import annotations

from llama_index.core.retrievers import BaseRetriever
from llama_index.core.schema import NodeWithScore, QueryBundle, TextNode

from assistant.retrieval import Retriever
from assistant.types import Hit, SearchFilters


def node_from(hit: Hit) -> NodeWithScore:
    node = TextNode(
        id_=hit.chunk_id,
        text=hit.text,
        metadata={
            "doc_title": hit.doc_title,
            "level": hit.level,
            "issuer": hit.issuer,
            "date": hit.date,
            "doc_type": hit.doc_type,
            "heading_path": " › ".join(hit.heading_path),
            "start": hit.start,
            "end": hit.end,
        },
        # The text is what an LLM quotes from; keep offsets and ids out of its prompt.
        excluded_llm_metadata_keys=["start", "end"],
        excluded_embed_metadata_keys=["start", "end", "issuer", "date"],
    )
    return NodeWithScore(node=node, score=hit.score)


class PolicyRetriever(BaseRetriever):
    def __init__(self, retriever: Retriever, top_k: int | None = None,
                 filters: SearchFilters | None = None) -> None:
        super().__init__()
        self._retriever = retriever
        self._top_k = top_k
        self._filters = filters

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        result = self._retriever.search(query_bundle.query_str, top_k=self._top_k, filters=self._filters)
        return [node_from(h) for h in result.hits]
