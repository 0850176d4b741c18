"""The eligibility check on a real index of corpus/ (the plan and its enterprise cards), with
the packaged rules: verdicts, the clauses behind them, parks, procedures and partners."""

import json
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.eligibility import EligibilityChecker, Project, format_report
from assistant.errors import InputError
from assistant.retrieval import Retriever
from assistant.rules import packaged_rules

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def checker(tmp_path_factory, e5):
    from indexing.pipeline import ingest

    settings = Settings(index_dir=tmp_path_factory.mktemp("elig") / "index", corpus_dir=ROOT / "corpus")
    ingest(settings, e5)
    with Retriever(settings, e5) as r:
        yield EligibilityChecker(r)


def grounded(report) -> None:
    """Every finding quotes its rule's text verbatim; every rule's own quote is checked verbatim
    against its document in test_rules."""
    rules = {r.id: r for r in packaged_rules().all}
    findings = [*report.reasons, *report.procedures, *(p.finding for p in report.parks if p.finding)]
    for f in findings:
        assert f.quote and f.quote in rules[f.rule.id].quote, (f.rule.id, f.quote)


def test_encouraged_product_with_its_clause_and_partners(checker):
    report = checker.check(Project("我们想在营口新建一套胺类抗氧剂和硫代酯类抗氧剂装置。"))
    assert report.verdict == "encouraged"
    assert report.reasons[0].rule.name == "抗氧剂" and "胺类抗氧剂" in report.reasons[0].quote
    assert report.partners  # companies the profiles list under 抗氧剂
    assert any("环境影响评价" in p.text for p in report.procedures)
    grounded(report)


def test_prohibited_when_the_description_names_what_a_rule_forbids(checker):
    report = checker.check(Project("一个高耗能、高排放的电石项目，想进化工园区。"))
    assert report.verdict == "prohibited"
    assert any("严禁产能过剩行业" in f.quote for f in report.reasons)
    assert not report.procedures  # no procedures for a project that may not be built
    grounded(report)


def test_english_description(checker):
    report = checker.check(Project("A foreign investor plans a plant for ethylene carbonate battery electrolyte solvents "
                                   "in Xianrendao.", foreign=True))
    assert report.verdict == "encouraged" and report.lang == "en"
    assert any("Foreign investment" in p.text for p in report.procedures)
    grounded(report)


def test_a_business_that_makes_nothing_is_not_covered(checker):
    report = checker.check(Project("A software company selling safety SaaS to chemical parks; a sales office, "
                                   "no production or storage of any chemicals."))
    assert report.verdict == "not_covered" and not report.reasons


def test_not_covered_says_so_and_cites_nothing(checker):
    report = checker.check(Project("想在鲅鱼圈开一家海鲜火锅店。"))
    assert report.verdict == "not_covered"
    assert not report.reasons and not report.procedures and not report.parks
    assert report.not_settled


def test_vague_description_asks_for_the_product(checker):
    report = checker.check(Project("想在营口投个化工厂。"))
    assert report.verdict == "permitted"
    assert report.questions and report.assumptions
    assert report.reasons and all(f.rule.kind == "general" for f in report.reasons)
    grounded(report)


def test_a_pasted_brief_is_checked_and_an_overlong_one_refused(checker):
    brief = "我们想在营口新建一套胺类抗氧剂装置。" + "项目背景：公司现有产品销往华北和东北，客户稳定。" * 30
    assert len(brief) > checker.retriever.settings.max_query_chars
    assert checker.check(Project(brief)).verdict == "encouraged"
    with pytest.raises(InputError, match="project description is 4500 characters long; keep it under 4000"):
        checker.check(Project("抗氧剂" * 1500))


