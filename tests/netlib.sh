#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/netlib.sh - a test internet for the network tests
#
# Source after lib.sh. net_enter re-executes the test file as root in new
# network and mount namespaces: the "host" namespace H, where jail and its
# forwarder run. Nothing the forwarder dials can leave it. net_setup then
# builds, inside namespaces the test made itself:
#
#   H  nh0 198.51.100.1/24, nh1 203.0.113.1/24,
#      /etc/hosts and /etc/resolv.conf bind-mounted (this mount namespace
#      only), servers on H's own 127.0.0.1 (--allow-host-port) and an
#      upstream CONNECT proxy there (Basic auth user:pa@ss, optional)
#   I  the "internet", a namespace held by a background `unshare --net
#      sleep`: ni0 198.51.100.10-.12 and .53 (DNS), ni1 203.0.113.10-.12
#      and .66; HTTP on 80 and 8080, HTTPS on 443 (test CA; /echo answers
#      with the request's headers and body (and logs them to echo.log),
#      /reflect sends x-api-key back (split, chunked, gzip), /ws is a
#      WebSocket echo (logged to ws.log), /sse streams two events 2 s
#      apart, POST /v1/messages answers like the Anthropic API and logs the
#      key to api.log, /git/REPO is git's smart HTTP (git-http-backend) for
#      the bare repositories in $NET_DIR/git, logged to git.log), a DNS
#      server on 198.51.100.53 that records every query it receives, a UDP
#      sink on 9999 that records every datagram
#
# The servers never sit on H's own addresses (the forwarder rightly
# refuses those). Every server writes one line per connection or query to
# a log, so tests can show what did NOT arrive.
#
# Names (H's /etc/hosts unless noted):
#   allowed.test   198.51.100.10        other.test     198.51.100.11
#   net2.test      203.0.113.10         dnsonly.test   198.51.100.12 (DNS)
#   local.test     127.0.0.1            private.test   10.1.2.3
#   meta.test      169.254.169.254      self.test      198.51.100.1
#   secret.evil.test (DNS: answered, so any query for it is visible)

: "${STAGE:?run through tests/run.sh}"

NET_IP_ALLOWED=198.51.100.10
NET_IP_OTHER=198.51.100.11
NET_IP_DNSONLY=198.51.100.12
NET_IP_DNS=198.51.100.53
NET_IP_NET2=203.0.113.10
NET_IP_DENIED=203.0.113.66
# shellcheck disable=SC2034 # used by the test files
JAIL_GATEWAY_IP=10.200.0.1	# JAIL_GATEWAY_IP4
NET_HOST_PORT=18080		# served on H's 127.0.0.1, allowed in tests
NET_HOST_PORT_OTHER=18081	# served on H's 127.0.0.1, never allowed
NET_PROXY_PORT=18090		# an upstream CONNECT proxy on H's 127.0.0.1
NET_PIDS=()
# The servers of the test internet (HTTP, HTTPS, DNS, UDP sink, proxy)
NET_SERVE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/servers/serve.py"

# net_enter ARGS...: re-execute the calling test file in its own network
# and mount namespaces (root only; returns 1 otherwise)
net_enter()
{
	[ -n "${NET_INNER:-}" ] && return 0
	[ "$(id -u)" = 0 ] || return 1
	NET_INNER=1 exec unshare --net --mount --propagation private \
		bash "$0" "$@"
}

# net_start ARGS...: net_enter, then net_setup; a test file that cannot
# have its test internet records one failure and ends there
net_start()
{
	if ! net_enter "$@"; then
		t_fail "test internet" "needs root to make its own network namespaces"
		exit 0
	fi
	if ! net_setup; then
		t_fail "test internet" "setup failed: $(cat "$NET_DIR"/*.err 2>/dev/null | head -5)"
		exit 0
	fi
}

# events NAME [FILE]: how many events of that name FILE ($LOG) holds
events()
{
	grep -c "\"event\":\"$1\"" "${2:-$LOG}" 2>/dev/null
}

# net_workdir NAME: a fresh $work ($STAGE/NAME-$JT_USER, outside the
# project: the jail cannot write it) owned by $JT_USER, and LOG, the audit
# log of nj and bgj, in it
net_workdir()
{
	work="$STAGE/$1-$JT_USER"
	rm -rf "$work"
	mkdir -p "$work"
	chown "$JT_USER:" "$work"
	LOG="$work/audit.jsonl"
}

