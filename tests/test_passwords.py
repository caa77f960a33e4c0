"""The password policy (models.user.password_problem): long enough, not the address, and not
easy to guess (zxcvbn with French words and the AZERTY keyboard), with a French reason.

Issue 12 item 7: "password123!" and "1q2w3e4r5t6y" were accepted (the list had 22
entries). The kinds: common passwords (English and French, with digits or a year
added), keyboard walks (QWERTY, QWERTZ, AZERTY, straight or zigzag), sequences and
dates, repeats, the account's own address. Each is refused wherever a password is chosen:
`flask users`, the set-password page, User.create.
"""

from __future__ import annotations

import pytest

from models.password_strength import AZERTY, ESTIMATED_LENGTH, Weakness, weakness
from models.user import password_problem

EMAIL = "ana.martin@gazette.example"

COMMON = "trop courant"
KEYBOARD = "suite de touches du clavier"
PREDICTABLE = "trop prévisible"

REFUSED = [
    ("password123!", COMMON),
    ("1q2w3e4r5t6y", COMMON),
    ("azertyuiop12", COMMON),
    ("azertyuiop123", COMMON),
    ("motdepasse2024", COMMON),
    ("MotDePasse2024!", COMMON),
    ("m0td3p4ss3-2024", COMMON),  # l33t
    ("soleil123456", COMMON),
    ("1234567890ab", COMMON),
    ("qwertzuiop12", COMMON),
    ("bonjour2024!!", COMMON),
    ("doudou123456", COMMON),
    ("chouchou2023", COMMON),
    ("jetaime123456", COMMON),
    ("Marianne1789!!", COMMON),
    ("gazette-rédaction", COMMON),
    ("aaaaaaaaaaaaaaa", COMMON),
    ("abcabcabcabc", COMMON),
    ("iloveyou1234", COMMON),
    ("zsedrftgyhuj", KEYBOARD),  # a QWERTY/AZERTY zigzag zxcvbn alone prices at 10^10
    ("1a2z3e4r5t6y", KEYBOARD),  # the AZERTY "1q2w3e"
    ("qsdfghjklmù*", KEYBOARD),  # AZERTY home row
    ("mlkjhgfdsqwxcv", KEYBOARD),
    ("&é\"'(-è_çà)=", KEYBOARD),  # AZERTY digit row, unshifted
    ("abcdefghijkl", PREDICTABLE),
    ("20240101-2025", PREDICTABLE),
    ("ana.martin2024", "reprend votre adresse électronique"),
    ("court", "au moins 12 caractères"),
    ("azertyuiop", "au moins 12 caractères"),
    (EMAIL, "ne doit pas être votre adresse"),
]
ACCEPTED = [
    "correct horse battery",
    "un-mot-de-passe-tres-solide",
    "premier mot de passe",
    "tartine beurre confiture",
    "J'aime le café du matin",
    "x7#Kq9!mPz2w",
    "Le chat dort sur 3 toits",
    "vélo rouge sous la pluie",
    "azertyuiop mange des cerises",  # a walk in a passphrase is not the whole of it
]


@pytest.mark.parametrize(("password", "reason"), REFUSED)
def test_guessable_passwords_are_refused_with_a_french_reason(app, password, reason):
    with app.test_request_context():
        problem = password_problem(password, EMAIL)
    assert problem and reason in problem


@pytest.mark.parametrize("password", ACCEPTED)
def test_hard_to_guess_passwords_are_accepted(app, password):
    with app.test_request_context():
        assert password_problem(password, EMAIL) is None


def test_the_reason_is_in_english_for_english_readers(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"):
            problem = password_problem("password123!", EMAIL)
    assert problem  # the catalogue's English once the lead adds it; never None


def test_the_azerty_graph_has_the_french_layout():
    # "a" sits under "&1"/"é2", left of "z", over "q": the French layout, not QWERTY's.
    assert AZERTY["a"] == [None, "&1", "é2", "zZ", "qQ", None]
    assert AZERTY["m"][0] == "lL" and AZERTY["w"][0] == "<>"


def test_only_the_first_characters_are_measured_so_long_input_stays_fast():
    # zxcvbn is super-linear in length: 1,024 characters (the form's limit) would take
    # minutes. A password longer than ESTIMATED_LENGTH is judged on its start.
    strong_start = "tartine beurre confiture et café au lait le matin "
    assert weakness((strong_start * 30)[:1024]) is None
    # The end is not measured: a weak start is refused whatever follows it.
    assert weakness("a" * ESTIMATED_LENGTH + "x7#Kq9!mPz2w" * 80) is Weakness.COMMON


def test_the_cli_and_the_set_password_page_use_the_policy(app, runner):
    result = runner.invoke(
        args=["users", "create", "ana@gazette.example", "--password-stdin"],
        input="1q2w3e4r5t6y\n",
    )
    assert result.exit_code != 0 and COMMON in result.output
    result = runner.invoke(
        args=["users", "create", "ana@gazette.example", "--password-stdin"],
        input="zsedrftgyhuj\n",
    )
    assert result.exit_code != 0 and KEYBOARD in result.output

    from models import User, db
    from views.admin import invitation_token

    user = User.invite("bob@gazette.example")
    db.session.commit()
    with app.test_request_context():
        token = invitation_token(user)
    client = app.test_client()
    path = f"/redaction/comptes/mot-de-passe/{token}"
    response = client.post(path, data={"password": "password123!", "confirm": "password123!"})
    assert response.status_code == 422 and COMMON in response.get_data(as_text=True)
    strong = "tartine beurre confiture"
    assert client.post(path, data={"password": strong, "confirm": strong}).status_code == 303
