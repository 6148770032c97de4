"""The host's state file as the end-to-end tests change it: time passing for a role's console."""

import datetime as dt
import json
import os


def rfc3339(minutes_from_now):
    t = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=minutes_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def edit_state(world, role_id, **fields):
    """Moves a role's times in the host's state file (as time passing would), atomically."""
    path = world["state"]
    state = json.loads(path.read_text())
    state["roles"].setdefault(role_id, {}).update(fields)
    tmp = path.with_name(".state.json.test")
    tmp.write_text(json.dumps(state))
    os.replace(tmp, path)
