"""The code personnel, rule by rule, its strength, and how it is stored (SPEC.md §6)."""

from __future__ import annotations

import string
import sys
import threading
from collections.abc import Iterator
from datetime import date

import argon2
import pytest
from flask import Flask

from accounts import code_personnel as pw
from accounts import hashing
from core.errors import ConfigurationError

# The member of the seed: M. Venturi, NIR 1 62 12 2B 010 001 (key 03), born 18/12/1962.
SEED = pw.PasswordContext(nir="162122B01000103", birth_date=date(1962, 12, 18), names=("VENTURI",))
# Someone else, so that user inputs differ: born 08/05/1990 in Paris.
DUPONT = pw.PasswordContext(
    nir="290057512345678", birth_date=date(1990, 5, 8), names=("DUPONT", "Marie-Hélène")
)
ANONYMOUS = pw.PasswordContext(nir="162122B01000103", birth_date=date(1962, 12, 18))


def broken_codes(password: str, context: pw.PasswordContext = SEED) -> tuple[str, ...]:
    """Return the codes of the rules ``password`` breaks, in the page's order."""
    return tuple(rule.code for rule in pw.evaluate(password, context).broken)


@pytest.fixture
def fast() -> hashing.PasswordHasher:
    """A hasher with tiny Argon2 parameters: the suite tests behaviour, not cost."""
    return hashing.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


# --- The rules as listed on the page -----------------------------------------------------


def test_rules_are_listed_in_the_seed_order_with_its_labels() -> None:
    assert [(rule.code, rule.label) for rule in pw.RULES] == [
        ("length", "comporter entre 8 et 50 caractères"),
        ("letters_case", "contenir des caractères latins minuscules et majuscules"),
        ("digit_or_special", "contenir un chiffre ou un caractère spécial"),
        ("allowed_characters", "ne contenir que des caractères autorisés"),
        ("no_nir", "ne pas contenir votre n° de sécurité sociale ou une partie de celui-ci"),
        ("no_birth_date", "ne pas contenir votre date de naissance ou une partie de celle-ci"),
    ]


def test_each_rule_has_its_own_french_message() -> None:
    messages = [rule.message for rule in pw.RULES]
    assert len(set(messages)) == len(pw.RULES)
    assert all(message.startswith("Votre code personnel") for message in messages)
    assert pw.TOO_WEAK_MESSAGE not in messages


def test_allowed_special_characters_are_exactly_the_ascii_punctuation() -> None:
    assert pw.SPECIAL_CHARACTERS == frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        pytest.param("MotdePasse1", (), id="seed-example"),
        pytest.param("Abcdef!", ("length",), id="7-characters"),
        pytest.param("Abcdefg!", (), id="8-characters"),
        pytest.param("Ab!" + "x" * 47, (), id="50-characters"),
        pytest.param("Ab!" + "x" * 48, ("length",), id="51-characters"),
        pytest.param("", ("length", "letters_case", "digit_or_special"), id="empty"),
        pytest.param("Ab1!" * 2500, ("length",), id="10000-characters"),
    ],
)
def test_length(password: str, expected: tuple[str, ...]) -> None:
    assert broken_codes(password) == expected


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        pytest.param("motdepasse1", ("letters_case",), id="no-upper-case"),
        pytest.param("MOTDEPASSE1", ("letters_case",), id="no-lower-case"),
        pytest.param("12345678!?", ("letters_case",), id="no-letter"),
        pytest.param("MOTDEPASSé1", ("letters_case", "allowed_characters"), id="accent-only-lower"),
        pytest.param("ÉÈÊecole1", ("letters_case", "allowed_characters"), id="accent-only-upper"),
        pytest.param("ΑΒΓδεζ12", ("letters_case", "allowed_characters"), id="greek-letters"),
    ],
)
def test_letters_case(password: str, expected: tuple[str, ...]) -> None:
    assert broken_codes(password) == expected


@pytest.mark.parametrize("special", sorted(string.punctuation))
def test_any_ascii_punctuation_counts_as_special(special: str) -> None:
    assert broken_codes(f"MotdePasse{special}") == ()


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        pytest.param("MotdePasse", ("digit_or_special",), id="letters-only"),
        pytest.param("MotdePasse7", (), id="a-digit"),
        pytest.param("MotdePasse²", ("digit_or_special", "allowed_characters"), id="superscript"),
        pytest.param("MotdePasse٣", ("digit_or_special", "allowed_characters"), id="arabic-digit"),
        pytest.param("MotdePasse€", ("digit_or_special", "allowed_characters"), id="euro-sign"),
    ],
)
def test_digit_or_special(password: str, expected: tuple[str, ...]) -> None:
    assert broken_codes(password) == expected


