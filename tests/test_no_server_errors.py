"""No input answers 5xx: every route of `app.url_map`, as anonymous, a signed-in citizen, an
administrator, a unit-limited operator and an API key, is sent the catalogue of hostile values
(tests/route_walker.py) in its path parameters, query parameters, form fields and JSON fields;
and what the catalogue cannot say: bytes that are not UTF-8, hostile headers (languages,
cookies, ranges, forwarded-for, host), and form bodies sent as other content types.

Fields are found as a client finds them: path parameters from each rule's converters, form fields
from the forms of the pages each role is shown (sent back with their valid CSRF and form tokens,
so the hostile value reaches the view rather than the token check), query parameters from every
name a view reads in the source, JSON fields from the OpenAPI document's request schemas, Open311
fields from a request that files. The catalogue is sampled deterministically, or the walk would
take hours: a path parameter's name gets every value on its first routes and a slice on the
others, each form, query or JSON field a rotating slice, the slices together covering it all.

One app and one data set (tests/hostile_world.py) serve the module; the walk runs once and each
test asserts one side of it. Each role's count of requests that reached their view (past sign-in
and CSRF) is asserted too, so that the walk cannot quietly test nothing."""
from __future__ import annotations

import functools
import itertools
import json
import re
from collections import Counter, defaultdict
from urllib.parse import unquote

import pytest
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from tests import hostile_world
from tests.hostile_world import PUSHED
from tests.route_walker import (BAD_BYTES, CATALOGUE, CONTENT_TYPES, HOSTILE_HEADERS,
                                JSON_CATALOGUE, JSON_TEXTS, JSON_TYPES, LONG, HtmlForm, Tally,
                                encode, form_body, query_names, read_page, refused_entry,
                                rotation)
from tests.test_admin import sign_in
from widget.services.account_groups import create_group

app, mail_server, world = hostile_world.app, hostile_world.mail_server, hostile_world.world

H = {"Sec-Fetch-Site": "same-origin"}
FORM = "application/x-www-form-urlencoded"
PARAM = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")
# Forms whose real target would end the walk (a role signed out, its key revoked, the site
# deleted): their routes are walked with hostile path values only, which reach no real row.
DESTRUCTIVE = {"admin.logout", "public.signout", "admin.site_delete", "admin.integration_revoke",
               "admin.integration_secret", "admin.staff_active", "admin.staff_password",
               "admin.staff_save", "admin.organisation_unit_active", "public.change_password",
               "public.change_contact", "admin.theme_delete", "admin.form_group_delete",
               "admin.help_delete", "admin.access_group_delete"}
PAGES_PER_ENDPOINT = 2
FORM_SLICE = 3  # values per form field
QUERY_ROUNDS = 3  # requests per GET page with every query name set
JSON_SLICE = 3  # wrong types, and as many texts, per JSON field
PATH_SLICE = 4  # values per path parameter once its name had every value
FULL_ROUTES = 2  # routes on which a path parameter's name gets every value
# An Open311 POST that files a request, each field of which the walk replaces in turn.
OPEN311_BASE = {"service_code": "pushed", "attribute[kind]": "x", "attribute[name]": "Walk",
                "first_name": "Walk", "last_name": "Er", "email": "walk@example.org",
                "phone": "0912 345 678", "description": "walked", "address_string": "1 Street",
                "locale": "en", "jurisdiction_id": "", "lat": "21.0", "long": "105.8",
                "media_url": "", "device_id": "", "account_id": "", "attribute[story]": "x"}
OPEN311_SLICE = 4


