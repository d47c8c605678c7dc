#!/bin/bash
# SPDX-License-Identifier: MIT
# t-faults.sh - a jail's worst day: its forwarder or its supervisor killed
# in the middle of a transfer, COMMAND killed by a signal, a full project,
# the terminal closed under it, a log that cannot be written, clients that
# say nothing or one byte a second. Nothing may be left behind, and no
# way out may stay open.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj faults)
cd "$proj" || exit 1
# Logs outside the project, where the jail cannot forge them
logs="$STAGE/faults-logs-$JT_USER"
rm -rf "$logs"
mkdir -p "$logs"
chown "$JT_USER:" "$logs"
MOUNTS=()
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup()
{
	local m
	for m in "${MOUNTS[@]}"; do
		umount -l "$m" 2>/dev/null
	done
	net_cleanup
}
trap cleanup EXIT

# The links of this test's own namespace (H), before any jail ran
LINKS=$(ip -o link show | awk -F': ' '{ print $2 }' | sort | paste -sd ' ')

# ---- helpers ---------------------------------------------------------------

# bg_jail OUT ERR ARGS...: start jail ARGS as $JT_USER in the background;
# BG is the pid of its `timeout`, SUP the jail supervisor (its child)
bg_jail()
{
	local out=$1 err=$2
	shift 2
	as_user timeout -k 5 60 "$JAIL" "$@" >"$out" 2>"$err" &
	BG=$!
	SUP=
	wait_until 10 find_sup
}

# find_sup: SUP, the first process named jail below $BG (a subshell, then
# timeout)
# shellcheck disable=SC2317 # run through wait_until
find_sup()
{
	SUP=$(pid_below "$BG" jail)
	[ -n "$SUP" ]
}

# jail_parts: set FWD (the forwarder), INIT (pid 1 of the jail) and CMD
# (COMMAND), children of $SUP; fails until COMMAND exists
# shellcheck disable=SC2317 # also run through wait_until
jail_parts()
{
	FWD=$(pgrep -P "$SUP" -x jail-fwd)
	INIT=$(pgrep -P "$SUP" -f '^jail-init' | head -1)
	CMD=
	[ -n "$INIT" ] && CMD=$(pgrep -P "$INIT" | head -1)
	[ -n "$CMD" ]
}

# ns_ids PID...: the mount and network namespaces of each PID
ns_ids()
{
	local p
	for p in "$@"; do
		readlink "/proc/$p/ns/mnt" "/proc/$p/ns/net" 2>/dev/null
	done | sort -u
}

# ns_held ID...: print each namespace ID (net:[N], mnt:[N]) that anything
# on the host still holds: a process inside it, a descriptor or a bind
# mount of it
ns_held()
{
	local id held
	held=$( (for l in /proc/[0-9]*/ns/mnt /proc/[0-9]*/ns/net \
		/proc/[0-9]*/fd/*; do readlink "$l"; done 2>/dev/null
		grep -ho 'nsfs [^ ]*\|[a-z]*:\[[0-9]*\]' /proc/[0-9]*/mountinfo \
			2>/dev/null) | sort -u)
	for id in "$@"; do
		printf '%s\n' "$held" | grep -qxF "$id" && echo "$id"
	done
}

# alive PID...: print those still running
alive()
{
	local p
	for p in "$@"; do
		[ -d "/proc/$p" ] && ! grep -q '^State:.*Z' "/proc/$p/status" \
			2>/dev/null && echo "$p"
	done
}

# none_alive PID...: true when none of them runs
# shellcheck disable=SC2317 # run through wait_until
none_alive()
{
	[ -z "$(alive "$@")" ]
}

# none_held ID...: true when nothing holds any of these namespaces
# shellcheck disable=SC2317 # run through wait_until
none_held()
{
	[ -z "$(ns_held "$@")" ]
}