@pytest.mark.parametrize(
    "password",
    [
        pytest.param("MotdePassé1", id="accent"),
        pytest.param("Motde Passe1", id="space"),
        pytest.param("Motde\u00a0Passe1", id="non-breaking-space"),
        pytest.param("Motde\tPasse1", id="tab"),
        pytest.param("MotdePasse1\n", id="newline"),
        pytest.param("MotdePasse1\x00", id="nul"),
        pytest.param("MotdePasse1§", id="section-sign"),
        pytest.param("MotdePasse1\u2019", id="typographic-apostrophe"),
        pytest.param("Mot\ufb01Passe1", id="ligature"),
        pytest.param("MotdePasse1🙂", id="emoji"),
        pytest.param("MotdePasse1\ud800", id="lone-surrogate"),
    ],
)
def test_only_allowed_characters(password: str) -> None:
    assert broken_codes(password) == ("allowed_characters",)


# The 13-character body 162122B010001: 4-digit windows are taken in place, so the letter
# of "2B" splits the number and the key (03) does not count.
@pytest.mark.parametrize("window", ["1621", "6212", "2122", "0100", "1000", "0001"])
def test_no_nir_refuses_every_4_digit_window_of_the_body(window: str) -> None:
    assert broken_codes(f"Ab!x{window}yz") == ("no_nir",)


@pytest.mark.parametrize(
    "part",
    [
        pytest.param("122B", id="window-with-the-corsican-letter"),
        pytest.param("22b0", id="window-with-the-corsican-letter-lower-case"),
        pytest.param("1220", id="digits-joined-across-2B"),
        pytest.param("2201", id="digits-joined-across-2B-bis"),
        pytest.param("0103", id="key-of-the-nir"),
        pytest.param("162", id="only-3-digits"),
    ],
)
def test_no_nir_accepts_what_is_not_a_4_digit_window_of_the_body(part: str) -> None:
    assert broken_codes(f"Ab!x{part}yz") == ()


def test_no_nir_finds_the_whole_number() -> None:
    assert broken_codes("Ab!162122B01000103") == ("no_nir",)


@pytest.mark.parametrize(
    ("nir", "windows"),
    [
        pytest.param("162122B01000103", {"1621", "6212", "2122", "0100", "1000", "0001"}, id="2B"),
        pytest.param(
            "2840520A12345", {"2840", "8405", "4052", "0520", "1234", "2345"}, id="2A-body-only"
        ),
        pytest.param("1 62 12 2B 010 001 03", {"1621", "6212", "2122", "0100", "1000", "0001"}),
        pytest.param(
            "290057512345678",
            {"2900", "9005", "0057", "0575", "5751", "7512", "5123", "1234", "2345", "3456"},
            id="digits-only",
        ),
    ],
)
def test_nir_windows(nir: str, windows: set[str]) -> None:
    assert pw.nir_windows(nir) == windows


def test_no_nir_with_a_2a_department() -> None:
    context = pw.PasswordContext(nir="2840520A12345", birth_date=date(1984, 5, 7))
    assert broken_codes("Ab!x2345yz", context) == ("no_nir",)
    assert broken_codes("Ab!x520Ayz", context) == ()


@pytest.mark.parametrize(
    "part",
    [
        pytest.param("1962", id="YYYY"),
        pytest.param("1812", id="DDMM"),
        pytest.param("18/12", id="DD/MM"),
        pytest.param("18-12", id="DD-MM"),
        pytest.param("18.12", id="DD.MM"),
        pytest.param("181262", id="DDMMYY"),
        pytest.param("18/12/62", id="DD/MM/YY"),
        pytest.param("18-12-62", id="DD-MM-YY"),
        pytest.param("18.12.62", id="DD.MM.YY"),
        pytest.param("18121962", id="DDMMYYYY"),
        pytest.param("18/12/1962", id="DD/MM/YYYY"),
        pytest.param("18-12-1962", id="DD-MM-YYYY"),
        pytest.param("18.12.1962", id="DD.MM.YYYY"),
        pytest.param("18/12-1962", id="DD/MM-YYYY-mixed-separators"),
        pytest.param("19621218", id="YYYYMMDD"),
        pytest.param("1962/12/18", id="YYYY/MM/DD"),
        pytest.param("1962-12-18", id="YYYY-MM-DD"),
        pytest.param("1962.12.18", id="YYYY.MM.DD"),
    ],
)
def test_no_birth_date_refuses_each_form(part: str) -> None:
    # The NIR holds the year and month of birth: 1962 12 18 also contains its window 6212.
    expected = ("no_nir", "no_birth_date") if "6212" in part else ("no_birth_date",)
    assert broken_codes(f"Ab!x{part}yz") == expected


