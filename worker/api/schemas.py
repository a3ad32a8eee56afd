"""Request and response bodies of the HTTP API: amounts are decimal strings ("1234.50"), never floats."""
from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

AMOUNT = r"^\d{1,12}(\.\d{1,2})?$"


def _plausible(day: date) -> date:
    if not 1900 <= day.year <= 2999:
        raise ValueError("a date between 1900-01-01 and 2999-12-31")
    return day


Day = Annotated[date, AfterValidator(_plausible)]  # a business date: years 1900 to 2999


def _storable(text: str) -> bool:
    """Text a database can store: no NUL character, no lone UTF-16 surrogate (JSON may carry both)."""
    return "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text)


def _no_nul(text: str) -> str:
    if not _storable(text):
        raise ValueError("text must not contain NUL characters or lone surrogates")
    return text


Text = Annotated[str, AfterValidator(_no_nul)]  # a query parameter a database can compare with


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, BaseModel):
        return [t for v in (*value.__dict__.values(), *(value.model_extra or {}).values()) for t in _strings(v)]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (*_strings(k), *_strings(v))]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _strings(v)]
    return []


class Body(BaseModel):
    """A request body: every text in it must be storable (no NUL, which PostgreSQL refuses; no lone surrogate)."""

    @model_validator(mode="after")
    def _no_nul_anywhere(self) -> Body:
        if not all(_storable(t) for t in _strings(self)):
            raise ValueError("text must not contain NUL characters or lone surrogates")
        return self


class Problem(BaseModel):
    detail: str
    errors: list[str] = []


Responses = dict[int | str, dict[str, Any]]  # FastAPI's `responses=`: status code -> OpenAPI response


def problems(*codes: int) -> Responses:
    """The `responses=` entries documenting each of `codes` as answered with a Problem body."""
    return {code: {"model": Problem} for code in codes}


class InvoiceIn(Body):
    """One invoice as the billing tool sends it; the same keys and checks as `lettrage invoices import`."""

    model_config = ConfigDict(extra="allow")

    number: str = Field(min_length=1, max_length=64)
    customer_ref: str = Field(min_length=1, max_length=64)
    amount: str = Field(min_length=1, max_length=32, description='A decimal string: "1234.50" (or "1 234,50").')
    issued_on: str = Field(min_length=8, max_length=10, description="YYYY-MM-DD (or DD/MM/YYYY)")
    due_on: str = Field(min_length=8, max_length=10, description="YYYY-MM-DD (or DD/MM/YYYY)")
    customer_name: str | None = None
    customer_email: str | None = None
    customer_iban: str | None = None
    customer_since: str | None = None
    customer_address: str | None = None
    customer_kind: str | None = None
    customer_siren: str | None = Field(default=None, max_length=16,
                                       description="The customer's SIREN, 9 digits (BODACC notices find it by it).")
    currency: str | None = None
    payment_reference: str | None = None
    kind: str | None = None
    status: str | None = None
    pdf: str | None = None
    credit_note_for: str | None = Field(default=None, max_length=64,
                                        description="A credit note: the number of the invoice it corrects.")
    # an invoice's own settlement terms (README, "Invoice terms"; worker/invoices/invoice_terms.py)
    discount_rate: str | None = Field(default=None, max_length=16, description=(
        "Early-payment discount (conditions d'escompte, C. com. L441-9 I), percent of the amount incl. VAT."))
    discount_amount: str | None = Field(default=None, max_length=32,
                                        description="The early-payment discount as an amount (or with the rate).")
    discount_until: str | None = Field(default=None, max_length=10,
                                       description="The last day a payment earns the discount (YYYY-MM-DD).")
    discount_days: str | None = Field(default=None, max_length=4,
                                      description="Or: days after the issue date a payment earns the discount.")
    retention_rate: str | None = Field(default=None, max_length=16, description=(
        "Retention money (retenue de garantie, loi n° 71-584), percent of the amount incl. VAT, at most 5."))
    retention_amount: str | None = Field(default=None, max_length=32,
                                         description="The retention money as an amount (or with the rate).")
    retention_release_on: str | None = Field(default=None, max_length=10,
                                             description="The day the retention falls due (YYYY-MM-DD).")
    reception_on: str | None = Field(default=None, max_length=10, description=(
        "Or: the works' reception (YYYY-MM-DD): the retention is released a year later."))
    # where the limitation period starts (README, "Limitation"; reminders.law.limitation_start)
    delivered_on: str | None = Field(default=None, max_length=10, description=(
        "The delivery of the goods or the completion of the service (BT-72, YYYY-MM-DD): the limitation period "
        "runs from it. A date after issued_on is kept, with a warning (an invoice is issued at the delivery at the "
        "latest, C. com. L441-9)."))
    service_period_end: str | None = Field(default=None, max_length=10, description=(
        "The end of the invoicing period (BT-74, YYYY-MM-DD): the limitation period runs from it when no "
        "delivered_on is given."))


