"""The company's dunning policy: the one it set (`lettrage reminders policy --set`), else the standard one.

Read by the reminders' plan and send, and by what counts business days in the policy's country (the holds of
pending payments, the postponement of a received 211 « Paiement transmis ») or escalates a message.
"""
from __future__ import annotations

from reminders.model import DunningPolicy
from reminders.policy import DEFAULT_POLICY, STANDARD_POLICY, load_policy
from worker.db.tables import Company


def company_policy(company: Company) -> DunningPolicy:
    """The company's own policy (TOML set with `lettrage reminders policy --set`), else the standard one.

    A company whose settings name the legacy ``default`` policy keeps it.
    """
    text = company.settings.get("dunning_policy")
    if text == "default":
        return DEFAULT_POLICY
    return load_policy(text) if text else STANDARD_POLICY
