"""Registered letters through Maileva's API, against a local fake of it (tests/integration/fake_maileva.py): a
formal notice submitted once as a registered letter with acknowledgment of receipt, tracked to its receipt (the
dispatch number, the proof of deposit, the signed acknowledgment, the deadline from the date of receipt), a letter
that came back unclaimed, the retries that post nothing twice, and credentials refused or missing in one line."""
from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from reminders.channels.registered import RegisteredLetter, RegisteredLetterChannel
from reminders.errors import ChannelError, ChannelNotConfigured
from tests.factories import Camt053, Payment
from tests.integration.fake_maileva import FakeMaileva, fake_maileva  # noqa: F401 - the fixture
from tests.sender_identity import give_identity
from worker.dunning.registered_config import credentials, parse_registered_mail
from worker.dunning.registered_maileva import FileJournal, MailevaClient
from worker.outbound import OutboundClient

HEADER = ("number,customer_ref,customer_name,customer_email,customer_since,customer_kind,amount,issued_on,due_on,"
          "customer_address")


def client(fake: FakeMaileva, folder: Path, **env: str) -> MailevaClient:
    section = parse_registered_mail(fake.section())
    return MailevaClient(section, credentials(section, {**fake.environ(), **env}),
                         OutboundClient(allow_hosts=("127.0.0.1",)), FileJournal(folder / "journal"))


def letter(reference: str = "a" * 32) -> RegisteredLetter:
    return RegisteredLetter(reference=reference, name="Mise en demeure - C1", pdf=b"%PDF-1.4 lettre", filename="mise.pdf",
                            sender_lines=("Atelier Lumière", "4 rue Oberkampf", "75011 Paris"),
                            recipient_lines=("Dubois SARL", "1 rue Neuve", "75001 Paris"), customer_ref="C1")


def test_a_letter_is_created_filled_and_submitted_as_documented(fake_maileva: FakeMaileva,  # noqa: F811
                                                                tmp_path: Path) -> None:
    sent = client(fake_maileva, tmp_path).submit(letter())
    [sending] = fake_maileva.submitted()
    assert sent.sending_id == sending.id and sent.status == "PENDING" and not sent.resumed
    creation = sending.creation
    assert creation["custom_id"] == "a" * 32 and creation["acknowledgement_of_receipt"] is True
    assert creation["acknowledgement_of_receipt_scanning"] is True and creation["archiving_duration"] == 6
    assert (creation["sender_address_line_1"], creation["sender_address_line_4"], creation["sender_address_line_6"],
            creation["sender_country_code"]) == ("Atelier Lumière", "4 rue Oberkampf", "75011 Paris", "FR")
    assert sending.recipient is not None and sending.recipient["address_line_1"] == "Dubois SARL"
    assert sending.recipient["address_line_6"] == "75001 Paris" and len(sending.documents) == 1
    assert fake_maileva.state.calls == ["POST /auth/token", "POST /sendings", "POST /sendings/{id}/documents",
                                        "POST /sendings/{id}/recipients", "POST /sendings/{id}/submit"]


def test_the_answer_to_the_submission_lost_then_the_retry_posts_nothing_again(fake_maileva: FakeMaileva,  # noqa: F811
                                                                             tmp_path: Path) -> None:
    fake_maileva.drop_submit_answer()  # submitted, then a 502: the client reads the sending back
    first = client(fake_maileva, tmp_path).submit(letter())
    assert first.status == "PENDING" and len(fake_maileva.submitted()) == 1
    again = client(fake_maileva, tmp_path).submit(letter())  # the outbox tries the message again
    assert again.resumed and again.sending_id == first.sending_id and len(fake_maileva.state.sendings) == 1