class InvoiceBatch(Body):
    invoices: list[InvoiceIn] = Field(min_length=1, max_length=10_000)


class DocumentRefusedOut(BaseModel):
    """An invoice imported without the document its ``pdf`` named: the company's rules refuse that source."""

    file: str
    row: int
    number: str
    reason: str


class ImportCountsOut(BaseModel):
    imported: int
    updated: int
    unchanged: int
    documents_refused: list[DocumentRefusedOut] | None = Field(
        default=None, description="Only when some invoice's pdf was refused (see README, invoice documents): "
                                  "those invoices are imported without their document.")


class InvoiceOut(BaseModel):
    number: str
    customer_ref: str
    amount: str
    paid: str
    open: str
    status: str
    currency: str
    issued_on: date
    due_on: date
    # its own terms (README, "Invoice terms"), null when it has none
    discount_amount: str | None = None
    discount_rate: str | None = None
    discount_until: date | None = None
    retention_amount: str | None = None
    retention_release_on: date | None = None


class ResidualOut(BaseModel):
    """A paid invoice's residual at or below the minimum amount: never chased, listed for write-off."""

    number: str
    customer_ref: str
    amount: str
    paid: str
    open: str
    currency: str
    due_on: date
    last_payment_on: date | None
    days_since_payment: int | None


class ResidualsOut(BaseModel):
    as_of: date
    minimum_amount: str
    items: list[ResidualOut]


class InvoicePage(BaseModel):
    items: list[InvoiceOut]
    total: int
    limit: int
    offset: int


class StatementFileOut(BaseModel):
    file: str
    format: str | None
    status: str
    lines_added: int
    lines_skipped: int
    error: str | None
    warnings: list[str] = []
    new_accounts: list[str] = []


class StatementUploadOut(BaseModel):
    files: list[StatementFileOut]
    matching: dict[str, int] | None = None


class LineOut(BaseModel):
    bank_ref: str
    booked_on: date
    amount: str
    currency: str
    counterparty: str | None
    counterparty_iban: str | None
    text: str
    reference: str | None
    state: str


class CandidatePart(BaseModel):
    invoice: str
    allocated: str
    write_off: str = "0.00"
    write_off_kind: str | None = None  # payment_difference | bank_fee | discount when write_off is not 0
    open: str | None = None


class CandidateOut(BaseModel):
    index: int
    invoice: str
    allocated: str
    score: float
    reasons: list[str]
    invoices: list[CandidatePart]


class ReviewItemOut(BaseModel):
    id: int
    version: int
    state: str
    line: LineOut
    candidates: list[CandidateOut]
    reasons: list[str]
    decided_by: str | None
    decided_at: str | None


class ReviewPageOut(BaseModel):
    items: list[ReviewItemOut]
    total: int
    limit: int
    offset: int


class Versioned(Body):
    version: int | None = Field(default=None, ge=1, le=1_000_000,
                                description="The item's version as last seen; a different one is a conflict (409).")


class AcceptIn(Versioned):
    candidate: int = Field(default=0, ge=0, le=100, description="0 = the first (best) candidate.")


