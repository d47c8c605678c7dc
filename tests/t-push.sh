#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # $JAIL_ASK_* and friends expand later
# t-push.sh - --hold-push: HTTPS git pushes to the host are intercepted
# and held until answered (--approve-cmd, jail approve/always, the
# timeout); fetches pass; a push body jail cannot read is refused. Against
# git's own smart-HTTP server (git-http-backend) in the test internet
# (tests/netlib.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj push)
cd "$proj" || exit 1
# Outside the project: the jail cannot write the logs
net_workdir push
URL=https://allowed.test/git/repo.git
SRV="$NET_DIR/git/repo.git"

net_trust_test_ca

# server_repo: a fresh bare repository on the server, one commit on main,
# pushes allowed (http.receivepack)
server_repo()
{
	rm -rf "$SRV"
	mkdir -p "$NET_DIR/git"
	git init -q --bare -b main "$SRV" &&
		git -C "$SRV" config http.receivepack true &&
		git -C "$NET_DIR/src" push -q "$SRV" main:main
	INIT=$(git -C "$SRV" rev-parse refs/heads/main)
}

server_head()
{
	git -C "$SRV" rev-parse refs/heads/main 2>/dev/null
}

# The push inside the jail: clone over HTTPS, commit, push. $1: a
# http.postBuffer small enough makes git send the push chunked
# (The clone lives in the jail's /tmp: a repository left in the project by
# one run is a nested repository the next run keeps read-only)
cat >"$proj/push.sh" <<'EOF'
buf=${1:-1048576}
proj=$PWD
cd "$(mktemp -d)" || exit 1
git clone -q https://allowed.test/git/repo.git clone || { echo "clone failed"; exit 1; }
cd clone || exit 1
head -c 200000 /dev/urandom >blob
git add blob
git -c user.name=t -c user.email=t@t commit -qm change
git rev-parse HEAD >"$proj/new-head"
git -c http.postBuffer="$buf" push origin HEAD:main 2>&1
echo "push rc=$?"
EOF
chown "$JT_USER:" "$proj/push.sh"

cat >"$work/answer.sh" <<EOF
#!/bin/sh
env | grep '^JAIL_' | sort >"$work/env"
[ "\$(cat "$work/verdict")" = allow ]
EOF
chmod 755 "$work/answer.sh"
chown "$JT_USER:" "$work/answer.sh"

# pj ARGS... -- CMD: nj allowing allowed.test, pushes to it held
NJ_OPTS=(--allow allowed.test --hold-push allowed.test)
pj() { nj "$@"; }

# pending_push: jail pending lists a push to allowed.test
pending_push()
{
	jctl pending 2>/dev/null | awk '$2 == "push" && $3 == "allowed.test" { f = 1 } END { exit !f }'
}

trap 'cleanup_bg; net_cleanup' EXIT

# ---- options -----------------------------------------------------------------

out=$(jail --explain --net filtered --allow allowed.test --hold-push allowed.test -- true 2>&1)
assert_match "--explain: HTTPS pushes to the host are held" "hold +allowed.test: git over SSH \(port 22\) refused; HTTPS pushes intercepted and held" "$out"
assert_match "--explain: a CA of the run for the intercepted host" "^  ca +a CA of this run for the intercepted hosts" "$out"
out=$(jail --explain --net filtered --allow allowed.test -- true 2>&1)
assert_nomatch "without --hold-push or --secret: no CA" "^  ca " "$out"
out=$(jail --net filtered --hold-push allowed.test --approve-cmd true --ask-timeout 5 -- true 2>&1)
rc=$?
assert_eq "--approve-cmd and --ask-timeout go with --hold-push alone" "0:" "$rc:$out"
out=$(jail --net filtered --approve-cmd true -- true 2>&1)
assert_match "... and still need --ask or --hold-push" "^jail: --approve-cmd: needs --ask or --hold-push" "$out"
out=$(pj -- sh -c 'echo "cainfo=$GIT_SSL_CAINFO"; grep -c "BEGIN CERTIFICATE" "$GIT_SSL_CAINFO"' 2>&1)
assert_match "the jail gets the CA bundle through GIT_SSL_CAINFO" "^cainfo=/etc/ssl/certs/ca-certificates.crt" "$out"

