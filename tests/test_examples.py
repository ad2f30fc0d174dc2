"""Labelled files: the formats a streamer may bring, and one-line errors for bad ones."""

import pytest

from bot.errors import DataError
from bot.tools.examples import Example, read_examples, split_examples, write_examples


def test_csv_tsv_jsonl(tmp_path):
    """CSV (quoted), TSV (quotes literal) and JSONL all read the same; labels in any case."""
    (tmp_path / "a.csv").write_text('text,label,lang\n"hi, chat",Neutral,en\n', encoding="utf-8")
    (tmp_path / "a.tsv").write_text('text\tlabel\n"lol" she said\tPOSITIVE\n', encoding="utf-8")
    (tmp_path / "a.jsonl").write_text('{"text": "草", "label": "positive", "lang": "ja"}\n\n', encoding="utf-8")
    assert read_examples(tmp_path / "a.csv")[0] == Example("hi, chat", "neutral", "en", "a")
    assert read_examples(tmp_path / "a.tsv")[0].text == '"lol" she said'
    assert read_examples(tmp_path / "a.jsonl")[0] == Example("草", "positive", "ja", "a")


def test_round_trip(tmp_path):
    """What write_examples writes, read_examples reads back."""
    examples = [Example("a\tb", "negative", "id", "x"), Example("c", "neutral", "", "x")]
    write_examples(tmp_path / "out.tsv", examples)
    back = read_examples(tmp_path / "out.tsv", source="x")
    assert back == [Example("a b", "negative", "id", "x"), Example("c", "neutral", "", "x")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.csv", None, "no such file"),
        ("cols.csv", "message,mood\nhi,positive\n", "needs columns 'text' and 'label'"),
        ("label.tsv", "text\tlabel\nhi\thappy\n", "unknown label 'happy'"),
        ("empty.csv", "text,label\n", "no labelled rows"),
        ("bad.jsonl", "{not json\n", "not valid JSON"),
        ("file.xlsx", "x", "unknown file type"),
        ("latin.csv", b"text,label\n\xff\xfe,positive\n", "cannot read it"),
    ],
)
def test_bad_files_give_one_line(tmp_path, name, content, message):
    """Each problem gets one line that names the file and what to fix."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_examples(path)
    assert message in str(err.value) and name in str(err.value)
    assert "\n" not in str(err.value)


def test_split_is_stratified_and_repeatable():
    """Splits keep every (lang, label) group in proportion and depend only on the seed."""
    examples = [
        Example(f"{lang}{label}{i}", label, lang)
        for lang in "ab"
        for label in ("positive", "negative")
        for i in range(10)
    ]
    train, test = split_examples(examples, [0.8, 0.2], seed=1)
    assert len(train) == 32 and len(test) == 8
    assert sum(1 for ex in test if ex.lang == "a" and ex.label == "positive") == 2
    assert set(train).isdisjoint(test)
    assert split_examples(examples, [0.8, 0.2], seed=1) == [train, test]
