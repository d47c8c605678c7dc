#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/netlib.sh - a test internet for the network tests
#
# Source after lib.sh. net_enter re-executes the test file as root in new
# network and mount namespaces: the "host" namespace H, where jail and its
# forwarder run. Nothing the forwarder dials can leave it. net_setup then
# builds, inside namespaces the test made itself:
#
#   H  nh0 198.51.100.1/24, nh1 203.0.113.1/24,
#      /etc/hosts and /etc/resolv.conf bind-mounted (this mount namespace
#      only), servers on H's own 127.0.0.1 (--allow-host-port) and an
#      upstream CONNECT proxy there (Basic auth user:pa@ss, optional)
#   I  the "internet", a namespace held by a background `unshare --net
#      sleep`: ni0 198.51.100.10-.12 and .53 (DNS), ni1 203.0.113.10-.12
#      and .66; HTTP on 80 and 8080, HTTPS on 443 (test CA; /echo answers
#      with the request's headers and body, /sse streams two events 2 s
#      apart, POST /v1/messages answers like the Anthropic API and logs the
#      key to api.log, /git/REPO is git's smart HTTP (git-http-backend) for
#      the bare repositories in $NET_DIR/git, logged to git.log), a DNS
#      server on 198.51.100.53 that records every query it receives, a UDP
#      sink on 9999 that records every datagram
#
# The servers never sit on H's own addresses (the forwarder rightly
# refuses those). Every server writes one line per connection or query to
# a log, so tests can show what did NOT arrive.
#
# Names (H's /etc/hosts unless noted):
#   allowed.test   198.51.100.10        other.test     198.51.100.11
#   net2.test      203.0.113.10         dnsonly.test   198.51.100.12 (DNS)
#   local.test     127.0.0.1            private.test   10.1.2.3
#   meta.test      169.254.169.254      self.test      198.51.100.1
#   secret.evil.test (DNS: answered, so any query for it is visible)

: "${STAGE:?run through tests/run.sh}"

NET_IP_ALLOWED=198.51.100.10
NET_IP_OTHER=198.51.100.11
NET_IP_DNSONLY=198.51.100.12
NET_IP_DNS=198.51.100.53
NET_IP_NET2=203.0.113.10
NET_IP_DENIED=203.0.113.66
# shellcheck disable=SC2034 # used by the test files
JAIL_GATEWAY_IP=10.200.0.1	# JAIL_GATEWAY_IP4
NET_HOST_PORT=18080		# served on H's 127.0.0.1, allowed in tests
NET_HOST_PORT_OTHER=18081	# served on H's 127.0.0.1, never allowed
NET_PROXY_PORT=18090		# an upstream CONNECT proxy on H's 127.0.0.1
NET_PIDS=()

# net_enter ARGS...: re-execute the calling test file in its own network
# and mount namespaces (root only; returns 1 otherwise)
net_enter()
{
	[ -n "${NET_INNER:-}" ] && return 0
	[ "$(id -u)" = 0 ] || return 1
	NET_INNER=1 exec unshare --net --mount --propagation private \
		bash "$0" "$@"
}

# net_start ARGS...: net_enter, then net_setup; a test file that cannot
# have its test internet records one failure and ends there
net_start()
{
	if ! net_enter "$@"; then
		t_fail "test internet" "needs root to make its own network namespaces"
		exit 0
	fi
	if ! net_setup; then
		t_fail "test internet" "setup failed: $(cat "$NET_DIR"/*.err 2>/dev/null | head -5)"
		exit 0
	fi
}

# events NAME [FILE]: how many events of that name FILE ($LOG) holds
events()
{
	grep -c "\"event\":\"$1\"" "${2:-$LOG}" 2>/dev/null
}

# Jails a test started in the background (bgj and the like) add their pid
# to NET_BG; cleanup_bg stops them, so a failed check leaves none behind
# shellcheck disable=SC2034 # filled by the test files, read through stop_pids
NET_BG=()
cleanup_bg() { stop_pids NET_BG; }

# stop_pids ARRAY: kill every pid in the array named ARRAY, reap them all,
# then empty it
stop_pids()
{
	local -n _pids=$1
	local p
	for p in "${_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	_pids=()
}

# net_in CMD...: run CMD in the internet namespace
net_in()
{
	nsenter --net="/proc/$NET_INET_PID/ns/net" "$@"
}

# net_spawn CMD...: start CMD in the internet namespace in the background;
# net_cleanup stops it. Not through a function call: a backgrounded
# function is a subshell, and $! would name the subshell, not CMD
# (nsenter execs CMD, so here $! is CMD itself).
net_spawn()
{
	nsenter --net="/proc/$NET_INET_PID/ns/net" "$@" &
	NET_PIDS+=("$!")
}

net_cleanup() { stop_pids NET_PIDS; }

_net_write_server()
{
	cat >"$NET_DIR/serve.py" <<'EOF'
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
            # The request's headers and body, as the server got them
            body = "".join("%s: %s\n" % kv for kv in self.headers.items())
            body = (body + "\n").encode() + self.read_body()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
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
            except (ssl.SSLError, OSError):
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
EOF
}