# nothing_left NAME PIDS NSIDS: within 10 s, no process, namespace or link
# of the jail remains
nothing_left()
{
	local name=$1 pids=$2 nsids=$3
	# shellcheck disable=SC2086 # word lists
	if wait_until 10 none_alive $pids; then
		t_pass "$name: no jail process is left"
	else
		# shellcheck disable=SC2086
		t_fail "$name: no jail process is left" "$(ps -o pid=,comm= -p "$(alive $pids | paste -sd ,)" | paste -sd ' ')"
	fi
	# shellcheck disable=SC2086
	if wait_until 10 none_held $nsids; then
		t_pass "$name: no mount or network namespace is left"
	else
		# shellcheck disable=SC2086
		t_fail "$name: no mount or network namespace is left" "$(ns_held $nsids | paste -sd ' ')"
	fi
	assert_eq "$name: no veth is left in the host's namespace" "$LINKS" \
		"$(ip -o link show | awk -F': ' '{ print $2 }' | sort | paste -sd ' ')"
}

# ms: a monotonic clock in milliseconds
ms() { echo $(($(date +%s%N) / 1000000)); }

BIG=/bytes/1000000000	# at 1 MB/s, the transfer outlasts every test

# start_transfer NAME: a filtered jail downloading $BIG; sets SUP, FWD,
# INIT, CMD, PIDS and NSIDS
start_transfer()
{
	net_reset_logs
	rm -f "$logs/$1.jsonl"
	WHY="no jail process"
	bg_jail "$proj/$1.out" "$proj/$1.err" --log "$logs/$1.jsonl" \
		--allow allowed.test -- curl -sS -o /dev/null --limit-rate 1M \
		"http://allowed.test$BIG" || return 1
	WHY="COMMAND did not become curl"
	wait_until 20 cmd_is curl || return 1
	WHY="the request did not reach the server"
	wait_until 20 grep -q "$BIG" "$NET_DIR/http.log" || return 1
	sleep 0.5
	WHY="no forwarder"
	wait_until 10 fwd_up || return 1
	PIDS=$(descendants "$SUP" | paste -sd ' ')
	# The jail's own namespaces: pid 1 is in the gateway's network
	# namespace G, COMMAND in J; both in the jail's mount namespace
	NSIDS=$(ns_ids "$INIT" "$CMD" | grep -vxF "$(ns_ids $$)" | paste -sd ' ')
	WHY="forwarder [$FWD], namespaces [$NSIDS]"
	[ -n "$FWD" ] && [ "$(echo "$NSIDS" | wc -w)" = 3 ]
}

# stop_bg: kill what bg_jail started, if it still runs
stop_bg()
{
	# shellcheck disable=SC2046 # a list of pids
	kill -KILL $(descendants "$BG") 2>/dev/null
	wait "$BG" 2>/dev/null
}

# fwd_up: jail_parts, and the forwarder runs under its own name (the
# jail does not wait for that before it starts COMMAND)
# shellcheck disable=SC2317 # run through wait_until
fwd_up()
{
	jail_parts && [ -n "$FWD" ]
}

# cmd_is NAME: jail_parts, and COMMAND has become NAME
# shellcheck disable=SC2317 # run through wait_until
cmd_is()
{
	jail_parts && [ "$(cat "/proc/$CMD/comm" 2>/dev/null)" = "$1" ]
}

# ---- the forwarder killed mid-transfer -----------------------------------

if start_transfer fwdkill; then
	t0=$(ms)
	kill -KILL "$FWD"
	wait "$BG"
	rc=$?
	t1=$(ms)
	assert_eq "forwarder killed: jail exits 125" 125 "$rc"
	assert_eq "forwarder killed: one line says why" \
		"jail: forwarder: stopped while the jail ran (signal 9); the jail was stopped with it, so it had no way out" \
		"$(cat "$proj/fwdkill.err")"
	if [ $((t1 - t0)) -lt 10000 ]; then
		t_pass "forwarder killed: the jail stops within 10 s"
	else
		t_fail "forwarder killed: the jail stops within 10 s" "$((t1 - t0)) ms"
	fi
	assert_match "forwarder killed: the log records exit 125" \
		'"event":"exit","status":125' "$(cat "$logs/fwdkill.jsonl")"
	nothing_left "forwarder killed" "$PIDS" "$NSIDS"
else
	t_fail "forwarder killed: a transfer through the jail" \
		"did not start: $WHY; $(head -3 "$proj/fwdkill.err")"
	stop_bg
fi

# ---- the supervisor killed mid-transfer ----------------------------------

if start_transfer supkill; then
	kill -KILL "$SUP"
	wait "$BG"
	rc=$?
	assert_eq "supervisor killed: it dies of SIGKILL" 137 "$rc"
	nothing_left "supervisor killed" "$PIDS" "$NSIDS"
