"""No fetch or file read on a caller's word (issue 16, item 1).

The outbound client refuses internal addresses in every spelling, after DNS resolution and on every redirect,
unless the operator allows the host; webhook URLs are refused at registration and their delivery log says
only the class of each outcome; an invoice's ``pdf`` is accepted only from the company's document sources
(an upload, its documents folder, an allowed host), at import and again when the document is served, and a
refused document answers the same 404 as a missing one."""
from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.integration.api_helpers import ODD, app_client, company_with_queue, token
from worker.outbound import (
    OutboundClient,
    OutboundFailed,
    OutboundRefused,
    address_problem,
    host_allowed,
    literal_address,
)


def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} is an address: nothing to resolve")


# -- the address check ---------------------------------------------------------------------------------
INTERNAL = [
    ("http://127.0.0.1/", "loopback"),
    ("http://2130706433/", "loopback"),  # decimal
    ("http://0177.0.0.1/", "loopback"),  # octal
    ("http://0x7f000001/", "loopback"),  # hex
    ("http://0x7f.1/", "loopback"),
    ("http://127.1/", "loopback"),  # short
    ("http://127.255.255.254:8080/x", "loopback"),
    ("http://[::1]/", "loopback"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),  # IPv4-mapped IPv6
    ("http://[::ffff:7f00:1]/", "loopback"),
    ("http://[::127.0.0.1]/", "loopback"),  # IPv4-compatible
    ("http://[64:ff9b::7f00:1]/", "loopback"),  # NAT64
    ("http://[2002:7f00:1::]/", "loopback"),  # 6to4
    ("http://localhost/", "loopback"),
    ("http://localhost./", "loopback"),
    ("http://LocalHost:5432/", "loopback"),
    ("http://api.localhost/", "loopback"),
    ("http://0.0.0.0/", "unspecified"),
    ("http://0/", "unspecified"),
    ("http://[::]/", "unspecified"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
    ("http://[::ffff:169.254.169.254]/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fe80::1%25eth0]/", "link-local"),
    ("http://10.0.0.1/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://172.31.255.254/", "private"),
    ("http://192.168.1.1:8443/", "private"),
    ("http://[2002:c0a8:101::]/", "private"),  # 6to4 of 192.168.1.1
    ("http://[fc00::1]/", "private"),
    ("http://[fd12:3456::1]/", "private"),
    ("http://100.64.0.1/", "shared"),  # CGNAT
    ("http://100.127.255.254/", "shared"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[ff02::1]/", "multicast"),
    ("http://240.0.0.1/", "private"),  # reserved (Python counts 240/4 among the private networks)
    ("http://255.255.255.255/", "private"),
    ("http://192.0.2.10/", "private"),  # documentation
]


@pytest.mark.parametrize(("url", "kind"), INTERNAL)
def test_internal_addresses_are_refused_in_every_spelling(url: str, kind: str) -> None:
    with pytest.raises(OutboundRefused, match=rf"refused: internal address \({kind}\)$"):
        OutboundClient(resolver=no_dns).check(url)


@pytest.mark.parametrize("url", ["http://8.8.8.8/", "https://1.1.1.1:8443/x?y=1", "http://172.15.255.255/",
                                 "http://172.32.0.1/", "http://100.128.0.1/", "http://[2606:4700::1111]/",
                                 "http://[::ffff:8.8.8.8]/"])
def test_public_addresses_pass(url: str) -> None:
    target = OutboundClient(resolver=no_dns).check(url)
    assert len(target.addresses) == 1 and address_problem(literal_address(target.addresses[0])) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://files.example/a.pdf", "gopher://example.org/",
                                 "javascript:alert(1)", "dict://example.org:11211/", "http:///nohost",
                                 "http://user:secret@example.org/", "http://example.org:99999/"])
def test_only_plain_http_urls(url: str) -> None:
    with pytest.raises(OutboundRefused):
        OutboundClient(resolver=no_dns).check(url)


