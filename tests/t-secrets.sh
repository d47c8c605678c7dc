#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # $K and friends are expanded inside the jail
# t-secrets.sh - --secret: the jail holds a placeholder, the forwarder's
# broker puts the real value into requests to the bound host over verified
# TLS, and a placeholder sent anywhere else is refused; against the test
# internet (tests/netlib.sh), whose CA this file's mount namespace adds to
# the host's trust store
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"
# shellcheck source=tests/agentlib.sh
. "$(dirname "$0")/agentlib.sh"

net_start "$@"

proj=$(mkproj secrets)
cd "$proj" || exit 1
# Outside the project: the jail cannot write it
logdir="$STAGE/secrets-log-$JT_USER"
mkdir -p "$logdir"
chown "$JT_USER:" "$logdir"
LOG="$logdir/audit.jsonl"
ALL_LOGS="$STAGE/secrets-logs-$JT_USER"
: >"$ALL_LOGS"
# A fresh value per run; made on the host, never shown to the jail
REAL="sk-ant-api03-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# shellcheck disable=SC2034 # read by lib.sh's as_user
JT_EXTRA_ENV="K=$REAL"
BROKER=http://allowed.test.jail.internal

# sj ARGS... -- CMD: jail with the filtered network, the secret K bound to
# allowed.test and $LOG (emptied first, kept in $ALL_LOGS)
sj()
{
	local rc
	rm -f "$LOG"
	jail --net filtered --log "$LOG" --allow allowed.test \
		--secret K@allowed.test "$@"
	rc=$?
	cat "$LOG" >>"$ALL_LOGS" 2>/dev/null
	return $rc
}

# injects: the requests secret.inject stands for in $LOG (the first of a
# minute is an event of its own, the rest one event with their "count")
injects()
{
	awk '/"event":"secret.inject"/ {
		n += match($0, /"count":[0-9]+/) ? substr($0, RSTART + 8, RLENGTH - 8) : 1
	} END { print n + 0 }' "$LOG" 2>/dev/null
}

# echoed: what /echo received since the last call (the server's side: the
# jail reads the placeholder where the value was)
echoed()
{
	cat "$NET_DIR/echo.log" 2>/dev/null
	: >"$NET_DIR/echo.log"
}

# ---- the placeholder -----------------------------------------------------

ph=$(sj -- printenv K 2>&1)
assert_match "K holds a placeholder with the value's prefix" '^sk-ant-[A-Za-z0-9_-]{32,}$' "$ph"
assert_nomatch "the placeholder is not the value" "$REAL" "$ph"
ph2=$(sj -- printenv K 2>&1)
if [ -n "$ph" ] && [ "$ph" != "$ph2" ]; then
	t_pass "a fresh placeholder for every jail"
else
	t_fail "a fresh placeholder for every jail" "[$ph] [$ph2]"
fi

out=$(JT_EXTRA_ENV="" sj -- true 2>&1)
assert_match "a secret not set on the host is an error" "K: not set in the environment" "$out"
out=$(jail --net none --secret K@allowed.test -- true 2>&1)
assert_match "--secret needs the filtered network" "needs --net filtered" "$out"

# ---- an upstream the host does not trust --------------------------------

