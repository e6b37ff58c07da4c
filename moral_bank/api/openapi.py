"""The OpenAPI 3 description of /api/v1 (a test keeps it in step with the routes)."""

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {400: "Bad input", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 429: "Too many requests"}
    return {str(c): _json(ERROR, text[c]) for c in codes}


def _page(item: dict) -> dict:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": item},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


PAGE_PARAMS = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
]
HOUSEHOLD_ID = {"name": "household_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def document() -> dict:
    household = {"$ref": "#/components/schemas/Household"}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Moral Bank portal API",
            "version": "1.0.0",
            "description": "Points ledger of village moral banks (道德银行). "
            "Authenticate with POST /tokens, then send 'Authorization: Bearer TOKEN'.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/tokens": {
                "post": {
                    "summary": "Exchange a user name and password for a bearer token",
                    "security": [],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["username", "password"],
                                    "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "required": ["token", "expires_at"],
                                "properties": {
                                    "token": {"type": "string"},
                                    "token_type": {"type": "string"},
                                    "expires_at": {"type": "string", "format": "date-time"},
                                },
                            },
                            "Token issued",
                        ),
                        **_errors(400, 401, 429),
                    },
                }
            },
            "/me": {
                "get": {
                    "summary": "The signed-in user and their roles",
                    "responses": {"200": _json({"$ref": "#/components/schemas/Me"}), **_errors(401)},
                }
            },
            "/households": {
                "get": {
                    "summary": "Households of a unit, with balances",
                    "parameters": [
                        {"name": "unit", "in": "query", "required": True, "schema": {"type": "string"}},
                        *PAGE_PARAMS,
                    ],
                    "responses": {"200": _json(_page(household)), **_errors(400, 401, 403, 404)},
                }
            },
            "/households/{household_id}": {
                "get": {
                    "summary": "One household and its balance",
                    "parameters": [HOUSEHOLD_ID],
                    "responses": {"200": _json(household), **_errors(401, 403, 404)},
                }
            },
            "/households/{household_id}/entries": {
                "get": {
                    "summary": "A household's ledger entries, newest first",
                    "parameters": [HOUSEHOLD_ID, *PAGE_PARAMS],
                    "responses": {
                        "200": _json(_page({"$ref": "#/components/schemas/Entry"})),
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": _json({"type": "object"})},
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["status", "message"],
                            "properties": {
                                "status": {"type": "integer"},
                                "message": {"type": "string"},
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                                },
                            },
                        }
                    },
                },
                "Unit": {
                    "type": "object",
                    "required": ["code", "name"],
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                },
                "Household": {
                    "type": "object",
                    "required": ["id", "code", "unit", "head_name", "balance"],
                    "properties": {
                        "id": {"type": "integer"},
                        "code": {"type": "string"},
                        "unit": {"$ref": "#/components/schemas/Unit"},
                        "head_name": {"type": "string"},
                        "balance": {"type": "integer"},
                    },
                },
                "Entry": {
                    "type": "object",
                    "required": ["id", "transfer_id", "amount", "kind", "memo", "created_at"],
                    "properties": {
                        "id": {"type": "integer"},
                        "transfer_id": {"type": "integer"},
                        "amount": {"type": "integer"},
                        "kind": {"type": "string"},
                        "memo": {"type": "string"},
                        "created_at": {"type": "string", "format": "date-time"},
                    },
                },
                "Me": {
                    "type": "object",
                    "required": ["id", "username", "roles"],
                    "properties": {
                        "id": {"type": "integer"},
                        "username": {"type": "string"},
                        "name": {"type": "string"},
                        "household_id": {"type": "integer", "nullable": True},
                        "roles": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "role": {"type": "string"},
                                    "unit": {"$ref": "#/components/schemas/Unit"},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
