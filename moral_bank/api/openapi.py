"""The OpenAPI 3 description of /api/v1 (a test keeps it in step with the routes)."""

from ..scoring.models import SHEET_STATUSES

ERROR = {"$ref": "#/components/schemas/Error"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {
        400: "Bad input",
        401: "Not signed in",
        403: "Not allowed",
        404: "Not found",
        409: "Refused in its present state; error.message says why",
        422: "A field is wrong; error.fields names it",
        429: "Too many requests",
    }
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
REVIEW = {
    "type": "object",
    "required": ["approve"],
    "properties": {"approve": {"type": "boolean"}, "comment": {"type": "string", "maxLength": 500}},
}
_RATE = {
    "type": "object",
    "properties": {
        "units": {"type": "integer"},
        "compliant": {"type": "integer"},
        "rate": {"type": "number", "nullable": True, "description": "percent, two decimals"},
        "target": {"type": "integer"},
        "warning": {"type": "string", "enum": ["none", "blue", "yellow", "orange", "red"]},
    },
}
COMPLIANCE = {
    "type": "object",
    "properties": {
        "area": {"type": "string"},
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "kinds": {"type": "object", "additionalProperties": _RATE},
        "groups": {
            "type": "object",
            "properties": {"villages": _RATE, "others": _RATE},
            "description": "villages+communities (target 80 %) and enterprises+institutions (90 %)",
        },
        "overall": _RATE,
        "warning": {"type": "string"},
    },
}
SCORE = {
    "type": "object",
    "properties": {
        "unit": {"type": "string"},
        "month": {"type": "string"},
        "three_zero": {
            "type": "object",
            "properties": {k: {"type": "boolean"} for k in ("petition", "accident", "case", "compliant")},
        },
        "components": {"type": "object", "description": "each part with the counts it came from and its points"},
        "score": {"type": "number"},
        "colour": {"type": "string", "enum": ["green", "blue", "yellow", "orange", "red"]},
    },
}
INCIDENT_IN = {
    "type": "object",
    "required": ["unit", "kind", "occurred_on", "summary"],
    "properties": {
        "unit": {"type": "string"},
        "kind": {"type": "string", "enum": ["petition", "accident", "case", "dispute", "hazard"]},
        "subkind": {
            "type": "string",
            "description": "accident: public_safety or production_safety; case: criminal or public_order",
        },
        "occurred_on": {"type": "string", "format": "date"},
        "summary": {"type": "string", "maxLength": 500},
        "escalated": {"type": "boolean", "description": "a petition or dispute taken beyond the unit"},
        "status": {"type": "string", "enum": ["open", "resolved"]},
        "resolved_on": {"type": "string", "format": "date"},
        "resolution": {"type": "string", "maxLength": 500},
    },
}
INCIDENT = {
    "type": "object",
    "properties": {"id": {"type": "integer"}, **INCIDENT_IN["properties"]},
}
ANNOUNCEMENT_IN = {
    "type": "object",
    "required": ["title", "body"],
    "properties": {
        "title": {"type": "string", "maxLength": 120},
        "body": {"type": "string", "maxLength": 5000},
        "audience": {"type": "string", "enum": ["public", "residents"], "default": "public"},
        "pinned": {"type": "boolean", "default": False},
        "expires_on": {
            "type": "string",
            "format": "date",
            "nullable": True,
            "description": "the last day it is shown; not in the past",
        },
    },
}
ANNOUNCEMENT = {
    "type": "object",
    "required": ["id", "unit", "title", "body", "audience", "pinned", "expires_on", "created_at", "url"],
    "properties": {
        "id": {"type": "integer"},
        "unit": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        **ANNOUNCEMENT_IN["properties"],
        "created_at": {"type": "string", "format": "date-time"},
        "image_url": {"type": "string", "nullable": True},
        "url": {"type": "string", "description": "its public page"},
        "unread": {"type": "boolean", "description": "only for a signed-in caller"},
    },
}
UNIT_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
NOTICE_ID = {"name": "notice_id", "in": "path", "required": True, "schema": {"type": "integer"}}
HOUSEHOLD_ID = {"name": "household_id", "in": "path", "required": True, "schema": {"type": "integer"}}

SHOP_ID = {"name": "shop_id", "in": "path", "required": True, "schema": {"type": "integer"}}
REDEMPTION_ID = {"name": "redemption_id", "in": "path", "required": True, "schema": {"type": "integer"}}
SHOP = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "unit": {"type": "string"},
        "name": {"type": "string"},
        "served": {"type": "array", "items": {"type": "string"}},
        "active": {"type": "boolean"},
        "balance": {"type": "integer", "description": "points taken in, net of voids"},
    },
}
ITEM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "price": {"type": "integer"},
        "stock": {"type": "integer"},
        "low_stock": {"type": "integer"},
        "is_low": {"type": "boolean"},
        "active": {"type": "boolean"},
    },
}
HONOR = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "category": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "period": {"type": "string"},
        "household": {"type": "object", "description": "name as the unit shows names; code and id for its staff"},
        "how": {"type": "string", "enum": ["rule", "nomination"]},
        "reason": {"type": "string"},
        "points": {"type": "integer"},
        "bonus": {"type": "integer"},
        "status": {"type": "string", "enum": ["proposed", "approved", "removed", "revoked"]},
        "rank": {"type": "integer", "nullable": True},
    },
}
REDEMPTION = {
    "type": "object",
    "required": ["id", "receipt_no", "total", "balance_after"],
    "properties": {
        "id": {"type": "integer"},
        "receipt_no": {"type": "string"},
        "shop_id": {"type": "integer"},
        "household_id": {"type": "integer"},
        "total": {"type": "integer"},
        "balance_after": {"type": "integer"},
        "lines": {"type": "array", "items": {"type": "object"}},
        "created_at": {"type": "string", "format": "date-time"},
        "voided": {"type": "boolean"},
        "void_reason": {"type": "string", "nullable": True},
    },
}


