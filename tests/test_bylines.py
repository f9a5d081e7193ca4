"""Tests for newsspider.text.bylines, on strings taken from Daily8's pages (shared/site)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsspider.text.agencies import AGENCIES, canonical_agency
from newsspider.text.boilerplate import (
    PATTERNS,
    PUBLISHERS,
    BoilerplatePattern,
    apply_pattern,
    clean_article,
)
from newsspider.text.bylines import Byline, parse_byline
from newsspider.text.credits import Credit, parse_credit
from newsspider.text.names import display_name

# --------------------------------------------------------------------------- real strings

SEED_TITLE = "North Korea's Kim met Russia's top security official, state media say"
SEED_CAPTIONS = [
    "North Korean leader Kim Jong Un meets Russia's Secretary of the Security Council Sergei "
    "Shoigu (not pictured) in Pyongyang, North Korea, June 4, 2025, in this picture released by "
    "the Korean Central News Agency. KCNA via REUTERS/File Photo",
    "North Korean leader Kim Jong Un meets with Secretary of Russia's Security Council Sergei "
    "Shoigu, in Pyongyang, North Korea, June 17, 2025. KCNA via REUTERS",
]
SEED_PARAGRAPHS = [
    "SEOUL - North Korean leader Kim Jong Un on Tuesday met with Sergei Shoigu, secretary of "
    "Russia's Security Council, in Pyongyang, state media KCNA reported on Wednesday.",
    'Kim and Shoigu discussed cooperation plans for what Russia calls its "special military '
    'operation" in the Kursk region bordering Ukraine, the report said, confirming earlier '
    "reports of the meeting by Russian media.",
    'Plans to commemorate the "heroic feats" of North Korean soldiers in the operations in the '
    "Kursk region, a part of Russia which Ukrainian forces infiltrated last year, were also "
    "discussed during the meeting, KCNA said.",
    "North Korea will send thousands of military construction workers and sappers to the region "
    "to help rebuild it after the Ukrainian incursion that North Korean troops helped Moscow "
    "repel this year, Shoigu was cited as saying by the Russian state news agency TASS on "
    "Tuesday.",
]
SEED_LAST = (
    "His visit to Pyongyang and meeting with Kim came nearly two weeks after the last meeting "
    "with the leader of the reclusive state on June 4."
)
ST_TELEGRAM = "Join ST's Telegram channel and get the latest breaking news delivered to you."
SEED_BODY = [*SEED_CAPTIONS, *SEED_PARAGRAPHS, SEED_LAST + " REUTERS", ST_TELEGRAM]

ASIAONE_TITLE = (
    "Trump administration disbands group focused on pressuring Russia, sources say, World News"
)
ASIAONE_BODY = [
    "WASHINGTON — The Trump administration shelved in recent weeks an inter-agency working group "
    "it had set up to formulate strategies for pressuring Russia into speeding up peace talks "
    "with Ukraine, according to three US officials.",
    "The dissolution of the group also follows a March suspension of work by some US national "
    "security agencies on a coordinated effort to counter Russian sabotage and disinformation "
    "operations, Reuters reported at the time.",
    "The White House did not respond to a request for comment, nor did the Treasury Department, "
    "the State Department or the Pentagon. [[nid:719195]] The Ukrainian and Russian embassies in "
    "Washington also did not respond to requests for comment.",
    "'Deep frustration'",
    'NSC spokesman James Hewitt said in an April 1 statement to Reuters that there was a "deep '
    'frustration with the Russian government over negotiations."',
    "The Kazakhstani embassy in Washington did not respond to a request for comment.",
    "[[nid:718992]]",
    "editor@asiaone.com",
]

ST_BLOOMBERG = (
    "Mr Ishiba's predecessor Fumio Kishida and former South Korean President Yoon Suk Yeol "
    "developed close ties during their time in office, bringing a thaw in relations between the "
    "two nations after lingering tensions stemming from Japan's colonial rule over the Korean "
    "peninsula from 1910-1945. BLOOMBERG Join ST's Telegram channel and get the latest breaking "
    "news delivered to you."
)
STAR_COMPILED = (
    "Compiled by C. ARUNO, BENJAMIN LEE and R. ARAVINTHAN WHAT was marketed as an "
    "'uncirculated' RM100 banknote, which looks just like the legal tender, can be bought online "
    "for just 3.60 yuan (RM2), sparking fears that they will flood the local market, reported "
    "Sin Chew Daily."
)

# --------------------------------------------------------------------------- parse_byline

BYLINES: list[tuple[str, list[str], list[str], dict[str, list[str]]]] = [
    # real (shared/site/pages)
    (
        "By Manuela Andreoni and Alexander Villegas for Reuters",
        ["Manuela Andreoni", "Alexander Villegas"],
        ["Reuters"],
        {},
    ),
    (SEED_LAST + " REUTERS", [], ["Reuters"], {}),
    (ST_BLOOMBERG.removesuffix(" " + ST_TELEGRAM), [], ["Bloomberg"], {}),
    (
        "A Syrian woman takes a picture of the new national emblem of Syria during a drone show "
        "at Ummayad Square in Damascus. AFP",
        [],
        ["AFP"],
        {},
    ),
    (
        "WASHINGTON, June 8 (Reuters) - LGBTQ+ people will gather on Sunday at the Lincoln "
        "Memorial in Washington",
        [],
        ["Reuters"],
        {},
    ),
    (
        "NOGALES, Ariz. (AP) — President Donald Trump has thrust the military into a central role "
        "in deterring illegal crossings into the U.S. at its southern border.",
        [],
        ["AP"],
        {},
    ),
    (STAR_COMPILED, ["C. Aruno", "Benjamin Lee", "R. Aravinthan"], [], {}),
    # the forms the issue lists
    ("By John Smith", ["John Smith"], [], {}),
    ("By John Smith and Jane Doe", ["John Smith", "Jane Doe"], [], {}),
    ("By JOHN SMITH, Reuters", ["John Smith"], ["Reuters"], {}),
    (
        "By John Smith, Jane Doe and Bob Roe, Bloomberg News",
        ["John Smith", "Jane Doe", "Bob Roe"],
        ["Bloomberg"],
        {},
    ),
    ("By Rebecca Ratcliffe in Bangkok", ["Rebecca Ratcliffe"], [], {}),
    ("By Sarah Kim, CNN", ["Sarah Kim"], [], {}),
    ("By Tom Smith, Senior Political Correspondent", ["Tom Smith"], [], {}),
    ("By JOHN O'NEILL and AHMED AL-SAYED", ["John O'Neill", "Ahmed Al-Sayed"], [], {}),
    ("BY MARIA DE LA CRUZ", ["Maria de la Cruz"], [], {}),
    ("By Reuters Staff", [], ["Reuters"], {}),
    ("By AFP", [], ["AFP"], {}),
    (
        "Reporting by Hyonhee Shin in Seoul; Additional reporting by Josh Smith; "
        "Writing by Ed Davies; Editing by Kim Coghill and Michael Perry",
        ["Hyonhee Shin", "Ed Davies"],
        [],
        {
            "reporting": ["Hyonhee Shin"],
            "additional_reporting": ["Josh Smith"],
            "writing": ["Ed Davies"],
            "editing": ["Kim Coghill", "Michael Perry"],
        },
    ),
    (
        "(Reporting by Jane Doe in Washington and Ju-min Park in Tokyo; editing by Bill Berkrot)",
        ["Jane Doe", "Ju-min Park"],
        [],
        {"reporting": ["Jane Doe", "Ju-min Park"], "editing": ["Bill Berkrot"]},
    ),
    (
        "The attack killed two people, the ministry said. (Reporting by Jane Doe; Editing by "
        "Bob Roe)",
        ["Jane Doe"],
        [],
        {"reporting": ["Jane Doe"], "editing": ["Bob Roe"]},
    ),
    (
        "--With assistance from Jane Doe and John Roe.",
        [],
        [],
        {"additional_reporting": ["Jane Doe", "John Roe"]},
    ),
    ("REUTERS", [], ["Reuters"], {}),
    ("AFP", [], ["AFP"], {}),
    ("BLOOMBERG", [], ["Bloomberg"], {}),
    ("AFP, REUTERS", [], ["AFP", "Reuters"], {}),
    ("- Reuters", [], ["Reuters"], {}),
    ("(with newswires)", [], [], {}),
    ("(With inputs from PTI)", [], ["PTI"], {}),
    ("The talks will resume next week, officials said. (with AFP)", [], ["AFP"], {}),
    ("(رويترز)", [], ["Reuters"], {}),
    ("(أ ف ب)", [], ["AFP"], {}),
    ("- واس", [], ["SPA"], {}),
    ("وام", [], ["WAM"], {}),
    (
        "وأضاف المسؤول لصحافيين أن إسرائيل وافقت على دخول محدود لقوات الأمن (رويترز)",
        [],
        ["Reuters"],
        {},
    ),
    ("وأعلنت الوزارة أن الاجتماع سيعقد الأسبوع المقبل. - واس", [], ["SPA"], {}),
    ("دبي - وام: أعلنت وزارة الخارجية اليوم عن", [], ["WAM"], {}),
    ("ABU DHABI, 5th June, 2025 (WAM) -- The UAE President received", [], ["WAM"], {}),
    # names that are also places or words stay names inside a byline
    ("By Jordan Brown", ["Jordan Brown"], [], {}),
    ("Reporting by Sydney Young", ["Sydney Young"], [], {"reporting": ["Sydney Young"]}),
    ("By Petra Kvitova", ["Petra Kvitova"], [], {}),
    # issue 16: sign-offs and bare bylines that credit a person
    (
        "Offenders serving their sentences in the community can now be issued a tracking device. "
        "Aslam Shah reports.",
        ["Aslam Shah"],
        [],
        {},
    ),
    ("Will Leitch at The Washington Post", ["Will Leitch"], [], {}),
]


@pytest.mark.parametrize(("text", "authors", "agencies", "roles"), BYLINES)
def test_parse_byline(
    text: str, authors: list[str], agencies: list[str], roles: dict[str, list[str]]
) -> None:
    assert parse_byline(text) == Byline(authors, agencies, roles)


MISFIRES = [
    # real sentences that mention an agency or start like a byline
    SEED_PARAGRAPHS[0],  # "... state media KCNA reported on Wednesday."
    SEED_PARAGRAPHS[1],  # "Kim and Shoigu discussed ..."
    SEED_PARAGRAPHS[2],  # "... KCNA said."
    SEED_PARAGRAPHS[3],  # "... the Russian state news agency TASS on Tuesday."
    ASIAONE_BODY[1],  # "... Reuters reported at the time."
    ASIAONE_BODY[4],  # "... statement to Reuters that ..."
    "Trump had scrapped the idea of a call with Musk and was even thinking of ditching the red "
    "Tesla he bought at the height of their bromance, White House officials told AFP.",
    "AFP journalists heard violent, sustained explosions in Jerusalem and Tel Aviv, and sirens "
    "sounded in several parts of the country to warn of incoming Iranian missiles.",
    "Iran has told mediators Qatar and Oman that it is not open to negotiating a ceasefire with "
    "the US while it is under Israeli attack, an official briefed on the communications told "
    "Reuters on Sunday.",
    "Reuters was unable to verify DHS's accounts.",
    "Los Angeles mayor Karen Bass has criticised the Trump administration for provoking chaos in "
    "the city through its recent immigration raids. Video: Reuters",
    "Blue Origin via AP",
    SEED_CAPTIONS[1],  # "... KCNA via REUTERS" is a photo credit, not a sign-off
    "ABILENE, Texas () – A bill set to be heard by the Judiciary and Jurisprudence Committee at "
    "the Texas House is sparking criticism from small business owners across the state.",
    "SIOUX FALLS S.D. (KELO) — Here are this morning's top stories with KELOLAND On the Go.",
    "LOS ANGELES -Federal agents in Los Angeles faced off against demonstrators for a second day "
    "in a row on Saturday (June 7) following immigration raids a day earlier, prompting a senior "
    'White House official to call the protests a "violent insurrection."',
    "وأضاف المسؤول، الذي طلب عدم الكشف عن اسمه، لصحافيين: «في ضوء استمرار حالة عدم الاستقرار "
    "في جنوب غرب سوريا»، وفق ما نقلته وكالة «رويترز» للأنباء.",
    'يأتي تقرير "Reuters Digital News Report 2025"، الصادر عن معهد رويترز لدراسة الصحافة',
    "With the two sides at an impasse, DHL Express Canada has said it will shut down operations "
    "across the country.",
    # bylines in form only
    "By the end of the year, prices rose",
    "By Tuesday, the Trump administration had changed course.",
    "By Jordan Brown's own account, the deal collapsed.",
    "By Christmas Eve, the shops were empty.",
    "By Monday Night",
    "by John Smith",
    "Reporting by the Moscow newsroom",
    "By John Smith WASHINGTON - The Senate voted on Tuesday.",
    "Photo: AFP",
    "Getty Images",
]


@pytest.mark.parametrize("text", MISFIRES)
def test_parse_byline_does_not_misfire(text: str) -> None:
    assert parse_byline(text) == Byline()


# --------------------------------------------------------------------------- names, agencies

NAMES = [
    ("JEON HEON-KYUN", "Jeon Heon-kyun"),
    ("LEE JAE-MYUNG", "Lee Jae-myung"),
    ("JOHN O'NEILL", "John O'Neill"),
    ("MCDONALD", "McDonald"),
    ("RONALD MCDONALD", "Ronald McDonald"),
    ("AHMED AL-SAYED", "Ahmed Al-Sayed"),
    ("AL-SAYED", "Al-Sayed"),
    ("JEAN-PIERRE DUPONT", "Jean-Pierre Dupont"),
    ("JAN VAN DER BERG", "Jan van der Berg"),
    ("MARIA DE LA CRUZ", "Maria de la Cruz"),
    ("MOHAMMED BIN SALMAN", "Mohammed bin Salman"),
    ("GUSTAVO BASSO", "Gustavo Basso"),
    ("C. ARUNO", "C. Aruno"),
    ("MARTIN LUTHER KING JR.", "Martin Luther King Jr."),
    ("jane doe", "Jane Doe"),
    # mixed case is left as written
    ("RJ Sangosti", "RJ Sangosti"),
    ("Ahmed al-Sayed", "Ahmed al-Sayed"),
    ("Kim Hye-Kyung", "Kim Hye-Kyung"),
    ("Ursula von der Leyen", "Ursula von der Leyen"),
    ("  John   Smith ", "John Smith"),
    ("محمد علي", "محمد علي"),
    ("", ""),
]


@pytest.mark.parametrize(("raw", "shown"), NAMES)
def test_display_name(raw: str, shown: str) -> None:
    assert display_name(raw) == shown


@pytest.mark.parametrize(
    ("name", "canonical"),
    [
        ("REUTERS", "Reuters"),
        ("Reuters", "Reuters"),
        ("رويترز", "Reuters"),
        ("(AFP)", "AFP"),
        ("A.F.P.", "AFP"),
        ("أ ف ب", "AFP"),
        ("ا.ف.ب", "AFP"),
        ("فرانس برس", "AFP"),
        ("The Associated Press", "AP"),
        ("أسوشيتد برس", "AP"),
        ("BLOOMBERG", "Bloomberg"),
        ("Korean Central News Agency", "KCNA"),
        ("وام", "WAM"),
        ("واس", "SPA"),
        ("DPA", "dpa"),
        ("ITAR-TASS", "TASS"),
        ("Getty Images", "Getty Images"),
        ("Straits Times", None),
        ("Pool", None),
        ("newswires", None),
        ("", None),
    ],
)
def test_canonical_agency(name: str, canonical: str | None) -> None:
    assert canonical_agency(name) == canonical


def test_agency_list_covers_the_issue() -> None:
    wanted = {
        *("Reuters", "AFP", "AP", "Bloomberg", "KCNA", "Yonhap", "Xinhua", "Kyodo", "Bernama"),
        *("WAM", "SPA", "Anadolu", "dpa", "EFE", "EPA", "ANSA", "PTI", "ANI", "IANS", "AAP"),
        *("PA", "UPI", "TASS", "Interfax", "NHK", "Sputnik", "MENA", "QNA", "KUNA", "BNA"),
        *("ONA", "Petra", "SANA", "IRNA", "CNA", "Antara", "RIA Novosti", "Getty Images"),
    }
    assert wanted <= set(AGENCIES)
    assert all(canonical_agency(name) == name for name in AGENCIES)


# --------------------------------------------------------------------------- parse_credit

CREDITS: list[tuple[str, Credit]] = [
    (
        SEED_CAPTIONS[0],
        Credit(
            agencies=["KCNA"],
            via="Reuters",
            file_photo=True,
            caption=SEED_CAPTIONS[0].removesuffix(" KCNA via REUTERS/File Photo"),
        ),
    ),
    (
        "FILE PHOTO: South Korean President Lee Jae-myung (C) and his wife Kim Hye-Kyung (L) "
        "arrive for a ceremony to mark the 70th Memorial Day at the Seoul National Cemetery in "
        "Seoul, South Korea, 06 June 2025. JEON HEON-KYUN/Pool via REUTERS/File Photo",
        Credit(
            photographer="Jeon Heon-kyun",
            via="Reuters",
            pool=True,
            file_photo=True,
            caption="South Korean President Lee Jae-myung (C) and his wife Kim Hye-Kyung (L) "
            "arrive for a ceremony to mark the 70th Memorial Day at the Seoul National Cemetery "
            "in Seoul, South Korea, 06 June 2025.",
        ),
    ),
    (
        "Traces are seen in the sky after Iran's armed forces say they targeted The Al-Udeid base "
        "in a missile attack, as seen from Doha, on June 23. PHOTO: REUTERS",
        Credit(
            agencies=["Reuters"],
            caption="Traces are seen in the sky after Iran's armed forces say they targeted The "
            "Al-Udeid base in a missile attack, as seen from Doha, on June 23.",
        ),
    ),
    ("PHOTO: REUTERS", Credit(agencies=["Reuters"])),
    ("PHOTO: REUTERS/AFP", Credit(agencies=["Reuters", "AFP"])),
    (
        "Almost 7 million hectares of tropical pristine forests was lost in 2024, with Brazil "
        "unable to contain fires in the Amazon. File photo. Photo: AFP / GUSTAVO BASSO",
        Credit(
            photographer="Gustavo Basso",
            agencies=["AFP"],
            file_photo=True,
            caption="Almost 7 million hectares of tropical pristine forests was lost in 2024, "
            "with Brazil unable to contain fires in the Amazon.",
        ),
    ),
    (
        "RNZ's AM transmission towers in West Auckland are used by 15 radio stations. "
        "Photo / Michael Craig",
        Credit(
            photographer="Michael Craig",
            caption="RNZ's AM transmission towers in West Auckland are used by 15 radio stations.",
        ),
    ),
    (
        "Oriini Kaipara (left) and Peeni Henare. Photo: YouTube / Newshub, RNZ / Angus Dreaver",
        Credit(
            photographer="Angus Dreaver",
            agencies=["YouTube", "Newshub", "RNZ"],
            caption="Oriini Kaipara (left) and Peeni Henare.",
        ),
    ),
    (
        "Palestinians queue to fill up on drinking water in the sweltering heat in the Mawasi "
        "area of Khan Yunis in the southern Gaza Strip on 12 August, 2025. Photo: AFP",
        Credit(
            agencies=["AFP"],
            caption="Palestinians queue to fill up on drinking water in the sweltering heat in "
            "the Mawasi area of Khan Yunis in the southern Gaza Strip on 12 August, 2025.",
        ),
    ),
    ("Photo: RNZ / Nick Monro", Credit(photographer="Nick Monro", agencies=["RNZ"])),
    (
        "Protesters march in Tehran (Photo: AFP)",
        Credit(agencies=["AFP"], caption="Protesters march in Tehran"),
    ),
    ("Reuters/Handout", Credit(agencies=["Reuters"], handout=True)),
    ("Handout via REUTERS", Credit(via="Reuters", handout=True)),
    (
        "Ukrainian Presidential Press Service/Handout via REUTERS",
        Credit(agencies=["Ukrainian Presidential Press Service"], via="Reuters", handout=True),
    ),
    (
        "Mikal Bridges of the New York Knicks during Game One. | Credit: Getty Images",
        Credit(
            agencies=["Getty Images"],
            caption="Mikal Bridges of the New York Knicks during Game One.",
        ),
    ),
    (
        # Daily8 dropped the credit and ran the next headline in
        "Mikal Bridges of the New York Knicks during Game One of the team's playoff series "
        "against the Boston Celtics. | Credit:'The New York Knicks should be America's team'",
        Credit(
            caption="Mikal Bridges of the New York Knicks during Game One of the team's playoff "
            "series against the Boston Celtics."
        ),
    ),
    ("AFP PHOTO / STR", Credit(agencies=["AFP"])),
    (
        "Soldiers in Kyiv. AFP PHOTO / GENYA SAVILOV",
        Credit(photographer="Genya Savilov", agencies=["AFP"], caption="Soldiers in Kyiv."),
    ),
    (
        "Lee Jae-myung at the summit (EPA-EFE/Yonhap)",
        Credit(agencies=["EPA", "EFE", "Yonhap"], caption="Lee Jae-myung at the summit"),
    ),
    ("Photo: Bloomberg", Credit(agencies=["Bloomberg"])),
    (
        "A motorcyclist drives down the highway on June 23, 2020 outside of Redstone, Colorado. "
        "RJ Sangosti/The Denver Post via Getty Images",
        Credit(
            photographer="RJ Sangosti",
            agencies=["The Denver Post"],
            via="Getty Images",
            caption="A motorcyclist drives down the highway on June 23, 2020 outside of "
            "Redstone, Colorado.",
        ),
    ),
    (
        "Residents wade through a flooded street after heavy rains in Dagupan City, Pangasinan "
        "province, north of Manila on July 24, 2025. – AFP photo",
        Credit(
            agencies=["AFP"],
            caption="Residents wade through a flooded street after heavy rains in Dagupan City, "
            "Pangasinan province, north of Manila on July 24, 2025.",
        ),
    ),
    (
        "Spirit Airlines recently emerged from bankruptcy. Getty Images",
        Credit(
            agencies=["Getty Images"], caption="Spirit Airlines recently emerged from bankruptcy."
        ),
    ),
    ("Blue Origin via AP", Credit(agencies=["Blue Origin"], via="AP")),
    (
        "FILE PHOTO: A view of the Kremlin in Moscow, Russia.",
        Credit(file_photo=True, caption="A view of the Kremlin in Moscow, Russia."),
    ),
    (
        "The Minister of Trade, Industry and Competition, Parks Tau, said South Africa welcomed "
        "this indication. Image: Independent Media Archives",
        Credit(
            agencies=["Independent Media Archives"],
            caption="The Minister of Trade, Industry and Competition, Parks Tau, said South "
            "Africa welcomed this indication.",
        ),
    ),
    (
        "'His service weapon was recovered at the scene Image: Thobile Mathonsi/Independent Media",
        Credit(
            photographer="Thobile Mathonsi",
            agencies=["Independent Media"],
            caption="'His service weapon was recovered at the scene",
        ),
    ),
    (
        "Tear gas fills Los Angeles streets as protesters clash with police. Video: Reuters",
        Credit(
            agencies=["Reuters"],
            caption="Tear gas fills Los Angeles streets as protesters clash with police.",
        ),
    ),
    (
        "A house in Napier fully ablaze on Sunday night. Video / Supplied",
        Credit(handout=True, caption="A house in Napier fully ablaze on Sunday night."),
    ),
    (
        "إحدى جلسات الاستماع في مجلس النواب حول مشروع قانون الإيجار القديم (رويترز)",
        Credit(
            agencies=["Reuters"],
            caption="إحدى جلسات الاستماع في مجلس النواب حول مشروع قانون الإيجار القديم",
        ),
    ),
]

NO_CREDIT = [
    "Scotty Stevenson and Israel Dagg host Sport Nation's breakfast show, which broadcasts on "
    "1476AM in Auckland.",
    "Federal agents conduct immigration operations outside a Home Depot in the Westlake District "
    "of Los Angeles. June 6, 2025.",
    "KCAL News",
    "Kim Jong Un (L) meets Sergei Shoigu in Pyongyang",
    "Cabinet 8 is a hidden bar located inside a 'neighbourhood cafe' serving coffee and "
    "cocktails on tap during the day.",
    "Residents wade through a flooded street. Dagupan City",
    "The president spoke to reporters. Nick Monro",
    "",
]


@pytest.mark.parametrize(("caption", "credit"), CREDITS)
def test_parse_credit(caption: str, credit: Credit) -> None:
    assert parse_credit(caption) == credit


@pytest.mark.parametrize("caption", NO_CREDIT)
def test_parse_credit_without_credit(caption: str) -> None:
    assert parse_credit(caption) == Credit(caption=caption)


# --------------------------------------------------------------------------- clean_article


def test_clean_seed_article() -> None:
    cleaned = clean_article(SEED_TITLE, SEED_BODY, "Straits Times")
    assert cleaned.title == SEED_TITLE
    # captions keep their credits (parse_credit's job); only the sign-off and trailer go
    assert cleaned.body == [*SEED_CAPTIONS, *SEED_PARAGRAPHS, SEED_LAST]
    assert cleaned.authors == []
    assert cleaned.agencies == ["Reuters"]
    assert cleaned.contributors == {}
    assert cleaned.source_link is None
    assert sorted(cleaned.fired) == ["byline/glued_sign_off", "straits_times/telegram_channel"]


def test_clean_asiaone_article() -> None:
    cleaned = clean_article(ASIAONE_TITLE, ASIAONE_BODY, "AsiaOne")
    assert cleaned.title == ASIAONE_TITLE.removesuffix(", World News")
    assert cleaned.body == [
        ASIAONE_BODY[0],
        ASIAONE_BODY[1],
        ASIAONE_BODY[2].replace(" [[nid:719195]]", ""),
        ASIAONE_BODY[3],
        ASIAONE_BODY[4],
        ASIAONE_BODY[5],
    ]
    # "Reuters reported at the time" and "a statement to Reuters" credit nobody
    assert (cleaned.authors, cleaned.agencies) == ([], [])
    assert sorted(cleaned.fired) == [
        "asiaone/editor_email",
        "asiaone/nid_marker",
        "asiaone/nid_marker",
        "asiaone/title_section_suffix",
    ]


def test_clean_asiaone_without_source_line() -> None:
    # Daily8 shows some AsiaOne pages without a header: the CMS markers still go
    cleaned = clean_article(ASIAONE_TITLE, ASIAONE_BODY, None)
    assert not any("[[nid:" in p or "asiaone.com" in p for p in cleaned.body)
    assert cleaned.title.endswith("sources say")


def test_clean_flattened_related_article() -> None:
    cleaned = clean_article("Japan, South Korea pledge closer ties", [ST_BLOOMBERG], None)
    assert cleaned.body == [ST_BLOOMBERG.split(" BLOOMBERG")[0]]
    assert cleaned.agencies == ["Bloomberg"]
    assert cleaned.fired == ["straits_times/telegram_channel", "byline/glued_sign_off"]


def test_clean_bylines_and_wire_tail() -> None:
    body = [
        "By Manuela Andreoni and Alexander Villegas for Reuters",
        "Massive fires fueled by climate change led global forest loss to smash records in 2024, "
        "according to a new report.",
        "Loss of tropical pristine forests alone reached 6.7 million hectares.",
        "(Reporting by Jake Spring in Sao Paulo; Editing by Bill Berkrot)",
        "(with newswires)",
    ]
    cleaned = clean_article("Amazon fires drive unprecedented global forest loss", body, "RNZ News")
    assert cleaned.body == body[1:3]
    assert cleaned.authors == ["Manuela Andreoni", "Alexander Villegas", "Jake Spring"]
    assert cleaned.agencies == ["Reuters"]
    assert cleaned.contributors == {"reporting": ["Jake Spring"], "editing": ["Bill Berkrot"]}
    assert cleaned.fired == ["byline/by_line", "byline/wire_tail", "byline/with_wires"]


def test_clean_glued_capitals_byline() -> None:
    cleaned = clean_article("Counterfeit 'RM100' notes?", [STAR_COMPILED], "The Star")
    assert cleaned.body == [STAR_COMPILED.split("ARAVINTHAN ", 1)[1]]
    assert cleaned.authors == ["C. Aruno", "Benjamin Lee", "R. Aravinthan"]


def test_source_is_not_an_agency() -> None:
    body = ["LGBTQ+ people will gather on Sunday at the Lincoln Memorial in Washington."]
    assert clean_article("Rally", body, "Reuters").agencies == []
    assert clean_article("Rally", body, "Bloomberg").agencies == []
    assert clean_article("Rally", ["Chloe Teo reports."], "CNA").agencies == []


def test_dateline_credits_agency_and_keeps_text() -> None:
    lead = "WASHINGTON, June 8 (Reuters) - LGBTQ+ people will gather on Sunday."
    cleaned = clean_article("Rally", [lead], "Reuters")
    assert cleaned.body == [lead]
    assert cleaned.agencies == ["Reuters"]
    assert cleaned.fired == []


def test_arabic_sign_off_removed() -> None:
    body = ["وأعلنت الوزارة أن الاجتماع سيعقد الأسبوع المقبل في الرياض. (رويترز)", "(أ ف ب)"]
    cleaned = clean_article("عنوان", body, "الشرق الأوسط")
    assert cleaned.body == ["وأعلنت الوزارة أن الاجتماع سيعقد الأسبوع المقبل في الرياض."]
    assert cleaned.agencies == ["Reuters", "AFP"]


def test_publisher_patterns_apply_to_their_source_only() -> None:
    body = ["Top stories", "Sign up to What's On", "The article text."]

    def fired(source: str | None) -> list[str]:
        # generic chrome (newsspider.text.chrome) takes what no publisher pattern took
        return clean_article("T", body, source).fired

    assert fired("Straits Times") == ["straits_times/top_stories_heading", "chrome/promo"]
    assert fired("The Guardian") == ["chrome/heading", "guardian/newsletter_signup"]
    assert fired(None) == fired("Yahoo") == ["chrome/heading", "chrome/promo"]
    assert clean_article("T", body, None).body == body[2:]


def test_source_name_matching_ignores_case_and_spacing() -> None:
    assert clean_article("T", ["Top stories"], "  straits   times ").body == []


def test_tail_pattern_drops_the_rest() -> None:
    body = [
        "The China Swimming Association did not immediately respond to a request for comment.",
        "Top stories",
        "Swipe. Select. Stay informed.",
        "Singapore Singapore to train more aviation and maritime officials from around the world",
        "Singapore Special edition SG60 Nets card now on sale for $10",
    ]
    cleaned = clean_article("Chinese swimmers dope-tested the most", body, "Straits Times")
    assert cleaned.body == body[:1]
    assert cleaned.fired == [
        "straits_times/top_stories_heading",
        "straits_times/top_stories_widget",
    ]


def test_source_link() -> None:
    body = [
        "The central African nation has asked the ICJ to issue orders.",
        "Read more on RFI English",
    ]
    cleaned = clean_article("France, Eq. Guinea to clash at UN top court", body, "RFI")
    assert cleaned.body == body[:1]
    assert cleaned.source_link == "RFI English"
    assert cleaned.fired == ["any/read_more_on"]


def test_fired_once_per_removal() -> None:
    body = ["One. [[nid:1]] Two. [[nid:2]] Three.", "[[nid:3]]"]
    cleaned = clean_article("T", body, "AsiaOne")
    assert cleaned.body == ["One. Two. Three."]
    assert cleaned.fired == ["asiaone/nid_marker"] * 3


def test_empty_paragraphs_dropped_and_whitespace_tidied() -> None:
    cleaned = clean_article("  A   title ", ["", "   ", "Some\n  text."], None)
    assert (cleaned.title, cleaned.body) == ("A title", ["Some text."])


@pytest.mark.parametrize(
    "suffix",
    [
        "World News",
        "Singapore News",
        "Asia News",
        "Entertainment News",
        "Business News",
        "Lifestyle News",
        "Digicult News",
        "Malaysia News",
    ],
)
def test_asiaone_title_suffixes(suffix: str) -> None:
    assert clean_article(f"Some headline, {suffix}", [], "AsiaOne").title == "Some headline"


def test_title_suffix_needs_the_comma() -> None:
    assert clean_article("Sky News", [], None).title == "Sky News"


# --------------------------------------------------------------------------- boilerplate data

EXAMPLES = [(p, e) for p in PATTERNS for e in p.examples]


def test_patterns_are_well_formed() -> None:
    keys = [p.key for p in PATTERNS]
    assert len(keys) == len(set(keys))
    assert "any" in PUBLISHERS
    for pattern in PATTERNS:
        assert pattern.examples, f"{pattern.key} has no example"
        assert pattern.publisher in PUBLISHERS
        if pattern.publisher != "any":
            assert PUBLISHERS[pattern.publisher], f"{pattern.publisher} lists no source names"


@pytest.mark.parametrize(("pattern", "example"), EXAMPLES, ids=[f"{p.key}" for p, _ in EXAMPLES])
def test_pattern_example(pattern: BoilerplatePattern, example: str) -> None:
    match = pattern.regex.search(example)
    assert match is not None
    if pattern.hint is not None:
        assert pattern.hint in example.casefold()

    left, count, _ = apply_pattern(pattern, example)
    assert count >= 1
    if pattern.remove == "span":
        assert pattern.regex.search(left or "") is None
        if match.group(0).strip():
            assert match.group(0).strip() not in (left or "")
    else:
        assert left is None

    # and through clean_article, for an article of that publisher
    names = PUBLISHERS[pattern.publisher]
    source = names[0] if names else None
    after = "A paragraph of the article that follows."
    if pattern.target == "title":
        cleaned = clean_article(example, [], source)
        assert cleaned.title != example
    else:
        cleaned = clean_article("Title", [example, after], source)
        assert after in cleaned.body if pattern.remove != "tail" else after not in cleaned.body
        if pattern.remove != "span":
            assert example not in cleaned.body
    assert pattern.key in cleaned.fired


@pytest.mark.parametrize(
    "pattern", [p for p in PATTERNS if not p.any_source], ids=lambda p: str(p.key)
)
def test_gated_pattern_ignores_other_sources(pattern: BoilerplatePattern) -> None:
    example = pattern.examples[0]
    if pattern.target == "title":
        cleaned = clean_article(example, [], "Some Other Paper")
    else:
        cleaned = clean_article("Title", [example], "Some Other Paper")
    assert pattern.key not in cleaned.fired


# --------------------------------------------------------------------------- properties

MARKER_RE = re.compile(
    r"^\W*(?:by|reporting|additional|further|writing|editing|compiled|written|words|text|story|"
    r"report|interview|with|article)\b",
    re.IGNORECASE,
)
# The grammar's forms without a leading marker: a bare byline ("Jane Doe, Reuters", "A and B at
# The Hill") and a closing "X reports."; generated text of that shape is a byline.
BARE_FORM_RE = re.compile(
    # Names (listed with spaces, commas or "and"), then an employer: a bare byline.
    r"^[A-Z][\w.'-]*(?:,? (?:and )?[A-Z][\w.'-]*)+,?(?: at| for)? [A-Z][\w.'-]*"
    r"(?: [A-Z][\w.'-]*)*(?: -|[.;:,])?$"
    r"|\breport(?:s|ed)\.$|\breporting\b.* for [A-Z]"
)
PROSE_WORDS = [
    "Reuters",
    "REUTERS",
    "said",
    "AFP",
    "reported",
    "the",
    "agency",
    "by",
    "By",
    "news",
    "News",
    "Agency",
    "Bloomberg",
    "KCNA",
    "TASS",
    "statement",
    "to",
    "in",
    "and",
    "on",
    "Tuesday",
    "John",
    "Smith",
    "Jordan",
    "Sydney",
    "Kim",
    "Shoigu",
    "Reporting",
    "Editing",
    "told",
    "via",
]
word = st.one_of(st.sampled_from(PROSE_WORDS), st.from_regex(r"[A-Z][a-z]{1,9}", fullmatch=True))
prose = st.lists(
    st.tuples(word, st.sampled_from(["", "", "", ",", ".", ";", " -", ":"])), min_size=1
).map(lambda ws: " ".join(w + p for w, p in ws))


@given(prose)
def test_prose_yields_no_authors_without_a_marker(text: str) -> None:
    if not MARKER_RE.match(text) and not BARE_FORM_RE.search(text):
        assert parse_byline(text).authors == []
        assert clean_article("T", [text], None).authors == []


@given(
    st.lists(st.sampled_from(["the", "said", "reported", "news", "in", "on", "Tuesday", "Kim"]))
    .map(" ".join)
    .map(lambda t: t + ".")
)
def test_prose_without_agency_names_yields_no_agencies(text: str) -> None:
    assert parse_byline(text) == Byline()


@given(st.text())
def test_parsers_never_raise(text: str) -> None:
    parse_byline(text)
    parse_credit(text)
    display_name(text)
    canonical_agency(text)


@given(
    st.text(),
    st.lists(st.text(), max_size=6),
    st.one_of(st.none(), st.text(), st.sampled_from(["Straits Times", "AsiaOne", "CNN"])),
)
def test_clean_article_never_raises(title: str, body: list[str], source: str | None) -> None:
    cleaned = clean_article(title, body, source)
    assert all(p and p == p.strip() for p in cleaned.body)


@given(
    st.lists(
        st.sampled_from(
            [
                ST_TELEGRAM,
                "Top stories",
                "Advertisement",
                "REUTERS",
                "[[nid:42]]",
                "Read more",
                "The story goes on.",
                "By Jane Doe",
                SEED_LAST + " AFP",
                "editor@asiaone.com",
            ]
        ),
        max_size=12,
    ),
    st.sampled_from(["Straits Times", "AsiaOne", None]),
)
def test_clean_article_is_idempotent(body: list[str], source: str | None) -> None:
    once = clean_article("T", body, source)
    twice = clean_article("T", once.body, source)
    assert twice.body == once.body
    assert twice.fired == []


@given(st.from_regex(r"[A-Z][A-Z'-]{0,8}(?: [A-Z][A-Z'-]{0,8}){1,3}", fullmatch=True))
@settings(max_examples=200)
def test_display_name_is_stable(name: str) -> None:
    shown = display_name(name)
    assert display_name(shown) == shown
    assert shown.casefold() == name.casefold()


# --------------------------------------------------------------------------- speed


def test_clean_article_is_fast() -> None:
    body = (SEED_BODY + ASIAONE_BODY + [ST_BLOOMBERG, STAR_COMPILED]) * 3  # ~60 paragraphs
    clean_article(SEED_TITLE, body, "Straits Times")
    start = time.perf_counter()
    for _ in range(50):
        clean_article(SEED_TITLE, body, "Straits Times")
    per_article = (time.perf_counter() - start) / 50
    assert per_article < 0.02, f"{per_article * 1000:.1f} ms per article"
