#!/bin/bash
# SPDX-License-Identifier: MIT
# t-unix-sockets.sh - the host's abstract unix sockets and $SSH_AUTH_SOCK
#
# Abstract unix sockets have no file and no permission bits: anything in
# the same network namespace may connect (X11, D-Bus, agents listen on
# them). The jail has its own network namespace, so a name the host
# listens on is unknown inside (ECONNREFUSED). An ssh agent socket under
# the caller's home is absent (fresh home) and SSH_AUTH_SOCK is not passed.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj unix-sockets)
cd "$proj" || exit 1

name="jtabs-$$-$RANDOM"
agent="$JT_HOME/agent-$$.sock"
ready="$JT_HOME/listen-$$.ready"
rm -f "$agent" "$ready"
# listen NAME KIND READYFILE: accept and answer "reached" for 120 s
as_user python3 - "$name" "$agent" "$ready" <<'PY' 2>/dev/null &
import os, socket, sys, time
socks = []
for addr in ("\0" + sys.argv[1], sys.argv[2]):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(addr)
    s.listen(8)
    s.settimeout(0.1)
    socks.append(s)
with open(sys.argv[3], "w") as f:
    f.write(str(os.getpid()))
end = time.time() + 120
while time.time() < end:
    for s in socks:
        try:
            c, _ = s.accept()
            c.sendall(b"reached\n")
            c.close()
        except socket.timeout:
            pass
PY
disown
wait_until 10 test -s "$ready"
lpid=$(cat "$ready" 2>/dev/null)
trap '[ -n "$lpid" ] && kill "$lpid" 2>/dev/null; rm -f "$agent" "$ready"' EXIT

# Positive control: both sockets answer on the host
ctl=$(as_user python3 -c 'import socket, sys
for a in ("\0" + sys.argv[1], sys.argv[2]):
    s = socket.socket(socket.AF_UNIX); s.connect(a); print(s.recv(16).decode().strip())' \
	"$name" "$agent" 2>&1)
assert_eq "the host's listeners answer on the host" \
	"$(printf 'reached\nreached')" "$ctl"

out=$(jprobe connect-abstract "$name")
expect_errno "$out" connect-abstract ECONNREFUSED "own network namespace"

JT_EXTRA_ENV=("SSH_AUTH_SOCK=$agent")
out=$(jprobe env SSH_AUTH_SOCK)
assert_eq "SSH_AUTH_SOCK is not passed" "env SSH_AUTH_SOCK=unset" "$out"
out=$(jprobe connect-path "$agent")
unset JT_EXTRA_ENV
expect_errno "$out" connect-path ENOENT "the home inside is fresh"
exit 0
