#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/lib.sh - helpers shared by every t-*.sh test file
#
# A test file runs as root (real root, or the developer) and drives jail as
# $JT_USER: "root", or the unprivileged test user "jailtest". Setup that
# needs privilege (network namespaces of the test internet, files owned by
# someone else) is done by the test itself; only jail runs as $JT_USER.
#
# Environment from tests/run.sh:
#   JAIL      staged jail binary (readable by $JT_USER)
#   HELPERS   staged static helpers (probe, ptyrun, ...)
#   STAGE     scratch directory readable by $JT_USER
#   JT_USER   user that runs jail
#   RESULTS   file collecting one line per result

set -u

T_FILE=$(basename "$0" .sh)
: "${JT_USER:=$(id -un)}"
: "${STAGE:?run through tests/run.sh}"
: "${SKIPS:=$STAGE/skips}"
JT_UID=$(id -u "$JT_USER")
JT_GID=$(id -g "$JT_USER")
JT_HOME="$STAGE/home-$JT_USER"
mkdir -p "$JT_HOME"
chown "$JT_USER:" "$JT_HOME" 2>/dev/null
chmod 700 "$JT_HOME"

_result()
{
	local kind=$1 name=$2 why=${3:-}
	local line="$kind - $T_FILE: $name [$JT_USER]"
	[ -n "$why" ] && line="$line: $why"
	echo "$line"
	echo "$kind" >>"$RESULTS"
	if [ "$kind" = skip ]; then
		echo "${_skip_kind:-other} $line" >>"$SKIPS"
	fi
}

# t_pass NAME / t_fail NAME WHY / t_skip NAME WHY
#
# Every skip is recorded with its reason in $SKIPS; a skip in a security
# test file (JT_SECURITY=1, set by run.sh) fails the suite on a machine with
# user namespaces. t_skip_optional NAME WHY: a check that needs a program
# the machine may lack (a package from the network), not a fence
t_pass() { _result ok "$1"; }
t_fail() { _result FAIL "$1" "${2:-failed}"; }
t_skip()
{
	local _skip_kind=other
	[ "${JT_SECURITY:-0}" = 1 ] && _skip_kind=security
	_result skip "$1" "${2:?a skip needs a reason}"
}
t_skip_optional() { _result skip "$1" "${2:?a skip needs a reason}"; }

# as_user CMD...: run CMD as $JT_USER with a clean, predictable environment
as_user()
{
	local envs=(HOME="$JT_HOME" USER="$JT_USER" LOGNAME="$JT_USER"
		PATH="/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
		LANG=C.UTF-8 XDG_STATE_HOME="$JT_HOME/.local/state"
		XDG_RUNTIME_DIR="$JT_HOME/.run")
	# JT_EXTRA_ENV: more NAME=VALUE words (no spaces in values)
	# shellcheck disable=SC2206
	envs+=(${JT_EXTRA_ENV:-})
	if [ "$JT_USER" = "$(id -un)" ]; then
		env -i "${envs[@]}" "$@"
	else
		setpriv --reuid="$JT_UID" --regid="$JT_GID" --init-groups \
			--inh-caps=-all --bounding-set=-all \
			env -i "${envs[@]}" "$@"
	fi
}

# jail ARGS...: run the jail under test as $JT_USER, bounded in time
jail()
{
	as_user timeout -k 5 60 "$JAIL" "$@"
}

# mkproj NAME: a fresh project directory owned by $JT_USER; prints its path
mkproj()
{
	local d="$STAGE/proj-$JT_USER-$1"
	rm -rf "$d"
	mkdir -p "$d"
	chown -R "$JT_USER:" "$d"
	echo "$d"
}

# assert_eq NAME EXPECTED ACTUAL
assert_eq()
{
	if [ "$2" = "$3" ]; then
		t_pass "$1"
	else
		t_fail "$1" "expected [$2], got [$3]"
	fi
}

# assert_match NAME ERE TEXT
assert_match()
{
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		t_pass "$1"
	else
		t_fail "$1" "[$(printf '%s' "$3" | head -c 300)] does not match /$2/"
	fi
}

# assert_nomatch NAME ERE TEXT
assert_nomatch()
{
	if printf '%s' "$3" | grep -Eq -- "$2"; then
		t_fail "$1" "[$(printf '%s' "$3" | grep -E -- "$2" | head -c 300)] matches /$2/"
	else
		t_pass "$1"
	fi
}

# assert_status NAME EXPECTED CMD...: CMD exits with EXPECTED
assert_status()
{
	local name=$1 want=$2 got
	shift 2
	"$@" >/dev/null 2>&1
	got=$?
	assert_eq "$name" "$want" "$got"
}

# wait_until SECONDS CMD...: poll CMD every 0.05 s until it succeeds
wait_until()
{
	local limit=$1 i=0
	shift
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -ge $((limit * 20)) ] && return 1
		sleep 0.05
	done
	return 0
}

# The static probe (tests/helpers/probe.c) that tries things from inside
PROBE="${HELPERS:-}/probe"