def _review_operation(noun: str, id_name: str) -> dict:
    return {
        "post": {
            "summary": f"A unit admin approves a submitted {noun}, or returns it with a comment",
            "parameters": [{"name": id_name, "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": _body(REVIEW),
            "responses": {"200": _json({"$ref": "#/components/schemas/Review"}), **_errors(401, 403, 404, 409, 422)},
        }
    }


CLAIM = {
    "type": "object",
    "required": ["id", "household_id", "category", "date", "text", "status", "review_comment", "photos"],
    "properties": {
        "id": {"type": "integer"},
        "household_id": {"type": "integer"},
        "category": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "text": {"type": "string"},
        "member_id": {"type": "integer", "nullable": True},
        "witness": {"type": "string"},
        "status": {"type": "string", "enum": ["pending", "checked", "approved", "rejected", "withdrawn"]},
        "review_comment": {"type": "string", "description": "why it was not approved (the household reads it)"},
        "deed_id": {"type": "integer", "nullable": True, "description": "the deed an approval recorded"},
        "photos": {"type": "array", "items": {"type": "string"}, "description": "photo URLs (signed-in only)"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}
_CLAIM = {"$ref": "#/components/schemas/Claim"}
CLAIM_PATHS = {
    "/claims": {
        "post": {
            "summary": "A resident reports a good deed of their household (self-report), with up to 6 photos",
            "description": "At most the unit's daily number of reports per household (409 past it); "
            "the date within the past 30 days.",
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["category", "date", "text"],
                            "properties": {
                                "category": {"type": "string", "description": "an award deed category's code"},
                                "date": {"type": "string", "format": "date"},
                                "text": {"type": "string", "maxLength": 500},
                                "member_id": {"type": "integer"},
                                "witness": {"type": "string", "maxLength": 50},
                                "photos": {
                                    "type": "array",
                                    "maxItems": 6,
                                    "items": {"type": "string", "format": "binary"},
                                    "description": ".jpg/.jpeg/.png/.webp, each at most 10 MB",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {"201": _json(_CLAIM, "Reported"), **_errors(401, 403, 409, 422)},
        }
    },
    "/households/{household_id}/claims": {
        "get": {
            "summary": "A household's self-reports with their status, newest first",
            "parameters": [{"name": "household_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "responses": {
                "200": _json({"type": "object", "properties": {"items": {"type": "array", "items": _CLAIM}}}),
                **_errors(401, 403, 404),
            },
        }
    },
    "/claims/{claim_id}/review": {
        "post": {
            "summary": "The household's scorer or a unit admin approves a self-report (it becomes a deed) "
            "or rejects it with a reason; with two-step review the scorer approves first",
            "parameters": [{"name": "claim_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["approve"],
                    "properties": {
                        "approve": {"type": "boolean"},
                        "comment": {"type": "string", "maxLength": 500},
                        "points": {"type": "integer", "minimum": 1, "description": "default: the category's limit"},
                    },
                }
            ),
            "responses": {"200": _json(_CLAIM), **_errors(400, 401, 403, 404, 409, 422)},
        }
    },
}


_WHEN = {"type": "string", "format": "date-time"}
ACTIVITY_IN = {
    "type": "object",
    "required": ["title", "place", "starts_at", "ends_at", "capacity", "points", "category"],
    "properties": {
        "title": {"type": "string", "maxLength": 120},
        "description": {"type": "string", "maxLength": 2000},
        "place": {"type": "string", "maxLength": 120},
        "starts_at": {**_WHEN, "description": "ISO 8601; without a zone: the deployment's local time"},
        "ends_at": _WHEN,
        "signup_deadline": {**_WHEN, "description": "default: the start; not after it"},
        "capacity": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "places (households)"},
        "points": {
            "type": "integer",
            "minimum": 1,
            "description": "per attending household; at most the category's limit",
        },
        "category": {"type": "string", "description": "an award deed category's code"},
        "served": {
            "type": "array",
            "items": {"type": "string"},
            "description": "a township's or the county's activity: the unit codes under it that it is open to "
            "(default: all)",
        },
    },
}
SIGNUP = {
    "type": "object",
    "required": ["activity_id", "household_id", "status"],
    "properties": {
        "activity_id": {"type": "integer"},
        "household_id": {"type": "integer"},
        "member_name": {"type": "string"},
        "status": {"type": "string", "enum": ["signed_up", "attended", "no_show"]},
        "walk_in": {"type": "boolean", "description": "checked in by the organizer without a sign-up"},
        "checked_in_at": {**_WHEN, "nullable": True},
        "deed_id": {"type": "integer", "nullable": True, "description": "the deed the close recorded"},
    },
}
_SIGNUP = {"$ref": "#/components/schemas/Signup"}
ACTIVITY = {
    "type": "object",
    "required": ["id", "unit", "title", "starts_at", "ends_at", "capacity", "signed_up", "points", "status"],
    "properties": {
        "id": {"type": "integer"},
        "unit": {"$ref": "#/components/schemas/Unit"},
        "title": {"type": "string"},
        "description": {"type": "string"},
        "place": {"type": "string"},
        "starts_at": _WHEN,
        "ends_at": _WHEN,
        "signup_deadline": _WHEN,
        "capacity": {"type": "integer"},
        "signed_up": {"type": "integer"},
        "places_left": {"type": "integer"},
        "points": {"type": "integer"},
        "category": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "served": {"type": "array", "items": {"type": "string"}},
        "url": {"type": "string"},
        "my_signup": {
            **SIGNUP,
            "nullable": True,
            "description": "for a resident caller: their household's sign-up, or null",
        },
    },
}
_ACTIVITY = {"$ref": "#/components/schemas/Activity"}
_ACTIVITY_ID = {"name": "activity_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_UNIT_CODE = {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}}
_SIGNED_UP = {"type": "object", "properties": {"signup": _SIGNUP, "activity": _ACTIVITY}}
ACTIVITY_PATHS = {
    "/units/{code}/activities": {
        "get": {
            "summary": "The open volunteer activities a unit's residents may join, soonest first "
            "(a resident caller sees their own sign-up in each)",
            "security": [{}, {"bearer": []}],
            "parameters": [_UNIT_CODE],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["unit", "items"],
                        "properties": {"unit": {"type": "string"}, "items": {"type": "array", "items": _ACTIVITY}},
                    }
                ),
                **_errors(404),
            },
        },
        "post": {
            "summary": "Post a volunteer activity on a unit (its admins; a township's may list the units it serves)",
            "parameters": [_UNIT_CODE],
            "requestBody": _body(ACTIVITY_IN),
            "responses": {"201": _json(_ACTIVITY, "Posted"), **_errors(400, 401, 403, 404, 422)},
        },
    },
    "/activities/{activity_id}/signups": {
        "post": {
            "summary": "A resident signs up their household (one place); the organizer passes household_id",
            "description": "409 when full, closed, or past the sign-up deadline. Signing up again answers 200 "
            "with the first sign-up.",
            "parameters": [_ACTIVITY_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "properties": {
                        "household_id": {"type": "integer", "description": "the organizer's choice"},
                        "member_name": {"type": "string", "maxLength": 50},
                    },
                },
                required=False,
            ),
            "responses": {
                "201": _json(_SIGNED_UP, "Signed up"),
                "200": _json(_SIGNED_UP, "Signed up before"),
                **_errors(400, 401, 403, 404, 409, 422),
            },
        }
    },
    "/activities/{activity_id}/signups/me": {
        "delete": {
            "summary": "A resident cancels their household's sign-up (before the deadline); the place is freed",
            "parameters": [_ACTIVITY_ID],
            "responses": {"200": _json(_ACTIVITY), **_errors(401, 403, 404, 409)},
        }
    },
    "/activities/{activity_id}/checkins": {
        "post": {
            "summary": "Check a household in: a resident sends the token of the organizer's rotating QR; the "
            "organizer sends a card code (or card QR text) or household_id",
            "description": "The token is good for its 30-second window and the next one. A second check-in "
            "answers 200. The organizer may check in a household in reach that did not sign up while places "
            "remain (walk_in).",
            "parameters": [_ACTIVITY_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "properties": {
                        "token": {"type": "string", "description": "the t= of the QR's URL"},
                        "card": {"type": "string"},
                        "household_id": {"type": "integer"},
                    },
                }
            ),
            "responses": {
                "201": _json(_SIGNUP, "Checked in"),
                "200": _json(_SIGNUP, "Checked in before"),
                **_errors(400, 401, 403, 404, 409, 422),
            },
        }
    },
    "/activities/{activity_id}/close": {
        "post": {
            "summary": "After the start: confirm attendance; each household that came gets a deed of the "
            "activity's points (on to the notice board), the others are recorded as no-shows",
            "description": "Closing again creates nothing and answers the same lists.",
            "parameters": [_ACTIVITY_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "properties": {
                        "attended": {
                            "type": "array",
                            "items": {"type": "integer"},
                            "description": "household ids that came (default: those checked in)",
                        }
                    },
                },
                required=False,
            ),
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "activity": _ACTIVITY,
                            "attended": {"type": "array", "items": {"type": "integer"}},
                            "no_show": {"type": "array", "items": {"type": "integer"}},
                            "deeds_created": {"type": "integer"},
                        },
                    }
                ),
                **_errors(400, 401, 403, 404, 409, 422),
            },
        }
    },
}