@pytest.mark.parametrize(
    "part",
    [
        pytest.param("1218", id="MMDD-not-a-listed-form"),
        pytest.param("62", id="YY-alone"),
        pytest.param("18 12", id="space-is-not-a-separator"),
        pytest.param("1963", id="another-year"),
        pytest.param("18_12", id="underscore-is-not-a-separator"),
    ],
)
def test_no_birth_date_accepts_other_numbers(part: str) -> None:
    expected = ("allowed_characters",) if " " in part else ()
    assert broken_codes(f"Ab!x{part}yz") == expected


@pytest.mark.parametrize(
    ("part", "expected"),
    [
        pytest.param("0805", ("no_birth_date",), id="zero-padded-DDMM"),
        pytest.param("08/05/90", ("no_birth_date",), id="zero-padded-DD/MM/YY"),
        pytest.param("1990", ("no_birth_date",), id="year"),
        pytest.param("8/5", (), id="not-zero-padded"),
    ],
)
def test_no_birth_date_pads_day_and_month(part: str, expected: tuple[str, ...]) -> None:
    assert broken_codes(f"Ab!x{part}yz", DUPONT) == expected


def test_every_broken_rule_is_listed_by_name() -> None:
    verdict = pw.evaluate("é 1962", SEED)
    assert [rule.code for rule in verdict.broken] == [
        "length",
        "letters_case",
        "allowed_characters",
        "no_birth_date",
    ]
    assert verdict.messages()[:4] == [rule.message for rule in verdict.broken]


# --- Strength ----------------------------------------------------------------------------


def test_seed_example_is_accepted_with_a_medium_strength() -> None:
    verdict = pw.evaluate("MotdePasse1", SEED)
    assert verdict.strength == pw.Strength(score=2, label="Moyen")
    assert verdict.acceptable
    assert verdict.messages() == []


def test_score_0_is_refused_with_its_own_message() -> None:
    verdict = pw.evaluate("Password1", SEED)
    assert verdict.broken == ()
    assert verdict.strength == pw.Strength(score=0, label="Très faible")
    assert verdict.too_weak
    assert not verdict.acceptable
    assert verdict.messages() == [pw.TOO_WEAK_MESSAGE]


@pytest.mark.parametrize(
    ("score", "label"),
    [(0, "Très faible"), (1, "Faible"), (2, "Moyen"), (3, "Fort"), (4, "Très fort")],
)
def test_strength_labels(score: int, label: str) -> None:
    assert pw.Strength.of_score(score) == pw.Strength(score=score, label=label)


@pytest.mark.parametrize(
    ("password", "context"),
    [
        pytest.param("Venturi2024!", SEED, id="family-name"),
        pytest.param("Marieh3lene!", DUPONT, id="hyphenated-given-name-without-accent"),
    ],
)
def test_the_persons_name_lowers_the_score(password: str, context: pw.PasswordContext) -> None:
    stranger = pw.PasswordContext(nir=context.nir, birth_date=context.birth_date)
    assert pw.rate(password, context).score < pw.rate(password, stranger).score


def test_long_input_is_rated_on_its_first_50_characters() -> None:
    verdict = pw.evaluate("Xq7#pLm2vR" * 1000, SEED)
    assert [rule.code for rule in verdict.broken] == ["length"]
    assert verdict.strength == pw.rate("Xq7#pLm2vR" * 5, SEED)


def test_as_json_lists_every_rule_and_never_the_code() -> None:
    answer = pw.evaluate("motdepasse1962", SEED).as_json()
    broken = {"letters_case", "no_birth_date"}
    assert answer == {
        "acceptable": False,
        "rules": [
            {"code": rule.code, "label": rule.label, "ok": rule.code not in broken}
            for rule in pw.RULES
        ],
        "strength": {"score": 1, "label": "Faible"},
        "too_weak": False,
        "errors": [
            {"code": "password.letters_case", "message": pw.RULES[1].message},
            {"code": "password.no_birth_date", "message": pw.RULES[5].message},
        ],
    }
    assert "motdepasse" not in repr(answer)


