#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # $K and friends are expanded inside the jail
# shellcheck disable=SC2086 # $RAW is the interpreter and its script, split on purpose
# t-egress.sh - every request is judged, not every connection: pipelined
# and smuggled requests, Host after a large header, absolute-form and
# CONNECT, late or unreadable ClientHellos, names that are addresses in
# disguise, held pushes through the broker's plain-HTTP name, and the
# bounds on the log and the connection table. Raw clients inside the jail
# against the test internet (tests/netlib.sh), whose HTTP server does not
# read the body of a GET (Python's http.server): a body there would be
# taken for the next request
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj egress)
cd "$proj" || exit 1
work="$STAGE/egress-$JT_USER"
rm -rf "$work"
mkdir -p "$work"
chown "$JT_USER:" "$work"
LOG="$work/audit.jsonl"
mkdir -p "$JT_HOME/.run"
chown "$JT_USER:" "$JT_HOME/.run"
chmod 700 "$JT_HOME/.run"
REAL="sk-test-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# The test CA joins the host's trust store (interception verifies the
# server with it), in this mount namespace only
cat /etc/ssl/certs/ca-certificates.crt "$NET_DIR/ca.pem" >"$NET_DIR/bundle.pem"
chmod a+r "$NET_DIR/bundle.pem"
mount --bind "$NET_DIR/bundle.pem" /etc/ssl/certs/ca-certificates.crt

# ej ARGS... -- CMD: a filtered jail logging to $LOG (emptied first)
ej()
{
	rm -f "$LOG"
	jail --net filtered --log "$LOG" "$@"
}

# A raw client inside the jail:
#   raw.py send HOST PORT PAYLOAD [tls [SNI]]: PAYLOAD with Python escapes,
#     sent at once; prints "status CODE..." (every status line received)
#     and "end eof|reset|timeout"
#   raw.py after SECS HOST PORT PAYLOAD [tls [SNI]]: the same, silent for
#     SECS after connecting (the forwarder's early dial has connected)
#   raw.py late HOST: silent 1.5 s, then a TLS handshake
#   raw.py hello HOST MODE: a hand-built ClientHello
#   raw.py dns NAME: an A query to the jail's resolver; prints its rcode
#   raw.py idle HOST: one request, then how long until the connection ends
#   raw.py many HOST N: N silent connections, then one more: how it ends
cat >"$proj/raw.py" <<'EOF'
import re, socket, ssl, struct, sys, time

def finish(s, limit=8):
    data, end = b"", "timeout"
    s.settimeout(limit)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                end = "eof"
                break
            data += b
    except (ConnectionResetError, ssl.SSLError, BrokenPipeError):
        end = "reset"
    except socket.timeout:
        pass
    codes = re.findall(rb"HTTP/1\.[01] (\d{3})", data)
    print("status " + " ".join(c.decode() for c in codes))
    print("end " + end)
    return data

def connect(host, port):
    return socket.create_connection((socket.gethostbyname(host), port), timeout=10)

def tls(s, sni):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    return ctx.wrap_socket(s, server_hostname=sni)

def l16(b): return struct.pack("!H", len(b)) + b

