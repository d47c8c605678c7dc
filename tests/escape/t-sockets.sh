#!/bin/bash
# SPDX-License-Identifier: MIT
# t-sockets.sh - AF_PACKET, AF_VSOCK, raw and non-route netlink sockets
#
# AF_VSOCK reaches the hypervisor and no network namespace confines it;
# AF_PACKET, AF_KEY, AF_ALG and the other families are kernel attack
# surface. The kernel would answer EPERM for AF_PACKET without
# CAP_NET_RAW; EAFNOSUPPORT shows the filter answered first. The family is
# compared on all 64 bits, so 1<<32 | AF_PACKET is refused as well.
# shellcheck source=tests/escape/common.sh
. "$(dirname "$0")/common.sh"

proj=$(mkproj sockets)
cd "$proj" || exit 1

out=$(jprobe sockets)
for what in af_packet-raw af_packet-dgram af_packet-hi af_vsock-stream \
	af_vsock-dgram netlink-audit netlink-netfilter netlink-uevent \
	netlink-sock-diag netlink-route-hi af_key af_alg af_bluetooth \
	af_unspec socketpair-inet; do
	expect_errno "$out" "$what" EAFNOSUPPORT
done
for what in af_inet-raw af_inet-raw-cloexec af_inet6-raw af_inet-packet; do
	expect_errno "$out" "$what" EPERM
done
for what in af_unix-stream af_inet-tcp af_inet6-udp netlink-route; do
	expect_ok "$out" "$what"
done
# ip(8) reads links and addresses over NETLINK_ROUTE
out=$(jail -- ip -o link show lo 2>&1)
assert_match "ip link (NETLINK_ROUTE) works" "^1: lo:" "$out"
exit 0