class Walker:
    """Sends the walk's requests for each role and keeps the tally."""

    def __init__(self, application, data):
        self.app, self.world = application, data
        self.tally = Tally()
        self.adapter = application.url_map.bind("localhost")
        self.entered = None
        self.idempotency = itertools.count()
        self.pages: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.forms: dict[str, list[tuple[str, HtmlForm]]] = defaultdict(list)
        self.key = data["key"]
        self.ids = {"request_id": data["sent"].id, "site_id": data["site"].id,
                    "unit_id": data["units"]["HN"].id, "form_id": data["everything"].id,
                    "account_id": data["account"].id, "staff_id": data["people"]["op_xd"].id}

    # --- counting views -----------------------------------------------------------------------

    def count_views(self):
        """Wrap every view so a request that reaches one is known."""
        originals = dict(self.app.view_functions)
        for endpoint, view in originals.items():
            self.app.view_functions[endpoint] = self._counted(view)
        return originals

    def _counted(self, view):
        @functools.wraps(view)
        def counted(*args, **kwargs):
            self.entered = request.endpoint
            return view(*args, **kwargs)
        return counted

    # --- sending ------------------------------------------------------------------------------

    def send(self, role, client, method, path, query="", body=None, content_type=None,
             headers=None, what=""):
        """One request; a 5xx or an exception is a failure, a view reached is counted."""
        self.entered = None
        shown = f"{path}?{query}" if query else path
        try:
            response = client.open(path, method=method, query_string=query, data=body,
                                   content_type=content_type, headers={**H, **(headers or {})})
        except Exception as error:  # noqa: BLE001 - an exception escaping the app is a 500
            self.tally.failures.append((role, method, shown, what, repr(error)[:300]))
            return None
        self.tally.sent[role] += 1
        if response.status_code >= 500:
            self.tally.failures.append((role, method, shown, what, response.status_code))
        if self.entered and not refused_entry(response):
            self.tally.reached[role] += 1
            self.tally.endpoints.setdefault(role, set()).add(self.entered)
        return response

    def endpoint_of(self, path: str, method: str) -> str | None:
        try:
            return self.adapter.match(unquote(path), method=method)[0]
        except (HTTPException, RequestRedirect):
            return None

    # --- reading what a role is shown ---------------------------------------------------------

    def crawl(self, role, client, seeds, prefixes, seed_posts=(), limit=160):
        """GET the role's pages from `seeds`, following links under `prefixes`; keep each
        endpoint's first pages and every form they hold."""
        queue, seen, per_endpoint, shapes = list(seeds), set(), Counter(), set()
        for path, data in seed_posts:
            response = self.send(role, client, "POST", path, body=form_body(data),
                                 content_type=FORM, what="seed")
            self._read(role, path, response, queue, shapes)
        while queue and sum(per_endpoint.values()) < limit:
            url = queue.pop(0)
            path, _, query = url.partition("?")
            endpoint = self.endpoint_of(path, "GET")
            if url in seen or endpoint is None or per_endpoint[endpoint] >= PAGES_PER_ENDPOINT:
                continue
            seen.add(url)
            per_endpoint[endpoint] += 1
            self.pages[role][endpoint].append(path)
            response = self.send(role, client, "GET", path, query=query, what="crawl")
            if response is not None and any(path.startswith(p) for p in prefixes):
                found = self._read(role, path, response, [], shapes)
                queue.extend(link for link in found if any(link.startswith(p) for p in prefixes))

    def _read(self, role, path, response, queue, shapes) -> list[str]:
        if response is None or response.mimetype != "text/html":
            return []
        links, forms = read_page(path, response.get_data(as_text=True))
        for form in forms:
            endpoint = self.endpoint_of(form.action.partition("?")[0], form.method.upper())
            shape = (endpoint, form.method, tuple(sorted({name for name, _ in form.fields})))
            if endpoint and shape not in shapes:
                shapes.add(shape)
                self.forms[role].append((endpoint, form))
        queue.extend(links)
        return links

    # --- the walks ----------------------------------------------------------------------------

    def walk_paths(self, role, client, prefixes, every=True, headers=None, size=PATH_SLICE):
        """Every parameter of every route under `prefixes` gets hostile values, the others
        keeping a real value: a parameter name gets every value on its first FULL_ROUTES routes
        (when `every`), a slice on the others (the same converter, and for site_key and lang the
        same preprocessor, read it on all of them)."""
        full = Counter()
        for number, rule in enumerate(sorted(self.app.url_map.iter_rules(), key=str)):
            if not rule.arguments or not any(rule.rule.startswith(p) for p in prefixes):
                continue
            real = self._real_args(role, rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                base, content_type, extra = self._base_of(role, rule.endpoint, method)
                for name in sorted(rule.arguments):
                    whole = every and full[name] < FULL_ROUTES
                    full[name] += whole
                    values = CATALOGUE if whole else rotation(number * 3, size)
                    for value in values:
                        path = PARAM.sub(lambda m: encode(value) if m.group(1) == name
                                         else encode(str(real[m.group(1)])), rule.rule)
                        self.send(role, client, method, path, body=base,
                                  content_type=content_type, headers={**(headers or {}), **extra()},
                                  what=f"path {name}")

    def _real_args(self, role, rule) -> dict:
        real = {"site_key": "test", "lang": "en", "fmt": "json", "slug": "everything",
                "key": "submitted", "channel": "email", "language": "en", "which": "draft",
                "action": "register", "service_code": "pushed", "filename": "x.css",
                "service_request_id": self.world["sent"].code, "token": self.world["sent"].code}
        real.update(self.ids)
        for path in self.pages[role].get(rule.endpoint, []):
            try:
                endpoint, args = self.adapter.match(unquote(path), method="GET")
            except (HTTPException, RequestRedirect):
                continue
            real.update(args)
        for endpoint, form in self.forms[role]:
            if endpoint == rule.endpoint:
                try:
                    real.update(self.adapter.match(unquote(form.action.partition("?")[0]),
                                                   method=form.method.upper())[1])
                except (HTTPException, RequestRedirect):
                    pass
        return {name: real.get(name, 1) for name in rule.arguments}

    def _base_of(self, role, endpoint, method):
        """The body a POST to `endpoint` carries untouched: the role's form for it, else its CSRF
        token alone; JSON and a fresh Idempotency-Key for the API."""
        if method != "POST":
            return None, None, dict
        if endpoint.startswith("api."):
            return b"{}", "application/json", lambda: {
                "Idempotency-Key": f"walk-{next(self.idempotency)}"}
        forms = [form for found, form in self.forms[role] if found == endpoint]
        if forms:
            return form_body(forms[0].fields), FORM, dict
        tokens = [(name, value) for _, form in self.forms[role] for name, value in form.fields
                  if name == "csrf_token"]
        return form_body(tokens[:1]), FORM, dict

    def walk_forms(self, role, client):
        """Each field of each form the role was shown gets a slice of the catalogue, the other
        fields (tokens included) as the page gave them."""
        for number, (endpoint, form) in enumerate(self.forms[role]):
            if endpoint in DESTRUCTIVE:
                continue
            path, _, query = form.action.partition("?")
            names = [name for name, _ in form.fields if name != "csrf_token"]
            for position, name in enumerate(dict.fromkeys(names)):
                for value in rotation(number * 3 + position * 7, FORM_SLICE):
                    fields = [(n, value if n == name else v) for n, v in form.fields]
                    if form.method == "get":
                        self.send(role, client, "GET", path, query=form_body(fields).decode(),
                                  what=f"query {name}")
                    else:
                        self.send(role, client, "POST", path, query=query,
                                  body=form_body(fields), content_type=FORM, what=f"form {name}")

    def walk_queries(self, role, client, names, headers=None, endpoints=None):
        """Each GET page the role reached, sent every query name a view reads, in rounds."""
        names = sorted(names)
        for number, (endpoint, paths) in enumerate(sorted(self.pages[role].items())):
            if endpoints is not None and endpoint not in endpoints:
                continue
            for round_ in range(QUERY_ROUNDS):
                query, long_given = [], False
                for i, name in enumerate(names):
                    value = CATALOGUE[(number + round_ * 7 + i) % len(CATALOGUE)]
                    if value == LONG:  # one very long value a request (more only cost time)
                        value, long_given = (value[:1000] if long_given else value), True
                    query.append((name, value))
                self.send(role, client, "GET", paths[0], query=form_body(query).decode(),
                          headers=headers, what="query")

    def walk_encodings(self, role, client, headers=None):
        """What the catalogue cannot say: bytes that are not UTF-8 in a query, a path and each
        form field; every hostile header on each page; each form's body sent as other types."""
        headers = headers or {}
        for endpoint, paths in sorted(self.pages[role].items()):
            for bad in BAD_BYTES:
                self.send(role, client, "GET", paths[0], headers=headers, what="bytes query",
                          query="&".join(f"{name}={bad}" for name in ("page", "q", "lang", "next",
                                                                     "cursor", "start_date")))
                self.send(role, client, "GET", paths[0] + bad, headers=headers, what="bytes path")
            for hostile in HOSTILE_HEADERS:
                self.send(role, client, "GET", paths[0], headers={**headers, **hostile},
                          what=f"header {' '.join(hostile)}")
        for endpoint, form in self.forms[role]:
            if endpoint in DESTRUCTIVE or form.method == "get":
                continue
            path, _, query = form.action.partition("?")
            for position, name in enumerate(dict.fromkeys(n for n, _ in form.fields
                                                          if n != "csrf_token")):
                bad = BAD_BYTES[position % len(BAD_BYTES)]
                body = "&".join(f"{encode(n)}={bad}" if n == name else form_body([(n, v)]).decode()
                                for n, v in form.fields)
                self.send(role, client, "POST", path, query=query, body=body.encode("ascii"),
                          content_type=FORM, what=f"bytes form {name}")
            for content_type in CONTENT_TYPES:
                self.send(role, client, "POST", path, query=query, body=form_body(form.fields),
                          content_type=content_type, what=f"content type {content_type}")

    def walk_json(self, role, client, document):
        """Each field of each JSON request body in the OpenAPI document gets every JSON value of
        the catalogue; so does the body as a whole."""
        schemas = document["components"]["schemas"]
        for template, operations in sorted(document["paths"].items()):
            for method, operation in sorted(operations.items()):
                body = operation.get("requestBody")
                if not body:
                    continue
                schema = _resolved(body["content"]["application/json"]["schema"], schemas)
                # The system's own request: the people's one stays open for their walks.
                ids = dict(self.ids, request_id=self.world["by_system"].id)
                path = re.sub(r"<([^>]+)>", lambda m: str(ids.get(m.group(1), 1)),
                              "/api/v1" + template.replace("{", "<").replace("}", ">"))
                base = self._json_base(schema, schemas)
                for position, where in enumerate(_json_fields(schema, schemas)):
                    for raw in (rotation(position * JSON_SLICE, JSON_SLICE, JSON_TYPES)
                                + rotation(position * 5, JSON_SLICE, JSON_TEXTS)):
                        self._post_json(role, client, path, _with(base, where, raw),
                                        "json " + ".".join(map(str, where)))
                for raw in rotation(len(path), JSON_SLICE * 2, JSON_CATALOGUE):
                    self._post_json(role, client, path, raw, "json body")

    def _post_json(self, role, client, path, text, what):
        self.send(role, client, "POST", path, body=text.encode("utf-8", "surrogatepass"),
                  content_type="application/json", what=what, headers={
                      "Authorization": f"Bearer {self.key}",
                      "Idempotency-Key": f"walk-{next(self.idempotency)}"})

    def _json_base(self, schema, schemas) -> dict:
        if "slug" in schema.get("properties", {}):
            return dict(PUSHED, slug=f"walked-{next(self.idempotency)}")
        known = {"executor_id": self.world["people"]["op"].id,
                 "unit_id": self.world["units"]["HN"].id, "date": "2026-12-01", "amount": "10"}
        base = {}
        for name in schema.get("required", []):
            spec = _resolved(schema["properties"][name], schemas)
            base[name] = known.get(name, (spec.get("enum") or ["x"])[0])
        return base


def _resolved(schema: dict, schemas: dict) -> dict:
    if "$ref" in schema:
        return schemas[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _json_fields(schema: dict, schemas: dict, prefix=()):
    """Where a value may go: each property, and the properties of an array's first item or of an
    object property (one level down)."""
    for name, spec in schema.get("properties", {}).items():
        spec = _resolved(spec, schemas)
        yield (*prefix, name)
        if prefix:
            continue
        if spec.get("type") == "array" and "properties" in spec.get("items", {}):
            yield from _json_fields(spec["items"], schemas, (name, 0))
        elif spec.get("type") == "object" and "properties" in spec:
            yield from _json_fields(spec, schemas, (name,))


def _with(base: dict, where: tuple, raw: str) -> str:
    """`base` as JSON text with the raw JSON `raw` at `where` (made if missing)."""
    document = json.loads(json.dumps(base))
    holder = document
    for step, following in zip(where, where[1:]):
        if isinstance(holder, list):
            holder = holder[step]
        else:
            holder = holder.setdefault(step, [{}] if isinstance(following, int) else {})
    holder[where[-1]] = "\x00placeholder"
    return json.dumps(document).replace(json.dumps("\x00placeholder"), raw)


# --- the walk, once for the module ---------------------------------------------------------------

@pytest.fixture(scope="module")
def walk(app, world):
    """The whole walk: every role's crawl, then its path, query, form and JSON walks."""
    walker = Walker(app, world)
    originals = walker.count_views()
    try:
        _walk(walker, app, world)
    finally:
        app.view_functions.update(originals)
    return walker.tally


PUBLIC_SEEDS = ["/w/test/", "/w/test/en/", "/w/test/en/track", "/w/test/en/recover",
                "/w/test/en/resume", "/w/test/en/account/signin", "/w/test/en/account/signup",
                "/w/test/en/account/forgot", "/w/test/en/account/reset",
                "/w/test/en/account/claim", "/w/test/en/account/confirm", "/w/test/theme.css",
                "/w/test/logo", "/w/test/en/f/everything", "/w/test/en/f/form-hn",
                "/w/test/en/f/pushed", "/healthz", "/admin/login"]


def _seed_posts(world):
    """The status page a code opens and the draft a resume code opens, with their forms."""
    return [("/w/test/en/track", [("code", world["sent"].code)]),
            ("/w/test/en/resume", [("code", world["resume_code"])])]


def _walk_system(walker: Walker, app, world, names):
    """A connected system: REST with its key in the header, Open311 too."""
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {walker.key}"}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/api/", "/open311/")) and "GET" in rule.methods:
            real = walker._real_args("api", rule)
            path = PARAM.sub(lambda m: encode(str(real[m.group(1)])), rule.rule)
            walker.pages["api"][rule.endpoint].append(path)
            walker.send("api", api, "GET", path, headers=bearer, what="crawl")
    walker.walk_paths("api", api, ("/api/", "/open311/"), headers=bearer)
    walker.walk_queries("api", api, names, headers=bearer)
    walker.walk_encodings("api", api, headers=bearer)
    walker.walk_json("api", api, api.get("/api/v1/openapi.json", headers=bearer).json)
    for position, name in enumerate(OPEN311_BASE):
        for value in rotation(position * 3, OPEN311_SLICE):
            fields = [(n, value if n == name else v) for n, v in OPEN311_BASE.items()]
            walker.send("api", api, "POST", "/open311/v2/requests.json", body=form_body(fields),
                        content_type=FORM, headers=bearer, what=f"open311 {name}")