def hello(mode):
    def sni(names):
        lst = b"".join(b"\x00" + l16(n) for n in names)
        return b"\x00\x00" + l16(l16(lst))
    exts = {"good": sni([b"allowed.test"]),
            "two-sni": sni([b"allowed.test", b"allowed.test"]),
            "nul": sni([b"allowed.test\x00.other.test"]),
            "dotdot": sni([b"other..test"]),
            "dup-ext": sni([b"allowed.test"]) + b"\x00\x0b\x00\x02\x01\x00" * 2}[mode]
    body = b"\x03\x03" + b"\x11" * 32 + b"\x00" + l16(b"\x13\x01") + b"\x01\x00" + l16(exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + l16(hs)

cmd = sys.argv[1]
pause = 0
if cmd == "after":
    pause = float(sys.argv.pop(2))
if cmd in ("send", "after"):
    host, port = sys.argv[2], int(sys.argv[3])
    payload = sys.argv[4].encode().decode("unicode_escape").encode("latin-1")
    s = connect(host, port)
    time.sleep(pause)
    try:
        if len(sys.argv) > 5 and sys.argv[5] == "tls":
            s = tls(s, sys.argv[6] if len(sys.argv) > 6 else host)
        s.sendall(payload)
    except (OSError, ssl.SSLError) as e:
        print("end reset %s" % type(e).__name__)
        sys.exit(0)
    data = finish(s)
    if "-v" in sys.argv:
        sys.stdout.write(data.decode("latin-1"))
elif cmd == "late":
    s = connect(sys.argv[2], 443)
    time.sleep(1.5)
    try:
        s = tls(s, sys.argv[2])
        s.sendall(b"GET / HTTP/1.1\r\nHost: allowed.test\r\n\r\n")
        finish(s)
    except (OSError, ssl.SSLError) as e:
        print("end reset %s" % type(e).__name__)
elif cmd == "hello":
    s = connect(sys.argv[2], 443)
    s.sendall(hello(sys.argv[3]))
    finish(s, 5)
elif cmd == "dns":
    q = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    q += b"".join(bytes([len(l)]) + l.encode() for l in sys.argv[2].split(".")) + b"\x00\x00\x01\x00\x01"
    ns = open("/etc/resolv.conf").read().split("nameserver")[1].split()[0]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.settimeout(5)
    u.sendto(q, (ns, 53))
    r = u.recv(512)
    print("rcode %d answers %d" % (r[3] & 15, struct.unpack("!H", r[6:8])[0]))
elif cmd == "idle":
    s = connect(sys.argv[2], 80)
    s.sendall(b"GET /hello HTTP/1.1\r\nHost: %s\r\n\r\n" % sys.argv[2].encode())
    s.settimeout(30)
    t = time.monotonic()
    try:
        while s.recv(65536):
            pass
    except OSError:
        pass
    print("closed after %.1f" % (time.monotonic() - t))
elif cmd == "many":
    keep = [connect(sys.argv[2], 80) for _ in range(int(sys.argv[3]))]
    time.sleep(0.5)
    try:
        s = connect(sys.argv[2], 80)
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: %s\r\n\r\n" % sys.argv[2].encode())
    except OSError as e:
        print("end reset %s" % type(e).__name__)
        sys.exit(0)
    finish(s, 5)
EOF
chown "$JT_USER:" "$proj/raw.py"
RAW="python3 $proj/raw.py"
OK='GET /hello HTTP/1.1\r\nHost: allowed.test\r\n\r\n'
ALLOW=(--allow allowed.test --allow '*.allowed.test' --deny www.allowed.test)

# server_saw PATTERN: the test server logged a request matching PATTERN
server_saw() { grep -Ec "$1" "$NET_DIR/http.log"; }

# ---- plain HTTP: each request on its own ------------------------------------

net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "$OK$OK" 2>&1)
assert_match "two pipelined requests to the connection's host both go" "^status 200 200$" "$out"
assert_eq "... and reach the server" 2 "$(server_saw '^req .* allowed.test - /hello$')"

net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "${OK}GET /hello HTTP/1.1\r\nHost: www.allowed.test\r\n\r\n" 2>&1)
assert_match "a pipelined request for a denied host: 421 after the first answer" "^status 200 421" "$out"
assert_eq "... the server never saw it" 0 "$(server_saw 'www.allowed.test')"
assert_match "... logged as net.deny with the reason" '"event":"net.deny","host":"allowed.test",.*"reason":"the request.s Host is not the host of its connection"' "$(cat "$LOG")"

net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "${OK}GET /hello HTTP/1.1\r\nHost: net2.test\r\n\r\n" 2>&1)
assert_match "a pipelined request for another allowed-by-nothing host: 421" "^status 200 421" "$out"

# ---- the early dial decides nothing ---------------------------------------------
# A connection to an allowed name's address is dialed on at accept; the
# client waits 0.5 s, so that the early connection is surely made before
# its first bytes, which are still what decides

