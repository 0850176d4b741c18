import pytest

from assistant.config import EmbedderKind, Settings, StoreKind
from assistant.errors import InputError


def test_environment_overrides_file_overrides_defaults(tmp_path, monkeypatch):
    cfg = tmp_path / "yk.toml"
    cfg.write_text('top_k = 7\nstore = "qdrant"\nrrf_k = 9\n', encoding="utf-8")
    monkeypatch.setenv("YK_TOP_K", "3")
    s = Settings.load(cfg)
    assert s.top_k == 3 and s.store is StoreKind.QDRANT and s.rrf_k == 9
    assert Settings.load(cfg, top_k=4).top_k == 4
    assert Settings().embedder is EmbedderKind.E5


@pytest.mark.parametrize("changes, message", [
    ({"embed_batch": 0}, "embed_batch >= 1"),
    ({"chunk_overlap_sentences": -1}, "chunk_overlap_sentences >= 0"),
    ({"chunk_min_chars": 400}, "chunk_min_chars < chunk_max_chars"),
    ({"bm25_b": 1.5}, "bm25_b <= 1"),
    ({"rrf_k": 0}, "rrf_k >= 1"),
    ({"mode": "fuzzy"}, "'hybrid', 'dense', 'sparse'"),
])
def test_invalid_settings_are_named(changes, message):
    with pytest.raises(InputError, match=message):
        Settings(**changes)


def test_unknown_keys_and_bad_numbers(tmp_path, monkeypatch):
    cfg = tmp_path / "yk.toml"
    cfg.write_text("topk = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match="unknown setting"):
        Settings.load(cfg)
    monkeypatch.setenv("YK_TOP_K", "many")
    with pytest.raises(InputError, match="top_k='many' is not a number"):
        Settings.load()
    with pytest.raises(InputError, match="cannot read config file"):
        Settings.load(tmp_path / "missing.toml")
