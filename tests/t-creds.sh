#!/bin/bash
# SPDX-License-Identifier: MIT
# t-creds.sh - ids, capabilities, no_new_privs, environment, descriptors
. "$(dirname "$0")/lib.sh"

proj=$(mkproj creds)
cd "$proj" || exit 1

out=$(jail -- sh -c 'id -u; id -g; id -G')
assert_eq "uid, gid and groups are the caller's" \
	"$(printf '%s\n%s\n%s' "$JT_UID" "$JT_GID" "$JT_GID")" "$out"
out=$(jail -- grep -E '^(Cap(Inh|Prm|Eff|Bnd|Amb)|NoNewPrivs)' /proc/self/status)
assert_eq "every capability set is empty" 5 \
	"$(printf '%s\n' "$out" | grep -c ':[[:space:]]0000000000000000$')"
assert_match "no_new_privs is set" "NoNewPrivs:[[:space:]]1" "$out"
out=$(jail -- sh -c 'grep -E "^Cap(Prm|Eff)" /proc/1/status')
assert_eq "pid 1 holds no capability either" 2 \
	"$(printf '%s\n' "$out" | grep -c ':[[:space:]]0000000000000000$')"
# Securebits are locked: noroot, no-setuid-fixup and their locks (0xf),
# read with prctl(PR_GET_SECUREBITS)
out=$(jail -- python3 -c 'import ctypes; print(ctypes.CDLL(None).prctl(27, 0, 0, 0, 0) & 15)' 2>&1)
assert_eq "securebits locked (noroot, no-setuid-fixup)" 15 "$out"
# Setuid binaries gain nothing: su fails for want of privilege (as root:
# CAP_SETGID; otherwise su runs as the caller and cannot check a password);
# escape/t-setuid.sh shows its ids
out=$(jail -- sh -c 'su -c id root </dev/null 2>&1; echo rc=$?')
if [ "$JT_UID" = 0 ]; then
	assert_match "setuid su gains nothing" \
		"^su: cannot set groups: Operation not permitted" "$out"
else
	assert_match "setuid su gains nothing" "su: Authentication failure" "$out"
fi

# Environment: cleared, kept, set
out=$(JT_EXTRA_ENV="HOSTSECRET=zz9 TERM=xterm-test EDITOR=vi LC_ALL=C.UTF-8" \
	jail --env PASSME=p1 --env HOSTSECRET2 -- env)
assert_nomatch "host variables do not enter" "HOSTSECRET|zz9" "$out"
assert_match "TERM is kept" "^TERM=xterm-test$" "$(printf '%s\n' "$out" | grep ^TERM=)"
assert_match "LC_* is kept" "LC_ALL=C.UTF-8" "$out"
assert_match "EDITOR is kept" "EDITOR=vi" "$out"
assert_eq "JAIL=1 is set" "JAIL=1" "$(printf '%s\n' "$out" | grep '^JAIL=')"
assert_match "TMPDIR=/tmp is set" "TMPDIR=/tmp" "$out"
assert_match "--env NAME=VALUE sets" "PASSME=p1" "$out"
out=$(JT_EXTRA_ENV="FROMHOST=fh7" jail --env FROMHOST -- printenv FROMHOST)
assert_eq "--env NAME passes the host's value" "fh7" "$out"
allowed='^(PATH|HOME|USER|LOGNAME|SHELL|TERM|COLORTERM|LANG|LC_[A-Z_]+|TZ|EDITOR|VISUAL|PAGER|NO_COLOR|JAIL|TMPDIR|PASSME|PWD|SHLVL|_|OLDPWD)='
extra=$(JT_EXTRA_ENV="X1=a Y2=b" jail --env PASSME=p1 -- env | grep -Ev "$allowed")
assert_eq "nothing else enters the environment" "" "$extra"
assert_eq "HOME is the caller's home path" "$JT_HOME" \
	"$(jail -- printenv HOME)"

# Descriptors: a host fd is closed, --keep-fd keeps one
secret="$STAGE/creds-secret"
echo "host-secret" >"$secret"
chmod 644 "$secret"
out=$(jail -- sh -c 'ls /proc/self/fd' 7<"$secret" 9<"$secret")
assert_eq "host descriptors are closed" "$(printf '0\n1\n2\n3')" "$out"
out=$(jail --keep-fd 7 -- sh -c 'cat <&7; ls /proc/$$/fd | tr "\n" " "' 7<"$secret" 9<"$secret")
assert_match "--keep-fd 7 keeps fd 7" "^host-secret" "$out"
assert_nomatch "--keep-fd 7 closes fd 9" " 9 " "$out"
exit 0