# conns PORT: connections the server at allowed.test:PORT accepted
conns() { grep -c "^conn $NET_IP_ALLOWED $1\$" "$NET_DIR/conn.log"; }
conns_at_least() { [ "$(conns "$1")" -ge "$2" ]; }

for host in net2.test www.allowed.test; do
	net_reset_logs
	out=$(ej "${ALLOW[@]}" -- $RAW after 0.5 allowed.test 80 "GET /hello HTTP/1.1\r\nHost: $host\r\n\r\n" 2>&1)
	assert_match "early dial: allowed.test's address, Host $host: refused" "^end (reset|eof)" "$out"
	assert_match "... logged as net.deny for $host" "\"event\":\"net.deny\",\"host\":\"$host\"" "$(cat "$LOG")"
	assert_eq "... its only event" 1 "$(grep -c '"event":"net\.' "$LOG")"
	if wait_until 5 conns_at_least 80 1; then
		t_pass "... the early dial had connected to the server"
	else
		t_fail "... the early dial had connected to the server" "no connection in conn.log"
	fi
	assert_eq "... the server, connected to early, got no request" 0 "$(server_saw .)"
done
net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW after 0.5 allowed.test 443 "$OK" tls net2.test 2>&1)
assert_match "early dial: allowed.test's address, SNI net2.test: refused" "^end reset" "$out"
assert_match "... logged: the server name does not match" '"reason":"server name does not match the resolved name"' "$(cat "$LOG")"
assert_eq "... the server got no request" 0 "$(server_saw .)"
net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW after 0.5 allowed.test 80 "$OK" 2>&1)
assert_match "early dial: Host allowed.test goes through" "^status 200$" "$out"
assert_eq "... over the early connection, the only one the server saw" 1 "$(conns 80)"
assert_eq "... logged as net.allow, nothing else" 1 "$(grep -c '"event":"net\.' "$LOG")"
net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW after 0.5 allowed.test 443 "$OK" tls 2>&1)
assert_match "early dial: SNI allowed.test goes through" "^status 200$" "$out"
assert_eq "... over the early connection, the only one the server saw" 1 "$(conns 443)"

net_reset_logs
pad=$(head -c 17000 /dev/zero | tr '\0' a)
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "GET /hello HTTP/1.1\r\nX-Pad: $pad\r\nHost: www.allowed.test\r\n\r\n" 2>&1)
assert_match "Host after a 17 KB header: refused" "^end (reset|eof)" "$out"
assert_eq "... the server saw nothing" 0 "$(server_saw .)"
assert_match "... logged with the reason" '"event":"net.deny",.*"reason":"request head too large"' "$(cat "$LOG")"

net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "${OK}GET /hello HTTP/1.1\r\nX-Pad: $pad\r\nHost: www.allowed.test\r\n\r\n" 2>&1)
assert_match "... and as a pipelined second request: 431 after the first answer" "^status 200 431" "$out"
assert_eq "... the server saw the first only" 1 "$(server_saw .)"

net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "${OK}GET http://www.allowed.test/hello HTTP/1.1\r\n\r\n" 2>&1)
assert_match "absolute-form for another host on an allowed connection: 421" "^status 200 421" "$out"
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "GET http://www.allowed.test/hello HTTP/1.1\r\nHost: allowed.test\r\n\r\n" 2>&1)
assert_match "absolute-form disagreeing with Host: refused" "^end (reset|eof)" "$out"
assert_eq "... the server saw neither" 1 "$(server_saw .)"

net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "CONNECT other.test:80 HTTP/1.1\r\nHost: other.test:80\r\n\r\n" 2>&1)
assert_match "CONNECT to another host through an allowed address: 405" "^status 405" "$out"
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "${OK}CONNECT allowed.test:80 HTTP/1.1\r\nHost: allowed.test:80\r\n\r\n" 2>&1)
assert_match "... and pipelined after a request, even to the host itself" "^status 200 405" "$out"
assert_eq "... the server saw the first request only" 1 "$(server_saw .)"
assert_eq "... and no connection to other.test" 0 "$(grep -c "$NET_IP_OTHER" "$NET_DIR/conn.log")"