WISH = {
    "type": "object",
    "required": ["id", "shop_id", "household_id", "name", "key", "status"],
    "properties": {
        "id": {"type": "integer"},
        "shop_id": {"type": "integer"},
        "household_id": {"type": "integer"},
        "name": {"type": "string", "description": "as typed"},
        "key": {"type": "string", "description": "the name normalised (NFKC, spaces collapsed, case folded)"},
        "note": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "stocked", "declined", "withdrawn"]},
        "reason": {"type": "string", "description": "why the shop declined"},
        "item_id": {"type": "integer", "nullable": True, "description": "the item the shop stocked"},
        "created_at": {"type": "string", "format": "date-time"},
        "closed_at": {"type": "string", "format": "date-time", "nullable": True},
        "seen": {"type": "boolean", "description": "the household has seen the shop's answer"},
    },
}
_WISH = {"$ref": "#/components/schemas/Wish"}
_WISH_KEY = {"type": "string", "description": "the item's key (or its name) as listed by GET"}
_TOLD = _json(
    {
        "type": "object",
        "properties": {
            "shop_id": {"type": "integer"},
            "status": {"type": "string"},
            "households": {"type": "integer", "description": "how many households were told"},
        },
    }
)
WISH_PATHS = {
    "/shops/{shop_id}/wishes": {
        "post": {
            "summary": "A resident asks a shop serving their household for an item it does not sell (wish list)",
            "description": "409 when the shop already sells it (the message gives the price), when the household "
            "has already asked for it, when the shop declined it in the last 30 days, or past 5 requests a day.",
            "parameters": [SHOP_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["name"],
                    "properties": {
                        "name": {"type": "string", "maxLength": 100},
                        "note": {"type": "string", "maxLength": 200},
                    },
                }
            ),
            "responses": {"201": _json(_WISH, "Asked"), **_errors(400, 401, 403, 404, 409, 422)},
        },
        "get": {
            "summary": "The shop's open requests grouped by item, with how many households asked; newest first",
            "parameters": [SHOP_ID],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "properties": {
                            "shop_id": {"type": "integer"},
                            "items": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "key": {"type": "string"},
                                        "name": {"type": "string"},
                                        "households": {"type": "integer"},
                                        "first_asked_at": {"type": "string", "format": "date-time"},
                                        "last_asked_at": {"type": "string", "format": "date-time"},
                                        "notes": {"type": "array", "items": {"type": "string"}},
                                        "item_id": {
                                            "type": "integer",
                                            "nullable": True,
                                            "description": "the shop's item on sale under this name",
                                        },
                                    },
                                },
                            },
                        },
                    }
                ),
                **_errors(401, 403, 404),
            },
        },
    },
    "/shops/{shop_id}/wishes/stocked": {
        "post": {
            "summary": "The shop now sells an item: every household waiting for it is told on its home page",
            "parameters": [SHOP_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["key"],
                    "properties": {
                        "key": _WISH_KEY,
                        "item_id": {"type": "integer", "description": "the shop's item (default: one with this name)"},
                    },
                }
            ),
            "responses": {"200": _TOLD, **_errors(400, 401, 403, 404, 409, 422)},
        }
    },
    "/shops/{shop_id}/wishes/declined": {
        "post": {
            "summary": "The shop will not stock an item: every household waiting for it is told why",
            "parameters": [SHOP_ID],
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["key", "reason"],
                    "properties": {"key": _WISH_KEY, "reason": {"type": "string", "maxLength": 200}},
                }
            ),
            "responses": {"200": _TOLD, **_errors(400, 401, 403, 404, 409, 422)},
        }
    },
    "/households/{household_id}/wishes": {
        "get": {
            "summary": "A household's wish list: its requests and the shops' answers, open ones first",
            "parameters": [HOUSEHOLD_ID],
            "responses": {
                "200": _json({"type": "object", "properties": {"items": {"type": "array", "items": _WISH}}}),
                **_errors(401, 403, 404),
            },
        }
    },
}


