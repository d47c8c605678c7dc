#!/bin/bash
# SPDX-License-Identifier: MIT
# t-logview.sh - jail log renders real audit logs for a person, jail ps
# lists running jails
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

# The registry's /dev/shm/jail-UID fallback is tried in a mount namespace
# of this file's own with a /dev/shm of its own: the machine's one may be
# in use by jails of the same user
if [ -z "${LV_INNER:-}" ] && [ "$(id -u)" = 0 ]; then
	LV_INNER=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
own_shm=
[ -n "${LV_INNER:-}" ] && mount -t tmpfs -o mode=1777 lv-shm /dev/shm &&
	own_shm=1

proj=$(mkproj logview)
cd "$proj" || exit 1
logdir="$JT_HOME/.local/state/jail/log"
rm -rf "$logdir"
own="$JT_HOME/logview.jsonl"
rm -f "$own"

# jl ARGS...: jail log/ps as $JT_USER, outside any jail, bounded in time
jl() { as_user timeout -k 5 30 "$JAIL" "$@"; }

rundir=$(jail_runtime_dir)

# --- a log with a refused call, a protected path created, then a timeout
# (exec events have their own tests in t-record.sh)
jail --seccomp-log --no-exec-log --log "$own" -- \
	sh -c 'unshare -U true 2>/dev/null; echo x >.envrc; true' 2>/dev/null
# A protected path can no longer be created from inside (it is held by a
# placeholder), so the event the renderer must show is written here, in
# the writer's format, before that jail's exit line
id=$(head -1 "$own" | sed -n 's/.*"jail":"\([0-9a-f]*\)".*/\1/p')
ts0=$(head -1 "$own" | sed -n 's/.*"ts":"\([^"]*\)".*/\1/p')
{
	head -n -1 "$own"
	printf '{"ts":"%s","jail":"%s","event":"fs.protected_created","path":"%s/.envrc"}\n' \
		"$ts0" "$id" "$proj"
	tail -n 1 "$own"
} >"$own.new" && mv "$own.new" "$own"
chown "$JT_USER:" "$own"
jail --no-exec-log --log "$own" --timeout 1 -- sleep 30 2>/dev/null
out=$(jl log "$own" 2>&1); rc=$?
assert_eq "jail log FILE exits 0" 0 "$rc"
ts='[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'
assert_match "the first line names the log" "^log $own$" \
	"$(printf '%s\n' "$out" | head -1)"
assert_match "a header names each jail" "^jail [0-9a-f]{16} on [0-9]{4}-[0-9]{2}-[0-9]{2}$" "$out"
assert_eq "one header per jail in the file" 2 \
	"$(printf '%s\n' "$out" | grep -Ec '^jail [0-9a-f]{16} on ')"
assert_match "start: time, command, project" \
	"^$ts  start +sh -c unshare -U true 2>/dev/null; echo x >\.envrc; true +project $proj, network " "$out"
assert_match "syscall.deny: syscall, process, decision" \
	"^$ts  syscall\.deny +unshare by unshare \(pid [0-9]+\) +denied$" "$out"
assert_match "fs.protected_created: path and warning" \
	"^$ts  fs\.protected_created +$proj/\.envrc +warning: created during the run$" "$out"
assert_match "exit: status" "^$ts  exit +status 0$" "$out"
assert_match "exit by --timeout: status and reason" \
	"^$ts  exit +status 124 +timeout$" "$out"
assert_match "totals: events, allowed, denied by kind, warnings" \
	"^6 events: 0 allowed, 1 denied \(syscall 1\), 1 warning$" \
	"$(printf '%s\n' "$out" | tail -1)"

# Times are local: the same log read in another time zone
first_ts=$(head -1 "$own" | sed 's/^{"ts":"\([^"]*\)".*/\1/')
want=$(TZ=Asia/Kolkata date -d "$first_ts" +%H:%M:%S).${first_ts:20:3}
got=$(JT_EXTRA_ENV=TZ=Asia/Kolkata jl log "$own" | grep -E ' start ' |
	head -1 | cut -c1-12)
assert_eq "times are shown in local time (TZ)" "$want" "$got"

# --json passes the file through byte for byte
jl log --json "$own" >"$STAGE/lv-json.$JT_USER"
if cmp -s "$own" "$STAGE/lv-json.$JT_USER"; then
	t_pass "--json output is byte-identical to the log"
else
	t_fail "--json output is byte-identical to the log" "differs"
fi

