import pytest

from saglam.core.text import fold, phonetic


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Aliyev", "Əliyev"),
        ("ALIYEV", "Əliyev"),
        ("aliyev", "ƏLİYEV"),
        ("Ismayilov", "İsmayılov"),
        ("Guliyev", "Gülıyev"),
        ("Sukurov", "Şükürov"),
        ("Cafarov", "Cəfərov"),
        ("Oruc", "Oruc"),
    ],
)
def test_fold_makes_azerbaijani_letters_and_case_equal(typed: str, stored: str) -> None:
    assert fold(typed) == fold(stored)


def test_fold_transliterates_cyrillic() -> None:
    assert fold("Алиев") == "aliev"


@pytest.mark.parametrize(
    "variants",
    [
        ("Əliyev", "Aliyev", "Aliev", "Алиев", "Əliyeva"),
        ("Hüseynov", "Huseynov", "Guseynov", "Гусейнов"),
        ("Məmmədov", "Mammadov", "Mamedov"),
        ("Qasımov", "Gasimov", "Kasumov"),
        ("Cəfərov", "Jafarov", "Джафаров"),
        ("Şahin", "Shahin", "Sahin"),
    ],
)
def test_phonetic_key_joins_transliterations(variants: tuple[str, ...]) -> None:
    assert len({phonetic(v) for v in variants}) == 1


def test_phonetic_key_keeps_different_names_apart() -> None:
    assert phonetic("Məmmədov") != phonetic("Əliyev")
    assert phonetic("Həsənov") != phonetic("Hüseynov")
