"""The language of a text from its words (pipelines/text_language.py) and where it fills the metadata."""

from __future__ import annotations

from pipelines.page_metadata import fill_metadata
from pipelines.text_language import contradicts, language_shares, text_language

GERMAN = ("Der Gemeinderat hat am Dienstag beschlossen, dass die Brücke über den Fluss im nächsten "
          "Jahr erneuert wird. Die Kosten werden auf drei Millionen Euro geschätzt, und die Arbeiten "
          "sollen im Frühjahr beginnen, wenn das Wetter es zulässt. ") * 5
ENGLISH = ("The council decided on Tuesday that the bridge over the river will be rebuilt next year. "
           "The cost is put at three million euros, and the work is due to start in the spring if "
           "the weather allows it. ") * 5


def test_words_name_the_language():
    assert text_language(GERMAN) == "de"
    assert text_language(ENGLISH) == "en"
    assert text_language("京都の古い寺院を訪れた観光客は、紅葉の季節に特に多い。" * 5) == "ja"


def test_the_script_names_chinese_japanese_and_korean_but_a_quoted_name_does_not():
    assert text_language("서울시는 화요일에 오래된 다리를 내년에 다시 짓기로 결정했다. " * 5) == "ko"
    assert text_language("市议会周二决定明年重建这座老桥，费用估计为三百万欧元。" * 5) == "zh"
    assert text_language(ENGLISH + "(東京)") == "en"  # a few characters are no share of the letters


def test_too_few_words_say_nothing():
    assert text_language("Bridge rebuilt") is None
    assert language_shares("Bridge rebuilt") == {}


def test_a_wrong_declaration_is_overruled_only_when_plain():
    assert contradicts("en", GERMAN) == "de"
    assert contradicts("de", GERMAN) is None
    # an English page quoting one German sentence keeps what it declares
    assert contradicts("en", ENGLISH * 2 + GERMAN[:200]) is None
    # a short text never overrules a declaration
    assert contradicts("en", GERMAN[:150]) is None


def test_fill_metadata_takes_the_words_when_nothing_is_declared_and_says_so():
    fields = {"title": None, "author": None, "date": None, "language": None}
    sources = fill_metadata(fields, None, None, None, None, text=GERMAN)
    assert fields["language"] == "de" and sources["language"] == "text"


def test_fill_metadata_records_the_overruled_declaration():
    fields = {"title": None, "author": None, "date": None, "language": None}
    sources = fill_metadata(fields, None, None, "en", None, text=GERMAN)
    assert fields["language"] == "de" and sources["language"] == "text, declared en"
    fields = {"title": None, "author": None, "date": None, "language": None}
    sources = fill_metadata(fields, None, None, "de", None, text=GERMAN)
    assert fields["language"] == "de" and sources["language"] == "html-lang"