def document() -> dict:
    doc = _document()
    doc["paths"].update(CLAIM_PATHS)
    doc["paths"].update(ACTIVITY_PATHS)
    doc["components"]["schemas"]["Claim"] = CLAIM
    doc["components"]["schemas"]["Activity"] = ACTIVITY
    doc["components"]["schemas"]["Signup"] = SIGNUP
    doc["paths"].update(WISH_PATHS)
    doc["components"]["schemas"]["Wish"] = WISH
    return doc


def _document() -> dict:
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
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["username", "password"],
                            "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                        }
                    ),
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
            "/units/{code}/rubric": {
                "get": {
                    "summary": "The scoring rubric in force for a unit (its own, or its county's)",
                    "parameters": [UNIT_CODE],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/UnitRubric"}),
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/units/{code}/settings": {
                "patch": {
                    "summary": "Change a village's moral bank settings",
                    "parameters": [UNIT_CODE],
                    "requestBody": _body({"$ref": "#/components/schemas/UnitSettings"}),
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/UnitSettingsResult"}),
                        **_errors(400, 401, 403, 404),
                        "422": _json(ERROR, "A setting is out of range"),
                    },
                }
            },
            "/units/{code}/assignments": {
                "put": {
                    "summary": "Make a scorer the scorer of the listed households",
                    "parameters": [UNIT_CODE],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["scorer", "households"],
                            "properties": {
                                "scorer": {"type": "string", "description": "user name"},
                                "households": {"type": "array", "items": {"type": "string"}},
                            },
                        }
                    ),
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["unit", "scorer", "households"],
                                "properties": {
                                    "unit": {"type": "string"},
                                    "scorer": {"type": "string"},
                                    "households": {"type": "integer"},
                                },
                            }
                        ),
                        **_errors(400, 401, 403, 404),
                        "422": _json(ERROR, "Unknown scorer or household"),
                    },
                }
            },
            "/rating-sheets": {
                "post": {
                    "summary": "Save a household's monthly rating (a draft, or submitted for review)",
                    "description": "Creates the sheet or updates a draft or returned one. Sending a submitted "
                    "sheet again unchanged returns it (safe to retry).",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["household_id", "month", "scores"],
                            "properties": {
                                "household_id": {"type": "integer"},
                                "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                                "scores": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer", "minimum": 0},
                                    "description": "item code → points",
                                },
                                "note": {"type": "string", "maxLength": 500},
                                "submit": {"type": "boolean", "default": False},
                            },
                        }
                    ),
                    "responses": {
                        "201": _json({"$ref": "#/components/schemas/RatingSheet"}, "Created"),
                        "200": _json({"$ref": "#/components/schemas/RatingSheet"}, "Updated, or a retry"),
                        **_errors(401, 403, 409, 422),
                    },
                }
            },
            "/deeds": {
                "post": {
                    "summary": "Record a good deed (award) or a deduction for a household, for review",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": False,
                            "schema": {"type": "string", "minLength": 8, "maxLength": 80},
                            "description": "A client-made id; a retry with the same key returns the first deed.",
                        }
                    ],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["household_id", "category", "points", "reason", "date"],
                            "properties": {
                                "household_id": {"type": "integer"},
                                "category": {"type": "string"},
                                "points": {"type": "integer", "minimum": 1},
                                "reason": {"type": "string", "maxLength": 500},
                                "date": {"type": "string", "format": "date"},
                                "member_id": {"type": "integer"},
                            },
                        }
                    ),
                    "responses": {
                        "201": _json(
                            {"$ref": "#/components/schemas/Deed"}, "Recorded (or the first result of a retry)"
                        ),
                        **_errors(401, 403, 422),
                    },
                }
            },
            "/rating-sheets/{sheet_id}/review": _review_operation("rating sheet", "sheet_id"),
            "/deeds/{deed_id}/review": _review_operation("deed", "deed_id"),
            "/households/{household_id}/passbook": {
                "get": {
                    "summary": "One month of a household's passbook, each entry explained (a resident: their own only)",
                    "parameters": [
                        HOUSEHOLD_ID,
                        {
                            "name": "month",
                            "in": "query",
                            "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                        },
                    ],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/PassbookMonth"}),
                        **_errors(401, 403, 404, 422),
                    },
                }
            },
            "/households/{household_id}/cards": {
                "post": {
                    "summary": "Issue a new member card; every older card of the household stops working at once",
                    "parameters": [HOUSEHOLD_ID],
                    "responses": {
                        "201": _json({"$ref": "#/components/schemas/Card"}, "The new card"),
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/cards/resolve": {
                "get": {
                    "summary": "A scanned card token (or its URL) or a typed short code → the household",
                    "parameters": [{"name": "code", "in": "query", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "household": {"$ref": "#/components/schemas/Household"},
                                    "card": {
                                        "type": "object",
                                        "properties": {
                                            "version": {"type": "integer"},
                                            "short_code": {"type": "string"},
                                        },
                                    },
                                },
                            }
                        ),
                        "409": _json(ERROR, "The card was replaced, or the code is wrong; error.message says which"),
                        **_errors(401, 403, 422),
                    },
                }
            },
            "/shops": {
                "post": {
                    "summary": "Open a shop for a unit; it serves the unit's subtree and the listed units",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["unit", "name"],
                            "properties": {
                                "unit": {"type": "string", "description": "the owning unit's code"},
                                "name": {"type": "string", "maxLength": 100},
                                "served": {"type": "array", "items": {"type": "string"}, "description": "unit codes"},
                            },
                        }
                    ),
                    "responses": {"201": _json(SHOP, "Opened"), **_errors(401, 403, 404, 422)},
                }
            },
            "/shops/{shop_id}/items": {
                "get": {
                    "summary": "The shop's items with price and stock",
                    "parameters": [SHOP_ID],
                    "responses": {
                        "200": _json({"type": "object", "properties": {"items": {"type": "array", "items": ITEM}}}),
                        **_errors(401, 403, 404),
                    },
                },
                "post": {
                    "summary": "Add an item (its opening stock is recorded as a restock)",
                    "parameters": [SHOP_ID],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["name", "price"],
                            "properties": {
                                "name": {"type": "string", "maxLength": 100},
                                "price": {"type": "integer", "minimum": 1},
                                "stock": {"type": "integer", "minimum": 0},
                                "low_stock": {"type": "integer", "minimum": 0},
                            },
                        }
                    ),
                    "responses": {"201": _json(ITEM, "Added"), **_errors(401, 403, 404, 422)},
                },
            },
            "/shops/{shop_id}/items/{item_id}/stock": {
                "post": {
                    "summary": "A restock (qty more) or a stock-take (qty counted, with a reason)",
                    "parameters": [
                        SHOP_ID,
                        {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    ],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["kind", "qty"],
                            "properties": {
                                "kind": {"type": "string", "enum": ["restock", "stocktake"]},
                                "qty": {"type": "integer", "minimum": 0},
                                "reason": {"type": "string", "maxLength": 200},
                            },
                        }
                    ),
                    "responses": {
                        "201": _json({"type": "object", "properties": {"item": ITEM, "movement": {"type": "object"}}}),
                        "200": _json(
                            {"type": "object", "properties": {"item": ITEM}}, "The count matched: nothing recorded"
                        ),
                        **_errors(401, 403, 404, 409, 422),
                    },
                }
            },
            "/redemptions": {
                "post": {
                    "summary": "Check out: points leave the household's account, stock leaves the shelf, once per key",
                    "parameters": [
                        {
                            "name": "Idempotency-Key",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,120}$"},
                        }
                    ],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["card", "shop_id", "lines"],
                            "properties": {
                                "card": {"type": "string", "description": "a card or phone QR token, or a short code"},
                                "shop_id": {"type": "integer"},
                                "lines": {
                                    "type": "array",
                                    "minItems": 1,
                                    "items": {
                                        "type": "object",
                                        "required": ["item_id", "qty"],
                                        "properties": {
                                            "item_id": {"type": "integer"},
                                            "qty": {"type": "integer", "minimum": 1, "maximum": 999},
                                        },
                                    },
                                },
                                "pin": {"type": "string", "description": "needed above the unit's PIN threshold"},
                            },
                        }
                    ),
                    "responses": {
                        "201": _json(REDEMPTION, "Redeemed"),
                        "200": _json(REDEMPTION, "A replay of the same key: the first result"),
                        "409": _json(
                            ERROR, "Not enough points or stock, or the card was refused; error.message says why"
                        ),
                        **_errors(401, 403, 404, 422),
                    },
                }
            },
            "/redemptions/{redemption_id}": {
                "get": {
                    "summary": "A redemption (the receipt)",
                    "parameters": [REDEMPTION_ID],
                    "responses": {"200": _json(REDEMPTION), **_errors(401, 403, 404)},
                }
            },
            "/redemptions/{redemption_id}/void": {
                "post": {
                    "summary": "Void a redemption on its day: the points go back, the goods back on the shelf",
                    "parameters": [REDEMPTION_ID],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["reason"],
                            "properties": {"reason": {"type": "string", "maxLength": 200}},
                        }
                    ),
                    "responses": {
                        "200": _json(REDEMPTION, "Voided"),
                        "409": _json(ERROR, "Already voided, or not made today"),
                        **_errors(401, 403, 404, 422),
                    },
                }
            },
            "/units/{code}/honors": {
                "get": {
                    "summary": "The unit's honor roll of a period: its approved stars (its admins also see proposals)",
                    "security": [{}, {"bearer": []}],
                    "parameters": [
                        UNIT_CODE,
                        {
                            "name": "period",
                            "in": "query",
                            "schema": {"type": "string", "example": "2026-10"},
                            "description": "a month (2026-10), quarter (2026-Q4) or year (2026); last month by default",
                        },
                    ],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "unit": {"type": "string"},
                                    "period": {"type": "string"},
                                    "items": {"type": "array", "items": HONOR},
                                },
                            }
                        ),
                        **_errors(404, 422),
                    },
                }
            },
            "/units/{code}/honors/propose": {
                "post": {
                    "summary": "Propose the period's stars of every rule-based category, each with why it qualified",
                    "parameters": [UNIT_CODE],
                    "requestBody": _body(
                        {"type": "object", "required": ["period"], "properties": {"period": {"type": "string"}}}
                    ),
                    "responses": {
                        "201": _json(
                            {
                                "type": "object",
                                "properties": {"unit": {"type": "string"}, "items": {"type": "array", "items": HONOR}},
                            },
                            "The new proposals",
                        ),
                        **_errors(401, 403, 404, 422),
                    },
                }
            },
            "/honors/{honor_id}/approve": {
                "post": {
                    "summary": "Approve a proposed star: it is on the roll and its bonus is posted (once)",
                    "parameters": [{"name": "honor_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {
                        "200": _json(HONOR),
                        "409": _json(ERROR, "Not a proposal, or the category is full for the period"),
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/incidents": {
                "post": {
                    "summary": "Record an incident of a unit in its three-zero ledger (its admins and those above)",
                    "requestBody": _body(INCIDENT_IN),
                    "responses": {"201": _json(INCIDENT, "Recorded"), **_errors(401, 403, 404, 422)},
                }
            },
            "/units/{code}/announcements": {
                "get": {
                    "summary": "The live announcements of a unit and of the areas above it, pinned first, newest "
                    "first; residents-only ones and unread marks for a caller with a login there",
                    "security": [{}, {"bearer": []}],
                    "parameters": [UNIT_CODE],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "required": ["unit", "items"],
                                "properties": {
                                    "unit": {"type": "string"},
                                    "items": {"type": "array", "items": ANNOUNCEMENT},
                                },
                            }
                        ),
                        **_errors(404),
                    },
                },
                "post": {
                    "summary": "Post an announcement on a unit (a township's or county's reaches every unit under it)",
                    "parameters": [UNIT_CODE],
                    "requestBody": _body(ANNOUNCEMENT_IN),
                    "responses": {"201": _json(ANNOUNCEMENT, "Posted"), **_errors(401, 403, 404, 422)},
                },
            },
            "/units/{code}/score": {
                "get": {
                    "summary": "A unit's three-zero status and self-governance score of a month, with its parts",
                    "security": [{}, {"bearer": []}],
                    "parameters": [
                        UNIT_CODE,
                        {"name": "month", "in": "query", "schema": {"type": "string", "example": "2026-10"}},
                    ],
                    "responses": {"200": _json(SCORE), **_errors(404, 422)},
                }
            },
            "/areas/{code}/compliance": {
                "get": {
                    "summary": "A township's or the county's three-zero compliance of a month or a year",
                    "security": [{}, {"bearer": []}],
                    "parameters": [
                        UNIT_CODE,
                        {"name": "month", "in": "query", "schema": {"type": "string", "example": "2026-10"}},
                        {
                            "name": "year",
                            "in": "query",
                            "schema": {"type": "integer", "example": 2026},
                            "description": "compliant for a year means compliant every month; this year by default",
                        },
                    ],
                    "responses": {"200": _json(COMPLIANCE), **_errors(404, 422)},
                }
            },
            "/units/{code}/notices": {
                "get": {
                    "summary": "The unit's notice-board batches, newest first",
                    "parameters": [UNIT_CODE],
                    "responses": {
                        "200": _json(
                            {
                                "type": "object",
                                "properties": {
                                    "unit": {"type": "string"},
                                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Notice"}},
                                },
                            }
                        ),
                        **_errors(401, 403, 404),
                    },
                },
                "post": {
                    "summary": "Publish the unit's approved sheets and deeds of a month to the notice board",
                    "parameters": [UNIT_CODE],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["month"],
                            "properties": {"month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}},
                        }
                    ),
                    "responses": {
                        "201": _json({"$ref": "#/components/schemas/NoticeDetail"}, "Published; ends_at is the end"),
                        **_errors(401, 403, 404, 409, 422),
                    },
                },
            },
            "/notices/{notice_id}": {
                "get": {
                    "summary": "A notice with its lines",
                    "parameters": [NOTICE_ID],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/NoticeDetail"}),
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/notices/{notice_id}/objections": {
                "post": {
                    "summary": "Object to one line while the notice period runs (anyone; rate-limited per address)",
                    "security": [{}, {"bearer": []}],
                    "parameters": [NOTICE_ID],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["line_id", "name", "phone", "reason"],
                            "properties": {
                                "line_id": {"type": "integer"},
                                "name": {"type": "string", "maxLength": 50},
                                "phone": {"type": "string"},
                                "reason": {"type": "string", "maxLength": 500},
                            },
                        }
                    ),
                    "responses": {
                        "201": _json({"$ref": "#/components/schemas/Objection"}, "Recorded"),
                        **_errors(404, 409, 422, 429),
                    },
                }
            },
            "/objections/{objection_id}/resolve": {
                "post": {
                    "summary": "A unit admin upholds an objection (the line goes back for correction) or rejects it",
                    "parameters": [
                        {"name": "objection_id", "in": "path", "required": True, "schema": {"type": "integer"}}
                    ],
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["upheld"],
                            "properties": {
                                "upheld": {"type": "boolean"},
                                "resolution": {
                                    "type": "string",
                                    "maxLength": 500,
                                    "description": "required when rejecting; shown to the objector",
                                },
                            },
                        }
                    ),
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Objection"}),
                        **_errors(401, 403, 404, 409, 422),
                    },
                }
            },
            "/notices/{notice_id}/post": {
                "post": {
                    "summary": "Post a notice to the passbooks once its period is over and no objection is open",
                    "parameters": [NOTICE_ID],
                    "responses": {
                        "200": _json(
                            {
                                "allOf": [
                                    {"$ref": "#/components/schemas/Notice"},
                                    {"type": "object", "properties": {"posted_now": {"type": "integer"}}},
                                ]
                            }
                        ),
                        **_errors(401, 403, 404, 409),
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
                "UnitRubric": {
                    "type": "object",
                    "required": ["unit", "rubric"],
                    "properties": {
                        "unit": {"type": "string"},
                        "rubric": {
                            "type": "object",
                            "required": ["id", "owner", "version", "monthly_maximum", "items"],
                            "properties": {
                                "id": {"type": "integer"},
                                "owner": {"type": "string", "description": "code of the unit owning this version"},
                                "version": {"type": "integer"},
                                "monthly_maximum": {"type": "integer"},
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["code", "category", "name", "max_points"],
                                        "properties": {
                                            "code": {"type": "string"},
                                            "category": {
                                                "type": "string",
                                                "enum": ["xiao", "shan", "xin", "qin", "jian", "mei"],
                                            },
                                            "name": {"type": "string"},
                                            "max_points": {"type": "integer"},
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
                "UnitSettings": {
                    "type": "object",
                    "properties": {
                        "notice_days": {"type": "integer", "minimum": 0, "maximum": 30},
                        "name_privacy": {"type": "string", "enum": ["masked", "full"]},
                        "pin_threshold": {"type": "integer", "minimum": 0, "maximum": 100000},
                        "black_list_public": {"type": "boolean"},
                        "black_list_threshold": {"type": "integer", "minimum": 1, "maximum": 10000},
                        "claims_two_step": {"type": "boolean"},
                        "claims_per_day": {"type": "integer", "minimum": 1, "maximum": 20},
                    },
                },
                "UnitSettingsResult": {
                    "type": "object",
                    "required": [
                        "unit",
                        "notice_days",
                        "name_privacy",
                        "pin_threshold",
                        "black_list_public",
                        "black_list_threshold",
                    ],
                    "properties": {
                        "unit": {"type": "string"},
                        "notice_days": {"type": "integer"},
                        "name_privacy": {"type": "string"},
                        "pin_threshold": {"type": "integer"},
                        "black_list_public": {"type": "boolean"},
                        "black_list_threshold": {"type": "integer"},
                        "claims_two_step": {"type": "boolean"},
                        "claims_per_day": {"type": "integer"},
                    },
                },
                "RatingSheet": {
                    "type": "object",
                    "required": ["id", "household_id", "month", "total", "status", "rubric_version"],
                    "properties": {
                        "id": {"type": "integer"},
                        "household_id": {"type": "integer"},
                        "month": {"type": "string"},
                        "total": {"type": "integer"},
                        "status": {"type": "string", "enum": list(SHEET_STATUSES)},
                        "rubric_version": {"type": "integer"},
                    },
                },
                "Deed": {
                    "type": "object",
                    "required": ["id", "household_id", "category", "kind", "points", "status", "date"],
                    "properties": {
                        "id": {"type": "integer"},
                        "household_id": {"type": "integer"},
                        "category": {"type": "string"},
                        "kind": {"type": "string", "enum": ["award", "deduction"]},
                        "points": {"type": "integer", "description": "negative for a deduction"},
                        "status": {"type": "string", "enum": list(SHEET_STATUSES)},
                        "date": {"type": "string", "format": "date"},
                    },
                },
                "Review": {
                    "type": "object",
                    "required": ["id", "status", "review_comment"],
                    "properties": {
                        "id": {"type": "integer"},
                        "status": {"type": "string", "enum": list(SHEET_STATUSES)},
                        "review_comment": {"type": "string"},
                    },
                },
                "Card": {
                    "type": "object",
                    "required": ["household_id", "version", "short_code", "token", "url"],
                    "properties": {
                        "household_id": {"type": "integer"},
                        "version": {"type": "integer"},
                        "short_code": {"type": "string", "description": "8 characters, the last a check character"},
                        "token": {"type": "string"},
                        "url": {"type": "string", "description": "what the QR holds"},
                        "issued_at": {"type": "string", "format": "date-time"},
                    },
                },
                "PassbookMonth": {
                    "type": "object",
                    "required": ["household", "balance", "month", "earned", "spent", "entries"],
                    "properties": {
                        "household": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "integer"},
                                "code": {"type": "string"},
                                "head_name": {"type": "string"},
                                "unit": {"type": "string"},
                            },
                        },
                        "balance": {"type": "integer"},
                        "month": {"type": "string"},
                        "earned": {"type": "integer"},
                        "spent": {"type": "integer"},
                        "entries": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "date": {"type": "string", "format": "date"},
                                    "kind": {"type": "string"},
                                    "label": {"type": "string"},
                                    "points": {"type": "integer"},
                                    "detail": {"type": "string"},
                                    "breakdown": {
                                        "type": "array",
                                        "description": "a monthly rating's points per standard (孝善信勤简美)",
                                        "items": {
                                            "type": "object",
                                            "properties": {
                                                "category": {"type": "string"},
                                                "points": {"type": "integer"},
                                            },
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
                "Notice": {
                    "type": "object",
                    "required": ["id", "unit", "month", "status", "published_at", "ends_at", "lines"],
                    "properties": {
                        "id": {"type": "integer"},
                        "unit": {"type": "string"},
                        "month": {"type": "string"},
                        "status": {"type": "string", "enum": ["on_notice", "posted"]},
                        "published_at": {"type": "string", "format": "date-time"},
                        "ends_at": {"type": "string", "format": "date-time"},
                        "posted_at": {"type": "string", "format": "date-time", "nullable": True},
                        "lines": {
                            "type": "object",
                            "description": "lines and points per line status (listed, withdrawn, posted)",
                            "additionalProperties": {
                                "type": "object",
                                "properties": {"lines": {"type": "integer"}, "points": {"type": "integer"}},
                            },
                        },
                        "open_objections": {"type": "integer"},
                    },
                },
                "NoticeDetail": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Notice"},
                        {
                            "type": "object",
                            "properties": {
                                "items": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "properties": {
                                            "id": {"type": "integer"},
                                            "household_id": {"type": "integer"},
                                            "household": {"type": "string"},
                                            "source": {"type": "string", "enum": ["rating_sheet", "deed"]},
                                            "source_id": {"type": "integer"},
                                            "points": {"type": "integer", "description": "negative for a deduction"},
                                            "status": {"type": "string", "enum": ["listed", "withdrawn", "posted"]},
                                            "posted_points": {
                                                "type": "integer",
                                                "nullable": True,
                                                "description": "what reached the passbook (a deduction is capped "
                                                "at the balance)",
                                            },
                                        },
                                    },
                                }
                            },
                        },
                    ]
                },
                "Objection": {
                    "type": "object",
                    "required": ["id", "notice_id", "line_id", "status", "resolution"],
                    "properties": {
                        "id": {"type": "integer"},
                        "notice_id": {"type": "integer"},
                        "line_id": {"type": "integer"},
                        "status": {"type": "string", "enum": ["open", "upheld", "rejected"]},
                        "resolution": {"type": "string"},
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
