"""Model pieces every entity shares: the base records of each side and the common field types."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from shared.spec import Rule, SideSpec

INT32_MAX = 2**31 - 1
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]  # F&O and Dataverse whole numbers are 32-bit
DayOfMonth = Annotated[int, Field(ge=0, le=31)]
Company = Annotated[str, Field(min_length=1, max_length=10)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
YesNo = Literal["Yes", "No"]  # F&O NoYes enum, sent by name
FS_OPTION_BASE = 192350000  # the first value of a Dataverse option set a publisher adds

T = TypeVar("T")


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# An optional text (a reference to another record, a site id) that callers send as "" or null alike:
# blank text is no value, so "" never names a record nor trips a length rule. `Blankable[Id10]`.
Blankable = Annotated[T | None, BeforeValidator(_blank_is_none)]
# A required text where blank counts as missing: fails as `required`, with the side's reason.
Required = Annotated[T, BeforeValidator(_blank_is_none)]

_MS_DATE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")  # WCF JSON dates from Dataverse and F&O events


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _parse_time(value: Any) -> Any:
    if isinstance(value, str) and (match := _MS_DATE.match(value.strip())):
        try:
            return _EPOCH + dt.timedelta(milliseconds=int(match.group(1)))
        except OverflowError:
            raise ValueError("/Date(ms)/ is out of range") from None
    return value


def _parse_date(value: Any) -> Any:
    """A date as either system may send it: `2030-01-31`, an ISO date-time (its UTC date) or `/Date(ms)/`."""
    value = _parse_time(value)
    if isinstance(value, str) and "T" in value:
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value  # pydantic reports it as an unparsable date
    if isinstance(value, dt.datetime):
        return (value.astimezone(dt.UTC) if value.tzinfo else value).date()
    return value


Date = Annotated[dt.date, BeforeValidator(_parse_date)]


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


def fs_side(entity_name: str, model: type[FsRecord], id_field: str, rules: tuple[Rule, ...] = ()) -> SideSpec:
    """FS's view of an entity: every FS record carries `msdyn_company` and `modifiedon`."""
    return SideSpec("fs", entity_name, model, "msdyn_company", id_field, "modifiedon", rules)


def scm_side(entity_name: str, model: type[ScmRecord], id_field: str, rules: tuple[Rule, ...] = ()) -> SideSpec:
    """SCM's view of an entity: every SCM record carries `dataAreaId` and `ModifiedDateTime`."""
    return SideSpec("scm", entity_name, model, "dataAreaId", id_field, "ModifiedDateTime", rules)
