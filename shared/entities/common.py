"""Model pieces every entity shares: the base records of each side and the common field types.

Types are strict, as both systems' APIs are: JSON `true` is not a number of days, `1` is not a bool,
`"30"` is not a whole number (each fails as rule `type`); a number may be whole where a decimal is
expected (47 is a fine latitude). Text lengths count UTF-16 code units, as Dataverse and F&O do, so
an emoji counts 2. Dates and times lie in F&O's range, 1900-01-01 to 2154-12-31 (rule `date_range`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    TypeAdapter,
    create_model,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

from shared.converters import SCM_NULL_DATE
from shared.entities.spec import Rule, Side, SideSpec

INT32_MAX = 2**31 - 1
MONEY_MAX = 922_337_203_685_477  # Dataverse's currency range, ±
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2154, 12, 31)  # F&O's dates (1900-01-01 is its "no date")

T = TypeVar("T")


def utf16_units(text: str) -> int:
    """The length of a text as Dataverse and F&O count it: UTF-16 code units (an emoji is 2)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass(frozen=True)
class Length:
    """Bounds on a text's length in UTF-16 code units; fails as rule `min_length` / `max_length`."""

    min: int = 0
    max: int | None = None

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        described = handler(schema)
        described.update({"minLength": self.min} if self.min else {})
        described.update({"maxLength": self.max} if self.max is not None else {})
        return described

    def check(self, value: str) -> str:
        units = utf16_units(value)
        if units < self.min:
            raise PydanticCustomError(
                "min_length", "should have at least {min} character(s), not {units}", {"min": self.min, "units": units}
            )
        if self.max is not None and units > self.max:
            raise PydanticCustomError(
                "max_length",
                "should have at most {max} characters (UTF-16 code units), not {units}",
                {"max": self.max, "units": units},
            )
        return value


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


# An optional text (a reference to another record, a site id) that callers send as "" or null alike:
# blank text is no value, so "" never names a record nor trips a length rule. `Blankable[Id10]`.
Blankable = Annotated[T | None, BeforeValidator(_blank_is_none)]
# A required text where blank counts as missing: fails as `required`, with the side's reason.
Required = Annotated[T, BeforeValidator(_blank_is_none)]

# Optional texts of at most n UTF-16 units, blank is no value: the usual sizes of F&O's and Dataverse's types
Text10 = Blankable[Annotated[str, Length(max=10)]]
Text20 = Blankable[Annotated[str, Length(max=20)]]
Text30 = Blankable[Annotated[str, Length(max=30)]]
Text60 = Blankable[Annotated[str, Length(max=60)]]
Text100 = Blankable[Annotated[str, Length(max=100)]]
Text250 = Blankable[Annotated[str, Length(max=250)]]
Memo = Blankable[Annotated[str, Length(max=2000)]]  # a multi-line text (description, notes)

# FS's primary key (a GUID, e.g. msdyn_warehouseid): stored with the record when a webhook gives it, in lower case
Guid = Blankable[
    Annotated[
        str,
        Length(36, 36),
        Field(pattern=r"^[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}$"),
        AfterValidator(str.lower),
    ]
]
GUID_NOTE = (
    "a GUID, Dataverse's key of the row: stored when a webhook gives it, it finds the record of a keyless change"
)

Count = Annotated[int, Field(ge=0, le=INT32_MAX)]  # F&O and Dataverse whole numbers are 32-bit
DayOfMonth = Annotated[int, Field(ge=0, le=31)]
Company = Annotated[str, Length(1, 10)]
Latitude = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Longitude = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Amount = Annotated[float, Field(ge=-MONEY_MAX, le=MONEY_MAX, allow_inf_nan=False)]


def _option_value(value: Any) -> Any:
    if type(value) is not int:  # bool is an int to Python, and 192350000.0 equals an option value
        raise PydanticCustomError("int_type", "an option value is a whole number")
    return value


# A Dataverse option value (`Option[Literal[192350000, ...]]`): exactly a JSON integer, one of the set.
OptionValue = BeforeValidator(_option_value)


def by_name(names: Any) -> BeforeValidator:
    """SCM enum names are matched case-insensitively (`standard`, `STANDARD`) and kept in their canonical
    spelling (`Standard`). `names` is the Literal of the canonical names."""
    canonical = {name.casefold(): name for name in get_args(names)}

    def fold(value: Any) -> Any:
        return canonical.get(value.strip().casefold(), value) if isinstance(value, str) else value

    return BeforeValidator(fold)


YesNoName = Literal["Yes", "No"]
YesNo = Annotated[YesNoName, by_name(YesNoName)]  # F&O NoYes enum, sent by name

_WCF_TIME = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")  # WCF JSON dates from Dataverse and F&O events
_ISO_START = re.compile(r"\d{4}-\d{2}-\d{2}(?![0-9])")  # ISO 8601 text starts with its calendar date
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _date_range(reason: str) -> PydanticCustomError:
    return PydanticCustomError(
        "date_range", "{reason}: F&O's dates run from 1900-01-01 to 2154-12-31", {"reason": reason}
    )


