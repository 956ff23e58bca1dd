"""The app's settings: one class, read once from the environment (app settings / local.settings.json)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.errors import ConfigurationError
from shared.keys import bad_characters, simple_upper

Side = Literal["fs", "scm"]


class Settings(BaseSettings):
    """`SYNC_*` variables, plus the Functions host's own `AzureWebJobsStorage`."""

    model_config = SettingsConfigDict(
        env_prefix="SYNC_", env_nested_delimiter="__", populate_by_name=True, extra="ignore"
    )

    storage_connection: SecretStr = Field(
        validation_alias="AzureWebJobsStorage",
        description="Storage account holding the FS/SCM tables and the queues.",
    )
    companies: Annotated[tuple[str, ...], NoDecode] = Field(
        default=("USMF", "USSI", "DEMF"),
        description="Known companies (legal entities); records naming others are rejected.",
    )
    primary_side: Side = Field(default="scm", description="Who wins when two changes carry the same time.")
    error_table: str = Field(default="SyncErrors", description="Table of permanently failed messages.")
    max_body_bytes: int = Field(default=256 * 1024, gt=0, description="Largest accepted request body.")
    max_clock_skew_seconds: float = Field(
        default=300, ge=0, le=86_400, description="How far ahead of this clock a change's time may be."
    )
    tombstone_days: float = Field(
        default=7, ge=0, le=3650, description="How long a delete's tombstone keeps older changes out."
    )

    @field_validator("storage_connection", mode="before")
    @classmethod
    def _connection_string(cls, value: object) -> object:
        # The value is a secret: the message says what is wrong with it, never what it is.
        if not isinstance(value, str) or not value.strip():
            raise ValueError("must be a storage connection string; it is empty")
        pairs = [part.partition("=") for part in value.strip().strip(";").split(";")]
        names = {name.strip().lower() for name, sep, rest in pairs if sep and name.strip() and rest.strip()}
        if len(names) != len(pairs) or not names & _CONNECTION_NAMES:
            raise ValueError(
                "is not a storage connection string (Name=value pairs separated by ';', with AccountName or "
                "endpoints, or UseDevelopmentStorage=true)"
            )
        return value

    @field_validator("companies", mode="before")
    @classmethod
    def _split_companies(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, (list, tuple)):
            return value
        companies = tuple(simple_upper(str(item).strip()) for item in value if str(item).strip())
        if not companies:
            raise ValueError("names no company: give a comma-separated list such as USMF,USSI,DEMF")
        if bad := [company for company in companies if bad_characters(company)]:
            raise ValueError(f"{len(bad)} company code(s) hold control characters or / \\ # ?")
        return companies

    @field_validator("primary_side", mode="before")
    @classmethod
    def _lower_side(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value


_CONNECTION_NAMES = {"accountname", "usedevelopmentstorage", "tableendpoint", "blobendpoint", "queueendpoint"}


def load_settings() -> Settings:
    """Read the settings, turning every problem into one ConfigurationError that lists them all."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = [
            {"setting": _env_name(err["loc"]), "problem": err["msg"]} for err in exc.errors(include_input=False)
        ]
        raise ConfigurationError("the app's settings are invalid", details=problems) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return load_settings()


def _env_name(location: tuple[int | str, ...]) -> str:
    """The environment variable an operator sets, for a validation error's location."""
    name = str(location[0]) if location else "?"
    aliases = {str(field.validation_alias) for field in Settings.model_fields.values() if field.validation_alias}
    if name not in aliases:  # a field read through the prefix: SYNC_PRIMARY_SIDE for primary_side
        name = f"{Settings.model_config.get('env_prefix', '')}{name}".upper()
    return "__".join([name, *(str(part) for part in location[1:])])
