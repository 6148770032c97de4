"""A stand-in for an older rolecall host, for the tests of what the extension does with one: a
native-messaging host (docs/PROTOCOL.md's framing and JSON-RPC 2.0) that answers the methods
it is given with fixed results and every other one with unknown_method, as an older host
answers a method it does not know."""

import json
import sys
from pathlib import Path

SERVE = """
while True:
    header = sys.stdin.buffer.read(4)
    if len(header) < 4:
        break
    request = json.loads(sys.stdin.buffer.read(struct.unpack("=I", header)[0]))
    if "id" not in request:
        continue
    if request.get("method") in ANSWERS:
        reply = {"result": ANSWERS[request["method"]]}
    else:
        reply = {"error": {"code": -32601, "message": "Unknown method.", "data": {"kind": "unknown_method"}}}
    body = json.dumps({"jsonrpc": "2.0", "id": request["id"], **reply}).encode()
    sys.stdout.buffer.write(struct.pack("=I", len(body)) + body)
    sys.stdout.buffer.flush()
"""


def write_fake_host(path: Path, answers: dict) -> Path:
    """Writes an executable host at `path` that answers each method of `answers` with its
    value (JSON) and knows no other."""
    head = f"#!{sys.executable}\nimport json, struct, sys\n\nANSWERS = json.loads({json.dumps(json.dumps(answers))})\n"
    path.write_text(head + SERVE)
    path.chmod(0o755)
    return path