net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "\x00junk\r\n${OK}GET /hello HTTP/1.1\r\nHost: www.allowed.test\r\n\r\n" 2>&1)
assert_match "port 80: bytes that are neither HTTP nor TLS are refused (requests behind them too)" "^end (reset|eof)" "$out"
assert_match "... logged with the reason" '"reason":"neither HTTP nor TLS on a web port"' "$(cat "$LOG")"
assert_eq "... the server saw nothing" 0 "$(server_saw .)"

# ---- smuggling: bodies framed strictly ------------------------------------------

smuggled='POST /echo HTTP/1.1\r\nHost: www.allowed.test\r\nContent-Length: 0\r\n\r\n'
# shellcheck disable=SC2059 # the escapes are the point
slen=$(printf "$smuggled" | wc -c)
net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "GET /hello HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: $slen\r\n\r\n$smuggled" 2>&1)
assert_match "a GET with a body (a request inside it): 400" "^status 400" "$out"
assert_eq "... the server, which does not read GET bodies, saw nothing" 0 "$(server_saw .)"
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "${OK}GET /hello HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: $slen\r\n\r\n$smuggled" 2>&1)
assert_match "... pipelined after a request too" "^status 200 400" "$out"
assert_eq "... the smuggled request never reached the server" 0 "$(server_saw '/echo')"
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "POST /echo HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" 2>&1)
assert_match "Content-Length and chunked at once: 400" "^status 400" "$out"
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "POST /echo HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc" 2>&1)
assert_match "Content-Length twice: 400" "^status 400" "$out"
net_reset_logs
out=$(ej "${ALLOW[@]}" -- $RAW send allowed.test 80 "POST /echo HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: $slen\r\n\r\n${smuggled}${OK}" -v 2>&1)
assert_match "a POST body that looks like a request is a body" "^status 200 200" "$out"
assert_match "... the server got it as the body" "Host: www.allowed.test" "$out"
assert_eq "... and the request after it was judged and carried" 1 "$(server_saw '/hello$')"

# ---- interception: every request judged -----------------------------------------------

sj=(--allow allowed.test --allow '*.allowed.test' --deny www.allowed.test --secret K@allowed.test)
net_reset_logs
out=$(JT_EXTRA_ENV="K=$REAL" ej "${sj[@]}" -- $RAW send allowed.test 443 "GET /hello HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: $slen\r\n\r\n$smuggled" tls 2>&1)
assert_match "intercepted: a GET with a body is refused (400)" "^status 400" "$out"
assert_eq "... the server saw nothing" 0 "$(server_saw .)"
out=$(JT_EXTRA_ENV="K=$REAL" ej "${sj[@]}" -- $RAW send allowed.test 443 "GET /hello HTTP/1.1\r\nHost: www.allowed.test\r\n\r\n" tls 2>&1)
assert_match "intercepted: SNI allowed.test with Host www.allowed.test: 421" "^status 421" "$out"
out=$(JT_EXTRA_ENV="K=$REAL" ej "${sj[@]}" -- $RAW send allowed.test 443 "${OK}GET /hello HTTP/1.1\r\nHost: www.allowed.test\r\n\r\n" tls 2>&1)
assert_match "intercepted: ... pipelined after a request too" "^status 200 421" "$out"
out=$(JT_EXTRA_ENV="K=$REAL" ej "${sj[@]}" -- $RAW send allowed.test.jail.internal 80 "GET /hello HTTP/1.1\r\nHost: allowed.test.jail.internal\r\nContent-Length: $slen\r\n\r\n$smuggled" 2>&1)
assert_match "broker name: a GET with a body is refused (400)" "^status 400" "$out"
net_reset_logs
out=$(JT_EXTRA_ENV="K=$REAL" ej "${sj[@]}" -- $RAW send allowed.test.jail.internal 80 "${OK/allowed.test/allowed.test.jail.internal}${OK/allowed.test/allowed.test.jail.internal}" 2>&1)
assert_match "broker name: two pipelined requests are both answered" "^status 200 200$" "$out"
assert_eq "... each on an upstream connection of its own" 2 "$(grep -c " 443$" "$NET_DIR/conn.log")"
net_reset_logs
out=$(JT_EXTRA_ENV="K=$REAL" ej "${sj[@]}" -- $RAW send allowed.test 443 "GET /hello HTTP/1.1\r\nHost: allowed.test\r\nExpect: 100-continue\r\n\r\n${OK}" tls 2>&1)
assert_match "intercepted: a request with Expect, then another: both answered" "^status (100 )?200 200$" "$out"
assert_eq "... the first alone on its upstream connection" 2 "$(grep -c " 443$" "$NET_DIR/conn.log")"
net_reset_logs
out=$(JT_EXTRA_ENV="K=$REAL" ej "${sj[@]}" -- $RAW send allowed.test.jail.internal 80 "${OK/allowed.test/allowed.test.jail.internal}GET /hello HTTP/1.1\r\nHost: www.allowed.test\r\n\r\n" 2>&1)
assert_match "broker name: a second request for another host: 421" "^status 200 421" "$out"
assert_eq "... the server saw the first only" 1 "$(server_saw .)"