class SplitPart(Body):
    invoice: str = Field(min_length=1, max_length=64)
    amount: str = Field(pattern=AMOUNT)


class SplitIn(Versioned):
    parts: list[SplitPart] = Field(min_length=1, max_length=50)


class AssignIn(Versioned):
    invoice: str = Field(min_length=1, max_length=64)
    amount: str | None = Field(default=None, pattern=AMOUNT)


class RejectIn(Versioned):
    pass


class DecisionOut(BaseModel):
    item_id: int
    state: str
    allocation_ids: list[int]
    invoices: list[str]
    learned: list[str]


class UndoIn(Body):
    reason: str = Field(min_length=1, max_length=500)


class UndoOut(BaseModel):
    allocation_id: int
    invoice: str
    invoice_status: str
    line_state: str


class ReopenOut(BaseModel):
    item_id: int


class AllocationOut(BaseModel):
    id: int
    bank_ref: str
    booked_on: date
    line_amount: str
    invoice: str
    allocated: str
    write_off: str
    write_off_kind: str | None = None  # payment_difference | bank_fee | discount when write_off is not 0
    status: str
    score: float
    reasons: list[str]
    decided_by: str
    decided_at: str
    undone_at: str | None
    undone_by: str | None
    undo_reason: str | None


class AllocationPageOut(BaseModel):
    items: list[AllocationOut]
    total: int
    limit: int
    offset: int


class PlannedOut(BaseModel):
    customer_ref: str
    invoices: list[str]
    level: str
    channel: str
    amount_due: str
    currency: str
    reasons: list[str]
    approval: str = "not_required"  # approved | required (waits for POST /api/reminders/approve) | not_required
    unallocated: str = "0.00"  # money received and not yet allocated deducted from amount_due (reminders.netting)


class ApproveIn(Body):
    as_of: Day
    customers: list[Annotated[str, Field(min_length=1, max_length=64)]] | None = Field(
        default=None, max_length=1000, description="Customer refs; none: every customer.")
    everything: bool = Field(default=False, description="Approve every planned message, not only those that need it.")


class HeldOut(BaseModel):
    invoice: str
    customer_ref: str
    open: str
    reason: str
    held_until: date | None = None  # the hold's last day (a pending payment holds at most hold_days business days)


class PassedOverOut(BaseModel):
    """A level that cannot reach the customer for these invoices (``kind`` ``level``: passed over, a task waits on
    the worklist) or only some of its channels (``kind`` ``channels``: the level goes by its other channels)."""

    customer_ref: str
    invoices: list[str]
    level: str
    channels: list[str]  # the channels that could not be used
    currency: str
    reason: str
    kind: str  # level | channels


class UnallocatedOut(BaseModel):
    """Money received from a customer of the plan and not yet allocated, netted in what its reminders ask."""

    customer_ref: str
    bank_ref: str
    booked_on: date
    amount: str
    currency: str
    state: str  # on_account | to_identify | review
    label: str = ""
    line: int | None = None  # the statement line (POST /api/payments/{line}/allocate)


class BankAccountAgeOut(BaseModel):
    """One bank account's data on the day: the latest day its statements cover, its age in business days (None:
    no statement), whether it counts for the gate (customer payments arrive on it) and holds sending."""

    account: str
    name: str | None = None
    latest: date | None = None
    age: int | None = None
    counts: bool
    stale: bool


class BankDataOut(BaseModel):
    """The freshness gate (README, Dunning, "Fresh bank data first"): ``held`` when nothing is sent
    automatically, with the one-line ``reason``."""

    held: bool
    reason: str | None = None
    max_age_business_days: int
    accounts: list[BankAccountAgeOut] = []


class RunOut(BaseModel):
    """A large import, matching or sync of the company as last written (worker.progress): ``state`` running, done,
    failed or stalled (not written for ten minutes: its process stopped); ``rate`` in ``unit`` per second,
    ``eta_seconds`` the time left at that rate (None when unknown)."""

    kind: str
    phase: str
    unit: str
    done: int
    total: int | None = None
    rate: float | None = None
    eta_seconds: float | None = None
    elapsed_seconds: float | None = None
    state: str
    started_at: str
    updated_at: str | None = None