@pytest.mark.parametrize("project, said, asked", [
    (Project("新建抗氧剂装置", park="深圳化工园"), "不是规划所列的化工园区", "拟入哪个园区"),
    (Project("A PBT plant", park="Dagushan"), "not one of the plan's chemical parks", "Which of the plan's parks"),
    (Project("在大石桥新建抗氧剂装置", park="仙人岛"), "按园区一栏判断", "请确认拟入园区"),
    (Project("扩建现有抗氧剂装置", new=True), "新建/扩建一栏与描述不一致", None),
    (Project("A chemical plant", product="Zylotex-900"), None, "“Zylotex-900”"),
])
def test_unknown_or_contradictory_fields_are_said_and_asked(checker, project, said, asked):
    report = checker.check(project)
    assert report.verdict in ("encouraged", "permitted")
    assert said is None or any(said in a for a in report.assumptions), report.assumptions
    assert asked is None or any(asked in q for q in report.questions), report.questions


def test_fields_that_agree_raise_nothing(checker):
    report = checker.check(Project("An antioxidant plant in Xianrendao", park="Xianrendao", new=True))
    assert not report.assumptions and not report.questions


def test_a_park_that_does_not_fit_is_named_with_its_positioning(checker):
    report = checker.check(Project("在仙人岛建设碳酸乙烯酯电解液溶剂项目", park="大石桥"))
    named = next(p for p in report.parks if "大石桥" in p.park)
    assert named.fits is not True and named.finding.rule.kind == "park"


def test_report_text_and_json(checker):
    report = checker.check(Project("我们想在营口新建抗氧剂项目"))
    text = format_report(report)
    assert text.startswith("结论：鼓励") and "《营口市精细化工产业发展规划》" in text
    data = json.loads(json.dumps(report.to_json(), ensure_ascii=False))
    assert data["verdict"] == "encouraged" and data["reasons"][0]["citation"]["quote"]


def test_a_check_takes_under_a_second(checker):
    checker.check(Project("warm up 抗氧剂"))
    started = time.perf_counter()
    for text in ("我们想新建抗氧剂项目", "A plant for PBT engineering plastics", "想开一家火锅店"):
        checker.check(Project(text))
    assert (time.perf_counter() - started) / 3 < 1.0


def test_gold_dev_split(checker):
    from evals.eligibility import run_eligibility_eval

    report = run_eligibility_eval(checker.retriever, ROOT / "evals" / "gold" / "eligibility.jsonl", "dev")
    assert report["overall"]["n"] == 236
    assert report["overall"]["verdict_accuracy"] >= 0.9  # the rules were shaped on this split


@pytest.mark.parametrize("text, rule, found", [
    ("Our pigment plant would be a few hundred metres from a primary school.", "soil-sensitive-neighbours",
     "hundred metres from a primary school"),
    ("An ink plant beside the village.", "soil-sensitive-neighbours", "beside the village"),
    ("The site is in the protection zone of a reservoir.", "drinking-water-source-zone",
     "protection zone of a reservoir"),
    ("Old gasifiers that are on the phase-out list, making syngas.", "obsolete-technology", "phase-out list"),
    ("An ink plant, not energy-intensive, next to a school.", "soil-sensitive-neighbours", "next to a school"),
])
def test_english_triggers_with_alternatives_and_gaps(checker, text, rule, found):
    report = checker.check(Project(text))
    assert report.verdict == "prohibited"
    reason = next(r for r in report.reasons if r.rule.id == rule)
    assert f"“{found}”" in reason.text  # the description's own words, not the trigger's pattern


@pytest.mark.parametrize("text", [
    "An antioxidant plant far from any residential area.",
    "An antioxidant plant, not located near any school or hospital.",
    "Antioxidants; the site isn’t near any village.",
    "Antioxidants; the plant is 800 metres from the nearest village.",
    "Antioxidants for plastics. Besides hospitals, our disinfectants serve food factories.",
    "A technical upgrade of our antioxidant line, replacing outdated equipment.",
    "Antioxidants, and algaecide for drinking water reservoirs.",
    "An antioxidant plant with two high-pressure reactors.",
    "Antioxidants; there are no schools, hospitals or residential areas within 3 km of the plot.",
])
def test_ordinary_english_descriptions_trigger_nothing(checker, text):
    report = checker.check(Project(text))
    assert report.verdict == "encouraged", [r.text for r in report.reasons]


