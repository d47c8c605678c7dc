#!/bin/bash
# SPDX-License-Identifier: MIT
# t-limits.sh - --rlimit, and cgroup limits that fail closed when absent
. "$(dirname "$0")/lib.sh"

proj=$(mkproj limits)
cd "$proj" || exit 1

# forks.py N: fork up to N children that wait; prints how many forks worked
# and the errno of the one that failed ("forked=N errno=NONE" if none did)
PYFORK="$proj/forks.py"
cat >"$PYFORK" <<'EOF'
#!/usr/bin/python3
import errno, os, sys
kids, err = [], "NONE"
r, w = os.pipe()
for i in range(int(sys.argv[1])):
    try:
        pid = os.fork()
    except OSError as e:
        err = errno.errorcode.get(e.errno, str(e.errno))
        break
    if pid == 0:
        os.close(w)
        os.read(r, 1)
        os._exit(0)
    kids.append(pid)
os.close(w)
for pid in kids:
    os.waitpid(pid, 0)
print("forked=%d errno=%s" % (len(kids), err))
EOF
chmod 755 "$PYFORK"
chown "$JT_USER:" "$PYFORK"

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
# Where the limit is set, it is read from the host in the cgroup of the
# jail's own pid 1 (inside, /proc/self/cgroup is "0::/" in any cgroup
# namespace and proves nothing)
cgmnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
# cg_state: what this machine's cgroups offer, for a skip's reason
cg_state()
{
	local own ctl v1
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	ctl=$(cat "$cgmnt$own/cgroup.controllers" 2>/dev/null)
	# shellcheck disable=SC2016 # awk's $2
	v1=$(awk '$3 == "cgroup" { sub(".*/", "", $2); printf " %s", $2 }' /proc/self/mounts)
	if [ -z "$cgmnt" ]; then
		printf 'cgroup2 is not mounted'
	else
		printf 'cgroup2 at %s offers the controllers [%s]' "$cgmnt$own" "$ctl"
	fi
	[ -n "$v1" ] && printf '; cgroup v1 hierarchies hold:%s' "$v1"
}
# hold: COMMAND of a jail that lives until the test removes $proj/hold
# shellcheck disable=SC2016 # expanded inside the jail
hold='while [ -e "$1" ]; do sleep 0.1; done'
for opt in "--memory 256M:memory.max:268435456" "--pids 64:pids.max:64" \
	"--cpus 0.5:cpu.max:50000 100000"; do
	IFS=: read -r opt file want <<<"$opt"
	# shellcheck disable=SC2086
	err=$(jail $opt -- true 2>&1); rc=$?
	if [ "$rc" != 0 ]; then
		assert_eq "$opt fails closed without a delegated cgroup" 125 "$rc"
		assert_match "$opt says what is missing" \
			"^jail: --[a-z]+: the [a-z]+ controller is not available.*delegated cgroup" "$err"
		t_skip "$opt: its $file is set in the jail's own cgroup" \
			"no delegated cgroup v2 with that controller here: $(cg_state)"
		continue
	fi
	touch "$proj/hold"
	# shellcheck disable=SC2086
	jail $opt --timeout 30 -- sh -c "$hold" sh "$proj/hold" >/dev/null 2>&1 &
	bg=$!
	wait_until 10 pid_below "$bg" jail-init >/dev/null
	init=$(pid_below "$bg" jail-init)
	cg=$(sed -n 's/^0:://p' "/proc/$init/cgroup" 2>/dev/null)
	assert_match "$opt: the jail's pid 1 is in a cgroup of its own" \
		"/jail-[0-9a-f]{16}$" "$cg"
	assert_eq "$opt: its $file is $want" "$want" \
		"$(cat "$cgmnt$cg/$file" 2>&1)"
	rm -f "$proj/hold"	# the jail ends
	wait "$bg"
done
# --pids reached: forks beyond it fail with EAGAIN, and the kernel counts
# the refusals in the jail's pids.events
if jail --pids 16 -- true 2>/dev/null; then
	out=$(jail --pids 16 -- "$PYFORK" 200)
	assert_match "--pids 16: fork fails with EAGAIN at the limit" \
		"^forked=1[0-5] errno=EAGAIN$" "$out"
	touch "$proj/hold"
	# shellcheck disable=SC2016 # expanded inside the jail
	jail --pids 16 --timeout 30 -- sh -c '"$1" 200 >"$2"; shift 2; '"$hold" \
		sh "$PYFORK" "$proj/forked" "$proj/hold" >/dev/null 2>&1 &
	bg=$!
	wait_until 10 test -s "$proj/forked"
	init=$(pid_below "$bg" jail-init)
	cg=$(sed -n 's/^0:://p' "/proc/$init/cgroup" 2>/dev/null)
	assert_match "--pids 16: the jail's pids.events counts the forks refused" \
		"^max [1-9]" "$(cat "$cgmnt$cg/pids.events" 2>&1)"
	rm -f "$proj/hold" "$proj/forked"
	wait "$bg"
else
	t_skip "--pids 16: a fork bomb reaches the limit" \
		"no delegated cgroup v2 with the pids controller here: $(cg_state)"
fi
assert_status "--memory with a bad size is exit 125" 125 jail --memory 12Q -- true
assert_status "--cpus 0 is exit 125" 125 jail --cpus 0 -- true

# A process limit is reached: forks beyond it fail with EAGAIN, counted
# inside; without the limit the same loop goes well past it (the control).
# RLIMIT_NPROC binds every uid but 0, whose limit needs --pids (above).
if [ "$JT_UID" != 0 ]; then
	ctl=$(jail -- "$PYFORK" 200)
	assert_eq "control: without --rlimit nproc, 200 forks work" \
		"forked=200 errno=NONE" "$ctl"
	out=$(jail --rlimit nproc=128 -- "$PYFORK" 200)
	assert_match "--rlimit nproc=128: fork fails with EAGAIN below 128" \
		"^forked=([0-9]|[1-9][0-9]|1[01][0-9]|12[0-7]) errno=EAGAIN$" "$out"

	# A real fork bomb ends with the jail and leaves the host responsive
	tag="bomb$$x$RANDOM"	# in every bomb process's argv: ours alone
	# (COMMAND stays until --timeout, so the bomb runs that long)
	jail --rlimit nproc=128 --timeout 6 -- sh -c 'f() { f | f & }; f; sleep 30' "$tag" \
		>/dev/null 2>&1 &
	bomb=$!
	sleep 3
	n=$(descendants "$bomb" | wc -l)
	# (its shells die as their forks fail, so how many live at one moment
	# varies; forks.py above shows the limit reached)
	if timeout 10 /bin/true && [ "$n" -le 200 ]; then
		t_pass "a fork bomb stays under nproc=128 ($n processes of its jail)"
	else
		t_fail "a fork bomb stays under nproc=128" "$n processes of its jail"
	fi
	wait "$bomb"
	# Its processes are below $bomb or, orphaned, below run.sh's reaper:
	# none of them may be left either way
	if wait_until 10 sh -c "! pgrep -f ' $tag\$' >/dev/null"; then
		t_pass "the bomb ends with the jail"
	else
		t_fail "the bomb ends with the jail" "$(pgrep -fc " $tag\$") left"
	fi
else
	t_skip "--rlimit nproc reached" "RLIMIT_NPROC never binds uid 0; --pids covers root (above)"
fi
exit 0
