#!/bin/bash
# SPDX-License-Identifier: MIT
# shellcheck disable=SC2016 # $K is expanded inside the jail
# t-secrets-dial.sh - a brokered connection (--secret: the broker's name,
# intercepted TLS) is resolved and decided by the forwarder before it is
# handed to a broker process, which dials only the addresses it was handed:
# a bound host whose name resolves to a loopback or private address is
# refused by the forwarder (net.deny), before any broker exists, and no
# server sees a connection; a first address that fails does not stop the
# broker from dialing the next; and the broker dials what the forwarder
# resolved, not what a lookup of its own would find. Against the test
# internet (tests/netlib.sh), whose CA joins the host's trust store here
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netlib.sh"

net_start "$@"

proj=$(mkproj secrets-dial)
cd "$proj" || exit 1
net_workdir secrets-dial
net_trust_test_ca
REAL="sk-ant-api03-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
# shellcheck disable=SC2034 # read by lib.sh's as_user
JT_EXTRA_ENV="K=$REAL"

# no_broker_ran NAME HOST OUT: the connection to HOST was refused by the
# forwarder with the address policy's reason, and nothing a broker process
# writes (a 502 naming the cause, net.error, net.allow) came of it
no_broker_ran()
{
	local name=$1 host=$2 out=$3
	assert_match "$name: refused by the forwarder, with the address's reason" \
		"\"event\":\"net.deny\",\"host\":\"$host\",.*\"port\":443,\"reason\":\"(private address|address of this host)\"" \
		"$(cat "$LOG")"
	assert_eq "$name: no broker answered or logged (no net.error, no net.allow)" "" \
		"$(grep -E '"event":"net\.(error|allow)"' "$LOG")"
	assert_nomatch "$name: the jail gets no 502 from a broker" \
		"cannot connect upstream|^x-api-key" "$out"
	assert_eq "$name: no server saw a connection" "" \
		"$(net_log conn; net_log http)"
}

# ---- a bound host that resolves to a refused address --------------------

# local.test is 127.0.0.1 and private.test 10.1.2.3 in the host's
# /etc/hosts: the host's resolver is the forwarder's, and its answer is
# refused before a broker is forked for the connection
for n in local.test private.test; do
	net_reset_logs
	out=$(nj --allow "$n" --secret "K@$n" -- sh -c \
		'curl -sS --max-time 10 -H "x-api-key: $K" http://'"$n"'.jail.internal/echo' 2>&1)
	no_broker_ran "$n (broker name)" "$n" "$out"
	# The jail picks an address that serves TLS: still its host's
	# addresses decide, and the jail's choice is never dialed
	net_reset_logs
	out=$(nj --allow "$n" --secret "K@$n" -- sh -c \
		'curl -sS --max-time 10 --resolve '"$n:443:$NET_IP_ALLOWED"' -H "x-api-key: $K" https://'"$n"'/echo' 2>&1)
	no_broker_ran "$n (intercepted TLS)" "$n" "$out"
done

# ---- a bound host that does not resolve -----------------------------------

# Not a refusal: the broker still answers the jail with the cause, from
# the forwarder's lookup
for url in http://nowhere.test.jail.internal/echo https://nowhere.test/echo; do
	net_reset_logs
	out=$(nj --allow nowhere.test --secret K@nowhere.test -- \
		curl -sS --max-time 10 --resolve "nowhere.test:443:$NET_IP_ALLOWED" "$url" 2>&1)
	assert_match "$url: the 502 names the host and the cause" \
		"^jail: cannot connect upstream to nowhere.test:443: no address" "$out"
	assert_match "... logged as net.error" \
		'"event":"net.error","host":"nowhere.test","port":443,"error":"no address' \
		"$(cat "$LOG")"
	assert_eq "... not as a denial" "" "$(grep '"event":"net.deny"' "$LOG")"
done

# ---- a first address that fails, then one that answers -------------------

# 198.51.100.3 is on the host's link but nobody has it: a connect there
# fails (unreachable) after the neighbour lookup gives up. The name is
# under *.allowed.test, which the server's certificate holds.
DEAD=198.51.100.3
printf '%s\t%s\n' "$DEAD" two.allowed.test "$NET_IP_ALLOWED" two.allowed.test \
	>>"$NET_DIR/hosts"