@pytest.mark.parametrize("text", ["We will phase out the old catalysts and build an antioxidant plant.",
                                  "An antioxidant plant with high-efficiency pollution control.",
                                  "Antioxidants; the line runs at over 80% capacity.",
                                  "Antioxidants, with energy-saving, intensive land use."])
def test_english_triggers_need_their_words_together(checker, text):
    assert checker.check(Project(text)).verdict == "encouraged"


@pytest.mark.parametrize("text", ["a small leather tanning workshop", "an electroplating workshop for hardware"])
def test_english_triggers_match_by_stem_and_nearby_words(checker, text):
    assert checker.check(Project(text)).verdict == "prohibited"


@pytest.mark.parametrize("text", ["Nylon 66 fibres", "Nylon 66 fibers"])
def test_british_and_american_spellings_find_the_same_item(checker, text):
    report = checker.check(Project(text))
    assert report.verdict == "encouraged" and report.reasons[0].rule.name == "高性能纤维"


def test_the_quoted_sentence_is_the_one_naming_the_product(checker):
    report = checker.check(Project("We want to make latex wall paint and floor coatings."))
    assert report.reasons[0].rule.name == "涂料" and "乳胶漆" in report.reasons[0].quote


@pytest.mark.parametrize("text", ["我们的项目不属于高污染项目，计划新建抗氧剂装置。", "A plant for amine antioxidants; not energy-intensive.",
                                  "A high-quality, low-emission antioxidant plant."])
def test_negated_triggers_do_not_prohibit(checker, text):
    assert checker.check(Project(text)).verdict == "encouraged"


def test_outside_park_rules_do_not_apply_to_a_move_into_a_park(checker):
    report = checker.check(Project("园外企业搬迁入园，新建抗氧剂装置。"))
    assert all(f.rule.scope != "outside-park" for f in report.reasons)


def test_a_plant_outside_a_park_asking_whether_it_must_move_in_stays_outside(checker):
    report = checker.check(Project("Our antioxidant plant is not inside a chemical park. We want to add a reactor; "
                                   "do we have to move into a park first?"))
    assert report.verdict == "restricted" and any(f.rule.scope == "outside-park" for f in report.reasons)


@pytest.mark.parametrize("text, verdict", [
    ("Could we set up a bilingual kindergarten next to the residential compounds of the chemical zone?", "not_covered"),
    ("想在居民区旁边开一家幼儿园，服务化工园区职工子女。", "not_covered"),
    # a plant beside the school is still the risk the siting rules are about
    ("We would open an office and an ink plant next to a school.", "prohibited"),
    ("Set up a plating shop beside the village.", "prohibited"),
])
def test_siting_rules_are_about_plants_not_the_neighbours_themselves(checker, text, verdict):
    assert checker.check(Project(text)).verdict == verdict


@pytest.mark.parametrize("text, verdict", [
    # chemicals as the place, the customer or a mere input are not what a project makes
    ("We write SCADA software for chemical plants and want an office near the chemical park.", "not_covered"),
    ("A frozen seafood processing plant; the only chemicals we use are sanitiser tablets.", "not_covered"),
    ("想在化工园区门口开一家便利店，做化工厂员工的生意。", "not_covered"),
    ("A bonded warehouse for furniture, no processing or production of any kind.", "not_covered"),
    # a chemical the checker has no product word for is still a chemical project
    ("A liquid sodium silicate plant in one of the chemical parks.", "permitted"),
    # staying outside a park, said in other ways
    ("Our coatings factory is not in any chemical park; we'd rather not relocate into a park.", "restricted"),
    ("新建絮凝剂项目，想自选厂址，不进化工园区。", "restricted"),
    # the English side of the siting-distance and planning-EIA rules
    ("An LPG storage terminal, a major hazard installation, on the riverbank.", "restricted"),
    ("A perchloroethylene unit; the park says it is on their planning EIA negative list.", "prohibited"),
])
def test_what_a_project_is_and_where_it_stays(checker, text, verdict):
    report = checker.check(Project(text))
    assert report.verdict == verdict, [r.text for r in report.reasons]
    grounded(report)


