"""Model pieces every entity shares: the base records of each side and the common field types."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

INT32_MAX = 2**31 - 1
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]  # F&O and Dataverse whole numbers are 32-bit
DayOfMonth = Annotated[int, Field(ge=0, le=31)]
Company = Annotated[str, Field(min_length=1, max_length=10)]

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")  # WCF JSON dates from Dataverse and F&O events


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _parse_time(value: Any) -> Any:
    if isinstance(value, str) and (match := _MS_DATE.match(value.strip())):
        try:
            return _EPOCH + dt.timedelta(milliseconds=int(match.group(1)))
        except OverflowError:
            raise ValueError("/Date(ms)/ is out of range") from None
    return value


class _Record(BaseModel):
    # Unknown fields are ignored on the way in (new upstream columns must not break the sync);
    # what the sync writes is exactly the declared fields.
    model_config = ConfigDict(extra="ignore", frozen=True)


EARLIEST = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)  # Table Storage's Edm.DateTime starts here


def as_utc(value: dt.datetime) -> dt.datetime:
    """Times without a zone are taken as UTC, as both systems store them."""
    utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if utc < EARLIEST:
        raise ValueError("a modification time must be after 1601-01-01")
    return utc


# A record's modification time: ISO 8601 or WCF `/Date(ms)/`, zone-less taken as UTC.
SourceTime = Annotated[dt.datetime, BeforeValidator(_parse_time), AfterValidator(as_utc)]


class FsRecord(_Record):
    msdyn_company: Company
    modifiedon: SourceTime | None = None


class ScmRecord(_Record):
    dataAreaId: Company
    ModifiedDateTime: SourceTime | None = None
