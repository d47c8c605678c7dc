#!/bin/bash
# SPDX-License-Identifier: MIT
# t-record.sh - the record of a run: exec events (direct, a process tree,
# Python's subprocess, a huge argument, a flood), jail log's story and
# jail log --markdown
# Scripts given to sh -c here are expanded inside the jail
# shellcheck disable=SC2016
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh"

proj=$(mkproj record)
cd "$proj" || exit 1
log="$JT_HOME/record.jsonl"

# ev FILE EXPR: evaluate a Python expression over the events of FILE
# (evs: all events, ex: the exec events)
ev()
{
	python3 - "$1" "$2" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
ex = [e for e in evs if e["event"] == "exec"]
print(eval(sys.argv[2]))
PY
}

# run ARGS...: jail with a fresh log
run()
{
	rm -f "$log"
	jail --log "$log" "$@"
}

# --- a direct command: one exec event, with its fields
run -- /bin/echo direct-arg >/dev/null
assert_eq "a direct command is one exec event" 1 "$(ev "$log" 'len(ex)')"
assert_eq "exec: path, argv, argc, cwd" \
	"/bin/echo|/bin/echo direct-arg|2|$proj" \
	"$(ev "$log" '"|".join(str(ex[0][k]) for k in ("path","argv","argc","cwd"))')"
assert_eq "exec: COMMAND is pid 2, child of the jail's pid 1" "2 1" \
	"$(ev "$log" '"%d %d" % (ex[0]["pid"], ex[0]["ppid"])')"
assert_eq "the exec event comes between start and exit" "start exec exit" \
	"$(ev "$log" '" ".join(e["event"] for e in evs)')"

# --- a deep process tree: each shell the child of the one before
run -- sh -c 'sh -c "sh -c true"'
assert_eq "three shells, three exec events" 3 "$(ev "$log" 'len(ex)')"
assert_eq "each shell's parent is the shell before it" True \
	"$(ev "$log" 'all(ex[i]["ppid"] == ex[i-1]["pid"] for i in (1, 2))')"
assert_eq "the innermost command line" "sh -c true" \
	"$(ev "$log" 'ex[2]["argv"]')"
out=$(as_user "$JAIL" log "$log")
assert_match "jail log indents the tree: level 2" \
	"  exec +    sh -c true +pid [0-9]+, /usr/bin/sh$" "$out"
assert_match "jail log indents the tree: level 1" \
	"  exec +  sh -c 'sh -c true' +pid " "$out"

# --- a program run from Python's subprocess
run -- python3 -c 'import subprocess; subprocess.run(["echo", "from-python"], stdout=subprocess.DEVNULL)'
assert_eq "Python and the program it ran are both recorded" \
	"python3|echo from-python" \
	"$(ev "$log" '"|".join(e["argv"].split(" ")[0] if i == 0 else e["argv"] for i, e in enumerate(ex))')"
assert_eq "the program's parent is Python" True \
	"$(ev "$log" 'ex[1]["ppid"] == ex[0]["pid"]')"
assert_nomatch "a PATH search's misses are not recorded" \
	'/usr/local/bin/echo' "$(cat "$log")"

# --- a 100 KB argument: the program gets it whole, the event stays small
big=$(head -c 100000 /dev/zero | tr '\0' x)
got=$(run -- sh -c 'printf %s "$1" | wc -c' sh "$big")
assert_eq "the program receives the whole 100 KB argument" 100000 "$got"
assert_eq "every event of that run stays under 2 KiB" True \
	"$(python3 -c 'import sys; print(all(len(l) < 2048 for l in open(sys.argv[1], "rb")))' "$log")"
assert_match "the long argument is cut with a marker" \
	"^sh -c 'printf %s \"\\\$1\" \| wc -c' sh x+\[\.\.\.\]$" \
	"$(ev "$log" 'ex[0]["argv"]')"
# --- arguments a shell stores after the path it runs: recorded whole
mid=$(head -c 150 /dev/zero | tr '\0' y)
run -- sh -c '/bin/echo short "$1" tail >/dev/null' sh "$mid"
assert_eq "arguments stored after the path are recorded whole" \
	"/bin/echo short $mid tail" "$(ev "$log" 'ex[1]["argv"]')"
# a word of the command line itself, stored right after the path: 192
# bytes, what is read at an argument's own address, more than the path's
# read still holds of it
long=$(head -c 300 /dev/zero | tr '\0' z)
run -- sh -c "/bin/echo $long tail >/dev/null"
assert_match "... one longer than what is read: its first 192 bytes, cut" \
	'^/bin/echo z{192}\[\.\.\.\] \[\+1 more arguments\]$' "$(ev "$log" 'ex[1]["argv"]')"
# shellcheck disable=SC2046 # one word per number
run -- sh -c 'exec /bin/true "$@"' sh $(seq 1 500)
assert_match "a long list is cut and the rest counted" \
	'^/bin/true 1 2 .* 31 \[\+469 more arguments\]$' "$(ev "$log" 'ex[1]["argv"]')"