@pytest.mark.parametrize("text, verdict, rule", [
    # neighbours said the Chinese way, and "far from them" said after them
    ("想在镇上弄个油漆调配车间，隔条马路就是镇中心小学。", "prohibited", "soil-sensitive-neighbours"),
    ("新建抗氧剂装置，园区离居民区也远。", "encouraged", None),
    # energy use by its sources, overcapacity in plain words; a park ban needs a park-bound project
    ("煤制乙二醇项目，年耗标准煤一百万吨，地方还没定。", "restricted", "two-high"),
    ("A coal-to-methanol project; we haven't chosen a site yet.", "restricted", "two-high"),
    ("想在仙人岛上个甲醇项目，国内装置开工也就六七成。", "prohibited", "park-entry-ban"),
    ("A urea plant in the coastal base, though urea plants run at about 65% of capacity.", "prohibited", "park-entry-ban"),
    # outside a park: a move said to be beyond reach, a distance to the nearest park
    ("厂子不在任何化工园区里，整体搬进园区短期内搬不动，想在原址扩建抗氧剂。", "restricted", "outside-park-relocation"),
    ("Our alkyd resin plant is 20 km from the nearest chemical park; we want to add two reactors.", "restricted",
     "outside-park-relocation"),
    # the rule's words said otherwise
    ("收了一套二手装置，这工艺国家早就点名不让用了。", "prohibited", "obsolete-technology"),
    ("Lead chromate pigments, in the 'restricted' section of the catalogue.", "prohibited",
     "restricted-prohibited-products"),
    ("An emulsion plant inside the reservoir's second-tier safeguard area.", "prohibited", "drinking-water-source-zone"),
    # abbreviations in a Chinese description
    ("想上个聚羧酸（PCE）母液项目，给搅拌站供货。", "encouraged", "专用建筑化学品"),
    ("搞个水处理药剂厂，主打PAC和PAM。", "encouraged", "环境污染处理专用药剂材料"),
    # shops and trading offices make nothing
    ("想在站前开个汽车美容店，顺带卖点玻璃水、防冻液。", "not_covered", None),
    ("在鲅鱼圈开个塑料颗粒贸易公司，不碰货不设仓库。", "not_covered", None),
])
def test_rules_said_in_investors_words(checker, text, verdict, rule):
    report = checker.check(Project(text))
    assert report.verdict == verdict, [r.text for r in report.reasons]
    assert rule is None or any(rule in (r.rule.id, r.rule.name) for r in report.reasons), [r.rule.id for r in report.reasons]
    grounded(report)