def test_names_are_judged_by_what_they_resolve_to() -> None:
    def resolver(answers: list[str]) -> Any:
        return lambda host, port: answers

    with pytest.raises(OutboundRefused, match="^metadata.example: refused: internal address$"):
        OutboundClient(resolver=resolver(["169.254.169.254"])).check("http://metadata.example/")
    with pytest.raises(OutboundRefused):  # one internal address among public ones is enough
        OutboundClient(resolver=resolver(["93.184.216.34", "10.0.0.7"])).check("https://split.example/")
    with pytest.raises(OutboundRefused):
        OutboundClient(resolver=resolver(["::ffff:127.0.0.1"])).check("https://mapped.example/")
    target = OutboundClient(resolver=resolver(["93.184.216.34", "2606:2800:220:1::"])).check("https://ok.example/a?b=c")
    assert (target.host, target.port, target.path, target.addresses) == (
        "ok.example", 443, "/a?b=c", ("93.184.216.34", "2606:2800:220:1::"))

    def broken(host: str, port: int) -> list[str]:
        raise OSError("no such name")

    with pytest.raises(OutboundFailed, match="cannot be resolved"):
        OutboundClient(resolver=broken).check("http://nowhere.example/")


def test_the_operator_allow_list() -> None:
    from worker.settings import load_settings

    settings = load_settings({"LETTRAGE_DATA_DIR": "/tmp/lettrage-test",
                              "LETTRAGE_OUTBOUND_ALLOW_HOSTS": "sms-gateway.internal, 127.0.0.1 *.corp.example"},
                             env_file=None)
    assert settings.outbound_allow_hosts == ("sms-gateway.internal", "127.0.0.1", "*.corp.example")
    client = OutboundClient.for_settings(settings)
    assert client.check("http://127.0.0.1:8080/hook").addresses == ("127.0.0.1",)
    assert client.check("http://2130706433:8080/hook").addresses == ("127.0.0.1",)  # the same address, spelt so
    with pytest.raises(OutboundRefused):
        client.check("http://127.0.0.2/")  # another address
    with pytest.raises(OutboundRefused):
        client.check("http://localhost/")  # the name is not on the list
    inside = OutboundClient(settings.outbound_allow_hosts, resolver=lambda host, port: ["10.1.2.3"])
    assert inside.check("https://SMS-Gateway.internal./send").addresses == ("10.1.2.3",)
    assert inside.check("https://docs.corp.example/").addresses == ("10.1.2.3",)
    with pytest.raises(OutboundRefused):
        inside.check("https://corp.example.evil.example/")
    with pytest.raises(OutboundRefused):
        inside.check("file:///etc/passwd")  # the scheme rule stays
    assert host_allowed("DOCS.corp.example", ["*.corp.example"]) and not host_allowed("corp.example", ["*.corp.example"])


# -- a local server: redirects, documents, webhooks ------------------------------------------------------
class Site:
    """A server on 127.0.0.1: serves a PDF, redirects, answers 503 with words of its own; counts hits."""

    def __init__(self, pdf: bytes) -> None:
        self.hits: list[str] = []
        self.posts: list[bytes] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.hits.append(self.path)
                port = site.port
                moves = {"/hop": "/doc.pdf", "/to-loopback": f"http://127.0.0.1:{port}/doc.pdf",
                         "/to-decimal": f"http://2130706433:{port}/doc.pdf",
                         "/to-metadata": "http://169.254.169.254/latest/meta-data/",
                         "/to-private": "http://[::ffff:10.0.0.1]/", "/loop": "/loop"}
                if self.path in moves:
                    self.send_response(302)
                    self.send_header("Location", moves[self.path])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path == "/doc.pdf":
                    self._answer(200, pdf, "application/pdf")
                    return
                self._answer(404, b"no", "text/plain")

            def do_POST(self) -> None:
                site.posts.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                self._answer(503, b"db-internal-7.corp refused: redis AUTH failed", "text/plain")

            def _answer(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]


