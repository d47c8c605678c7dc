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
cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
: "${JAIL_BIN:=$TOP/jail}"
: "${BUILD:=$TOP/build}"

STAGE=$(mktemp -d /var/tmp/jail-check.XXXXXX)
chmod 755 "$STAGE"
RESULTS=$STAGE/results
: >"$RESULTS"
export STAGE RESULTS
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
}

echo "# unit tests"
for t in "$BUILD"/unit/test-*; do
	[ -x "$t" ] || continue
	if out=$("$t" 2>&1); then
		record ok "unit: $(basename "$t")"
	else
		printf '%s\n' "$out" | grep -v '^ok' | head -20
		record FAIL "unit: $(basename "$t")"
	fi
done

echo "# fuzz corpus replay"
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

for u in "${users[@]}"; do
	echo "# jail tests as $u"
	for t in "$STAGE"/tests/t-*.sh "$STAGE"/tests/escape/t-*.sh; do
		[ -f "$t" ] || continue
		is_selected "${t##*/}" || continue
		JT_USER=$u timeout -k 10 600 bash "$t"
		rc=$?
		if [ "$rc" != 0 ]; then
			record FAIL "$(basename "$t") [$u]: exited $rc"
		fi
	done
done

echo "# leftovers"
# Everything a jail creates dies with it: no process may outlive the suite
sleep 0.5
# With ONLY, other suites may run beside this one: look at this stage's
# processes only (every jail-init is some suite's otherwise)
procs="^jail-init |^$STAGE/bin/jail |$STAGE/.*serve\.py"
[ -n "${ONLY:-}" ] && procs="^$STAGE/bin/jail |$STAGE/.*serve\.py"
left=$(pgrep -af "$procs" | grep -v pgrep)
if [ -z "$left" ]; then
	record ok "no jail process is left on the host"
else
	printf '%s\n' "$left" | head -5
	record FAIL "no jail process is left on the host"
	pkill -9 -f "$procs"
fi

# The jail registry's /dev/shm fallback (no XDG_RUNTIME_DIR in the tests):
# empty once every jail ended, and removed like the rest of the stage
for u in "${users[@]}"; do
	rmdir "/dev/shm/jail-$(id -u "$u")" 2>/dev/null || true
done

host_state >"$STAGE/host-after"
if [ -n "${ONLY:-}" ]; then
	echo "# host mounts, links and netns: not compared (ONLY: other suites may run)"
elif changed=$(diff "$STAGE/host-before" "$STAGE/host-after"); then
	record ok "no mount, link or network namespace is left on the host"
else
	printf '%s\n' "$changed" | head -10
	record FAIL "no mount, link or network namespace is left on the host"
fi

pass=$(grep -c '^ok$' "$RESULTS")
fail=$(grep -c '^FAIL$' "$RESULTS")
skip=$(grep -c '^skip$' "$RESULTS")
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