@pytest.mark.parametrize("text", [
    # schedules, shares, energy figures, replacements, site rules and markets are no rule's case
    "我们想在仙人岛能源化工区新建年产2万吨抗氧剂项目，明年开工，一半产品出口日韩。",
    "计划在营口经济技术开发区建厂，年产1万吨水性涂料，配套建设办公室、职工食堂和仓库。",
    "项目年综合能耗约800吨标准煤，在仙人岛能源化工区新建年产5000吨电子化学品。",
    "我们用水性涂料替代已被淘汰的溶剂型涂料，在园区内新建生产线。",
    "厂区严格禁止使用明火，项目为年产1万吨胶粘剂，入驻仙人岛能源化工区。",
    "厂址附近没有学校和居民区，项目为年产2万吨硅油，位于仙人岛能源化工区。",
    "产品是含氯医用消毒剂，主要销往周边地区的医院，计划在营口经济技术开发区新建工厂。",
    "目前在园区外租厂房小试，未来入园建设年产1万吨催化剂项目。",
    "厂址在仙人岛能源化工区，紧邻园区外环路，年产1万吨粉末涂料。",
    "We will build a new coatings facility and offices in the Yingkou development zone for waterborne coatings.",
    "Our boilers switched from coal to natural gas last year; we now want to expand our surfactant plant in the park.",
    "Is our product, a UV curing resin, on the restricted list? We plan a plant in Xianrendao.",
    "The site is outside the Yushi reservoir protection zone, in Xianrendao park; 5,000 t/a flame retardants.",
    "There is no parking problem at our site in the Yingkou development zone; we make 8,000 t/a of adhesives.",
    "The nearest nature reserve is 30 km from our site in Xianrendao park; we make 5,000 t/a of fragrances.",
    "We do not want a standalone site; we prefer Xianrendao park for our water treatment chemicals.",
    "Our old dye plant is outside the park; we can't wait to move into the park next year.",
])
def test_ordinary_descriptions_meet_no_rule(checker, text):
    report = checker.check(Project(text))
    assert report.verdict in ("encouraged", "permitted"), [r.text for r in report.reasons]


@pytest.mark.parametrize("text", ["我们在营口做铝合金型材深加工，不涉及化工，想问有什么政策。", "开一家漆器工艺品作坊，手工制作漆器摆件。",
                                  "新建碳酸饮料灌装厂，年产10万吨。", "我们是做钙片和维生素的保健品企业，想在营口建工厂。",
                                  "We plan a low-sodium soy sauce brewery in Yingkou.",
                                  "We are a pure trading business for epoxy resins and want to register in Yingkou."])
def test_businesses_outside_chemicals_are_not_covered(checker, text):
    assert checker.check(Project(text)).verdict == "not_covered"


@pytest.mark.parametrize("text, verdict, item", [
    # customers, uses and raw materials name other products than the project's
    ("想做工业级NMP，客户主要是正极涂布厂，还有部分医药、农药溶剂用户。", "permitted", None),
    ("年产2万吨无卤阻燃剂，主要是改性氢氧化镁和硼酸锌，原料菱镁矿就地取。", "encouraged", "新型环保阻燃材料"),
    # a business that produces nothing at all, whatever it serves
    ("我们是软件公司，为化工园区开发重大危险源在线监测平台，办公在写字楼，无任何生产活动。", "not_covered", None),
    # outside a park, in more words
    ("想在自己名下的工业用地上新建丙烯酸乳液厂，那块地不是化工园区。", "restricted", None),
    ("Floor coatings; rather than go into a chemical park, we'd build on land we own. It's not a chemical park.",
     "restricted", None),
])
def test_what_the_project_makes_and_where(checker, text, verdict, item):
    report = checker.check(Project(text))
    assert report.verdict == verdict, [r.text for r in report.reasons]
    assert item is None or report.reasons[0].rule.name == item
    grounded(report)


@pytest.mark.parametrize("text, verdict", [
    # a distance under 500 m is nearness; 800 m is not
    ("An ink plant; the nearest primary school is about 80 m across the road.", "prohibited"),
    ("涂料厂，离学校不到100米。", "prohibited"),
    ("An ink plant; the plant is 800 metres from the nearest village.", "permitted"),
    # outside a park said by what the site is
    ("A new wax emulsion plant in an ordinary industrial development zone; it isn't designated for chemicals.",
     "restricted"),
    ("Antioxidants; we'd prefer to avoid the chemical parks.", "restricted"),
    ("我们想新建水性涂料厂，不打算进化工园区。", "restricted"),
    ("A resin plant outside the chemical parks; moving into a park in the next few years is simply not realistic.",
     "restricted"),
    # what the product is not, what it is asked to count as, whom it serves
    ("拟建吸附分子筛项目，我们的产品不是催化剂。", "permitted"),
    ("UV photoinitiators for the UV-curing market (inks, wood coatings). Does our product come under coatings?",
     "permitted"),
    ("A 30 kta NMP plant plus a solvent recovery service for battery plants.", "permitted"),
    ("We plan a PCE superplasticiser plant. Our customers move to PCE since cement is such a carbon-intensive "
     "business.", "encouraged"),
    # a trading company registered, an industrial laundry
    ("We plan to register a trading company for antioxidants in Yingkou with just an office.", "not_covered"),
    ("An industrial laundry for chemical-protective suits; no chemical production of any kind.", "not_covered"),
])
def test_more_ways_investors_say_it(checker, text, verdict):
    report = checker.check(Project(text))
    assert report.verdict == verdict, [r.text for r in report.reasons]


