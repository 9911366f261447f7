#!/usr/bin/env python3
"""Scores varied sentence pairs with sacreBLEU and writes the expected values SeqCore's BLEU, chrF and 13a tokenizer
must reproduce (tests/SeqCore.Tests/Metrics/BleuGoldenTests.cs compares them, |difference| <= 1e-9).

Needs sacreBLEU 2.x importable (pip's sacrebleu, or its source tree on PYTHONPATH with Debian's python3-portalocker,
python3-colorama, python3-tabulate, python3-numpy and python3-lxml for its imports). From the repository root:
    python3 tests/golden/make_bleu_golden.py tests/SeqCore.Tests/Golden/bleu_golden.json

The file holds:
  tokenizer13a: [{input, tokens}]            sacreBLEU's Tokenizer13a on each input
  cases: [{name, hypotheses, references,     references as sacreBLEU takes them: a list of streams
           bleu: {score, counts, totals, precisions, bp, ratio, sys_len, ref_len, format, signature},
           chrf: {score, format, signature},   chrF2, sacreBLEU's default CHRF()
           chrf_eps: {score}}]                 CHRF(eps_smoothing=True)
Signatures are written without sacreBLEU's version field.
"""
import json
import sys

import sacrebleu
from sacrebleu.metrics import BLEU, CHRF
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

# (hypothesis, reference): punctuation, numbers, dashes, entities, unicode, whitespace, short and empty segments.
PAIRS = [
    ("The cat sat on the mat.", "The cat sat on the mat."),
    ("The cat is on the mat.", "There is a cat on the mat."),
    ("Pi is about 3.14, not 3,14.", "Pi is roughly 3.14, not 3,14!"),
    ("It cost $1,000.50 in 2019.", "It cost 1,000.50 dollars in 2019."),
    ("The 1990-91 season was long - very long.", "The 1990-91 season was long -- very long."),
    ("Tom &amp; Jerry &lt;3 &quot;cartoons&quot; &gt; all", "Tom & Jerry <3 \"cartoons\" > all"),
    ("Ça coûte 5 € à Zürich, naïve façade.", "Ça coûte 5 € à Zürich ; façade naïve."),
    ("東京は日本の首都です。", "東京は日本の首都である。"),
    ("Emoji 🙂 and 🚀 fly, 😀!", "Emoji 🙂 and 🚀 flew, 😀."),
    ("", "An empty hypothesis scores nothing."),
    ("A much longer hypothesis than the reference, with many extra words added here and there.", "A short reference."),
    ("Two words", "Two words and more"),
    ("completely different words", "nothing matches at all"),
    ("He said: \"don't\" (really) [maybe] {ok} ~ ^ _ ` | \\ / @ # % *", "He said: \"do not\" (really) [maybe] {ok}"),
    ("U.S.A. e.g. i.e. Mr. Smith's", "U.S.A. e.g. i.e. Mr Smith's"),
    ("  leading and trailing spaces   ", "leading and trailing spaces"),
    ("tabs\tand\u00a0no-break\u2009thin spaces", "tabs and no-break thin spaces"),
    ("Numbers: 1.5.3, 2,5,6 and .5 or 5. end", "Numbers: 1.5.3, 2,5,6 and .5 or 5. end"),
    ("<skipped> text stays", "text stays"),
    ("the the the the the the the", "The cat is on the mat."),
    ("a b c d e f g h", "a b c d x f g h"),
    ("Russian: Привет, мир! Как дела?", "Russian: Привет мир! Как у вас дела?"),
    ("Greek αβγ δε-ζη, θ.", "Greek αβγ δε-ζη θ."),
    ("x-ray 10-20 x - y 5-", "x-ray 10 - 20 x-y 5 -"),
    ("Unit\u001cseparator\u001fhere", "Unit separator here"),
    ("ﬁne ligature and e\u0301 combining", "fine ligature and é combining"),
    ("Quotes ‘curly’ and “double” — em dash – en dash", "Quotes 'curly' and \"double\" - em dash - en dash"),
    ("It was 8:30 a.m., on 12/25/2020.", "It was 8:30 am on 25/12/2020."),
    ("repeated repeated words words", "repeated words repeated words"),
    ("one", "one"),
]

