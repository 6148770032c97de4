"""Hundreds of accounts (issue 14), host side: roles.list in pages under the frame limit for
any number of roles, an old-style call still answered, stale cursors refused; production
risk on roles and groups; named links checked like destinations; `role set`."""

import json

from host import MAX_FRAME

ROLES = 10_000


def big_config(rc, n=ROLES, label="Account {i} administrator with a rather long label"):
    """n roles through one gateway, written directly (role add would take minutes)."""
    rc.add_gateway()
    parts = [rc.config_text()]
    for i in range(n):
        parts.append(
            f'\n[[role]]\nid = "role-{i:05d}"\naccount_id = "{100000000000 + i:012d}"\n'
            f'role_name = "Admin"\ngateway = "corp"\nlabel = "{label.format(i=i)}"\ngroup = "Group {i % 50}"\n'
        )
    (rc.config_dir / "config.toml").write_text("".join(parts))


def test_ten_thousand_roles_are_listed_completely_in_pages_under_the_frame_limit(rc, aws):
    big_config(rc)
    h = rc.host()
    ids, cursor, pages = [], None, 0
    while True:
        h.request("roles.list", {"cursor": cursor} if cursor else None)
        raw = h.recv_raw()
        assert len(raw) < MAX_FRAME, len(raw)
        reply = json.loads(raw)
        page = reply["result"]
        ids += [r["id"] for r in page["roles"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages > 1
    assert ids == [f"role-{i:05d}" for i in range(ROLES)], "every role once, in config order"
    # The old call (no parameters) is still answered: the first page.
    first = h.call("roles.list")["result"]
    assert [r["id"] for r in first["roles"]] == ids[: len(first["roles"])]
    assert first["next_cursor"] is not None
    # A limit is honoured.
    small = h.call("roles.list", {"limit": 7})["result"]
    assert len(small["roles"]) == 7 and small["next_cursor"].startswith("7.")
    assert h.close() == 0


def test_a_cursor_of_another_config_is_stale_and_bad_ones_are_invalid(rc, aws):
    big_config(rc, 3000)
    h = rc.host()
    cursor = h.call("roles.list", {"limit": 100})["result"]["next_cursor"]
    rc.add_role("late", "999999999999")
    err = h.call("roles.list", {"cursor": cursor})["error"]
    assert err["data"]["kind"] == "stale_cursor" and err["code"] == 1022, err
    for bad in ["nope", "12", "x.y", 5]:
        err = h.call("roles.list", {"cursor": bad})["error"]
        assert err["data"]["kind"] in ("invalid_params", "stale_cursor"), err
    for limit in [0, 5001, "many"]:
        assert h.call("roles.list", {"limit": limit})["error"]["data"]["kind"] == "invalid_params"
    assert h.close() == 0


def test_production_roles_and_groups_are_marked_and_red_by_default(rc, aws):
    rc.add_gateway()
    rc.add_role("prod", "111111111111", "Admin", "corp", "--risk", "production", "--group", "Acme")
    rc.add_role("prod-blue", "111111111111", "ReadOnly", "corp", "--risk", "production", "--color", "blue")
    rc.add_role("billing", "222222222222", "Billing", "corp", "--group", "Finance")
    rc.add_role("dev", "333333333333", "Admin", "corp", "--group", "Acme")
    r = rc.cli("group", "set", "Finance", "--risk", "production")
    assert r.returncode == 0, r.stderr
    h = rc.host()
    roles = {r["id"]: r for r in h.call("roles.list")["result"]["roles"]}
    assert roles["prod"]["risk"] == "production" and roles["prod"]["color"] == "red"
    # Red whatever colour it names: red means production (issue 26).
    assert roles["prod-blue"]["risk"] == "production" and roles["prod-blue"]["color"] == "red"
    assert roles["billing"]["risk"] == "production", "from its group"
    assert roles["dev"]["risk"] is None
    opened = h.call("console.open", {"role": "billing"})["result"]
    assert opened["container"]["color"] == "red"
    assert h.close() == 0
    # `role set` clears it; the CLI list marks what is left.
    assert rc.cli("role", "set", "prod", "--risk", "none").returncode == 0
    out = rc.cli("role", "list").stdout
    assert "PRODUCTION" not in next(l for l in out.splitlines() if l.startswith("prod\t"))
    assert "PRODUCTION" in next(l for l in out.splitlines() if l.startswith("billing\t"))
    assert 'risk = "production"' in rc.config_text()
    r = rc.cli("group", "set", "Nobody", "--risk", "production")
    assert r.returncode != 0 and "No role is in group" in r.stderr


def test_named_links_are_checked_like_destinations_and_listed(rc, aws):
    rc.add_gateway()
    rc.add_role("prod", "111111111111", "Admin", "corp", "--link", "Buckets=/s3/buckets", "--link",
                "Alarms=https://eu-west-1.console.aws.amazon.com/cloudwatch/home#alarms:")
    r = rc.cli("role", "set", "prod", "--link", "Evil=https://evil.example/")
    assert r.returncode != 0 and "link 'Evil'" in r.stderr and "not a console page" in r.stderr, r.stderr
    assert "evil" not in rc.config_text()
    assert rc.cli("role", "set", "prod", "--remove-link", "Alarms").returncode == 0
    h = rc.host()
    [role] = h.call("roles.list")["result"]["roles"]
    assert role["links"] == [{"name": "Buckets", "destination": "/s3/buckets"}]
    # A link is opened as a destination.
    res = h.call("console.open", {"role": "prod", "destination": role["links"][0]["destination"]})["result"]
    assert "%2Fs3%2Fbuckets" in res["url"]
    assert h.close() == 0


def test_role_set_changes_presentation_only(rc, aws):
    rc.add_gateway()
    rc.add_role("prod")
    r = rc.cli("role", "set", "prod", "--label", "Production", "--group", "Acme", "--color", "green", "--region", "eu-central-1")
    assert r.returncode == 0, r.stderr
    [role] = json.loads(rc.cli("role", "list", "--json").stdout)
    assert (role["label"], role["group"], role["color"], role["region"]) == ("Production", "Acme", "green", "eu-central-1")
    assert role["account_id"] == "111111111111"
    r = rc.cli("role", "set", "prod", "--color", "mauve")
    assert r.returncode != 0 and "colour 'mauve'" in r.stderr
    assert rc.cli("role", "set", "nope", "--label", "x").returncode != 0


def list_all(h, **params):
    """Every page of one listing: (roles, etag of each page, largest frame)."""
    roles, etags, largest, cursor = [], set(), 0, None
    while True:
        h.request("roles.list", {**params, **({"cursor": cursor} if cursor else {})})
        raw = h.recv_raw()
        largest = max(largest, len(raw))
        page = json.loads(raw)["result"]
        roles += page["roles"]
        etags.add(page["etag"])
        cursor = page["next_cursor"]
        if cursor is None:
            return roles, etags, largest


def without_empty(v):
    """What protocol 6's `compact` promises: null, false and [] fields left out, at any depth."""
    if isinstance(v, dict):
        return {k: without_empty(x) for k, x in v.items() if x is not None and x is not False and x != []}
    if isinstance(v, list):
        return [without_empty(x) for x in v]
    return v


def test_a_compact_listing_is_the_full_one_without_empty_fields_in_fewer_bytes(rc, aws):
    big_config(rc)
    h = rc.host()
    full, full_etags, full_largest = list_all(h)
    compact, compact_etags, compact_largest = list_all(h, compact=True)
    assert len(compact) == ROLES and max(full_largest, compact_largest) < MAX_FRAME
    assert compact == [without_empty(r) for r in full]
    assert "group" in compact[0] and "mfa" not in compact[0] and "links" not in compact[0]
    full_bytes, compact_bytes = len(json.dumps(full)), len(json.dumps(compact))
    assert compact_bytes < 0.75 * full_bytes, (compact_bytes, full_bytes)
    # One etag per listing, on every page; the two forms are named apart.
    assert len(full_etags) == 1 and len(compact_etags) == 1 and full_etags != compact_etags
    assert h.close() == 0


def test_an_unchanged_listing_is_not_sent_again_and_any_change_is(rc, aws):
    big_config(rc, 3000)
    h = rc.host()
    roles, [etag], _ = list_all(h, compact=True)
    assert list_all(h, compact=True)[1] == {etag}, "the same roles, the same etag"
    h.request("roles.list", {"compact": True, "if_none_match": etag})
    raw = h.recv_raw()
    assert len(raw) < 200, raw
    assert json.loads(raw)["result"] == {"roles": [], "next_cursor": None, "unchanged": True, "etag": etag}
    # A console opened changes that role's session: the listing is sent again, and says so.
    assert "result" in h.call("console.open", {"role": "role-00007"})
    page = h.call("roles.list", {"compact": True, "if_none_match": etag})["result"]
    assert "unchanged" not in page and page["etag"] != etag
    assert page["roles"][7]["session"]["renewable"] == "silent"
    assert "session" not in page["roles"][6]
    again, [etag2], _ = list_all(h, compact=True)
    assert etag2 == page["etag"] and again[:10] == page["roles"][:10]
    # So does a change to the config.
    rc.add_role("late", "999999999999")
    page = h.call("roles.list", {"compact": True, "if_none_match": etag2})["result"]
    assert "unchanged" not in page and page["etag"] not in (etag, etag2)
    # An etag of the other form never matches; with a cursor it is refused.
    assert "unchanged" not in h.call("roles.list", {"if_none_match": page["etag"], "limit": 1})["result"]
    err = h.call("roles.list", {"cursor": page["next_cursor"], "if_none_match": page["etag"]})["error"]
    assert err["data"]["kind"] == "invalid_params" and "first page" in err["message"], err
    assert h.close() == 0