def test_a_failure_midway_is_tried_again_from_a_clean_draft(fake_maileva: FakeMaileva,  # noqa: F811
                                                           tmp_path: Path) -> None:
    fake_maileva.fail_next(1, 503, "POST", "/documents")
    with pytest.raises(ChannelError, match=r"POST /sendings/\{id\}/documents answered 503"):
        client(fake_maileva, tmp_path).submit(letter())
    assert not fake_maileva.submitted() and len(fake_maileva.state.sendings) == 1  # a draft, never submitted
    done = client(fake_maileva, tmp_path).submit(letter())
    assert [s.id for s in fake_maileva.submitted()] == [done.sending_id] and len(fake_maileva.state.sendings) == 1
    assert "DELETE /sendings/{id}" in fake_maileva.state.calls


def test_reads_are_tried_again_on_a_5xx(fake_maileva: FakeMaileva, tmp_path: Path) -> None:  # noqa: F811
    maileva = client(fake_maileva, tmp_path)
    sent = maileva.submit(letter())
    fake_maileva.deposit(sent.sending_id, "2026-11-04")
    fake_maileva.fail_next(2, 503, "GET")
    tracking = maileva.track(sent.sending_id)
    assert tracking.registered_number == "1A12345678901" and tracking.deposited_on == date(2026, 11, 4)
    assert fake_maileva.state.calls.count("GET /sendings/{id}") == 3


def test_credentials_refused_or_missing_say_so_in_one_line(fake_maileva: FakeMaileva,  # noqa: F811
                                                           tmp_path: Path) -> None:
    with pytest.raises(ChannelError) as refused:
        client(fake_maileva, tmp_path, LETTRAGE_MAILEVA_PASSWORD="wrong").submit(letter())
    message = str(refused.value)
    assert message == ("maileva: the credentials were refused (401): check LETTRAGE_MAILEVA_CLIENT_ID, "
                       "LETTRAGE_MAILEVA_CLIENT_SECRET, LETTRAGE_MAILEVA_USERNAME and LETTRAGE_MAILEVA_PASSWORD")
    assert "wrong" not in message and "s3cret" not in message and not fake_maileva.state.sendings

    from worker.dunning.registered_letters import registered_channel
    from worker.settings import Settings

    companies = tmp_path / "companies"
    companies.mkdir()
    keys = "\n".join(f'{k} = "{v}"' for k, v in fake_maileva.section().items())
    (companies / "atelier.toml").write_text(f"[registered_mail]\n{keys}\n", encoding="utf-8")
    settings = Settings(companies_dir=companies, output_dir=tmp_path / "out")
    channel = registered_channel(settings, "atelier", environ={"LETTRAGE_MAILEVA_CLIENT_ID": "lettrage"})
    assert not isinstance(channel, RegisteredLetterChannel)
    from reminders.channels.base import Message

    with pytest.raises(ChannelNotConfigured) as missing:
        channel.send(Message(to=(), subject="", text=""))
    assert str(missing.value) == ("registered letters (maileva): credentials missing: set "
                                  "LETTRAGE_MAILEVA_CLIENT_SECRET, LETTRAGE_MAILEVA_USERNAME, LETTRAGE_MAILEVA_PASSWORD")
    working = registered_channel(settings, "atelier", environ=fake_maileva.environ())
    assert isinstance(working, RegisteredLetterChannel)


