#!/usr/bin/env python3
"""Generate the Tokenizers module's goldens with the Hugging Face fast tokenizers (the reference).

Writes, under Tests/TokenizersTests/Fixtures:
  xlmr-goldens.json.gz      XLM-R tokenizer.json (../shared/models/xlmr-tokenizer): every XQuAD context and
                            question (11 languages) encoded alone, every (question, context) pair with
                            max_length 384 / stride 128 / only_second overflow, and a hand-made hard set.
  bert-xquad-en/tokenizer.json   a BERT WordPiece tokenizer trained here on English XQuAD (deterministic).
  bert-goldens.json.gz      the same checks for that BERT tokenizer on English XQuAD.
  spm-tiny/sentencepiece.bpe.model.gz   a tiny SentencePiece unigram model trained here (nmt_nfkc rules).
  spm-goldens.json.gz       XLMRobertaTokenizerFast converted from that model: XQuAD subset + hard set.
  xlmr-tf5-goldens.json.gz  the same XLM-R tokenizer as saved by transformers 5 (xlmr-tf5/, made by
                            tf5_fixtures.py: bare Precompiled, Sequence[WhitespaceSplit, Metaspace]): the first
                            60 contexts of each language with their questions and pairs, and both hard sets.

Every encoding also records its word ids (`Encoding.word_ids`: the index of the pre-tokenizer split of each
token, None for special tokens); the files also hold a second hard set rich in characters the normalizers
remove or rewrite (zero-width spaces and joiners, soft hyphens, bidi marks, variation selectors, NBSP,
full-width forms) in several scripts, alone and in pair windows (`hard_normalizer`, `hard_normalizer_pairs`).

Compact layout: ids and offsets are flat int arrays with per-text lengths; offsets are delta-coded; word ids
are delta-coded too (word - previous word, from 0). Pair windows are stored as the
context-token ranges [a, b) of each window; this script asserts that every window the reference returns is
exactly `specials + question tokens + specials + context tokens[a:b] + specials` (ids, offsets and
sequence ids, word ids), so a Swift test that rebuilds windows from the single-text goldens checks every value.
"""
import argparse
import gzip
import json
import os
import random
import unicodedata

LANGS = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]


def xquad(shared, lang):
    with open(os.path.join(shared, "data", "xquad", f"xquad.{lang}.json"), encoding="utf-8") as f:
        data = json.load(f)["data"]
    contexts, questions, pairs = [], [], []
    for article in data:
        for paragraph in article["paragraphs"]:
            contexts.append(paragraph["context"])
            for qa in paragraph["qas"]:
                pairs.append((len(questions), len(contexts) - 1))
                questions.append(qa["question"])
    return contexts, questions, pairs