else
	t_fail "supervisor killed: a transfer through the jail" \
		"did not start: $WHY; $(head -3 "$proj/supkill.err")"
	stop_bg
fi

# ---- COMMAND killed by a signal --------------------------------------------

for sig in TERM KILL SEGV ABRT INT; do
	n=$(kill -l "$sig")
	CMD=
	bg_jail "$proj/sig.out" "$proj/sig.err" --net none -- sleep 30 &&
		wait_until 20 cmd_is sleep
	if [ -n "$CMD" ]; then
		kill -s "$sig" "$CMD"
		wait "$BG"
		rc=$?
	else
		rc="no COMMAND: $(head -3 "$proj/sig.err")"
		stop_bg
	fi
	assert_eq "COMMAND killed by SIG$sig from the host: exit $((128 + n))" \
		$((128 + n)) "$rc"
	assert_eq "... and jail says nothing about it" "" "$(cat "$proj/sig.err")"
done
assert_status "COMMAND's own segmentation fault: exit 139" 139 \
	jail --net none -- python3 -c 'import ctypes; ctypes.string_at(0)'
assert_status "COMMAND's own abort(): exit 134" 134 \
	jail --net none -- python3 -c 'import os; os.abort()'
assert_status "COMMAND's own SIGINT: exit 130" 130 \
	jail --net none -- sh -c 'kill -s INT $$'

# ---- a full project ----------------------------------------------------------

full="$STAGE/full-$JT_USER"
mkdir -p "$full"
if mount -t tmpfs -o "size=1m,mode=0755,uid=$JT_UID,gid=$JT_GID" tmpfs "$full"; then
	MOUNTS+=("$full")
	echo keep >"$STAGE/full-$JT_USER.outside"
	cd "$full" || exit 1
	out=$(jail --net none -- sh -c 'dd if=/dev/zero of=big bs=64k count=64 2>&1; echo "rc=$?"')
	assert_match "full project: dd fails with ENOSPC inside" \
		"No space left on device" "$out"
	assert_match "full project: ... and sees its failure" "rc=1$" "$out"
	size=$(stat -c %s big 2>/dev/null || echo 0)
	if [ "$size" -le 1048576 ] && [ "$size" -gt 0 ]; then
		t_pass "full project: the file stops at the filesystem's size"
	else
		t_fail "full project: the file stops at the filesystem's size" "$size bytes"
	fi
	out=$(jail --net none -- sh -c 'echo x >more 2>&1 || echo refused; wc -c <big')
	assert_eq "full project: a jail still starts in it, writes fail" \
		"$(printf 'refused\n%s' "$size")" "$(printf '%s\n' "$out" | grep -v 'No space')"
	assert_eq "full project: nothing outside it changed" keep \
		"$(cat "$STAGE/full-$JT_USER.outside")"
	out=$(cd "$proj" && jail --net none -- sh -c 'echo fine')
	assert_eq "full project: another project is unaffected" fine "$out"
	cd "$proj" || exit 1
	umount "$full" && MOUNTS=()
else
	t_fail "full project" "cannot mount a tmpfs in the test's namespace"
fi

# ---- the terminal closed under a running jail -------------------------------

cat >"$proj/hangup.py" <<'EOF'
# Run jail on a fresh terminal; then close the terminal (mode "close") or
# send jail the SIGHUP a terminal emulator sends (mode "hup", which keeps
# the terminal open so its modes can be read afterwards).
import fcntl, os, select, signal, sys, termios, time
jail, mode = sys.argv[1], sys.argv[2]
m, s = os.openpty()
before = termios.tcgetattr(s)
pid = os.fork()
if pid == 0:
    os.setsid()
    fcntl.ioctl(s, termios.TIOCSCTTY, 0)
    for fd in (0, 1, 2):
        os.dup2(s, fd)
    os.closerange(3, 256)
    os.execv(jail, [jail, "--net", "none", "--", "sh", "-c",
        'trap "echo hup >hup.txt; exit 7" HUP; echo ready; '
        'i=0; while [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done; exit 3'])
out, t = b"", time.monotonic()
while b"ready" not in out and time.monotonic() - t < 20:
    if select.select([m], [], [], 0.2)[0]:
        out += os.read(m, 4096)
during = termios.tcgetattr(s)
if mode == "close":
    os.close(m)
