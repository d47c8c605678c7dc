# SPDX-License-Identifier: MIT
# tests/servers/serve.py DIR ROLE [PORT...] - the test internet's servers
# (tests/netlib.sh starts them).
#
# Test internet servers: HTTP, HTTPS, DNS, UDP sink. One line per
# connection, request, query or datagram goes to a log.
import json, os, socket, socketserver, ssl, struct, subprocess, sys
import threading, time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

d = sys.argv[1]
role = sys.argv[2]
lock = threading.Lock()


def log(name, line):
    with lock, open(os.path.join(d, name), "a") as f:
        f.write(line + "\n")


class Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def __init__(self, *a, **kw):
        super().__init__(*a, directory=os.path.join(d, "www"), **kw)

    def log_message(self, *a):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "") == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if not size:
                    while self.rfile.readline() not in (b"\r\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")
                                   or 0))

    def git(self):
        # git's smart HTTP: /git/REPO/... through git-http-backend (CGI),
        # for the bare repositories a test puts in $NET_DIR/git
        path, _, query = self.path[4:].partition("?")
        body = self.read_body() if self.command == "POST" else b""
        log("git.log", "git %s %s%s" % (self.command, path,
                                        "?" + query if query else ""))
        env = {"GIT_PROJECT_ROOT": os.path.join(d, "git"),
               "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
               "QUERY_STRING": query, "REQUEST_METHOD": self.command,
               "CONTENT_TYPE": self.headers.get("Content-Type", ""),
               "CONTENT_LENGTH": str(len(body)), "REMOTE_USER": "t",
               "REMOTE_ADDR": self.client_address[0],
               "PATH": "/usr/bin:/bin", "HOME": d}
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        out = subprocess.run(["/usr/lib/git-core/git-http-backend"],
                             input=body, env=env, capture_output=True,
                             timeout=60).stdout
        head, _, data = out.partition(b"\r\n\r\n")
        status, hdrs = 200, []
        for line in head.decode("latin-1").split("\r\n"):
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                hdrs.append((k, v.strip()))
        self.send_response(status)
        for k, v in hdrs:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path.startswith("/git/"):
            self.git()
            return
        local = self.connection.getsockname()[0]
        sni = getattr(self.connection, "jail_sni", "") or "-"
        host = self.headers.get("Host", "-")
        log("http.log", "req %s %s %s %s %s" % (local, self.server.port,
                                                 host, sni, self.path))
        if self.path.startswith("/bytes/"):
            n = int(self.path[7:])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            chunk = memoryview(bytes(1 << 20))
            while n > 0:
                k = min(n, len(chunk))
                self.wfile.write(chunk[:k])
                n -= k
            return
        if self.path in ("/sse", "/sse?slow"):
            # Server-sent events: one now, one 2 s later (6 s when slow,
            # for streams that must overlap however loaded the machine
            # is), then the end
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"data: one\n\n")
            self.wfile.flush()
            time.sleep(6 if self.path.endswith("slow") else 2)
            self.wfile.write(b"data: two\n\n")
            self.close_connection = True
            return
        if self.path.startswith("/echo"):
            # The request's headers and body, as the server got them,
            # also to echo.log (what the jail reads may differ: a bound
            # value comes back as its placeholder)
            body = "".join("%s: %s\n" % kv for kv in self.headers.items())
            body = (body + "\n").encode() + self.read_body()
            log("echo.log", body.decode("utf-8", "replace"))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.path.startswith("/ws"):
            self.websocket()
            return
        if self.path.startswith("/reflect"):
            self.reflect()
            return
        if self.path == "/" or self.path.startswith("/hello"):
            body = ("hello server=%s port=%s host=%s sni=%s\n"
                    % (local, self.server.port, host, sni)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def ws_frame(self, opcode, payload):
        n = len(payload)
        head = bytes([0x80 | opcode])
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack("!H", n)
        else:
            head += bytes([127]) + struct.pack("!Q", n)
        self.wfile.write(head + payload)
        self.wfile.flush()

    def websocket(self):
        # RFC 6455, just enough: each text message is sent back, "key"
        # answers with the x-api-key of the upgrade request, a close
        # frame ends; logged to ws.log
        import base64, hashlib
        key = self.headers.get("Sec-WebSocket-Key", "")
        api = self.headers.get("x-api-key", "none").encode()
        log("ws.log", "upgrade x-api-key: %s ext=%s" % (
            api.decode(), self.headers.get("Sec-WebSocket-Extensions", "-")))
        if self.headers.get("Upgrade", "").lower() != "websocket":
            self.send_response(426)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept.decode())
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        for _ in range(100):
            b0, b1 = self.rfile.read(2)
            n = b1 & 0x7f
            if n == 126:
                n = struct.unpack("!H", self.rfile.read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self.rfile.read(8))[0]
            mask = self.rfile.read(4) if b1 & 0x80 else b"\0\0\0\0"
            data = bytes(c ^ mask[i % 4] for i, c in enumerate(
                self.rfile.read(n)))
            op = b0 & 0x0f
            if op == 8:
                self.ws_frame(8, data[:2])
                return
            if op == 9:
                self.ws_frame(10, data)
                continue
            log("ws.log", "message %s" % data.decode("utf-8", "replace"))
            if data == b"key":
                self.ws_frame(1, b"key=" + api)
            else:
                self.ws_frame(1, data)

    def reflect(self):
        # The x-api-key sent back in a header and in the body:
        # /reflect (Content-Length), /reflect/split (the body written in
        # two parts 0.3 s apart, cut inside the key), /reflect/chunked
        # (the key cut by a chunk boundary, a trailer holding it too),
        # /reflect/gzip (compressed whatever the request asked for)
        key = self.headers.get("x-api-key", "none").encode()
        log("echo.log", "reflect x-api-key: " + key.decode())
        body = b"key=" + key + b" again=" + key + b"\n"
        half = len(b"key=") + len(key) // 2
        kind = self.path[len("/reflect"):]
        self.send_response(200)
        self.send_header("X-Reflect", key.decode())
        if kind == "/chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Trailer", "X-Key")
            self.end_headers()
            for part in (body[:half], body[half:]):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.flush()
                time.sleep(0.3)
            self.wfile.write(b"0\r\nX-Key: " + key + b"\r\n\r\n")
            return
        if kind == "/gzip":
            import gzip
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if kind == "/split":
            self.wfile.write(body[:half])
            self.wfile.flush()
            time.sleep(0.3)
            body = body[half:]
        self.wfile.write(body)

    def do_POST(self):
        if self.path.startswith("/git/"):
            self.git()
            return
        if self.path.startswith("/v1/messages"):
            self.messages()
            return
        self.do_GET()

    def messages(self):
        # Just enough of the Anthropic Messages API for a real client:
        # every request gets the same one-line answer, streamed or not
        n = int(self.headers.get("Content-Length", "0") or 0)
        req = json.loads(self.rfile.read(n) or b"{}")
        log("api.log", "messages key=%s stream=%s" % (
            self.headers.get("x-api-key", "-"), bool(req.get("stream"))))
        text = "hello from the test server"
        msg = {"id": "msg_test", "type": "message", "role": "assistant",
               "model": req.get("model", "test"), "content": [],
               "stop_reason": None, "stop_sequence": None,
               "usage": {"input_tokens": 1, "output_tokens": 1}}
        if not req.get("stream"):
            msg["content"] = [{"type": "text", "text": text}]
            msg["stop_reason"] = "end_turn"
            body = json.dumps(msg).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        events = [
            ("message_start", {"type": "message_start", "message": msg}),
            ("content_block_start", {"type": "content_block_start",
                                     "index": 0, "content_block":
                                     {"type": "text", "text": ""}}),
            ("content_block_delta", {"type": "content_block_delta",
                                     "index": 0, "delta":
                                     {"type": "text_delta", "text": text}}),
            ("content_block_stop", {"type": "content_block_stop",
                                    "index": 0}),
            ("message_delta", {"type": "message_delta", "delta":
                               {"stop_reason": "end_turn",
                                "stop_sequence": None},
                               "usage": {"output_tokens": 5}}),
            ("message_stop", {"type": "message_stop"}),
        ]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        for name, data in events:
            self.wfile.write(("event: %s\ndata: %s\n\n" % (
                name, json.dumps(data))).encode())
            self.wfile.flush()
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, port, tls):
        self.port = port
        super().__init__(("0.0.0.0", port), Handler)
        self.ctx = None
        if tls:
            self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.ctx.load_cert_chain(os.path.join(d, "srv.pem"),
                                     os.path.join(d, "srv.key"))
            self.ctx.sni_callback = self.sni

    @staticmethod
    def sni(sock, name, ctx):
        sock.jail_sni = name or ""

    def get_request(self):
        sock, addr = self.socket.accept()
        log("conn.log", "conn %s %s" % (sock.getsockname()[0], self.port))
        if self.ctx:
            sock.settimeout(10)
            sock = self.ctx.wrap_socket(sock, server_side=True,
                                        do_handshake_on_connect=False)
        return sock, addr

    def finish_request(self, request, client_address):
        if self.ctx:
            try:
                request.do_handshake()
            except (ssl.SSLError, OSError) as e:
                # "eof": closed before a byte came; else bytes did come
                log("conn.log", "handshake %s %s" % (
                    self.port,
                    "eof" if isinstance(e, ssl.SSLEOFError) else "error"))
                return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass


