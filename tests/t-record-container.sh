#!/bin/bash
# SPDX-License-Identifier: MIT
# t-record-container.sh - jail inside a container engine (rootful Podman,
# --network none, an image made here from the host's own files): what
# the engine's defaults refuse, the one line naming each setting, and a
# run with the documented settings (exec events included)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

if [ "$JT_USER" != root ] || [ "$(id -u)" != 0 ]; then
	t_skip "jail in a container" "rootful podman runs as root only"
	exit 0
fi
if ! command -v podman >/dev/null; then
	t_skip "jail in a container" "podman is not installed"
	exit 0
fi

work="$STAGE/container"
rm -rf "$work"
mkdir -p "$work/root"
tag="localhost/jail-test-$$:1"

# The image: jail and the few host programs the runs use, with their
# libraries (ldd), /bin and /sbin as the host's symlinks
for b in "$JAIL" /usr/bin/sh /usr/bin/true /usr/bin/cat; do
	echo "$b"
	ldd "$b" 2>/dev/null | grep -o '/[^ ]*'
done | sort -u | tar -chf - -T - 2>/dev/null | tar -xf - -C "$work/root"
cp "$JAIL" "$work/root/jail"
mkdir -p "$work/root/etc" "$work/root/tmp" "$work/root/work"
cp /etc/passwd /etc/group "$work/root/etc/"
touch "$work/root/etc/resolv.conf" "$work/root/etc/hosts"
ln -s usr/bin "$work/root/bin"
tar -C "$work/root" -cf "$work/img.tar" .
if ! podman import "$work/img.tar" "$tag" >/dev/null 2>"$work/err"; then
	t_skip "jail in a container" "podman import: $(head -1 "$work/err")"
	exit 0
fi

# The engine as this machine allows it: no default ulimits (podman's
# raise the hard limits, which a nested engine may not), cgroupfs; runc
# where crun refuses a hybrid cgroup layout. None of this is about jail.
printf '[containers]\ndefault_ulimits = []\n[engine]\ncgroup_manager = "cgroupfs"\n' \
	>"$work/containers.conf"
export CONTAINERS_CONF="$work/containers.conf"
runtime=()
command -v runc >/dev/null && runtime=(--runtime runc)

# pod OPTION... -- CMD...: one container, removed afterwards
pod()
{
	local opts=()
	while [ "$1" != "--" ]; do
		opts+=("$1")
		shift
	done
	shift
	timeout -k 5 120 podman run "${runtime[@]}" --rm --network none \
		"${opts[@]}" "$tag" "$@"
}

out=$(pod -- /usr/bin/true 2>&1); rc=$?
if [ "$rc" != 0 ]; then
	t_skip "jail in a container" "podman cannot run a container here: $out"
	podman rmi -f "$tag" >/dev/null 2>&1
	rm -rf "$work"
	exit 0
fi

# The engine's defaults: its seccomp profile refuses sethostname
err=$(pod -- /jail --net none --project /work -- true 2>&1); rc=$?
assert_eq "podman's defaults: jail exits 125" 125 "$rc"
assert_match "podman's defaults: one line naming the seccomp setting" \
	'^jail: set the hostname: Operation not permitted; the container.s seccomp profile .* --security-opt seccomp=unconfined' \
	"$err"
# Seccomp lifted: the masked /proc refuses a new procfs
err=$(pod --security-opt seccomp=unconfined -- \
	/jail --net none --project /work -- true 2>&1); rc=$?
assert_eq "masked /proc: jail exits 125" 125 "$rc"
assert_match "masked /proc: one line naming the unmask setting" \
	'^jail: mount proc on "/proc": Operation not permitted; .*--security-opt unmask=/proc/\*' \
	"$err"
# The documented settings: jail runs, and records what ran
out=$(pod --security-opt seccomp=unconfined --security-opt 'unmask=/proc/*' \
	-- /usr/bin/sh -c '/jail --net none --project /work --log /tmp/l.jsonl \
		-- sh -c "sh -c true" && cat /tmp/l.jsonl' 2>&1); rc=$?
assert_eq "the documented settings: jail runs" 0 "$rc"
assert_match "the documented settings: exec events are recorded" \
	'"event":"exec","pid":[0-9]+,"ppid":[0-9]+,"path":"/usr/bin/sh","argv":"sh -c true"' \
	"$out"

podman rmi -f "$tag" >/dev/null 2>&1
rm -rf "$work"
exit 0
