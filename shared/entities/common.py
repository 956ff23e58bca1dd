"""Model pieces every entity shares: the base records of each side and the common field types."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

INT32_MAX = 2**31 - 1
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]  # F&O and Dataverse whole numbers are 32-bit
DayOfMonth = Annotated[int, Field(ge=0, le=31)]
Company = Annotated[str, Field(min_length=1, max_length=10)]

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")  # WCF JSON dates from Dataverse and F&O events


def _parse_time(value: Any) -> Any:
    if isinstance(value, str) and (match := _MS_DATE.match(value.strip())):
        return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.UTC)
    return value


class _Record(BaseModel):
    # Unknown fields are ignored on the way in (new upstream columns must not break the sync);
    # what the sync writes is exactly the declared fields.
    model_config = ConfigDict(extra="ignore", frozen=True)


class FsRecord(_Record):
    msdyn_company: Company
    modifiedon: dt.datetime | None = None

    @field_validator("modifiedon", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _parse_time(value)

    @field_validator("modifiedon")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return as_utc(value)


class ScmRecord(_Record):
    dataAreaId: Company
    ModifiedDateTime: dt.datetime | None = None

    @field_validator("ModifiedDateTime", mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _parse_time(value)

    @field_validator("ModifiedDateTime")
    @classmethod
    def _utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return as_utc(value)


EARLIEST = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)  # Table Storage's Edm.DateTime starts here


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """Times without a zone are taken as UTC, as both systems store them."""
    if value is None:
        return None
    utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if utc < EARLIEST:
        raise ValueError("a modification time must be after 1601-01-01")
    return utc
