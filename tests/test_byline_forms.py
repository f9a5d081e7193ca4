"""Generated tables for the byline and credit forms of issue 16 items 2-3: Arabic bylines,
generic and named Arabic sign-offs, Arabic caption credits, `Photographer/Org`,
`Name-USA TODAY Sports`, `Agency for Client`, `Article By` and all-caps surnames.

The names, places and captions are combined so that each form is read over many inputs, not
only the issue's examples; the negatives are the same words in prose.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

import pytest

from newsspider.text.agencies import canonical_agency
from newsspider.text.boilerplate import clean_article
from newsspider.text.bylines import Byline, FoundKind, parse_byline, scan_line
from newsspider.text.credits import parse_credit
from newsspider.text.names import display_name

DATA = Path(__file__).resolve().parents[1] / "newsspider" / "text" / "data"
AR_FIRST = ["محمد", "أحمد", "سارة", "فاطمة", "عبد الله", "يوسف", "ليلى", "خالد"]
AR_LAST = ["علي", "حسن", "محمود", "الحربي", "بن سلمان", "العتيبي", "منصور"]
AR_NAMES = [f"{f} {s}" for f, s in itertools.product(AR_FIRST, AR_LAST)]
AR_PLACES = ["القاهرة", "الرياض", "دبي", "بيروت", "عمان"]
AR_SENTENCE = "وقال المتحدث باسم الوزارة إن الاجتماع سيعقد الأسبوع المقبل"


def _arabic_aliases() -> list[tuple[str, str]]:
    with (DATA / "agencies.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return [
        (alias, entry["name"])
        for entry in data["agency"]
        if not entry.get("photo_only", False)
        for alias in entry.get("aliases", [])
        if any("\u0600" <= c <= "\u06ff" for c in alias)
    ]


AR_ALIASES = _arabic_aliases()


def test_registry_has_the_arabic_names_of_the_wires() -> None:
    for alias, name in [
        ("رويترز", "Reuters"),
        ("أ ف ب", "AFP"),
        ("أ.ف.ب", "AFP"),
        ("الفرنسية", "AFP"),
        ("أ ب", "AP"),
        ("أسوشيتد برس", "AP"),
        ("د ب أ", "dpa"),
        ("الألمانية", "dpa"),
        ("وام", "WAM"),
        ("واس", "SPA"),
        ("قنا", "QNA"),
        ("كونا", "KUNA"),
        ("أ ش أ", "MENA"),
        ("الأناضول", "Anadolu"),
        ("شينخوا", "Xinhua"),
        ("الأوروبية", "EPA"),
        ("غيتي", "Getty Images"),
    ]:
        assert canonical_agency(alias) == name, alias


@pytest.mark.parametrize(
    ("marker", "sep"),
    [
        ("بقلم", ": "),
        ("بقلم", " "),
        ("بقلم", " - "),
        ("كتب", " - "),
        ("كتب", ": "),
        ("كتبت", ": "),
        ("كتبت", " — "),
        ("إعداد", ": "),
    ],
)
def test_arabic_bylines(marker: str, sep: str) -> None:
    for i, name in enumerate(AR_NAMES):
        line = f"{marker}{sep}{name}"
        if i % 3 == 1:
            line += f" - {AR_PLACES[i % len(AR_PLACES)]}"
        assert parse_byline(line) == Byline(authors=[name]), line
    two = f"{marker}{sep}{AR_NAMES[0]} و{AR_NAMES[9]}"
    assert parse_byline(two).authors == [AR_NAMES[0], AR_NAMES[9]]


@pytest.mark.parametrize(
    "line",
    [
        "كتب الرئيس على حسابه في تويتر أن الاتفاق بات قريبا",
        "كتب محمد علي رسالة إلى الوزير قبل أسبوع",
        "كتبت الصحيفة في افتتاحيتها أن الحكومة أخطأت",
        "بقلم رصاص كتب الطفل اسمه على الجدار",
        "كتب: الرئيس في رسالته إلى المؤتمر",
        "المصدر الذي طلب عدم الكشف عن اسمه قال إن المحادثات مستمرة",
        "وكالات الأنباء العالمية نقلت الخبر صباح اليوم",
        "قالت وكالة رويترز إن المحادثات مستمرة",
    ],
)
def test_arabic_prose_is_not_a_byline(line: str) -> None:
    assert parse_byline(line) == Byline()
    assert scan_line(line) is None or scan_line(line).byline == Byline()  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "form", ["{s} ({a})", "{s} - ({a})", "{s}. ({a})", "{s} - {a}", "({a})", "{s} -({a})"]
)
def test_arabic_agency_sign_offs(form: str) -> None:
    for alias, name in AR_ALIASES:
        line = form.format(s=AR_SENTENCE, a=alias)
        assert parse_byline(line).agencies == [name], line


@pytest.mark.parametrize("form", ["({w})", "{s} ({w})", "{s} - {w}", "{s}. ({w})"])
@pytest.mark.parametrize("wires", ["وكالات", "وكالات الأنباء"])
def test_arabic_generic_wires_are_cut_without_an_agency(form: str, wires: str) -> None:
    line = form.format(s=AR_SENTENCE, w=wires)
    found = scan_line(line)
    assert found is not None and found.kind is FoundKind.WITH_WIRES, line
    assert found.byline == Byline()
    cleaned = clean_article("T", [line], None)
    assert all(wires not in p for p in cleaned.body)


@pytest.mark.parametrize(
    ("line", "agencies"),
    [
        ("المصدر : الجزيرة + وكالات", []),
        ("المصدر : الجزيرة + الفرنسية", ["AFP"]),
        ("المصدر : الجزيرة + رويترز + الأناضول", ["Reuters", "Anadolu"]),
        ("المصدر: رويترز", ["Reuters"]),
        ("المصدر : الجزيرة نت", []),
    ],
)
def test_al_jazeera_source_line(line: str, agencies: list[str]) -> None:
    found = scan_line(line)
    assert found is not None and found.cut == (0, len(line))
    assert found.byline.agencies == agencies


AR_CAPTIONS = [
    "متظاهرون في أحد شوارع القاهرة",
    "جانب من الاجتماع الوزاري في الرياض",
    "رجال الإنقاذ ينتشلون جثة على الشاطئ",
]


def test_arabic_caption_credits() -> None:
    outlets = ["الشرق الأوسط", "الجزيرة", "مواقع التواصل", "بيكسلز"]
    for caption, (alias, name) in itertools.product(AR_CAPTIONS, AR_ALIASES):
        credit = parse_credit(f"{caption} ({alias})")
        assert credit.agencies == [name] and credit.caption == caption, alias
    for caption, outlet in itertools.product(AR_CAPTIONS, outlets):
        credit = parse_credit(f"{caption} ({outlet})")
        assert credit.agencies == [outlet] and credit.caption == caption
        archived = parse_credit(f"{caption} ({outlet}-أرشيف)")
        assert archived.agencies == [outlet] and archived.file_photo


@pytest.mark.parametrize(
    "caption",
    [
        "ذهب المهاجرون إلى إزمير (غربي تركيا)",
        "تحدث في مقابلة مع التلفزيون الرسمي (في القاهرة)",
    ],
)
def test_arabic_remarks_in_parentheses_are_not_credits(caption: str) -> None:
    credit = parse_credit(caption)
    assert credit.agencies == [] and credit.caption == caption


PERSONS = [
    "Phando Jikelo",
    "OJ Koloti",
    "Jake Roth",
    "Kirby Lee",
    "Ayanda Ndamane",
    "Mary Altaffer",
]
ORGS = ["RSA Parliament", "Independent Media Archives", "Gallo Images", "Western Cape Government"]


def test_photographer_slash_organisation() -> None:
    for person, org in itertools.product(PERSONS, ORGS):
        for text in (f"{person}/{org}", f"The minister speaks. {person}/{org}"):
            credit = parse_credit(text)
            assert credit.photographer == person and credit.agencies == [org], text
        assert parse_credit(f"{org}/{person}").photographer == person


@pytest.mark.parametrize("outlet", ["USA TODAY Sports", "Imagn Images", "USA TODAY NETWORK"])
def test_photographer_hyphen_outlet(outlet: str) -> None:
    for person in PERSONS:
        for text in (
            f"Mandatory Credit: {person}-{outlet}",
            f"The quarterback throws a pass. Mandatory Credit: {person}-{outlet}",
        ):
            credit = parse_credit(text)
            assert credit.photographer == person and credit.agencies == [outlet], text
            assert "Mandatory" not in credit.caption


@pytest.mark.parametrize(
    "client", ["Mercedes-Benz Fashion Week", "Netflix", "IMG", "The Recording Academy"]
)
def test_getty_images_for_a_client(client: str) -> None:
    for person in PERSONS[:3]:
        credit = parse_credit(f"Guests arrive. ({person}/Getty Images for {client})")
        assert credit.photographer == person and credit.agencies == ["Getty Images"]
    assert parse_credit(f"Guests arrive. (Getty Images for {client})").agencies == ["Getty Images"]


@pytest.mark.parametrize("form", ["(File/{a})", "(File/{a} - image credit)", "({a}/File)"])
def test_file_credits(form: str) -> None:
    for agency in ["Getty Images", "AFP", "Reuters", "The Canadian Press"]:
        credit = parse_credit("Players skate during practice. " + form.format(a=agency))
        assert credit.agencies == [agency] and credit.file_photo, form


@pytest.mark.parametrize("marker", ["Article By", "Article by", "ARTICLE BY"])
def test_article_by(marker: str) -> None:
    assert parse_byline(f"{marker} Jane Doe").authors == ["Jane Doe"]
    got = parse_byline(f"{marker} Jane Doe and Ali Hassan, Reuters")
    assert got.authors == ["Jane Doe", "Ali Hassan"] and got.agencies == ["Reuters"]
    assert parse_byline(f"The {marker.lower()} Jane Doe wrote was long.").authors == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Christophe ARCHAMBAULT", "Christophe Archambault"),
        ("Jean-Pierre MULLER", "Jean-Pierre Muller"),
        ("Ludovic MARIN", "Ludovic Marin"),
        ("Sean O'KANE", "Sean O'Kane"),
        ("Jeon HEON-KYUN", "Jeon Heon-kyun"),
        ("OJ Koloti", "OJ Koloti"),
        ("Louis XIV", "Louis XIV"),
        ("Patrick T. FALLON", "Patrick T. Fallon"),
    ],
)
def test_all_caps_surname_in_a_mixed_case_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown
    assert parse_credit(f"A crowd gathers. ({raw}/AFP)").photographer == shown


CAPTION = "Protesters gather outside parliament on Tuesday, May 6, 2025."
LABELS = ["Photo by {c}", "(Photo by {c})", "Photographer: {c}", "Image source, {c}", "Credit:{c}"]


@pytest.mark.parametrize("label", LABELS)
def test_credit_labels(label: str) -> None:
    for person, org, expected in [
        ("Matt McClain", "The Washington Post", "The Washington Post"),
        ("Simon Dawson", "Bloomberg", "Bloomberg"),
        ("Ben Birchall", "PA Media", "PA"),
        ("Jane Barlow", "REUTERS", "Reuters"),
    ]:
        for glue in (" ", ""):
            text = CAPTION + glue + label.format(c=f"{person}/{org}")
            credit = parse_credit(text)
            assert credit.photographer == person and credit.agencies == [expected], text
            assert credit.caption == CAPTION


@pytest.mark.parametrize("outlet", ["The Washington Post", "The New York Times", "Bloomberg News"])
def test_photographer_for_an_outlet(outlet: str) -> None:
    for person in PERSONS:
        credit = parse_credit(f"{CAPTION} (Photo by {person} for {outlet})")
        assert credit.photographer == person
        assert credit.agencies == [canonical_agency(outlet) or outlet]
        lower = outlet.replace("The ", "the ")
        freelance = parse_credit(f"{CAPTION} (Photo by {person}/For {lower})")
        assert freelance.photographer == person
        assert freelance.agencies == [canonical_agency(outlet) or outlet]


def test_arabic_photo_label() -> None:
    for alias, name in AR_ALIASES:
        assert parse_credit(f"تصوير : {alias}").agencies == [name], alias


@pytest.mark.parametrize("place", ["Nekemte, Ethiopia", "Lagos, Nigeria", "Kampala", "Cape Town"])
@pytest.mark.parametrize(
    ("written", "agency"), [("AFP", "AFP"), ("Reuters", "Reuters"), ("Xinhua", "Xinhua")]
)
def test_bar_datelines(place: str, written: str, agency: str) -> None:
    line = f"{place} | {written} | Residents scrambled for hygiene products on Friday."
    found = scan_line(line)
    assert found is not None and found.kind is FoundKind.DATELINE and found.cut is None
    assert found.byline.agencies == [agency]
    assert parse_byline(f"{place} | Sports | Residents scrambled on Friday.") == Byline()


def test_arabic_byline_slot_between_bars() -> None:
    for alias, name in AR_ALIASES[:12]:
        line = f"السبت 25-07-2015 18:20 | كتب: {alias} |"
        assert parse_byline(line).agencies == [name], alias
    for name in AR_NAMES[:10]:
        assert parse_byline(f"الأحد 12-03-2024 | كتب: {name} |").authors == [name]
    assert parse_byline("الأحد 12-03-2024 | رياضة | محلي") == Byline()