def hard_set():
    texts = [
        "",
        " ",
        "     ",
        "\u3000\u3000",
        "Hello world",
        "  Hello   world  ",
        "   leading",
        "trailing    ",
        "a     b\t\tc",
        "👨‍👩‍👧‍👦 family 👍🏽 thumbs 🏳️‍🌈 flag 🇩🇪🇫🇷 ❤️",
        "e\u0301cole cafe\u0301 \u0301abc",
        "Z\u0324\u0354\u0367\u0311\u0313a\u0308\u0356\u032d\u0308\u0307l\u036e\u0312\u036bg\u030c\u0317\u035a\u031ao",
        "ก้าว กรุงเทพมหานคร",
        "क्षत्रिय नमस्ते हिन्दी",
        "\u1100\u1161\u11a8 한국어 텍스트",
        "ＡＢＣ１２３！？ ｶﾀｶﾅ ﾞﾟ ｱｲ ﾞ",
        "ﬁ ﬂ ㎏ ① ½ ℌ ™ Ⅻ ﹏ ︵ ㈱ ㍻",
        "a\u00a0b\u3000c\u2009d\u200be\u202ff\ufeffg\u2060h",
        "a\tb\nc\r\nd\re\x00f\x1eg\x7fh\u0085i\u2028j\u2029k",
        "\x1eabc",
        "a\x1e\x1eb",
        "™x ™ ™™",
        "مرحبا بالعالم! هذا نص عربي.",
        "שלום עולם \u200f\u202eabc\u202c",
        "Mixed العربية and English 中文 日本語のテキスト",
        "x<mask> y",
        "x <mask>y <mask> <mask>",
        "<s>a</s> b<pad><unk>",
        "<s></s>",
        "\ufffd\ufffd\ufffdabc",
        b"\xed\xa0\x80abc\xed\xbf\xbfdef".decode("utf-8", errors="replace"),
        b"\xff\xfe broken \xc3 bytes \xe2\x82".decode("utf-8", errors="replace"),
        "日本語の文章です。東京は日本の首都です。",
        "中华人民共和国成立于1949年。",
        "Ελληνικά κείμενα με τόνους: ά έ ή ί ό ύ ώ ΐ ΰ",
        "Русский текст с ёлками и Й",
        "Tiếng Việt có dấu: Nguyễn Phước Thịnh",
        "Türkçe İstanbul ığüşöç",
        "1234567890 3.14159 1,000,000 $100 €50 ¥30",
        "email@example.com https://example.com/path?q=1&r=2",
        "\r\n\r\n",
        "word" * 10 + "\u0301",
        ("abcdefghij" * 10000),
        "é" * 300,
        "\u200d\u200d",
        "\u0000",
        "a\u0000b",
    ]
    rng = random.Random(1234)
    blocks = [
        (0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x590, 0x6FF),
        (0x900, 0x97F), (0xE00, 0xE7F), (0x1100, 0x11FF), (0x2000, 0x206F), (0x2100, 0x218F),
        (0x2460, 0x24FF), (0x3000, 0x30FF), (0x3200, 0x33FF), (0x4E00, 0x4FFF), (0xAC00, 0xAD00),
        (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF),
        (0x1F300, 0x1F6FF), (0x1F900, 0x1F9FF),
    ]
    for _ in range(400):
        chars = []
        for _ in range(rng.randint(1, 40)):
            lo, hi = rng.choice(blocks)
            cp = rng.randint(lo, hi)
            c = chr(cp)
            if unicodedata.category(c) in ("Cn", "Cs", "Co"):
                continue
            chars.append(c)
            if rng.random() < 0.15:
                chars.append(" " * rng.randint(1, 3))
        texts.append("".join(chars))
    return texts


def flat(encodings):
    """Flat ids; offsets delta-coded per text as (start - previous end, end - start) and word ids as
    (word - previous word) so they compress well."""
    ids, offsets, words, lengths = [], [], [], []
    for e in encodings:
        ids.extend(e.ids)
        previous = 0
        for s, t in e.offsets:
            offsets.extend((s - previous, t - s))
            previous = t
        previous = 0
        for w in e.word_ids:
            assert w is not None  # no special tokens in singles
            words.append(w - previous)
            previous = w
        lengths.append(len(e.ids))
    return {"ids": ids, "offsets": offsets, "words": words, "lengths": lengths}


def single_encodings(raw, texts):
    return raw.encode_batch(texts, add_special_tokens=False)


def full(encodings, raw=None):
    out = [{"ids": e.ids, "tokens": e.tokens, "offsets": [list(o) for o in e.offsets], "word_ids": e.word_ids}
           for e in encodings]
    if raw is not None:
        for entry, e in zip(out, encodings):
            entry["decoded"] = raw.decode(e.ids, skip_special_tokens=True)
            entry["decoded_special"] = raw.decode(e.ids, skip_special_tokens=False)
    return out