# ---- a clone is never asked ------------------------------------------------------

server_repo
net_reset_logs
out=$(pj --ask-timeout 5 -- sh -c 'cd "$(mktemp -d)" && git clone -q '"$URL"' c && git -C c log --oneline | wc -l' 2>&1)
assert_eq "git clone over intercepted HTTPS works" "1" "$out"
assert_eq "... and is never asked" 0 "$(events ask)"
assert_match "... the server saw the fetch" "git POST /repo.git/git-upload-pack" "$(net_log git)"
assert_match "... through interception" '"event":"net.allow","host":"allowed.test",.*"via":"tls interception"' "$(cat "$LOG")"

# ---- --approve-cmd denies ----------------------------------------------------------

server_repo
net_reset_logs
echo deny >"$work/verdict"
rm -f "$work/env"
out=$(pj --ask --approve-cmd "$work/answer.sh" -- sh push.sh 2>&1)
assert_match "denied: git push fails" "push rc=[1-9]" "$out"
assert_match "... git shows why, per ref" "\[remote rejected\] +HEAD -> main \(push to allowed.test held and denied \(cmd\)\)" "$out"
assert_match "... and the reason from jail" "remote: jail: push to allowed.test held and denied \(cmd\)" "$out"
assert_eq "... the server's ref did not move" "$INIT" "$(server_head)"
assert_nomatch "... the push never reached the server" "POST /repo.git/git-receive-pack" "$(net_log git)"
assert_match "... while the ref advertisement before it did" "git GET /repo.git/info/refs\?service=git-receive-pack" "$(net_log git)"
env_seen=$(cat "$work/env" 2>/dev/null)
assert_match "approve-cmd: JAIL_ASK_KIND=push" "^JAIL_ASK_KIND=push$" "$env_seen"
assert_match "... JAIL_ASK_HOST, JAIL_ASK_PORT" "^JAIL_ASK_HOST=allowed.test$" "$env_seen"
assert_match "... JAIL_ASK_PORT" "^JAIL_ASK_PORT=443$" "$env_seen"
assert_match "... JAIL_ASK_DETAIL names the repository and the ref" "^JAIL_ASK_DETAIL=/git/repo.git: refs/heads/main$" "$env_seen"
assert_match "ask is logged with kind push and the detail" '"event":"ask","seq":1,"kind":"push","host":"allowed.test","port":443,"detail":"/git/repo.git: refs/heads/main"' "$(cat "$LOG")"
assert_match "... ask.answer deny by cmd" '"event":"ask.answer","seq":1,"kind":"push","host":"allowed.test","port":443,"answer":"deny","by":"cmd"' "$(cat "$LOG")"
assert_match "... and the refusal as net.deny" '"event":"net.deny","host":"allowed.test","port":443,"reason":"push to allowed.test held and denied \(cmd\)"' "$(cat "$LOG")"
assert_eq "... one question: the clone before it was not asked" 1 "$(events ask)"
assert_match "jail log shows the push question with its refs" "ask +allowed.test:443 +push /git/repo.git: refs/heads/main" "$(jctl log "$LOG" 2>&1)"

# Chunked (a push larger than http.postBuffer): git first probes with an
# empty command list, which passes; the push itself is held
server_repo
net_reset_logs
out=$(pj --ask --approve-cmd "$work/answer.sh" -- sh push.sh 4096 2>&1)
assert_match "denied, chunked: git push fails with the reason" "remote rejected.*held and denied" "$out"
assert_eq "... the server's ref did not move" "$INIT" "$(server_head)"
assert_eq "... only the empty probe reached receive-pack" 1 "$(net_log git | grep -c 'POST /repo.git/git-receive-pack')"

# ---- --approve-cmd allows ----------------------------------------------------------

