"""A local RFC 3161 TSA over HTTP for the tests: python3 serve.py FOLDER (made by make-tsa.sh if empty).

Listens on 127.0.0.1, an ephemeral port, printed as the first line of standard output.
POST /ok answers with `openssl ts -reply` (the TSA under ca.pem), /other with the TSA under
other-ca.pem, /reject with a TimeStampResp whose status is rejection (2, failure badAlg),
/http500 with HTTP 500. Every request is counted in FOLDER/requests.log, one line per request.
"""
import http.server
import os
import subprocess
import sys
import tempfile
import threading
import time

FOLDER = os.path.abspath(sys.argv[1])
if not os.path.exists(os.path.join(FOLDER, "ca.pem")):
    subprocess.run(["bash", os.path.join(os.path.dirname(os.path.abspath(__file__)), "make-tsa.sh"), FOLDER], check=True,
                   stdout=subprocess.DEVNULL)
# TimeStampResp { status PKIStatusInfo { status 2 (rejection), failInfo badAlg (bit 0) } }
REJECTION = bytes.fromhex("3009300702010203020780")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(FOLDER, "requests.log"), "a") as log:
            log.write(self.path + "\n")
        if self.path == "/http500":
            self.send_response(500)
            self.end_headers()
            return
        if self.path == "/reject":
            body = REJECTION
        elif self.path in ("/ok", "/other"):
            with tempfile.TemporaryDirectory(dir=FOLDER) as work:
                request, reply = os.path.join(work, "q.tsq"), os.path.join(work, "r.tsr")
                with open(request, "wb") as file:
                    file.write(query)
                section = ["-section", "other"] if self.path == "/other" else []
                subprocess.run(["openssl", "ts", "-reply", "-config", "tsa.cnf", *section, "-queryfile", request,
                                "-out", reply], cwd=FOLDER, check=True, capture_output=True)
                with open(reply, "rb") as file:
                    body = file.read()
        else:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


def exit_with_parent(parent):
    """A test killed before it stops the server leaves no server behind: exit once reparented."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=exit_with_parent, args=(os.getppid(),), daemon=True).start()
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