def dns_server():
    zone = {}
    for line in open(os.path.join(d, "zone")):
        name, ip = line.split()
        zone[name] = ip
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("198.51.100.53", 53))
    while True:
        q, peer = s.recvfrom(4096)
        try:
            i, labels = 12, []
            while q[i]:
                labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace"))
                i += 1 + q[i]
            qtype = struct.unpack("!H", q[i + 1:i + 3])[0]
            qend = i + 5
        except Exception:
            continue
        name = ".".join(labels).lower()
        log("dns.log", "query %s %d" % (name, qtype))
        ip = zone.get(name)
        flags = 0x8180 if ip else 0x8183
        an = 1 if ip and qtype == 1 else 0
        r = q[:2] + struct.pack("!HHHHH", flags, 1, an, 0, 0) + q[12:qend]
        if an:
            r += b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4)
            r += socket.inet_aton(ip)
        s.sendto(r, peer)


def udp_sink():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", 9999))
    while True:
        data, peer = s.recvfrom(65536)
        log("udp.log", "udp %s %d" % (peer[0], len(data)))


def proxy_conn(c):
    # An upstream HTTP proxy: CONNECT only, Basic auth "user:pa@ss"
    c.settimeout(10)
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 8192:
        b = c.recv(4096)
        if not b:
            return
        head += b
    head, rest = head.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    method, target = lines[0].split()[:2]
    auth = "none"
    for l in lines[1:]:
        k, _, v = l.partition(":")
        if k.lower() == "proxy-authorization":
            auth = "ok" if v.strip() == "Basic dXNlcjpwYUBzcw==" else "bad"
    log("proxy.log", "%s %s auth=%s" % (method, target, auth))
    if method != "CONNECT" or auth == "bad":
        c.sendall(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")
        return
    host, port = target.rsplit(":", 1)
    u = socket.create_connection((host, int(port)), timeout=10)
    c.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    if rest:
        u.sendall(rest)

    def pipe(a, b):
        try:
            while True:
                x = a.recv(65536)
                if not x:
                    break
                b.sendall(x)
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    t = threading.Thread(target=pipe, args=(u, c), daemon=True)
    t.start()
    pipe(c, u)
    t.join()


def proxy_server(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(64)
    while True:
        c, _ = s.accept()
        threading.Thread(target=proxy_one, args=(c,), daemon=True).start()


def proxy_one(c):
    try:
        proxy_conn(c)
    except OSError:
        pass
    c.close()


if role == "internet":
    for port, tls in ((80, False), (8080, False), (443, True)):
        threading.Thread(target=Server(port, tls).serve_forever,
                         daemon=True).start()
    threading.Thread(target=udp_sink, daemon=True).start()
    threading.Thread(target=dns_server, daemon=True).start()
    open(os.path.join(d, "ready-internet"), "w").close()
    threading.Event().wait()
else:
    # H's own loopback: the --allow-host-port services and an upstream
    # proxy on the last port
    ports = [int(p) for p in sys.argv[3:]]
    threading.Thread(target=proxy_server, args=(ports.pop(),),
                     daemon=True).start()
    servers = []
    for port in ports:
        srv = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        srv.port = port
        srv.handle_error = lambda *a: None
        servers.append(srv)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
    open(os.path.join(d, "ready-host"), "w").close()
    threading.Event().wait()
