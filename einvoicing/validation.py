"""Validation of e-invoicing documents against the official artefacts (XSD, then the business rules).

Two steps, as a platform does them:

1. the XML Schema (lxml ``XMLSchema``), each schema parsed once per process;
2. the business rules, published as Schematron compiled to XSLT 3 (EN 16931, Factur-X, the French
   BR-FR rules, the BR-FR-CDV rules of status messages). They are run with ``saxonche`` (an XSLT 3
   processor); the output is SVRL, and every ``svrl:failed-assert`` is a broken rule: its ``@id`` is
   the rule id, its ``@flag`` says ``fatal`` or ``warning`` (no flag means fatal, as in Schematron)
   and ``svrl:text`` the rule's text. Compiling one of these stylesheets takes seconds, so each is
   compiled once per process and kept.

The artefacts are not part of lettrage: ``rules_dir`` is the folder of the FNFE-MPE release
(``LETTRAGE_EINVOICING_RULES_DIR``), laid out as in that release (``CII/``, ``UBL/``, ``Factur-X/``,
``CDAR/``). ``ARTEFACTS`` names, per kind of document, the schema and the rule sets used.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

SVRL = "http://purl.oclc.org/dsdl/svrl"


class ValidationUnavailable(Exception):
    """The artefacts folder is not set or lacks a file this validation needs."""


@dataclass(frozen=True)
class RuleFailure:
    """One broken rule: ``id`` (rule id, or ``XSD`` / ``XML`` for schema and well-formedness errors),
    ``flag`` (``fatal`` or ``warning``), ``text`` (the rule's own words) and ``location`` (XPath or
    ``line N``)."""

    id: str
    flag: str
    text: str
    location: str = ""

    @property
    def fatal(self) -> bool:
        return self.flag != "warning"

    def line(self) -> str:
        """The failure in one line, for an error message."""
        return f"{self.id}: {self.text}"


@dataclass(frozen=True)
class RuleSet:
    """The artefacts checked for one kind of document, as paths relative to the rules folder.

    ``rules`` are the stylesheets whose fatal asserts reject a document; ``advisory`` ones are run only
    on request (``_WARNING`` variants, which flag most French rules as warnings)."""

    xsd: str
    rules: tuple[str, ...]
    advisory: tuple[str, ...] = ()


ARTEFACTS: dict[str, RuleSet] = {
    # A Factur-X PDF's XML: the Factur-X EN 16931 profile schema and rules, then the French rules.
    "facturx": RuleSet(
        xsd="Factur-X/EN16931/1xsd/Factur-X_EN16931.xsd",
        rules=("Factur-X/EN16931/2xslt/FACTUR-X_EN16931.xslt",
               "Factur-X/EN16931/2xslt/BR-FR-Flux2-Schematron-CII.xslt"),
        advisory=("Factur-X/EN16931/2xslt/BR-FR-Flux2-Schematron-CII_WARNING.xslt",),
    ),
    # A CII D22B invoice on its own.
    "cii": RuleSet(
        xsd="CII/1xsd-CII_D22B_uncoupled/CrossIndustryInvoice_100pD22B.xsd",
        rules=("CII/EN16931/2xslt/EN16931-CII-validation.xslt",
               "CII/EN16931/2xslt/BR-FR-Flux2-Schematron-CII.xslt"),
        advisory=("CII/EN16931/2xslt/BR-FR-Flux2-Schematron-CII_WARNING.xslt",),
    ),
    "ubl-invoice": RuleSet(
        xsd="UBL/1xsd_UBL2.1/maindoc/UBL-Invoice-2.1.xsd",
        rules=("UBL/EN16931/2xslt/EN16931-UBL-validation.xslt",
               "UBL/EN16931/2xslt/BR-FR-Flux2-Schematron-UBL.xslt"),
        advisory=("UBL/EN16931/2xslt/BR-FR-Flux2-Schematron-UBL_WARNING.xslt",),
    ),
    "ubl-creditnote": RuleSet(
        xsd="UBL/1xsd_UBL2.1/maindoc/UBL-CreditNote-2.1.xsd",
        rules=("UBL/EN16931/2xslt/EN16931-UBL-validation.xslt",
               "UBL/EN16931/2xslt/BR-FR-Flux2-Schematron-UBL.xslt"),
        advisory=("UBL/EN16931/2xslt/BR-FR-Flux2-Schematron-UBL_WARNING.xslt",),
    ),
    # Lifecycle status messages (CDAR D22B) and the French BR-FR-CDV rules.
    "cdar": RuleSet(
        xsd="CDAR/1xsd-CDAR_D22B_uncoupled/CrossDomainAcknowledgementAndResponse_100pD22B.xsd",
        rules=("CDAR/2xslt/BR-FR-CDV-Schematron-CDAR.xslt",),
        advisory=("CDAR/2xslt/BR-FR-CDV-Schematron-CDAR_WARNING.xslt",),
    ),
}


@dataclass
class ValidationReport:
    """Every failure found for one document; ``ok`` when none is fatal."""

    kind: str
    failures: list[RuleFailure] = field(default_factory=list)

    @property
    def fatal(self) -> list[RuleFailure]:
        return [f for f in self.failures if f.fatal]

    @property
    def warnings(self) -> list[RuleFailure]:
        return [f for f in self.failures if not f.fatal]

    @property
    def ok(self) -> bool:
        return not self.fatal


_lock = threading.RLock()
_schemas: dict[Path, etree.XMLSchema] = {}
_stylesheets: dict[Path, object] = {}
_processor: object | None = None


def _artefact(rules_dir: Path | str | None, relative: str) -> Path:
    if rules_dir is None:
        raise ValidationUnavailable(
            "e-invoice validation needs LETTRAGE_EINVOICING_RULES_DIR (the folder of the official artefacts)")
    path = (Path(rules_dir) / relative).resolve()
    if not path.is_file():
        raise ValidationUnavailable(f"official artefact missing: {path}")
    return path


def _schema(path: Path) -> etree.XMLSchema:
    with _lock:
        schema = _schemas.get(path)
        if schema is None:
            schema = etree.XMLSchema(etree.parse(str(path)))
            _schemas[path] = schema
        return schema


def _saxon() -> object:
    global _processor
    with _lock:
        if _processor is None:
            from saxonche import PySaxonProcessor

            _processor = PySaxonProcessor(license=False)
        return _processor


def _stylesheet(path: Path) -> object:
    """The compiled stylesheet (``PyXsltExecutable``), compiled on first use only."""
    with _lock:
        executable = _stylesheets.get(path)
        if executable is None:
            compiler = _saxon().new_xslt30_processor()  # type: ignore[attr-defined]
            executable = compiler.compile_stylesheet(stylesheet_file=str(path))
            if executable is None:
                raise ValidationUnavailable(f"cannot compile {path}")
            _stylesheets[path] = executable
        return executable


def parse_xml(xml: bytes) -> tuple[etree._Element | None, list[RuleFailure]]:
    """Parses without network or entity expansion; a document that is not well-formed is one failure."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(xml, parser)
    except etree.XMLSyntaxError as exc:
        return None, [RuleFailure("XML", "fatal", f"not well-formed XML: {exc}", "")]
    if root.getroottree().docinfo.doctype:  # no e-invoice has one; entities are an attack, not data
        return None, [RuleFailure("XML", "fatal", "a document type declaration (DOCTYPE) is not allowed", "")]
    return root, []