def _walk_anonymous(walker: Walker, app, world, names):
    """Anyone: the widget's pages, the status page a code opens, the sign-in pages."""
    anonymous = app.test_client()
    walker.crawl("anonymous", anonymous, PUBLIC_SEEDS, ("/w/", "/admin/login"), _seed_posts(world))
    walker.walk_paths("anonymous", anonymous, ("/",), every=False, size=2)
    walker.walk_queries("anonymous", anonymous, names)
    walker.walk_forms("anonymous", anonymous)
    walker.walk_encodings("anonymous", anonymous)


def _walk_citizen(walker: Walker, app, world, names):
    """A signed-in citizen: their cabinet, requests, drafts, profile."""
    citizen = world["person"]
    walker.crawl("citizen", citizen, ["/w/test/en/account/", "/w/test/en/account/profile",
                                      "/w/test/en/account/notifications"] + PUBLIC_SEEDS[:3],
                 ("/w/",), _seed_posts(world))
    walker.walk_paths("citizen", citizen, ("/w/",))
    walker.walk_queries("citizen", citizen, names)
    walker.walk_forms("citizen", citizen)
    walker.walk_encodings("citizen", citizen)


def _walk_staff(walker: Walker, app, world, names):
    """Staff: a unit-limited operator, then an administrator (who can change the most, last)."""
    create_group(world["people"]["admin"], "Walkers")  # so that a group's pages have a target
    seeds = ["/admin/", "/admin/administration"] + sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin/") and not rule.arguments and "GET" in rule.methods)
    for role, person, every in (("operator", "op", False), ("administrator", "admin", True)):
        client = app.test_client()
        sign_in(client, world["people"][person])
        walker.crawl(role, client, seeds, ("/admin/",), limit=220)
        walker.walk_paths(role, client, ("/admin/",), every=every)
        walker.walk_queries(role, client, names)
        walker.walk_forms(role, client)
        walker.walk_encodings(role, client)


