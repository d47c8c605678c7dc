#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/run.sh - entry point of `make check`
#
# Runs the unit tests, the fuzz corpus replay, a few seconds of each
# libFuzzer harness (FUZZ_DIR), the man page lint, then every
# tests/t-*.sh and tests/escape/t-*.sh twice: jail driven as root and as the
# unprivileged user "jailtest" (created by `make deps`). Ends with the line
# "N passed, N failed, N skipped". ONLY='GLOB...' (make check
# ONLY='t-faults* t-cli*') runs just the jail test files whose name matches
# one of the globs, for a quick look.

set -u
# Every process the suite starts stays below this shell: a subreaper
# (PR_SET_CHILD_SUBREAPER, kept across execve) inherits the orphans of its
# own tests, so leftovers are found among its descendants alone, never among
# other suites' or users' jails on the machine
if [ -z "${JAIL_CHECK_REAPER:-}" ]; then
	JAIL_CHECK_REAPER=1 exec python3 -c '
import ctypes, os, sys
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
    sys.exit("run.sh: PR_SET_CHILD_SUBREAPER: " + os.strerror(ctypes.get_errno()))
os.execv("/bin/bash", ["bash"] + sys.argv[1:])' "$0" "$@"
fi
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
: "${JAIL_BIN:=$TOP/jail}"
: "${BUILD:=$TOP/build}"

STAGE=$(mktemp -d /var/tmp/jail-check.XXXXXX)
chmod 755 "$STAGE"
RESULTS=$STAGE/results
SKIPS=$STAGE/skips	# one line per skip: FILE [USER] NAME: WHY
: >"$RESULTS"
: >"$SKIPS"
export STAGE RESULTS SKIPS
trap 'rm -rf "$STAGE"' EXIT

# Stage what the unprivileged user must read: the clone may sit where it
# cannot (for example under /root).
mkdir -p "$STAGE/bin" "$STAGE/helpers" "$STAGE/tests"
cp "$JAIL_BIN" "$STAGE/bin/jail"
cp -r "$BUILD/helpers/." "$STAGE/helpers/" 2>/dev/null
cp -r tests/. "$STAGE/tests/"
cp -r bench man "$STAGE/" 2>/dev/null
chmod -R a+rX "$STAGE"
export JAIL="$STAGE/bin/jail" HELPERS="$STAGE/helpers" TOP

# What the host has before any jail ran: after the suite it must have the
# same mounts, links and named network namespaces (jails and test
# internets live in namespaces of their own)
host_state()
{
	awk '{ print $5 }' /proc/self/mountinfo | sort
	echo "# links"
	ip -o link show 2>/dev/null | awk -F': ' '{ print $2 }' | sort
	echo "# netns"
	find /run/netns -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort
}
host_state >"$STAGE/host-before"

record()
{
	echo "$1 - $2"
	echo "$1" >>"$RESULTS"
	[ "$1" = skip ] && echo "run.sh: $2" >>"$SKIPS"
}

# none_built WHAT GLOB...: record a skip when no file matches (a build
# without them), so nothing is left out silently
none_built()
{
	local what=$1 f
	shift
	for f in "$@"; do
		[ -x "$f" ] && return 1
	done
	record skip "$what: none built"
	return 0
}

# unit_tap NAME OUTPUT STATUS: each TAP "ok N" / "not ok N" line of a unit
# binary counts as one result; a binary that crashed or printed none fails
unit_tap()
{
	local name=$1 out=$2 rc=$3 n_ok n_fail
	n_ok=$(printf '%s\n' "$out" | grep -c '^ok [0-9]')
	n_fail=$(printf '%s\n' "$out" | grep -c '^not ok [0-9]')
	awk -v n="$n_ok" 'BEGIN { while (n-- > 0) print "ok" }' >>"$RESULTS"
	awk -v n="$n_fail" 'BEGIN { while (n-- > 0) print "FAIL" }' >>"$RESULTS"
	if [ "$n_fail" -gt 0 ]; then
		printf '%s\n' "$out" | grep -v '^ok' | head -20
		echo "FAIL - unit: $name ($n_fail of $((n_ok + n_fail)) assertions failed)"
	elif [ "$rc" != 0 ] || [ "$n_ok" = 0 ]; then
		printf '%s\n' "$out" | tail -20
		record FAIL "unit: $name (exit $rc after $n_ok assertions)"
	else
		echo "ok - unit: $name ($n_ok assertions)"
	fi
}

echo "# unit tests"
none_built "unit tests" "$BUILD"/unit/test-*
for t in "$BUILD"/unit/test-*; do
	[ -x "$t" ] || continue
	out=$("$t" 2>&1)
	unit_tap "$(basename "$t")" "$out" $?
done