host_order=$(getent ahostsv4 two.allowed.test | awk '$2 == "STREAM" { print $1 }' | tr '\n' ' ')

# Intercepted TLS: the jail's own choice of address comes first among the
# addresses resolved on the host, so the dead one is dialed first
net_reset_logs
out=$(nj --allow two.allowed.test --secret K@two.allowed.test -- sh -c \
	'curl -sS --max-time 30 --resolve two.allowed.test:443:'"$DEAD"' -H "x-api-key: $K" https://two.allowed.test/echo' 2>&1)
assert_match "intercepted TLS: the first address fails, the second serves it" \
	"^x-api-key: $REAL\$" "$(cat "$NET_DIR/echo.log")"
assert_match "... net.allow names the address that answered" \
	"\"event\":\"net.allow\",\"host\":\"two.allowed.test\",\"ip\":\"$NET_IP_ALLOWED\"" \
	"$(cat "$LOG")"
assert_eq "... and no denial" "" "$(grep '"event":"net.deny"' "$LOG")"

# The broker's name: the host's resolver's order, the dead address first
if [ "$host_order" = "$DEAD $NET_IP_ALLOWED " ]; then
	net_reset_logs
	out=$(nj --allow two.allowed.test --secret K@two.allowed.test -- sh -c \
		'curl -sS --max-time 30 -H "x-api-key: $K" http://two.allowed.test.jail.internal/echo' 2>&1)
	assert_match "broker name: the first address fails, the second serves it" \
		"^x-api-key: $REAL\$" "$(cat "$NET_DIR/echo.log")"
	assert_match "... net.allow names the address that answered" \
		"\"event\":\"net.allow\",\"host\":\"two.allowed.test\",\"ip\":\"$NET_IP_ALLOWED\"" \
		"$(cat "$LOG")"
else
	t_fail "broker name: the first address fails" \
		"the host resolves two.allowed.test as [$host_order], not the dead address first"
fi

# ---- the broker dials what the forwarder resolved ------------------------

# flip.allowed.test is 198.51.100.10 when the jail looks it up (the
# forwarder's resolver keeps the answer), then 198.51.100.11 in the host's
# /etc/hosts before the jail connects: a broker that resolved the name
# itself would reach .11; the forwarder hands over the address it resolved
printf '%s\t%s\n' "$NET_IP_ALLOWED" flip.allowed.test >"$NET_DIR/hosts.flip"
cat "$NET_DIR/hosts" "$NET_DIR/hosts.flip" >"$NET_DIR/hosts.new"
cat "$NET_DIR/hosts.new" >"$NET_DIR/hosts"
net_reset_logs
rm -f "$proj/looked-up" "$proj/go"
bgj "$LOG" "$work/flip.out" --allow flip.allowed.test \
	--secret K@flip.allowed.test -- sh -c '
	getent hosts flip.allowed.test >looked-up
	i=0
	while [ ! -e go ] && [ "$i" -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	curl -sS --max-time 10 -H "x-api-key: $K" https://flip.allowed.test/echo'
if wait_until 20 test -s "$proj/looked-up"; then
	sed "s/^$NET_IP_ALLOWED\tflip/$NET_IP_OTHER\tflip/" "$NET_DIR/hosts.new" \
		>"$NET_DIR/hosts"
	touch "$proj/go"
	wait "${NET_BG[@]}"
	NET_BG=()
	assert_match "the jail looked the name up before the host's answer changed" \
		"^$NET_IP_ALLOWED " "$(cat "$proj/looked-up")"
	assert_eq "... the host's resolver now says $NET_IP_OTHER" "$NET_IP_OTHER" \
		"$(getent ahostsv4 flip.allowed.test | awk 'NR == 1 { print $1 }')"
	assert_match "the broker dialed the address the forwarder resolved" \
		"^req $NET_IP_ALLOWED 443 flip.allowed.test " "$(net_log http)"
	assert_nomatch "... never one of its own lookup" "^req $NET_IP_OTHER " \
		"$(net_log http)"
else
	cleanup_bg
	t_fail "the broker dials what the forwarder resolved" \
		"the jail did not look the name up: $(cat "$work/flip.out")"
fi