def check_schema(xml: bytes, xsd_path: Path) -> list[RuleFailure]:
    """XSD errors of ``xml`` against the schema at ``xsd_path`` (each error one fatal failure)."""
    root, failures = parse_xml(xml)
    if root is None:
        return failures
    schema = _schema(Path(xsd_path).resolve())
    with _lock:
        valid = schema.validate(root)
        errors = list(schema.error_log) if not valid else []
    return [RuleFailure("XSD", "fatal", e.message, f"line {e.line}") for e in errors]


def parse_svrl(svrl: str | bytes) -> list[RuleFailure]:
    """The failed asserts of an SVRL report (successful reports are not failures)."""
    data = svrl.encode("utf-8") if isinstance(svrl, str) else svrl
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    out = []
    for node in root.iter(f"{{{SVRL}}}failed-assert"):
        text = " ".join("".join(node.findtext(f"{{{SVRL}}}text") or "").split())
        out.append(RuleFailure(node.get("id") or "", (node.get("flag") or "fatal").lower(), text,
                               node.get("location") or ""))
    return out


def run_rules(xml: bytes, xslt_path: Path) -> list[RuleFailure]:
    """Runs one compiled Schematron stylesheet on ``xml`` and returns its failed asserts."""
    root, failures = parse_xml(xml)
    if root is None:
        return failures
    text = etree.tostring(root, encoding="unicode")  # decoded by lxml, whatever the declared encoding
    executable = _stylesheet(Path(xslt_path).resolve())
    with _lock:  # one Saxon processor per process; its calls are not made concurrently
        try:
            node = _saxon().parse_xml(xml_text=text)  # type: ignore[attr-defined]
            svrl = executable.transform_to_string(xdm_node=node)  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 - saxonche raises its own PySaxonApiError
            raise ValidationUnavailable(f"{Path(xslt_path).name} failed: {exc}") from None
    if not svrl:
        raise ValidationUnavailable(f"{Path(xslt_path).name} produced no report")
    return parse_svrl(svrl)


def validate(xml: bytes, kind: str, rules_dir: Path | str | None, *, advisory: bool = False) -> ValidationReport:
    """Checks ``xml`` as a document of ``kind`` (a key of ``ARTEFACTS``): the schema first, and the rules
    only when the schema holds (the rules assume its structure). ``advisory`` also runs the ``_WARNING``
    variants, whose failures are reported with their own flags."""
    rule_set = ARTEFACTS[kind]
    report = ValidationReport(kind)
    report.failures.extend(check_schema(xml, _artefact(rules_dir, rule_set.xsd)))
    if report.failures:
        return report
    names = rule_set.rules + (rule_set.advisory if advisory else ())
    for relative in names:
        report.failures.extend(run_rules(xml, _artefact(rules_dir, relative)))
    return report


def warm_up(kind: str, rules_dir: Path | str) -> None:
    """Compiles the stylesheets of ``kind`` now (a long-running worker may do it at start)."""
    rule_set = ARTEFACTS[kind]
    _schema(_artefact(rules_dir, rule_set.xsd))
    for relative in rule_set.rules:
        _stylesheet(_artefact(rules_dir, relative))