def check_windows(fast, question, context, q_enc, c_enc, max_length, stride, prefix, middle, suffix):
    """The reference's windows for one pair, as context-token ranges, after asserting their structure."""
    out = fast(question, context, truncation="only_second", max_length=max_length, stride=stride,
               return_overflowing_tokens=True, return_offsets_mapping=True)
    ranges = []
    q_ids, c_ids = q_enc.ids, c_enc.ids
    q_off, c_off = [tuple(o) for o in q_enc.offsets], [tuple(o) for o in c_enc.offsets]
    q_words, c_words = q_enc.word_ids, c_enc.word_ids
    for w in range(len(out["input_ids"])):
        ids = out["input_ids"][w]
        offs = [tuple(o) for o in out["offset_mapping"][w]]
        seq = out.sequence_ids(w)
        words = out.word_ids(w)
        head = len(prefix) + len(q_ids) + len(middle)
        a = None
        # Find where this window's context slice starts: the unique a that makes the layout match.
        body = ids[head:len(ids) - len(suffix)]
        n = len(body)
        for start in range(0, max(1, len(c_ids) - n + 1)):
            if c_ids[start:start + n] == body and c_off[start:start + n] == offs[head:head + n]:
                if not ranges or start > ranges[-1][0]:
                    a = start
                    break
        assert a is not None, (question, w)
        b = a + n
        exp_ids = prefix + q_ids + middle + c_ids[a:b] + suffix
        exp_off = [(0, 0)] * len(prefix) + q_off + [(0, 0)] * len(middle) + c_off[a:b] + [(0, 0)] * len(suffix)
        exp_seq = [None] * len(prefix) + [0] * len(q_ids) + [None] * len(middle) + [1] * n + [None] * len(suffix)
        # Each sequence counts its words from 0, and a window keeps the word ids of the whole context.
        exp_words = [None] * len(prefix) + q_words + [None] * len(middle) + c_words[a:b] + [None] * len(suffix)
        assert ids == exp_ids and offs == exp_off and seq == exp_seq and words == exp_words, (question, w)
        ranges.append((a, b))
    return ranges


def pair_goldens(fast, raw, questions, contexts, pairs, max_length, stride, prefix, middle, suffix):
    q_encs = single_encodings(raw, questions)
    c_encs = single_encodings(raw, contexts)
    flat_pairs = []  # question index, context index, window count, then a, b per window
    for qi, ci in pairs:
        ranges = check_windows(fast, questions[qi], contexts[ci], q_encs[qi], c_encs[ci], max_length, stride,
                               prefix, middle, suffix)
        flat_pairs.extend((qi, ci, len(ranges)))
        for a, b in ranges:
            flat_pairs.extend((a, b))
    return flat_pairs


def hard_pairs(hard):
    picks = [(4, 43), (10, 42), (22, 23), (0, 4), (4, 0), (35, 44), (29, 33), (31, 16)]
    return [(hard[q], hard[c]) for q, c in picks if q < len(hard) and c < len(hard)]


def normalizer_hard_set():
    """Texts rich in characters the normalizers remove or rewrite, in several scripts: hand-written cases, then
    seeded random mixtures of words and such characters."""
    zwsp, zwnj, zwj, shy, nbsp = "\u200b", "\u200c", "\u200d", "\u00ad", "\u00a0"
    texts = [
        "\u200b", " \u200b", " \u200b ", "\u200b ", "a \u200bb", "a\u200b b", "a \u200b b", "a \u200b\u200b b",
        "\u200b\u200ba", "a\u200b", " \u200b\u200c\u200d ", "\u00ad", "a\u00adb", "a \u00adb", "\ufe0f", "x\ufe0f y",
        "\u200e\u200f", "\u202a\u202b\u202c\u202d\u202e", "\u00a0", "a\u00a0\u00a0b", "\u3000", "a\u3000b",
        "ذهب الطالب إلى \u200bالمدرسة في \u200bالصباح الباكر.",
        "في عام 1279 \u200b\u200bتأسست المدينة، \u200fوهي\u200e عاصمة\u00a0الإقليم.",
        "\u202bالنص العربي \u202aEnglish inside\u202c والنهاية\u202c",
        "من می\u200cخواهم به کتاب\u200cخانه بروم \u200bو کتاب\u200cها را ببینم.",
        "\u200fفارسی\u200f زبان\u200cهای \u200c\u200cایرانی",
        "क्\u200dष नमस्ते \u200bहिन्दी\u00a0भाषा र\u200d्\u200dय",
        "हिन्दी\u200c \u200bमें \u00adलिखा गया\u200e पाठ।",
        "co\u00adop\u00aderation in\u00adter\u00adna\u00adtion\u00adal \u200bword",
        "Hello\u00a0world \u2764\ufe0f and \u263a\ufe0e end\ufe0f.",
        "ＦＵＬＬ　ｗｉｄｔｈ　ｔｅｘｔ！ ｈｅｌｌｏ（ｗｏｒｌｄ）１２３",
        "\u202aLTR embed\u202c \u202bRTL embed\u202c \u202doverride\u202c \u202ereversed\u202c",
        "東京\u3000タワー \u200b日本の\u200b首都。 中文，全角！？ ＡＢＣ",
        "ภาษา\u200bไทย \u200bสวัสดี\u200bครับ ขอบคุณ\u00a0มาก",
        "👍\ufe0f \u200d👩\u200d💻 ✌\ufe0e \u200b🇫🇷",
        "a" + zwsp * 50 + " b" + shy * 20 + " c" + nbsp * 10,
    ]
    words = {
        "ar": ["مرحبا", "بالعالم", "المدرسة", "الطالب", "كتاب", "١٢٣٤"],
        "fa": ["می", "خواهم", "کتاب", "ها", "ایران", "۱۳۹۹"],
        "hi": ["नमस्ते", "हिन्दी", "भाषा", "क्ष", "र्य", "१२३"],
        "la": ["Hello", "world", "co", "operation", "Straße", "café", "ﬁne"],
        "cjk": ["東京", "日本語", "中文", "タワー", "한국어", "ｶﾀｶﾅ"],
        "th": ["ภาษา", "ไทย", "สวัสดี", "ครับ", "กรุงเทพ"],
    }
    marks = [zwsp, " " + zwsp, zwsp + " ", zwnj, zwj, shy, "\u200e", "\u200f", "\u202a", "\u202b", "\u202c",
             "\u202d", "\u202e", "\ufe0f", "\ufe0e", nbsp, "\u3000", " ", "  ", "\uff0c", "\uff01", "\uff21",
             "\u2060", "\ufeff", "\u2009", "\u202f"]
    rng = random.Random(4321)
    for _ in range(240):
        script = rng.choice(sorted(words))
        parts = []
        for _ in range(rng.randint(2, 14)):
            parts.append(rng.choice(words[script] if rng.random() < 0.8 else words[rng.choice(sorted(words))]))
            parts.append("".join(rng.choice(marks) for _ in range(rng.randint(0, 3))) or " ")
        texts.append("".join(parts))
    return texts