for mode in length chunked; do
	server_repo
	net_reset_logs
	echo allow >"$work/verdict"
	buf=1048576
	[ $mode = chunked ] && buf=4096
	out=$(pj --ask --approve-cmd "$work/answer.sh" -- sh push.sh $buf 2>&1)
	assert_match "allowed ($mode): git push succeeds" "push rc=0" "$out"
	assert_eq "... the server's ref moved to the new commit" "$(cat "$proj/new-head" 2>/dev/null)" "$(server_head)"
	assert_match "... ask.answer allow by cmd" '"event":"ask.answer","seq":1,"kind":"push",.*"answer":"allow","by":"cmd"' "$(cat "$LOG")"
done
out=$(git -C "$SRV" fsck 2>&1)
assert_eq "... the pushed objects are whole on the server" "" "$(printf '%s\n' "$out" | grep -v '^Checking\|^$')"

# ---- jail approve from outside, while git push waits --------------------------------

server_repo
net_reset_logs
bgj "$LOG" "$work/bg.out" --ask-timeout 60 -- sh push.sh
if wait_until 30 pending_push; then
	t_pass "jail pending shows the held push"
else
	t_fail "jail pending shows the held push" "$(jctl pending 2>&1 | head -5)"
fi
assert_match "... with the repository and the ref" "^[0-9a-f]{16} +push +allowed.test +443 +[0-9]+s +/git/repo.git: refs/heads/main" "$(jctl pending 2>&1)"
assert_eq "... not yet on the server" "$INIT" "$(server_head)"
# Longer than the server keeps an idle connection (10 s): the held push
# goes out on a new one
sleep 11
out=$(jctl approve allowed.test 2>&1)
assert_match "jail approve answers it" "^[0-9a-f]{16}: allowed allowed.test \(1 request\)" "$out"
wait "${NET_BG[0]}"
NET_BG=()
assert_match "... and git push succeeds" "push rc=0" "$(cat "$work/bg.out")"
assert_eq "... the server's ref moved to the new commit" "$(cat "$proj/new-head" 2>/dev/null)" "$(server_head)"
assert_match "... ask.answer allow by socket" '"event":"ask.answer",.*"kind":"push",.*"answer":"allow","by":"socket"' "$(cat "$LOG")"

# ---- always: pushes to the host, for the rest of the run ---------------------------

server_repo
bgj "$LOG" "$work/bg.out" --ask-timeout 60 -- sh -c 'sh push.sh; sh push.sh'
wait_until 30 pending_push
out=$(jctl always allowed.test 2>&1)
assert_match "jail always answers the push" "^[0-9a-f]{16}: always allowed allowed.test" "$out"
wait "${NET_BG[0]}"
NET_BG=()
assert_eq "both pushes succeed" 2 "$(grep -c 'push rc=0' "$work/bg.out")"
assert_eq "... the server has the second" "$(cat "$proj/new-head" 2>/dev/null)" "$(server_head)"
assert_match "... the second was answered at once from the first's always" '"event":"ask.answer","seq":2,"kind":"push",.*"answer":"always","by":"always"' "$(cat "$LOG")"

# ---- unanswered: the timeout denies (--hold-push without --ask) ------------------------

server_repo
net_reset_logs
out=$(pj --ask-timeout 2 -- sh push.sh 2>&1)
assert_match "unanswered: git push fails after --ask-timeout" "remote rejected.*held and denied \(timeout\)" "$out"
assert_eq "... the server's ref did not move" "$INIT" "$(server_head)"
assert_match "... ask.answer deny by timeout" '"event":"ask.answer",.*"kind":"push",.*"answer":"deny","by":"timeout"' "$(cat "$LOG")"

# ---- a host no rule allows, allowed when asked: still intercepted -----------------------

