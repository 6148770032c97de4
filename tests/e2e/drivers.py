"""Minimal browser drivers for rolecall's end-to-end tests, with nothing to build or download:
WebDriver BiDi straight to Firefox ESR and the Chrome DevTools Protocol straight to Chromium,
both over a WebSocket (the `websockets` package). Each runs a real browser headless with the
real extension, in a throwaway profile and HOME."""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from websockets.sync.client import connect

HOST_NAME = "dev.rolecall.host"
# tests/package.sh: Firefox must start the host through the system-wide manifest the Debian
# package installed (/usr/lib/mozilla/native-messaging-hosts/), so no per-user one is written.
SYSTEM_HOST = os.environ.get("ROLECALL_E2E_SYSTEM_HOST") == "1"
FIREFOX_ADDON_ID = "rolecall@rolecall.dev"
CHROMIUM_EXTENSION_ID = "oljmfdijhnpmpkckkddnkphelbdifbmp"


class DriverError(RuntimeError):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, timeout=20.0, interval=0.1, what="condition", diagnose=None):
    """Polls check() until it returns something truthy; returns that value. On a timeout the
    error shows diagnose()'s answer (or check()'s last one)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = check()
            if last:
                return last
        except DriverError as e:
            last = e
        if time.monotonic() > deadline:
            if diagnose:
                try:
                    last = diagnose()
                except Exception as e:  # the diagnosis must not hide the timeout
                    last = e
            raise AssertionError(f"timed out after {timeout} s waiting for {what}; last: {last!r}")
        time.sleep(interval)


def find_browser(*names):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    raise FileNotFoundError(f"none of {names} is installed")


class WsRpc:
    """Request/response over one WebSocket, matching replies by id and keeping events aside."""

    def __init__(self, url):
        self._cm = connect(url, max_size=None, open_timeout=30, ping_interval=None)
        self.ws = self._cm.__enter__()
        self.next_id = 0
        self.events = []

    def send(self, msg, timeout):
        self.next_id += 1
        msg = {"id": self.next_id, **msg}
        self.ws.send(json.dumps(msg))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DriverError(f"no reply to {msg.get('method')} in {timeout} s")
            try:
                raw = self.ws.recv(timeout=remaining)
            except TimeoutError:
                continue
            reply = json.loads(raw)
            if reply.get("id") == self.next_id:
                return reply
            self.events.append(reply)

    def close(self):
        try:
            self._cm.__exit__(None, None, None)
        except Exception:
            pass


class Browser:
    """Common process handling: a temp dir, the browser process in its own group, its log."""

    def __init__(self, env):
        self.tmp = Path(tempfile.mkdtemp(prefix="rolecall-e2e-"))
        self.home = self.tmp / "home"
        self.home.mkdir()
        self.env = dict(env, HOME=str(self.home), MOZ_CRASHREPORTER_DISABLE="1")
        self.proc = None
        self.log_lines = []
        self.rpc = None

    def start_process(self, argv):
        self.proc = subprocess.Popen(
            argv,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self):
        for line in self.proc.stdout:
            self.log_lines.append(line)

    @property
    def log(self):
        return "".join(self.log_lines)

    def wait_log(self, pattern, timeout=60):
        rx = re.compile(pattern)

        def seen():
            if self.proc.poll() is not None:
                raise AssertionError(f"browser exited with {self.proc.returncode}:\n{self.log[-4000:]}")
            for line in self.log_lines:
                m = rx.search(line)
                if m:
                    return m
            return None

        return wait_for(seen, timeout=timeout, what=f"browser log line /{pattern}/")

    def host_pids(self, binary):
        """Native hosts this browser started (the browser is their parent or grand-parent)."""
        ours = {self.proc.pid}
        found = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                argv0 = (proc / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace")
                stat = (proc / "stat").read_text()
                pgid = os.getpgid(int(proc.name))
            except (OSError, ProcessLookupError):
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            # argv[0], not /proc/<pid>/exe: a rebuilt binary shows there as "<path> (deleted)".
            if argv0 == str(binary) and (ppid in ours or pgid == self.proc.pid):
                found.append(int(proc.name))
        return found

    def stop(self):
        if self.rpc:
            self.rpc.close()
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        shutil.rmtree(self.tmp, ignore_errors=True)


def js_wrap(expression):
    # Every evaluation goes through JSON so both protocols return plain values.
    return f"(async () => JSON.stringify(await (async () => {{ {expression} }})()))()"


class Firefox(Browser):
    """Firefox ESR over WebDriver BiDi, no geckodriver: the remote agent is built in."""

    def __init__(self, env, extension_dir, host_binary, prefs=None):
        super().__init__(env)
        self.uuid = str(uuid.uuid4())
        self.base = f"moz-extension://{self.uuid}/"
        self.host_binary = host_binary
        self.manifest_path = self.home / ".mozilla" / "native-messaging-hosts" / f"{HOST_NAME}.json"
        self.install_host_manifest()
        profile = self.tmp / "profile"
        profile.mkdir()
        prefs = {
            # A fixed internal UUID, so the test can open moz-extension://<uuid>/popup.html.
            "extensions.webextensions.uuids": json.dumps({FIREFOX_ADDON_ID: self.uuid}),
            "privacy.userContext.enabled": True,
            "browser.shell.checkDefaultBrowser": False,
            "browser.startup.homepage_override.mstone": "ignore",
            "datareporting.policy.dataSubmissionEnabled": False,
            "toolkit.telemetry.reportingpolicy.firstRun": False,
            "app.update.enabled": False,
            "extensions.update.enabled": False,
            "browser.tabs.warnOnClose": False,
            "dom.min_background_timeout_value": 10,
            **(prefs or {}),
        }
        (profile / "user.js").write_text(
            "".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items())
        )
        port = free_port()
        try:
            self._start(profile, port, extension_dir)
        except BaseException:
            self.stop()  # no browser or folder left behind by a start that failed
            raise

    def _start(self, profile, port, extension_dir):
        self.start_process(
            [
                find_browser("firefox-esr", "firefox"),
                "-headless",
                "-no-remote",
                "-profile",
                str(profile),
                "--remote-debugging-port",
                str(port),
                # Lets BiDi script moz-extension:// pages.
                "--remote-allow-system-access",
            ]
        )
        m = self.wait_log(r"WebDriver BiDi listening on (ws://\S+)")
        self.rpc = WsRpc(m.group(1).rstrip("/") + "/session")
        self.cmd("session.new", {"capabilities": {}})
        self.cmd(
            "webExtension.install",
            {"extensionData": {"type": "path", "path": str(Path(extension_dir).resolve())}},
        )
        self.context = self.cmd("browsingContext.getTree", {})["contexts"][0]["context"]

    def install_host_manifest(self):
        if SYSTEM_HOST:
            return
        self.manifest_path.parent.mkdir(parents=True, exist_ok=True)
        self.manifest_path.write_text(
            json.dumps(
                {
                    "name": HOST_NAME,
                    "description": "rolecall",
                    "path": str(self.host_binary),
                    "type": "stdio",
                    "allowed_extensions": [FIREFOX_ADDON_ID],
                }
            )
        )

    def cmd(self, method, params, timeout=60):
        reply = self.rpc.send({"method": method, "params": params}, timeout)
        if reply.get("type") == "error":
            raise DriverError(f"{method}: {reply.get('error')}: {reply.get('message')}")
        return reply["result"]

    def open(self, page, context=None):
        self.cmd(
            "browsingContext.navigate",
            {"context": context or self.context, "url": self.base + page, "wait": "complete"},
        )

    def activate(self, context=None):
        self.cmd("browsingContext.activate", {"context": context or self.context})

    def js(self, expression, context=None, timeout=60):
        """Runs an async function body in the page and returns its JSON-decoded result."""
        r = self.cmd(
            "script.evaluate",
            {
                "expression": js_wrap(expression),
                "target": {"context": context or self.context},
                "awaitPromise": True,
                "resultOwnership": "none",
            },
            timeout=timeout,
        )
        if r.get("type") == "exception":
            raise DriverError(r["exceptionDetails"].get("text", r))
        value = r["result"].get("value")
        return None if value is None else json.loads(value)

    def type_keys(self, text, context=None):
        """Types as a person would, into whatever element has focus."""
        keys = {"\n": "\ue007", "\x1b": "\ue00c", "↓": "\ue015", "↑": "\ue013", "\t": "\ue004"}
        actions = []
        for ch in text:
            k = keys.get(ch, ch)
            actions += [{"type": "keyDown", "value": k}, {"type": "keyUp", "value": k}]
        self.cmd(
            "input.performActions",
            {
                "context": context or self.context,
                "actions": [{"type": "key", "id": "keyboard", "actions": actions}],
            },
        )

    def click_element(self, selector, context=None, hover=None):
        """A real pointer click in the middle of the element (a user gesture, unlike a script's
        click(): the clipboard needs one). `hover`: an element the pointer rests on first (a
        popup row, whose tools show while it is pointed at)."""
        if hover:
            self.point(hover, context=context)
        self.point(selector, [{"type": "pointerDown", "button": 0}, {"type": "pointerUp", "button": 0}], context)

    def point(self, selector, then=(), context=None):
        """Moves the pointer to the middle of the element (scrolled into view first, as a person
        scrolls to what they click), then does `then` (pointer actions)."""
        r = self.cmd(
            "script.evaluate",
            {
                "expression": f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e?.scrollIntoView({{ block: 'nearest' }}); return e; }})()",
                "target": {"context": context or self.context},
                "awaitPromise": False,
                "resultOwnership": "root",
            },
        )
        node = r.get("result", {})
        if node.get("type") != "node":
            raise DriverError(f"no element {selector}: {r}")
        self.cmd(
            "input.performActions",
            {
                "context": context or self.context,
                "actions": [
                    {
                        "type": "pointer",
                        "id": "mouse",
                        "actions": [
                            {"type": "pointerMove", "x": 0, "y": 0, "origin": {"type": "element", "element": {"sharedId": node["sharedId"]}}},
                            *then,
                        ],
                    }
                ],
            },
        )

    def stop(self):
        if self.rpc and self.proc and self.proc.poll() is None:
            try:
                self.rpc.send({"method": "browser.close", "params": {}}, timeout=10)
                self.proc.wait(timeout=10)
            except Exception:
                pass
        super().stop()


class Chromium(Browser):
    """Chromium headless over the DevTools Protocol, the extension loaded unpacked."""

    def __init__(self, env, extension_dir, host_binary):
        super().__init__(env)
        self.session = None
        self.base = f"chrome-extension://{CHROMIUM_EXTENSION_ID}/"
        profile = self.tmp / "profile"
        # With --user-data-dir, Chromium reads per-user hosts from <dir>/NativeMessagingHosts
        # (and, when there is none, /etc/chromium/native-messaging-hosts: SYSTEM_HOST).
        hosts = profile / "NativeMessagingHosts"
        self.manifest_path = hosts / f"{HOST_NAME}.json"
        hosts.mkdir(parents=True)
        if not SYSTEM_HOST:
            self.manifest_path.write_text(
                json.dumps(
                    {
                        "name": HOST_NAME,
                        "description": "rolecall",
                        "path": str(host_binary),
                        "type": "stdio",
                        "allowed_origins": [f"chrome-extension://{CHROMIUM_EXTENSION_ID}/"],
                    }
                )
            )
        try:
            self._start(profile, extension_dir)
        except BaseException:
            self.stop()
            raise

    def _start(self, profile, extension_dir):
        self.start_process(
            [
                find_browser("chromium", "chromium-browser"),
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--password-store=basic",
                f"--user-data-dir={profile}",
                f"--disable-extensions-except={extension_dir}",
                f"--load-extension={extension_dir}",
                "--remote-debugging-port=0",
                "about:blank",
            ]
        )
        m = self.wait_log(r"DevTools listening on (ws://\S+)")
        self.rpc = WsRpc(m.group(1))

    def cmd(self, method, params=None, session=None, timeout=60):
        msg = {"method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        reply = self.rpc.send(msg, timeout)
        if "error" in reply:
            raise DriverError(f"{method}: {reply['error']}")
        return reply["result"]

    def targets(self):
        return self.cmd("Target.getTargets")["targetInfos"]

    def open(self, page):
        target = self.cmd("Target.createTarget", {"url": self.base + page})["targetId"]
        self.session = self.cmd("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        wait_for(lambda: self.js("return document.readyState === 'complete'"), what=f"{page} to load")

    def stop(self):
        # Browser.close shuts down as a user's quit does, removing what Chromium keeps in
        # TMPDIR (its singleton socket folder), which a signal leaves behind.
        if self.rpc and self.proc and self.proc.poll() is None:
            try:
                self.rpc.send({"method": "Browser.close", "params": {}}, timeout=10)
                self.proc.wait(timeout=10)
            except Exception:
                pass
        super().stop()

    def js(self, expression, timeout=60):
        r = self.cmd(
            "Runtime.evaluate",
            {"expression": js_wrap(expression), "awaitPromise": True, "returnByValue": True},
            session=self.session,
            timeout=timeout,
        )
        if "exceptionDetails" in r:
            raise DriverError(r["exceptionDetails"].get("exception", {}).get("description") or r["exceptionDetails"])
        value = r["result"].get("value")
        return None if value is None else json.loads(value)


@contextlib.contextmanager
def firefox_on_popup(env, extension_dir, host_binary, prefs=None):
    """A Firefox with the extension and its popup open, for a module's tests; the browser's log
    is printed when one of them fails."""
    browser = Firefox(env, extension_dir, host_binary, prefs=prefs)
    try:
        browser.open("popup.html")
        yield browser
    except BaseException:
        print(browser.log[-6000:])
        raise
    finally:
        browser.stop()


def browser_children(browser):
    """The processes in `browser`'s process group, as (pid, command line)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and os.getpgid(int(proc.name)) == browser.proc.pid:
                found.append((int(proc.name), (proc / "cmdline").read_bytes()))
        except (OSError, ProcessLookupError):
            pass
    return found


def stop_hosts(browser, program):
    """Ends the native hosts `browser` started from `program` (in its process group, naming it
    on their command line), so that the next request starts one anew."""

    def running():
        return [pid for pid, cmdline in browser_children(browser) if program.encode() in cmdline]

    for pid in running():
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    wait_for(lambda: not running(), what=f"{program} to exit")


def answered_by(browser, stale, check, what, timeout=40):
    """Reloads the options page until `check()` (run on it once the host has answered) is
    truthy, after the manifest was pointed at another host. A host of the `stale` program still
    running is stopped before each try: one that was starting as the manifest changed (under
    load, CI once met the previous host for 40 s of reloads)."""

    def attempt():
        stop_hosts(browser, stale)
        browser.open("options.html")
        wait_for(lambda: browser.js("return !document.querySelector('#host-info').textContent.includes('Asking')"), what="an answer")
        return check()

    def diagnose():
        hosts = [c.replace(b"\0", b" ").decode(errors="replace")[:160] for _, c in browser_children(browser) if b"firefox" not in c]
        return {"host_info": browser.js("return document.querySelector('#host-info').textContent"), "other_processes": hosts}

    return wait_for(attempt, timeout=timeout, interval=0.5, what=what, diagnose=diagnose)