def normalizer_hard_pairs(texts):
    """(question, context) pairs over the normalizer hard set; contexts join several texts so small windows
    overflow many times."""
    rng = random.Random(99)
    pairs = []
    for k in range(12):
        question = texts[22 + k % (len(texts) - 22)]
        context = " ".join(rng.choice(texts) for _ in range(rng.randint(3, 10)))
        pairs.append((question, context))
    return pairs


def window_goldens(fast, question, context, variants):
    out = []
    for max_length, stride in variants:
        try:
            enc = fast(question, context, truncation="only_second", max_length=max_length, stride=stride,
                       return_overflowing_tokens=True, return_offsets_mapping=True)
        except Exception:
            continue  # the question leaves no room: the Swift API returns no windows (checked elsewhere)
        windows = [{"ids": enc["input_ids"][w], "offsets": [list(o) for o in enc["offset_mapping"][w]],
                    "sequence_ids": enc.sequence_ids(w), "word_ids": enc.word_ids(w)}
                   for w in range(len(enc["input_ids"]))]
        out.append({"question": question, "context": context, "max_length": max_length, "stride": stride,
                    "windows": windows})
    return out


def write(path, obj):
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    print(f"wrote {path} ({os.path.getsize(path) / 1e6:.2f} MB)")


def make_goldens(fast, raw, shared, langs, prefix, middle, suffix, hard, variants, contexts_limit=None):
    goldens = {"languages": {}, "hard": {}, "hard_pairs": []}
    for lang in langs:
        contexts, questions, pairs = xquad(shared, lang)
        if contexts_limit is not None:
            # Questions stay whole (the Swift test reads them all); only pairs of the kept contexts are stored.
            contexts = contexts[:contexts_limit]
            pairs = [(q, c) for q, c in pairs if c < contexts_limit]
        entry = {
            "contexts": flat(single_encodings(raw, contexts)),
            "questions": flat(single_encodings(raw, questions)),
            "pairs": pair_goldens(fast, raw, questions, contexts, pairs, 384, 128, prefix, middle, suffix),
        }
        goldens["languages"][lang] = entry
        print(lang, len(contexts), "contexts", len(questions), "questions")
    goldens["hard"] = {"texts": hard, "encodings": full(raw.encode_batch(hard, add_special_tokens=True), raw)}
    for question, context in hard_pairs(hard):
        for max_length, stride in variants:
            if max_length < 384 and len(context) > 5000:
                continue  # thousands of tiny windows would bloat the fixture; 384/128 covers the long word
            out = fast(question, context, truncation="only_second", max_length=max_length, stride=stride,
                       return_overflowing_tokens=True, return_offsets_mapping=True)
            windows = [{"ids": out["input_ids"][w], "offsets": [list(o) for o in out["offset_mapping"][w]],
                        "sequence_ids": out.sequence_ids(w), "word_ids": out.word_ids(w)}
                       for w in range(len(out["input_ids"]))]
            goldens["hard_pairs"].append({"question": question, "context": context, "max_length": max_length,
                                          "stride": stride, "windows": windows})
    add_normalizer_hard(goldens, fast, raw, variants)
    return goldens


