import pytest

from indexing.bm25 import average_length, document_vector, query_vector, term_id


def test_document_weights_follow_the_bm25_formula():
    k1, b, avgdl = 1.2, 0.75, 4.0
    vec = document_vector(["催化剂", "催化剂", "园区"], k1, b, avgdl)
    weights = dict(zip(vec.indices, vec.values))
    norm = k1 * (1 - b + b * 3 / 4.0)
    assert weights[term_id("催化剂")] == pytest.approx(2 * (k1 + 1) / (2 + norm))
    assert weights[term_id("园区")] == pytest.approx(1 * (k1 + 1) / (1 + norm))


def test_longer_chunks_weigh_a_term_less():
    short = document_vector(["催化剂"], 1.2, 0.75, 10)
    long = document_vector(["催化剂"] + ["其他"] * 30, 1.2, 0.75, 10)
    assert short.values[0] > dict(zip(long.indices, long.values))[term_id("催化剂")]


def test_query_vector_counts_each_term_once_and_sorts_indices():
    vec = query_vector(["园区", "园区", "安全"])
    assert list(vec.indices) == sorted(vec.indices) and set(vec.values) == {1.0} and len(vec.indices) == 2


def test_term_ids_are_stable_31_bit():
    assert term_id("抗氧剂") == term_id("抗氧剂") != term_id("催化剂")
    assert 0 <= term_id("x") < 2**31


def test_empty_inputs():
    assert query_vector([]).empty
    assert average_length([]) == 1.0
    assert average_length([["a"], ["a", "b", "c"]]) == 2.0
