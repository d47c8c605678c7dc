#!/bin/bash
# SPDX-License-Identifier: MIT
# t-publish.sh - --publish: the host's 127.0.0.1:HOSTPORT reaches a server
# inside the jail through the forwarder, and nothing else does; run in a
# test network namespace (tests/netlib.sh), nothing leaves the machine
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj publish)
cd "$proj" || exit 1
net_workdir publish
trap 'cleanup_bg; net_cleanup' EXIT

HP=28080	# the host's port
IP=8000		# the port inside

# The server inside: listens on BIND:PORT, touches READY, then serves
# connections one at a time for at most 60 s or until READY.stop exists. A first line "echo WORDS"
# is answered "echo WORDS from PEER"; "big N" is followed by N bytes and
# answered with their sha256 and N bytes of its own; "quit" ends it.
cat >"$proj/srv.py" <<'PY'
import hashlib, os, socket, sys, time
bind, port, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((bind, port))
s.listen(64)
open(ready, "w").close()
end = time.time() + 60
s.settimeout(0.2)
while time.time() < end and not os.path.exists(ready + ".stop"):
    try:
        c, peer = s.accept()
    except socket.timeout:
        continue
    c.settimeout(10)
    data = b""
    try:
        while b"\n" not in data:
            b = c.recv(65536)
            if not b:
                break
            data += b
        line, _, rest = data.partition(b"\n")
        word = line.split(b" ")
        if word[0] == b"quit":
            c.sendall(b"bye\n")
            c.close()
            break
        if word[0] == b"big":
            n = int(word[1])
            while len(rest) < n:
                b = c.recv(65536)
                if not b:
                    break
                rest += b
            c.sendall(hashlib.sha256(rest).hexdigest().encode() + b"\n")
            c.sendall(bytes(i % 251 for i in range(n)))
        else:
            c.sendall(line + b" from " + peer[0].encode() + b"\n")
    except OSError:
        pass
    c.close()
PY
chmod a+r "$proj/srv.py"

# The host's client (the test namespace H, as the test runs):
# client ADDR PORT CMD: prints the answer, or the error's name
cat >"$work/client.py" <<'PY'
import hashlib, socket, sys
addr, port, cmd = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
try:
    s = socket.socket(fam)
    s.settimeout(10)
    s.connect((addr, port))
    if cmd.startswith("big "):
        n = int(cmd.split()[1])
        blob = bytes((i * 7) % 256 for i in range(n))
        s.sendall(cmd.encode() + b"\n" + blob)
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
        line, _, rest = data.partition(b"\n")
        ok_up = line.decode() == hashlib.sha256(blob).hexdigest()
        ok_down = rest == bytes(i % 251 for i in range(n))
        print("up=%s down=%s bytes=%d" % (ok_up, ok_down, len(rest)))
    else:
        s.sendall(cmd.encode() + b"\n")
        print(s.makefile("rb").readline().decode().strip() or "EOF")
except OSError as e:
    import errno
    print(errno.errorcode.get(e.errno, str(e)) if e.errno else type(e).__name__)
PY
client() { timeout 20 python3 "$work/client.py" "$@" 2>&1; }

# many N: N connections one after the other, from one process; prints
# how many were answered
cat >"$work/many.py" <<'PY'
import socket, sys
port, n, want = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ok = 0
for i in range(n):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        s.sendall(b"echo n%d\n" % i)
        if s.makefile("rb").readline().decode().strip() == "echo n%d from %s" % (i, want):
            ok += 1
        s.close()
    except OSError:
        pass
print(ok)
PY
many() { timeout 50 python3 "$work/many.py" $HP "$1" "$JAIL_GATEWAY_IP" 2>&1; }

# hold.py PORT: JAIL_PUBLISH_CONNS connections held open, then one more,
# which must end (reset or closed) within a few seconds; all are reset
cat >"$work/hold.py" <<'PY'
import socket, struct, sys, time
port = int(sys.argv[1])
held = []
for i in range(256):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    held.append(s)
time.sleep(1)
x = None
try:
    # The reset may come before connect() returns
    x = socket.create_connection(("127.0.0.1", port), timeout=5)
    extra = "open" if x.recv(1) else "closed"
except (ConnectionResetError, socket.timeout) as e:
    extra = "closed" if isinstance(e, ConnectionResetError) else "open"
print("held=%d extra=%s" % (len(held), extra))
for s in held + ([x] if x else []):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
PY

# ---- a server inside reached from the host ----------------------------------

rm -f "$proj/ready" "$proj/ready.stop"
bgj "$LOG" "$work/jail.out" --publish "$HP:$IP" -- \
	python3 "$proj/srv.py" 0.0.0.0 "$IP" "$proj/ready"