assert_eq "the whole count is kept" 501 "$(ev "$log" 'ex[1]["argc"]')"
# shellcheck disable=SC2046
run -- sh -c 'exec /bin/true "$@"' sh $(seq 1 3000)
assert_match "a list longer than what is read is marked" \
	' \[more arguments\]$' "$(ev "$log" 'ex[1]["argv"]')"
assert_eq "... and has no count" False "$(ev "$log" '"argc" in ex[1]')"

# --- a flood: the jail finishes, the log stays bounded, drops are counted
flood='i=0; while [ $i -lt 2500 ]; do /bin/true; i=$((i+1)); done'
run -- sh -c "($flood) & ($flood); wait"; rc=$?
assert_eq "a flood of 5,000 execs finishes" 0 "$rc"
n_ex=$(ev "$log" 'len(ex)')
dropped=$(ev "$log" 'sum(e["count"] for e in evs if e["event"] == "exec.dropped")')
if [ "$n_ex" -lt 5000 ] && [ "$dropped" -gt 0 ]; then
	t_pass "the flood is rate-limited ($n_ex recorded, $dropped dropped)"
else
	t_fail "the flood is rate-limited" "$n_ex recorded, $dropped dropped"
fi
assert_eq "recorded and dropped add up to every exec" True \
	"$(ev "$log" 'len(ex) + sum(e["count"] for e in evs if e["event"] == "exec.dropped") >= 5001')"
assert_eq "the last exec.dropped carries the run's total" True \
	"$(ev "$log" '[e for e in evs if e["event"] == "exec.dropped"][-1]["total"] == '"$dropped")"
assert_match "jail log tells the drop" "programs +[0-9]+ started, $dropped not recorded" \
	"$(as_user "$JAIL" log "$log")"

# --- off with --no-exec-log; together with --seccomp-log on one listener
run --no-exec-log -- sh -c 'sh -c true'
assert_eq "--no-exec-log: no exec event" 0 "$(ev "$log" 'len(ex)')"
run --seccomp-log -- sh -c 'unshare -U true 2>/dev/null; true'
assert_eq "--seccomp-log and the exec log share the listener" \
	"unshare unshare" \
	"$(ev "$log" '" ".join([ex[1]["argv"].split()[0]] + [e["syscall"] for e in evs if e["event"] == "syscall.deny"])')"
assert_match "--explain says the exec log is on" "exec log: each program" \
	"$(jail --explain -- true)"
assert_match "--explain says --no-exec-log turns it off" "exec log: off" \
	"$(jail --explain --no-exec-log -- true)"
printf 'no-exec-log\n' >"$proj/.jail.conf"
chown "$JT_USER:" "$proj/.jail.conf"
err=$(jail trust "$proj/.jail.conf" 2>&1; jail -- true 2>&1)
assert_match "a project's file cannot turn the exec log off" \
	'no-exec-log' "$err"
rm -f "$proj/.jail.conf"

# --- jail log: a run with every kind of event, told in time order
git_init()
{
	as_user git -C "$proj" init -q &&
		as_user sh -c "cd '$proj' && echo one >a.txt && git add a.txt &&
			git -c user.email=t@t -c user.name=t commit -qm one"
}
git_init
patch="$JT_HOME/record.patch"
rm -f "$patch" "$log"
jail --log "$log" --seccomp-log --review=patch:"$patch" -- sh -c \
	'echo two >>a.txt; echo new >b.txt; echo x >.envrc; unshare -U true 2>/dev/null; sh -c "ls >/dev/null"; /bin/true "$1"; exit 3' \
	sh '`![x](http://evil.test/)`' 2>/dev/null
id=$(ev "$log" 'evs[0]["jail"]')
# The forwarder's events need the test network (t-netns, t-ask, t-secrets
# make them for real); here they are appended in the form it writes
now=$(date -u +%Y-%m-%dT%H:%M:%S.999Z)
cat >>"$log" <<EOF2
{"ts":"$now","jail":"$id","event":"net.allow","host":"api.example.test","ip":"203.0.113.7","port":443,"bytes_up":100,"bytes_down":2000}
{"ts":"$now","jail":"$id","event":"net.deny","host":"evil.test","port":443,"reason":"not allowed"}
{"ts":"$now","jail":"$id","event":"ask","seq":1,"kind":"connect","host":"ask.example.test","port":443}
{"ts":"$now","jail":"$id","event":"ask.answer","seq":1,"kind":"connect","host":"ask.example.test","port":443,"answer":"deny","by":"socket","waited_ms":5}
{"ts":"$now","jail":"$id","event":"secret.inject","name":"GITHUB_TOKEN","host":"api.github.com"}
EOF2
out=$(as_user "$JAIL" log "$log")
ts='[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'
assert_match "story: the command's process tree" \
	"^$ts  exec +  sh -c 'ls >/dev/null' +pid " "$out"