# jprobe_with JAIL_OPTION... -- SUBCOMMAND [ARG]...
jprobe_with()
{
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		opts+=("$1")
		shift
	done
	shift
	jail "${opts[@]}" --ro "$HELPERS" -- "$PROBE" "$@" 2>&1
}

# u CMD...: CMD as $JT_USER (short for as_user); jctl ARGS...: jail's
# commands (approve, pending, ps, review, ...) as $JT_USER, outside a jail
u() { as_user "$@"; }
jctl() { as_user "$JAIL" "$@"; }

# fails_within NAME LIMIT OUT: OUT (from timed.py) is "fail SECONDS ..."
# with SECONDS below LIMIT: a refusal that comes at once, not a timeout
fails_within()
{
	local s
	s=$(printf '%s\n' "$3" | awk -v l="$2" '$1 == "fail" { print ($2 < l) ? "fast" : "slow " $2 }' | head -1)
	assert_eq "$1" fast "${s:-[$3]}"
}

# install_timed DIR: put tests/helpers/timed.py (URL [TIMEOUT [CAFILE]]:
# prints "ok SECONDS BODY" or "fail SECONDS ERROR", timed inside the jail)
# into DIR, readable by $JT_USER
install_timed()
{
	cp "$(dirname "${BASH_SOURCE[0]}")/helpers/timed.py" "$1/timed.py"
	chown "$JT_USER:" "$1/timed.py"
}

# in_script CMD: run the shell command CMD as $JT_USER in a new pty
# (script(1)) with stdin at EOF; prints its output without CRs. script
# answers the EOF of its stdin by typing the terminal's EOF character, a
# NUL while jail holds the terminal in raw mode; its echo inside, "^@", is
# not CMD's and is dropped
in_script()
{
	as_user timeout -k 5 60 script -qefc "$1" /dev/null </dev/null |
		tr -d '\r' | sed 's/\^@//g'
}

# as_py_pty SECS ARG...: python3 - ARG... as $JT_USER, bounded by SECS, with
# tests/ptyexpect.py importable (the script comes on stdin)
as_py_pty()
{
	local secs=$1

	shift
	as_user env PYTHONPATH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)" \
		timeout -k 5 "$secs" python3 - "$@"
}

# pty_answer ANSWERS END SUFFIX COMMAND [ARG]...: run COMMAND as $JT_USER on
# a fresh terminal (tests/ptyrun.py) and type each comma-separated answer
# of ANSWERS, then SUFFIX ("\n", "\x03" escapes allowed), once what it
# showed since the answer before ends with END (its question). Prints what
# the terminal showed, without CRs; returns COMMAND's status
pty_answer()
{
	local answers=$1 end=$2 suffix=$3 out rc a
	local -a keys=() list=()

	shift 3
	out=$(mktemp "$STAGE/pty-XXXXXX")
	chown "$JT_USER:" "$out"
	IFS=, read -ra list <<<"$answers"
	for a in "${list[@]}"; do
		keys+=(--prompt "$end" --keys "$a$suffix")
	done
	as_user timeout -k 5 90 python3 \
		"$(dirname "${BASH_SOURCE[0]}")/ptyrun.py" "$out" "${keys[@]}" \
		-- "$@"
	rc=$?
	tr -d '\r' <"$out"
	rm -f "$out"
	return "$rc"
}

# review_id TEXT: the ID of the first "jail: review ID:" line
review_id()
{
	printf '%s\n' "$1" | sed -n 's/^jail: review \([0-9a-f]\{16\}\): .*/\1/p' |
		head -1
}

# descendants PID: PID and every process below it, one per line
descendants()
{
	ps -e -o pid=,ppid= | awk -v root="$1" '
		{ parent[$1] = $2; pids[NR] = $1 }
		END {
			keep[root] = 1; print root
			for (changed = 1; changed; ) {
				changed = 0
				for (i = 1; i <= NR; i++) {
					p = pids[i]
					if (!(p in keep) && (parent[p] in keep)) {
						keep[p] = 1; print p; changed = 1
					}
				}
			}
		}'
}

# pid_below PID COMM: the first process named COMM at or below PID (the
# jail supervisor "jail", "jail-fwd", "jail-init" of a jail the test
# started); how every test finds its own processes. pid 1 runs from a
# memfd, so its comm is "memfd:jail-init"
pid_below()
{
	local p c
	for p in $(descendants "$1"); do
		c=$(cat "/proc/$p/comm" 2>/dev/null)
		if [ "$c" = "$2" ] || [ "$c" = "memfd:$2" ]; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# The jail registry's directory for as_user's environment, worked out as
# jail_runtime_dir() does: $XDG_RUNTIME_DIR/jail when that directory
# exists, otherwise the private /dev/shm/jail-UID. Tests give $JT_USER its
# own XDG_RUNTIME_DIR (see as_user), so they never share the latter
JT_RUNDIR="$JT_HOME/.run"
mkdir -p "$JT_RUNDIR"
chown "$JT_USER:" "$JT_RUNDIR" 2>/dev/null
chmod 700 "$JT_RUNDIR"
jail_runtime_dir()
{
	if [ -d "$JT_RUNDIR" ]; then
		echo "$JT_RUNDIR/jail"
	else
		echo "/dev/shm/jail-$JT_UID"
	fi
}
