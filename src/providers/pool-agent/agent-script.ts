/**
 * The pool agent (docs/providers.md#ready-pools): a one-shot python3 program (stdlib only;
 * Ubuntu images ship python3) that the Linux bootstrap installs on pool machines only. It
 * answers `GET /ready` and, once, `PUT /authorized-key`, which replaces the SSH user's
 * authorized_keys; then it disables its unit and exits, so its port closes for good.
 * Every request carries an HMAC-SHA256 (`signature.ts`) keyed by the machine's token, which
 * reaches the machine only in its user-data (the config file below, root-only).
 */
import { publicKeyPattern } from "../bootstrap/key-pattern";
import { signatureHeader, timestampHeader, timestampSkewSeconds } from "./signature";

export const poolAgentScriptPath = "/usr/local/lib/crabbox/pool-agent.py";
export const poolAgentConfigPath = "/etc/crabbox/pool-agent.json";
export const poolAgentUnitName = "crabbox-pool-agent.service";
export const poolAgentUnitPath = `/etc/systemd/system/${poolAgentUnitName}`;
/** Written after the hand-over: a restarted agent exits at once, so a second hand-over never happens. */
export const poolAgentDonePath = "/var/lib/crabbox/pool-agent-handed-over";

/** What the agent reads from its config file (JSON). */
export interface PoolAgentConfig {
  bind: string;
  port: number;
  token: string;
  /** The file `PUT /authorized-key` replaces, and the user that owns it. */
  authorizedKeysPath: string;
  user: string;
  readyMarker: string;
  doneMarker: string;
  /** Run after a hand-over, before the agent exits (the machine's: disable the unit). */
  afterHandOver: string[];
}

export const poolAgentScript = String.raw`#!/usr/bin/env python3
# Crabbox pool agent (docs/providers.md#ready-pools). One hand-over, then gone.
import hashlib, hmac, json, os, pwd, re, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONFIG = json.load(open(sys.argv[1]))
TOKEN = CONFIG["token"].encode()
KEY = re.compile(r"${publicKeyPattern.source}")
MAX_BODY = 16384
SKEW = ${timestampSkewSeconds}
LOCK = threading.Lock()
STATE = {"handed_over": os.path.exists(CONFIG["doneMarker"])}

if STATE["handed_over"]:
    sys.exit(0)


def expected(method, path, stamp, body):
    digest = hashlib.sha256(body).hexdigest()
    message = "\n".join([method, path, stamp, digest]).encode()
    return hmac.new(TOKEN, message, hashlib.sha256).hexdigest()


def replace_keys(key):
    user = pwd.getpwnam(CONFIG["user"])
    path = CONFIG["authorizedKeysPath"]
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    temp = path + ".crabbox-new"
    with open(temp, "w") as handle:
        handle.write(key + "\n")
    os.chmod(temp, 0o600)
    if os.geteuid() == 0:
        os.chown(directory, user.pw_uid, user.pw_gid)
        os.chown(temp, user.pw_uid, user.pw_gid)
    os.replace(temp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # a connection that sends nothing does not hold a thread

    def log_message(self, *args):
        pass

    def answer(self, status, payload):
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def authentic(self, body):
        stamp = self.headers.get("${timestampHeader}", "")
        given = self.headers.get("${signatureHeader}", "")
        if not re.fullmatch(r"[0-9]{1,12}", stamp) or abs(time.time() - int(stamp)) > SKEW:
            self.answer(401, {"error": "stale_or_missing_timestamp"})
            return False
        if not hmac.compare_digest(given.encode(), expected(self.command, self.path, stamp, body).encode()):
            self.answer(401, {"error": "bad_signature"})
            return False
        return True

    def body(self):
        length = self.headers.get("Content-Length", "0")
        if not re.fullmatch(r"[0-9]{1,6}", length) or int(length) > MAX_BODY:
            self.answer(413, {"error": "body_too_large"})
            return None
        return self.rfile.read(int(length))

    def do_GET(self):
        body = self.body()
        if body is None or not self.authentic(body):
            return
        if self.path != "/ready":
            return self.answer(404, {"error": "not_found"})
        self.answer(200, {"ready": os.path.exists(CONFIG["readyMarker"])})

    def do_PUT(self):
        body = self.body()
        if body is None or not self.authentic(body):
            return
        if self.path != "/authorized-key":
            return self.answer(404, {"error": "not_found"})
        try:
            key = json.loads(body.decode())["sshPublicKey"].strip()
        except Exception:
            return self.answer(400, {"error": "invalid_request", "field": "sshPublicKey"})
        if not isinstance(key, str) or len(key) > MAX_BODY or not KEY.fullmatch(key):
            return self.answer(400, {"error": "invalid_request", "field": "sshPublicKey"})
        with LOCK:
            if STATE["handed_over"]:
                return self.answer(409, {"error": "already_handed_over"})
            replace_keys(key)
            STATE["handed_over"] = True
            os.makedirs(os.path.dirname(CONFIG["doneMarker"]), exist_ok=True)
            open(CONFIG["doneMarker"], "w").close()
        self.answer(200, {"handedOver": True})
        self.wfile.flush()
        threading.Thread(target=finish, daemon=True).start()


def finish():
    if CONFIG["afterHandOver"]:
        subprocess.run(CONFIG["afterHandOver"], check=False)
    SERVER.shutdown()


SERVER = ThreadingHTTPServer((CONFIG["bind"], CONFIG["port"]), Handler)
print("listening", flush=True)
SERVER.serve_forever()
SERVER.server_close()
`;

export function poolAgentUnit(): string {
  return [
    "[Unit]",
    "Description=Crabbox pool agent (one key hand-over, then it stops for good)",
    "After=network-online.target",
    `ConditionPathExists=!${poolAgentDonePath}`,
    "",
    "[Service]",
    `ExecStart=/usr/bin/python3 ${poolAgentScriptPath} ${poolAgentConfigPath}`,
    "Restart=on-failure",
    "RestartSec=2",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n");
}
