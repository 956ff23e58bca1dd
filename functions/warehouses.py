"""Warehouses: HTTP and queue triggers, FS→SCM and SCM→FS."""

from functions.triggers import entity_blueprint
from shared.entities.warehouses import SPEC

bp = entity_blueprint(SPEC)
