#!/bin/bash
# SPDX-License-Identifier: MIT
# t-jobctl.sh - Ctrl-Z from a real interactive shell: the jailed job
# stops, jail gives the terminal back and stops too (the shell says
# Stopped, jobs lists it), fg resumes it in raw mode; a shell inside keeps
# its own job control
. "$(dirname "$0")/lib.sh"

proj=$(mkproj jobctl)
cd "$proj" || exit 1

# shell_script STEPS: drive "bash -i" on a fresh pty through STEPS, one
# per line: "send TEXT" (\r, \x1a escapes), "expect TEXT" (wait up to 20 s;
# a miss prints "MISS: TEXT" and ends), "sleep S". Prints the terminal's
# output with CRs removed.
shell_script()
{
	as_py_pty 120 "$1" <<'PY'
import sys, time
from ptyexpect import Pty
steps = sys.argv[1].splitlines()
t = Pty(["/bin/bash", "--norc", "--noprofile", "-i"],
        env={"PS1": "PROMPT$ ", "TERM": "xterm"})
for st in steps:
    op, _, arg = st.strip().partition(" ")
    data = arg.encode().decode("unicode_escape").encode("latin-1")
    if op == "send":
        t.write(data)
    elif op == "expect":
        if not t.expect(data):
            t.buf += b"\nMISS: " + data + b"\n"
            break
    elif op == "sleep":
        time.sleep(float(arg))
t.write(b"\x03exit\r")
time.sleep(0.3)
sys.stdout.write(t.buf.decode(errors="replace").replace("\r", ""))
PY
}

# A job that stops and goes on: ^Z, jobs, fg; the sleep is stopped meanwhile
out=$(shell_script "expect PROMPT\$ 
send stty -g >before.stty; $JAIL -- sh -c 'echo go\$((1+1)); sleep 2; echo end\$((2+2))'\r
expect go2
sleep 0.3
send \x1a
expect Stopped
expect PROMPT\$ 
send stty -g >stopped.stty; jobs; echo J\$((3+3))\r
expect J6
sleep 3
send echo early:\$(ls end* 2>/dev/null)\r
expect PROMPT\$ 
send fg\r
expect end4
expect PROMPT\$ 
send echo rc=\$?\r
expect rc=0")
assert_nomatch "no step missed" "MISS:" "$out"
assert_match "Ctrl-Z: the user's shell says Stopped" "\[1\]\+ +Stopped +.*jail -- sh -c" "$out"
assert_match "jobs lists the stopped jail" "\[1\]\+ +Stopped.*J6" "$(printf '%s' "$out" | tr '\n' ' ')"
assert_eq "while stopped, the host terminal is back in its own modes" \
	"$(cat "$proj/before.stty" 2>/dev/null)" "$(cat "$proj/stopped.stty" 2>/dev/null)"
assert_match "fg resumes the job, which finishes" "end4" "$out"
assert_match "... and jail exits with its status" "rc=0" "$out"
# The job did not run while stopped: 3 s passed, yet it printed end4
# only after fg (the order of the lines on the terminal says so)
assert_match "the job stayed stopped until fg" "J6.*fg.*end4" \
	"$(printf '%s' "$out" | tr '\n' ' ')"

# A full-screen program: vim, ^Z, fg, :q!
out=$(shell_script "expect PROMPT\$ 
send $JAIL -- vim -u NONE -N jobctl.txt\r
sleep 1.5
send \x1a
expect Stopped
expect PROMPT\$ 
send fg\r
sleep 1
send ihello\x1b:wq\r
expect PROMPT\$ 
send echo rc=\$?\r
expect rc=0")
assert_nomatch "vim: no step missed" "MISS:" "$out"
assert_match "vim: Ctrl-Z stops it, the shell says Stopped" "Stopped +.*jail -- vim" "$out"
assert_eq "vim: after fg it takes keys again and writes the file" "hello" \
	"$(cat "$proj/jobctl.txt" 2>/dev/null)"
assert_match "vim: jail exits with its status" "rc=0" "$out"

# A shell inside keeps its own job control: its ^Z stops its job, not jail
out=$(shell_script "expect PROMPT\$ 
send $JAIL -- env PS1='INNER# ' bash --norc --noprofile -i; echo rc=\$?\r
expect INNER# 
send sleep 30\r
sleep 0.5
send \x1a
expect Stopped
expect INNER# 
send jobs; echo K\$((4+4))\r
expect K8
send exit 7\r
expect stopped jobs
expect INNER# 
send exit 7\r
expect rc=7")
assert_nomatch "inner shell: no step missed" "MISS:" "$out"
assert_match "inner shell: its job stopped inside" "Stopped +sleep 30" "$out"
assert_nomatch "inner shell: jail itself did not stop" "Stopped +.*jail --" "$out"
assert_match "inner shell: jail ends with its status" "^rc=7$" "$out"
rm -f "$proj"/*.stty "$proj/jobctl.txt"
exit 0
