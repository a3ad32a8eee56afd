"""Every kind of event in the audit log (``AuditEvent.kind``), with what it means.

The audit log is append-only: one row per decision or message, automatic or human, written in the decision's
own transaction by ``Repository.audit(kind, subject, actor, **data)`` (a few by ``AuditEvent(kind=...)``, the
matcher's in bulk). Its kinds are strings written at the call sites; this catalogue names each one with who
writes it, when, its subject and what its ``data`` holds. Readers filter on them: the webhooks (the audit log
is their outbox, worker/webhooks/webhooks.py), ``lettrage customers history`` (reminder_customers.py), the
once-only checks (``has_event``, ``event_subjects``), the e-reporting history and the statement import's
duplicate check. A kind's name and its data keys are a contract with stored rows and with those readers:
a new kind gets its line here, a changed one keeps reading what older rows hold.

tests/unit/test_audit_kinds.py reads worker/ (ast) and fails when a kind is written or read that is not
here, or when a kind here is written nowhere. Subjects are ``<thing>:<id>``: ``invoice:NUMBER``,
``line:BANK_REF``, ``review:ID``, ``customer:REF``, ``file:NAME``, ``account:IDENTIFIER``, ``week:…``.
Amounts in ``data`` are written as strings (``Repository.audit`` makes the data JSON-ready).
"""
from __future__ import annotations