# A test CA and one server certificate for every test name
_net_make_certs()
{
	local san="DNS:allowed.test,DNS:other.test,DNS:net2.test"
	san="$san,DNS:dnsonly.test,DNS:local.test,DNS:private.test"
	san="$san,DNS:*.allowed.test,IP:$NET_IP_ALLOWED"
	(
		cd "$NET_DIR" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout ca.key -out ca.pem -days 2 \
			-subj /CN=jail-test-ca \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout srv.key -out srv.csr -subj /CN=allowed.test
		printf '%s\n' "subjectAltName=$san" \
			"extendedKeyUsage=serverAuth" \
			"basicConstraints=critical,CA:FALSE" >srv.ext
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -out srv.pem -days 2 -extfile srv.ext
	) >"$NET_DIR/openssl.log" 2>&1
}

# A bare git repository served over dumb HTTP at /repo.git
_net_make_repo()
{
	local src="$NET_DIR/src"
	(
		git init -q -b main "$src" &&
			cd "$src" &&
			echo "jail test repo" >README &&
			git add README &&
			git -c user.name=t -c user.email=t@t commit -qm init &&
			git clone -q --bare "$src" "$NET_DIR/www/repo.git" &&
			cd "$NET_DIR/www/repo.git" &&
			git update-server-info
	) >/dev/null 2>&1
}

# net_setup: build the namespaces, links, names and servers (see above)
net_setup()
{
	NET_DIR="$STAGE/net-$T_FILE-$JT_USER"
	rm -rf "$NET_DIR"
	mkdir -p "$NET_DIR/www"
	trap net_cleanup EXIT
	trap 'net_cleanup; exit 1' INT TERM

	ip link set lo up
	unshare --net sleep 3600 &
	NET_INET_PID=$!
	NET_PIDS+=("$NET_INET_PID")
	# unshare execs sleep once the namespace exists
	wait_until 5 grep -qx sleep "/proc/$NET_INET_PID/comm" || return 1

	ip link add nh0 type veth peer name ni0 netns "$NET_INET_PID" ||
		return 1
	ip addr add 198.51.100.1/24 dev nh0
	ip link set nh0 up
	net_in ip link set lo up
	net_in ip addr add "$NET_IP_ALLOWED/24" dev ni0
	for a in "$NET_IP_OTHER" "$NET_IP_DNSONLY" "$NET_IP_DNS"; do
		net_in ip addr add "$a/24" dev ni0
	done
	net_in ip link set ni0 up
	# The second range on a second link
	ip link add nh1 type veth peer name ni1 netns "$NET_INET_PID" ||
		return 1
	ip addr add 203.0.113.1/24 dev nh1
	ip link set nh1 up
	for a in "$NET_IP_NET2" 203.0.113.11 203.0.113.12 "$NET_IP_DENIED"; do
		net_in ip addr add "$a/24" dev ni1
	done
	net_in ip link set ni1 up

	cat >"$NET_DIR/hosts" <<EOF
127.0.0.1	localhost
$NET_IP_ALLOWED	allowed.test www.allowed.test
$NET_IP_OTHER	other.test
$NET_IP_NET2	net2.test
127.0.0.1	local.test
10.1.2.3	private.test
169.254.169.254	meta.test
198.51.100.1	self.test
EOF
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$NET_IP_DNS" \
		>"$NET_DIR/resolv.conf"
	printf '%s %s\n' dnsonly.test "$NET_IP_DNSONLY" \
		secret.evil.test "$NET_IP_OTHER" \
		exfil.other.test "$NET_IP_OTHER" >"$NET_DIR/zone"
	mount --bind "$NET_DIR/hosts" /etc/hosts || return 1
	mount --bind "$NET_DIR/resolv.conf" /etc/resolv.conf || return 1

	_net_make_certs || return 1
	_net_make_repo
	_net_write_server
	: >"$NET_DIR/http.log"
	: >"$NET_DIR/conn.log"
	: >"$NET_DIR/dns.log"
	: >"$NET_DIR/udp.log"
	: >"$NET_DIR/git.log"
	chmod -R a+rX "$NET_DIR"

	net_spawn python3 "$NET_DIR/serve.py" "$NET_DIR" internet \
		>"$NET_DIR/internet.err" 2>&1
	python3 "$NET_DIR/serve.py" "$NET_DIR" host "$NET_HOST_PORT" \
		"$NET_HOST_PORT_OTHER" "$NET_PROXY_PORT" >"$NET_DIR/host.err" 2>&1 &
	NET_PIDS+=("$!")
	wait_until 10 test -f "$NET_DIR/ready-internet" || return 1
	wait_until 10 test -f "$NET_DIR/ready-host" || return 1
	# From H, directly: the internet answers
	wait_until 10 curl -sf -o /dev/null --max-time 2 \
		"http://$NET_IP_ALLOWED/" || return 1
	net_reset_logs
}

# net_reset_logs: empty the servers' logs before a test
net_reset_logs()
{
	local f
	for f in http conn dns udp proxy api git; do
		: >"$NET_DIR/$f.log"
	done
}

# net_log NAME: print a server log (http, conn, dns, udp, proxy, api, git)
net_log()
{
	cat "$NET_DIR/$1.log"
}

# net_icmp_in: ICMP messages the internet namespace has received so far
net_icmp_in()
{
	# shellcheck disable=SC2016 # awk's $3
	net_in awk '/^Icmp:/ { if (++n == 2) print $3 }' /proc/net/snmp
}
