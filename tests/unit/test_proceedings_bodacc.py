"""Reading a BODACC « annonces commerciales » export (reminders.law.bodacc): the dataset's documented fields
(familleavis, registre, dateparution, tribunal, jugement with famille, nature, date, complementJugement), as
the DILA's open-data portal exports them in JSON and CSV."""
from __future__ import annotations

import json
from datetime import date

import pytest

from reminders.law.bodacc import classify, court_name, read_notices, representative
from reminders.law.errors import BodaccFileError

OPENING = {
    "type": "initial", "famille": "Jugement d'ouverture",
    "nature": "Jugement d'ouverture d'une procédure de redressement judiciaire", "date": "2026-06-10",
    "complementJugement": "Jugement prononçant l'ouverture d'une procédure de redressement judiciaire, date de "
                          "cessation des paiements le 1 juin 2026, désignant mandataire judiciaire SELARL MJ Synergie "
                          "1 rue Emile Zola 69002 Lyon. Les déclarations des créances sont à adresser au mandataire "
                          "judiciaire dans les deux mois de la publication au BODACC."}


def record(**fields: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "A202601151234", "publicationavis": "A", "parution": "20260115", "dateparution": "2026-06-19",
        "numeroannonce": 1234, "typeavis": "annonce", "familleavis": "collective",
        "familleavis_lib": "Procédures collectives", "tribunal": "TRIBUNAL DE COMMERCE DE LYON",
        "commercant": "BATI RHONE", "registre": "552 100 554,552100554", "jugement": json.dumps(OPENING)}
    return {**base, **fields}


def test_an_opening_judgment_is_read_with_its_siren_publication_court_and_representative() -> None:
    """C. com. R621-8 (the opening judgment's notice in the BODACC names the debtor, its registration number, the
    court and the mandataire judiciaire) and R622-24 (the declaration period runs from that publication): what the
    notice says is read, the ``jugement`` field being a JSON text inside the record."""
    [notice], problems = read_notices(json.dumps([record()]).encode(), "bodacc.json")
    assert problems == []
    assert notice.sirens == ("552100554",)
    assert (notice.action, notice.kind) == ("opening", "redressement_judiciaire")
    assert notice.published_on == date(2026, 6, 19) and notice.judgment_on == date(2026, 6, 10)
    assert notice.court == "Tribunal de commerce de Lyon"
    assert notice.reference == "BODACC A n°20260115, annonce 1234"
    assert (notice.representative_name, notice.representative_address) == (
        "SELARL MJ Synergie", ("1 rue Emile Zola", "69002 Lyon"))


def test_the_csv_export_and_other_families_and_unreadable_records() -> None:
    """The export's CSV (semicolons, the judgment as JSON text); a notice of another family (a modification) is
    passed over; one without a SIREN is reported, never guessed."""
    rows = [record(), record(id="B1", familleavis="modification"), record(id="A2", registre="")]
    header = list(rows[0])
    lines = [";".join(header)] + [";".join('"' + str(r[k]).replace('"', '""') + '"' for k in header) for r in rows]
    notices, problems = read_notices("\n".join(lines).encode(), "bodacc.csv")
    assert [n.notice_id for n in notices] == ["A202601151234"]
    assert len(problems) == 1 and "A2: no SIREN" in problems[0]


def test_the_api_answer_and_older_records_are_read_too() -> None:
    """The portal's API answer ({"results": [...]}, ``registre`` as a list, ``jugement`` as an object) and its
    older records ({"fields": {...}})."""
    answer = {"results": [record(registre=["552 100 554", "552100554"], jugement=OPENING)]}
    older = [{"recordid": "x1", "fields": record()}]
    assert read_notices(json.dumps(answer).encode())[0][0].sirens == ("552100554",)
    assert read_notices(json.dumps(older).encode())[0][0].kind == "redressement_judiciaire"


def test_judgments_are_classed_by_family_and_nature() -> None:
    """C. com. L631-15 II and L641-1: a conversion to liquidation opens a liquidation; a plan (L626-10, L631-19) and
    a closure (L643-9) are not openings."""
    assert classify("Jugement d'ouverture", "Jugement d'ouverture d'une procédure de sauvegarde") == (
        "opening", "sauvegarde")
    assert classify("Jugement prononçant", "Jugement de conversion en liquidation judiciaire de la procédure de "
                    "redressement judiciaire") == ("opening", "liquidation_judiciaire")
    assert classify("Jugement prononçant", "Jugement arrêtant le plan de redressement") == ("plan", None)
    assert classify("Jugement de clôture", "Jugement de clôture pour insuffisance d'actif") == ("closure", None)
    assert classify("Avis de dépôt", "Dépôt de l'état des créances") == ("other", None)


def test_the_liquidateur_is_read_and_a_text_naming_none_gives_nothing() -> None:
    """C. com. L641-1 II: the liquidation judgment designates a liquidateur; the text is free, so only what follows
    the role is read, up to the end of its sentence."""
    assert representative("Jugement prononçant la liquidation judiciaire, désignant liquidateur Maître Jean Dupont "
                          "12 bis avenue de la République 33000 Bordeaux. Les créances...") == (
        "Maître Jean Dupont", ("12 bis avenue de la République", "33000 Bordeaux"))
    assert representative("Jugement de clôture pour insuffisance d'actif.") == ("", ())
    assert court_name("TRIBUNAL JUDICIAIRE DE SAINT-ETIENNE") == "Tribunal judiciaire de Saint-Etienne"


def test_a_file_that_is_not_an_export_is_refused_in_one_line() -> None:
    """Neither JSON nor the export's CSV: one line naming the file."""
    with pytest.raises(BodaccFileError, match="bad.txt"):
        read_notices(b"hello;world\n1;2\n", "bad.txt")
    with pytest.raises(BodaccFileError, match="not valid JSON"):
        read_notices(b"[{", "bad.json")