def _walk(walker: Walker, app, world):
    names = query_names()
    for part in (_walk_system, _walk_anonymous, _walk_citizen, _walk_staff):
        part(walker, app, world, names)


# --- what the walk must show --------------------------------------------------------------------

def test_no_hostile_value_in_any_field_of_any_route_answers_5xx(walk):
    assert walk.failures == [], walk.report()


# Measured: far more reached each view; these floors only catch a walk that stopped reaching them
# (a token no longer kept, a sign-in lost, a key refused).
FLOORS = {"api": 300, "anonymous": 100, "citizen": 90, "operator": 100, "administrator": 500}


@pytest.mark.parametrize("role", sorted(FLOORS))
def test_the_walk_reached_the_views_of_each_role(walk, role):
    assert walk.reached[role] >= FLOORS[role], (walk.sent[role], walk.reached[role])


def test_the_walk_reached_every_kind_of_route(walk):
    """Every blueprint's views were reached past their gate, by the role they are for."""
    reached = walk.endpoints
    assert {"api.push_form", "api.action_deadline", "open311.create_request",
            "open311.list_requests"} <= reached["api"]
    assert {"public.form_post", "public.track", "public.track_reply", "admin.login"} <= \
        reached["anonymous"]
    assert {"public.cabinet_home", "public.profile", "public.own_request"} <= reached["citizen"]
    assert {"admin.inbox", "admin.act", "admin.detail"} <= reached["operator"]
    assert {"admin.site_update", "admin.form_field_update", "admin.form_settings",
            "admin.staff_create", "admin.organisation_save", "admin.theme_create",
            "admin.access_group_rename", "admin.export_download"} <= reached["administrator"]


def test_every_query_name_the_source_reads_is_walked():
    """The scan finds the names views read: a new `request.args.get("x")` is walked at once."""
    names = query_names()
    assert {"page", "q", "cursor", "limit", "start_date", "service_request_id", "lang", "next",
            "days", "from", "to", "letter_template", "site"} <= names
