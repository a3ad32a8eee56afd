"""The company's platform client, from its ``[einvoicing]`` settings: one place that knows every platform.

``einvoicing.platform`` names it (worker/company_sections.py PLATFORMS): ``afnor`` (the default) is the AFNOR
XP Z12-013 style API of ``pa_url``; the others read their own table, ``[einvoicing.<platform>]``, in their module
here (worker/einvoices/platform_<name>.py), and give messages their pure reader in einvoicing/platforms/ reads.
None when the company has no platform to pull from (its statuses then come as files).
"""
from __future__ import annotations

from collections.abc import Callable

from einvoicing.platforms.protocol import StatusPlatform
from worker.company_sections import EinvoicingSettings
from worker.outbound import OutboundClient
from worker.settings import Settings

Factory = Callable[[EinvoicingSettings, Settings, OutboundClient], StatusPlatform | None]


def _afnor(einvoicing: EinvoicingSettings, settings: Settings, outbound: OutboundClient) -> StatusPlatform | None:
    from einvoicing.pa_client import PaClient
    from worker.einvoices.einvoicing_settings import pa_config

    config = pa_config(einvoicing)
    return PaClient(config, outbound) if config is not None else None


def _qonto(einvoicing: EinvoicingSettings, settings: Settings, outbound: OutboundClient) -> StatusPlatform | None:
    from worker.einvoices.platform_qonto import qonto_platform

    return qonto_platform(einvoicing, settings, outbound)


def _pennylane(einvoicing: EinvoicingSettings, settings: Settings, outbound: OutboundClient) -> StatusPlatform | None:
    from worker.einvoices.platform_pennylane import platform_factory

    return platform_factory(einvoicing, settings, outbound)


FACTORIES: dict[str, Factory] = {"afnor": _afnor, "qonto": _qonto, "pennylane": _pennylane}


def platform_configured(einvoicing: EinvoicingSettings) -> bool:
    """Whether the company pulls statuses from a platform (without building its client)."""
    return einvoicing.platform != "afnor" or bool(einvoicing.pa_url)


def platform_client(einvoicing: EinvoicingSettings, settings: Settings,
                    outbound: OutboundClient | None = None) -> StatusPlatform | None:
    """The client of the company's platform; raises ConfigurationError naming a bad or missing setting."""
    if not platform_configured(einvoicing):
        return None
    return FACTORIES[einvoicing.platform](einvoicing, settings, outbound or OutboundClient.for_settings(settings))