# -- end to end: the formal notice, its tracking, the customer's history ----------------------------------------
def setup_company(cli: Any, tmp_path: Path, fake: FakeMaileva) -> None:
    """One business customer whose invoice is past its formal notice's day; the policy sends formal notices by
    registered letter; the company's [registered_mail] section points at the fake."""
    give_identity(cli.env["LETTRAGE_DATABASE_URL"])
    companies = tmp_path / "var" / "companies"
    companies.mkdir(parents=True, exist_ok=True)
    keys = "\n".join(f'{k} = "{v}"' for k, v in fake.section().items())
    (companies / "default.toml").write_text(f"[registered_mail]\n{keys}\n", encoding="utf-8")
    cli.env.update({**fake.environ(), "LETTRAGE_OUTBOUND_ALLOW_HOSTS": "127.0.0.1"})
    book = tmp_path / "factures.csv"
    book.write_text(f'{HEADER}\nFA-2026-00001,C1,"Dubois SARL",compta@dubois.example,2025-06-01,business,1500.00,'
                    f'2026-09-01,2026-10-01,"1 rue Neuve|75001 Paris"\n', encoding="utf-8")
    cli.json("invoices", "import", str(book))
    statement = tmp_path / "releve.xml"  # the bank data is fresh (reminders.freshness): reminders may leave
    statement.write_bytes(Camt053([Payment("BQ-1", date(2026, 11, 2), Decimal("12.34"), "INCONNU", "Virement")],
                                  statement_id="S-1").render())
    cli.json("statements", "import", str(statement))
    policy = tmp_path / "notice.toml"
    policy.write_text('[[levels]]\ncode = "formal_notice"\noffset_days = 30\nchannels = ["registered"]\n'
                      '[[levels]]\ncode = "legal_file"\noffset_days = 38\nchannels = ["export"]\n', encoding="utf-8")
    cli("reminders", "policy", "--set", str(policy))


def test_a_formal_notice_tracked_to_its_receipt_with_its_proofs(cli: Any, tmp_path: Path,
                                                              fake_maileva: FakeMaileva) -> None:  # noqa: F811
    """Art. 1344 C. civ. (the formal notice) and art. 669 CPC (its date of receipt is the one the post affixes on
    delivery): the dispatch number, the proof of deposit and the signed acknowledgment are kept, and the deadline
    is the date of receipt plus the notice period (8 days)."""
    setup_company(cli, tmp_path, fake_maileva)
    sent = cli.json("reminders", "send", "--as-of", "2026-11-03")
    assert [(r["customer_ref"], r["level"], r["channel"], r["status"]) for r in sent] == [
        ("C1", "formal_notice", "registered", "sent")]
    [sending] = fake_maileva.submitted()
    assert sent[0]["delivery"] == sending.id and sending.documents and b"%PDF" in sending.documents[0]

    tracked = cli.json("letters", "track")
    assert [(t["sending_id"], t["status"], t["changes"]) for t in tracked] == [(sending.id, "submitted", [])]
    fake_maileva.deposit(sending.id, "2026-11-04")
    [tracked] = cli.json("letters", "track")
    assert tracked["dispatch_number"] == "1A12345678901" and tracked["deposited_on"] == "2026-11-04"
    assert tracked["changes"] == ["deposited", "proof of deposit stored"] and tracked["status"] == "in_transit"
    deposit = Path(tracked["deposit_proof"])
    assert deposit.read_bytes().startswith(b"%PDF") and deposit.name == "1A12345678901-preuve-de-depot.pdf"

    fake_maileva.deliver(sending.id, "2026-11-06", scanned="2026-11-12")
    [tracked] = cli.json("letters", "track")
    assert (tracked["status"], tracked["received_on"], tracked["deadline_on"]) == ("delivered", "2026-11-06",
                                                                                    "2026-11-14")
    assert Path(tracked["acknowledgment"]).read_bytes().startswith(b"%PDF") and tracked["changes"] == ["received"]
    # the next level waits for the deadline from the receipt (2026-11-14), not from the sending (2026-11-11)
    assert [p["level"] for p in cli.json("reminders", "plan", "--as-of", "2026-11-13")] == []  # a Friday
    assert [p["level"] for p in cli.json("reminders", "plan", "--as-of", "2026-11-16")] == ["legal_file"]
    calls = len(fake_maileva.state.calls)
    assert cli.json("letters", "track") == []  # nothing left to ask: a proof is stored once
    assert len(fake_maileva.state.calls) == calls

    history = cli.json("customers", "history", "C1")
    steps = {e["kind"]: e["data"] for e in history if e["kind"].startswith("registered_letter.")}
    assert sorted(steps) == ["registered_letter.deposited", "registered_letter.received"]
    assert steps["registered_letter.received"]["deadline_on"] == "2026-11-14"
    assert steps["registered_letter.deposited"]["dispatch_number"] == "1A12345678901"
    [listed] = cli.json("letters", "list", "--customer", "C1")
    assert listed["acknowledgment"] == tracked["acknowledgment"] and listed["invoices"] == ["FA-2026-00001"]
    from tests.integration.api_helpers import app_client, token

    api = app_client(cli, tmp_path).get("/api/reminders/registered-letters", params={"customer": "C1"},
                                         headers=token(cli, "billing", "reminders:read"))
    assert api.status_code == 200, api.text
    assert [(r["dispatch_number"], r["received_on"], r["deadline_on"]) for r in api.json()] == [
        ("1A12345678901", "2026-11-06", "2026-11-14")]

    from worker.access.companies import resolve_company
    from worker.db.engine import make_engine
    from worker.db.repository import Repository
    from worker.db.uow import unit_of_work
    from worker.dunning.registered_queries import registered_proofs_of

    engine = make_engine(cli.env["LETTRAGE_DATABASE_URL"])
    try:
        with unit_of_work(engine) as session:
            repo = Repository(session, resolve_company(session, None))
            [invoice] = [i for i in repo.invoices() if i.number == "FA-2026-00001"]
            assert invoice.id is not None
            [proof] = registered_proofs_of(repo, [invoice.id])[invoice.id]
    finally:
        engine.dispose()
    assert (proof.dispatch_number, proof.received_on, proof.deadline_on) == ("1A12345678901", date(2026, 11, 6),
                                                                              date(2026, 11, 14))
    assert proof.deposit_proof == str(deposit) and proof.letter is not None and Path(proof.letter).is_file()
    assert json.dumps(proof.as_json())  # plain JSON for the legal file