@pytest.mark.parametrize("text, verdicts", [
    # a customer, a market, a raw material or a negation within its clause, not the product beside it
    ("We want to produce antioxidants for PP producers in the Xianrendao park.", "encouraged"),
    ("We will use local magnesite raw material to produce magnesium hydroxide flame retardant.", "encouraged"),
    ("生产不含甲醛的水性木器涂料，入驻大石桥化工园区。", "encouraged"),
    ("Our clients asked us to localise production, so we will build a flocculant plant in the Dashiqiao park.",
     "encouraged"),
    ("在仙人岛新建年产1万吨絮凝剂项目，这个算不算鼓励类？", "encouraged"),
    # a customer or a raw material does not hide the project's own risk
    ("销往东北三省，工厂在饮用水水源二级保护区内，年产5000吨油漆。", "prohibited"),
    ("新建油漆厂，原料仓库紧挨着镇中心小学。", "prohibited"),
    ("Our feedstock is methanol from our own coal gasification unit; we plan 20,000 t/a of formaldehyde resins.",
     "restricted"),
    # distances and lists of what is not near
    ("涂料厂在大石桥化工园区，距最近的村庄约3公里。", "encouraged"),
    ("抗氧剂装置在仙人岛能源化工区，周边1公里内无学校、医院和居民区。", "encouraged"),
    # avoiding delays is no avoiding parks; registering a company that produces is a plant
    ("We will build a coatings plant in the Dashiqiao park and want to avoid the park entry delays we had elsewhere.",
     "encouraged"),
    ("We will register a WFOE with its office in Yingkou and produce 5,000 t/a of antioxidants in Xianrendao.",
     "encouraged"),
    ("本项目不涉及生产废水外排，年产1万吨水性涂料，位于大石桥化工园区。", "encouraged"),
    ("We plan to register a sales office in Yingkou for our German coatings.", "not_covered"),
])
def test_a_clause_is_read_within_its_bounds(checker, text, verdicts):
    report = checker.check(Project(text))
    assert report.verdict == verdicts, [r.text for r in report.reasons]


def test_the_quote_shows_every_matched_product_word(checker):
    report = checker.check(Project("第四代聚丙烯催化剂和非邻苯类给电子体"))
    assert {"聚丙烯催化剂", "给电子体"} <= set(report.matched)
    assert all(w in report.reasons[0].quote for w in report.matched)
    grounded(report)


@pytest.mark.parametrize("text", ["想在营口开一家汽车维修店", "开一家酸菜鱼饭馆", "A semester-long training course",
                                  "We refinance equipment leases"])
def test_ordinary_businesses_are_not_chemical_projects(checker, text):
    assert checker.check(Project(text)).verdict == "not_covered"


@pytest.mark.parametrize("text, expected", [
    ("我们想在营口新建抗氧剂装置，能不能入园？", True),
    ("Can we build a PBT plant in Xianrendao?", True),
    ("化工园区准入条件是什么？", False),
    ("What is permitted in the coastal base?", False),
])
def test_which_chat_questions_get_the_check(text, expected):
    from assistant.eligibility import is_eligibility_question

    assert is_eligibility_question(text) is expected
