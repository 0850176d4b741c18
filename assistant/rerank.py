"""Optional reranking with a sentence-transformers CrossEncoder that a deployment has
locally (for example a bge reranker): the fused candidates are re-scored as (question,
clause) pairs. Off unless `reranker` names a local model folder; nothing is downloaded."""

from __future__ import annotations

import os
from collections.abc import Sequence

from assistant.errors import InputError
from assistant.types import Hit, context_text


class CrossEncoderReranker:
    def __init__(self, model: str) -> None:
        self.model_name = model
        self._model = None

    def _load(self):
        if self._model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            try:
                from sentence_transformers import CrossEncoder
            except ImportError:
                raise InputError("the reranker needs the `st` extra: pip install torch==2.13.0 && "
                                 "pip install -e '.[st]'") from None
            if not os.path.isdir(self.model_name):
                raise InputError(f"reranker model folder {self.model_name!r} not found; give a local folder "
                                 "in YK_RERANKER, or leave it empty to rank without one")
            try:
                self._model = CrossEncoder(self.model_name, device="cpu", local_files_only=True)
            except Exception as exc:  # the library raises many types for an unusable folder
                raise InputError(f"cannot load the reranker from {self.model_name!r} ({exc})") from exc
        return self._model

    def rerank(self, query: str, hits: Sequence[Hit], top_k: int) -> list[tuple[Hit, float]]:
        if not hits:
            return []
        pairs = [(query, context_text(h.doc_title, h.heading_path, h.text)) for h in hits]
        scores = [float(s) for s in self._load().predict(pairs)]
        ranked = sorted(zip(hits, scores), key=lambda hs: (-hs[1], hs[0].rank))
        return ranked[:top_k]
