#!/bin/bash
# SPDX-License-Identifier: MIT
# t-load.sh - load: 50 jails of one user at once, each with its own
# forwarder and resolver in front of one shared test internet, all succeed
# and none sees another; then 1,000 concurrent keep-alive connections
# through one forwarder
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj load)
cd "$proj" || exit 1
logs="$STAGE/load-logs-$JT_USER"
rm -rf "$logs"
mkdir -p "$logs"
chown "$JT_USER:" "$logs"
# A known descriptor limit for jail and its forwarders, whatever the
# machine's default (the forwarder takes its hard limit)
ulimit -n 8192

# ---- 50 jails at once ----------------------------------------------------------

NJAILS=50
# Inside jail $1: resolve and fetch an allowed name, ask for a name only
# this jail asks for (refused), leave a mark in /tmp, then count the marks
# and the processes it can see
cat >"$proj/one.sh" <<'EOF'
n=$1
getent hosts allowed.test | cut -d' ' -f1
curl -sS --max-time 30 "http://allowed.test/hello?jail=$n"
getent hosts "denied-$n.test" >/dev/null || echo "denied-$n"
echo "$n" >"/tmp/mark-$n"
ls /tmp | grep -c '^mark-'
ps -e -o pid= | wc -l
EOF
chown "$JT_USER:" "$proj/one.sh"

net_reset_logs
t0=$(date +%s)
pids=()
for i in $(seq 1 "$NJAILS"); do
	as_user timeout -k 5 100 "$JAIL" --log "$logs/j$i.jsonl" \
		--allow allowed.test -- sh "$proj/one.sh" "$i" \
		>"$logs/j$i.out" 2>"$logs/j$i.err" &
	pids+=("$!")
done
failed=0
for i in $(seq 1 "$NJAILS"); do
	wait "${pids[$((i - 1))]}" || failed=$((failed + 1))
done
t1=$(date +%s)
assert_eq "$NJAILS jails at once: every one exits 0 (in $((t1 - t0)) s)" 0 "$failed"

bad=
for i in $(seq 1 "$NJAILS"); do
	want=$(printf '%s\n' "$NET_IP_ALLOWED" \
		"hello server=$NET_IP_ALLOWED port=80 host=allowed.test sni=-" \
		"denied-$i" 1)
	got=$(head -4 "$logs/j$i.out")
	[ "$got" = "$want" ] || bad="$bad j$i:[$(head -c 200 "$logs/j$i.out")$(head -c 200 "$logs/j$i.err")]"
done
assert_eq "each jail resolved, fetched and was refused what it asked for" "" "$bad"

bad=
for i in $(seq 1 "$NJAILS"); do
	n=$(sed -n 5p "$logs/j$i.out")
	[ -n "$n" ] && [ "$n" -le 6 ] || bad="$bad j$i:$n"
done
assert_eq "each jail sees only its own marks and processes" "" "$bad"

reqs=$(grep -o 'hello?jail=[0-9]*' "$NET_DIR/http.log" | sort -u | wc -l)
assert_eq "the test internet saw one request from each jail" "$NJAILS" "$reqs"

# Each log holds one jail's events: one id, its own refusal, nobody else's
bad=
ids=
for i in $(seq 1 "$NJAILS"); do
	f="$logs/j$i.jsonl"
	id=$(grep -o '"jail":"[^"]*"' "$f" | sort -u)
	ids="$ids$id
"
	[ "$(printf '%s\n' "$id" | wc -l)" = 1 ] || bad="$bad j$i:ids"
	grep -q '"event":"net.allow","host":"allowed.test"' "$f" ||
		bad="$bad j$i:no-net.allow"
	grep -q "\"event\":\"dns.deny\",\"name\":\"denied-$i.test\"" "$f" ||
		bad="$bad j$i:no-dns.deny"
	[ "$(grep -o 'denied-[0-9]*\.test' "$f" | sort -u)" = "denied-$i.test" ] ||
		bad="$bad j$i:foreign"
	[ "$(grep -o 'hello?jail=[0-9]*' "$f" | sort -u | grep -cv "=$i\$")" = 0 ] ||
		bad="$bad j$i:foreign-path"
done
assert_eq "each jail's log holds its own events only" "" "$bad"
assert_eq "every jail had its own id" "$NJAILS" \
	"$(printf '%s' "$ids" | sort -u | grep -c .)"

# ---- 1,000 connections through one forwarder --------------------------------------

NCONN=1000
cat >"$proj/many.py" <<'EOF'
# Open N keep-alive connections, all at once, then send two requests on
# each; print how many responses arrived whole
import selectors, socket, sys, time
n = int(sys.argv[1])
ip = socket.gethostbyname("allowed.test")
req = b"GET /hello HTTP/1.1\r\nHost: allowed.test\r\n\r\n"
t0 = time.monotonic()
socks = []
for i in range(n):
    s = socket.create_connection((ip, 80), timeout=20)
    s.sendall(req)
    s.setblocking(False)
    socks.append(s)
opened = time.monotonic() - t0


def read_all(deadline):
    sel = selectors.DefaultSelector()
    buf = {}
    for s in socks:
        sel.register(s, selectors.EVENT_READ)
        buf[s] = b""
    done = 0
    while done < len(socks) and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(s)
                continue
            buf[s] += data
            head, sep, body = buf[s].partition(b"\r\n\r\n")
            if not sep:
                continue
            length = 0
            for line in head.split(b"\r\n")[1:]:
                k, _, v = line.partition(b":")
                if k.strip().lower() == b"content-length":
                    length = int(v)
            if len(body) >= length and body.startswith(b"hello"):
                done += 1
                sel.unregister(s)
    sel.close()
    return done


first = read_all(time.monotonic() + 40)
for s in socks:
    try:
        s.setblocking(True)
        s.sendall(req)
        s.setblocking(False)
    except OSError:
        pass
second = read_all(time.monotonic() + 40)
print("opened %d in %.1f s" % (len(socks), opened))
print("first %d second %d in %.1f s" % (first, second, time.monotonic() - t0))
for s in socks:
    s.close()
EOF
chown "$JT_USER:" "$proj/many.py"

net_reset_logs
rm -f "$logs/many.jsonl"
t0=$(date +%s)
out=$(as_user timeout -k 5 110 "$JAIL" --log "$logs/many.jsonl" \
	--allow allowed.test --rlimit nofile=4096 -- \
	python3 "$proj/many.py" "$NCONN" 2>&1)
t1=$(date +%s)
assert_match "$NCONN connections open at once through one forwarder" \
	"^opened $NCONN in " "$out"
assert_match "... every one answers twice on the same connection (in $((t1 - t0)) s)" \
	"first $NCONN second $NCONN in " "$out"
assert_eq "... over $NCONN connections to the server" "$NCONN" \
	"$(grep -c "^conn $NET_IP_ALLOWED 80\$" "$NET_DIR/conn.log")"
# net.allow is counted per destination per minute: the first connection
# is an event of its own, the rest are one event with their "count"
assert_eq "... each counted in the log when it closed" "$NCONN" \
	"$(awk '/"event":"net.allow","host":"allowed.test"/ {
		n += match($0, /"count":[0-9]+/) ? substr($0, RSTART + 8, RLENGTH - 8) : 1
	} END { print n + 0 }' "$logs/many.jsonl")"
assert_match "... in a few lines, not one per connection" "^[1-9][0-9]?$" \
	"$(grep -c '"event":"net.allow","host":"allowed.test"' "$logs/many.jsonl")"
exit 0
