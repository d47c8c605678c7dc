# SPDX-License-Identifier: MIT
# ptyexpect.py - a command on a fresh pseudo-terminal, read until what a
# test waits for has shown, for the tests' inline drivers (as_py_pty in
# lib.sh puts this directory on the path)
#
#   t = Pty(["jail", "--", "sh"], rows=24, cols=80)
#   m = t.until(rb"regex", 20)    # a match anywhere in t.buf, or None
#   t.expect(b"text", 20)         # after the last expect(); True or False
#   t.write(b"y"); t.wait()
#
# Every read is bounded by the seconds given; on_data(bytes), when set,
# sees each chunk as it arrives (a terminal model, for instance).
import fcntl
import os
import pty
import re
import select
import struct
import termios
import time


class Pty:
    def __init__(self, argv, env=None, rows=None, cols=None):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            if env:
                os.environ.update(env)
            os.execv(argv[0], argv)
        if rows and cols:
            fcntl.ioctl(self.fd, termios.TIOCSWINSZ,
                        struct.pack("HHHH", rows, cols, 0, 0))
        self.buf = b""
        self.seen = 0
        self.on_data = None

    def _read_until(self, found, secs):
        """Read until found() is true or @secs pass; found()'s result"""
        end = time.time() + secs
        while True:
            res = found()
            if res or time.time() >= end:
                return res
            r, _, _ = select.select([self.fd], [], [], 0.1)
            if not r:
                continue
            try:
                d = os.read(self.fd, 4096)
            except OSError:
                return found()
            if not d:
                return found()
            self.buf += d
            if self.on_data:
                self.on_data(d)

    def until(self, pat, secs):
        """The first match of regex @pat in everything shown, or None"""
        return self._read_until(lambda: re.search(pat, self.buf), secs)

    def expect(self, data, secs=20):
        """Whether @data shows after what the last expect() found"""
        def found():
            i = self.buf.find(data, self.seen)
            if i >= 0:
                self.seen = i + len(data)
            return i >= 0
        return self._read_until(found, secs)

    def write(self, data):
        os.write(self.fd, data)

    def wait(self):
        return os.waitpid(self.pid, 0)[1]
