#!/bin/bash
# SPDX-License-Identifier: MIT
# t-seccomp.sh - the syscall filter is loaded, developer work keeps working
# under it, --seccomp-log reports refused calls
#
# The escape suite (tests/escape/) tries the refused calls one by one; this
# file checks the other side: git, a C build, npm and pip installs into the
# project, gdb and strace on processes inside the jail.
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

proj=$(mkproj seccomp)
cd "$proj" || exit 1

out=$(jail -- sh -c 'grep Seccomp /proc/self/status')
assert_match "Seccomp mode 2 (filter)" "^Seccomp:[[:space:]]2$" \
	"$(printf '%s\n' "$out" | sed -n 1p)"
assert_match "exactly one filter" "^Seccomp_filters:[[:space:]]1$" \
	"$(printf '%s\n' "$out" | sed -n 2p)"
out=$(jail --explain -- true 2>&1)
assert_match "--explain describes the filter" \
	"seccomp: default filter \([0-9]+ rules\)" "$out"
assert_match "--explain says whether Landlock applies" "[Ll]andlock" "$out"

# git: init, commit and clone a local repository inside the project
out=$(jail -- sh -c 'set -e
	git init -q src && cd src && echo one >f && git add f &&
	git -c user.name=t -c user.email=t@example.org commit -qm one &&
	cd .. && git clone -q src dst && cat dst/f && git -C dst log --format=%s' \
	2>"$STAGE/seccomp-git.$JT_USER")
assert_eq "git init, commit and clone work" "$(printf 'one\none')" "$out"
assert_match "... and the new repositories are listed at exit" \
	"new repository \".*/dst/\.git\" created during the run" \
	"$(cat "$STAGE/seccomp-git.$JT_USER")"

# A C build with threads (pthread_create goes through clone3, then clone)
cat >hello.c <<'C'
#include <pthread.h>
#include <stdio.h>

static void *run(void *arg)
{
	return arg;
}

int main(void)
{
	pthread_t t;
	int x = 41;

	pthread_create(&t, NULL, run, NULL);
	pthread_join(t, NULL);
	x++;
	printf("hello %d\n", x);
	return 0;
}
C
chown "$JT_USER:" hello.c
out=$(jail -- sh -c 'cc -g -O0 -pthread -o hello hello.c && ./hello' 2>&1)
assert_eq "cc builds and the program runs" "hello 42" "$out"

# gdb: a breakpoint (a write into the debuggee) and a variable; ASLR off
# through personality(ADDR_NO_RANDOMIZE)
out=$(jail -- gdb -q -batch -ex 'break 16' -ex run -ex 'print x' ./hello 2>&1)
assert_match "gdb stops at a breakpoint" "Breakpoint 1, main" "$out"
assert_match "gdb reads a variable" "^[$]1 = 41\$" "$out"
assert_nomatch "gdb can disable address randomization" \
	"Error disabling address space randomization" "$out"
# strace: follows the threads; clone3 answers ENOSYS, clone takes over
out=$(jail -- strace -f -e trace=clone,clone3 ./hello 2>&1)
assert_match "strace runs the program" "^hello 42$" "$out"
assert_match "strace shows clone3 answered ENOSYS" "clone3\(.*= -1 ENOSYS" "$out"
assert_match "strace shows the clone fallback" "^clone\(.*CLONE_THREAD" "$out"

# npm install of a local package directory, offline
mkdir -p localpkg
echo '{"name":"localpkg","version":"1.0.0","main":"index.js"}' >localpkg/package.json
echo 'module.exports = () => "localpkg works";' >localpkg/index.js
echo '{"name":"app","version":"1.0.0"}' >package.json
chown -R "$JT_USER:" localpkg package.json
out=$(jail --net none -- sh -c 'npm install ./localpkg --offline --no-audit --no-fund >/dev/null 2>&1;
	node -e "console.log(require(\"localpkg\")())"' 2>&1)
assert_eq "npm install of a local package works" "localpkg works" "$out"

# pip install of a local package into a venv in the project, no index
mkdir -p pypkg/src/jtpkg
printf 'from setuptools import setup\nsetup(name="jtpkg", version="1.0", packages=["jtpkg"], package_dir={"": "src"})\n' >pypkg/setup.py
echo 'def hello(): return "jtpkg works"' >pypkg/src/jtpkg/__init__.py
chown -R "$JT_USER:" pypkg
out=$(jail -- sh -c 'python3 -m venv .venv &&
	.venv/bin/pip install -q --no-index ./pypkg >/dev/null 2>&1;
	.venv/bin/python -c "import jtpkg; print(jtpkg.hello())"' 2>&1)
assert_eq "pip install into a project venv works" "jtpkg works" "$out"

# --seccomp-log: the call still fails as without it, and is logged
log="$JT_HOME/seccomp-log-$$.jsonl"
rm -f "$log"
out=$(jail --seccomp-log --log "$log" -- sh -c 'unshare -U true 2>&1; echo rc=$?' 2>&1)
assert_match "a refused call still fails (EPERM) under --seccomp-log" \
	"Operation not permitted" "$out"
events=$(grep '"event":"syscall.deny"' "$log" 2>/dev/null)
assert_match "syscall.deny is logged with the syscall name" \
	'"syscall":"unshare"' "$events"
assert_match "syscall.deny names the process" '"comm":"unshare"' "$events"
rm -f "$log"
out=$(jprobe_with --seccomp-log --log "$log" -- sockets)
assert_match "a refused family still answers EAFNOSUPPORT" \
	"^af_packet-raw errno=EAFNOSUPPORT$" "$out"
assert_match "a raw socket still answers EPERM" "^af_inet-raw errno=EPERM$" "$out"
assert_match "socket() refusals are logged" '"syscall":"socket"' \
	"$(grep '"event":"syscall.deny"' "$log" 2>/dev/null)"
rm -f "$log"
out=$(jprobe_with --seccomp-log --log "$log" -- userns)
assert_match "clone3 stays ENOSYS under --seccomp-log" \
	"^clone3-newuser errno=ENOSYS$" "$out"
# The same log holds the probe's other refusals (unshare): it was written
assert_match "the userns probe's refusals are logged" \
	'"event":"syscall.deny","syscall":"unshare"' "$(cat "$log" 2>&1)"
assert_nomatch "clone3 is not logged (not an attack)" '"syscall":"clone3"' \
	"$(cat "$log" 2>&1)"
rm -f "$log"
jail --log "$log" -- sh -c 'unshare -U true' >/dev/null 2>&1
if [ -s "$log" ]; then
	assert_nomatch "without --seccomp-log refusals are silent" \
		'"event":"syscall.deny"' "$(cat "$log")"
else
	t_fail "without --seccomp-log refusals are silent" "no audit log at $log"
fi
rm -f "$log"
exit 0