def add_normalizer_hard(goldens, fast, raw, variants):
    texts = normalizer_hard_set()
    goldens["hard_normalizer"] = {"texts": texts, "encodings": full(raw.encode_batch(texts, add_special_tokens=True),
                                                                    raw)}
    goldens["hard_normalizer_pairs"] = [w for q, c in normalizer_hard_pairs(texts)
                                        for w in window_goldens(fast, q, c, variants)]


def bert_tokenizer(shared, out_dir):
    """A BERT WordPiece tokenizer over a vocabulary derived deterministically from English XQuAD: specials, every
    character (alone and as ##continuation), the 3,000 most frequent words and 2,000 most frequent word endings
    (as ##pieces), so unseen words split into several pieces."""
    from collections import Counter
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, decoders
    contexts, questions, _ = xquad(shared, "en")
    normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=None,
                                            lowercase=True)
    pre = pre_tokenizers.BertPreTokenizer()
    words = Counter()
    for text in contexts + questions:
        for word, _ in pre.pre_tokenize_str(normalizer.normalize_str(text)):
            words[word] += 1
    chars = sorted({c for w in words for c in w})
    endings = Counter()
    for word, n in words.items():
        for k in range(2, min(6, len(word))):
            endings[word[-k:]] += n
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += chars + ["##" + c for c in chars]
    vocab += [w for w, _ in sorted(words.items(), key=lambda x: (-x[1], x[0]))[:3000] if len(w) > 1]
    vocab += ["##" + e for e, _ in sorted(endings.items(), key=lambda x: (-x[1], x[0]))[:2000]]
    seen, ordered = set(), []
    for piece in vocab:
        if piece not in seen:
            seen.add(piece)
            ordered.append(piece)
    tok = Tokenizer(models.WordPiece({p: i for i, p in enumerate(ordered)}, unk_token="[UNK]",
                                     max_input_chars_per_word=100))
    tok.normalizer = normalizer
    tok.pre_tokenizer = pre
    tok.post_processor = processors.BertProcessing(("[SEP]", 3), ("[CLS]", 2))
    tok.decoder = decoders.WordPiece(prefix="##")
    for special in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]:
        tok.add_special_tokens([special])
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "tokenizer.json")
    tok.save(path)
    return path


