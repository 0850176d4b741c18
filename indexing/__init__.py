"""Corpus → clause tree → chunks → sparse and dense vectors → Qdrant."""