server_repo
net_reset_logs
cat >"$work/connect-only.sh" <<EOF
#!/bin/sh
echo "\$JAIL_ASK_KIND" >>"$work/kinds"
[ "\$JAIL_ASK_KIND" = connect ]
EOF
chmod 755 "$work/connect-only.sh"
chown "$JT_USER:" "$work/connect-only.sh"
rm -f "$LOG" "$work/kinds"
out=$(jail --net filtered --log "$LOG" --ask --hold-push allowed.test --approve-cmd "$work/connect-only.sh" -- sh push.sh 2>&1)
assert_match "connection allowed when asked, push denied: git push fails" "remote rejected.*held and denied \(cmd\)" "$out"
assert_eq "... the server's ref did not move" "$INIT" "$(server_head)"
assert_match "... the connection was asked about" "^connect$" "$(cat "$work/kinds" 2>/dev/null)"
assert_match "... and then the push" "^push$" "$(cat "$work/kinds" 2>/dev/null)"

# ---- only HTTPS to a held host ------------------------------------------------------------

out=$(pj -- curl -sS --max-time 10 http://allowed.test/ 2>&1)
assert_nomatch "plain HTTP to a held host is refused" "^hello" "$out"
assert_match "... with the reason in the log" '"event":"net.deny","host":"allowed.test",.*"port":80,"reason":"only HTTPS to allowed.test is carried \(--hold-push\); a push over anything else could not be held"' "$(cat "$LOG")"
out=$(pj -- python3 -c '
import socket
s = socket.create_connection(("allowed.test", 22), timeout=10)
try:
    print("got", s.recv(100))
except Exception as e:
    print("refused", type(e).__name__)' 2>&1)
assert_match "git over SSH to a held host is refused" "^(refused|got b'')" "$out"
assert_match "... pointing to HTTPS" '"port":22,"reason":"git over SSH to allowed.test is refused \(--hold-push\); push over HTTPS instead"' "$(cat "$LOG")"

# ---- what jail cannot read is refused, never sent unasked ----------------------------

server_repo
net_reset_logs
cat >"$proj/raw.py" <<'EOF'
import gzip, socket, ssl, sys
old = "0" * 40
new = "1" * 40
def pkt(s):
    return b"%04x" % (len(s) + 4) + s
cmds = pkt(("%s %s refs/heads/main\0report-status" % (old, new)).encode()) + b"0000"
bodies = {
    "gzip": (gzip.compress(cmds + b"PACK"), "Content-Encoding: gzip\r\n"),
    "malformed": (pkt(b"not a command") + b"0000", ""),
    "short": (cmds[:30], ""),
}
body, extra = bodies[sys.argv[1]]
ctx = ssl.create_default_context()
s = ctx.wrap_socket(socket.create_connection(("allowed.test", 443), timeout=20),
                    server_hostname="allowed.test")
s.sendall(("POST /git/repo.git/git-receive-pack HTTP/1.1\r\nHost: allowed.test\r\n"
           "Content-Type: application/x-git-receive-pack-request\r\n%s"
           "Content-Length: %d\r\n\r\n" % (extra, len(body))).encode() + body)
data = b""
while True:
    try:
        b = s.recv(65536)
    except OSError:
        break
    if not b:
        break
    data += b
print(data.split(b"\r\n")[0].decode(), data.split(b"\r\n\r\n", 1)[-1].decode().strip())
EOF
chown "$JT_USER:" "$proj/raw.py"
out=$(pj --ask-timeout 5 -- python3 raw.py gzip 2>&1)
assert_match "a gzip-encoded push is refused" "^HTTP/1.1 415 .*jail: a push with a compressed body cannot be held" "$out"
out=$(pj --ask-timeout 5 -- python3 raw.py malformed 2>&1)
assert_match "a malformed command list is refused" "^HTTP/1.1 400 .*malformed" "$out"
out=$(pj --ask-timeout 5 -- python3 raw.py short 2>&1)
assert_match "a body that ends inside the command list is refused" "^HTTP/1.1 400 .*cut short" "$out"
assert_nomatch "... none of them reached the server" "git-receive-pack" "$(net_log git)"
assert_eq "... none was asked" 0 "$(events ask)"

cleanup_bg