def test_a_letter_not_claimed_is_recorded_as_such(engine: Any, tmp_path: Path,
                                                   fake_maileva: FakeMaileva) -> None:  # noqa: F811
    """A registered letter the addressee did not collect comes back with the post's reason and date; no date of
    receipt is invented (art. 669 CPC: the receipt is the date the post affixes on delivery), so no deadline."""
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.db.tables import Customer, Reminder
    from worker.db.uow import unit_of_work
    from worker.dunning.registered_letters import track_letters

    maileva = client(fake_maileva, tmp_path)
    sent = maileva.submit(letter())
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        customer = Customer(ref="C1", name="Dubois SARL", address_lines=["1 rue Neuve", "75001 Paris"])
        repo.add(customer)
        repo.flush()
        assert customer.id is not None
        repo.add(Reminder(customer_id=customer.id, level="formal_notice", channel="registered", status="sent",
                          invoice_numbers=["FA-2026-00001"], amount_due=Decimal("1500.00"),
                          planned_on=date(2026, 11, 3), delivery=sent.sending_id))
    fake_maileva.deposit(sent.sending_id, "2026-11-04")
    fake_maileva.give_back(sent.sending_id, "P01", "Attend d'être retiré au guichet", "2026-11-06")
    fake_maileva.give_back(sent.sending_id, "P03", "Retourné à l'expéditeur pour cause de dépassement de délai "
                                                   "d'instance", "2026-11-23")
    [tracked] = track_letters(engine, None, maileva, tmp_path / "registered")
    assert (tracked.status, tracked.returned_on, tracked.received_on, tracked.deadline_on) == (
        "unclaimed", date(2026, 11, 23), None, None)
    assert tracked.return_reason is not None and tracked.return_reason.startswith("P03 Retourné")
    assert tracked.deposit_proof is not None and tracked.dispatch_number == "1A12345678901"
    assert track_letters(engine, None, maileva, tmp_path / "registered") == []  # over: not asked again
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        from worker.dunning.reminder_customers import customer_history

        kinds = [e.kind for e in customer_history(repo, "C1")]
    assert kinds == ["registered_letter.deposited", "registered_letter.returned"]