def test_as_json_of_a_too_weak_code() -> None:
    answer = pw.evaluate("Password1", SEED).as_json()
    assert answer["acceptable"] is False
    assert all(rule["ok"] for rule in answer["rules"])
    assert answer["strength"] == {"score": 0, "label": "Très faible"}
    assert answer["errors"] == [{"code": "password.too_weak", "message": pw.TOO_WEAK_MESSAGE}]


@pytest.fixture
def frequent_thread_switches() -> Iterator[None]:
    """Switch threads every microsecond, so that an unguarded zxcvbn mixes inputs at once."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(interval)


@pytest.mark.usefixtures("frequent_thread_switches")
def test_concurrent_ratings_do_not_mix_user_inputs() -> None:
    """zxcvbn keeps user inputs in a global: 8 threads must get the sequential answers."""
    cases = [
        ("Venturi2024!", SEED),
        ("Venturi2024!", DUPONT),
        ("Marieh3lene!", DUPONT),
        ("Marieh3lene!", SEED),
        ("Dupont2024!x", DUPONT),
        ("Dupont2024!x", SEED),
    ]
    expected = [pw.evaluate(password, context) for password, context in cases]
    # The cases only test something if the user inputs change their answers.
    assert len({verdict.strength.score for verdict in expected}) > 1
    start = threading.Barrier(8)
    results: dict[int, list[pw.PasswordVerdict]] = {}

    def work(worker: int) -> None:
        start.wait()
        results[worker] = [pw.evaluate(*cases[(worker + turn) % len(cases)]) for turn in range(20)]

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    for worker in range(8):
        assert results[worker] == [expected[(worker + turn) % len(cases)] for turn in range(20)]


# --- Confirmation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "confirmation", "matches"),
    [
        ("MotdePasse1", "MotdePasse1", True),
        ("MotdePasse1", "MotdePasse2", False),
        ("MotdePasse1", "motdepasse1", False),
        ("MotdePasse1", "MotdePasse1 ", False),
        ("MotdePasse1", "", False),
        ("Motdépasse1", "Motdépasse1", True),
        ("Motdépasse1", "Motdepasse1", False),
        ("MotdePasse1\ud800", "MotdePasse1\ud800", True),
    ],
)
def test_check_confirmation(password: str, confirmation: str, matches: bool) -> None:
    assert pw.check_confirmation(password, confirmation) is matches


def test_confirmation_message() -> None:
    assert pw.CONFIRMATION_MESSAGE == "Les deux codes saisis ne sont pas identiques."


# --- Storage -----------------------------------------------------------------------------


def test_default_hash_is_argon2id_with_owasp_parameters() -> None:
    password_hash = hashing.PasswordHasher().hash("MotdePasse1")
    assert password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    parameters = argon2.extract_parameters(password_hash)
    assert (parameters.type, parameters.memory_cost, parameters.time_cost) == (
        argon2.Type.ID,
        19456,
        2,
    )
    assert parameters.parallelism == 1


def test_hashes_are_salted(fast: hashing.PasswordHasher) -> None:
    assert fast.hash("MotdePasse1") != fast.hash("MotdePasse1")


@pytest.mark.parametrize(
    ("password", "matches"),
    [("MotdePasse1", True), ("MotdePasse2", False), ("motdepasse1", False), ("", False)],
)
def test_verify(fast: hashing.PasswordHasher, password: str, matches: bool) -> None:
    assert fast.verify(fast.hash("MotdePasse1"), password) is matches


@pytest.mark.parametrize(
    "password_hash",
    [
        pytest.param("", id="empty"),
        pytest.param("MotdePasse1", id="plain-text"),
        pytest.param("$argon2id$v=19$m=1024,t=1,p=1$bad", id="truncated"),
        pytest.param("$2b$12$" + "a" * 53, id="bcrypt"),
    ],
)
def test_verify_is_false_for_an_unusable_hash(
    fast: hashing.PasswordHasher, password_hash: str
) -> None:
    assert fast.verify(password_hash, "MotdePasse1") is False
    assert fast.needs_rehash(password_hash) is True


def test_verify_never_raises_for_odd_characters(fast: hashing.PasswordHasher) -> None:
    assert fast.verify(fast.hash("MotdePasse1"), "MotdePasse1\ud800") is False


def test_rehash_when_parameters_change(fast: hashing.PasswordHasher) -> None:
    old_hash = fast.hash("MotdePasse1")
    stronger = hashing.PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    assert not fast.needs_rehash(old_hash)
    assert stronger.needs_rehash(old_hash)

    ok, new_hash = stronger.verify_and_rehash(old_hash, "MotdePasse1")

    assert ok
    assert new_hash is not None
    assert new_hash.startswith("$argon2id$v=19$m=2048,t=2,p=1$")
    assert stronger.verify(new_hash, "MotdePasse1")
    assert not stronger.needs_rehash(new_hash)


def test_rehash_an_argon2i_hash_into_argon2id(fast: hashing.PasswordHasher) -> None:
    legacy = argon2.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=argon2.Type.I)
    ok, new_hash = fast.verify_and_rehash(legacy.hash("MotdePasse1"), "MotdePasse1")
    assert ok
    assert new_hash is not None and new_hash.startswith("$argon2id$")


def test_no_rehash_with_the_same_parameters(fast: hashing.PasswordHasher) -> None:
    assert fast.verify_and_rehash(fast.hash("MotdePasse1"), "MotdePasse1") == (True, None)


def test_no_rehash_for_a_wrong_code(fast: hashing.PasswordHasher) -> None:
    stronger = hashing.PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1)
    assert stronger.verify_and_rehash(fast.hash("MotdePasse1"), "MotdePasse2") == (False, None)


def test_verify_dummy_is_always_false(fast: hashing.PasswordHasher) -> None:
    assert fast.verify_dummy("MotdePasse1") is False
    assert fast.verify_dummy("dummy code personnel, never a real one") is False


# --- Configuration -----------------------------------------------------------------------


def test_hasher_from_config_reads_the_three_settings() -> None:
    hasher = hashing.hasher_from_config(
        {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": "1024", "ARGON2_PARALLELISM": 2}
    )
    assert hasher.hash("MotdePasse1").startswith("$argon2id$v=19$m=1024,t=1,p=2$")


def test_hasher_from_config_defaults_to_owasp() -> None:
    assert hashing.hasher_from_config({}).hash("x").startswith("$argon2id$v=19$m=19456,t=2,p=1$")


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ({"ARGON2_TIME_COST": 0}, "ARGON2_TIME_COST"),
        ({"ARGON2_MEMORY_COST": "lots"}, "ARGON2_MEMORY_COST"),
        ({"ARGON2_PARALLELISM": None}, "ARGON2_PARALLELISM"),
        ({"ARGON2_PARALLELISM": True}, "ARGON2_PARALLELISM"),
        ({"ARGON2_MEMORY_COST": 16, "ARGON2_PARALLELISM": 4}, "ARGON2_MEMORY_COST"),
    ],
)
def test_hasher_from_config_refuses_unusable_parameters(
    config: dict[str, object], named: str
) -> None:
    with pytest.raises(ConfigurationError, match=named):
        hashing.hasher_from_config(config)


def test_init_app_sets_defaults_and_installs_the_hasher() -> None:
    app = Flask(__name__)
    hashing.init_app(app)
    assert (
        app.config["ARGON2_TIME_COST"],
        app.config["ARGON2_MEMORY_COST"],
        app.config["ARGON2_PARALLELISM"],
    ) == (2, 19456, 1)
    with app.app_context():
        assert hashing.get_hasher() is app.extensions["ameli.password_hasher"]


def test_verify_and_rehash_uses_the_apps_hasher(fast: hashing.PasswordHasher) -> None:
    app = Flask(__name__)
    app.config.update(ARGON2_TIME_COST=2, ARGON2_MEMORY_COST=1024)
    hashing.init_app(app)
    old_hash = fast.hash("MotdePasse1")
    with app.app_context():
        ok, new_hash = hashing.verify_and_rehash(old_hash, "MotdePasse1")
        assert hashing.verify_and_rehash(old_hash, "MotdePasse2") == (False, None)
    assert ok
    assert new_hash is not None and new_hash.startswith("$argon2id$v=19$m=1024,t=2,p=1$")


def test_get_hasher_says_when_init_app_was_forgotten() -> None:
    with Flask(__name__).app_context(), pytest.raises(RuntimeError, match="init_app"):
        hashing.get_hasher()
