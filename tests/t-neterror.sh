#!/bin/bash
# SPDX-License-Identifier: MIT
# t-neterror.sh - an allowed name that cannot be resolved or reached
# upstream: a net.error event with the cause (no address, refused,
# timeout, TLS failure upstream), never a denial, and an exit line that
# names it; run against the test internet (tests/netlib.sh)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj neterror)
cd "$proj" || exit 1
net_workdir neterror

# A name whose address answers nothing: frames to it go to a link-layer
# address nobody has, so the connect times out (FWD_CONNECT_MS, 10 s)
BLACKHOLE=203.0.113.77
ip neigh replace "$BLACKHOLE" lladdr 02:00:00:00:00:77 dev nh1 nud permanent
printf '%s\t%s\n' "$BLACKHOLE" blackhole.test >>"$NET_DIR/hosts"

# errors: the net.error events of $LOG
errors() { grep '"event":"net.error"' "$LOG"; }

# check_cause NAME HOST PORT CAUSE_ERE OUT: one net.error for HOST:PORT with
# the cause, no denial, and jail's exit line in OUT naming it
check_cause()
{
	local name=$1 host=$2 port=$3 cause=$4 out=$5
	assert_match "$name: net.error with the cause" \
		"\"event\":\"net.error\",\"host\":\"$host\",(\"ip\":\"[0-9.]+\",)?(\"port\":$port,)?\"error\":\"$cause" \
		"$(errors)"
	assert_eq "$name: not counted as a denial" "" \
		"$(grep -E '"event":"(net|dns)\.deny"' "$LOG")"
	assert_match "$name: the exit line names the host and the cause" \
		"^jail: an allowed connection failed upstream \($host:[0-9]+: $cause" \
		"$(printf '%s\n' "$out" | grep '^jail: ')"
	assert_nomatch "$name: no denial summary" "requests? (was|were) denied" "$out"
}

# ---- no address --------------------------------------------------------------

# The client goes by address (--resolve): the forwarder names the
# connection from its Host header and resolves it on the host
out=$(nj --allow nowhere.test -- curl -sS --max-time 10 \
	--resolve "nowhere.test:80:$NET_IP_ALLOWED" http://nowhere.test/ 2>&1)
assert_nomatch "no address: the connection fails" "^hello" "$out"
check_cause "no address (connection)" nowhere.test 80 "no address" "$out"

# The jail's own resolver: an allowed name the host cannot resolve
out=$(nj --allow nowhere.test -- curl -sS --max-time 10 http://nowhere.test/ 2>&1)
assert_match "no address (DNS): the client cannot resolve it" \
	"(resolve|Resolving)" "$out"
assert_match "no address (DNS): net.error with the cause" \
	'"event":"net.error","host":"nowhere.test","error":"no address' "$(errors)"
assert_eq "no address (DNS): not counted as a denial" "" \
	"$(grep -E '"event":"(net|dns)\.deny"' "$LOG")"

# ---- refused -----------------------------------------------------------------

out=$(nj --allow allowed.test:81 -- curl -sS --max-time 10 http://allowed.test:81/ 2>&1)
assert_nomatch "refused: the connection fails" "^hello" "$out"
check_cause "refused" allowed.test 81 "refused" "$out"
assert_match "refused: jail log shows the cause" \
	"net\.error +allowed\.test:81 .*refused" "$(as_user "$JAIL" log "$LOG" 2>&1)"

# ---- timeout -----------------------------------------------------------------

t0=$(date +%s)
out=$(nj --allow blackhole.test -- curl -sS --max-time 30 http://blackhole.test/ 2>&1)
t1=$(date +%s)
assert_nomatch "timeout: the connection fails" "^hello" "$out"
check_cause "timeout" blackhole.test 80 "timeout" "$out"
assert_eq "timeout: bounded by the connect timeout (10 s), not the client's" \
	1 "$(((t1 - t0) < 25))"

# ---- TLS failure upstream, through interception ------------------------------

# The test CA is not in the host's trust store here: the forwarder's TLS
# to the real server fails verification
JT_EXTRA_ENV="K=real-value-$$"
out=$(nj --allow allowed.test --secret K@allowed.test -- \
	curl -sS --max-time 10 https://allowed.test/ 2>&1)
assert_match "TLS failure upstream: the 502 names the host and the cause" \
	"^jail: cannot connect upstream to allowed.test:443: TLS failure upstream: .*certificate" \
	"$out"
check_cause "TLS failure upstream" allowed.test 443 "TLS failure upstream" "$out"
out=$(nj --allow allowed.test --secret K@allowed.test -- \
	curl -sS --max-time 10 http://allowed.test.jail.internal/ 2>&1)
assert_match "TLS failure upstream (broker name): the 502 names the cause" \
	"^jail: cannot connect upstream to allowed.test:443: TLS failure upstream" "$out"
# The broker dials by itself: a host that does not answer is a timeout
out=$(nj --allow blackhole.test --secret K@blackhole.test -- \
	curl -sS --max-time 30 http://blackhole.test.jail.internal/ 2>&1)
assert_match "timeout (broker): the 502 names the host and the cause" \
	"^jail: cannot connect upstream to blackhole.test:443: timeout" "$out"
check_cause "timeout (broker)" blackhole.test 443 "timeout" "$out"
JT_EXTRA_ENV=

# ---- two failures: counted, the first named ----------------------------------

out=$(nj --allow allowed.test:81 -- sh -c \
	'curl -sS --max-time 5 http://allowed.test:81/a; curl -sS --max-time 5 http://allowed.test:81/b' 2>&1)
assert_match "two failures: counted, the first named" \
	"^jail: 2 allowed connections failed upstream, the first \(allowed.test:81: refused" \
	"$(printf '%s\n' "$out" | grep '^jail: ')"

# ---- jail log: one denial per name, not per query type ------------------------

out=$(nj -- sh -c 'getent ahosts denied-name.test; curl -sS --max-time 5 http://denied-name.test/' 2>&1)
n=$(grep -c '"event":"dns.deny","name":"denied-name.test"' "$LOG")
if [ "$n" -ge 2 ]; then
	assert_match "jail log: a name asked by several query types is one denial" \
		"(^|[^0-9])1 denied" "$(as_user "$JAIL" log "$LOG" 2>&1)"
	assert_match "the exit line counts it once too" "^jail: 1 request was denied" \
		"$(printf '%s\n' "$out" | grep '^jail: ')"
else
	t_fail "jail log: one denial per name" "expected several dns.deny for the name, got $n"
fi

ip neigh del "$BLACKHOLE" dev nh1 2>/dev/null