# net_trust_test_ca: the test CA joins the host's trust store (the
# forwarder verifies servers with it), in this mount namespace only:
# Debian's OpenSSL reads /usr/lib/ssl/cert.pem, a link to this bundle
net_trust_test_ca()
{
	cat /etc/ssl/certs/ca-certificates.crt "$NET_DIR/ca.pem" \
		>"$NET_DIR/bundle.pem"
	chmod a+r "$NET_DIR/bundle.pem"
	mount --bind "$NET_DIR/bundle.pem" /etc/ssl/certs/ca-certificates.crt
}

# NJ_OPTS: jail options a test file adds to every nj and bgj (an array)
NJ_OPTS=()

# nj ARGS... -- CMD: jail with the filtered network logging to $LOG
# (emptied first), plus NJ_OPTS
nj()
{
	rm -f "$LOG"
	jail --net filtered --log "$LOG" "${NJ_OPTS[@]}" "$@"
}

# bgj LOGFILE OUTFILE ARGS...: nj in the background, logging to LOGFILE;
# its pid joins NET_BG
bgj()
{
	local log=$1 out=$2
	shift 2
	rm -f "$log"
	jail --net filtered --log "$log" "${NJ_OPTS[@]}" "$@" >"$out" 2>&1 &
	NET_BG+=("$!")
}

# Jails a test started in the background (bgj and the like) add their pid
# to NET_BG; cleanup_bg stops them, so a failed check leaves none behind
# shellcheck disable=SC2034 # filled by the test files, read through stop_pids
NET_BG=()
cleanup_bg() { stop_pids NET_BG; }

# stop_pids ARRAY: kill every pid in the array named ARRAY, reap them all,
# then empty it
stop_pids()
{
	local -n _pids=$1
	local p
	for p in "${_pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	_pids=()
}

# net_in CMD...: run CMD in the internet namespace
net_in()
{
	nsenter --net="/proc/$NET_INET_PID/ns/net" "$@"
}

# net_spawn CMD...: start CMD in the internet namespace in the background;
# net_cleanup stops it. Not through a function call: a backgrounded
# function is a subshell, and $! would name the subshell, not CMD
# (nsenter execs CMD, so here $! is CMD itself).
net_spawn()
{
	nsenter --net="/proc/$NET_INET_PID/ns/net" "$@" &
	NET_PIDS+=("$!")
}

net_cleanup() { stop_pids NET_PIDS; }

# net_spawn_h2: the node HTTPS server (servers/h2.js: HTTP/2 and
# HTTP/1.1) on allowed.test:8443, ready; fails the test (status 1) if it
# does not come up in 10 s
net_spawn_h2()
{
	net_spawn node "$(dirname "$NET_SERVE")/h2.js" "$NET_DIR" \
		"$NET_IP_ALLOWED" 8443 >"$NET_DIR/h2.err" 2>&1
	wait_until 10 test -f "$NET_DIR/ready-h2" && return 0
	t_fail "h2 test server" "$(cat "$NET_DIR/h2.err")"
	return 1
}


# A test CA and one server certificate for every test name
_net_make_certs()
{
	local san="DNS:allowed.test,DNS:other.test,DNS:net2.test"
	san="$san,DNS:dnsonly.test,DNS:local.test,DNS:private.test"
	san="$san,DNS:*.allowed.test,IP:$NET_IP_ALLOWED"
	(
		cd "$NET_DIR" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout ca.key -out ca.pem -days 2 \
			-subj /CN=jail-test-ca \
			-addext basicConstraints=critical,CA:TRUE \
			-addext keyUsage=critical,keyCertSign,cRLSign
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
			-nodes -keyout srv.key -out srv.csr -subj /CN=allowed.test
		printf '%s\n' "subjectAltName=$san" \
			"extendedKeyUsage=serverAuth" \
			"basicConstraints=critical,CA:FALSE" >srv.ext
		openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -out srv.pem -days 2 -extfile srv.ext
	) >"$NET_DIR/openssl.log" 2>&1
}

# A bare git repository served over dumb HTTP at /repo.git
_net_make_repo()
{
	local src="$NET_DIR/src"
	(
		git init -q -b main "$src" &&
			cd "$src" &&
			echo "jail test repo" >README &&
			git add README &&
			git -c user.name=t -c user.email=t@t commit -qm init &&
			git clone -q --bare "$src" "$NET_DIR/www/repo.git" &&
			cd "$NET_DIR/www/repo.git" &&
			git update-server-info
	) >/dev/null 2>&1
}