else:
    os.kill(pid, signal.SIGHUP)
status, t = None, time.monotonic()
while status is None and time.monotonic() - t < 10:
    p, st = os.waitpid(pid, os.WNOHANG)
    if p:
        status = os.waitstatus_to_exitcode(st)
        break
    if mode != "close" and select.select([m], [], [], 0.05)[0]:
        try:
            os.read(m, 4096)
        except OSError:
            pass
    time.sleep(0.05)
print("ready" if b"ready" in out else "not-ready")
print("raw" if not during[3] & termios.ICANON else "cooked")
print("exit %s %.1f" % (status, time.monotonic() - t))
if mode != "close":
    print("restored" if termios.tcgetattr(s) == before else "changed")
EOF
chown "$JT_USER:" "$proj/hangup.py"

rm -f "$proj/hup.txt"
out=$(as_user timeout -k 5 40 python3 "$proj/hangup.py" "$JAIL" close 2>&1)
assert_eq "terminal closed: COMMAND was running on it in raw mode" \
	"$(printf 'ready\nraw')" "$(printf '%s\n' "$out" | head -2)"
assert_eq "terminal closed: SIGHUP reaches COMMAND" hup "$(cat "$proj/hup.txt" 2>/dev/null)"
assert_match "terminal closed: jail exits with COMMAND's status at once" \
	"^exit 7 [0-4]\.[0-9]$" "$(printf '%s\n' "$out" | sed -n 3p)"
rm -f "$proj/hup.txt"
out=$(as_user timeout -k 5 40 python3 "$proj/hangup.py" "$JAIL" hup 2>&1)
assert_eq "SIGHUP from the terminal: COMMAND gets it, jail exits, modes restored" \
	"$(printf 'ready\nraw\nrestored')" "$(printf '%s\n' "$out" | sed 3d)"
assert_match "SIGHUP from the terminal: jail exits with COMMAND's status" \
	"^exit 7 " "$(printf '%s\n' "$out" | sed -n 3p)"
assert_eq "SIGHUP from the terminal: COMMAND's trap ran" hup "$(cat "$proj/hup.txt" 2>/dev/null)"
left=$(pgrep -f "^$JAIL --net none -- sh -c trap" | paste -sd ' ')
assert_eq "terminal closed: no jail process is left" "" "$left"

# ---- a log that cannot be written ----------------------------------------------

ro="$STAGE/rolog-$JT_USER"
flog="$STAGE/fulllog-$JT_USER"
mkdir -p "$ro" "$flog"
if mount -t tmpfs -o ro,size=64k tmpfs "$ro" &&
	mount -t tmpfs -o "size=4k,mode=0777" tmpfs "$flog"; then
	MOUNTS+=("$ro" "$flog")
	rm -f "$proj/ran"
	err=$(jail --log "$ro/x.jsonl" -- touch "$proj/ran" 2>&1); rc=$?
	assert_eq "log on a read-only filesystem: exit 125" 125 "$rc"
	assert_eq "log on a read-only filesystem: one clear line" \
		"jail: audit log \"$ro/x.jsonl\": Read-only file system" "$err"
	err=$(JT_EXTRA_ENV="XDG_STATE_HOME=$ro/state" jail -- touch "$proj/ran" 2>&1); rc=$?
	assert_eq "default log directory not writable: exit 125" 125 "$rc"
	assert_match "default log directory not writable: one clear line" \
		"^jail: audit log \"$ro/state/jail/log/[0-9a-f]+\.jsonl\": Read-only file system$" "$err"
	# A filesystem with no room left: the log opens, its first line fails
	dd if=/dev/zero of="$flog/fill" bs=4k count=4 2>/dev/null
	err=$(jail --log "$flog/x.jsonl" -- touch "$proj/ran" 2>&1); rc=$?
	assert_eq "log on a full filesystem: exit 125" 125 "$rc"
	assert_eq "log on a full filesystem: one clear line" \
		"jail: audit log \"$flog/x.jsonl\": No space left on device" "$err"
	if [ -e "$proj/ran" ]; then
		t_fail "nothing runs without a log" "COMMAND ran"
	else
		t_pass "nothing runs without a log"
	fi
	umount "$ro" "$flog" && MOUNTS=()
else
	t_fail "unwritable log" "cannot mount a tmpfs in the test's namespace"