AUDIT_KINDS: dict[str, str] = {
    # -- matching: allocations of bank lines to invoices --------------------------------------------------
    "allocation.auto": "reconciliation/matching.py (sync, in bulk): the matcher allocated a line to the invoice; "
                       "subject invoice:NUMBER; data line, amount, write_off, write_off_kind, score, "
                       "reasons. Webhooks: invoice.paid / invoice.partially_paid",
    "allocation.confirmed": "reconciliation/review.py: a person's decision (review accept, split or assign, or "
                            "allocating a payment to identify) allocated the line to the invoice; subject "
                            "invoice:NUMBER; data allocation, review, line, amount, write_off, "
                            "write_off_kind, invoice_status. Webhooks: invoice.paid / invoice.partially_paid",
    "allocation.undone": "reconciliation/review.py: an allocation undone (matches undo, the API, or a review "
                         "reopened); subject invoice:NUMBER; data allocation, line, amount, write_off, "
                         "reason, was (auto | confirmed), invoice_status. Webhook: allocation.undone",
    "allocation.write_off": "reconciliation/residuals.py: a person wrote an invoice's small residual off as a "
                            "payment difference on its last live allocation; subject invoice:NUMBER; data "
                            "allocation, amount, write_off, previous_write_off, write_off_kind, reason, "
                            "minimum_amount",
    "line.unmatched": "reconciliation/matching.py (sync, in bulk): the matcher found nothing to propose for a line "
                      "(not written again for a line already unmatched); subject line:BANK_REF; data reasons",

    # -- review of doubtful matches -----------------------------------------------------------------------
    "review.created": "reconciliation/matching.py (a doubtful line queued for review; data reasons, candidates) "
                      "and reconciliation/review.py (a decided item reopened; data reasons, candidates, review: "
                      "the new item); subject line:BANK_REF. Webhook: review.created",
    "review.accepted": "reconciliation/review.py (f\"review.{state}\"): a person accepted a candidate or split the "
                       "line; subject review:ID; data line, invoices, amounts, learned, and candidate (its "
                       "index) or split: true",
    "review.assigned": "reconciliation/review.py (f\"review.{state}\"): a person allocated the line to an invoice "
                       "they found; subject review:ID; data line, invoices, amounts, learned, assigned (the "
                       "number)",
    "review.rejected": "reconciliation/review.py: a person refused every candidate, the line stays unallocated; "
                       "subject review:ID; data line, candidates",
    "review.reopened": "reconciliation/review.py: a person took a decision back (its allocations undone, the line "
                       "queued again); subject review:ID; data line, reason, new_item",
    "review.to_check": "reconciliation/review_resolve.py: a person set a pending item aside to check later (state "
                       "to_check, out of the default queue, still decidable); subject review:ID; data line, note",
    "review.note": "reconciliation/review_notes.py: a person wrote a note on a review item (any state; in its history); subject review:ID; data note, line",
    "customer.note": "reconciliation/review_notes.py: a person wrote a note on a customer (on its page); subject customer:REF; data note",
    "review.superseded": "reconciliation/review_requote.py (sync): a pending item dropped because its line quotes "
                         "an open invoice imported since, the line matched again; subject review:ID; data "
                         "line, reason, invoices (those quoted)",

    # -- what the matcher learns of customers, and customers' settings -----------------------------------
    "customer.iban_learned": "reconciliation/review.py: a person's allocation taught the payer's IBAN for the "
                             "customer; subject customer:REF; data iban, review",
    "customer.alias_learned": "reconciliation/review.py: a person's allocation taught the payer's name as an alias "
                              "of the customer; subject customer:REF; data name, review",
    "customer.created": "einvoices/einvoice_import.py: a customer made from an e-invoice's buyer; subject "
                        "customer:REF; data source (einvoice), file, siren",
    "customer.iban_added": "einvoices/einvoice_import.py: the buyer's account (BT-91) of an e-invoice added "
                           "to the customer; subject customer:REF; data iban, source (einvoice), file",
    "customer.profile_moved": "dunning/behaviour.py: the customer's dunning profile moved by its payment "
                              "behaviour; subject customer:REF; data from_profile, to_profile, reasons, "
                              "figures, as_of",
    "customer.dunning_profile": "dunning/reminder_customers.py: a person changed the customer's dunning "
                                "settings; subject customer:REF; data the settings changed, by name",
    # -- collective proceedings (dunning/proceedings.py, issue 19 item 4) ------------------------------------
    "customer.proceedings_set": "dunning/proceedings.py: a person (or a BODACC file a person imported) put the "
                                "customer in collective proceedings or updated them; subject customer:REF; data "
                                "proceedings (the kind), opened_on, court, bodacc_published_on, bodacc_ref, "
                                "representative, source (manual | bodacc), declaration_deadline, changed ({key: "
                                "[before, after]} on an update, else null)",
    "customer.proceedings_cleared": "dunning/proceedings.py: a person ended the customer's collective proceedings "
                                    "(normal dunning resumes); subject customer:REF; data proceedings (the kind), "
                                    "opened_on, reason (plan_adopted | closed | set_aside | other), note",
    "customer.claim_declared": "dunning/proceedings.py: a person recorded the declaration of the claim to the "
                               "mandataire; subject customer:REF; data declared_on, deadline, late, representative",
    "customer.bodacc_imported": "dunning/proceedings.py: a BODACC notice file was imported; subject file:NAME; "
                                "data applied, not_applied, unmatched, problems (counts)",
    "customer.siren_set": "dunning/proceedings.py: a person set or forgot the customer's SIREN; subject "
                          "customer:REF; data before, after",

    # -- payments to identify (reconciliation/unidentified.py) --------------------------------------------------
    "payment.allocated": "reconciliation/unidentified.py: a person allocated an unmatched payment to invoices "
                         "(through a review split); subject line:BANK_REF; data line, line_id, invoices, "
                         "amounts, review",
    "payment.on_account": "reconciliation/unidentified.py (f\"payment.{kind}\"): a person kept a payment as the "
                          "customer's credit on account; subject customer:REF; data line, line_id, amount, "
                          "currency, customer, note, credit",
    "payment.refund_due": "reconciliation/unidentified.py (f\"payment.{kind}\"): a person marked a payment as owed "
                          "back to the customer; subject customer:REF; data as payment.on_account",
    "payment.not_customer": "reconciliation/unidentified.py (f\"payment.{kind}\"): a person dismissed a payment as "
                            "no customer's; subject line:BANK_REF; data as payment.on_account, note the "
                            "reason",
    "payment.on_account_used": "reconciliation/unidentified.py: a payment kept on account is allocated after all, "
                               "its credit removed; subject line:BANK_REF; data line, line_id, amount, "
                               "currency, credit",

    # -- credit notes (reconciliation/credit_notes.py) ----------------------------------------------------------
    "credit_note.allocated": "reconciliation/credit_notes.py: a credit note set against an invoice, by the rule "
                             "(sync, import) or by a person; subject invoice:NUMBER; data credit_note, "
                             "amount, reasons",
    "credit_note.allocation_undone": "reconciliation/credit_notes.py: a credit note's allocation undone, by the "
                                     "rule (no longer holds, released for a full payment, moved to the "
                                     "invoice a payment netted) or by a person; subject invoice:NUMBER; data "
                                     "credit_note, amount, reason (by hand: was_decided_by)",

    # -- imports: bank statements, bank accounts, invoices ------------------------------------------------
    "statement.imported": "statements/statements.py: a bank statement file imported; subject file:NAME; data "
                          "format, lines_added, lines_skipped, accounts, warnings, import_id, file_warnings "
                          "(read back for a re-delivered file)",
    "bank_feed.pulled": "statements/feeds.py: a bank feed's pull of one account (subject account:IDENTIFIER; data "
                        "status ok, provider, account_ref, since, until, booked, lines_added, pending, "
                        "covered_through) or its failure (subject feed:PROVIDER; data status failed | "
                        "consent_expired, error, accounts); the booked lines' import is its statement.imported",
    "bank_feed.consent_requested": "statements/feeds.py (lettrage feeds renew): a new consent asked of the bank "
                                   "feed's provider; subject feed:PROVIDER; data requisition, previous, link "
                                   "(GoCardless), or statements/feeds_sessions.py (feeds connect, renew, the web "
                                   "page; data bank, country, link, expires_on, previous: Enable Banking)",
    "bank_feed.session_authorized": "statements/feeds_sessions.py (lettrage feeds authorize): the session the "
                                    "account holder's code opened at the bank feed's provider; subject "
                                    "feed:PROVIDER; data session, previous, valid_until, accounts",
    "bank_account.registered": "statements/statements.py (an account first seen in a statement; data file), "
                               "einvoices/einvoice_import.py (the payee account of e-invoices; data file, "
                               "source) and statements/bank_accounts.py (by hand; data source, name, currency, "
                               "default); subject account:IDENTIFIER",
    "bank_account.updated": "statements/bank_accounts.py: a person changed a bank account's name, currency or "
                            "default flag; subject account:IDENTIFIER; data before, after",
    "invoices.imported": "workflows/invoice_import.py: an invoice file imported; subject file:NAME; data "
                         "imported, updated, unchanged (and documents_refused, refusals when documents were "
                         "refused)",
    "invoice.updated": "workflows/invoice_import.py and einvoices/einvoice_import.py: a re-import changed an "
                       "invoice; subject invoice:NUMBER; data before, after (the fields changed)",
    "einvoice.imported": "einvoices/einvoice_import.py: an e-invoice file created or updated an invoice; "
                         "subject invoice:NUMBER; data file, syntax, result, customer, customer_found_by, "
                         "buyer_siren, already_paid, vat_on_receipt, amount_due",
    "invoice.payment_terms": "dunning/reminder_customers.py (after an invoice import): an invoice whose "
                             "payment term is over the legal caps (L441-10 I), flagged once; subject "
                             "invoice:NUMBER; data issue",
    "invoice.document_uploaded": "documents/invoice_documents.py: an invoice's PDF stored; subject "
                                 "invoice:NUMBER; data invoice, size, pages, sha256, replaced",
    "invoice.duplicate_written": "documents/invoice_duplicates.py: a duplicate of an invoice written to a "
                                 "file; subject invoice:NUMBER; data invoice, path, source, note",
    "invoice.duplicate_sent": "documents/invoice_duplicates.py: a duplicate emailed to the customer; subject "
                              "customer:REF; data invoice, invoices, request_key, message_id, title, body, "
                              "attachments, source, to, attempt",
    "invoice.duplicate_failed": "documents/invoice_duplicates.py: a duplicate's email failed (given up); "
                                "subject customer:REF; data error and as invoice.duplicate_sent",

    # -- dunning: reminder messages and their outbox -------------------------------------------------------
    "reminder.sent": "dunning/reminders.py (a message handed to its channel; data outcome, delivery, level, "
                     "channel, invoices, amount_due, attempt, outbox, title, body, message_id, attachments) "
                     "and dunning/reminder_outbox.py (a message in doubt after a crash, recorded as sent by "
                     "a person; data outcome, level, channel, invoices, message_id, title, "
                     "resolved_after_crash); subject customer:REF",
    "reminder.failed": "dunning/reminders.py (a channel refused the message; data error, retry_on, as "
                       "reminder.sent) and dunning/reminder_outbox.py (a message in doubt a person says did "
                       "not leave, released to be sent again); subject customer:REF",
    "reminder.cancelled": "dunning/reminders.py: a message no longer to send (paid, held, paused, or a "
                          "newer one goes); subject customer:REF; data level, channel, invoices, reason",
    "reminder.bounced": "dunning/reminder_outbox.py: an email reported undeliverable after it left; subject "
                        "customer:REF; data level, channel, invoices, message_id, reason",
    "late_paid.claimed": "dunning/late_paid.py (`penalties late-paid-letter`): a person had the claim letter for an "
                         "invoice paid late written (nothing sent); subject invoice:NUMBER; data customer, as_of, "
                         "settled_on, days_late, penalties, indemnity, rate, letter (the PDF's path). Read by "
                         "`penalties late-paid` (claimed_on: not counted again)",
    "registered_letter.deposited": "dunning/registered_letters.py (letters track, sync): the provider says the "
                                   "registered letter was deposited at the post; subject customer:REF; data "
                                   "sending_id, provider, level, invoices, dispatch_number, deposited_on, "
                                   "deposit_proof (the PDF's path, or none yet)",
    "registered_letter.received": "dunning/registered_letters.py: the acknowledgment of receipt is signed (art. "
                                  "669 CPC: its date is the receipt's); subject customer:REF; data sending_id, "
                                  "provider, level, invoices, dispatch_number, received_on, deadline_on (the formal "
                                  "notice's deadline from the receipt), acknowledgment (the PDF's path, or none yet)",
    "registered_letter.returned": "dunning/registered_letters.py: the letter came back (unclaimed, refused, "
                                  "returned); subject customer:REF; data sending_id, provider, level, invoices, "
                                  "outcome, dispatch_number, returned_on, reason (the post's code and label)",
    "registered_letter.rejected": "dunning/registered_letters.py: the provider rejected the sending before posting "
                                  "it; subject customer:REF; data sending_id, provider, level, invoices, reason",
    "registered_letter.proof_stored": "dunning/registered_letters.py: a proof fetched after its step was recorded; "
                                      "subject customer:REF; data sending_id, provider, level, invoices, proof "
                                      "(deposit | acknowledgment), path, dispatch_number",
    "reminder.given_up": "dunning/reminder_outbox.py: a message's channel failed for good with no fallback "
                         "channel; subject customer:REF; data level, channel, invoices, attempts",
    "reminder.escalated": "dunning/reminder_outbox.py: a message queued again on the policy's fallback "
                          "channel after its channel failed; subject customer:REF; data level, channel, "
                          "to_channel, invoices, attempts",
    "reminder.passed_over": "dunning/reminder_skips.py: a whole level passed over for some invoices (no "
                            "contact for its channels, or its channel failed for good); subject "
                            "customer:REF; data level, channels, invoices, reason, cause (missing_contact | "
                            "channel_failed)",
    "reminder.channel_dropped": "dunning/reminder_skips.py: channels dropped from a level that still goes "
                                "(no contact for them); subject customer:REF; data level, channels, "
                                "invoices, reason, cause",
    "reminders.stale_bank_data_overridden": "dunning/reminders.py: a person sent reminders although the bank "
                                            "data was stale or missing (`reminders send "
                                            "--despite-stale-bank-data`, the API's despite_stale_bank_data); "
                                            "subject company:REF; data as_of, reason, "
                                            "max_age_business_days, accounts ([{account, latest, age}]), "
                                            "messages",
    "reminder.approved": "dunning/reminder_customers.py: a person approved a planned message that waited "
                         "for approval; subject customer:REF; data level, invoices, amount_due, key, for_day",
    "reminders.paused": "dunning/reminder_customers.py: a person paused a customer's (or one invoice's) "
                        "reminders (dunning/customer_links_answers.py: the customer, by an answer on its page); "
                        "subject customer:REF; data reason, until, note, invoice",
    "customer_link.revoked": "dunning/customer_links.py: a person revoked the links to a customer's page (`links "
                             "revoke`, POST /api/links/revoke); subject customer:REF; data token (the link's "
                             "digest, or null: every link of the customer), generation",
    "customer.payment_announced": "dunning/customer_links_answers.py: the customer answered « already paid » on "
                                  "its page (actor customer:REF via link); subject customer:REF; data invoices, "
                                  "reminder, link, paid_on, amount, until, proof (SHA-256 of the file or null), "
                                  "announcement (its AnnouncedPayment id)",
    "customer.disputed": "dunning/customer_links_answers.py: the customer disputed invoices on its page; subject "
                         "customer:REF; data invoices, reminder, link, reason, text. Webhook: invoice.disputed",
    "customer.promised": "dunning/customer_links_answers.py: the customer promised to pay on a day, on its page; "
                         "subject customer:REF; data invoices, reminder, link, pay_on",
    "customer.plan_requested": "dunning/customer_links_answers.py: the customer asked a payment plan on its page; "
                               "subject customer:REF; data invoices, reminder, link, total, currency, instalments "
                               "([[day, amount]])",
    "customer.answer_notified": "dunning/answer_notices.py: the email telling the firm of an answer the customer "
                                "gave on its page was accepted by the SMTP server (at most one per answer); "
                                "subject customer:REF; data answer (paid | dispute | promise | plan), event (the "
                                "answer's audit event id), recipients, message_id",
    "customer.plan_approved": "dunning/payment_plans.py: a person approved the payment plan the customer asked "
                              "(its pauses plan_requested become payment_plan until the last instalment + "
                              "notice_days); subject customer:REF; data invoices, instalments, until, note",
    "customer.plan_refused": "dunning/payment_plans.py: a person refused the payment plan the customer asked (its "
                             "pauses lifted: the reminders resume); subject customer:REF; data invoices, "
                             "instalments, note",
    "customer.payment_received": "reconciliation/announcements.py: a payment the customer announced on its page "
                                 "is closed: a statement line fits it (state received, a matching run) or its "
                                 "invoices were settled otherwise (settled); its pauses lifted; subject "
                                 "customer:REF; data announcement, state, invoices, paid_on, amount, line, "
                                 "booked_on",
    "reminders.resumed": "dunning/reminder_customers.py: a person lifted a customer's (or invoice's) "
                         "pauses; subject customer:REF; data invoice, pauses (how many)",
    "reminders.policy": "dunning/reminder_customers.py: a person stored the company's dunning policy or "
                        "went back to the standard one; subject company:REF; data standard",

    # -- legal recovery: the internal legal file and the prefilled requests (dunning/legal_file.py) -------
    "legal.file_generated": "dunning/legal_file.py: a person drew up a customer's legal file (the internal dossier "
                            "for the lawyer or commissaire de justice); subject customer:REF; data case, as_of, "
                            "file, sha256 (of the ZIP), index_sha256, pieces, invoices, total, currency",
    "legal.request_generated": "dunning/legal_injonction.py: a person prepared a prefilled request from a "
                               "customer's legal file; subject customer:REF; data request (injonction | "
                               "small_claims), as_of, file, sha256, court, total, invoices",

    # -- e-invoicing: lifecycle statuses received and sent, e-reporting ------------------------------------
    "einvoice.status_received": "einvoices/einvoice_incoming.py: a buyer's lifecycle status taken (platform "
                                "or file) and acted on; subject invoice:NUMBER; data invoice, code, label, "
                                "at, message_id, reason_code, reason, amount, effect, file, source, "
                                "validated, status_id and what the effect adds (webhook: the event to send, "
                                "approved, payment_announced). Webhooks: invoice.disputed / invoice.rejected",
    "einvoice.status_refused": "einvoices/einvoice_incoming.py: a platform message a pull could not take, "
                               "kept to be tried again; actor platform; subject pa-flow:ID; data reason, "
                               "updated_at, payload",
    "einvoice.status_retaken": "einvoices/einvoice_incoming.py: a refused platform message taken by a later "
                               "pull; actor platform; subject pa-flow:ID; data received",
    "einvoice.status_created": "einvoices/einvoice_outgoing.py: a 212 « Encaissée » (or its correction) made "
                               "for a cash-in, queued to send; subject invoice:NUMBER; data code, "
                               "message_id, amount, amounts, allocation, corrects, customer",
    "einvoice.status_withdrawn": "einvoices/einvoice_outgoing.py: a 212 that never left withdrawn, its "
                                 "allocation undone; subject invoice:NUMBER; data code, message_id, "
                                 "allocation, reason",
    "einvoice.status_delivered": "einvoices/pa_delivery.py: a sent status delivered to the platform; subject "
                                 "invoice:NUMBER; data code, message_id, flow_id, attempts, duplicate",
    "einvoice.status_exported": "einvoices/pa_delivery.py: a sent status written to the export folder; "
                                "subject invoice:NUMBER; data code, message_id, path",
    "einvoice.status_retry": "einvoices/pa_delivery.py: a status's delivery failed, tried again later; "
                             "subject invoice:NUMBER; data message_id, attempts, error, http_status",
    "einvoice.status_failed": "einvoices/pa_delivery.py: a status's delivery failed for good; subject "
                              "invoice:NUMBER; data message_id, attempts, error, http_status",
    "einvoice.status_resent": "einvoices/pa_delivery.py: a status its sender left in sending (it died) "
                              "claimed again; subject invoice:NUMBER; data message_id, reason",
    "einvoice.status_requeued": "cli/einvoicing_cmds.py (einvoicing statuses retry): failed statuses put "
                                "back in the outbox; actor cli:USER; subject invoice:NUMBER; data "
                                "message_id, attempts",
    "einvoice.terms_held": "einvoices/einvoice_import.py: an e-invoice without due date (BT-9) whose terms "
                           "(BT-20) could not be read: reminders paused (einvoice_terms) until a person "
                           "resumes them; subject invoice:NUMBER; data terms, due_on, note",
    "einvoicing.siren_missing": "einvoices/einvoice_import.py: e-invoices imported by a company without "
                                "[einvoicing] siren, told once; subject company:REF; data file, message",
    "einvoice.ereporting_issued": "einvoices/einvoice_ereporting.py: a payments e-report written (issued); "
                                  "subject period:YYYY-MM; data report_id, type, corrects, fingerprint, "
                                  "written_at, totals, unmatched (read back to correct or skip the next one)",

    # -- the books export (issue 20) ----------------------------------------------------------------------
    "books.exported": "books/books_export.py: the entries of a period exported (books export on the CLI or the "
                      "API, or the sync's scheduled export into the company's folder), actor who asked (cli, the "
                      "API token's, scheduler); subject period:FROM/TO; data period_from, period_to, format, "
                      "entries, new_entries, reversals, sha256 (the file's), destination (download, a file, "
                      "the scheduled file's path)",

    # -- reports and forecasts ----------------------------------------------------------------------------
    "forecast.recorded": "insight/forecast.py: the week's cash forecast snapshot stored (once a week); "
                         "subject week:ISO_WEEK; data as_of, currency, open_total, invoices, basis",
    "weekly_report.sent": "insight/weekly_report_send.py: the weekly report sent to an audience; subject "
                          "week:PERIOD; data audience, recipients, message_id, error (none)",
    "weekly_report.failed": "insight/weekly_report_send.py: the weekly report's email failed; subject "
                            "week:PERIOD; data audience, recipients, message_id, error",

    # -- access: API tokens, webhook endpoints, users ------------------------------------------------------
    "token.created": "access/tokens.py: an API token made; subject token:NAME; data scopes",
    "token.revoked": "access/tokens.py: an API token revoked; subject token:NAME; no data",
    "webhook.added": "webhooks/webhooks.py: a webhook endpoint registered; subject webhook:ID; data url, "
                     "events",
    "webhook.removed": "api/routes_webhooks.py: a webhook endpoint deactivated (kept with its log); subject "
                       "webhook:ID; no data",
    "user.role_given": "access/users.py (AuditEvent(kind=...)): a user given a role in the company, made "
                       "when new; subject user:EMAIL; data role, was, new_user",
    "user.removed": "access/users.py (AuditEvent(kind=...)): a user's role in the company taken away; "
                    "subject user:EMAIL; no data",

    # -- scheduling -----------------------------------------------------------------------------------------
    "sync.scheduled": "scheduler.py: the company's daily sync scheduled, once per local date (has_event); "
                      "subject date:YYYY-MM-DD; data at (local time)",
}
"""kind -> who writes it, when, its subject and data; grouped by capability."""
