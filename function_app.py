"""The Function App: one blueprint per entity, plus the operational routes. Nothing else lives here."""

import azure.functions as func

from functions import operations, payment_terms

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

for module in (payment_terms, operations):
    app.register_functions(module.bp)
