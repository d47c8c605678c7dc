#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # $K and friends are expanded inside the jail
# t-ask.sh - --ask: connections to names no rule decides are held and
# answered out of band (--approve-cmd, jail approve/always/deny over the
# control socket, --ask-timeout); jail revoke; --hold-push; against the
# test internet (tests/netlib.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj ask)
cd "$proj" || exit 1
# Outside the project: the jail cannot write the logs
net_workdir ask
RUNDIR=$(jail_runtime_dir)

# pending_has HOST: jail pending lists HOST
pending_has()
{
	jctl pending 2>/dev/null | awk -v h="$1" '$3 == h { f = 1 } END { exit !f }'
}

trap 'cleanup_bg; net_cleanup' EXIT

install_timed "$proj"

# ---- options ----------------------------------------------------------------

out=$(jail --net none --ask -- true 2>&1)
assert_match "--ask needs the filtered network" "^jail: --ask: needs --net filtered" "$out"
assert_status "... exit 125" 125 jail --net none --ask -- true
out=$(jail --net filtered --approve-cmd true -- true 2>&1)
assert_match "--approve-cmd needs --ask" "^jail: --approve-cmd: needs --ask" "$out"
out=$(jail --net filtered --ask --ask-timeout 0 -- true 2>&1)
assert_match "--ask-timeout 0 is refused" "^jail: --ask-timeout \"0\": not a number of seconds" "$out"
out=$(jail --net filtered --ask --ask-timeout 5x -- true 2>&1)
assert_match "--ask-timeout with junk is refused" "not a number of seconds" "$out"
out=$(jail --net filtered --hold-push 'bad host!' -- true 2>&1)
assert_match "--hold-push needs a host name" "^jail: --hold-push \"bad host!\": not a host name" "$out"
out=$(jail --explain --net filtered --ask --ask-timeout 7 --hold-push Allowed.TEST -- true 2>&1)
assert_match "--explain shows --ask and its timeout" "ask +names no rule decides are held and asked; denied after 7 s" "$out"
assert_match "--explain shows --hold-push, normalised" "hold +allowed.test: git over SSH" "$out"
printf 'approve-cmd true\n' >"$proj/.jail.conf"
chown "$JT_USER:" "$proj/.jail.conf"
out=$(jctl trust --yes 2>&1)
assert_match "a project's .jail.conf cannot set --approve-cmd" '"approve-cmd" is not allowed in a project'"'"'s .jail.conf' "$out"
rm -f "$proj/.jail.conf"

# ---- CLI errors ------------------------------------------------------------

out=$(jctl approve 2>&1)
assert_match "jail approve without HOST is a usage error" "^jail: approve: usage: jail approve \[ID\] HOST" "$out"
assert_status "... exit 125" 125 jctl approve
out=$(jctl approve nothing.test 2>&1)
assert_match "jail approve with nothing pending says so" "^jail: approve \"nothing.test\": no running jail of yours has a request for it pending; see jail pending" "$out"
assert_status "... exit 125" 125 jctl approve nothing.test
assert_status "jail pending with no jail: exit 0" 0 jctl pending
out=$(jctl revoke 'not a name' 2>&1)
assert_match "jail revoke checks the name" "not a secret's name" "$out"

# ---- --approve-cmd ---------------------------------------------------------

cat >"$work/approve.sh" <<EOF
#!/bin/sh
env | grep '^JAIL_' | sort >"$work/env-\$JAIL_ASK_HOST"
[ "\$JAIL_ASK_HOST" = allowed.test ] || [ "\$JAIL_ASK_HOST" = dnsonly.test ]
EOF
chmod 755 "$work/approve.sh"
chown "$JT_USER:" "$work/approve.sh"