class RunsCurrentOut(BaseModel):
    running: bool
    run: RunOut | None = None


class PlanOut(BaseModel):
    as_of: date
    planned: list[PlannedOut]
    held: list[HeldOut]
    passed_over: list[PassedOverOut] = []
    unallocated: list[UnallocatedOut] = []
    bank_data: BankDataOut | None = None


class SendIn(Body):
    as_of: Day
    # send although the bank data is stale or missing: recorded in the audit log with the caller
    despite_stale_bank_data: bool = False


class SentOut(BaseModel):
    customer_ref: str
    invoices: list[str]
    level: str
    channel: str
    amount_due: str
    currency: str
    status: str
    detail: str
    delivery: str | None


class ReminderOut(BaseModel):
    id: int
    customer_ref: str
    level: str
    channel: str
    status: str
    invoices: list[str]
    amount_due: str
    currency: str
    planned_on: date
    sent_at: str | None
    error: str | None


class RegisteredLetterOut(BaseModel):
    """A registered letter with acknowledgment of receipt, as `lettrage letters list --json` shows it."""

    customer_ref: str
    sending_id: str
    level: str
    invoices: list[str]
    status: str  # submitted | in_transit | delivered | unclaimed | refused | returned | rejected
    dispatch_number: str | None
    deposited_on: date | None
    received_on: date | None  # the date of receipt on the acknowledgment (art. 669 CPC)
    deadline_on: date | None  # the formal notice's deadline, from the receipt
    returned_on: date | None
    return_reason: str | None
    deposit_proof: str | None  # where the server keeps the PDF
    acknowledgment: str | None
    error: str | None  # the provider's last answer when it could not tell


class AgedBucket(BaseModel):
    count: int
    amount: str


class AgedBalanceOut(BaseModel):
    as_of: date
    buckets: dict[str, AgedBucket]


class WebhookIn(Body):
    url: str = Field(min_length=8, max_length=500)
    events: list[str] = Field(default=[], max_length=10)


class WebhookOut(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    secret: str = Field(description="The signing secret: in full only in the answer to POST /api/webhooks, "
                                    "masked (whsec_********LAST4) in lists.")


class DeliveryOut(BaseModel):
    id: int
    endpoint_id: int
    event_id: str
    event: str
    status: str
    attempts: int
    next_attempt_at: str
    last_status_code: int | None
    last_error: str | None
    log: list[dict[str, Any]]
    delivered_at: str | None


class DeliveryPageOut(BaseModel):
    items: list[DeliveryOut]
    total: int
    limit: int
    offset: int


class DispatchOut(BaseModel):
    created: int
    delivered: int
    failed: int
    given_up: int


# -- payments to identify (worker/reconciliation/unidentified.py) ----------------------------------------
class IdentifyPartOut(BaseModel):
    invoice: str
    amount: str


class IdentifyProposalOut(BaseModel):
    action: str  # allocate | on_account | identify
    text: str
    invoices: list[IdentifyPartOut]
    duplicate_of: list[str]


class ToIdentifyOut(LineOut):
    """A payment to identify: the bank line, its id, who sent it and what to do with it."""

    line: int
    customer_ref: str | None
    customer_name: str | None
    recognised_by: str | None
    quoted: list[str]
    proposal: IdentifyProposalOut
    held_until: date | None
    holding: bool


class IdentifyAllocatePart(Body):
    invoice: str = Field(min_length=1, max_length=64)
    amount: str | None = Field(default=None, pattern=AMOUNT, description="Default: as much as both allow.")


class IdentifyAllocateIn(Body):
    parts: list[IdentifyAllocatePart] = Field(min_length=1, max_length=50)


class IdentifyCustomerIn(Body):
    customer: str = Field(min_length=1, max_length=64, description="The customer's ref.")
    note: str = Field(default="", max_length=500)


class IdentifyDismissIn(Body):
    reason: str = Field(min_length=1, max_length=500)


class IdentifiedOut(BaseModel):
    line: int
    bank_ref: str
    action: str  # allocated | on_account | refund_due | not_customer
    customer_ref: str | None
    amount: str
    invoices: list[str]
    allocations: list[int]
    credit: int | None
    already: bool
    learned: list[str]


# -- credit notes and their allocations (worker/reconciliation/credit_notes.py) ----------------------------
class CreditNoteAllocationOut(BaseModel):
    id: int
    invoice: str
    amount: str
    reasons: list[str]
    decided_by: str
    decided_at: str


class CreditNoteUndoneOut(BaseModel):
    id: int
    invoice: str
    amount: str
    decided_by: str
    undone_by: str | None
    undone_at: str | None
    undo_reason: str | None


class CreditNoteOut(BaseModel):
    """A credit note, amounts positive: ``allocated`` + ``remaining`` = ``amount`` (a cancelled one: nothing)."""

    number: str
    customer_ref: str
    currency: str
    issued_on: date
    names: str | None  # the invoice it says it corrects
    status: str  # unallocated | partially_allocated | allocated | cancelled
    amount: str
    allocated: str
    remaining: str
    allocations: list[CreditNoteAllocationOut]  # live
    undone: list[CreditNoteUndoneOut]


class CreditNoteUndoIn(Body):
    invoice: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)


