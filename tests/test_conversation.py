import pytest

from assistant.conversation import Turn, condense, parse_history
from assistant.errors import InputError

PLACES = ["仙人岛", "大石桥", "仙人岛能源化工区", "催化剂", "抗氧剂"]


def test_a_follow_up_about_another_place_reasks_the_question():
    history = [Turn("user", "仙人岛鼓励发展哪些产品？"), Turn("assistant", "……")]
    assert condense("那大石桥呢？", history, PLACES) == "大石桥鼓励发展哪些产品？"


def test_a_follow_up_without_a_known_entity_adds_the_previous_question():
    history = [Turn("user", "排污许可证有效期多久？")]
    assert condense("那延续呢？", history, PLACES) == "排污许可证有效期多久？ 延续"


def test_a_question_that_stands_alone_is_left_as_it_is():
    history = [Turn("user", "仙人岛鼓励发展哪些产品？")]
    assert condense("大石桥经济开发区重点发展什么产业？", history, PLACES) == "大石桥经济开发区重点发展什么产业？"
    assert condense("那大石桥呢？", [], PLACES) == "那大石桥呢？"


def test_english_follow_up():
    history = [Turn("user", "What is encouraged in 仙人岛?")]
    assert condense("What about 大石桥?", history, PLACES) == "What is encouraged in 大石桥?"


@pytest.mark.parametrize("raw, message", [
    ("{oops", "not valid JSON"),
    ('{"role": "user"}', "must be a JSON list"),
    ('[{"role": "bot", "content": "x"}]', "history item 0"),
    ('[{"role": "user", "content": 3}]', "history item 0"),
])
def test_malformed_history(raw, message):
    with pytest.raises(InputError, match=message):
        parse_history(raw)


def test_history_parses_and_keeps_the_last_turns():
    turns = parse_history('[{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]')
    assert turns == (Turn("user", "a"), Turn("assistant", "b"))
    assert parse_history("") == () and parse_history(None) == ()
    assert len(parse_history([{"role": "user", "content": str(i)} for i in range(50)])) == 20


def test_short_questions_with_their_own_question_word_stand_alone():
    history = [Turn("user", "仙人岛鼓励发展哪些产品？")]
    assert condense("大石桥在哪？", history, PLACES) == "大石桥在哪？"
    assert condense("PE是什么", history, PLACES) == "PE是什么"


def test_a_follow_up_keeps_what_else_it_says():
    history = [Turn("user", "仙人岛鼓励发展哪些产品？")]
    assert condense("那大石桥的企业呢？", history, PLACES) == "大石桥鼓励发展哪些产品？ 大石桥的企业"


def test_an_english_follow_up_to_a_chinese_question_uses_its_hints():
    history = [Turn("user", "仙人岛鼓励发展哪些产品？")]
    assert condense("What about Dashiqiao?", history, PLACES, hints=["大石桥"]) == "大石桥鼓励发展哪些产品？"
