"""The Function App: the blueprints of functions/, nothing else. Entities' triggers come from the registry."""

import azure.functions as func

from functions import entities, jobs, operations, operator

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

for module in (entities, jobs, operator, operations):
    app.register_functions(module.bp)