net_reset_logs
out=$(nj --ask --approve-cmd "$work/approve.sh" -- sh -c '
	curl -sS --max-time 20 http://allowed.test/; echo
	python3 '"$proj"'/timed.py http://secret.evil.test/' 2>&1)
assert_match "approve-cmd exit 0: the request gets the server's answer" "^hello server=$NET_IP_ALLOWED port=80 host=allowed.test" "$out"
fails_within "approve-cmd exit 1: the request fails promptly" 5 "$(printf '%s\n' "$out" | grep '^fail')"
env_a=$(cat "$work/env-allowed.test" 2>/dev/null)
assert_match "approve-cmd gets JAIL_ASK_HOST" "^JAIL_ASK_HOST=allowed.test$" "$env_a"
assert_match "... JAIL_ASK_KIND" "^JAIL_ASK_KIND=connect$" "$env_a"
assert_match "... JAIL_ASK_PORT" "^JAIL_ASK_PORT=80$" "$env_a"
assert_match "... JAIL_ASK_DETAIL" "^JAIL_ASK_DETAIL=http$" "$env_a"
assert_match "... JAIL_ID, the jail's ID" "^JAIL_ID=[0-9a-f]{16}$" "$env_a"
assert_match "ask is logged with kind, host, port and detail" '"event":"ask","seq":1,"kind":"connect","host":"allowed.test","port":80,"detail":"http"' "$(cat "$LOG")"
assert_match "ask.answer allow by cmd is logged" '"event":"ask.answer","seq":1,"kind":"connect","host":"allowed.test","port":80,"answer":"allow","by":"cmd"' "$(cat "$LOG")"
assert_match "ask.answer deny by cmd is logged" '"event":"ask.answer",.*"host":"secret.evil.test","port":80,"answer":"deny","by":"cmd"' "$(cat "$LOG")"
assert_match "the denied connection is logged as net.deny" '"event":"net.deny","host":"secret.evil.test",.*"reason":"denied when asked \(cmd\)"' "$(cat "$LOG")"
assert_nomatch "the DNS server never saw the denied name" "evil" "$(net_log dns)"
assert_eq "no dns.deny for a name held for asking" 0 "$(events dns.deny)"

out=$(nj --ask --approve-cmd "$work/approve.sh" -- sh -c '
	python3 '"$proj"'/timed.py http://'"$NET_IP_NET2"'/
	python3 -c "
import socket
s = socket.create_connection((\"198.18.3.3\", 80), timeout=10)
s.sendall(b\"\\x00\\x01 not http\")
try:
    print(\"unpinned:\", s.recv(10))
except OSError as e:
    print(\"unpinned: refused\")
"' 2>&1)
assert_match "an address without a name is asked about as itself" '"event":"ask",.*"host":"'"$NET_IP_NET2"'","port":80' "$(cat "$LOG")"
assert_match "... and denied here by approve-cmd" '"event":"ask.answer",.*"host":"'"$NET_IP_NET2"'",.*"answer":"deny","by":"cmd"' "$(cat "$LOG")"
assert_match "an ask address the resolver never handed out is refused" "^unpinned: (refused|b'')" "$out"
assert_match "... without asking" '"event":"net.deny","ip":"198.18.3.3","port":80,"reason":"not allowed"' "$(cat "$LOG")"
assert_nomatch "... no question about it" '"event":"ask",[^}]*198.18.3.3' "$(cat "$LOG")"

out=$(nj --ask --approve-cmd "$work/approve.sh" -- curl -sS --max-time 20 http://dnsonly.test/ 2>&1)
assert_match "an approved name that only DNS knows is resolved after approval" "^hello server=$NET_IP_DNSONLY " "$out"
assert_match "... and then the DNS server saw it" "^query dnsonly.test " "$(net_log dns)"

# ---- jail approve from outside, while the client waits ------------------------

net_reset_logs
L1="$work/bg1.jsonl"
bgj "$L1" "$work/bg1.out" --ask --ask-timeout 40 -- curl -sS --max-time 35 http://dnsonly.test/
if wait_until 20 pending_has dnsonly.test; then
	t_pass "jail pending shows the held request"
else
	t_fail "jail pending shows the held request" "$(jctl pending 2>&1 | head -5)"
fi
assert_match "jail pending: ID, kind, host, port, waiting time" "^[0-9a-f]{16} +connect +dnsonly.test +80 +[0-9]+s +http" "$(jctl pending 2>&1)"
assert_eq "while it waits, the DNS server has seen no query for it" "" "$(net_log dns | grep dnsonly)"
socks=("$RUNDIR"/*.sock)
sock=${socks[0]}
assert_eq "the control socket is 0600" "600" "$(stat -c %a "$sock" 2>/dev/null)"
assert_eq "... in a 0700 directory" "700" "$(stat -c %a "$RUNDIR" 2>/dev/null)"
# Another user who reaches the socket anyway (CAP_DAC_OVERRIDE passes the
# 0700 directory) is refused by the jail's peer check, before a byte is read
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=+dac_override --ambient-caps=+dac_override \
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect(sys.argv[1])
print(s.recv(200).decode().strip())' "$sock" 2>&1)
assert_eq "another user reaching the control socket is refused" \
	"err refused: uid 65534 is another user" "$out"
out=$(jctl approve dnsonly.test 2>&1)
assert_match "jail approve answers it" "^[0-9a-f]{16}: allowed dnsonly.test \(1 request\)" "$out"
wait "${NET_BG[0]}"
NET_BG=()
assert_match "... and the waiting request completes" "^hello server=$NET_IP_DNSONLY " "$(cat "$work/bg1.out")"
assert_match "without a terminal, the question is one line on stderr with the answer's command" \
	"^jail: --ask: connect dnsonly.test port 80 is held for 40 s; answer with: jail approve [0-9a-f]{16} dnsonly.test \(or always, deny\)$" \
	"$(cat "$work/bg1.out")"
assert_eq "... once" 1 "$(grep -c 'is held for' "$work/bg1.out")"
assert_match "ask.answer allow by socket is logged" '"event":"ask.answer",.*"host":"dnsonly.test","port":80,"answer":"allow","by":"socket"' "$(cat "$L1")"
assert_eq "the control socket is removed at exit" "" "$(ls "$RUNDIR"/*.sock 2>/dev/null)"

# ---- jail deny ---------------------------------------------------------------

net_reset_logs
bgj "$L1" "$work/bg1.out" --ask --ask-timeout 40 -- python3 "$proj/timed.py" http://secret.evil.test/ 35
wait_until 20 pending_has secret.evil.test
out=$(jctl deny secret.evil.test 2>&1)
assert_match "jail deny answers it" "^[0-9a-f]{16}: denied secret.evil.test \(1 request\)" "$out"
wait "${NET_BG[0]}"
NET_BG=()
fails_within "... and the waiting request fails at once" 5 "$(cat "$work/bg1.out")"
assert_match "ask.answer deny by socket is logged" '"event":"ask.answer",.*"host":"secret.evil.test",.*"answer":"deny","by":"socket"' "$(cat "$L1")"
assert_match "jail log shows the question and who answered it" "ask.answer +secret.evil.test:80 +deny by socket" "$(jctl log "$L1" 2>&1)"
assert_nomatch "the DNS server never saw the denied name" "evil" "$(net_log dns)"

# ---- timeout ----------------------------------------------------------------------

net_reset_logs
out=$(nj --ask --ask-timeout 2 -- python3 "$proj/timed.py" http://exfil.other.test/ 30 2>&1)
assert_match "unanswered, the request is denied after --ask-timeout" "^fail " "$out"
assert_match "... logged as ask.answer deny by timeout" '"event":"ask.answer",.*"host":"exfil.other.test",.*"answer":"deny","by":"timeout"' "$(cat "$LOG")"
assert_nomatch "... and the DNS server never saw the name" "exfil" "$(net_log dns)"

# ---- always: this name, for this run -------------------------------------------

bgj "$L1" "$work/bg1.out" --ask --ask-timeout 40 -- sh -c '
	curl -sS --max-time 35 http://allowed.test/; echo
	curl -sS --max-time 35 http://allowed.test/; echo'
wait_until 20 pending_has allowed.test
out=$(jctl always allowed.test 2>&1)
assert_match "jail always answers it" "^[0-9a-f]{16}: always allowed allowed.test" "$out"
wait "${NET_BG[0]}"
NET_BG=()
assert_eq "both connections get through" 2 "$(grep -c "^hello server=$NET_IP_ALLOWED" "$work/bg1.out")"
assert_eq "... and only the first was asked" 1 "$(events ask "$L1")"
out=$(nj --ask --ask-timeout 1 -- curl -sS --max-time 20 http://allowed.test/ 2>&1)
assert_eq "a new jail asks again" 1 "$(events ask)"
assert_nomatch "... (and times out here)" "^hello" "$out"

# ---- the terminal prompt ------------------------------------------------------

# On a terminal (python's pty), without --approve-cmd: the word is printed
# before COMMAND starts, the prompt shows it, COMMAND's output pauses while
# it is up, and the key that answers it never reaches COMMAND
out=$(as_py_pty 60 "$JAIL" "$LOG" <<'PY'
import sys
from ptyexpect import Pty
jail, log = sys.argv[1:3]
t = Pty([jail, "--net", "filtered", "--log", log, "--ask",
    "--ask-timeout", "30", "--", "sh", "-c",
    'echo start; (i=0; while [ $i -lt 40 ]; do echo tick; sleep 0.1; '
    'i=$((i+1)); done) & curl -sS --max-time 25 http://allowed.test/; '
    'wait; read line; echo "got:$line"'])
until = t.until
w = until(rb'shows the word "([a-z0-9-]+)"', 20)
s = until(rb'start', 20)
print("word-before-command", bool(w and s and w.start() < s.start()))
p = until(rb'\[jail ([a-z0-9-]+)\]\S* connect allowed\.test port 80 \(http\)\? '
          rb'\[y\] allow once', 20)
print("prompt-word", bool(w and p and p.group(1) == w.group(1)))
if p:
    until(rb'$^', 1.5)
    print("ticks-while-prompting", t.buf[p.end():].count(b"tick"))
t.write(b"y")
print("allowed", bool(until(rb'hello server=', 20)))
until(rb'$^', 0.3)
t.write(b"hello\r")
g = until(rb'got:[^\r\n]*', 30)
print(g.group(0).decode() if g else "got:none")
t.wait()
PY
)
assert_match "terminal: the word is printed before COMMAND starts" "^word-before-command True" "$out"
assert_match "... the prompt shows the same word" "^prompt-word True" "$out"
assert_match "... COMMAND's output pauses while it is up" "^ticks-while-prompting 0" "$out"
assert_match "... y allows the request" "^allowed True" "$out"
assert_match "... and the key never reached COMMAND" "^got:hello\$" "$out"
assert_match "... logged as ask.answer by terminal" '"event":"ask.answer",.*"host":"allowed.test","port":80,"answer":"allow","by":"terminal"' "$(cat "$LOG" 2>/dev/null)"

# Over a full-screen program (alternate screen, every row drawn, redrawn
# on SIGWINCH), on a 24x80 terminal: the question takes the last row and
# afterwards the program's screen is whole again, at once (no key needed
# to wake the relay). A small terminal model
# (cursor moves, erase, save/restore, autowrap off) renders the bytes.
out=$(as_py_pty 60 "$JAIL" "$LOG" <<'PY'
import re, sys
from ptyexpect import Pty
jail, log = sys.argv[1:3]
prog = r"""
import shutil, signal, sys, time
def draw(*_):
    rows = shutil.get_terminal_size().lines
    sys.stdout.write("\033[H\033[2J" + "".join(
        "\033[%d;1HROW %d" % (i + 1, i + 1) for i in range(rows)))
    sys.stdout.flush()
signal.signal(signal.SIGWINCH, draw)
sys.stdout.write("\033[?1049h")
draw()
time.sleep(6)
"""
t = Pty([jail, "--net", "filtered", "--log", log, "--ask",
    "--ask-timeout", "30", "--", "sh", "-c",
    "(sleep 1; curl -s -m 20 http://allowed.test/ >/dev/null 2>&1) & "
    "exec python3 -c \"$0\"", prog], rows=24, cols=80)
R, C = 24, 80
scr = [[" "] * C for _ in range(R)]
cur, saved, wrap = [0, 0], [0, 0], True
def feed(b):
    global wrap
    i, s = 0, b.decode("latin-1")
    while i < len(s):
        ch = s[i]
        if ch == "\033" and s[i + 1:i + 2] in ("7", "8"):
            if s[i + 1] == "7": saved[:] = cur
            else: cur[:] = saved
            i += 2; continue
        m = re.match(r"\033\[(\??)([0-9;]*)([A-Za-z])", s[i:])
        if ch == "\033" and m:
            q, args, f = m.groups()
            n = [int(x) if x else 0 for x in args.split(";")] if args else []
            if f == "H":
                cur[0] = max((n[0] if n else 1), 1) - 1
                cur[1] = max((n[1] if len(n) > 1 else 1), 1) - 1
            elif f == "K" and n == [2]:
                scr[cur[0]] = [" "] * C
            elif f == "J" and n == [2]:
                for r in range(R): scr[r] = [" "] * C
            elif q and f in "hl" and n == [7]:
                wrap = f == "h"
            i += len(m.group(0)); continue
        if ch == "\r": cur[1] = 0
        elif ch == "\n":
            if cur[0] == R - 1: scr.pop(0); scr.append([" "] * C)
            else: cur[0] += 1
        elif ch >= " ":
            if cur[1] >= C:
                if not wrap: i += 1; continue
                cur[1] = 0
                if cur[0] == R - 1: scr.pop(0); scr.append([" "] * C)
                else: cur[0] += 1
            scr[cur[0]][cur[1]] = ch; cur[1] += 1
        i += 1
t.on_data = feed
until = t.until
p = until(rb'\[y\] allow once', 20)
rows = ["".join(r).rstrip() for r in scr]
print("prompt-on-last-row", bool(p) and "[jail" in rows[R - 1] and
      all(rows[i] == "ROW %d" % (i + 1) for i in range(R - 1)))
t.write(b"y")
until(rb'$^', 2)
rows = ["".join(r).rstrip() for r in scr]
print("screen-whole", all(rows[i] == "ROW %d" % (i + 1) for i in range(R)))
print("no-debris", not any("jail" in r for r in rows))
t.wait()
PY
)
assert_match "over a full-screen program the question takes the last row" "^prompt-on-last-row True" "$out"
assert_match "... and afterwards the program's screen is whole" "^screen-whole True" "$out"
assert_match "... without debris of the question" "^no-debris True" "$out"

# ---- two jails, one host: ambiguous ----------------------------------------------

L2="$work/bg2.jsonl"
bgj "$L1" "$work/bg1.out" --ask --ask-timeout 40 -- curl -sS --max-time 35 http://allowed.test/
bgj "$L2" "$work/bg2.out" --ask --ask-timeout 40 -- curl -sS --max-time 35 http://allowed.test/
wait_until 20 eval '[ "$(jctl pending 2>/dev/null | grep -c " allowed.test ")" -ge 2 ]'
out=$(jctl approve allowed.test 2>&1)
assert_match "two jails hold the host: jail approve HOST is ambiguous" "^jail: approve \"allowed.test\": pending in several jails \([0-9a-f]{16}, [0-9a-f]{16}\); name one: jail approve ID allowed.test" "$out"
assert_status "... exit 125" 125 jctl approve allowed.test
id2=$(grep -o '"jail":"[0-9a-f]*"' "$L2" | head -1 | cut -d'"' -f4)
out=$(jctl approve "${id2:0:6}" allowed.test 2>&1)
assert_match "jail approve ID HOST picks one (an ID prefix will do)" "^$id2: allowed allowed.test" "$out"
wait "${NET_BG[1]}"
assert_match "... whose request completes" "^hello server=$NET_IP_ALLOWED" "$(cat "$work/bg2.out")"
out=$(jctl deny allowed.test 2>&1)
assert_match "... and then HOST alone names the other" "^[0-9a-f]{16}: denied allowed.test" "$out"
wait "${NET_BG[0]}"
NET_BG=()

# ---- the control socket from inside a jail --------------------------------------

out=$(nj --ask -- sh -c "ls '$RUNDIR' 2>&1; ls '$JT_HOME/.run' 2>&1; ls /run/user 2>&1" 2>&1)
assert_match "inside, the socket directory is absent" "$RUNDIR.*No such file" "$out"
out=$(nj --ask -- python3 -c '
import glob, socket
paths = glob.glob("'"$RUNDIR"'/*.sock") + glob.glob("/run/user/*/jail/*.sock")
print("found", paths) if paths else print("none")' 2>&1)
assert_eq "inside, no control socket can be found" "none" "$out"

bgj "$L1" "$work/bg1.out" --ask --ask-timeout 40 -- curl -sS --max-time 35 http://other.test/
wait_until 20 pending_has other.test
out=$(jail --net none --rw "$JT_HOME/.run" --env XDG_RUNTIME_DIR="$JT_HOME/.run" -- "$JAIL" approve other.test 2>&1)
rc=$?
assert_eq "jail approve inside a jail, the socket bound in: refused" 125 "$rc"
assert_match "... the inner client does not trust the socket either" "not served by a jail of yours" "$out"
assert_match "... the supervisor refused the peer and logged it" '"event":"ctl.refused","reason":"(process [0-9]+ is inside a jail|the peer is in another pid namespace)' "$(cat "$L1")"
if pending_has other.test; then
	t_pass "... and the request is still pending"
else
	t_fail "... and the request is still pending" "$(jctl pending 2>&1)"
fi
assert_eq "... never answered from inside" 0 "$(grep -c '"event":"ask.answer"' "$L1")"
jctl deny other.test >/dev/null 2>&1
wait "${NET_BG[0]}"
NET_BG=()

# ---- jail revoke --------------------------------------------------------------------

# The test CA joins the host's trust store, in this mount namespace only
net_trust_test_ca
REAL="sk-ant-api03-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
rm -f "$proj/asked" "$proj/go"
JT_EXTRA_ENV="K=$REAL" bgj "$L1" "$work/bg1.out" --allow allowed.test --secret K@allowed.test -- sh -c '
	curl -sS --max-time 10 -H "x-api-key: $K" http://allowed.test.jail.internal/echo
	echo "--- revoke"
	: >asked
	i=0; while [ ! -e go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	curl -sS --max-time 10 -H "x-api-key: $K" http://allowed.test.jail.internal/echo
	echo "rc=$?"'
wait_until 20 test -e "$proj/asked"
out=$(jctl revoke K 2>&1)
assert_match "jail revoke K" "^[0-9a-f]{16}: secret K revoked" "$out"
: >"$proj/go"
wait "${NET_BG[0]}"
NET_BG=()
before=$(sed -n '/^--- revoke/q;p' "$work/bg1.out")
after=$(sed -n '/^--- revoke/,$p' "$work/bg1.out")
assert_eq "before revoke, the server gets the value (once: never after)" 1 "$(grep -c "^x-api-key: $REAL\$" "$NET_DIR/echo.log")"
assert_match "... and the jail reads its placeholder back" "^x-api-key: sk-ant-" "$before"
assert_nomatch "after revoke, the value is never sent" "$REAL" "$after"
assert_match "... the request is refused" "403|placeholder" "$after"
assert_match "secret.revoke is logged" '"event":"secret.revoke","name":"K"' "$(cat "$L1")"
assert_match "... and the refused request as secret.leak" '"event":"secret.leak","name":"K","where":"http-header","host":"allowed.test","reason":"placeholder of a revoked secret"' "$(cat "$L1")"
out=$(jctl revoke K 2>&1)
assert_match "no jail left with K: jail revoke says so" "no running jail of yours has this secret" "$out"

# ---- --hold-push: git over SSH is refused -------------------------------------------

out=$(nj --allow allowed.test --hold-push allowed.test -- python3 -c '
import socket
s = socket.create_connection(("allowed.test", 22), timeout=10)
try:
    print("got", s.recv(100))
except Exception as e:
    print("refused", type(e).__name__)' 2>&1)
assert_match "--hold-push: a connection to port 22 of HOST fails" "^(refused|got b'')" "$out"
assert_match "... with the HTTPS reason in the log" '"event":"net.deny","host":"allowed.test","ip":"198.51.100.10","port":22,"reason":"git over SSH to allowed.test is refused \(--hold-push\); push over HTTPS instead"' "$(cat "$LOG")"
out=$(nj --allow allowed.test --hold-push allowed.test -- curl -sS --max-time 10 https://allowed.test/ 2>&1)
assert_match "... while HTTPS to HOST still works" "^hello server=$NET_IP_ALLOWED port=443" "$out"
assert_match "... intercepted (t-push.sh holds the pushes)" '"event":"net.allow","host":"allowed.test",.*"via":"tls interception"' "$(cat "$LOG")"

# ---- --ask with --review: approve a name from outside, review the change -------
# The session of README's "Human in the loop": the agent fetches from a name
# nobody allowed, a person approves it from a second terminal, and what the
# agent wrote waits for review instead of landing.

net_reset_logs
rm -f "$proj/fetched.txt"
L1="$work/hitl.jsonl"
bgj "$L1" "$work/hitl.out" --ask --ask-timeout 40 --review=keep -- sh -c \
	'curl -sS --max-time 35 http://dnsonly.test/ >fetched.txt; echo done'
if wait_until 20 pending_has dnsonly.test; then
	t_pass "--ask --review: the fetch waits for an answer"
else
	t_fail "--ask --review: the fetch waits for an answer" "$(jctl pending 2>&1 | head -3)"
fi
out=$(jctl approve dnsonly.test 2>&1)
assert_match "--ask --review: jail approve from outside" "^[0-9a-f]{16}: allowed dnsonly.test" "$out"
wait "${NET_BG[0]}"
NET_BG=()
rid=$(sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' "$work/hitl.out" | head -1)
assert_match "--ask --review: the run ends with a kept review" "^[0-9a-f]{16}\$" "$rid"
assert_eq "--ask --review: nothing landed in the project yet" "no" \
	"$([ -e "$proj/fetched.txt" ] && echo yes || echo no)"
patch=$(jctl review "$rid" patch - 2>/dev/null)
assert_match "--ask --review: the patch adds what the approved fetch returned" \
	"^\+hello server=$NET_IP_DNSONLY " "$patch"
assert_match "... as a new file" "^new file mode 100644" "$patch"
jctl review "$rid" apply >/dev/null 2>&1
assert_match "--ask --review: applied, the change lands" "^hello server=$NET_IP_DNSONLY " \
	"$(cat "$proj/fetched.txt" 2>/dev/null)"
assert_match "... and the log has the question, the answer and the review" \
	'"event":"ask".*"event":"ask.answer".*"answer":"allow","by":"socket".*"event":"review"' \
	"$(tr '\n' ' ' <"$L1")"
rm -f "$proj/fetched.txt"

# ---- a profile's background hosts are decided quietly ----------------------

# The claude profile lists sentry.io as background traffic: under --ask it
# is refused at once, without a question; a name no profile lists is asked
out=$(nj --ask --ask-timeout 30 --profile claude -- sh -c \
	'curl -sS --max-time 20 -o /dev/null http://sentry.io/ 2>&1; echo rc=$?' 2>&1)
assert_match "--ask: a profile's background host is refused at once" "rc=[1-9]" "$out"
assert_nomatch "... without a question" '"event":"ask",' "$(cat "$LOG")"
assert_nomatch "... none on stderr either" "is held for" "$out"
assert_match "... logged as a denial" '"event":"net.deny",.*"host":"sentry.io"' "$(cat "$LOG")"
out=$(nj --ask --ask-timeout 1 --profile claude -- sh -c \
	'curl -sS --max-time 20 -o /dev/null http://other.test/ 2>&1; echo rc=$?' 2>&1)
assert_match "... while a name it does not list is asked" '"event":"ask",.*"host":"other.test"' "$(cat "$LOG")"
out=$(nj --ask --ask-timeout 1 --profile claude --allow sentry.io:80 -- sh -c \
	'curl -sS --max-time 20 -o /dev/null http://sentry.io/ 2>&1; echo rc=$?' 2>&1)
assert_nomatch "... and an --allow of a background host wins" \
	'"event":"net.deny",[^}]*"host":"sentry.io"[^}]*"reason":"not allowed"' "$(cat "$LOG")"
assert_match "--explain lists the quiet hosts under --ask" "quiet +sentry\.io:80,443 +\(profile claude\)" \
	"$(jail --explain --ask --profile claude -- true 2>&1)"

cleanup_bg