class CreditNoteAllocateIn(Body):
    invoice: str = Field(min_length=1, max_length=64)
    amount: str | None = Field(default=None, pattern=AMOUNT,
                               description="Default: as much as the credit note's remainder and the invoice allow.")


class CreditNoteDecidedOut(BaseModel):
    action: str  # allocated | undone
    allocation: int
    credit_note: str
    invoice: str
    amount: str
    by: str
    reason: str | None
    remaining: str  # of the credit note
    invoice_open: str


# -- resolving a review item (worker/reconciliation/review_resolve.py, issue 18) -----------------------------------
class OpenInvoiceOut(BaseModel):
    number: str
    customer_ref: str
    customer_name: str
    issued_on: date
    due_on: date
    amount: str
    open: str
    currency: str


class OpenInvoicesOut(BaseModel):
    items: list[OpenInvoiceOut]  # at most `limit`, oldest due first
    limit: int


class WriteOffIn(Body):
    kind: str = Field(pattern="^(payment_difference|bank_fee|discount|other)$",
                      description="payment_difference (rounding), bank_fee, discount (granted) or other.")
    amount: str = Field(pattern=AMOUNT)
    invoice: str | None = Field(default=None, min_length=1, max_length=64,
                                description="The invoice it settles; default: the last of the parts.")


class SettleIn(Versioned):
    parts: list[SplitPart] = Field(min_length=1, max_length=50)
    write_off: WriteOffIn | None = None


class CreditIn(Versioned):
    customer: str = Field(min_length=1, max_length=64, description="The customer's ref.")
    note: str = Field(default="", max_length=500)


class NotCustomerIn(Versioned):
    reason: str = Field(min_length=1, max_length=500)


class ToCheckIn(Versioned):
    note: str = Field(min_length=1, max_length=500)


class ResolvedOut(BaseModel):
    item_id: int
    state: str  # the review item's: rejected (kept on account, not a customer payment) | to_check
    action: str  # on_account | not_customer | to_check
    bank_ref: str
    customer_ref: str | None
    amount: str | None
    credit: int | None


class PastOut(BaseModel):
    at: str
    actor: str
    what: str  # allocation | to_check | rejected | reopened | on_account | refund_due | not_customer
    invoice: str | None
    amount: str | None
    write_off: str | None
    write_off_kind: str | None
    note: str | None
    allocation_id: int | None
    undone_by: str | None
    undo_reason: str | None
    undoable: bool


class HistoryOut(BaseModel):
    item_id: int
    items: list[PastOut]  # newest first
