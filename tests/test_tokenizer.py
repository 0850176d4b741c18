import jieba

from assistant.types import Document, DocumentMeta
from indexing.tokenizer import ChineseTokenizer, Vocabulary, curated_terms, mine_terms


def _tk(extra=()):
    v = Vocabulary.build([])
    return ChineseTokenizer(Vocabulary(tuple(sorted({*v.terms, *extra})), v.stopwords))


def test_domain_terms_stay_whole_and_their_parts_are_searchable():
    toks = _tk().tokens("重点补齐受阻酚类抗氧剂产品")
    assert "受阻酚类抗氧剂" in toks and "抗氧剂" in toks


def test_stopwords_and_punctuation_are_dropped():
    toks = _tk().tokens("请问，哪些企业的产品是抗氧剂？")
    assert "，" not in toks and "？" not in toks and "的" not in toks and "哪些" not in toks
    assert "企业" in toks and "抗氧剂" in toks


def test_full_width_latin_matches_ascii():
    tk = _tk()
    assert "pbt" in tk.tokens("ＰＢＴ工程塑料") and "pbt" in tk.tokens("PBT engineering plastics")


def test_owned_tokenizer_leaves_global_jieba_alone():
    _tk(extra=("滨海向阳科化集团",)).tokens("滨海向阳科化集团")
    assert "滨海向阳科化集团" not in jieba.dt.FREQ


def test_terms_are_mined_from_the_corpus():
    doc = Document(DocumentMeta("滨海规划"), "——催化剂。以滨海向阳科化集团、滨海鼎际得石化股份有限公司为龙头。依据《排污许可管理条例》。", "m")
    terms = mine_terms([doc])
    assert {"滨海规划", "排污许可管理条例", "催化剂", "滨海鼎际得石化股份有限公司", "滨海向阳科化集团"} <= terms


def test_vocabulary_round_trips_with_its_fingerprint(tmp_path):
    v = Vocabulary.build([])
    v.save(tmp_path / "v.json")
    w = Vocabulary.load(tmp_path / "v.json")
    assert w == v and w.fingerprint == v.fingerprint
    assert Vocabulary((*v.terms, "新词"), v.stopwords).fingerprint != v.fingerprint
    assert len(curated_terms()) > 500
