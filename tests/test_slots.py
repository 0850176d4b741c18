"""What a question asks for (`assistant.slots`): pure logic, with jieba's real cut."""

import jieba
import pytest

from assistant.slots import asked_slots


def slots(question: str) -> dict[str, tuple[str, ...]]:
    return {s.kind: s.focus for s in asked_slots(question, jieba.lcut(question))}


def met(question: str, sentence: str) -> bool:
    return all(s.met_by(sentence, jieba.lcut_for_search) for s in asked_slots(question, jieba.lcut(question)))


@pytest.mark.parametrize("question, kinds", [
    ("仙人岛能源化工区重点发展什么？", set()),
    ("排污许可证有效期是多久", {"amount"}),
    ("园区引进的人才能拿到多少万元的创业启动资金？", {"amount", "money"}),
    ("罚款按项目总投资额的多大比例计算？", {"amount", "rate"}),  # a rate of a sum, not a sum
    ("环评报告什么时候报批？", {"date"}),
    ("专家咨询委员会的主任由谁担任？", {"who"}),
    ("2023年营口市精细化工行业实际完成产值是多少亿元？", {"amount", "year"}),
    ("招商部门的联系电话是多少？", {"amount", "phone"}),
    ("When is the project scheduled to start production?", {"date"}),
    ("What do they check when we apply?", set()),  # "when" as a conjunction asks no date
    ("Which agency issues the permit?", {"who"}),
])
def test_kinds(question, kinds):
    assert set(slots(question)) == kinds


def test_focus_is_the_thing_asked_about():
    assert slots("仙人岛港区去年完成的原油吞吐量是多少万吨？")["amount"] == ("吞吐量",)
    assert slots("辽宁鼎际得石化股份有限公司的董事长是谁？")["who"] == ("董事长",)
    # after the question word: the words it counts, past classifiers and quotation marks
    assert "巨人" in slots("有多少家国家级专精特新“小巨人”企业？")["amount"]


def test_a_sentence_about_the_subject_without_the_value_does_not_answer():
    q = "仙人岛港区30万吨原油码头去年完成的原油吞吐量是多少万吨？"
    assert not met(q, "仙人岛经济开发区拥有30万吨原油码头及配套工程。")
    assert met(q, "2022年原油吞吐量达到1500万吨。")


def test_the_unit_asked_for_must_be_stated():
    assert not met("出口总额是多少美元？", "出口总额占比达到12%。")
    assert met("出口总额是多少美元？", "出口总额达到3亿美元。")


def test_each_year_named_must_be_stated():
    q = "到2030年单位增加值能耗要比2020年下降百分之几？"
    assert not met(q, "到2030年，单位增加值能耗下降10%。")
    assert met(q, "到2030年，单位增加值能耗比2020年下降10%。")


def test_a_value_asked_of_a_year_is_stated_beside_that_year():
    q = "2022年营口市精细化工行业的总产值是多少亿元？"
    assert not met(q, "到2025年，全市精细化工行业实现总产值500亿元。")  # another year's value
    assert met(q, "2022年，全市精细化工行业实现总产值320亿元。")


def test_an_edition_or_a_baseline_year_need_not_stand_beside_the_value():
    assert met("根据2018年修正的环境影响评价法，未批先建罚款多少？", "处建设项目总投资额百分之一以上百分之五以下的罚款。")
    q = "与2020年相比，到2025年单位增加值能耗下降多少？"
    (amount,) = [s for s in asked_slots(q, jieba.lcut(q)) if s.kind == "amount"]
    assert amount.years == ("2025",) and amount.met_by("到2025年，单位增加值能耗下降10%。", jieba.lcut_for_search)


def test_a_span_of_time_is_a_number_with_its_unit_not_a_date():
    (slot,) = [s for s in asked_slots("How many days does the authority have to decide?", []) if s.kind == "amount"]
    assert not slot.met_by("本法自2018年1月1日起施行。", lambda w: [w])
    assert slot.met_by("应当自收到申请之日起六十日内作出决定。", lambda w: [w])
    (slot,) = [s for s in asked_slots("How many years is the permit valid?", []) if s.kind == "amount"]
    assert not slot.met_by("本条例自2021年3月1日起施行。", lambda w: [w])
    assert slot.met_by("排污许可证有效期为5年。", lambda w: [w])


def test_when_is_answered_by_a_time_limit_or_condition():
    q = "排污许可证什么时候要重新申请？"
    assert met(q, "排污许可证有效期届满，需要继续排放污染物的，应当重新申请。")
    assert not met(q, "排污单位应当依法申请排污许可证。")


@pytest.mark.parametrize("question, unit", [("How many people are employed in the industry?", "人"),
                                            ("How many foreign-invested chemical companies operate there?", "家"),
                                            ("How many tonnes of antioxidants a year?", "吨")])
def test_english_counts_ask_in_their_unit(question, unit):
    (slot,) = [s for s in asked_slots(question, question.split()) if s.kind == "amount"]
    assert slot.units == (unit,)
    other = "从业人员1.2万人。" if unit == "家" else "精细化工企业共有120家。"
    assert not slot.met_by(other, lambda w: [w]) and slot.met_by(f"共有120{unit}。", lambda w: [w])


@pytest.mark.parametrize("question, units", [("What VOC emission limit in mg/m3 applies to coating plants?", ("mg/m³", "毫克")),
                                             ("What is the fine in yuan for a late report?", ("元",)),
                                             ("How large is the park in square kilometres?", ("平方公里",)),
                                             ("How many days does the authority have to decide?", ("日", "天"))])
def test_english_units_asked_for(question, units):
    (slot,) = [s for s in asked_slots(question, question.split()) if s.kind == "amount"]
    assert slot.units == units


@pytest.mark.parametrize("question, kinds", [
    ("If a firm does not correct this within the deadline, what fine can it face?", {"money"}),
    ("What is the deadline for the application?", {"date"}),
    ("By 2025, by how much will the fine chemical industry cut energy use?", {"amount", "year"}),
    ("What fine-chemical products are encouraged?", set()),
    ("What rules apply to fine particulate matter?", set()),
    ("What penalty applies if a firm misses the deadline to correct?", set()),
    ("What’s the deadline?", {"date"}),
])
def test_english_fines_and_deadlines(question, kinds):
    assert {s.kind for s in asked_slots(question, question.split())} == kinds


@pytest.mark.parametrize("question", ["How much money do enterprises get?", "How much subsidy can firms receive?"])
def test_a_noun_after_a_verb_is_not_the_unit_asked(question):
    assert all(not s.units for s in asked_slots(question, question.split()))


@pytest.mark.parametrize("question, focus", [("Who is the current director of the zone?", "director"),
                                             ("How many people work there?", "people"),
                                             ("What was the total profit last year?", "profit"),
                                             ("Which products are encouraged?", ""),
                                             ("How many days does the authority have?", "")])
def test_english_focus(question, focus):
    from assistant.slots import english_focus

    assert english_focus(question) == focus


def test_an_address_needs_a_street_and_number():
    question = "仙人岛能源化工区管委会的办公地址在哪里？"
    (slot,) = [s for s in asked_slots(question, list(jieba.cut(question))) if s.kind == "address"]
    assert not slot.met_by("推动仙人岛建设全省重要高端精细化工产业基地。", lambda w: [w])
    assert slot.met_by("管委会位于仙人岛大街18号。", lambda w: [w])
