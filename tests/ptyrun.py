#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# ptyrun.py - run a command on a fresh pseudo-terminal, as a user's
# terminal emulator would, and keep every byte it shows
#
#   ptyrun.py OUT [[--wait SHOWN | --prompt END] --keys TEXT]... -- COMMAND [ARG]...
#
# Writes what reached the terminal to OUT, byte for byte. Each --keys TEXT
# ("\r", "\x1b" escapes allowed) is typed once the output has been quiet
# for half a second, one after the other; after --wait SHOWN, once the
# bytes SHOWN have reached the terminal since the keys before (for a
# screen that never goes quiet, such as a spinner); after --prompt END,
# once what reached it since the keys before ends with END (a question
# waiting for its answer). TERM is xterm-256color and the size 24x80.
# Gives up after 60 s (then ends COMMAND with SIGKILL); exits with
# COMMAND's status.
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
# (how to wait: None for quiet output, "--wait" or "--prompt"; its bytes;
#  bytes to type)
keys = []
wait = (None, None)
while args and args[0] in ("--keys", "--wait", "--prompt"):
    text = args[1].encode().decode("unicode_escape").encode("latin-1")
    if args[0] == "--keys":
        keys.append(wait + (text,))
        wait = (None, None)
    else:
        wait = (args[0], text)
    args = args[2:]
if args and args[0] == "--":
    args = args[1:]

env = dict(os.environ, TERM="xterm-256color")
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(args[0], args, env)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
buf = b""
typed_at = 0  # where the output stood when keys were last typed
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
    how = keys[0][0] if keys else None
    if how == "--wait":
        ready = keys[0][1] in buf[typed_at:]
    elif how == "--prompt":
        ready = len(buf) > typed_at and buf.endswith(keys[0][1])
    else:
        ready = not r and buf and time.time() - last > 0.5
    if keys and ready:
        try:
            os.write(fd, keys.pop(0)[2])
        except OSError:
            pass
        last = time.time()
        typed_at = len(buf)
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
with open(out_path, "wb") as f:
    f.write(buf)
sys.exit(os.waitstatus_to_exitcode(status) & 0xff)