# --- ID: the default log directory, a prefix of the ID, the newest log
jail --no-exec-log -- sh -c 'exit 3'
sleep 0.05
jail --no-exec-log -- true
# The log names are hex IDs: ls by time is safe here
# shellcheck disable=SC2012
newest=$(ls -t "$logdir"/*.jsonl | head -1)
# shellcheck disable=SC2012
oldest=$(ls -t "$logdir"/*.jsonl | tail -1)
id=$(basename "$oldest" .jsonl)
out=$(jl log "$id" 2>&1); rc=$?
assert_eq "jail log ID exits 0" 0 "$rc"
assert_match "jail log ID reads \$XDG_STATE_HOME/jail/log/ID.jsonl" \
	"^log $oldest$" "$out"
assert_match "jail log ID shows that jail" "^jail $id on " "$out"
assert_match "jail log ID shows its exit" "exit +status 3$" "$out"
assert_match "jail log ID: totals" "^2 events: 0 allowed, 0 denied$" \
	"$(printf '%s\n' "$out" | tail -1)"
assert_match "a unique prefix of an ID is enough" "^jail $id on " \
	"$(jl log "${id:0:12}" 2>&1)"
assert_match "jail log alone shows the newest log" "^log $newest$" \
	"$(jl log 2>&1 | head -1)"
assert_eq "jail log --json ID is the file" "$(cat "$oldest")" \
	"$(jl log --json "$id")"

# --- lines that do not parse are shown, counted, and never fatal
bad="$JT_HOME/logview-bad.jsonl"
{
	head -2 "$own"
	echo 'not json at all'
	head -c 5000 /dev/zero | tr '\0' 'x'; echo
	printf '{"ts":"2026-11-22T05:00:00.123Z","jail":"x","event":"exit",'
	echo
	sed -n '3,$p' "$own"
	printf '{"ts":"2026-11-22T05:00:00.123Z","jail":"x"'
} >"$bad"
chown "$JT_USER:" "$bad"
out=$(jl log "$bad" 2>&1); rc=$?
assert_eq "a corrupted log still exits 0" 0 "$rc"
assert_match "a non-JSON line is named by its number" \
	"^\(unreadable line 3\)$" "$out"
assert_match "an over-long line is unreadable" "^\(unreadable line 4\)$" "$out"
assert_match "a cut line is unreadable" "^\(unreadable line 5\)$" "$out"
assert_match "a last line without newline is read too" \
	"^\(unreadable line 10\)$" "$out"
assert_match "the other events are still shown" \
	"syscall\.deny +unshare by unshare" "$out"
assert_match "unreadable lines are counted in the totals" \
	"^6 events: 0 allowed, 1 denied \(syscall 1\), 1 warning; 4 unreadable lines$" \
	"$(printf '%s\n' "$out" | tail -1)"
jl log --json "$bad" >"$STAGE/lv-json.$JT_USER"
if cmp -s "$bad" "$STAGE/lv-json.$JT_USER"; then
	t_pass "--json passes a corrupted log through unchanged"
else
	t_fail "--json passes a corrupted log through unchanged" "differs"
fi

# --- values from inside the jail cannot drive the terminal
esc="$JT_HOME/logview-esc.jsonl"
rm -f "$esc"
jail --log "$esc" -- sh -c "true '$(printf '\033]0;owned\007\033[2J\342\200\256')'"
out=$(jl log "$esc" 2>&1)
if printf '%s' "$out" | LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]'; then
	t_fail "control characters from the jail are escaped" \
		"$(printf '%s' "$out" | od -c | head -3)"
else
	t_pass "control characters from the jail are escaped"
fi
assert_match "escapes are shown readably" \
	"true '\\\\x1b]0;owned\\\\x07\\\\x1b\\[2J\\\\u202e'" "$out"

# --- bytes up and down of net.allow, and denials of several kinds
net="$JT_HOME/logview-net.jsonl"
cp "$own" "$net"
cat >>"$net" <<'EOF'
{"ts":"2026-11-22T05:00:01.000Z","jail":"00000000000000aa","event":"net.allow","host":"api.example.test","ip":"203.0.113.7","port":443,"bytes_up":1536,"bytes_down":3145728}
{"ts":"2026-11-22T05:00:02.000Z","jail":"00000000000000aa","event":"net.deny","host":"evil.test","port":443,"reason":"not allowed"}
{"ts":"2026-11-22T05:00:03.000Z","jail":"00000000000000aa","event":"dns.deny","name":"leak.evil.test","reason":"not allowed"}
{"ts":"2026-11-22T05:00:04.000Z","jail":"00000000000000aa","event":"secret.leak","secret":"GITHUB_TOKEN","where":"evil.test"}
EOF
chown "$JT_USER:" "$net"
out=$(jl log "$net" 2>&1)
assert_match "net.allow: host:port, address, bytes up and down" \
	"net\.allow +api\.example\.test:443 \(203\.0\.113\.7\) +allowed, up 1\.5 KiB, down 3\.0 MiB$" "$out"
assert_match "net.deny: host:port and reason" \
	"net\.deny +evil\.test:443 +denied: not allowed$" "$out"
assert_match "dns.deny: the name" "dns\.deny +leak\.evil\.test +denied: not allowed$" "$out"
assert_match "secret.leak: the secret's name and where it went" \
	"secret\.leak +GITHUB_TOKEN to evil\.test +denied$" "$out"
assert_match "totals count allowed and denied by kind" \
	"^10 events: 1 allowed, 4 denied \(syscall 1, net 1, dns 1, secret 1\), 1 warning$" \
	"$(printf '%s\n' "$out" | tail -1)"

# --- bad input: one line, exit 125
chk_err()
{
	local name=$1 re=$2 out rc
	shift 2
	out=$(jl "$@" 2>&1 >/dev/null); rc=$?
	assert_eq "$name: exit 125" 125 "$rc"
	assert_match "$name: one line" "^jail: $re" "$out"
	[ "$(printf '%s\n' "$out" | wc -l)" = 1 ] ||
		t_fail "$name: exactly one line" "$out"
}
chk_err "unknown jail ID" 'log "0123456789abcdef": no such jail ID' \
	log 0123456789abcdef
chk_err "missing file" "log \"$JT_HOME/none.jsonl\": No such file" \
	log "$JT_HOME/none.jsonl"
chk_err "a directory" "log \"$JT_HOME\": Is a directory" log "$JT_HOME"
chk_err "unknown option" 'log: unknown option "--bogus"' log --bogus
chk_err "two arguments" "log: one ID or FILE at most" log a b
chk_err "jail ps with an argument" "ps: takes no arguments" ps x
fifo="$JT_HOME/logview.fifo"
rm -f "$fifo"
mkfifo "$fifo"
chown "$JT_USER:" "$fifo"
chk_err "a FIFO is refused, not waited on" \
	"log \"$fifo\": not a regular file" log "$fifo"
rm -f "$fifo"
emptyhome="$STAGE/lv-empty-$JT_USER"
mkdir -p "$emptyhome/state"
chown -R "$JT_USER:" "$emptyhome"
out=$(JT_EXTRA_ENV="XDG_STATE_HOME=$emptyhome/state" jl log 2>&1); rc=$?
assert_eq "no logs at all: exit 125" 125 "$rc"
assert_match "no logs at all: says where it looked" \
	"^jail: log: no audit logs in \"$emptyhome/state/jail/log\"" "$out"

# --- jail ps: a running jail is listed, then gone when it ends
out=$(jl ps 2>&1); rc=$?
assert_eq "jail ps exits 0" 0 "$rc"
assert_match "jail ps prints its columns" \
	"^ID +PID +STARTED +COMMAND +ALLOWED +DENIED$" "$out"
jail --seccomp-log -- sh -c 'unshare -U true 2>/dev/null; sleep 5' \
	</dev/null >/dev/null 2>&1 &
bg=$!
ps_row() { jl ps 2>/dev/null | grep -E '^[0-9a-f]{16} '; }
# shellcheck disable=SC2317 # called through wait_until
ps_denied() { ps_row | grep -Eq ' sh +0 +1$'; }
if wait_until 10 ps_denied; then
	t_pass "jail ps lists the running jail with its denial"
else
	t_fail "jail ps lists the running jail with its denial" "$(jl ps 2>&1)"
fi
row=$(ps_row)
rid=$(printf '%s' "$row" | awk '{print $1}')
rpid=$(printf '%s' "$row" | awk '{print $2}')
assert_match "jail ps: ID, PID, STARTED" \
	'^[0-9a-f]{16} +[0-9]+ +[0-9]{2}:[0-9]{2}:[0-9]{2} +sh ' "$row"
assert_eq "jail ps: PID is jail's supervisor" "$JAIL" \
	"$(readlink "/proc/$rpid/exe" 2>/dev/null)"
if [ -n "$rid" ] && [ -f "$logdir/$rid.jsonl" ]; then
	t_pass "jail ps: the ID names the jail's log"
else
	t_fail "jail ps: the ID names the jail's log" "no $logdir/$rid.jsonl"
fi
wait "$bg"
assert_eq "jail ps lists nothing once it ended" "" "$(ps_row)"

# --- no runtime directory: the registry is a private /dev/shm/jail-UID;
# one that is not ours alone is never used, the state directory is
shmdir="/dev/shm/jail-$JT_UID"	# in this file's own /dev/shm
if [ -z "$own_shm" ]; then
	t_skip "no XDG_RUNTIME_DIR: the /dev/shm/jail-UID registry" \
		"needs root for a /dev/shm of this test's own"
else
staterun="$JT_HOME/.local/state/jail/run"
export JT_EXTRA_ENV="XDG_RUNTIME_DIR=$JT_HOME/.no-runtime-dir"
# shellcheck disable=SC2317 # called through wait_until
ps_sleep() { ps_row | grep -q ' sleep '; }
jail -- sleep 3 </dev/null >/dev/null 2>&1 &
bg=$!
if wait_until 10 ps_sleep; then
	t_pass "no XDG_RUNTIME_DIR: jail ps lists the running jail"
else
	t_fail "no XDG_RUNTIME_DIR: jail ps lists the running jail" "$(jl ps 2>&1)"
fi
rid=$(ps_row | awk '{print $1}')
assert_eq "no XDG_RUNTIME_DIR: the registry is /dev/shm/jail-UID, mode 0700" \
	"700 $JT_USER" "$(stat -c '%a %U' "$shmdir" 2>&1)"
assert_eq "no XDG_RUNTIME_DIR: the running jail's entry is there" "$rid.run" \
	"$(cd "$shmdir" && ls -- "$rid.run" 2>&1)"
wait "$bg"
rm -rf "$shmdir"
mkdir -m 0777 "$shmdir"
chown 65534 "$shmdir"
rm -rf "$staterun"
jail -- sleep 3 </dev/null >/dev/null 2>&1 &
bg=$!
if wait_until 10 ps_sleep; then
	t_pass "a squatted /dev/shm/jail-UID: jail ps still lists the jail"
else
	t_fail "a squatted /dev/shm/jail-UID: jail ps still lists the jail" \
		"$(jl ps 2>&1)"
fi
assert_eq "a squatted /dev/shm/jail-UID: nothing is written there" "" \
	"$(ls -A "$shmdir" 2>&1)"
assert_match "a squatted /dev/shm/jail-UID: the entry is in the state dir" \
	'^[0-9a-f]{16}\.run$' "$(ls "$staterun" 2>&1)"
wait "$bg"
rmdir "$shmdir"
unset JT_EXTRA_ENV
fi

# A stale entry (its supervisor is gone) is skipped and removed
sh -c 'exit 0' &
dead=$!
wait "$dead"
mkdir -p "$rundir"
printf '{"ts":"2026-11-22T05:00:00.000Z","jail":"00000000000000bb","event":"run","pid":%d,"command":"stale","project":"/","log":"/nonexistent"}\n' \
	"$dead" >"$rundir/00000000000000bb.run"
chown -R "$JT_USER:" "$rundir"
assert_nomatch "a stale entry is not listed" "stale" "$(jl ps 2>&1)"
if [ -e "$rundir/00000000000000bb.run" ]; then
	t_fail "a stale entry's file is removed" "still there"
else
	t_pass "a stale entry's file is removed"
fi

# A refused name counts once, whatever query types asked for it
dnslog="$STAGE/lv-dns.$JT_USER.jsonl"
for t in A AAAA HTTPS A; do
	printf '{"ts":"2026-12-04T10:00:00.000Z","jail":"00000000000000aa","event":"dns.deny","name":"Evil.test","qtype":"%s","reason":"not allowed"}\n' "$t"
done >"$dnslog"
printf '{"ts":"2026-12-04T10:00:00.100Z","jail":"00000000000000aa","event":"dns.deny","name":"other.test","qtype":"A","reason":"not allowed"}\n' >>"$dnslog"
chmod 644 "$dnslog"
out=$(jl log "$dnslog" 2>&1)
assert_match "jail log: one denial per refused name, not per query type" \
	"^5 events: 0 allowed, 2 denied \(dns 2\)$" "$out"
assert_eq "... while every query is still listed" 5 \
	"$(printf '%s\n' "$out" | grep -c 'dns.deny')"
rm -f "$dnslog"

# The home is shared with the other tests: leave no logs behind
rm -rf "$logdir" "$own" "$bad" "$esc" "$net" "$emptyhome" \
	"$STAGE/lv-json.$JT_USER"
exit 0
