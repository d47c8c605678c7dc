#!/bin/bash
# SPDX-License-Identifier: MIT
# t-limits.sh - --rlimit, and cgroup limits that fail closed when absent
. "$(dirname "$0")/lib.sh"

proj=$(mkproj limits)
cd "$proj" || exit 1

out=$(jail --rlimit nofile=64 --rlimit core=0 --rlimit fsize=1M -- sh -c 'ulimit -n; ulimit -c; ulimit -f')
# dash counts ulimit -f in 512-byte blocks
assert_eq "--rlimit sets soft and hard limits" "$(printf '64\n0\n2048')" "$out"
assert_status "a write past fsize is killed by SIGXFSZ" 153 \
	jail --rlimit fsize=1M -- sh -c 'exec head -c 2000000 /dev/zero >big'
assert_eq "... and the file stops at the limit" "1048576" "$(stat -c %s big)"
for bad in "bogus=1" "nofile" "nofile=-1" "as=12Q"; do
	assert_status "--rlimit $bad is exit 125" 125 jail --rlimit "$bad" -- true
done

# cgroup v2 limits: real limits where a delegated subtree has the
# controllers, otherwise one clear line and exit 125 (never a jail
# running without the limit it was asked for)
for opt in "--memory 256M" "--pids 64" "--cpus 0.5"; do
	# shellcheck disable=SC2086
	err=$(jail $opt -- cat /proc/self/cgroup 2>&1); rc=$?
	if [ "$rc" = 0 ]; then
		assert_match "$opt puts the jail in its own cgroup" "jail-|^0::/$" "$err"
	else
		assert_eq "$opt fails closed without a delegated cgroup" 125 "$rc"
		assert_match "$opt says what is missing" \
			"^jail: --[a-z]+: the [a-z]+ controller is not available.*delegated cgroup" "$err"
	fi
done
assert_status "--memory with a bad size is exit 125" 125 jail --memory 12Q -- true
assert_status "--cpus 0 is exit 125" 125 jail --cpus 0 -- true

# A fork bomb with a process limit ends with the jail and leaves the host
# responsive. RLIMIT_NPROC binds every uid but 0, whose limit needs --pids.
if [ "$JT_UID" != 0 ]; then
	start=$(date +%s%N)
	jail --rlimit nproc=128 --timeout 4 -- sh -c 'f() { f | f & }; f' \
		>/dev/null 2>&1 &
	sleep 2
	t0=$(date +%s%N); true; /bin/true; t1=$(date +%s%N)
	hostms=$(( (t1 - t0) / 1000000 ))
	n=$(pgrep -u "$JT_USER" -c)
	wait
	if [ "$n" -le 200 ] && [ "$hostms" -lt 1000 ]; then
		t_pass "a fork bomb stays under nproc=128 ($n processes)"
	else
		t_fail "a fork bomb stays under nproc=128" "$n processes, host ${hostms} ms"
	fi
	if wait_until 5 sh -c "! pgrep -u '$JT_USER' -f 'sh -c f()' >/dev/null"; then
		t_pass "the bomb ends with the jail"
	else
		t_fail "the bomb ends with the jail" "$(pgrep -u "$JT_USER" -c) left"
	fi
	: "$start"
fi
exit 0
