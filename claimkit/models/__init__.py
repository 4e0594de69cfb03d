"""Domain models: session records in (pydantic, an input edge), claims out (plain dataclasses
that pydantic validates and dumps only at the edges, see claimkit.models.edge). No X12 names live
here."""
from claimkit.models.claim import Claim, ClaimBatch, Envelope, Party, Party837, Payer, Provider, ServiceLine
from claimkit.models.common import Address, Sex
from claimkit.models.session import Patient, RenderingProvider, Service, SessionRecord, Subscriber

__all__ = [
    "Address", "Sex", "Patient", "RenderingProvider", "Service", "SessionRecord", "Subscriber",
    "Claim", "ClaimBatch", "Envelope", "Party", "Party837", "Payer", "Provider", "ServiceLine",
]
