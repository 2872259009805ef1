"""Input manifest lines, one at a time: Ground Truth's data keys, URI schemes and size limits."""

from __future__ import annotations

import json

import pytest

from shared.domain.manifest import MAX_ATTRIBUTE_CHARS, MAX_LINE_CHARS, BadLine, ParsedLine, parse_line


def line(**record: object) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(("text", "key", "expected"), [
    ('{"source":"a great film"}', "source", ParsedLine(source="a great film", source_ref=None)),
    ('{"source":"ünïcödé ✓","id":7,"extra":{"a":[1,2]}}', "source", ParsedLine("ünïcödé ✓", None)),
    ('{"source-ref":"s3://bucket/a b/c:d.jpg"}', "source-ref", ParsedLine(None, "s3://bucket/a b/c:d.jpg")),
    ('{"source-ref":"file:///data/img/1.png","metadata":"x"}', "source-ref", ParsedLine(None,
                                                                                      "file:///data/img/1.png")),
    ('  {"source":"padded"}  ', "source", ParsedLine("padded", None)),
    ('{"source":"it\\u0027s \\u003d \\u0026"}', "source", ParsedLine("it's = &", None)),
])
def test_a_good_line_gives_its_data(text: str, key: str, expected: ParsedLine) -> None:
    assert parse_line(text, key) == expected


@pytest.mark.parametrize(("text", "key", "reason"), [
    ("not json", "source", "not valid JSON"),
    ('{"source": "unterminated', "source", "not valid JSON"),
    ("", "source", "not valid JSON"),
    ('["source", "x"]', "source", "JSON object"),
    ('"just a string"', "source", "JSON object"),
    ("42", "source", "JSON object"),
    ("null", "source", "JSON object"),
    ('{"source":"a","source-ref":"s3://b/k"}', "source", "exactly one"),
    ('{"source":"a","source-ref":"s3://b/k"}', "source-ref", "exactly one"),
    ('{"text":"a"}', "source", "exactly one"),
    ("{}", "source-ref", "exactly one"),
    ('{"source-ref":"s3://b/k.jpg"}', "source", "reads 'source'"),
    ('{"source":"a cat"}', "source-ref", "reads 'source-ref'"),
    ('{"source":5}', "source", "non-empty string"),
    ('{"source":null}', "source", "non-empty string"),
    ('{"source":["a"]}', "source", "non-empty string"),
    ('{"source":""}', "source", "non-empty string"),
    ('{"source-ref":{"uri":"s3://b/k"}}', "source-ref", "non-empty string"),
    ('{"source-ref":"http://example.com/a.jpg"}', "source-ref", "s3:// or file://"),
    ('{"source-ref":"https://example.com/a.jpg"}', "source-ref", "s3:// or file://"),
    ('{"source-ref":"/data/a.jpg"}', "source-ref", "s3:// or file://"),
    ('{"source-ref":"S3://bucket/a.jpg"}', "source-ref", "s3:// or file://"),
    ('{"source":"a","$ref":"x"}', "source", "'$ref'"),
    ('{"source-ref":"s3://b/k","$":1}', "source-ref", "'$'"),
])
def test_a_bad_line_is_refused_with_its_reason(text: str, key: str, reason: str) -> None:
    with pytest.raises(BadLine) as info:
        parse_line(text, key)
    assert reason in str(info.value)


def test_a_dollar_attribute_name_written_as_a_json_escape_is_refused() -> None:
    with pytest.raises(BadLine, match="must not start with"):
        parse_line('{"source":"a","\\u0024where":1}', "source")


def test_a_dollar_inside_a_name_or_a_value_is_allowed() -> None:
    assert parse_line('{"source":"$5 off","price$":1}', "source").source == "$5 off"


def padded_line(total: int) -> str:
    """A `source` line of exactly `total` characters whose attributes each stay under the attribute limit."""
    record: dict[str, str] = {"source": "s"}
    i = 0
    while len(line(**record)) < total:
        room = total - len(line(**record)) - len(f',"p{i}":""')
        record[f"p{i}"] = "x" * min(room, MAX_ATTRIBUTE_CHARS)
        i += 1
    text = line(**record)
    assert len(text) == total
    return text


def test_a_line_of_exactly_the_line_limit_is_accepted() -> None:
    assert parse_line(padded_line(MAX_LINE_CHARS), "source").source == "s"


def test_a_line_one_character_over_the_line_limit_is_refused() -> None:
    with pytest.raises(BadLine, match="the limit is 100000"):
        parse_line(padded_line(MAX_LINE_CHARS + 1), "source")


@pytest.mark.parametrize("key", ["source", "caption"])
def test_an_attribute_of_exactly_the_attribute_limit_is_accepted(key: str) -> None:
    record = {"source": "s", key: "é" * MAX_ATTRIBUTE_CHARS}
    assert parse_line(line(**record), "source").source == record["source"]


@pytest.mark.parametrize("key", ["source", "caption"])
def test_an_attribute_one_character_over_the_attribute_limit_is_refused(key: str) -> None:
    record = {"source": "s", key: "é" * (MAX_ATTRIBUTE_CHARS + 1)}
    with pytest.raises(BadLine, match=f"attribute '{key}' is 20001 characters"):
        parse_line(line(**record), "source")


def test_a_non_string_attribute_is_measured_as_its_json_text() -> None:
    over = {"source": "s", "meta": {"k": "v" * MAX_ATTRIBUTE_CHARS}}
    with pytest.raises(BadLine, match="attribute 'meta'"):
        parse_line(line(**over), "source")


def test_a_non_string_attribute_under_the_limit_as_written_is_accepted_on_a_long_line() -> None:
    # 7,000 compact list items are 14,001 characters as written; the line passes 20,000 through another field.
    record = {"source": "s", "votes": [1] * 7000, "notes": "n" * 10_000}
    assert len(line(**record)) > MAX_ATTRIBUTE_CHARS
    assert parse_line(line(**record), "source").source == "s"
