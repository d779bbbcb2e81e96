"""Starts tests/emulators/cloudtrail_emulator.py on a free port for a test, and talks to its
control endpoints (/_emulator/...). Shared by the emulator's own check and the collector tests."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

EMULATOR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cloudtrail_emulator.py")


class Emulator:
    """The emulator as a child process; `url` is its endpoint. Stop it with close()."""

    def __init__(self, *args):
        self.tmp = tempfile.mkdtemp(prefix="tw-ct-emu-")
        port_file = os.path.join(self.tmp, "port")
        self.log = open(os.path.join(self.tmp, "log"), "w")
        self.proc = subprocess.Popen([sys.executable, EMULATOR, "--port", "0", "--port-file",
                                      port_file, *args],
                                     stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if time.time() > deadline or self.proc.poll() is not None:
                raise RuntimeError("emulator did not start")
            time.sleep(0.05)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.url = "http://127.0.0.1:%d" % self.port

    def control(self, op, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/_emulator/" + op, data=data,
                                     method="GET" if data is None else "POST")
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def ids(self):
        """Every event id the emulator holds, visible yet or not."""
        return self.control("all-event-ids")["ids"]

    def close(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()
        shutil.rmtree(self.tmp, ignore_errors=True)