def spm_model(shared, out_dir, tmp):
    import sentencepiece as spm
    spm.set_random_generator_seed(1234)
    lines = []
    for lang in ["en", "de", "ru", "zh", "ar", "hi", "el", "th"]:
        contexts, questions, _ = xquad(shared, lang)
        lines.extend(contexts[:60] + questions[:200])
    # The model records its prefix: train inside `tmp` with a relative prefix so the file is reproducible.
    cwd = os.getcwd()
    os.chdir(tmp)
    prefix = "spm"
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_prefix=prefix, vocab_size=3000,
                                   model_type="unigram", character_coverage=0.9995, num_threads=1,
                                   normalization_rule_name="nmt_nfkc", seed_sentencepiece_size=200000,
                                   minloglevel=2)
    os.chdir(cwd)
    model = os.path.join(tmp, prefix + ".model")
    os.makedirs(out_dir, exist_ok=True)
    with open(model, "rb") as f, gzip.GzipFile(os.path.join(out_dir, "sentencepiece.bpe.model.gz"), "wb",
                                               mtime=0) as g:
        g.write(f.read())
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "Tests",
                                                      "TokenizersTests", "Fixtures"))
    parser.add_argument("--only", choices=["xlmr", "bert", "spm", "xlmr-tf5"], action="append")
    args = parser.parse_args()
    import tempfile
    from tokenizers import Tokenizer
    from transformers import PreTrainedTokenizerFast, XLMRobertaTokenizerFast

    os.makedirs(args.out, exist_ok=True)
    hard = hard_set()
    variants = [(384, 128), (64, 16), (32, 0)]
    only = set(args.only or ["xlmr", "bert", "spm", "xlmr-tf5"])

    if "xlmr" in only:
        path = os.path.join(args.shared, "models", "xlmr-tokenizer", "tokenizer.json")
        raw = Tokenizer.from_file(path)
        fast = PreTrainedTokenizerFast(tokenizer_file=path)
        write(os.path.join(args.out, "xlmr-goldens.json.gz"),
              make_goldens(fast, raw, args.shared, LANGS, [0], [2, 2], [2], hard, variants))

    if "xlmr-tf5" in only:
        # Put the vocabulary of ../shared's file back into the committed transformers 5 frame.
        with gzip.open(os.path.join(args.out, "xlmr-tf5", "tokenizer-without-vocab.json.gz"), "rt",
                       encoding="utf-8") as f:
            frame = json.load(f)
        with open(os.path.join(args.shared, "models", "xlmr-tokenizer", "tokenizer.json"), encoding="utf-8") as f:
            frame["model"]["vocab"] = json.load(f)["model"]["vocab"]
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "tokenizer.json")
            with open(path, "w", encoding="utf-8") as f:
                json.dump(frame, f, ensure_ascii=False)
            raw = Tokenizer.from_file(path)
            fast = PreTrainedTokenizerFast(tokenizer_file=path)
            write(os.path.join(args.out, "xlmr-tf5-goldens.json.gz"),
                  make_goldens(fast, raw, args.shared, LANGS, [0], [2, 2], [2], hard, variants, contexts_limit=60))

    if "bert" in only:
        path = bert_tokenizer(args.shared, os.path.join(args.out, "bert-xquad-en"))
        raw = Tokenizer.from_file(path)
        fast = PreTrainedTokenizerFast(tokenizer_file=path)
        cls, sep = raw.token_to_id("[CLS]"), raw.token_to_id("[SEP]")
        write(os.path.join(args.out, "bert-goldens.json.gz"),
              make_goldens(fast, raw, args.shared, ["en"], [cls], [sep], [sep], hard, variants))

    if "spm" in only:
        with tempfile.TemporaryDirectory() as tmp:
            model = spm_model(args.shared, os.path.join(args.out, "spm-tiny"), tmp)
            fast = XLMRobertaTokenizerFast(vocab_file=model)
            raw = fast.backend_tokenizer
            goldens = {"hard": {"texts": hard, "encodings": full(raw.encode_batch(hard, add_special_tokens=True), raw)},
                       "languages": {}}
            for lang in LANGS:
                contexts, questions, _ = xquad(args.shared, lang)
                texts = contexts[:40] + questions[:100]
                goldens["languages"][lang] = {"texts": flat(single_encodings(raw, texts))}
            # Older conversions use Sequence[WhitespaceSplit, Metaspace]: each word is its own split.
            from tokenizers import pre_tokenizers
            sample = hard + [c for lang in LANGS for c in xquad(args.shared, lang)[0][:5]]
            for scheme in ["always", "first"]:
                raw.pre_tokenizer = pre_tokenizers.Sequence(
                    [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(prepend_scheme=scheme)])
                goldens[f"whitespace_split_{scheme}"] = flat(single_encodings(raw, sample))
            # The normalizer hard set through the model's own Metaspace pre-tokenizer.
            # A fresh conversion: the loop above changed the pre-tokenizer of `fast`'s backend too.
            fresh = XLMRobertaTokenizerFast(vocab_file=model)
            add_normalizer_hard(goldens, fresh, fresh.backend_tokenizer, variants)
            write(os.path.join(args.out, "spm-goldens.json.gz"), goldens)


if __name__ == "__main__":
    main()