fi

# ---- silent and slow clients ---------------------------------------------------

cat >"$proj/slow.py" <<'EOF'
# From inside: N slow-loris clients (an HTTP request head, then one byte a
# second, never finished), one TLS ClientHello sent the same way, a silent
# client to an address the jail never resolved, a silent client to an
# allowed name, and meanwhile an ordinary request that must not wait.
import socket, sys, time, urllib.request
n = int(sys.argv[1])
ip = socket.gethostbyname("allowed.test")      # pins the name
t0 = time.monotonic()
loris = []
for i in range(n):
    s = socket.create_connection((ip, 80), timeout=5)
    s.setblocking(False)
    s.sendall(b"GET / HTTP/1.1\r\nHost: allowed.test\r\nX-Slow: ")
    loris.append([s, time.monotonic(), None])
tls = socket.create_connection((ip, 443), timeout=5)
tls.setblocking(False)
tls.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
loris.append([tls, time.monotonic(), None])
unpinned = socket.create_connection(("198.51.100.11", 80), timeout=5)
unpinned.settimeout(5)
t = time.monotonic()
try:
    r = unpinned.recv(1)
    print("unpinned closed %.1f" % (time.monotonic() - t))
except OSError as e:
    print("unpinned closed %.1f" % (time.monotonic() - t))
pinned = socket.create_connection((ip, 80), timeout=5)
t = time.monotonic()
body = urllib.request.urlopen("http://allowed.test/", timeout=5).read()
print("ordinary %.1f %s" % (time.monotonic() - t, body.split()[0].decode()))
sys.stdout.flush()
# One byte a second until the forwarder gives up on each (at most 20 s)
while any(c[2] is None for c in loris) and time.monotonic() - t0 < 20:
    for c in loris:
        if c[2] is not None:
            continue
        try:
            if c[0].recv(1) == b"":
                c[2] = time.monotonic() - c[1]
                continue
        except BlockingIOError:
            pass
        except OSError:
            c[2] = time.monotonic() - c[1]
            continue
        try:
            c[0].send(b"a")
        except OSError:
            c[2] = time.monotonic() - c[1]
    time.sleep(1)
done = [c[2] for c in loris if c[2] is not None]
print("slow closed %d of %d, after %.1f to %.1f s" % (len(done), len(loris),
      min(done or [0]), max(done or [0])))
pinned.setblocking(False)
try:
    print("pinned open" if pinned.recv(1) is None else "pinned closed")
except BlockingIOError:
    print("pinned open")
except OSError:
    print("pinned closed")
EOF
chown "$JT_USER:" "$proj/slow.py"

NSLOW=100
net_reset_logs
rm -f "$logs/slow.jsonl"
if bg_jail "$proj/slow.out" "$proj/slow.err" --log "$logs/slow.jsonl" \
	--allow allowed.test -- python3 "$proj/slow.py" "$NSLOW" &&
	wait_until 20 fwd_up; then
	fdmax=0
	for _ in $(seq 1 120); do
		[ -d "/proc/$FWD" ] || break
		p=$(find "/proc/$FWD/fd" -lname 'pipe:*' 2>/dev/null | wc -l)
		[ "$p" -gt "$fdmax" ] && fdmax=$p
		sleep 0.25
	done
	wait "$BG"
	out=$(cat "$proj/slow.out")
	assert_match "a silent client to an address never resolved is refused at once (within 5 s, not by the 10 s timeout)" \
		"^unpinned closed [0-4]\." "$out"
	assert_match "an ordinary request is not held up by the slow ones (within 5 s)" \
		"^ordinary [0-4]\.[0-9] hello" "$out"
	assert_match "slow-loris: the forwarder closes every one at its first-bytes timeout (10 s: not before 9 s, within 20 s)" \
		"^slow closed $((NSLOW + 1)) of $((NSLOW + 1)), after (9|1[0-9])\.[0-9] to (9|1[0-9])\.[0-9] s" "$out"
	assert_eq "slow-loris: each refusal is logged as such" $((NSLOW + 1)) \
		"$(grep -c '"reason":"no request in time"' "$logs/slow.jsonl")"
	assert_match "a silent client to an allowed name is relayed (server speaks first)" \
		"^pinned open" "$out"
	# The early dial connects to the server for each of them: what
	# counts is that no slow client's bytes reached it
	assert_eq "... the server got the ordinary request, nothing of a slow one" 1 \
		"$(grep -c "^req $NET_IP_ALLOWED 80 " "$NET_DIR/http.log")"
	# The forwarder's memory under these clients is a figure, not a
	# check: bench/slowloris prints it
	if [ "$fdmax" -le 64 ]; then
		t_pass "silent and slow clients hold no pipes ($fdmax pipe ends at most)"
	else
		t_fail "silent and slow clients hold no pipes" "$fdmax pipe ends"
	fi