# ---- ClientHellos: late or unreadable is refused ------------------------------------------

net_reset_logs
out=$(ej --allow allowed.test -- $RAW late allowed.test 2>&1)
assert_match "a ClientHello after 1.5 s of silence is refused" "^end reset" "$out"
assert_match "... logged with the reason" '"event":"net.deny",.*"reason":"a TLS ClientHello after the client was silent"' "$(cat "$LOG")"
assert_eq "... the server saw no request" 0 "$(server_saw .)"
net_reset_logs
out=$(JT_EXTRA_ENV="https_proxy=http://127.0.0.1:$NET_PROXY_PORT" ej --allow allowed.test -- $RAW late allowed.test 2>&1)
assert_match "with https_proxy: a late ClientHello is refused too" "^end reset" "$out"
assert_match "... the silent connection went to the proxy, not around it" "^CONNECT allowed.test:443 " "$(net_log proxy)"
net_reset_logs
for mode in two-sni nul dotdot dup-ext; do
	out=$(ej --allow allowed.test -- $RAW hello allowed.test "$mode" 2>&1)
	assert_match "a ClientHello the parser cannot read ($mode) is refused" "^end reset" "$out"
	assert_match "... logged: unreadable TLS ClientHello" '"reason":"unreadable TLS ClientHello"' "$(cat "$LOG")"
done
# The early dial may have connected to the server: none of their bytes
# may have reached it (a handshake that failed on bytes, not on the end)
assert_eq "... none reached the server" 0 "$(grep -c '^handshake 443 error$' "$NET_DIR/conn.log")"
net_reset_logs
out=$(ej --allow allowed.test -- $RAW hello allowed.test good 2>&1)
assert_eq "... while a readable one is carried (the server saw it)" 1 "$(grep -c ' 443$' "$NET_DIR/conn.log")"

# ---- names that are addresses in disguise ----------------------------------------------

for name in 3405803842 0xcb007142 0313.0.0161.0102 203.0.113.066; do
	out=$(ej --allow allowed.test --ask --approve-cmd true -- $RAW send allowed.test 80 "GET / HTTP/1.1\r\nHost: $name\r\n\r\n" 2>&1)
	assert_match "--ask: Host $name is refused" "^end (reset|eof)" "$out"
	assert_eq "... never asked about" 0 "$(events ask)"
	assert_match "... logged: not a host name" '"reason":"not a host name"' "$(cat "$LOG")"
done
out=$(ej --allow allowed.test --ask --approve-cmd true -- $RAW send allowed.test 443 "x" tls 0xcb007142 2>&1)
assert_match "--ask: SNI 0xcb007142 is refused" "^end reset" "$out"
assert_eq "... never asked about" 0 "$(events ask)"
out=$(ej --allow allowed.test --ask --approve-cmd true -- $RAW dns 3405803842 2>&1)
assert_match "--ask: a DNS query for 3405803842 is answered NXDOMAIN" "^rcode 3 answers 0" "$out"
assert_eq "... never asked about" 0 "$(events ask)"
out=$(ej --allow allowed.test --ask --approve-cmd true -- $RAW dns dnsonly.test 2>&1)
assert_match "--ask: a real name is still asked about" "^rcode 0 answers 1" "$out"

