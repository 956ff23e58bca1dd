"""The app's settings: one class, read once from the environment (app settings / local.settings.json)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from shared.errors import ConfigurationError
from shared.keys import bad_characters, simple_upper

Side = Literal["fs", "scm"]
Secrets = Annotated[tuple[SecretStr, ...], NoDecode]  # comma-separated in the environment
MIN_SECRET_LENGTH = 16
_GUID = re.compile(r"\{?[0-9A-Fa-f]{8}-([0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\}?")


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
    alert_failures: int = Field(
        default=10, ge=1, description="An entity failing more changes than this within SYNC_ALERT_MINUTES pauses."
    )
    alert_minutes: float = Field(default=15, gt=0, le=10_080, description="The window of the failure alert.")
    max_body_bytes: int = Field(default=256 * 1024, gt=0, description="Largest accepted request body.")
    max_clock_skew_seconds: float = Field(
        default=300, ge=0, le=86_400, description="How far ahead of this clock a change's time may be."
    )
    tombstone_days: float = Field(
        default=7, ge=0, le=3650, description="How long a delete's tombstone keeps older changes out."
    )
    storage_connections: int = Field(
        default=64,
        ge=1,
        le=1024,
        description="Connections kept open to storage, shared by every client: at least the functions run at once.",
    )
    # Callers and credentials (docs/calling.md): a secret list per system and role, several while one is rotated.
    fs_secrets: Secrets = Field(default=(), description="Secrets that /api/fs/... callers (Field Service) send.")
    scm_secrets: Secrets = Field(default=(), description="Secrets that /api/scm/... callers (SCM) send.")
    admin_secrets: Secrets = Field(default=(), description="Secrets of /api/sync/... and /api/operations/...")
    company_ids: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict, description="Dataverse GUID of each company's cdm_company row: USMF=<guid>,..."
    )
    site_name: str | None = Field(
        default=None,
        validation_alias="WEBSITE_SITE_NAME",
        description="Set by Azure: a system or role without secrets is then closed (401), not open.",
    )

    @property
    def in_azure(self) -> bool:
        """Whether the app runs in Azure: WEBSITE_SITE_NAME is present, whatever its value (even empty)."""
        return self.site_name is not None

    @field_validator("fs_secrets", "scm_secrets", "admin_secrets", mode="before")
    @classmethod
    def _split_secrets(cls, value: object, info: ValidationInfo) -> object:
        # Secrets: every message says what is wrong, never which value.
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            if value and not parts:  # a slip, not "unset": taking it as unset would open the routes locally
                raise ValueError("holds only blanks and commas: give the secrets, or leave the setting empty")
            value = parts
        if not isinstance(value, (list, tuple)):
            return value
        texts = [item.get_secret_value() if isinstance(item, SecretStr) else str(item) for item in value]
        if short := sum(len(text) < MIN_SECRET_LENGTH for text in texts):
            raise ValueError(f"{short} secret(s) shorter than {MIN_SECRET_LENGTH} characters: too easy to guess")
        for other_field in ("fs_secrets", "scm_secrets"):
            taken = {secret.get_secret_value() for secret in info.data.get(other_field, ())}
            if other_field != info.field_name and taken & set(texts):
                raise ValueError(f"shares a secret with SYNC_{other_field.upper()}: each system and role needs its own")
        return tuple(SecretStr(text) for text in texts)

    @field_validator("company_ids", mode="before")
    @classmethod
    def _company_ids(cls, value: object, info: ValidationInfo) -> object:
        if not isinstance(value, str):
            return value
        ids: dict[str, str] = {}
        for pair in filter(None, (part.strip() for part in value.split(","))):
            company, _, guid = (text.strip() for text in pair.partition("="))
            if not _GUID.fullmatch(guid):
                raise ValueError("must be pairs COMPANY=<GUID of its cdm_company row>, separated by commas")
            if simple_upper(company) not in info.data.get("companies", ()):
                raise ValueError(f"names company {company!r}, which is not in SYNC_COMPANIES")
            ids[simple_upper(company)] = guid.strip("{}").lower()
        return ids

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