else
	t_fail "slow-loris" "the jail did not start: $(head -3 "$proj/slow.err")"
	stop_bg
fi

# --- gateway rules that cannot be loaded: the jail fails closed, in one
# line. A wrapper refuses the jail every nf_tables netlink socket (a
# seccomp filter of its own, inherited by every process of the jail), the
# way a kernel or a policy without nf_tables would
stub="$proj/.nft-deny"
mkdir -p "$stub"
cat >"$stub/deny.c" <<'EOF_DENY'
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
int main(int argc, char **argv)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	if (argc < 2 || !ctx ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 2,
			     SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
			     SCMP_A2(SCMP_CMP_EQ, NETLINK_NETFILTER)) < 0 ||
	    seccomp_load(ctx) < 0)
		return 99;
	execv(argv[1], argv + 1);
	return 98;
}
EOF_DENY
if cc -o "$stub/deny" "$stub/deny.c" -lseccomp; then
	chown -R "$JT_USER:" "$stub"
	rm -f "$proj/ran"
	err=$(as_user timeout -k 5 60 "$stub/deny" "$JAIL" -- \
		touch "$proj/ran" 2>&1)
	rc=$?
	assert_eq "gateway rules refused: exit 125" 125 "$rc"
	assert_eq "gateway rules refused: one clear line" \
		"jail: network: install the gateway rules: Operation not permitted" \
		"$err"
	if [ -e "$proj/ran" ]; then
		t_fail "gateway rules refused: COMMAND never runs" "COMMAND ran"
	else
		t_pass "gateway rules refused: COMMAND never runs"
	fi
else
	t_fail "gateway rules refused" "cannot build the seccomp wrapper"
fi
rm -rf "$stub"

# ---- the forwarder's fence: a forbidden call kills it, and the jail ------

# fwd_call ARGS: make the running forwarder ($FWD) call syscall(ARGS), with
# gdb from outside, as root: to the filter it is the forwarder's own call
fwd_call()
{
	timeout -k 5 60 gdb -q -batch -nx -p "$FWD" \
		-ex "call (long)syscall($1)" -ex detach >/dev/null 2>&1
}

if ! command -v gdb >/dev/null; then
	t_fail "forwarder fence" "gdb is missing (make deps installs it)"
else
	rm -f "$proj/fence.err"
	bg_jail "$proj/fence.out" "$proj/fence.err" \
		--log "$logs/fence.jsonl" -- sleep 30
	if wait_until 10 fwd_up; then
		# The control: an allowed call leaves the forwarder and the
		# jail running, so what follows is the filter's doing
		fwd_call "39"	# getpid
		sleep 0.5
		if [ -n "$(alive "$FWD")" ] && [ -n "$(alive "$SUP")" ]; then
			t_pass "forwarder fence: an allowed call (getpid) is harmless"
		else
			t_fail "forwarder fence: an allowed call (getpid) is harmless" \
				"$(cat "$proj/fence.err")"
		fi
		fwd_call "165, 0, 0, 0, 0, 0"	# mount
		wait "$BG"
		rc=$?
		assert_eq "forwarder fence: mount() from the forwarder: jail exits 125" \
			125 "$rc"
		assert_eq "forwarder fence: ... the filter killed it (SIGSYS), one line says so" \
			"jail: forwarder: stopped while the jail ran (signal 31); the jail was stopped with it, so it had no way out" \
			"$(cat "$proj/fence.err")"
		assert_match "forwarder fence: ... the log records exit 125" \
			'"event":"exit","status":125' "$(cat "$logs/fence.jsonl")"
	else
		t_fail "forwarder fence: a jail with a forwarder" \
			"$(head -3 "$proj/fence.err")"
		stop_bg
	fi
fi

exit 0
