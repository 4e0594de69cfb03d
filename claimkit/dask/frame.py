"""837P files as a Dask DataFrame of claim lines, and Parquet, for data teams.

One partition per file, one row per service line (2400 loop). The columns carry no patient
information unless ``phi=True``: keys (file, ISA13/GS06/ST02 control numbers, CLM01 claim ID,
line number), the line's codes, units and charge, and the provider and payer identifiers.
Columns are Arrow types, so Parquet keeps them as written (dates as dates, money as decimals,
modifiers/pointers/diagnoses as lists).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
import pyarrow as pa

from claimkit.dask.tasks import Job, claim_lines

_STR = pa.string()
COLUMNS: dict[str, pa.DataType] = {
    "file": _STR,
    "isa_control": _STR,  # ISA13
    "gs_control": _STR,  # GS06
    "st_control": _STR,  # ST02
    "claim_id": _STR,  # CLM01, the patient control number
    "line": pa.int32(),  # LX01
    "date_of_service": pa.date32(),  # DTP*472
    "place_of_service": _STR,  # SV105, else CLM05-1
    "code": _STR,  # SV101-2
    "modifiers": pa.list_(_STR),  # SV101-3..6
    "units": pa.int32(),  # SV104
    "charge": pa.decimal128(18, 2),  # SV102
    "pointers": pa.list_(pa.int16()),  # SV107
    "diagnoses": pa.list_(_STR),  # the claim's HI codes, principal first
    "payer_id": _STR,  # 2010BB NM109
    "billing_npi": _STR,  # 2010AA NM109
    "rendering_npi": _STR,  # 2310B NM109 (none when the billing provider rendered)
    "claim_findings": pa.int32(),  # findings of the claim (every severity)
    "claim_errors": pa.int32(),  # of which errors
}
# Protected health information: only with phi=True (HIPAA minimum necessary).
PHI_COLUMNS: dict[str, pa.DataType] = {
    "subscriber_last_name": _STR,
    "subscriber_first_name": _STR,
    "member_id": _STR,  # 2010BA NM109
    "subscriber_birth_date": pa.date32(),
    "patient_last_name": _STR,  # the subscriber's when the patient is the subscriber
    "patient_first_name": _STR,
    "patient_birth_date": pa.date32(),
}


def schema(phi: bool = False) -> pa.Schema:
    """The Arrow schema of the claim-line frame; PHI columns only with ``phi``."""
    cols = {**COLUMNS, **(PHI_COLUMNS if phi else {})}
    return pa.schema(list(cols.items()))


def _frame(rows: list[dict[str, Any]], phi: bool) -> pd.DataFrame:
    table = pa.Table.from_pylist(rows, schema=schema(phi))
    return table.to_pandas(types_mapper=pd.ArrowDtype)


def _partition(path: str, job: Job, phi: bool) -> pd.DataFrame:
    return _frame(claim_lines(path, job, phi), phi)


def read_837(paths: str | Path | Sequence[str | Path], *, phi: bool = False,
             practice: Any = None, registry: Any = None, today: date | None = None,
             selection: Any = None) -> Any:
    """A lazy Dask DataFrame of the claim lines of 837P files (one partition per file).

    ``practice``/``selection``/``today`` are those of ``validate``: they decide which rules
    count towards ``claim_findings``. The paths must be readable by the workers; computing the
    frame uses the current Dask client (or Dask's local scheduler when there is none).
    """
    import dask.dataframe as dd

    names = [str(paths)] if isinstance(paths, (str, Path)) else [str(p) for p in paths]
    if not names:
        raise ValueError("read_837 needs at least one 837P file")
    job = Job.make(today=today or date.today(), kind="x12", practice=practice, registry=registry,
                   selection=selection)
    return dd.from_map(_partition, names, job=job, phi=phi, meta=_frame([], phi),
                       divisions=None, enforce_metadata=True, label="read-837")


def to_parquet(paths: str | Path | Sequence[str | Path], out: str | Path, *, phi: bool = False,
               **read: Any) -> str:
    """Write the claim lines of 837P files to a Parquet dataset at ``out`` (a directory, one
    file per input file); returns ``out``. ``read`` goes to :func:`read_837`."""
    frame = read_837(paths, phi=phi, **read)
    frame.to_parquet(str(out), write_index=False, schema=schema(phi))
    return str(out)