assert_match "story: the refused call" "syscall\.deny +unshare by unshare" "$out"
assert_match "story: the protected path" "review\.file +\.envrc +!, " "$out"
assert_match "story: each changed file" "review\.file +a\.txt +M, \+1 -0" "$out"
assert_match "story: the patch" "review\.patch +$patch +patch written" "$out"
assert_match "in short: names the jail" "^in short \(jail $id\):$" "$out"
assert_match "in short: programs" "^  programs +[0-9]+ started$" "$out"
assert_match "in short: the network" \
	"^  network +1 connection allowed$" "$out"
assert_match "in short: what was denied" "^  denied +2 requests " "$out"
assert_match "in short: questions" "^  questions +1 asked$" "$out"
assert_match "in short: secrets used" \
	"^  secret +GITHUB_TOKEN used for api\.github\.com \(1 time\)$" "$out"
assert_match "in short: protected paths" \
	"^  protected +review: \.envrc \(protected, not applied\)$" "$out"
assert_match "in short: files changed and the patch" \
	"^  files +2 changed, \+2 -0; patch $patch$" "$out"
assert_match "in short: the exit status" "^  exit +status 3$" "$out"
assert_eq "events in time order (exec before exit)" True \
	"$(printf '%s\n' "$out" | awk '/  exec /{e=NR} / exit /{x=NR} END{print (e && x && e < x) ? "True" : "False"}')"
assert_eq "jail log --json passes the events through" "$(cat "$log")" \
	"$(as_user "$JAIL" log --json "$log")"

# --- jail log --markdown: a CI job summary
md=$(as_user "$JAIL" log --markdown "$log")
assert_match "markdown: heading with the exit status" \
	"^### jail \`$id\`: exit status 3$" "$md"
assert_match "markdown: counts table" \
	"^\| Connections allowed \| \`1\` \|$" "$md"
assert_match "markdown: denials counted" \
	"^\| Requests denied \| \`2\` \|$" "$md"
assert_match "markdown: questions counted" "^\| Questions \| \`1\` \|$" "$md"
assert_match "markdown: secrets used" \
	"^\| Secrets used \| \`GITHUB_TOKEN \(1\)\` \|$" "$md"
assert_match "markdown: denials listed" \
	"^- \`net\.deny evil\.test:443: not allowed\`$" "$md"
assert_match "markdown: the answer to a question" \
	"^- \`connect ask\.example\.test:443: deny by socket\`$" "$md"
assert_match "markdown: commands as a tree" "^  sh -c 'ls >/dev/null'$" "$md"
assert_match "markdown: changed files with the diffstat" \
	"^ M a\.txt \| \+1 -0$" "$md"
assert_match "markdown: the diffstat's total" \
	"^ 2 files changed, 2 insertions\(\+\), 0 deletions\(-\)$" "$md"
assert_match "markdown: the patch is named" \
	"^#### Changed files \(patch \`$patch\`\)$" "$md"
assert_match "markdown: a backtick from the jail is escaped" \
	"^  /bin/true '\\\\x60!\\[x\\]\\(http://evil\\.test/\\)\\\\x60'$" "$md"
assert_nomatch "markdown: nothing from the jail becomes an image" \
	'`!\[x\]' "$md"
assert_eq "markdown: --json and --markdown together are refused" 125 \
	"$(as_user "$JAIL" log --json --markdown "$log" >/dev/null 2>&1; echo $?)"

# --- a container engine's masked /proc: one line naming the setting
# In a mount and pid namespace of the test's own (never the machine's),
# with a fresh procfs whose /proc/keys is masked the way podman and docker
# mask it; jail runs there as $JT_USER.
# masked_jail MASK: run `jail --net none -- true` there, /proc/keys
# masked when MASK is 1
masked_jail()
{
	local mask=$1 run=()
	[ "$JT_USER" = "$(id -un)" ] ||
		run=(setpriv --reuid="$JT_UID" --regid="$JT_GID" --init-groups
			--inh-caps=-all --bounding-set=-all)
	unshare -m -p -f --mount-proc sh -c \
		'[ "$1" = 1 ] && { mount --bind /dev/null /proc/keys || exit 99; }
		shift; exec "$@"' sh "$mask" \
		"${run[@]}" env -i HOME="$JT_HOME" PATH=/usr/bin:/bin \
		XDG_STATE_HOME="$JT_HOME/.local/state" \
		timeout -k 5 60 "$JAIL" --net none -- true
}
err=$(masked_jail 1 2>&1); rc=$?
assert_eq "a masked /proc: exit 125" 125 "$rc"
assert_match "a masked /proc: one line naming the engines' settings" \
	'^jail: mount proc on "/proc": Operation not permitted; .*--security-opt unmask=/proc/\* \(podman\) or --security-opt systempaths=unconfined \(docker\)' \
	"$err"
assert_eq "the same /proc unmasked: jail runs" 0 \
	"$(masked_jail 0 >/dev/null 2>&1; echo $?)"

rm -f "$log" "$patch"
exit 0
