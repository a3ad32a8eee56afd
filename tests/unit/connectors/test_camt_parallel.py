"""connectors.camt_parallel: a CAMT file read in two parts gives exactly the sequential parse, or is not cut.

Differential: every CAMT fixture, the same fixtures with their entries repeated (so that they can be cut),
and generated documents (hypothesis: statuses, batches, missing references, reversals, currencies, bad
entries, balances before, between and after the entries, namespace prefixes, comments, several
statements) are parsed sequentially and in parts; the parts' result must be None (the caller then parses
sequentially) or equal to the sequential ParsedFile, lines, rows, bank references, warnings, balances and
all. A file the sequential parse refuses is never accepted in parts. The worker processes themselves are
run on a generated file, a file on disk and a worker that crashes.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from connectors_fixtures import ABSENT, FIXTURES
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from connectors import camt, camt_parallel
from connectors.camt import CamtParser
from connectors.camt_parallel import _find_markup
from connectors.errors import ParseError
from connectors.model import ParsedFile

PARSERS = [CamtParser(kind) for kind in ("camt.053", "camt.052", "camt.054")]
_ENTRY = re.compile(rb"<(?:[\w.-]+:)?Ntry>.*?</(?:[\w.-]+:)?Ntry>", re.DOTALL)


def _sequential(parser: CamtParser, data: bytes) -> ParsedFile | str:
    try:
        return parser._parse_sequential(io.BytesIO(data), "f.xml")
    except ParseError as exc:
        return f"ParseError: {exc}"


def _compare(parser: CamtParser, data: bytes) -> bool:
    """Asserts that the parts give the sequential result or nothing; True when the file was cut."""
    expected = _sequential(parser, data)
    got = camt_parallel.parse_in_parts(parser, data, "f.xml", inline=True)
    if got is None:
        return False
    assert not isinstance(expected, str), f"cut although the sequential parse refuses it: {expected}"
    assert got == expected
    assert [ln.row for s in got.statements for ln in s.lines] == [ln.row for s in expected.statements
                                                                 for ln in s.lines]
    return True


def _camt_fixtures() -> list[Path]:
    if not FIXTURES.is_dir():
        return []
    return sorted(p for p in FIXTURES.glob("camt05*/**/*") if p.is_file())


def _parser_for(data: bytes) -> CamtParser:
    return next((p for p in PARSERS if p.detect(data[:4096], "f.xml")), PARSERS[0])


def _repeated(data: bytes, times: int = 5) -> bytes:
    """The file with its run of entries written ``times`` times (when the entries follow each other)."""
    found = list(_ENTRY.finditer(data))
    if len(found) < 1:
        return data
    start, end = found[0].start(), found[-1].end()
    return data[:start] + b"\n".join([data[start:end]] * times) + data[end:]


def test_every_camt_fixture_reads_the_same_in_parts() -> None:
    files = _camt_fixtures()
    if not files:
        pytest.skip(ABSENT)
    cut = 0
    for path in files:
        data = path.read_bytes()
        parser = _parser_for(data)
        for variant in (data, _repeated(data)):
            for flips in (False, True):
                cut += _compare(CamtParser(parser.format, reversal_flips_sign=flips), variant)
    assert cut >= 10, f"only {cut} fixture variants could be cut: the comparison proves little"


# -- generated documents ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Doc:
    kind: str
    prefix: str
    currency: bool
    entries: list[str]
    balances: tuple[str, ...]  # "before", "after" or an entry index
    comment: int | None
    two_statements: bool
    gap: str


_KINDS = {"camt.053": ("BkToCstmrStmt", "Stmt", "053.001.02"), "camt.052": ("BkToCstmrAcctRpt", "Rpt", "052.001.08"),
          "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn", "054.001.04")}
names = st.sampled_from(["ACME SARL", "Dupont &amp; Fils", "  Émile  Zola ", "", "O'Neil &lt;GmbH&gt;"])
amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)


@st.composite
def details(draw: st.DrawFn, p: str, ccy: str) -> str:
    credit = draw(st.booleans())
    party, acct = ("Dbtr", "DbtrAcct") if credit else ("Cdtr", "CdtrAcct")
    name = draw(names)
    nm = f"<{p}Pty><{p}Nm>{name}</{p}Nm></{p}Pty>" if draw(st.booleans()) else f"<{p}Nm>{name}</{p}Nm>"
    iban = draw(st.sampled_from(["", "FR76 3000 6000 0112 3456 7890 189", "DE89370400440532013000"]))
    accts = f"<{p}{acct}><{p}Id><{p}IBAN>{iban}</{p}IBAN></{p}Id></{p}{acct}>" if iban else ""
    own = draw(st.sampled_from(["", "amt", "txamt", "other-ccy"]))
    value = draw(amounts)
    amount = {"": "", "amt": f'<{p}Amt Ccy="{ccy}">{value}</{p}Amt><{p}CdtDbtInd>{"CRDT" if credit else "DBIT"}'
                               f'</{p}CdtDbtInd>',
              "txamt": f'<{p}AmtDtls><{p}TxAmt><{p}Amt Ccy="{ccy}">{value}</{p}Amt></{p}TxAmt></{p}AmtDtls>',
              "other-ccy": f'<{p}Amt Ccy="USD">{value}</{p}Amt>'}[own]
    ustrd = "".join(f"<{p}Ustrd>{t}</{p}Ustrd>" for t in draw(st.lists(
        st.sampled_from(["FACTURE F-2026-001", "  VIR  SEPA ", "", "réf. 12 &amp; 13"]), max_size=2)))
    strd = f"<{p}Strd><{p}CdtrRefInf><{p}Ref>RF18 5390</{p}Ref></{p}CdtrRefInf></{p}Strd>" if draw(st.booleans()) else ""
    e2e = draw(st.sampled_from(["", "NOTPROVIDED", "E2E-1"]))
    refs = f"<{p}Refs><{p}EndToEndId>{e2e}</{p}EndToEndId></{p}Refs>" if e2e else ""
    return (f"<{p}TxDtls>{refs}{amount}<{p}RltdPties><{p}{party}>{nm}</{p}{party}>{accts}</{p}RltdPties>"
            f"<{p}RmtInf>{ustrd}{strd}</{p}RmtInf></{p}TxDtls>")


@st.composite
def entries(draw: st.DrawFn, p: str) -> str:
    ccy = draw(st.sampled_from(["EUR", "EUR", "EUR", ""]))
    status = draw(st.sampled_from(["BOOK", "BOOK", "BOOK", "cd-BOOK", "PDNG", "INFO", "missing"]))
    sts = {"cd-BOOK": f"<{p}Sts><{p}Cd>BOOK</{p}Cd></{p}Sts>", "missing": ""}.get(status, f"<{p}Sts>{status}</{p}Sts>")
    amount = draw(amounts)
    bad_amount = draw(st.integers(0, 80)) == 0
    amt = f'<{p}Amt{f" Ccy={chr(34)}{ccy}{chr(34)}" if ccy else ""}>{"x" if bad_amount else amount}</{p}Amt>'
    indicator = "BOTH" if draw(st.integers(0, 60)) == 0 else draw(st.sampled_from(["CRDT", "DBIT"]))
    day = draw(st.integers(1, 28))
    dated = draw(st.sampled_from(["Dt", "Dt", "Dt", "DtTm", "DtTm", "none"]))
    when = {"Dt": f"<{p}Dt>2026-02-{day:02d}</{p}Dt>", "DtTm": f"<{p}DtTm>2026-02-{day:02d}T10:00:00</{p}DtTm>",
            "none": ""}[dated]
    dates = (f"<{p}BookgDt>{when}</{p}BookgDt>" if when else "") + (
        f"<{p}ValDt><{p}Dt>2026-03-{day:02d}</{p}Dt></{p}ValDt>" if draw(st.booleans()) else "")
    ref = "none" if draw(st.integers(0, 12)) == 0 else draw(st.sampled_from(["svcr", "svcr", "ntryref"]))
    number = draw(st.integers(1, 9999))
    refs = {"svcr": f"<{p}AcctSvcrRef>REF{number}</{p}AcctSvcrRef>", "ntryref": f"<{p}NtryRef>N{number}</{p}NtryRef>",
            "none": ""}[ref]
    rvsl = f"<{p}RvslInd>true</{p}RvslInd>" if draw(st.integers(0, 5)) == 0 else ""
    txs = draw(st.lists(details(p, ccy or "EUR"), max_size=3))
    groups = f"<{p}NtryDtls>{''.join(txs)}</{p}NtryDtls>" if txs or draw(st.booleans()) else ""
    info = f"<{p}AddtlNtryInf>VIR {number}</{p}AddtlNtryInf>" if draw(st.booleans()) else ""
    return f"<{p}Ntry>{amt}<{p}CdtDbtInd>{indicator}</{p}CdtDbtInd>{rvsl}{sts}{dates}{refs}{groups}{info}</{p}Ntry>"


@st.composite
def documents(draw: st.DrawFn) -> Doc:
    prefix = draw(st.sampled_from(["", "", "c:"]))
    items = draw(st.lists(entries(prefix), min_size=0 if draw(st.integers(0, 9)) == 0 else 2, max_size=10))
    many = draw(st.integers(0, 3)) == 0
    if many and items:
        items = items * draw(st.integers(2, 4))  # identical entries: occurrence counters of derived ids
    between = st.integers(0, max(len(items) - 1, 0))
    positions = st.sampled_from(["before", "before", "after"]) | between if draw(st.integers(0, 5)) == 0 else \
        st.sampled_from(["before", "before", "after"])
    return Doc(kind=draw(st.sampled_from(sorted(_KINDS))), prefix=prefix, currency=draw(st.integers(0, 9)) > 0,
               entries=items, balances=tuple(draw(st.lists(positions, max_size=3))),
               comment=draw(st.none() | st.integers(0, len(items))) if draw(st.integers(0, 6)) == 0 else None,
               two_statements=draw(st.integers(0, 10)) == 0, gap=draw(st.sampled_from(["", "\n", " \n  "])))


def render(doc: Doc) -> bytes:
    p = doc.prefix
    message, container, version = _KINDS[doc.kind]
    xmlns = f"xmlns{':' + p[:-1] if p else ''}=\"urn:iso:std:iso:20022:tech:xsd:camt.{version}\""
    bal = {code: (f"<{p}Bal><{p}Tp><{p}CdOrPrtry><{p}Cd>{code}</{p}Cd></{p}CdOrPrtry></{p}Tp>"
                  f'<{p}Amt Ccy="EUR">100.00</{p}Amt><{p}CdtDbtInd>CRDT</{p}CdtDbtInd>'
                  f"<{p}Dt><{p}Dt>2026-02-01</{p}Dt></{p}Dt></{p}Bal>") for code in ("OPBD", "CLBD", "PRCD")}
    codes = ["OPBD", "CLBD", "PRCD"]
    before = "".join(bal[codes[i]] for i, b in enumerate(doc.balances) if b == "before")
    after = "".join(bal[codes[i]] for i, b in enumerate(doc.balances) if b == "after")
    body = []
    for n, entry in enumerate(doc.entries):
        body.extend(bal[codes[i]] for i, b in enumerate(doc.balances) if b == n)
        if doc.comment == n:
            body.append("<!-- a comment -->")
        body.append(entry)
    ccy = f"<{p}Ccy>EUR</{p}Ccy>" if doc.currency else ""
    statement = (f"<{p}{container}><{p}Id>S-1</{p}Id><{p}CreDtTm>2026-02-28T20:00:00</{p}CreDtTm>"
                 f"<{p}Acct><{p}Id><{p}IBAN>FR7630006000011234567890189</{p}IBAN></{p}Id>{ccy}</{p}Acct>"
                 f"{before}{doc.gap.join(body)}{doc.gap}{after}</{p}{container}>")
    second = statement.replace("S-1", "S-2").replace("REF", "XREF") if doc.two_statements else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}Document {xmlns}><{p}{message}>'
            f"<{p}GrpHdr><{p}MsgId>M</{p}MsgId><{p}CreDtTm>2026-02-28T20:00:00</{p}CreDtTm></{p}GrpHdr>"
            f"{statement}{second}</{p}{message}></{p}Document>\n").encode()


@settings(database=None, max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.booleans())
def test_generated_documents_read_the_same_in_parts(doc: Doc, flips: bool) -> None:
    data = render(doc)
    parser = CamtParser(doc.kind, reversal_flips_sign=flips)
    event("cut" if _compare(parser, data) else f"not cut: {camt_parallel.last_run.get('fallback')}")


def test_a_plain_generated_statement_is_cut_and_matches() -> None:
    doc = Doc(kind="camt.053", prefix="", currency=True, balances=("before", "before"), comment=None,
              two_statements=False, gap="\n",
              entries=[f'<Ntry><Amt Ccy="EUR">{n}.10</Amt><CdtDbtInd>{"CRDT" if n % 3 else "DBIT"}</CdtDbtInd>'
                       f"<Sts>BOOK</Sts><BookgDt><Dt>2026-02-{n % 28 + 1:02d}</Dt></BookgDt>"
                       f"<AcctSvcrRef>R{n}</AcctSvcrRef></Ntry>" for n in range(1, 40)])
    assert _compare(CamtParser(), render(doc))
    assert camt_parallel.last_run["parts"] == 2


def test_what_a_cut_must_not_hide_falls_back() -> None:
    base = ('<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
            "<BookgDt><Dt>2026-02-01</Dt></BookgDt>{ref}</Ntry>")
    plain = [base.format(ref=f"<AcctSvcrRef>R{n}</AcctSvcrRef>") for n in range(10)]
    derived = [base.format(ref="") for _ in range(10)]  # identical lines: occurrences 0..9 of one derived id
    cases = {
        "derived ids in the second part": Doc("camt.053", "", True, derived, (), None, False, "\n"),
        "no currency before the first entry": Doc("camt.053", "", False, plain, (), None, False, "\n"),
        "a balance between entries": Doc("camt.053", "", True, plain, (5,), None, False, "\n"),
        "a comment": Doc("camt.053", "", True, plain, (), 3, False, "\n"),
        "two statements": Doc("camt.053", "", True, plain, (), None, True, "\n"),
    }
    files = {reason: render(doc) for reason, doc in cases.items()}
    data = render(Doc("camt.053", "", True, plain, (), None, False, "\n"))
    assert camt_parallel.parse_in_parts(CamtParser(), data, "f.xml", inline=True) is not None
    text = data.decode()
    files["an entry tag written with a space"] = text.replace("<Ntry>", "<Ntry >", 7).replace(
        "<Ntry >", "<Ntry>", 6).encode()
    files["an entry with another prefix"] = text.replace(
        "<Document ", '<Document xmlns:d="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" ').replace(
        "<Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-02-01</Dt>"
        "</BookgDt><AcctSvcrRef>R8</AcctSvcrRef></Ntry>",
        "<d:Ntry><d:Amt Ccy=\"EUR\">1.00</d:Amt><d:CdtDbtInd>CRDT</d:CdtDbtInd><d:Sts>BOOK</d:Sts><d:BookgDt>"
        "<d:Dt>2026-02-01</d:Dt></d:BookgDt><d:AcctSvcrRef>R8</d:AcctSvcrRef></d:Ntry>").encode()
    files["UTF-16"] = text.replace("UTF-8", "UTF-16").encode("utf-16")
    files["an entity declaration"] = text.replace("<Document", '<!DOCTYPE Document [<!ENTITY a "b">]>\n<Document').encode()
    for reason, variant in files.items():
        assert variant != data, reason
        assert camt_parallel.parse_in_parts(CamtParser(), variant, "f.xml", inline=True) is None, reason
        expected = _sequential(CamtParser(), variant)
        try:
            assert CamtParser().parse(variant, "f.xml") == expected, reason
        except ParseError as exc:
            assert f"ParseError: {exc}" == expected, reason


# -- the worker processes -----------------------------------------------------------------------------------
def _big() -> bytes:
    doc = Doc(kind="camt.053", prefix="", currency=True, balances=("before", "after"), comment=None,
              two_statements=False, gap="\n",
              entries=[f'<Ntry><Amt Ccy="EUR">{n}.25</Amt><CdtDbtInd>{"CRDT" if n % 3 else "DBIT"}</CdtDbtInd>'
                       f"<Sts>{'BOOK' if n % 17 else 'PDNG'}</Sts><BookgDt><Dt>2026-02-{n % 28 + 1:02d}</Dt></BookgDt>"
                       f"<AcctSvcrRef>R{n}</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Nm>P{n % 7}</Nm>"
                       f"</Dbtr></RltdPties><RmtInf><Ustrd>F-{n}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
                       for n in range(1, 12_001)])
    return render(doc)


def test_two_worker_processes_give_the_sequential_result(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _big()
    expected = _sequential(CamtParser(), data)
    assert isinstance(expected, ParsedFile) and expected.line_count > 11_000
    assert camt_parallel.parse_in_parts(CamtParser(), data, "f.xml") == expected
    assert camt_parallel.last_run["parts"] == 2, camt_parallel.last_run  # batches of 5,000 lines went through
    monkeypatch.setattr(camt, "PARALLEL_MIN_SIZE", 0)
    path = tmp_path / "big.xml"
    path.write_bytes(data)
    with path.open("rb") as fileobj:  # as import_statement_file streams it
        assert CamtParser().parse_stream(fileobj, "f.xml") == expected
    assert camt_parallel.last_run["parts"] == 2


def test_a_crashing_worker_falls_back_to_the_sequential_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _big()
    monkeypatch.setattr(camt, "PARALLEL_MIN_SIZE", 0)
    monkeypatch.setattr(camt_parallel, "_worker_command", lambda: [camt_parallel.sys.executable, "-c",
                                                                   "import sys; sys.stdin.read(10); sys.exit(3)"])
    assert CamtParser().parse(data, "f.xml") == _sequential(CamtParser(), data)
    assert "parts" not in camt_parallel.last_run and camt_parallel.last_run["fallback"]


_MARKUP_BYTES = st.binary(max_size=40).map(lambda b: bytes((0x3C, 0x21, 0x3F, 0x41, 0x3E)[x % 5] for x in b))


@settings(max_examples=2000, deadline=None)
@given(_MARKUP_BYTES, st.integers(0, 45), st.integers(0, 45), st.sampled_from([b"!", b"?"]))
def test_find_markup_is_the_two_byte_search(block: bytes, start: int, end: int, mark: bytes) -> None:
    """The layout scan looks for ``<!`` and ``<?`` through the rare second byte: same answer as bytes.find."""
    assert _find_markup(block, mark, start, end) == block.find(b"<" + mark, start, end)
