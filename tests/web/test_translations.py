"""The web UI speaks Azerbaijani and Russian completely: every text the templates and the web
modules hand to gettext has a translation in both catalogues, with the same placeholders, and
every value a template translates (enum values, reasons, the profile's names) is in
saglam.web.vocabulary, so a new status cannot reach a page untranslated."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any, get_args

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from jinja2 import Environment, nodes
from sqlalchemy.orm import Session

from saglam.care.enums import EncounterClass, EncounterStatus, ReferralStatus
from saglam.core.message import Message
from saglam.core.security import Role
from saglam.country.profile import Level, load_profile, profile_table
from saglam.facilities.enums import EquipmentStatus, FacilityStatus, LifecycleEvent
from saglam.insurance.enums import REASON_TEXT, ClaimStatus, LineOutcome, Payer, PeriodStatus
from saglam.patients.enums import MatchKind, PatientStatus
from saglam.patients.enums import Sex as PatientSex
from saglam.web import render, vocabulary
from saglam.web.i18n import LANGUAGES, LOCALE_DIR, helpers
from saglam.web.nav import ITEMS
from saglam.workforce.enums import EmploymentRole
from saglam.workforce.enums import Sex as PractitionerSex
from tests.factories import make_user
from tests.web.test_session import _login

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "src" / "saglam" / "web" / "templates"
TRANSLATED = ("az", "ru")
PLURAL_FORMS = {"az": 2, "ru": 3}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@cache
def extracted() -> dict[str, tuple[str, ...]]:
    """msgid → its forms, found as `make messages` finds them (babel.cfg's map and keywords)."""
    with (ROOT / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle, "babel.cfg")
    found: dict[str, tuple[str, ...]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        forms = (message,) if isinstance(message, str) else tuple(message)
        found[forms[0]] = forms
    return found


@cache
def catalogue(language: str) -> Catalog:
    with (LOCALE_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def test_the_texts_are_found_in_templates_and_in_python() -> None:
    found = extracted()
    assert "Find a patient" in found  # a template
    assert "Audit trail" in found  # nav.py, marked with N_()
    assert "Registration clerk" in found  # session.py
    assert "Choose a reason code from the list." in found  # routes/insurance.py
    assert "pended" in found and "Central district hospital" in found  # vocabulary.py
    assert found["%(num)d patient found"] == ("%(num)d patient found", "%(num)d patients found")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_has_a_finished_translation(language: str) -> None:
    catalog = catalogue(language)
    assert catalog.num_plurals == PLURAL_FORMS[language]
    missing, fuzzy = [], []
    for msgid, forms in extracted().items():
        message = catalog.get(msgid)
        if message is None:
            missing.append(msgid)
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if len(forms) > 1:
            assert len(strings) == catalog.num_plurals, msgid
        if not all(s.strip() for s in strings):
            missing.append(msgid)
        if message.fuzzy:
            fuzzy.append(msgid)
    assert not missing, f"{language}: {len(missing)} texts without a translation: {missing[:20]}"
    assert not fuzzy, f"{language}: fuzzy translations to check: {fuzzy[:20]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_every_placeholder(language: str) -> None:
    catalog = catalogue(language)
    problems = [(str(message.id), [str(e) for e in errors]) for message, errors in catalog.check()]
    assert not problems, problems
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set().union(*(_placeholders(i) for i in ids))
        for text in strings:
            assert _placeholders(text) == expected, (message.id, text)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_language_names_stay_in_their_own_language(language: str) -> None:
    catalog = catalogue(language)
    for name in LANGUAGES.values():
        message = catalog.get(name)
        assert message is None or message.string == name


PROFILE = load_profile("azerbaijan")
VOCABULARY: dict[str, tuple[tuple[str, ...], set[str]]] = {
    "sex": (vocabulary.SEX, {s.value for s in PatientSex} | {s.value for s in PractitionerSex}),
    "match": (vocabulary.MATCH_KINDS, {m.value for m in MatchKind}),
    "facility status": (vocabulary.FACILITY_STATUSES, {s.value for s in FacilityStatus}),
    "lifecycle": (vocabulary.LIFECYCLE_EVENTS, {e.value for e in LifecycleEvent}),
    "equipment status": (vocabulary.EQUIPMENT_STATUSES, {s.value for s in EquipmentStatus}),
    "job": (vocabulary.EMPLOYMENT_ROLES, {r.value for r in EmploymentRole}),
    "encounter class": (vocabulary.ENCOUNTER_CLASSES, {c.value for c in EncounterClass}),
    "encounter status": (vocabulary.ENCOUNTER_STATUSES, {s.value for s in EncounterStatus}),
    "referral status": (vocabulary.REFERRAL_STATUSES, {s.value for s in ReferralStatus}),
    "payer": (vocabulary.PAYERS, {p.value for p in Payer}),
    "claim status": (vocabulary.CLAIM_STATUSES, {s.value for s in ClaimStatus}),
    "line outcome": (vocabulary.LINE_OUTCOMES, {o.value for o in LineOutcome}),
    "payment month": (vocabulary.PERIOD_STATUSES, {s.value for s in PeriodStatus}),
    "level": (vocabulary.FACILITY_LEVELS, set(get_args(Level))),
    "reason": (vocabulary.REASONS, set(REASON_TEXT.values())),
    "facility type": (vocabulary.FACILITY_TYPES, {t.name_en for t in PROFILE.facility_types}),
    "profession": (vocabulary.PROFESSIONS, {p.name_en for p in PROFILE.professions}),
    "specialty": (vocabulary.SPECIALTIES, {s.name_en for s in PROFILE.specialties}),
    "equipment": (vocabulary.EQUIPMENT_TYPES, {e.name_en for e in PROFILE.equipment_types}),
    "patient status": (vocabulary.PATIENT_STATUSES, {s.value for s in PatientStatus}),
    "sex and age rule": (
        vocabulary.SEX_AGE_RULES,
        {r.message_en for r in profile_table("azerbaijan", "sex_age_rules")},
    ),
    "category": (
        vocabulary.INSURANCE_CATEGORIES,
        {c.name_en for c in PROFILE.insurance_categories},
    ),
}


@pytest.mark.parametrize("kind", sorted(VOCABULARY))
def test_the_vocabulary_lists_every_value_a_template_translates(kind: str) -> None:
    listed, values = VOCABULARY[kind]
    assert set(listed) == values, f"add to saglam/web/vocabulary.py: {sorted(values - set(listed))}"


# --- texts a template hands to something that translates them -------------------------------

_JINJA = Environment(autoescape=True, extensions=["jinja2.ext.i18n"])  # parsed, never rendered


def _translated_names(tree: nodes.Node) -> set[str]:
    """Variables a piece of template passes straight to _(): ``_(label)``."""
    return {
        call.args[0].name
        for call in tree.find_all(nodes.Call)
        if isinstance(call.node, nodes.Name)
        and call.node.name in ("_", "gettext")
        and call.args
        and isinstance(call.args[0], nodes.Name)
    }


def _literal(node: nodes.Node) -> list[str]:
    return [node.value] if isinstance(node, nodes.Const) and isinstance(node.value, str) else []


def handed_to_translation() -> set[str]:
    """Literal texts passed to a macro parameter the macro translates (``f.input("x", "Actor")``),
    or looped over as a literal list whose items are translated: the extractor cannot see these,
    so vocabulary.py lists them."""
    trees = [_JINJA.parse(path.read_text()) for path in sorted(TEMPLATES.rglob("*.html"))]
    params: dict[str, dict[str, int]] = {}
    for tree in trees:
        for macro in tree.find_all(nodes.Macro):
            names = _translated_names(macro)
            params[macro.name] = {a.name: i for i, a in enumerate(macro.args) if a.name in names}
    texts: set[str] = set()
    for tree in trees:
        for call in tree.find_all(nodes.Call):
            callee: Any = call.node
            name = callee.attr if isinstance(callee, nodes.Getattr) else getattr(callee, "name", "")
            for param, position in params.get(name, {}).items():
                if position < len(call.args):
                    texts.update(_literal(call.args[position]))
                for keyword in call.kwargs:
                    if keyword.key == param:
                        texts.update(_literal(keyword.value))
        for loop in tree.find_all(nodes.For):
            if not isinstance(loop.iter, nodes.List | nodes.Tuple):
                continue
            names = _translated_names(loop)
            target: Any = loop.target
            targets = target.items if isinstance(target, nodes.Tuple) else [target]
            for index, variable in enumerate(targets):
                if variable.name in names:
                    for item in loop.iter.items:
                        value = item.items[index] if isinstance(item, nodes.Tuple) else item
                        texts.update(_literal(value))
    return texts


def test_texts_handed_to_translating_macros_are_extracted_too() -> None:
    texts = handed_to_translation()
    assert {"Actor", "Choose a role", "Outpatient visit", "At least 8 characters."} <= texts
    missing = texts - set(extracted())
    assert not missing, f"add to TEMPLATE_TEXTS in saglam/web/vocabulary.py: {sorted(missing)}"


# --- pages -----------------------------------------------------------------------------------

HEADINGS = {
    "az": {
        "/login": "Saglam sisteminə giriş",
        "/patients": "Xəstə axtarışı",
        "/facilities": "Tibb müəssisələri",
        "/dashboard": "Milli göstəricilər paneli",
    },
    "ru": {
        "/login": "Вход в Saglam",
        "/patients": "Поиск пациента",
        "/facilities": "Медицинские учреждения",
        "/dashboard": "Национальная панель показателей",
    },
}


def _h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, flags=re.S)
    assert found, html[:500]
    return found.group(1).strip()


def _nav_links(html: str) -> list[str]:
    found = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', html, flags=re.S)
    assert found
    return [text.strip() for text in re.findall(r"<a [^>]*>([^<]*)</a>", found.group(1))]


@pytest.mark.parametrize("language", TRANSLATED)
def test_pages_speak_the_chosen_language(
    client: TestClient, session: Session, language: str
) -> None:
    client.get(f"/language/{language}")
    login = client.get("/login")
    assert f'<html lang="{language}">' in login.text
    assert _h1(login.text) == HEADINGS[language]["/login"]
    assert "Log in to Saglam" not in login.text
    make_user(session, "aysel", Role.ADMIN)
    _login(client, "aysel")
    english = {item.label for item in ITEMS}
    for path in ("/patients", "/facilities", "/dashboard"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert _h1(page.text) == HEADINGS[language][path]
        links = _nav_links(page.text)
        assert len(links) == len(ITEMS)  # an administrator sees every screen
        assert not english & set(links), (path, links)
        assert catalogue(language).get("Patients").string in links
    facilities = client.get("/facilities").text
    # The profile's reference names: Azerbaijani from the profile, Russian from the catalogue.
    expected = {"az": "Mərkəzi rayon xəstəxanası", "ru": "Центральная районная больница"}
    assert expected[language] in facilities and "Central district hospital" not in facilities


# --- what gettext makes of values and Messages --------------------------------------------------


def test_text_the_catalogue_does_not_know_is_escaped_once() -> None:
    say = helpers("en")["_"]
    assert say("<b>Tom & Jerry</b>") == "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;"
    assert say("Find a patient") == "Find a patient"


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_message_is_translated_with_its_values_escaped_and_its_words_translated(
    language: str,
) -> None:
    say = helpers(language)["_"]
    refused = Message("'%(code)s' is not an ICD-10 code", code="<script>")
    template = catalogue(language).get(refused.template).string
    assert str(say(refused)) == template.replace("%(code)s", "&lt;script&gt;")
    nested = Message("claim %(id)s is %(status)s", id=7, status=Message("pended"))
    words = catalogue(language).get(nested.template).string % {
        "id": 7,
        "status": catalogue(language).get("pended").string,
    }
    assert str(say(nested)) == words


def test_chart_labels_reach_the_script_as_words_not_entities(
    client: TestClient, session: Session
) -> None:
    """The dashboard hands its labels to the chart script as JSON: a translated or escaped label
    must arrive as the words ("Children's hospital"), not as HTML entities."""
    template = render._ENV.from_string("{{ [_(name)|plain, _(name)]|tojson }}")
    as_json, as_html = json.loads(template.render(**helpers("en"), name="Children's hospital"))
    assert as_json == "Children's hospital" and as_html == "Children&#39;s hospital"
    make_user(session, "analyst-en", Role.MINISTRY_ANALYST)
    _login(client, "analyst-en")
    page = client.get("/dashboard")
    charts = re.findall(
        r'<script type="application/json" id="chart-[^"]+">(.*?)</script>', page.text
    )
    labels = [str(x) for chart in charts for x in json.loads(chart)["labels"]]
    assert labels and not [label for label in labels if "&#" in label or "&amp;" in label]
