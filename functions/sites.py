"""Sites: HTTP and queue triggers, FS→SCM and SCM→FS."""

from functions.triggers import entity_blueprint
from shared.entities.sites import SPEC

bp = entity_blueprint(SPEC)
