#!/bin/bash
# SPDX-License-Identifier: MIT
# t-tty.sh - COMMAND's own pseudo-terminal, size, modes, job control
. "$(dirname "$0")/lib.sh"

proj=$(mkproj tty)
cd "$proj" || exit 1

# in_pty CMD: CMD on a fresh terminal (lib.sh in_script)
in_pty() { in_script "$1"; }

out=$(in_pty "stty rows 33 cols 111; $JAIL -- sh -c 'tty; stty size; stat -L -c %d /proc/self/fd/0'")
assert_match "COMMAND's terminal is a /dev/pts path of the jail" \
	"^/dev/pts/[0-9]+$" "$(printf '%s\n' "$out" | sed -n 1p)"
assert_eq "stty size follows the outer terminal" "33 111" \
	"$(printf '%s\n' "$out" | sed -n 2p)"
# The device (devpts instance) of COMMAND's stdin is not the outer one
outer=$(in_pty "stat -L -c %d /proc/self/fd/0")
inner=$(printf '%s\n' "$out" | sed -n 3p)
if [ -n "$inner" ] && [ "$inner" != "$outer" ]; then
	t_pass "COMMAND holds no descriptor of the outer terminal"
else
	t_fail "COMMAND holds no descriptor of the outer terminal" "[$inner] vs [$outer]"
fi

# Terminal modes are restored on every exit path
for cmd in "true" "sh -c 'exit 3'" "sh -c 'kill -KILL \$\$'" \
	"--timeout 0.3 -- sleep 5" "no-such-cmd"; do
	case "$cmd" in --*) args=$cmd;; *) args="-- $cmd";; esac
	out=$(in_pty "stty -g; $JAIL $args >/dev/null 2>&1; stty -g")
	a=$(printf '%s\n' "$out" | sed -n 1p)
	b=$(printf '%s\n' "$out" | sed -n 2p)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		t_pass "terminal modes restored after [$cmd]"
	else
		t_fail "terminal modes restored after [$cmd]" "[$a] vs [$b]"
	fi
done

# Job control inside: the shell in the jail owns its terminal
out=$(in_pty "$JAIL -- sh -c 'ps -o stat= -p \$\$; sleep 0.1 & jobs; wait'")
assert_match "COMMAND is in the foreground of its terminal" "^[A-Za-z]*\+" "$out"

# Window size changes reach COMMAND (SIGWINCH through the relay)
out=$(as_user timeout -k 5 30 python3 - "$JAIL" <<'PY'
import fcntl, os, pty, select, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "--", "sh", "-c",
        'trap "stty size; exit 0" WINCH; echo ready; '
        'i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done'])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 20, 70, 0, 0))
buf = b""
deadline = time.time() + 20
resized = False
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        buf += d
    if b"ready" in buf and not resized:
        time.sleep(0.2)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 41, 99, 0, 0))
        resized = True
os.waitpid(pid, 0)
print(buf.decode(errors="replace").replace("\r", ""))
PY
)
assert_match "SIGWINCH propagates the new size" "41 99" "$out"

# Input reaches COMMAND and its output comes back
out=$(as_user timeout -k 5 30 script -qefc "$JAIL -- sh -c 'read l; echo got:\$l'" /dev/null <<<"typed" | tr -d '\r')
assert_match "keystrokes are relayed to COMMAND" "got:typed" "$out"

# Without a terminal: stdio passes through, COMMAND has no controlling tty
out=$(echo piped | jail -- sh -c 'cat; tty; ps -o tty= -p $$')
assert_eq "without a terminal stdio passes through" \
	"$(printf 'piped\nnot a tty\n?')" "$out"
exit 0