def _parse_time(value: Any) -> Any:
    """A time as either system sends it: ISO 8601 text or WCF `/Date(ms)/`; never a bare number."""
    if isinstance(value, bool | int | float):
        raise PydanticCustomError("datetime_type", "a time is ISO 8601 text or /Date(ms)/, not a number")
    if not isinstance(value, str):
        return value  # a datetime passes; anything else fails as a datetime would
    text = value.strip()
    if match := _WCF_TIME.match(text):
        try:
            return _EPOCH + dt.timedelta(milliseconds=int(match.group(1)))
        except OverflowError:
            raise _date_range("/Date(ms)/ is out of range") from None
    if _ISO_START.match(text):
        try:
            return dt.datetime.fromisoformat(text)
        except ValueError:
            pass
    raise PydanticCustomError("datetime_parsing", "a time is ISO 8601 text (2026-03-01T12:30:00Z) or /Date(ms)/")


def _parse_date(value: Any) -> Any:
    """A date as either system sends it: `2030-01-31`, an ISO date-time (its UTC date) or `/Date(ms)/`."""
    if isinstance(value, str) and len(text := value.strip()) == 10 and _ISO_START.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise PydanticCustomError("date_parsing", "the date is not a calendar date") from None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        moment = _parse_time(value)
    except PydanticCustomError as exc:
        if exc.type == "date_range":
            raise
        raise PydanticCustomError("date_parsing", "a date is ISO 8601 text (2030-06-30) or /Date(ms)/") from None
    return as_utc(moment).date() if isinstance(moment, dt.datetime) else moment


def _in_range(value: dt.date) -> dt.date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise _date_range("the date is out of range")
    return value


Date = Annotated[dt.date, BeforeValidator(_parse_date), AfterValidator(_in_range)]


def _not_null_date(value: dt.date) -> dt.date:
    if value == SCM_NULL_DATE:
        raise PydanticCustomError("not_null_date", "1900-01-01 is SCM's empty date: send no date instead")
    return value


def _null_date_if_none(value: object) -> object:
    return SCM_NULL_DATE if value is None or (isinstance(value, str) and not value.strip()) else value


# FS leaves an unknown date empty; F&O has no empty date and stores 1900-01-01 instead (the NULL_DATE
# converter maps one to the other). `FsDate = None` on FS, `ScmDate = SCM_NULL_DATE` on SCM.
FsDate = Blankable[Annotated[Date, AfterValidator(_not_null_date)]]
ScmDate = Annotated[Date, BeforeValidator(_null_date_if_none)]


class _Record(BaseModel):
    # Unknown fields are ignored on the way in (new upstream columns must not break the sync);
    # what the sync writes is exactly the declared fields. Types are strict (see the module's doc).
    model_config = ConfigDict(extra="ignore", frozen=True, strict=True)


def as_utc(value: dt.datetime) -> dt.datetime:
    """Times without a zone are taken as UTC, as both systems store them; within F&O's range."""
    try:
        utc = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        raise _date_range("the time is out of range") from None
    if not FIRST_DATE <= utc.date() <= LAST_DATE:
        raise _date_range("the time is out of range")
    return utc


# A record's modification time: ISO 8601 or WCF `/Date(ms)/`, zone-less taken as UTC.
SourceTime = Annotated[dt.datetime, BeforeValidator(_parse_time), AfterValidator(as_utc)]
SOURCE_TIME: TypeAdapter[dt.datetime] = TypeAdapter(SourceTime)
# Where each side's records carry their system's modification time: the same column in every entity.
MODIFIED_FIELD: dict[Side, str] = {"fs": "modifiedon", "scm": "ModifiedDateTime"}


class FsRecord(_Record):
    msdyn_company: Company
    modifiedon: SourceTime | None = None


class ScmRecord(_Record):
    dataAreaId: Company
    ModifiedDateTime: SourceTime | None = None


def no_position(latitude: str, longitude: str) -> Callable[[Any], Any]:
    """Latitude and longitude both 0 are no position (F&O's OData sends 0 for "not set"): both empty."""

    def clear(data: Any) -> Any:
        if isinstance(data, dict) and all(_is_zero(data.get(name)) for name in (latitude, longitude)):
            return {**data, latitude: None, longitude: None}
        return data

    return clear


def _is_zero(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == 0


M = TypeVar("M", bound=BaseModel)


def with_options(base: type[M], names: Iterable[str], kind: Any) -> type[M]:
    """`base` and one optional field of type `kind` per name: the many Yes/No options of a template.
    The model is named as `base` without its leading underscore."""
    fields: dict[str, Any] = {name: (kind | None, None) for name in names}
    return create_model(base.__name__.lstrip("_"), __base__=base, __module__=base.__module__, **fields)


def fs_side(entity_name: str, model: type[FsRecord], id_field: str, rules: tuple[Rule, ...] = ()) -> SideSpec:
    """FS's view of an entity: every FS record carries `msdyn_company` and `modifiedon`."""
    return SideSpec("fs", entity_name, model, "msdyn_company", id_field, MODIFIED_FIELD["fs"], rules)


def scm_side(entity_name: str, model: type[ScmRecord], id_field: str, rules: tuple[Rule, ...] = ()) -> SideSpec:
    """SCM's view of an entity: every SCM record carries `dataAreaId` and `ModifiedDateTime`."""
    return SideSpec("scm", entity_name, model, "dataAreaId", id_field, MODIFIED_FIELD["scm"], rules)