def invoice_pdf(line: str) -> bytes:
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 760, line)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def site() -> Iterator[Site]:
    found = Site(invoice_pdf("Facture FA-9 en ligne"))
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_redirects_are_checked_at_every_hop(site: Site) -> None:
    client = OutboundClient(allow_hosts=("localhost",))  # the operator allows this name, not the loopback address
    base = f"http://localhost:{site.port}"
    answer = client.request("GET", f"{base}/hop")
    assert (answer.status, answer.url) == (200, f"{base}/doc.pdf") and answer.body.startswith(b"%PDF")
    for path, refused in (("/to-loopback", "127.0.0.1: refused: internal address (loopback)"),
                          ("/to-decimal", "2130706433: refused: internal address (loopback)"),
                          ("/to-metadata", "169.254.169.254: refused: internal address (link-local)"),
                          ("/to-private", "::ffff:10.0.0.1: refused: internal address (private)")):
        hits = len(site.hits)
        with pytest.raises(OutboundRefused) as caught:
            client.request("GET", base + path)
        assert str(caught.value) == refused
        assert site.hits[hits:] == [path]  # the redirect's target was never asked
    with pytest.raises(OutboundFailed, match="more than 5 redirects"):
        client.request("GET", f"{base}/loop")
    assert client.request("POST", f"{base}/hop", body=b"{}").status == 503  # a POST is never redirected
    with pytest.raises(OutboundRefused):
        OutboundClient().request("GET", f"{base}/doc.pdf")  # not allowed: refused before connecting
    with pytest.raises(OutboundFailed, match="larger than 100 bytes"):
        client.request("GET", f"{base}/doc.pdf", max_bytes=100)


# -- webhooks --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # database-independent: once is enough
def test_webhook_urls_to_internal_addresses_are_refused_and_the_log_says_only_the_class(
        cli: Any, tmp_path: Path, site: Site) -> None:
    from worker.webhooks import webhooks

    client = app_client(cli, tmp_path)
    headers = token(cli, "billing")
    for url in ("http://127.0.0.1:6379/", "http://2130706433/", "http://0177.0.0.1/", "http://0x7f000001/",
                "http://127.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://localhost./",
                "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://192.168.1.1/",
                "http://172.16.0.1/", "http://100.64.0.1/", "http://0.0.0.0:22/", "http://[fd00::1]/"):
        refused = client.post("/api/webhooks", headers=headers, json={"url": url})
        assert refused.status_code == 422, url
        assert refused.json()["detail"].startswith("webhook URL refused: ") and "internal address" in \
            refused.json()["detail"]
    assert client.post("/api/webhooks", headers=headers, json={"url": "file:///etc/passwd"}).status_code == 422
    assert client.get("/api/webhooks", headers=headers).json() == []

    # the operator allows the host: registered; the receiver's own words never reach the delivery log
    cli.env["LETTRAGE_OUTBOUND_ALLOW_HOSTS"] = "127.0.0.1"
    client = app_client(cli, tmp_path)
    assert client.post("/api/webhooks", headers=headers,
                       json={"url": f"http://127.0.0.1:{site.port}/hooks", "events": ["invoice.paid"]}).status_code == 201
    assert client.post("/api/webhooks", headers=headers,
                       json={"url": "http://127.0.0.1:9/closed", "events": ["invoice.paid"]}).status_code == 201
    company_with_queue(cli, tmp_path, [ODD])
    item = client.get("/api/review", headers=headers).json()["items"][0]["id"]
    assert client.post(f"/api/review/{item}/accept", headers=headers, json={}).status_code == 200
    assert len(site.posts) == 1  # posted once, after the change
    log = {d["endpoint_id"]: d for d in client.get("/api/webhooks/deliveries", headers=headers).json()["items"]}
    answered, closed = log[1], log[2]
    assert (answered["last_status_code"], answered["last_error"]) == (500, "delivery failed (HTTP 5xx)")
    assert answered["log"][0]["status_code"] == 500 and answered["log"][0]["error"] == "delivery failed (HTTP 5xx)"
    assert (closed["last_status_code"], closed["last_error"]) == (None, "delivery failed (no answer)")
    body = json.dumps(log)
    assert "redis" not in body and "503" not in body and "refused" not in body and "Connection" not in body

    # the operator withdraws the host: the next attempt is refused before anything is sent
    engine = client.app.state.engine  # type: ignore[attr-defined]
    from worker.db.api_tables import utcnow

    report = webhooks.dispatch(engine, "test-secret-key", now=utcnow().replace(year=2100), outbound=OutboundClient())
    assert report.failed == 2 and len(site.posts) == 1
    log = {d["endpoint_id"]: d for d in client.get("/api/webhooks/deliveries", headers=headers).json()["items"]}
    assert log[1]["last_error"] == log[2]["last_error"] == "refused: internal address"