echo "# fuzz corpus replay"
none_built "fuzz corpus replay" "$BUILD"/replay/fuzz-*
for r in "$BUILD"/replay/fuzz-*; do
	[ -x "$r" ] || continue
	n=${r##*/fuzz-}
	if out=$("$r" "tests/fuzz/corpus/$n" 2>&1); then
		record ok "replay: $n ($(printf '%s' "$out" | tail -1))"
	else
		printf '%s\n' "$out" | tail -20
		record FAIL "replay: $n"
	fi
done

echo "# fuzz smoke (${FUZZ_SMOKE_SECONDS:-3} s each)"
none_built "fuzz smoke (libFuzzer harnesses)" "${FUZZ_DIR:-$TOP/build-fuzz}"/fuzz-*
for f in "${FUZZ_DIR:-$TOP/build-fuzz}"/fuzz-*; do
	[ -x "$f" ] || continue
	n=${f##*/fuzz-}
	mkdir -p "$STAGE/fuzz/$n"
	if out=$("$f" -max_total_time="${FUZZ_SMOKE_SECONDS:-3}" -max_len=4096 \
		-artifact_prefix="$STAGE/fuzz/crash-$n-" \
		"$STAGE/fuzz/$n" "tests/fuzz/corpus/$n" 2>&1); then
		record ok "fuzz-smoke: $n ($(printf '%s\n' "$out" |
			grep -o 'Done [0-9]* runs'))"
	else
		printf '%s\n' "$out" | tail -30
		record FAIL "fuzz-smoke: $n (its input is printed above)"
	fi
done

echo "# man page"
if out=$(mandoc -T lint -W warning man/jail.1 2>&1) && [ -z "$out" ]; then
	record ok "man: mandoc -T lint"
else
	printf '%s\n' "$out" | head -20
	record FAIL "man: mandoc -T lint"
fi

users=("$(id -un)")
if [ "$(id -u)" = 0 ]; then
	if id jailtest >/dev/null 2>&1; then
		users+=(jailtest)
	else
		record FAIL "setup: test user jailtest missing (run make deps)"
	fi
else
	echo "# note: not root, so jail runs only as $(id -un); CI runs both"
fi

# is_selected NAME: NAME matches one of the globs in ONLY (all when unset)
read -ra only_globs <<<"${ONLY:-*}"
is_selected()
{
	local g
	for g in "${only_globs[@]}"; do
		# shellcheck disable=SC2254 # a glob on purpose
		case $1 in $g) return 0 ;; esac
	done
	return 1
}

# is_security FILE: a test of a fence (STYLE 9: it may not skip on a
# machine with user namespaces)
is_security()
{
	case ${1#"$STAGE"/tests/} in
	escape/*) return 0 ;;
	t-creds.sh | t-fsview.sh | t-netns.sh | t-process.sh | \
		t-seccomp.sh | t-secrets.sh) return 0 ;;
	esac
	return 1
}

for u in "${users[@]}"; do
	echo "# jail tests as $u"
	for t in "$STAGE"/tests/t-*.sh "$STAGE"/tests/escape/t-*.sh; do
		[ -f "$t" ] || continue
		is_selected "${t##*/}" || continue
		sec=0
		is_security "$t" && sec=1
		JT_USER=$u JT_SECURITY=$sec timeout -k 10 600 bash "$t"
		rc=$?
		if [ "$rc" != 0 ]; then
			record FAIL "$(basename "$t") [$u]: exited $rc"
		fi
	done
done

echo "# leftovers"
# Everything a jail creates dies with it: no process the suite started may
# outlive it. This shell is their subreaper, so what is left of them is
# among its descendants (ps's own line left out)
descendants()
{
	ps -e -o pid= -o ppid= -o args= >"$STAGE/ps"
	awk -v top=$$ '$4 != "-e" || $3 != "ps" { parent[$1] = $2; line[$1] = $0 }
		END { for (p in parent) { q = parent[p]
			while (q in parent && q != top) q = parent[q]
			if (q == top) print line[p] } }' "$STAGE/ps"
}
sleep 0.5
descendants >"$STAGE/left"	# not $(...): its subshell would be one
left=$(cat "$STAGE/left")
if [ -z "$left" ]; then
	record ok "no jail process is left on the host"
else
	printf '%s\n' "$left" | head -5
	record FAIL "no jail process is left on the host"
	# shellcheck disable=SC2046 # one pid per word
	kill -9 $(printf '%s\n' "$left" | awk '{ print $1 }') 2>/dev/null
fi

host_state >"$STAGE/host-after"
if [ -n "${ONLY:-}" ]; then
	echo "# host mounts, links and netns: not compared (ONLY: other suites may run)"
elif changed=$(diff "$STAGE/host-before" "$STAGE/host-after"); then
	record ok "no mount, link or network namespace is left on the host"
else
	printf '%s\n' "$changed" | head -10
	record FAIL "no mount, link or network namespace is left on the host"
fi

# No security test may skip where user namespaces work (STYLE 9)
if [ -s "$SKIPS" ]; then
	echo "# skipped"
	sed 's/^/#   /' "$SKIPS"
fi
if grep -q '^security ' "$SKIPS"; then
	if unshare --user --map-root-user true 2>/dev/null; then
		record FAIL "a security test skipped on a machine with user namespaces"
	else
		echo "# note: no user namespaces here, so security tests skipped"
	fi
fi

pass=$(grep -c '^ok$' "$RESULTS")
fail=$(grep -c '^FAIL$' "$RESULTS")
skip=$(grep -c '^skip$' "$RESULTS")
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