# Second and third references for the multi-reference corpora.
SECOND = [
    "A cat sat on the mat.", "The cat is on the mat.", "Pi is about 3.14, not 3,14.", "It was $1,000.50 in 2019.",
    "The 1990-91 season was long, very long.", "Tom and Jerry love cartoons more than anything",
    "Cela coûte 5 € à Zurich.", "東京は日本の首都です。", "Emoji 🙂 and 🚀 fly!", "",
    "A reference.", "Two words", "completely different words", "He said don't (really)",
    "U.S.A. e.g. Mr. Smith's", "leading and trailing", "tabs and spaces", "Numbers end",
    "text stays here", "the mat", "a b c d e f g", "Привет, мир!", "Greek", "x-ray 10-20", "Unit separator",
    "fine ligature", "Quotes and dashes", "It was 8:30 a.m.", "repeated repeated words words", "one two",
]
THIRD = [
    "The cat sat.", "On the mat there is a cat.", "Pi ≈ 3.14.", "1,000.50 dollars, 2019.", "A long season.",
    "Tom &amp; Jerry", "5 €", "首都", "🙂🚀😀", "nothing", "hypothesis", "words", "matches", "said", "Smith",
    "spaces", "no-break", "1.5.3", "<skipped>", "the the", "h g f e d c b a", "Как дела?", "θ.", "5-", "here",
    "e\u0301", "— –", "12/25/2020", "words", "",
]


def bleu_of(hyps, refs):
    metric = BLEU()
    s = metric.corpus_score(hyps, refs)
    return {
        "score": s.score, "counts": list(s.counts), "totals": list(s.totals), "precisions": list(s.precisions),
        "bp": s.bp, "ratio": s.ratio, "sys_len": s.sys_len, "ref_len": s.ref_len,
        "format": s.format(), "signature": without_version(metric.get_signature().format()),
    }


def chrf_of(hyps, refs, **kwargs):
    metric = CHRF(**kwargs)
    s = metric.corpus_score(hyps, refs)
    return {"score": s.score, "format": s.format(), "signature": without_version(metric.get_signature().format())}


def without_version(signature):
    return "|".join(p for p in signature.split("|") if not p.startswith("version:"))


def case(name, hyps, refs):
    return {"name": name, "hypotheses": hyps, "references": refs, "bleu": bleu_of(hyps, refs),
            "chrf": chrf_of(hyps, refs), "chrf_eps": {"score": chrf_of(hyps, refs, eps_smoothing=True)["score"]}}


def main(out_path):
    hyps = [h for h, _ in PAIRS]
    refs = [r for _, r in PAIRS]
    assert len(SECOND) == len(PAIRS) and len(THIRD) == len(PAIRS)
    cases = [case(f"pair {i:02d}", [h], [[r]]) for i, (h, r) in enumerate(PAIRS)]
    cases.append(case("corpus, 1 reference", hyps, [refs]))
    cases.append(case("corpus, 2 references", hyps, [refs, SECOND]))
    cases.append(case("corpus, 3 references", hyps, [refs, SECOND, THIRD]))
    tokenizer = Tokenizer13a()
    inputs = hyps + refs + SECOND + THIRD + ["hyphen-\nated line\nbreak", "&amp;lt; &amp;amp; AT&T"]
    golden = {
        "generator": "tests/golden/make_bleu_golden.py",
        "sacrebleu_version": sacrebleu.__version__,
        "tokenizer13a": [{"input": s, "tokens": tokenizer(s)} for s in inputs],
        "cases": cases,
    }
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{out_path}: {len(cases)} cases, {len(inputs)} tokenizer inputs, sacreBLEU {sacrebleu.__version__}")


if __name__ == "__main__":
    main(sys.argv[1])
