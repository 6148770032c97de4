"""Drive the real rolecall binary: as a browser does (native-messaging frames on stdin and
stdout) and as a user does (the CLI)."""

import json
import os
import struct
import subprocess
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ADDON_ID = "rolecall@rolecall.dev"


def binary():
    return os.environ.get("ROLECALL_BIN") or str(REPO / "target" / "debug" / "rolecall")


def frame(obj_or_bytes):
    body = obj_or_bytes if isinstance(obj_or_bytes, bytes) else json.dumps(obj_or_bytes).encode()
    return struct.pack("=I", len(body)) + body


# The native-messaging limit on a message from the host (1 MiB).
MAX_FRAME = 1024 * 1024


class Host:
    """One host process, started the way Firefox starts it."""

    def __init__(self, env, args=None):
        self.proc = subprocess.Popen(
            args or [binary(), "/tmp/dev.rolecall.host.json", ADDON_ID],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self._stderr = []
        self._t = threading.Thread(target=self._drain, daemon=True)
        self._t.start()
        self._next = 0

    def _drain(self):
        for line in self.proc.stderr:
            self._stderr.append(line)

    @property
    def stderr(self):
        # Once the host has exited, what it wrote last may still be in the pipe: read to the
        # end before answering (the drain thread ends at EOF), so an exit's last line is seen.
        if self.proc.poll() is not None:
            self._t.join(timeout=5)
        return b"".join(self._stderr).decode(errors="replace")

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, obj):
        self.send_raw(frame(obj))

    def request(self, method, params=None, id=None):
        """Sends a request and returns its id."""
        if id is None:
            self._next += 1
            id = self._next
        msg = {"jsonrpc": "2.0", "id": id, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return id

    def recv_raw(self):
        """The next frame's body, as bytes."""
        header = self.proc.stdout.read(4)
        if len(header) < 4:
            raise EOFError(f"host closed stdout; stderr: {self.stderr}")
        (n,) = struct.unpack("=I", header)
        return self.proc.stdout.read(n)

    def recv(self):
        return json.loads(self.recv_raw())

    def call(self, method, params=None):
        id = self.request(method, params)
        reply = self.recv()
        assert reply["id"] == id, reply
        return reply

    def close(self, timeout=10):
        """Closes stdin (as the browser does) and returns the exit status."""
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        code = self.proc.wait(timeout=timeout)
        self._t.join(timeout=5)
        return code


def cli(env, *args, input=None, timeout=60):
    return subprocess.run(
        [binary(), *args],
        input=input,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