# -- invoice documents -----------------------------------------------------------------------------------
def _invoice(number: str, pdf: str | None = None) -> dict[str, str]:
    return {"number": number, "customer_ref": "C9", "customer_name": "Garage Lemoine SAS", "amount": "120.00",
            "issued_on": "2026-09-01", "due_on": "2026-10-01", **({"pdf": pdf} if pdf is not None else {})}


def test_documents_come_only_from_the_company_sources(cli: Any, tmp_path: Path, site: Site) -> None:
    companies = tmp_path / "companies"
    companies.mkdir()
    cli.env["LETTRAGE_COMPANIES_DIR"] = str(companies)
    folder = tmp_path / "docs"
    folder.mkdir()
    (companies / "default.toml").write_text(f'[documents]\nfolder = "{folder}"\nallow_hosts = ["localhost"]\n',
                                            encoding="utf-8")
    own = invoice_pdf("Facture FA-1 du dossier")
    (folder / "FA-1.pdf").write_bytes(own)
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(invoice_pdf("Not for the API"))
    os.symlink(secret, folder / "link.pdf")  # a link that leaves the folder

    client = app_client(cli, tmp_path)
    billing = token(cli, "billing", "invoices:read", "invoices:write")
    # another company and its uploaded document
    cli("companies", "add", "autre")
    other = token(cli, "other", "invoices:read", "invoices:write", company="autre")
    assert client.post("/api/invoices", headers=other, json={"invoices": [_invoice("FB-1")]}).status_code == 200
    uploaded = client.put("/api/invoices/FB-1/document", headers={**other, "Content-Type": "application/pdf"},
                          content=invoice_pdf("Facture FB-1 de l'autre société"))
    assert uploaded.status_code == 200
    [theirs] = (Path(cli.env["LETTRAGE_DATA_DIR"]) / "documents" / "autre").glob("FB-1-*.pdf")

    wanted = {
        "FA-1": "FA-1.pdf",  # under the documents folder: taken
        "FA-2": "/etc/passwd",
        "FA-3": "file:///etc/passwd",
        "FA-4": "../secret.pdf",
        "FA-5": "link.pdf",
        "FA-6": "https://elsewhere.example/FA-6.pdf",
        "FA-7": str(theirs),  # another company's upload
        "FA-8": "gopher://localhost/x",
        "FA-9": f"http://localhost:{site.port}/doc.pdf",  # an allowed host, but on loopback
        "FA-10": "/nonexistent/missing.pdf",
        "FA-11": str(secret),
    }
    answer = client.post("/api/invoices", headers=billing,
                         json={"invoices": [_invoice(n, p) for n, p in wanted.items()]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["imported"], body["updated"], body["unchanged"]) == (11, 0, 0)  # every invoice is imported
    refused = {r["number"]: r for r in body["documents_refused"]}
    assert sorted(refused) == sorted(set(wanted) - {"FA-1", "FA-9"})
    assert all(r["file"] == "api" and r["row"] == int(r["number"][3:]) for r in refused.values())
    assert refused["FA-2"]["reason"] == "pdf '/etc/passwd' refused: outside the company's documents folder or " \
                                        "lettrage's own files of the company"
    # an existing and a missing server file are refused alike: nothing is said of what is on the disk
    assert refused["FA-10"]["reason"] == refused["FA-2"]["reason"].replace("/etc/passwd", "/nonexistent/missing.pdf")
    assert "file: address is not a document source" in refused["FA-3"]["reason"]
    assert refused["FA-4"]["reason"].endswith("refused: outside the company's documents folder")
    assert refused["FA-5"]["reason"].endswith("refused: outside the company's documents folder")
    assert "elsewhere.example is not on the company's [documents] allow_hosts" in refused["FA-6"]["reason"]
    assert "outside" in refused["FA-7"]["reason"] and "gopher: address" in refused["FA-8"]["reason"]

    def document(number: str, headers: dict[str, str] = billing, api: Any = client) -> Any:
        return api.get(f"/api/invoices/{number}/document", headers=headers)

    got = document("FA-1")
    assert got.status_code == 200 and got.content == own
    for number in sorted(set(wanted) - {"FA-1"}):
        missing = document(number)
        assert (missing.status_code, missing.json()["detail"]) == (404, f"invoice {number} has no document"), number
    hits = list(site.hits)
    assert hits == []  # FA-9's host is allowed by the company, but loopback is not allowed by the operator

    # the operator allows the host: FA-9's document is fetched and served
    cli.env["LETTRAGE_OUTBOUND_ALLOW_HOSTS"] = "localhost"
    opened = app_client(cli, tmp_path)
    fetched = document("FA-9", api=opened)
    assert fetched.status_code == 200 and fetched.content.startswith(b"%PDF") and site.hits == ["/doc.pdf"]
    # another company never gets it, nor its own stored file through a number of ours
    assert document("FA-1", headers=other, api=opened).status_code == 404

    # checked again when served: values stored before (or behind) the rules are not read
    engine = create_engine(cli.env["LETTRAGE_DATABASE_URL"])
    with engine.begin() as conn:
        for number, value in (("FA-2", "/etc/passwd"), ("FA-7", str(theirs)), ("FA-11", str(secret)),
                              ("FA-4", str(folder / ".." / "secret.pdf")), ("FA-5", str(folder / "link.pdf")),
                              ("FA-3", f"http://127.0.0.1:{site.port}/doc.pdf"),
                              ("FA-6", "http://169.254.169.254/latest/meta-data/")):
            conn.execute(text("UPDATE invoice SET pdf = :pdf WHERE number = :number"), {"pdf": value, "number": number})
    engine.dispose()
    for number in ("FA-2", "FA-7", "FA-11", "FA-4", "FA-5", "FA-3", "FA-6"):
        again = document(number, api=opened)
        assert (again.status_code, again.json()["detail"]) == (404, f"invoice {number} has no document"), number
    assert site.hits == ["/doc.pdf"]  # 127.0.0.1 is not on the company's allow_hosts: never asked

    # the command line says the same, on stderr, and in --json
    export = tmp_path / "factures.csv"
    export.write_text("number,customer_ref,amount,issued_on,due_on,pdf\n"
                      "FA-20,C9,10.00,2026-09-01,2026-10-01,/etc/shadow\n"
                      "FA-21,C9,10.00,2026-09-01,2026-10-01,FA-1.pdf\n", encoding="utf-8")
    result = cli("invoices", "import", str(export), "--json")
    assert json.loads(result.stdout)["documents_refused"] == [
        {"file": str(export), "row": 2, "number": "FA-20",
         "reason": "pdf '/etc/shadow' refused: outside the company's documents folder or lettrage's own files of "
                   "the company"}]
    assert f"warning: {export}: row 2: invoice FA-20 imported without its document: pdf '/etc/shadow' refused" \
        in result.stderr
    assert document("FA-21").content == own
