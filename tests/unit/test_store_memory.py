"""The store's lean parts: vectorised folding, packed masks, narrow columns and per-version caches."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.data.store import text as text_module
from dashboard.data.store.text import fold_strings
from dashboard.data.text import fold_text

# Texts in the languages the data comes in, and the characters folding treats specially.
FOLD_CORPUS = (
    "Apurímac", "JUNÍN", "Ñuflo de Chávez", "policía incautó 3 t de cocaína", "São Paulo", "AÇÃO",
    "coração", "Île-de-France", "cocaïne saisie à Anvers", "Œuvre", "Ærø", "Straße", "GROẞE",
    "Düsseldorf", "Zoll über Hamburg", "İstanbul", "ışık", "Şırnak", "ĞÜŞİÖÇ", "ﬁnal ﬂow ﬀ",
    "Ⅻ", "①②", "㎏", "𝐀𝐁𝐂", "ΣΊΣΥΦΟΣ", "ǅemal", "한국어", "日本語テキスト", "ｆｕｌｌｗｉｄｔｈ",
    "SYNTHETIC — generated record", "", "plain ascii", "MiXeD CaSe", "a\u0301 e\u0308 combining",
    "\u0301leading mark", "ﷺ", "tab\tand\nnew line",
)


def test_smm001_fold_strings_equals_fold_text_on_a_multilingual_corpus():
    for kind in (pa.string(), pa.large_string()):
        values = pa.array(list(FOLD_CORPUS) + [None], type=kind)
        folded = fold_strings(values)
        assert folded.type == kind
        assert folded.to_pylist() == [fold_text(t) for t in FOLD_CORPUS] + [""]


def test_smm002_fold_strings_on_a_slice_and_across_chunks(monkeypatch):
    values = pa.array(list(FOLD_CORPUS) * 3, type=pa.large_string()).slice(5, 60)
    assert fold_strings(values).to_pylist() == [fold_text(t) for t in values.to_pylist()]
    # Folded a few hundred bytes at a time: rows on each side of every cut fold alike.
    monkeypatch.setattr(text_module, "FOLD_CHUNK_BYTES", 300)
    many = pa.array([f"{i} Ñandú en Apurímac, Straße à Anvers — ﬁn {FOLD_CORPUS[i % len(FOLD_CORPUS)]}"
                     for i in range(400)], type=pa.large_string())
    folded = fold_strings(many)
    assert folded.to_pylist() == [fold_text(t) for t in many.to_pylist()]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=8))
def test_smm003_fold_strings_equals_fold_text_on_any_text(texts):
    assert fold_strings(pa.array(texts, type=pa.large_string())).to_pylist() == [fold_text(t) for t in texts]
