#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# ptyrun.py - run a command on a fresh pseudo-terminal, as a user's
# terminal emulator would, and keep every byte it shows
#
#   ptyrun.py OUT [--keys TEXT]... -- COMMAND [ARG]...
#
# Writes what reached the terminal to OUT, byte for byte. Each --keys TEXT
# ("\r", "\x1b" escapes allowed) is typed once the output has been quiet
# for half a second, one after the other. TERM is xterm-256color and the
# size 24x80. Gives up after 60 s; exits with COMMAND's status.
import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time

out_path = sys.argv[1]
args = sys.argv[2:]
keys = []
while args and args[0] == "--keys":
    keys.append(args[1].encode().decode("unicode_escape").encode("latin-1"))
    args = args[2:]
if args and args[0] == "--":
    args = args[1:]

env = dict(os.environ, TERM="xterm-256color")
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(args[0], args, env)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
buf = b""
deadline = time.time() + 60
last = time.time()
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.1)
    if r:
        try:
            d = os.read(fd, 65536)
        except OSError:
            break
        if not d:
            break
        buf += d
        last = time.time()
    elif keys and buf and time.time() - last > 0.5:
        try:
            os.write(fd, keys.pop(0))
        except OSError:
            pass
        last = time.time()
_, status = os.waitpid(pid, 0)
with open(out_path, "wb") as f:
    f.write(buf)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
