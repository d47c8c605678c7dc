#!/bin/bash
# SPDX-License-Identifier: MIT
# t-audit.sh - the audit log: location, format, events, summary, errors
. "$(dirname "$0")/lib.sh"

proj=$(mkproj audit)
cd "$proj" || exit 1
logdir="$JT_HOME/.local/state/jail/log"
rm -rf "$logdir"

# check_json FILE: every line is one JSON object with ts, jail and event
# shellcheck disable=SC2317 # called through assert_status
check_json()
{
	python3 - "$1" <<'PY'
import json, re, sys
ok = True
for n, line in enumerate(open(sys.argv[1]), 1):
    o = json.loads(line)
    if list(o)[:3] != ["ts", "jail", "event"] or \
       not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["ts"]):
        print("line %d: %s" % (n, line.strip())); ok = False
sys.exit(0 if ok else 1)
PY
}

jail -- sh -c 'exit 5'
log=$(find "$logdir" -maxdepth 1 -name '*.jsonl' 2>/dev/null | head -1)
assert_match "default log under \$XDG_STATE_HOME/jail/log" "/[0-9a-f]{16}\.jsonl$" "$log"
assert_eq "the log is private (0600)" "600" "$(stat -c %a "$log" 2>/dev/null)"
assert_status "every line is well-formed JSON" 0 check_json "$log"
assert_eq "start, the command's exec, exit" "start exec exit" \
	"$(python3 -c 'import json,sys; print(" ".join(json.loads(l)["event"] for l in open(sys.argv[1])))' "$log")"
assert_match "exit carries COMMAND's status" '"event":"exit","status":5' "$(cat "$log")"
assert_match "start names the command" '"command":"sh -c exit 5"' "$(cat "$log")"

# --log FILE, and an unwritable log stops everything before it starts
own="$JT_HOME/audit-own.jsonl"
rm -f "$own"
jail --log "$own" -- true
assert_eq "--log FILE writes there" 3 "$(wc -l <"$own")"
err=$(jail --log "$proj" -- touch "$proj/ran" 2>&1); rc=$?
assert_eq "an unwritable log is exit 125" 125 "$rc"
assert_match "an unwritable log says so in one line" "^jail: audit log \"$proj\": Is a directory$" "$err"
if [ -e "$proj/ran" ]; then
	t_fail "nothing runs without a log" "ran"
else
	t_pass "nothing runs without a log"
fi

# Refusals are logged and summarised in one line at exit
rm -f "$own"
err=$(jail --seccomp-log --log "$own" -- sh -c 'unshare -U true 2>/dev/null; hostname x 2>/dev/null; true' 2>&1)
assert_match "syscall.deny names the call and the process" \
	'"event":"syscall.deny","syscall":"unshare","comm":"unshare"' "$(cat "$own")"
assert_match "the summary line points at the log" \
	"^jail: [0-9]+ requests were denied; see $own" "$err"
assert_status "seccomp-log lines are well-formed" 0 check_json "$own"
err=$(jail --log "$own" -- true 2>&1)
assert_eq "no summary when nothing was denied" "" "$err"

# A protected path cannot be created during the run: nothing lands, so
# there is no fs.protected_created to log
rm -f "$own" "$proj/.envrc"
out=$(jail --log "$own" -- sh -c 'echo x >.envrc && echo created' 2>&1)
assert_nomatch "an absent protected path cannot be created" "^created$" "$out"
if [ -s "$proj/.envrc" ]; then
	t_fail "... and nothing landed on the host" "$(cat "$proj/.envrc")"
else
	t_pass "... and nothing landed on the host"
fi
assert_eq "... so no fs.protected_created is logged" 0 \
	"$(grep -c '"event":"fs.protected_created"' "$own")"
exit 0