# ---- a held push through the broker's plain-HTTP name ---------------------------------------

SRV="$NET_DIR/git/repo.git"
rm -rf "$SRV"
mkdir -p "$NET_DIR/git"
git init -q --bare -b main "$SRV" && git -C "$SRV" config http.receivepack true &&
	git -C "$NET_DIR/src" push -q "$SRV" main:main
chmod -R a+rwX "$NET_DIR/git"
INIT=$(git -C "$SRV" rev-parse refs/heads/main)
cat >"$proj/push.sh" <<'EOF'
rm -rf clone
git clone -q "$1" clone || { echo "clone failed"; exit 1; }
cd clone || exit 1
echo change >>README
git -c user.name=t -c user.email=t@t commit -qam change
git push origin HEAD:main 2>&1
echo "push rc=$?"
EOF
chown "$JT_USER:" "$proj/push.sh"
net_reset_logs
out=$(JT_EXTRA_ENV="K=$REAL" ej --allow allowed.test --secret K@allowed.test --hold-push allowed.test \
	--ask --approve-cmd false --ask-timeout 10 -- sh push.sh http://allowed.test.jail.internal/git/repo.git 2>&1)
assert_nomatch "broker name: a clone works" "clone failed" "$out"
assert_match "broker name: a push to a held host is held and denied" "push rc=[1-9]" "$out"
assert_eq "... the server's branch did not move" "$INIT" "$(git -C "$SRV" rev-parse refs/heads/main)"
assert_match "... it was asked about as a push" '"event":"ask",.*"kind":"push"' "$(cat "$LOG")"
assert_nomatch "... receive-pack never reached the server" "git POST /repo.git/git-receive-pack" "$(net_log git)"

# ---- the log and the connection table are bounded ----------------------------------------

out=$(ej --allow allowed.test -- sh -c 'for i in $(seq 30); do curl -s -o /dev/null --max-time 5 http://allowed.test/hello; done; echo done' 2>&1)
assert_eq "30 connections in a minute: net.allow written twice" 2 "$(events net.allow)"
assert_match "... the second counts the other 29 with their bytes" '"event":"net.allow","host":"allowed.test","port":80,"count":29,"bytes_up":[1-9][0-9]*,"bytes_down":[1-9]' "$(cat "$LOG")"

out=$(ej --allow allowed.test --log-max 4k -- sh -c 'for i in $(seq 60); do curl -s -o /dev/null --max-time 2 http://denied$i.test/; done; echo done' 2>&1)
assert_eq "--log-max 4k: one log.truncated" 1 "$(events log.truncated)"
assert_match "... the exit event still comes last" '"event":"exit"' "$(tail -1 "$LOG")"
size=$(stat -c %s "$LOG")
if [ "$size" -le 4096 ]; then
	t_pass "... the log stays within its bound ($size bytes)"
else
	t_fail "... the log stays within its bound" "$size bytes"
fi
out=$(ej --allow allowed.test --log-max 1 -- true 2>&1)
assert_match "--log-max below 4k is refused" "^jail: --log-max \"1\": " "$out"

out=$(ej --allow allowed.test --net-idle-timeout 2 -- $RAW idle allowed.test 2>&1)
assert_match "--net-idle-timeout 2: an idle kept-alive connection is closed" "^closed after ([2-5])\." "$out"

out=$(ej --allow allowed.test --max-connections 4 -- $RAW many allowed.test 4 2>&1)
assert_match "--max-connections 4: the fifth is refused" "^end (reset|eof)" "$out"
assert_match "... logged: too many connections" '"event":"net.deny",.*"reason":"too many connections"' "$(cat "$LOG")"
out=$(ej --allow allowed.test --max-connections 4 -- $RAW many allowed.test 2 2>&1)
assert_match "... below the cap it is carried" "^status 200" "$out"