net_reset_logs
out=$(sj -- curl -sS --max-time 10 "$BROKER/echo" 2>&1)
assert_match "a certificate from an unknown CA is refused, the 502 names the cause" "cannot connect upstream to allowed.test:443: TLS failure upstream" "$out"
assert_match "... and logged as an error, not a denial" '"event":"net.error","host":"allowed.test","port":443,"error":"TLS failure upstream: ' "$(cat "$LOG")"
assert_eq "... and no request reached the server" "" "$(grep ' /echo' "$NET_DIR/http.log")"
out=$(sj -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" https://allowed.test/echo' 2>&1)
assert_match "intercepted TLS: the unknown CA is refused with a clear answer" "^jail: cannot connect upstream to allowed.test:443: TLS failure upstream: .*certificate" "$out"
assert_match "... and logged as an error, not a denial" '"event":"net.error","host":"allowed.test","port":443,"error":"TLS failure upstream: ' "$(cat "$LOG")"
assert_eq "... and no request reached the server" "" "$(grep ' /echo' "$NET_DIR/http.log")"

# The test CA joins the host's trust store, in this mount namespace only
net_trust_test_ca

# A name the server's certificate does not hold, at the same address
printf '%s\t%s\n' "$NET_IP_ALLOWED" wrongname.test >>"$NET_DIR/hosts"
out=$(jail --net filtered --allow wrongname.test --secret K@wrongname.test \
	-- curl -sS --max-time 10 http://wrongname.test.jail.internal/echo 2>&1)
assert_match "a certificate for another name is refused" "TLS failure upstream" "$out"
out=$(jail --net filtered --allow wrongname.test --secret K@wrongname.test \
	--log "$LOG" -- curl -sS --max-time 10 https://wrongname.test/echo 2>&1)
assert_match "intercepted TLS: a certificate for another name is refused" "^jail: cannot connect upstream to wrongname.test:443: TLS failure upstream: .*mismatch" "$out"
assert_match "... and logged as an error, not a denial" '"event":"net.error","host":"wrongname.test","port":443,"error":"TLS failure upstream: ' "$(cat "$LOG")"

# ---- brokered requests ---------------------------------------------------

net_reset_logs
out=$(sj -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" '"$BROKER"'/echo' 2>&1)
srv=$(echoed)
assert_match "the server gets the real value" "^x-api-key: $REAL\$" "$srv"
assert_match "... with Host set to the bound host" "^Host: allowed.test\$" "$out"
assert_match "... and Connection: close" "^Connection: close\$" "$out"
assert_match "secret.inject is logged" '"event":"secret.inject","name":"K","host":"allowed.test"' "$(cat "$LOG")"
assert_match "the server saw one request, over TLS" "^req $NET_IP_ALLOWED 443 allowed.test allowed.test /echo\$" "$(net_log http)"

out=$(sj -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" '"$BROKER/echo?1 $BROKER/echo?2" 2>&1)
srv=$(echoed)
assert_eq "two requests: each substituted on its own connection" 2 "$(printf '%s\n' "$srv" | grep -c "^x-api-key: $REAL\$")"
assert_eq "... two secret.inject (counted per minute)" 2 "$(injects)"

out=$(sj -- sh -c 'curl -sS --max-time 10 -u "user:$K" '"$BROKER"'/echo' 2>&1)
want=$(printf 'user:%s' "$REAL" | base64 -w0)
srv=$(echoed)
assert_match "Authorization: Basic is decoded, substituted, encoded" "^Authorization: Basic $want\$" "$srv"

out=$(sj -- sh -c 'printf "{\"k\":1}" | curl -sS --max-time 10 -H "Authorization: Bearer $K" -H "Content-Type: application/json" --data-binary @- '"$BROKER"'/echo' 2>&1)
assert_match "POST: the body arrives" '^\{"k":1\}$' "$out"
srv=$(echoed)
assert_match "POST: Bearer substituted" "^Authorization: Bearer $REAL\$" "$srv"

out=$(sj -- python3 -c '
import socket, time
s = socket.create_connection(("allowed.test.jail.internal", 80), timeout=10)
s.sendall(b"GET /sse?slow HTTP/1.1\r\nHost: allowed.test.jail.internal\r\n\r\n")
t, data, first = time.monotonic(), b"", None
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
    if first is None and b"data: one" in data:
        first = time.monotonic() - t
print("first=%s all=%.1f two=%s" % ("early" if first is not None and first < 4 else first,
      time.monotonic() - t, b"data: two" in data))' 2>&1)
# The server sends "two" 6 s after "one": "one" arrives well before it
assert_match "server-sent events stream through the broker (the first event within 4 s, not with the second)" "^first=early all=([6-9]|[1-9][0-9])\..* two=True" "$out"

net_reset_logs
out=$(JT_EXTRA_ENV="K=$REAL https_proxy=http://user:pa%40ss@127.0.0.1:$NET_PROXY_PORT" \
	sj -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" '"$BROKER"'/echo' 2>&1)
srv=$(echoed)
assert_match "with https_proxy set: substituted" "^x-api-key: $REAL\$" "$srv"
assert_eq "... and sent through the proxy with CONNECT" "CONNECT allowed.test:443 auth=ok" "$(net_log proxy)"
net_reset_logs
out=$(JT_EXTRA_ENV="K=$REAL https_proxy=http://user:pa%40ss@127.0.0.1:$NET_PROXY_PORT" \
	sj -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" https://allowed.test/echo' 2>&1)
srv=$(echoed)
assert_match "intercepted TLS with https_proxy set: substituted" "^x-api-key: $REAL\$" "$srv"
assert_eq "... and sent through the proxy with CONNECT" "CONNECT allowed.test:443 auth=ok" "$(net_log proxy)"

# streams_why ERRFILE: why a stream check came short, printed beside its
# failure: the forwarder's refusals and errors in $LOG by reason, and what
# jail and its forwarder wrote to stderr (an interception process that
# died, a sanitizer's report)
streams_why()
{
	echo "# $T_FILE [$JT_USER]: the log's events, by event and reason:"
	awk '{
		e = match($0, /"event":"[^"]*"/) ? substr($0, RSTART + 9, RLENGTH - 10) : "?"
		r = match($0, /"reason":"[^"]*"/) ? substr($0, RSTART + 10, RLENGTH - 11) : ""
		print e, r
	}' "$LOG" 2>/dev/null | sort | uniq -c | sed 's/^/#   /'
	echo "# stderr of jail and its forwarder:"
	head -n 40 "$1" 2>/dev/null | cut -c1-300 | tr -c '[:print:]\n' '?' |
		sed 's/^/#   /'
}

out=$(sj -- python3 -c '
import socket, time
ss = []
for i in range(70):
    s = socket.create_connection(("allowed.test.jail.internal", 80), timeout=15)
    s.sendall(b"GET /sse?slow HTTP/1.1\r\nHost: allowed.test.jail.internal\r\n\r\n")
    ss.append(s)
    time.sleep(0.01)
ok = 0
for s in ss:
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    ok += b"data: two" in data
print("streams=%d" % ok)' 2>"$STAGE/secrets-err-$JT_USER")
assert_eq "at most 64 brokered requests at once" "streams=64" "$out"
[ "$out" = streams=64 ] || streams_why "$STAGE/secrets-err-$JT_USER"
assert_match "... the others refused and logged" '"reason":"too many brokered requests"' "$(cat "$LOG")"
out=$(sj -- python3 -c '
import socket, ssl, time
ctx = ssl.create_default_context()
ss = []
for i in range(70):
    try:
        if i % 2:
            s = socket.create_connection(("allowed.test.jail.internal", 80), timeout=15)
            s.sendall(b"GET /sse?slow HTTP/1.1\r\nHost: allowed.test.jail.internal\r\n\r\n")
        else:
            s = ctx.wrap_socket(socket.create_connection(("allowed.test", 443), timeout=15),
                                server_hostname="allowed.test")
            s.sendall(b"GET /sse?slow HTTP/1.1\r\nHost: allowed.test\r\n\r\n")
        ss.append(s)
    except OSError:
        pass
    time.sleep(0.01)
ok = 0
for s in ss:
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    ok += b"data: two" in data
print("streams=%d" % ok)' 2>"$STAGE/secrets-err-$JT_USER")
assert_eq "intercepted connections and brokered requests share the 64 slots" "streams=64" "$out"
[ "$out" = streams=64 ] || streams_why "$STAGE/secrets-err-$JT_USER"

# ---- one interception process; a crash ends it, not the forwarder -------

# icpt_pids: the interception processes in this network namespace (the
# forwarder's, of the one jail running here)
icpt_pids()
{
	local p me
	me=$(readlink /proc/self/ns/net)
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = jail-tls ] || continue
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$me" ] || continue
		echo "${p#/proc/}"
	done | tr '\n' ' '
}
rm -f "$proj/crash-now" "$proj/crashed"
net_reset_logs
sj -- sh -c '
	code() { curl -sS --max-time 10 -o /dev/null -w "%{http_code}" -H "x-api-key: $K" "$1"; }
	a=$(code https://allowed.test/echo?1)
	b=$(code '"$BROKER"'/echo?2)
	: >crash-now
	i=0
	while [ ! -e crashed ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i + 1)); done
	c=$(code https://allowed.test/echo?3)
	d=$(code '"$BROKER"'/echo?4)
	echo "before=$a,$b after=$c,$d" >crash-out' >/dev/null 2>&1 &
bg=$!
before=
if wait_until 30 test -e "$proj/crash-now"; then
	before=$(icpt_pids)
	# A fault in one connection's thread ends the whole process
	for p in $before; do kill -SEGV "$p"; done
	wait_until 10 test -z "$(icpt_pids)"
fi
: >"$proj/crashed"
wait "$bg"
rc=$?
wait_until 5 test -z "$(icpt_pids)"
after=$(icpt_pids)
assert_match "one interception process serves intercepted and brokered connections" "^[0-9]+ \$" "$before"
assert_eq "after it crashed, the next connections are served by a fresh one" "before=200,200 after=200,200" "$(cat "$proj/crash-out" 2>/dev/null)"
assert_eq "... the forwarder and the jail lived on" 0 "$rc"
assert_eq "... and the fresh process ended with the jail" "" "$after"
assert_eq "... every request reached the server, substituted" 4 "$(echoed | grep -c "^x-api-key: $REAL\$")"
# Under the sanitizers their own handler takes the fault: it reports it
# and ends the process as their options say
how=SIGSEGV
grep -q __asan_init "$JAIL" && how='[^"]+'
assert_match "... and the log says how it ended" '"event":"net.intercept_ended".*"how":"'"$how"'","connections":[0-9]+' "$(cat "$LOG")"
assert_match "... which jail log shows" 'net\.intercept_ended +interception process: '"$how"', [0-9]+ connections? ended' "$(jail log "$LOG" 2>&1)"
rm -f "$proj/crash-now" "$proj/crashed" "$proj/crash-out"

secret_file="$STAGE/secret-$JT_USER.txt"
printf '%s-from-file\nsecond line\n' "$REAL" >"$secret_file"
chown "$JT_USER:" "$secret_file"
chmod 600 "$secret_file"
out=$(jail --net filtered --allow allowed.test --secret "F=@$secret_file@allowed.test" \
	-- sh -c 'curl -sS --max-time 10 -H "x-f: $F" '"$BROKER"'/echo' 2>&1)
srv=$(echoed)
assert_match "NAME=@FILE: the file's first line is the value" "^x-f: $REAL-from-file\$" "$srv"
cp "$secret_file" "$proj/key.txt"
out=$(jail --net filtered --allow allowed.test --secret "F=@$proj/key.txt@allowed.test" -- true 2>&1)
assert_match "a secret file visible inside the jail is refused" "visible inside the jail" "$out"
rm -f "$proj/key.txt"

# ---- TLS straight to the bound host: interception --------------------------

net_reset_logs
out=$(sj -- sh -c 'echo "env=$K"; curl -sS --max-time 10 -H "Authorization: Bearer $K" https://allowed.test/echo' 2>&1)
srv=$(echoed)
assert_match "TLS to the bound host: the server gets the real value" "^Authorization: Bearer $REAL\$" "$srv"
assert_match "... while the jail's environment holds the placeholder" "^env=sk-ant-[A-Za-z0-9_-]{32,}\$" "$out"
assert_nomatch "... and never the value" "^env=$REAL" "$out"
assert_match "... Host is the bound host" "^Host: allowed.test\$" "$out"
assert_nomatch "... and the interception process's stop at the end is no event" '"event":"net.intercept_ended"' "$(cat "$LOG")"
assert_match "... the server saw it over TLS with the real SNI" "^req $NET_IP_ALLOWED 443 allowed.test allowed.test /echo\$" "$(net_log http)"
assert_match "... secret.inject is logged" '"event":"secret.inject","name":"K","host":"allowed.test"' "$(cat "$LOG")"
assert_match "... net.allow says it was intercepted" '"event":"net.allow","host":"allowed.test",.*"requests":1,"via":"tls interception"' "$(cat "$LOG")"

net_reset_logs
out=$(sj -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" https://allowed.test/echo?1 https://allowed.test/echo?2' 2>&1)
srv=$(echoed)
assert_eq "two requests on one kept-alive connection: both substituted" 2 "$(printf '%s\n' "$srv" | grep -c "^x-api-key: $REAL\$")"
assert_eq "... over one connection to the server" 1 "$(grep -c ' 443$' "$NET_DIR/conn.log")"
assert_eq "... two secret.inject (counted per minute)" 2 "$(injects)"
assert_match "... one net.allow with two requests" '"requests":2,"via":"tls interception"' "$(cat "$LOG")"

out=$(sj -- sh -c 'curl -sS --max-time 10 -u "user:$K" https://allowed.test/echo' 2>&1)
want=$(printf 'user:%s' "$REAL" | base64 -w0)
srv=$(echoed)
assert_match "intercepted Basic auth: decoded, substituted, encoded" "^Authorization: Basic $want\$" "$srv"
assert_nomatch "... and the echo the jail reads holds no base64 of the value" "$want" "$out"
assert_match "... but a Basic credential still" "^Authorization: Basic [A-Za-z0-9+/=]{40,}\$" "$out"

out=$(sj -- sh -c 'curl -sS --max-time 10 --http2 -v -o /dev/null https://allowed.test/echo' 2>&1)
assert_match "HTTP/2 is not offered to the jail: http/1.1 is chosen" "ALPN: server accepted http/1.1" "$out"
assert_match "... the certificate the jail sees is the jail CA's" "issuer: CN=jail CA for this run only" "$out"

net_reset_logs
out=$(sj -- python3 -c '
import http.client, os, ssl
c = http.client.HTTPSConnection("allowed.test", timeout=10, context=ssl.create_default_context())
c.request("POST", "/echo", body=iter([b"abc", b"def"]), encode_chunked=True,
          headers={"x-api-key": os.environ["K"], "Transfer-Encoding": "chunked"})
print(c.getresponse().read().decode())
c.request("POST", "/echo", body=b"0123456789", headers={"x-two": os.environ["K"]})
print(c.getresponse().read().decode())
c.request("GET", "/echo", headers={"x-three": os.environ["K"]})
print(c.getresponse().read().decode())' 2>&1)
assert_match "a chunked body is followed to its end" "^abcdef\$" "$out"
srv=$(echoed)
assert_match "... the request after it is substituted too" "^x-two: $REAL\$" "$srv"
assert_match "... and the one after a Content-Length body" "^x-three: $REAL\$" "$srv"
assert_match "... python's ssl trusts the jail CA (SSL_CERT_FILE)" "^x-api-key: $REAL\$" "$srv"
assert_eq "... three requests, three secret.inject (counted per minute)" 3 "$(injects)"

out=$(sj -- python3 -c '
import os, urllib.request
r = urllib.request.Request("https://allowed.test/echo", headers={"x-api-key": os.environ["K"]})
print(urllib.request.urlopen(r, timeout=10).read().decode())' 2>&1)
srv=$(echoed)
assert_match "python urllib through interception" "^X-Api-Key: $REAL\$" "$srv"

if command -v node >/dev/null; then
	out=$(sj -- node -e '
fetch("https://allowed.test/echo", { headers: { "x-api-key": process.env.K } })
	.then((r) => r.text()).then((t) => console.log(t), (e) => console.log("error", e.cause || e))' 2>&1)
	srv=$(echoed)
	assert_match "node fetch through interception (NODE_EXTRA_CA_CERTS)" "^x-api-key: $REAL\$" "$srv"
else
	t_skip "node fetch through interception" "node is not installed"
fi

out=$(sj -- python3 -c '
import socket, ssl, time
s = ssl.create_default_context().wrap_socket(socket.create_connection(("allowed.test", 443), timeout=10), server_hostname="allowed.test")
s.sendall(b"GET /sse HTTP/1.1\r\nHost: allowed.test\r\n\r\n")
t, data, first = time.monotonic(), b"", None
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
    if first is None and b"data: one" in data:
        first = time.monotonic() - t
print("first=%s all=%.1f two=%s" % ("early" if first is not None and first < 1.5 else first,
      time.monotonic() - t, b"data: two" in data))' 2>&1)
assert_match "server-sent events stream through interception" "^first=early all=[2-9].* two=True" "$out"

# ---- what comes back from the bound host -----------------------------------

# Every request prints the jail's placeholder first, then the answer
for base in https://allowed.test "$BROKER"; do
	net_reset_logs
	out=$(sj -- sh -c 'echo "ph=$K"; curl -sS --max-time 10 -D - -H "x-api-key: $K" '"$base"'/reflect' 2>&1)
	ph=$(printf '%s\n' "$out" | sed -n 's/^ph=//p')
	assert_match "$base: the server got the value" "^reflect x-api-key: $REAL\$" "$(echoed)"
	assert_match "$base: the value sent back in a header reaches the jail as the placeholder" "^X-Reflect: $ph"$'\r'"\$" "$out"
	assert_match "... and in the body, twice" "^key=$ph again=$ph\$" "$out"
	assert_nomatch "... never the value" "$REAL" "$out"
	assert_match "... logged as secret.reflect" '"event":"secret.reflect","name":"K","host":"allowed.test"' "$(cat "$LOG")"
done
out=$(sj -- sh -c 'echo "ph=$K"; curl -sS --max-time 10 -H "x-api-key: $K" https://allowed.test/echo' 2>&1)
ph=$(printf '%s\n' "$out" | sed -n 's/^ph=//p')
assert_match "an echo of the request: the jail reads the placeholder" "^x-api-key: $ph\$" "$out"
assert_nomatch "... never the value" "$REAL" "$out"
assert_match "... and the server asked for no compression" "^Accept-Encoding: identity\$" "$(echoed)"

cat >"$proj/reflect.py" <<'PY'
import http.client, os, ssl, sys, time
c = http.client.HTTPSConnection("allowed.test", timeout=10, context=ssl.create_default_context())
for path in sys.argv[1:]:
    if path.startswith("pause="):
        time.sleep(float(path[6:]))
        continue
    c.request("GET", path, headers={"x-api-key": os.environ["K"]})
    r = c.getresponse()
    body = r.read()
    print(path, r.status, r.getheader("X-Reflect") == os.environ["K"],
          body == b"key=%s again=%s\n" % ((os.environ["K"].encode(),) * 2),
          os.environ["K"] in str(r.headers) + str(r.msg))
PY
chown "$JT_USER:" "$proj/reflect.py"
net_reset_logs
out=$(sj -- sh -c 'python3 '"$proj"'/reflect.py /reflect/split /reflect/chunked /reflect; curl -sS --max-time 10 --raw -H "x-api-key: $K" https://allowed.test/reflect/chunked; curl -sS --max-time 10 -H "x-api-key: $K" https://allowed.test/reflect/split' 2>&1)
assert_match "a value cut across two writes of the server: the placeholder, whole" "^/reflect/split 200 True True" "$out"
assert_match "a value cut by a chunk boundary: the placeholder, whole (kept-alive)" "^/reflect/chunked 200 True True" "$out"
assert_match "... and the answer after it on the same connection too" "^/reflect 200 True True" "$out"
assert_match "... the trailer's value replaced (raw chunked bytes)" "^X-Key: sk-ant-" "$out"
assert_nomatch "... never the value, in any of them" "$REAL" "$out"
assert_eq "... python's three requests over one connection to the server (and one for each curl)" 3 "$(grep -c ' 443$' "$NET_DIR/conn.log")"

# Quiet for longer than ICPT_TRIM_MS (2 s), the connection is parked
# without a thread; the request after it is relayed by a new one, with
# the same substitution both ways
net_reset_logs
out=$(sj -- python3 "$proj/reflect.py" /reflect pause=3.5 /reflect/chunked pause=3.5 /reflect 2>&1)
assert_eq "a kept-alive connection quiet past its park: each request substituted both ways" 3 "$(printf '%s\n' "$out" | grep -c "^/reflect[a-z/]* 200 True True")"
assert_nomatch "... never the value" "$REAL" "$out"
assert_eq "... over one connection to the server" 1 "$(grep -c ' 443$' "$NET_DIR/conn.log")"
assert_match "... one net.allow with three requests" '"event":"net.allow","host":"allowed.test",.*"requests":3,"via":"tls interception"' "$(cat "$LOG")"

out=$(sj -- sh -c 'curl -sS --max-time 10 -i -H "x-api-key: $K" https://allowed.test/reflect/gzip' 2>&1)
assert_match "a compressed answer from a bound host is refused (its value could hide in it)" "^HTTP/1.1 502 .*jail: a compressed answer" "$(printf '%s' "$out" | tr -d '\r' | tr '\n' ' ')"
assert_nomatch "... none of it reaches the jail" "Content-Encoding" "$out"
assert_match "... logged as net.error" '"event":"net.error","host":"allowed.test","port":443,"reason":"a compressed answer' "$(cat "$LOG")"

out=$(JT_EXTRA_ENV="K=short" sj -- true 2>&1)
assert_match "a value shorter than 8 bytes is refused (answers are searched for it)" "^jail: --secret K: the value is shorter than 8 bytes" "$out"

# ---- WebSocket through interception -------------------------------------------

# A real client (Debian's python3-websockets, for its own python3): three
# messages echoed, then "key" answered with the upgrade's x-api-key
if /usr/bin/python3 -c 'import websockets' 2>/dev/null; then
	cat >"$proj/ws.py" <<'PY'
import asyncio, os, sys, websockets
async def main(url):
    async with websockets.connect(url, extra_headers={"x-api-key": os.environ["K"]}) as ws:
        got = []
        for m in ("one", "two", "three", "key"):
            await ws.send(m)
            got.append(await ws.recv())
        print("echo=" + ",".join(got[:3]))
        print(got[3])
asyncio.run(main(sys.argv[1]))
PY
	chown "$JT_USER:" "$proj/ws.py"
	for url in wss://allowed.test/ws "ws://allowed.test.jail.internal/ws"; do
		net_reset_logs
		out=$(sj -- sh -c 'echo "ph=$K"; /usr/bin/python3 '"$proj/ws.py $url" 2>&1)
		ph=$(printf '%s\n' "$out" | sed -n 's/^ph=//p')
		assert_match "$url: python websockets exchanges several messages" "^echo=one,two,three\$" "$out"
		assert_match "... the upgrade carried the real value, no compression extension" "^upgrade x-api-key: $REAL ext=-\$" "$(net_log ws)"
		assert_match "... the value sent back in a frame reaches the jail as the placeholder" "^key=$ph\$" "$out"
		assert_nomatch "... never the value" "$REAL" "$out"
		assert_match "... secret.inject and secret.reflect logged" '"event":"secret.reflect","name":"K","host":"allowed.test"' "$(grep secret.inject "$LOG" >/dev/null && cat "$LOG")"
	done
	# (without the placeholder: in plain HTTP it would be refused as a leak)
	for url in wss://other.test/ws ws://other.test/ws; do
		out=$(sj --allow other.test -- env K=none /usr/bin/python3 "$proj/ws.py" "$url" 2>&1)
		assert_match "$url, a merely allowed host (spliced): messages too" "^echo=one,two,three\$" "$out"
	done
else
	t_skip "WebSocket through interception" "python3-websockets is not installed (make deps)"
fi

# ---- narrow tokens: a scope of methods and path prefixes -------------------

SC='K@allowed.test;methods=GET,POST;paths=/echo/in/'
# scj ARGS... -- CMD: as sj, with K narrowed by $SC
scj()
{
	local rc
	rm -f "$LOG"
	jail --net filtered --log "$LOG" --allow allowed.test --secret "$SC" "$@"
	rc=$?
	cat "$LOG" >>"$ALL_LOGS" 2>/dev/null
	return $rc
}
net_reset_logs
out=$(scj -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" https://allowed.test/echo/in/x; curl -sS --max-time 10 -d x=1 -H "x-api-key: $K" '"$BROKER"'/echo/in/' 2>&1)
assert_eq "inside its scope (GET and POST, under /echo/in/, TLS and broker): the server gets the value" 2 "$(echoed | grep -c "^x-api-key: $REAL\$")"
# Each of these would have carried the value before: none may now
for req in "-X PUT https://allowed.test/echo/in/x" \
	"https://allowed.test/echo/out" \
	"https://allowed.test/echo/inside" \
	"--path-as-is https://allowed.test/echo/in/../out" \
	"--path-as-is https://allowed.test/echo/in/%2e%2e/out" \
	"--path-as-is https://allowed.test/echo/in/%2E%2e/%2e%2e/echo/out" \
	"--path-as-is https://allowed.test/echo/in%2f..%2fout" \
	"--path-as-is https://allowed.test/echo/in//..//..//echo/out" \
	"--path-as-is https://allowed.test/echo/in/..%5cout" \
	"--path-as-is https://allowed.test/echo/in/%252e%252e/out" \
	"--path-as-is 'https://allowed.test/echo/in/x;/../../out'" \
	"$BROKER/echo/out"; do
	out=$(scj -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" '"$req" 2>&1)
	assert_match "outside its scope [$req]: refused" "^jail: secret K is not for this request on allowed.test \(its scope: methods GET,POST; paths /echo/in/\)" "$out"
	assert_eq "... nothing reached the server" "" "$(echoed)"
	assert_match "... logged as secret.scope" '"event":"secret.scope","name":"K","host":"allowed.test","method":"[A-Z]+","path":"' "$(cat "$LOG")"
done
assert_nomatch "... the value never reached the log" "$REAL" "$(cat "$ALL_LOGS")"
out=$(scj -- sh -c 'curl -sS --max-time 10 -H "x-other: 1" https://allowed.test/echo/out' 2>&1)
assert_match "outside its scope without the placeholder: the request goes on" "^x-other: 1\$" "$out"
out=$(scj -- python3 -c '
import http.client, os, ssl
c = http.client.HTTPSConnection("allowed.test", timeout=10, context=ssl.create_default_context())
c.request("GET", "/echo/in/a", headers={"x-api-key": os.environ["K"]})
r = c.getresponse()
r.read()
print(r.status)
c.request("DELETE", "/echo/in/a", headers={"x-api-key": os.environ["K"]})
print(c.getresponse().status)' 2>&1)
assert_eq "on one kept-alive connection: inside, then outside its scope" "200 403" "$(printf '%s' "$out" | tr '\n' ' ')"
assert_eq "... only the first reached the server with the value" 1 "$(echoed | grep -c "^x-api-key: $REAL\$")"

out=$(jail --explain --net filtered --secret "$SC" -- true 2>&1)
assert_match "--explain shows the scope" "secret +K .*allowed.test \(only methods GET,POST; paths /echo/in/\)" "$out"
for bad in 'K@allowed.test;methods=get' 'K@allowed.test;paths=echo/' \
	'K@allowed.test;paths=/a/../b/' 'K@allowed.test;paths=/a/%2e%2e/' \
	'K@allowed.test;methods=GET;methods=PUT' 'K@allowed.test;paths='; do
	out=$(jail --net filtered --secret "$bad" -- true 2>&1)
	rc=$?
	assert_eq "a bad scope [$bad]: one line, exit 125" "125 1" "$rc $(printf '%s\n' "$out" | wc -l)"
	assert_match "... naming the option" "^jail: --secret \"$(printf '%s' "$bad" | sed 's/[][\.*^$]/\\&/g')\": " "$out"
done
ucfg="$JT_HOME/.config/jail"
u mkdir -p "$ucfg"
printf 'secret %s\n' "$SC" | u sh -c "cat >'$ucfg/jail.conf'"
out=$(jail --explain --net filtered -- true 2>&1)
assert_match "the same grammar in jail.conf" "secret +K .*allowed.test \(only methods GET,POST; paths /echo/in/\)" "$out"
printf 'secret K@allowed.test;paths=/a/../\n' | u sh -c "cat >'$ucfg/jail.conf'"
out=$(jail --net filtered -- true 2>&1)
rc=$?
assert_eq "... a bad scope there: exit 125" 125 "$rc"
assert_match "... with the file and line" "^jail: $ucfg/jail.conf:1: --secret " "$out"
u rm -f "$ucfg/jail.conf"

# Request framing that two servers could read differently is refused
cat >"$proj/raw.py" <<'PY'
import socket, ssl, sys
s = ssl.create_default_context().wrap_socket(socket.create_connection(("allowed.test", 443), timeout=10), server_hostname="allowed.test")
s.sendall(sys.argv[1].encode().decode("unicode_escape").encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
print(data.decode(errors="replace").split("\r\n")[0])
PY
chown "$JT_USER:" "$proj/raw.py"
net_reset_logs
out=$(sj -- python3 "$proj/raw.py" 'POST /echo HTTP/1.1\r\nHost: allowed.test\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' 2>/dev/null)
assert_eq "Content-Length with Transfer-Encoding is refused" "HTTP/1.1 400 Bad Request" "$out"
out=$(sj -- python3 "$proj/raw.py" 'POST /echo HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n' 2>/dev/null)
assert_eq "a transfer coding other than chunked is refused" "HTTP/1.1 501 Not Implemented" "$out"
out=$(sj --allow other.test -- python3 "$proj/raw.py" 'GET /echo HTTP/1.1\r\nHost: other.test\r\n\r\n' 2>/dev/null)
assert_eq "a request for another Host on the bound host's connection is refused" "HTTP/1.1 421 Misdirected Request" "$out"
out=$(sj -- python3 "$proj/raw.py" 'CONNECT allowed.test:443 HTTP/1.1\r\nHost: allowed.test\r\n\r\n' 2>/dev/null)
assert_eq "CONNECT inside an intercepted connection is refused" "HTTP/1.1 405 Method Not Allowed" "$out"
assert_eq "... none of them reached the server" "" "$(net_log http)"
# The head has gone on by the time the body shows its framing: the
# request is cut off upstream, the jail gets the refusal
out=$(sj -- python3 "$proj/raw.py" 'POST /echo HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n' 2>&1)
assert_eq "a chunk size line ending in a bare LF is refused" "HTTP/1.1 400 Bad Request" "$out"

# A placeholder of a secret bound elsewhere, over intercepted TLS
net_reset_logs
out=$(JT_EXTRA_ENV="K=$REAL J=other-$REAL" sj --secret J@other.test --allow other.test -- sh -c 'curl -sS --max-time 10 -H "x-j: $J" https://allowed.test/echo' 2>&1)
assert_match "a foreign placeholder in an intercepted head is refused" "^jail: a secret's placeholder was sent to a host it is not bound to" "$out"
assert_match "... logged as secret.leak" '"event":"secret.leak","name":"J","where":"http-header","host":"allowed.test"' "$(cat "$LOG")"
out=$(JT_EXTRA_ENV="K=$REAL J=other-$REAL" sj --secret J@other.test --allow other.test -- sh -c 'curl -sS --max-time 10 -H "x-api-key: $K" --data-binary "{\"j\":\"$J\"}" https://allowed.test/echo' 2>&1)
assert_match "a foreign placeholder in an intercepted body is refused" "^jail: a secret's placeholder was sent to a host it is not bound to" "$out"
assert_match "... logged as secret.leak" '"event":"secret.leak","name":"J","where":"http-body","host":"allowed.test"' "$(cat "$LOG")"
out=$(JT_EXTRA_ENV="K=$REAL J=other-$REAL" sj --secret J@other.test --allow other.test -- python3 -c '
import http.client, os, ssl
c = http.client.HTTPSConnection("allowed.test", timeout=10, context=ssl.create_default_context())
j = os.environ["J"].encode()
c.request("POST", "/echo", body=iter([b"x" * 70000 + j[:10], j[10:]]), encode_chunked=True,
          headers={"Transfer-Encoding": "chunked"})
print(c.getresponse().status)' 2>/dev/null)
assert_eq "... also split over two chunks" 403 "$out"
out=$(JT_EXTRA_ENV="K=$REAL J=other-$REAL" sj --secret J@other.test --allow other.test -- sh -c 'python3 '"$proj/raw.py"' "POST /echo HTTP/1.1\r\nHost: allowed.test\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-J: $J\r\n\r\n"' 2>/dev/null)
assert_eq "... and in a chunked body's trailer" "HTTP/1.1 403 Forbidden" "$out"

# Another allowed host, no secret bound there: spliced end to end
net_reset_logs
out=$(sj --allow other.test -- sh -c 'curl -sS -v --max-time 10 -H "x-api-key: $K" https://other.test/echo' 2>&1)
assert_match "TLS to a host without a secret is spliced: the real certificate" "issuer: CN=jail-test-ca" "$out"
assert_match "... so the placeholder there is not seen (only intercepted hosts are scanned)" "^x-api-key: sk-ant-" "$out"
assert_nomatch "... and it is never the value" "$REAL" "$out"

# The bundle the jail trusts
out=$(sj -- sh -c 'for v in SSL_CERT_FILE NODE_EXTRA_CA_CERTS REQUESTS_CA_BUNDLE CURL_CA_BUNDLE GIT_SSL_CAINFO; do printenv $v; done | sort -u; grep -c "BEGIN CERTIFICATE" /etc/ssl/certs/ca-certificates.crt; grep -c "PRIVATE KEY" /etc/ssl/certs/ca-certificates.crt; echo x 2>/dev/null >>/etc/ssl/certs/ca-certificates.crt && echo writable' 2>&1)
assert_eq "the CA variables all name the system bundle path" "/etc/ssl/certs/ca-certificates.crt" "$(printf '%s\n' "$out" | grep '^/')"
n_host=$(grep -c "BEGIN CERTIFICATE" /etc/ssl/certs/ca-certificates.crt)
assert_eq "... the bundle is the host's and one more certificate" "$((n_host + 1))" "$(printf '%s\n' "$out" | sed -n 2p)"
assert_eq "... and holds no private key" 0 "$(printf '%s\n' "$out" | sed -n 3p)"
assert_nomatch "... and is read-only" writable "$out"
out=$(sj -- sh -c 'awk "/BEGIN CERT/ { c = \"\" } { c = c \$0 \"\\n\" } END { printf \"%s\", c }" /etc/ssl/certs/ca-certificates.crt | openssl x509 -noout -subject -ext basicConstraints,nameConstraints' 2>&1)
assert_match "... its last certificate is the jail CA" "subject=CN = jail CA for this run only" "$out"
assert_match "... a CA limited to the bound hosts" "Permitted:.*DNS:allowed.test" "$(printf '%s' "$out" | tr '\n' ' ')"
out=$(jail --net filtered -- sh -c 'echo "[${SSL_CERT_FILE:-}]"; grep -c "BEGIN CERTIFICATE" /etc/ssl/certs/ca-certificates.crt' 2>&1)
assert_eq "without a secret: no CA, no variables, the host's bundle" "[] $n_host" "$(printf '%s' "$out" | tr '\n' ' ')"

# ssl_maps: "COMM:N" for jail's supervisor and forwarder in this network
# namespace, N the libssl/libcrypto mappings each holds
ssl_maps()
{
	local p me comm
	me=$(readlink /proc/self/ns/net)
	for p in /proc/[0-9]*; do
		comm=$(cat "$p/comm" 2>/dev/null)
		[ "$comm" = jail ] || [ "$comm" = jail-fwd ] || continue
		[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$me" ] || continue
		echo "$comm:$(grep -c 'libssl\|libcrypto' "$p/maps" 2>/dev/null)"
	done | sort -u | tr '\n' ' '
}
# The jail lives long enough to be looked at on a busy machine (which may
# take seconds to start its forwarder); its lifetime bounds the loop
jail --net filtered -- sleep 15 >/dev/null 2>&1 &
bg=$!
deadline=$((SECONDS + 15))
out=
while [ "$SECONDS" -lt "$deadline" ]; do
	out=$(ssl_maps)
	case $out in *jail-fwd:*) break ;; esac
	sleep 0.1
done
wait "$bg"
assert_eq "without a secret: neither supervisor nor forwarder loads OpenSSL" "jail-fwd:0 jail:0 " "$out"
# As above: long enough for a busy machine, where one look at every
# process can take seconds
JT_EXTRA_ENV="K=$REAL" jail --net filtered --secret K@allowed.test -- sleep 15 >/dev/null 2>&1 &
bg=$!
deadline=$((SECONDS + 15))
out=
while [ "$SECONDS" -lt "$deadline" ]; do
	out=$(ssl_maps)
	case $out in *jail-fwd:*) break ;; esac
	sleep 0.05
done
wait "$bg"
assert_match "... with one, both have it loaded (the CA is made at start)" "^jail-fwd:[1-9][0-9]* jail:[1-9][0-9]* \$" "$out"

# ---- the value never enters the jail --------------------------------------

# Searches every process's environ and readable memory for the value
# without ever holding it whole: the halves are compared apart
cat >"$proj/scan.py" <<'EOF'
import os, re, sys
a, b = sys.argv[1].encode(), sys.argv[2].encode()
ph = os.environ["K"].encode()
found, ph_seen, scanned = [], 0, 0

def search(data, where):
    global ph_seen
    i = data.find(a)
    while i >= 0:
        if data[i + len(a):i + len(a) + len(b)] == b:
            found.append(where)
        i = data.find(a, i + 1)
    if ph in data:
        ph_seen += 1

for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        with open("/proc/%s/environ" % pid, "rb") as f:
            search(f.read(), pid + " environ")
        with open("/proc/%s/maps" % pid) as m, open("/proc/%s/mem" % pid, "rb", 0) as mem:
            for line in m:
                r = re.match(r"([0-9a-f]+)-([0-9a-f]+) r", line)
                if not r or "[vvar" in line or "[vsyscall" in line:
                    continue
                lo, hi = int(r.group(1), 16), int(r.group(2), 16)
                try:
                    mem.seek(lo)
                    search(mem.read(hi - lo), pid + " mem")
                except OSError:
                    pass
        scanned += 1
    except OSError:
        pass
print("scanned=%d found=%s placeholder_seen=%d" % (scanned, ",".join(found) or "none", ph_seen))
EOF
chown "$JT_USER:" "$proj/scan.py"
half=$(( ${#REAL} / 2 ))
out=$(sj -- sh -c 'curl -sS --max-time 10 -o /dev/null -H "x-api-key: $K" '"$BROKER"'/echo; sleep 30 & python3 '"$proj/scan.py ${REAL:0:$half} ${REAL:$half}"'; kill $!' 2>&1)
assert_match "no process in the jail holds the value (environ, memory)" "^scanned=[2-9][0-9]* found=none placeholder_seen=[1-9]" "$out"
out=$(sj -- sh -c 'curl -sS --max-time 10 -o /dev/null -H "x-api-key: $K" https://allowed.test/echo; sleep 30 & python3 '"$proj/scan.py ${REAL:0:$half} ${REAL:$half}"'; kill $!' 2>&1)
assert_match "... also after an intercepted request" "^scanned=[2-9][0-9]* found=none placeholder_seen=[1-9]" "$out"

sj -- sh -c 'env >"$PWD/env.txt"; cp /proc/self/environ "$PWD/environ.bin"; curl -sS --max-time 10 -o "$PWD/resp.txt" -H "x-api-key: $K" '"$BROKER"'/echo' >/dev/null 2>&1
assert_match "the jail wrote files holding the placeholder" "^K=sk-ant-" "$(grep '^K=' "$proj/env.txt")"
assert_eq "... none of them holds the value" "" "$(grep -rlF -e "$REAL" "$proj" --exclude=resp.txt)"

# ---- leaks are refused -----------------------------------------------------

net_reset_logs
out=$(sj --allow other.test -- sh -c 'curl -sS --max-time 5 -H "x-api-key: $K" http://other.test/echo' 2>&1)
assert_match "the placeholder to another host over HTTP is refused" "curl: \(5[26]\)" "$out"
assert_match "... logged as secret.leak" '"event":"secret.leak","name":"K","where":"http-header","host":"other.test"' "$(cat "$LOG")"
assert_eq "... and never reached the server" "" "$(net_log http)"

out=$(sj --allow other.test -- sh -c 'curl -sS --max-time 5 -u "me:$K" http://other.test/echo' 2>&1)
assert_match "... inside Basic credentials too" '"event":"secret.leak","name":"K","where":"http-header"' "$(cat "$LOG")"

# The resolver's own refusal is REFUSED (a name the server does not know
# is NXDOMAIN). Each jail has its own placeholder: it writes it out for the
# checks of the server's log. Positive control: a name under the same
# allowed suffix does reach the DNS server
net_reset_logs
ctl="ctl$$x$RANDOM.allowed.test"
out=$(sj --allow '*.allowed.test' -- sh -c 'printf %s "$K" >"$PWD/ph-dns"
	dig +tries=1 +time=3 @'"$JAIL_GATEWAY_IP"' "$K.allowed.test" A
	h=$(printf %s "$K" | cut -c1-30).$(printf %s "$K" | cut -c31-)
	dig +tries=1 +time=3 @'"$JAIL_GATEWAY_IP"' "$h.allowed.test" A
	dig +tries=1 +time=3 @'"$JAIL_GATEWAY_IP"' '"$ctl"' A' 2>&1)
phd=$(cat "$proj/ph-dns" 2>/dev/null)
assert_eq "the placeholder in a DNS name, whole or split over labels, is refused by the resolver" \
	"REFUSED REFUSED NXDOMAIN" "$(printf '%s\n' "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p' | paste -sd ' ')"
assert_eq "... both logged as secret.leak" 2 \
	"$(grep -c '"event":"secret.leak","name":"K","where":"dns"' "$LOG")"
assert_match "control: a name under the allowed suffix reaches the DNS server" \
	"^query $ctl 1\$" "$(net_log dns)"
if [ ${#phd} -ge 40 ] && ! grep -iqF -e "${phd:7:16}" -e "${phd:30:10}" \
	-e "${phd: -10}" "$NET_DIR/dns.log"; then
	t_pass "no DNS query carried any piece of this jail's placeholder"
else
	t_fail "no DNS query carried any piece of this jail's placeholder" \
		"[$phd] $(head -3 "$NET_DIR/dns.log")"
fi

out=$(jail --explain --net filtered --secret K@allowed.test -- true 2>&1)
assert_match "--explain names the secret and its base URL" "secret +K .*allowed.test.*http://allowed.test.jail.internal" "$out"

# ---- profiles ----------------------------------------------------------------

out=$(JT_EXTRA_ENV="ANTHROPIC_API_KEY=$REAL" jail --net filtered --profile claude -- sh -c 'echo "$ANTHROPIC_BASE_URL $ANTHROPIC_API_KEY"' 2>&1)
assert_match "claude profile: the key is brokered through the base URL" "^http://api.anthropic.com.jail.internal sk-ant-[A-Za-z0-9_-]{32,}\$" "$out"
out=$(JT_EXTRA_ENV="OPENAI_API_KEY=sk-proj-$REAL" jail --net filtered --profile codex -- sh -c 'echo "$OPENAI_BASE_URL $OPENAI_API_KEY"' 2>&1)
assert_match "codex profile: the same for OpenAI" "^http://api.openai.com.jail.internal/v1 sk-proj-[A-Za-z0-9_-]{32,}\$" "$out"
out=$(jail --net filtered --profile claude -- sh -c 'echo "[${ANTHROPIC_BASE_URL:-}] [${ANTHROPIC_API_KEY:-}]"' 2>&1)
assert_eq "... and nothing without a key on the host" "[] []" "$out"

# ---- a project's file may not bind secrets -----------------------------------

proj2=$(mkproj secrets-conf)
printf 'secret K@allowed.test\n' >"$proj2/.jail.conf"
chown "$JT_USER:" "$proj2/.jail.conf"
out=$(cd "$proj2" && as_user "$JAIL" trust --yes 2>&1)
assert_match "secret in a project's .jail.conf is refused" '"secret" is not allowed in a project'"'"'s .jail.conf' "$out"

# ---- a real client: Claude Code through the broker --------------------------

install_agents claude
CLAUDE=$BIN/claude
if [ -z "${WHY[claude]:-}" ]; then
	net_reset_logs
	rm -f "$LOG"
	out=$(JT_EXTRA_ENV="ANTHROPIC_API_KEY=$REAL ANTHROPIC_BASE_URL=http://allowed.test.jail.internal" \
		jail --net filtered --log "$LOG" --allow allowed.test \
		--secret ANTHROPIC_API_KEY@allowed.test --ro "${CLAUDE%/node_modules/*}" \
		-- "$CLAUDE" -p hi 2>&1)
	cat "$LOG" >>"$ALL_LOGS" 2>/dev/null
	assert_match "claude -p gets the test server's answer" "hello from the test server" "$out"
	assert_match "... and the server saw the real key" "^messages key=$REAL " "$(net_log api)"
	net_reset_logs
	rm -f "$LOG"
	out=$(JT_EXTRA_ENV="ANTHROPIC_API_KEY=$REAL ANTHROPIC_BASE_URL=https://allowed.test" \
		jail --net filtered --log "$LOG" --allow allowed.test \
		--secret ANTHROPIC_API_KEY@allowed.test --ro "${CLAUDE%/node_modules/*}" \
		-- "$CLAUDE" -p hi 2>&1)
	cat "$LOG" >>"$ALL_LOGS" 2>/dev/null
	assert_match "claude -p over TLS straight to the host (intercepted) gets the answer" "hello from the test server" "$out"
	assert_match "... and the server saw the real key" "^messages key=$REAL " "$(net_log api)"
	assert_match "... secret.inject logged" '"event":"secret.inject","name":"ANTHROPIC_API_KEY","host":"allowed.test"' "$(cat "$LOG")"
else
	t_skip_optional "claude -p through the broker" "${WHY[claude]}"
	t_skip_optional "claude -p through interception" "${WHY[claude]}"
fi

# ---- the log -----------------------------------------------------------------

if [ -s "$ALL_LOGS" ] && ! grep -qF "$REAL" "$ALL_LOGS"; then
	t_pass "the value never appears in the audit log"
else
	t_fail "the value never appears in the audit log" "$(grep -cF "$REAL" "$ALL_LOGS") lines"
fi