if wait_until 20 test -e "$proj/ready"; then
	out=$(client 127.0.0.1 $HP "echo hello")
	assert_eq "the host's 127.0.0.1:HOSTPORT reaches the server inside (from the gateway's address)" \
		"echo hello from $JAIL_GATEWAY_IP" "$out"
	out=$(client 127.0.0.1 $HP "big 3000000")
	assert_eq "3 MB go both ways whole" "up=True down=True bytes=3000000" "$out"
	for a in 198.51.100.1 203.0.113.1; do
		assert_eq "not published on the host's address $a" \
			ECONNREFUSED "$(client $a $HP "echo x")"
	done
	if ip -6 addr show dev lo 2>/dev/null | grep -q '::1'; then
		assert_eq "not published on the host's ::1 (the jail has no IPv6)" \
			ECONNREFUSED "$(client ::1 $HP "echo x")"
	fi
	assert_eq "the port inside is not published under its own number" \
		ECONNREFUSED "$(client 127.0.0.1 $IP "echo x")"
	# More connections than the pool holds sockets: each is given back
	assert_eq "300 connections one after another (sockets are reused)" \
		300 "$(many 300)"
	assert_match "net.publish names the host port, the peer and the port inside" \
		"\"event\":\"net.publish\".*\"host_port\":$HP,\"peer\":\"127.0.0.1\",\"peer_port\":[0-9]+,\"port\":$IP" \
		"$(grep -m1 net.publish "$LOG")"
	assert_eq "one net.publish per connection" 302 "$(events net.publish)"
	out=$(timeout 30 python3 "$work/hold.py" $HP 2>&1)
	assert_eq "at most 256 published connections at once: one more is reset at once" \
		"held=256 extra=closed" "$out"
	assert_match "... and logged" \
		'"event":"net.publish".*"error":"too many published connections open"' \
		"$(cat "$LOG")"
	touch "$proj/ready.stop"
	wait "${NET_BG[@]}"
	NET_BG=()
	assert_eq "the jail ran its server to the end" "" "$(cat "$work/jail.out")"
	assert_match "jail log shows the published connections" \
		"net\.publish +127\.0\.0\.1:$HP -> jail:$IP from 127\.0\.0\.1:[0-9]+" \
		"$(as_user "$JAIL" log "$LOG" 2>&1)"
	assert_eq "the listener is gone once the jail exited" \
		ECONNREFUSED "$(client 127.0.0.1 $HP "echo x")"
else
	t_fail "a server inside reached from the host" \
		"the server did not start: $(cat "$work/jail.out")"
	touch "$proj/ready.stop"
	wait "${NET_BG[@]}"
	NET_BG=()
fi

# ---- a server bound to 127.0.0.1 inside cannot be reached ------------------

rm -f "$proj/ready" "$proj/ready.stop"
bgj "$LOG" "$work/jail.out" --publish "$HP:$IP" -- \
	python3 "$proj/srv.py" 127.0.0.1 "$IP" "$proj/ready"
if wait_until 20 test -e "$proj/ready"; then
	out=$(client 127.0.0.1 $HP "echo hello")
	assert_match "a server bound to 127.0.0.1 inside is not reached" \
		"^(ECONNRESET|EOF)$" "$out"
	wait_until 5 grep -q '"error"' "$LOG"
	assert_match "... and the log says why" \
		'"event":"net.publish".*"error":"refused inside.*127\.0\.0\.1' \
		"$(grep '"error"' "$LOG")"
else
	t_fail "a server bound to 127.0.0.1 inside" "did not start: $(cat "$work/jail.out")"
fi
touch "$proj/ready.stop"
wait "${NET_BG[@]}"
NET_BG=()
rm -f "$proj/ready.stop"
assert_match "... and the exit line gives the hint" \
	"^jail: --publish: a connection was refused inside; a server bound to 127\.0\.0\.1 there cannot be reached, bind it to 0\.0\.0\.0" \
	"$(cat "$work/jail.out")"

# ---- the jail holds none of the sockets ---------------------------------------

# shellcheck disable=SC2016 # expanded inside the jail
out=$(nj --publish "$HP:$IP" -- sh -c 'for f in /proc/$$/fd/*; do readlink "$f"; done' 2>&1)
assert_match "the command runs" "^/dev/" "$out"
assert_nomatch "the command holds no socket (neither the listener nor the gateway's)" \
	"socket:" "$out"

# ---- bad values: one line, exit 125 -----------------------------------------

for v in 0 65536 99999999999 abc 80x 1:2:3 :80 80: -1 ""; do
	out=$(jail --publish "$v" -- true 2>&1)
	rc=$?
	assert_eq "--publish \"$v\": exit 125" 125 "$rc"
	assert_match "--publish \"$v\": one line naming --publish" \
		'^jail: --publish: ' "$out"
	assert_eq "--publish \"$v\": exactly one line" 1 "$(printf '%s\n' "$out" | wc -l)"
done

python3 -c '
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 28090))
s.listen(1)
open(sys.argv[1], "w").close()
time.sleep(30)' "$work/busy" &
busy=$!
NET_BG+=("$busy")
if wait_until 10 test -e "$work/busy"; then
	out=$(nj --publish 28090:80 -- true 2>&1)
	rc=$?
	assert_eq "a HOSTPORT in use on the host: exit 125" 125 "$rc"
	assert_match "... in one line that says so" \
		'^jail: --publish: 127\.0\.0\.1:28090 is already in use' "$out"
	assert_eq "... and nothing else" 1 "$(printf '%s\n' "$out" | wc -l)"
fi
stop_pids NET_BG

out=$(jail --net none --publish 8000 -- true 2>&1)
rc=$?
assert_eq "--publish with --net none: exit 125" 125 "$rc"
assert_match "... one line" '^jail: --publish: needs --net filtered' "$out"

out=$(jail --net host --publish 8000 -- echo ran 2>&1)
assert_match "--publish with --net host: a warning, the command runs" \
	'jail: --publish: ignored with --net host' "$out"
assert_match "... and runs" '^ran$' "$(printf '%s\n' "$out" | tail -1)"

out=$(jail --publish 3000 --publish 9000:8000 --explain -- true 2>&1)
assert_match "--explain shows what is published" \
	"publish +the host's 127\.0\.0\.1:3000 reaches TCP port 3000 inside" "$out"
assert_match "... with HOSTPORT:PORT" \
	"publish +the host's 127\.0\.0\.1:9000 reaches TCP port 8000 inside" "$out"
out=$(jail --publish 3000 --publish 3000:4000 -- true 2>&1)
assert_match "a host port published twice: refused" \
	'^jail: --publish: host port 3000 is published twice' "$out"
