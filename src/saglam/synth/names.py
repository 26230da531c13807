"""Name pools for people: given names and family roots from Faker's az_AZ data, weighted so
that the commonest names are common, as they are in life."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
from faker.providers.person.az_AZ import Provider

from saglam.core.text import fold, phonetic
from saglam.synth.rand import zipf_weights

#: The commonest Azerbaijani surnames (male forms) lead the list; Faker's follow.
COMMON_SURNAMES = (
    "Məmmədov", "Əliyev", "Həsənov", "Hüseynov", "Quliyev", "İsmayılov", "Abbasov", "Rzayev",
    "İbrahimov", "Cəfərov", "Babayev", "Rəhimov", "Kərimov", "Qasımov", "Səfərov", "Mustafayev",
    "Nəsirov", "Əhmədov", "Orucov", "Süleymanov", "Vəliyev", "Bağırov", "Musayev", "Sadıqov",
    "Novruzov", "Zeynalov", "Şükürov", "Paşayev", "Əsədov", "Hacıyev",
)  # fmt: skip


def female_form(male: str) -> str:
    """Əliyev → Əliyeva, Məhərrəmoğlu → Məhərrəmqızı; -li/-zadə names have one form."""
    if male.endswith("oğlu"):
        return male[: -len("oğlu")] + "qızı"
    if male.endswith(("ov", "ev", "yev", "in")):
        return male + "a"
    return male


@dataclass(frozen=True)
class NamePool:
    male_given: np.ndarray
    female_given: np.ndarray
    male_given_p: np.ndarray
    female_given_p: np.ndarray
    surname_male: np.ndarray
    surname_female: np.ndarray
    surname_p: np.ndarray
    keys: dict[str, tuple[str, str]]

    def key(self, name: str) -> tuple[str, str]:
        found = self.keys.get(name)
        if found is None:
            found = (fold(name), phonetic(name))
        return found

    def keys_of(self, names: list[str]) -> tuple[list[str], list[str]]:
        """The folded keys and the sound keys of ``names``, as two columns."""
        pairs = [self.key(name) for name in names]
        return [k for k, _ in pairs], [p for _, p in pairs]


@cache
def name_pool() -> NamePool:
    roots = list(
        dict.fromkeys([*COMMON_SURNAMES, *Provider.last_names_male, *Provider.last_names_unisex])
    )
    male = np.array(roots, dtype=object)
    female = np.array([female_form(r) for r in roots], dtype=object)
    male_given = np.array(sorted(set(Provider.first_names_male)), dtype=object)
    female_given = np.array(sorted(set(Provider.first_names_female)), dtype=object)
    rng = np.random.default_rng(20240101)
    male_p = zipf_weights(len(male_given), 0.9)[rng.permutation(len(male_given))]
    female_p = zipf_weights(len(female_given), 0.9)[rng.permutation(len(female_given))]
    everything = [*male, *female, *male_given, *female_given]
    keys = {name: (fold(name), phonetic(name)) for name in everything}
    return NamePool(
        male_given,
        female_given,
        male_p,
        female_p,
        male,
        female,
        zipf_weights(len(roots), 1.05),
        keys,
    )
