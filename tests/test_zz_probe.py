import pytest
from tests import hostile_world
from tests.test_no_server_errors import (Walker, PUBLIC_SEEDS, _seed_posts, FORM, H, sign_in,
                                         form_body, DESTRUCTIVE)
from tests.route_walker import query_names
from widget.services.account_groups import create_group

app, mail_server, world = hostile_world.app, hostile_world.mail_server, hostile_world.world

BAD_BYTES = ["%FF%FE", "%C0%AF", "%E2%82", "%ED%A0%80x", "a%00b"]
HEADERS = [
    {"Accept-Language": "xx;q=NaN, *;q=1e9999, fa-IR;q=-1"},
    {"Accept-Language": "a" * 20000},
    {"Accept-Language": "\xff\xfe"},
    {"Cookie": "session=" + "A" * 5000},
    {"Cookie": "session=.eJw.garbage.zz; csrf=\xff"},
    {"If-Modified-Since": "not a date"},
    {"If-None-Match": "\"\xff\""},
    {"Range": "bytes=99999999999-1"},
    {"Range": "bytes=-0,1-a"},
    {"Origin": "null", "Referer": "javascript:alert(1)"},
    {"X-Forwarded-For": "not-an-ip, ::::", "X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "evil\x00"},
    {"Host": "evil.example:99999"},
    {"Authorization": "Bearer \xff"},
    {"Authorization": "Basic !!!!"},
]


def test_probe(app, world):
    w = Walker(app, world)
    anonymous = app.test_client()
    w.crawl("anonymous", anonymous, PUBLIC_SEEDS, ("/w/", "/admin/login"), _seed_posts(world))
    citizen = world["person"]
    w.crawl("citizen", citizen, ["/w/test/en/account/", "/w/test/en/account/profile",
                                 "/w/test/en/account/notifications"] + PUBLIC_SEEDS[:3], ("/w/",), _seed_posts(world))
    create_group(world["people"]["admin"], "Walkers")
    seeds = ["/admin/", "/admin/administration"] + sorted(
        rule.rule for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/admin/") and not rule.arguments and "GET" in rule.methods)
    admin = app.test_client()
    sign_in(admin, world["people"]["admin"])
    w.crawl("administrator", admin, seeds, ("/admin/",), limit=220)
    clients = {"anonymous": anonymous, "citizen": citizen, "administrator": admin}
    api_paths = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith(("/api/", "/open311/")) and "GET" in r.methods and not r.arguments]
    for role, client in clients.items():
        for endpoint, paths in w.pages[role].items():
            for headers in HEADERS:
                w.send(role, client, "GET", paths[0], headers=headers, what=f"hdr {list(headers)}")
            for bad in BAD_BYTES:
                w.send(role, client, "GET", paths[0], query=f"page={bad}&q={bad}&lang={bad}&next={bad}", what="badq")
                w.send(role, client, "GET", paths[0] + bad, what="badpath")
        for endpoint, form in w.forms[role]:
            if endpoint in DESTRUCTIVE:
                continue
            path, _, query = form.action.partition("?")
            names = [n for n, _ in form.fields if n != "csrf_token"]
            for name in dict.fromkeys(names):
                for bad in BAD_BYTES[:3]:
                    body = "&".join(f"{n}={bad}" if n == name else form_body([(n, v)]).decode() for n, v in form.fields)
                    w.send(role, client, "POST", path, query=query, body=body.encode(), content_type=FORM, what=f"badbody {name}")
            base = form_body(form.fields)
            for ct in ("multipart/form-data", "multipart/form-data; boundary=", "text/plain", "application/json", FORM + "; charset=klingon"):
                w.send(role, client, "POST", path, query=query, body=base, content_type=ct, what=f"ct {ct}")
            for headers in HEADERS[:6]:
                w.send(role, client, "POST", path, query=query, body=base, content_type=FORM, headers=headers, what=f"posthdr {list(headers)}")
    bearer = {"Authorization": f"Bearer {w.key}"}
    api = app.test_client()
    for path in api_paths:
        for bad in BAD_BYTES:
            w.send("api", api, "GET", path, query=f"page={bad}&start_date={bad}&service_request_id={bad}&cursor={bad}", headers=bearer, what="api badq")
        for headers in HEADERS:
            w.send("api", api, "GET", path, headers={**bearer, **headers} if "Authorization" not in headers else headers, what="api hdr")
    print("sent", dict(w.tally.sent), "reached", dict(w.tally.reached))
    assert w.tally.failures == [], "\n".join(map(str, w.tally.failures[:80]))