# net_setup: build the namespaces, links, names and servers (see above)
net_setup()
{
	NET_DIR="$STAGE/net-$T_FILE-$JT_USER"
	rm -rf "$NET_DIR"
	mkdir -p "$NET_DIR/www"
	trap 'cleanup_bg; net_cleanup' EXIT
	trap 'cleanup_bg; net_cleanup; exit 1' INT TERM

	ip link set lo up
	unshare --net sleep 3600 &
	NET_INET_PID=$!
	NET_PIDS+=("$NET_INET_PID")
	# unshare execs sleep once the namespace exists
	wait_until 5 grep -qx sleep "/proc/$NET_INET_PID/comm" || return 1

	ip link add nh0 type veth peer name ni0 netns "$NET_INET_PID" ||
		return 1
	ip addr add 198.51.100.1/24 dev nh0
	ip link set nh0 up
	net_in ip link set lo up
	net_in ip addr add "$NET_IP_ALLOWED/24" dev ni0
	for a in "$NET_IP_OTHER" "$NET_IP_DNSONLY" "$NET_IP_DNS"; do
		net_in ip addr add "$a/24" dev ni0
	done
	net_in ip link set ni0 up
	# The second range on a second link
	ip link add nh1 type veth peer name ni1 netns "$NET_INET_PID" ||
		return 1
	ip addr add 203.0.113.1/24 dev nh1
	ip link set nh1 up
	for a in "$NET_IP_NET2" 203.0.113.11 203.0.113.12 "$NET_IP_DENIED"; do
		net_in ip addr add "$a/24" dev ni1
	done
	net_in ip link set ni1 up

	cat >"$NET_DIR/hosts" <<EOF
127.0.0.1	localhost
$NET_IP_ALLOWED	allowed.test www.allowed.test
$NET_IP_OTHER	other.test
$NET_IP_NET2	net2.test
127.0.0.1	local.test
10.1.2.3	private.test
169.254.169.254	meta.test
198.51.100.1	self.test
EOF
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$NET_IP_DNS" \
		>"$NET_DIR/resolv.conf"
	printf '%s %s\n' dnsonly.test "$NET_IP_DNSONLY" \
		secret.evil.test "$NET_IP_OTHER" \
		exfil.other.test "$NET_IP_OTHER" >"$NET_DIR/zone"
	mount --bind "$NET_DIR/hosts" /etc/hosts || return 1
	mount --bind "$NET_DIR/resolv.conf" /etc/resolv.conf || return 1

	_net_make_certs || return 1
	_net_make_repo
	: >"$NET_DIR/http.log"
	: >"$NET_DIR/conn.log"
	: >"$NET_DIR/dns.log"
	: >"$NET_DIR/udp.log"
	: >"$NET_DIR/git.log"
	chmod -R a+rX "$NET_DIR"

	net_spawn python3 "$NET_SERVE" "$NET_DIR" internet \
		>"$NET_DIR/internet.err" 2>&1
	python3 "$NET_SERVE" "$NET_DIR" host "$NET_HOST_PORT" \
		"$NET_HOST_PORT_OTHER" "$NET_PROXY_PORT" >"$NET_DIR/host.err" 2>&1 &
	NET_PIDS+=("$!")
	wait_until 10 test -f "$NET_DIR/ready-internet" || return 1
	wait_until 10 test -f "$NET_DIR/ready-host" || return 1
	# From H, directly: the internet answers
	wait_until 10 curl -sf -o /dev/null --max-time 2 \
		"http://$NET_IP_ALLOWED/" || return 1
	net_reset_logs
}

# net_reset_logs: empty the servers' logs before a test
net_reset_logs()
{
	local f
	for f in http conn dns udp proxy api git echo ws; do
		: >"$NET_DIR/$f.log"
	done
}

# net_log NAME: print a server log (http, conn, dns, udp, proxy, api, git,
# echo, ws)
net_log()
{
	cat "$NET_DIR/$1.log"
}

# net_icmp_in [FIELD]: the internet namespace's Icmp counter FIELD of
# /proc/net/snmp (default InMsgs; InEchos: echo requests received)
net_icmp_in()
{
	# shellcheck disable=SC2016 # awk's $i
	net_in awk -v f="${1:-InMsgs}" '$1 == "Icmp:" && !n++ {
		for (i = 2; i <= NF; i++) col[$i] = i; next }
		$1 == "Icmp:" { print $col[f] }' /proc/net/snmp
}

# net_ping_from_host: one ICMP echo request from H (root, a raw socket) to
# the internet: the positive control of the ICMP checks
net_ping_from_host()
{
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(b"\x08\x00\xf7\xfe\x00\x01\x00\x00", (sys.argv[1], 0))' "$NET_IP_ALLOWED"
}

# net_udp_from_host: one datagram from H to the UDP sink: the positive
# control of the UDP checks (the sink logs "udp 198.51.100.1 LEN")
net_udp_from_host()
{
	python3 -c '
import socket, sys
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"c" * 7,
    (sys.argv[1], 9999))' "$NET_IP_ALLOWED"
}