def test_tracking_without_a_provider_says_so_in_one_line(cli: Any) -> None:
    result = cli("letters", "track", ok=False)
    assert result.exit_code == 1 and result.stderr == (
        "error: company default: no [registered_mail] section in its TOML file: registered letters cannot be sent "
        "or tracked\n")
    assert cli.json("letters", "list") == []


def test_a_letter_recorded_as_sent_after_a_crash_is_found_by_its_message(engine: Any, tmp_path: Path,
                                                                         fake_maileva: FakeMaileva) -> None:  # noqa: F811
    """The sender died after the provider took the letter; a person recorded it as sent (`reminders resolve`, the
    delivery is then the Message-ID): the tracking finds the sending by the message's identity, once."""
    from reminders.channels.base import Message
    from reminders.channels.registered import registered_reference
    from worker.access.companies import resolve_company
    from worker.db.repository import Repository
    from worker.db.tables import Customer, Reminder
    from worker.db.uow import unit_of_work
    from worker.dunning.registered_letters import track_letters

    maileva = client(fake_maileva, tmp_path)
    identity = Message(to=(), subject="", text="", customer_ref="C1", level="formal_notice",
                       invoice_numbers=("FA-2026-00001",))
    sent = maileva.submit(letter(registered_reference(identity)))
    with unit_of_work(engine) as session:
        repo = Repository(session, resolve_company(session, None))
        customer = Customer(ref="C1", name="Dubois SARL", address_lines=["1 rue Neuve", "75001 Paris"])
        repo.add(customer)
        repo.flush()
        repo.add(Reminder(customer_id=customer.id or 0, level="formal_notice", channel="registered", status="sent",
                          invoice_numbers=["FA-2026-00001"], amount_due=Decimal("1500.00"),
                          planned_on=date(2026, 11, 3), delivery="<lettrage.default.1.0@atelier.example>"))
    [tracked] = track_letters(engine, None, maileva, tmp_path / "registered")
    assert tracked.sending_id == sent.sending_id and tracked.status == "submitted"
    assert [t.sending_id for t in track_letters(engine, None, maileva, tmp_path / "registered")] == [sent.sending_id]


def test_a_letter_the_post_could_not_deliver_goes_on_by_the_fallback_channel(cli: Any, tmp_path: Path,
                                                                            fake_maileva: FakeMaileva) -> None:  # noqa: F811
    """Returned for a wrong address, the letter put no one « en demeure » (art. 1344 C. civ.): its message is
    handled as a bounce and escalated to the policy's fallback (here an ordinary letter)."""
    setup_company(cli, tmp_path, fake_maileva)
    policy = tmp_path / "notice.toml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "[[levels]]", 'escalation = { registered = "letter" }\n[[levels]]', 1), encoding="utf-8")
    cli("reminders", "policy", "--set", str(policy))
    cli.json("reminders", "send", "--as-of", "2026-11-03")
    [sending] = fake_maileva.submitted()
    fake_maileva.deposit(sending.id, "2026-11-04")
    fake_maileva.give_back(sending.id, "A23", "Retourné à l'expéditeur pour cause d'adresse incorrecte", "2026-11-09")
    [tracked] = cli.json("letters", "track")
    assert tracked["status"] == "returned" and tracked["changes"][-1] == (
        "formal_notice by registered bounced; registered given up, escalated to letter")
    kinds = [e["kind"] for e in cli.json("customers", "history", "C1")]
    assert "registered_letter.returned" in kinds and "reminder.bounced" in kinds and "reminder.escalated" in kinds
    statement = tmp_path / "releve-2.xml"  # the bank data of the day before: fresh
    statement.write_bytes(Camt053([Payment("BQ-2", date(2026, 11, 9), Decimal("7.50"), "INCONNU", "Virement")],
                                  statement_id="S-2").render())
    cli.json("statements", "import", str(statement))
    sent = cli.json("reminders", "send", "--as-of", "2026-11-10")
    assert [(r["level"], r["channel"], r["status"]) for r in sent] == [("formal_notice", "letter", "sent")], sent
