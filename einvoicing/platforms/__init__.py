"""The approved platforms (PA) a company's buyers set their statuses through, behind one Protocol.

Each platform has a client that lists the status messages it holds for the company (``StatusPlatform``) and a
pure reader that turns one message into the statuses lettrage acts on (``einvoicing.cdar_reader.CdarMessage``):
the AFNOR XP Z12-013 style API gives CDAR files (einvoicing.pa_client), other platforms their own JSON, read by
their module here. Whatever the platform, the same statuses (207 « En litige », 211 « Paiement transmis »...)
steer reminders the same way (worker/einvoices/einvoice_incoming.py).
"""
