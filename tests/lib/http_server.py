#!/usr/bin/python3
"""http_server.py - a recording HTTP server on 127.0.0.1 for the HTTP sink tests.

Usage: http_server.py PORT_FILE LOG_FILE [--secret S] [--key HEX --iv HEX]

Binds a free loopback port and writes it to PORT_FILE once it accepts. Every
POST is recorded as one JSON line in LOG_FILE: path, the client's port (to see
keep-alive), the appsecret header, the body and, when --key/--iv are given and
the body is {"data": "<hex>"}, the SM4-CBC decryption of data done by the
`openssl enc` command (an implementation independent of the code under test).
The reply depends on the path's segments:
  .../status/N/...   HTTP N
  .../apperror/...   HTTP 200 with {"code": 4001, "msg": "appid unknown"}
  .../errcode/...    HTTP 200 with {"errcode": 45009, ...}, as WeCom when throttling
  .../slow/MS/...    waits MS milliseconds, then HTTP 200
  anything else      HTTP 200 with {"code": 0, "msg": "ok"}
With --secret, a request under /national whose appsecret header differs gets HTTP 401.
"""
import argparse
import binascii
import json
import os
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ARGS = None
LOG_LOCK = threading.Lock()


def sm4_decrypt(hex_data):
    """Plaintext of hex SM4-CBC/PKCS#5 data via the openssl CLI, or None."""
    try:
        cipher = binascii.unhexlify(hex_data)
    except (binascii.Error, TypeError):
        return None
    run = subprocess.run(["openssl", "enc", "-d", "-sm4-cbc", "-K", ARGS.key, "-iv", ARGS.iv],
                         input=cipher, capture_output=True, check=False)
    return run.stdout.decode("utf-8", "replace") if run.returncode == 0 else None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"   # keep-alive, so the sink's connection reuse shows

    def log_message(self, *args):   # quiet: the test reads LOG_FILE
        pass

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass                    # the client gave up (a test's destroy): nothing to tell

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8", "replace")
        segs = urllib.parse.urlsplit(self.path).path.split("/")
        status, answer = 200, {"code": 0, "msg": "ok"}
        if "status" in segs:
            status = int(segs[segs.index("status") + 1])
            answer = {"code": status, "msg": "test status"}
        if "apperror" in segs:
            answer = {"code": 4001, "msg": "appid unknown"}
        if "errcode" in segs:
            answer = {"errcode": 45009, "errmsg": "api freq out of limit"}
        if "slow" in segs:
            time.sleep(int(segs[segs.index("slow") + 1]) / 1000.0)
        secret = self.headers.get("appsecret")
        if ARGS.secret is not None and segs[1] == "national" and secret != ARGS.secret:
            status, answer = 401, {"code": 401, "msg": "bad appsecret"}
        record = {"path": self.path, "peer_port": self.client_address[1], "appsecret": secret,
                  "body": body, "status": status, "decrypted": None}
        if ARGS.key:
            try:
                record["decrypted"] = sm4_decrypt(json.loads(body).get("data"))
            except (ValueError, AttributeError):
                pass
        with LOG_LOCK, open(ARGS.log_file, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        self.reply(status, answer)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("port_file")
    parser.add_argument("log_file")
    parser.add_argument("--secret")
    parser.add_argument("--key")
    parser.add_argument("--iv")
    ARGS = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    tmp = ARGS.port_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, ARGS.port_file)  # the reader never sees half a number
    server.serve_forever()


if __name__ == "__main__":
    main()
