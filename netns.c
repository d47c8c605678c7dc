// SPDX-License-Identifier: MIT
/*
 * netns.c - network namespaces: links, addresses and routes (rtnetlink),
 * the gateway's rules (an nf_tables batch compiled at build time) and the
 * forwarder's listening sockets
 *
 * Two network namespaces take part in `--net filtered`:
 *
 *   J, the jail's: lo and NETNS_JAIL_IF (10.200.0.2/30), default route via
 *      the gateway. Owned by a nested user namespace that holds nothing
 *      else, so not even a capability COMMAND should never have could reach
 *      the gateway's rules.
 *   G, the gateway's: NETNS_GW_IF (10.200.0.1/30), the veth peer of J's
 *      link. Its nftables rules redirect every TCP connection from J to the
 *      forwarder's listening socket and every DNS query to its resolver;
 *      everything else from J is redirected to G itself only to be rejected
 *      there (TCP reset, ICMP administratively prohibited), so clients fail
 *      at once instead of waiting for a timeout. G never forwards a packet.
 *
 * The listening sockets live in G, but the process that accepts on them
 * (the forwarder) runs in the host's namespace: a socket keeps the
 * namespace it was created in, and SO_ORIGINAL_DST looks the connection up
 * in G's conntrack table. Outbound sockets are created by the forwarder in
 * the host's namespace.
 *
 * Without IPv6, neither veth end gets any IPv6 address (disable_ipv6 is set
 * on both before they come up, so not even a link-local one appears) and
 * IPv6 connects in the jail fail at once with ENETUNREACH.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <linux/if_link.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <sys/socket.h>
#include <sched.h>
#include <sys/wait.h>

#include "jail.h"
#include "setup.h"
#include "run/run.h"

/* The forwarder's sockets in G; -1 where absent */
struct netns_listeners {
	int tcp4_fd;	/* listening on JAIL_GATEWAY_IP4:tcp_port */
	int tcp6_fd;	/* NETNS_GATEWAY_IP6:tcp_port, IPv6 only */
	int udp4_fd;	/* DNS on JAIL_GATEWAY_IP4:dns_port */
	int udp6_fd;	/* DNS on NETNS_GATEWAY_IP6:dns_port */
	uint16_t tcp_port;
	uint16_t dns_port;
};

/*
 * Read the kernel's answers to a batch of requests sent in one
 * sendmsg(). rtnetlink and nfnetlink handle what a sendmsg() carries
 * within the call, so every answer is queued by now: the acknowledgement
 * of the last request (@last_seq: the batch was read to its end) and an
 * error for any request refused.
 * Return: 0, the first error the kernel reported, or -EPROTO
 */
static int read_answers(int fd, uint32_t last_seq)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool acked = false;
	int err = 0;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		size_t left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err ? err : acked ? 0 : -EPROTO;
		left = (size_t)n;
		for (const struct nlmsghdr *h = (const void *)buf;
		     NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_type != NLMSG_ERROR ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				continue;
			if (e->error && !err)
				err = e->error < 0 ? e->error : -EPROTO;
			if (!e->error && e->msg.nlmsg_seq == last_seq)
				acked = true;
		}
	}
}

/*
 * The links, addresses and routes of one namespace are one batch of
 * rtnetlink requests in one sendmsg(), each asking for an
 * acknowledgement, the answers read once after it: no round trip per
 * request. The kernel handles them in order, so an address exists
 * before its link comes up and the link is up before a route via the
 * gateway is checked. Each request is built with libnl's message API
 * and appended to the batch's buffer: no libnl socket, object or cache,
 * whose set-up cost more than the requests themselves.
 */
struct route_batch {
	char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
	uint32_t seq;
	bool full;	/* a request did not fit: nothing is sent */
};

/*
 * A new request @type of @b with its fixed header @hdr, asking for an
 * acknowledgement; its attributes go in with nla_put() and friends, and
 * batch_add() appends it. It can never outgrow the batch's buffer.
 * Return: it (batch_add() frees it), or NULL
 */
static struct nl_msg *batch_msg(struct route_batch *b, int type, int flags,
				const void *hdr, size_t hlen)
{
	struct nl_msg *msg = nlmsg_alloc_size(sizeof(b->buf));

	if (!msg)
		return NULL;
	if (!nlmsg_put(msg, NL_AUTO_PORT, ++b->seq, type, (int)hlen,
		       NLM_F_REQUEST | NLM_F_ACK | flags)) {
		nlmsg_free(msg);
		return NULL;
	}
	memcpy(nlmsg_data(nlmsg_hdr(msg)), hdr, hlen);
	return msg;
}

/*
 * Append @msg, complete when @ok, to @b and free it; a request that is
 * missing, incomplete or too big for what is left marks the batch full,
 * and batch_send() then sends nothing
 */
static void batch_add(struct route_batch *b, struct nl_msg *msg, bool ok)
{
	const struct nlmsghdr *h = msg ? nlmsg_hdr(msg) : NULL;
	size_t len = h ? (size_t)nlmsg_total_size(nlmsg_datalen(h)) : 0;

	if (!ok || !h || len > sizeof(b->buf) - b->len)
		b->full = true;
	if (!b->full) {
		memcpy(b->buf + b->len, h, len);
		b->len += len;
	}
	if (msg)
		nlmsg_free(msg);
}

/* Set the IFF_UP flag of link @ifindex */
static void batch_link_up(struct route_batch *b, int ifindex)
{
	const struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				       .ifi_index = ifindex,
				       .ifi_flags = IFF_UP,
				       .ifi_change = IFF_UP };
	struct nl_msg *msg = batch_msg(b, RTM_NEWLINK, 0, &ifi, sizeof(ifi));

	batch_add(b, msg, true);
}

/*
 * Add @addr/@prefixlen to link @ifindex. IPv6 addresses skip duplicate
 * address detection: nothing else is on the link, and a tentative
 * address could not be used for the first second or so.
 */
static void batch_address(struct route_batch *b, int ifindex, int family,
			  const char *addr, unsigned char prefixlen)
{
	const struct ifaddrmsg ifa = {
		.ifa_family = (unsigned char)family,
		.ifa_prefixlen = prefixlen,
		.ifa_flags = family == AF_INET6 ? IFA_F_NODAD : 0,
		.ifa_scope = RT_SCOPE_UNIVERSE,
		.ifa_index = (unsigned int)ifindex,
	};
	unsigned char a[sizeof(struct in6_addr)];
	int alen = family == AF_INET6 ? 16 : 4;
	struct nl_msg *msg;

	if (inet_pton(family, addr, a) != 1) {
		b->full = true;
		return;
	}
	msg = batch_msg(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa,
			sizeof(ifa));
	batch_add(b, msg,
		  msg && nla_put(msg, IFA_LOCAL, alen, a) >= 0 &&
			  nla_put(msg, IFA_ADDRESS, alen, a) >= 0);
}

/* Default route of @family via @gateway on link @ifindex */
static void batch_default_route(struct route_batch *b, int ifindex,
				int family, const char *gateway)
{
	const struct rtmsg rtm = { .rtm_family = (unsigned char)family,
				   .rtm_table = RT_TABLE_MAIN,
				   .rtm_protocol = RTPROT_STATIC,
				   .rtm_scope = RT_SCOPE_UNIVERSE,
				   .rtm_type = RTN_UNICAST };
	unsigned char gw[sizeof(struct in6_addr)];
	struct nl_msg *msg;

	if (inet_pton(family, gateway, gw) != 1) {
		b->full = true;
		return;
	}
	msg = batch_msg(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm,
			sizeof(rtm));
	batch_add(b, msg,
		  msg && nla_put(msg, RTA_GATEWAY,
				 family == AF_INET6 ? 16 : 4, gw) >= 0 &&
			  nla_put_u32(msg, RTA_OIF, (uint32_t)ifindex) >= 0);
}

/* Send @b on @fd in one sendmsg(). Return: 0 or the first error */
static int batch_send(int fd, const struct route_batch *b)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (b->full)
		return -EMSGSIZE;
	do
		n = sendto(fd, b->buf, b->len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == b->len ? read_answers(fd, b->seq) : -EMSGSIZE;
}

/* A plain NETLINK_ROUTE socket in the current netns. Return: it or -errno */
static int route_fd(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	return fd < 0 ? -errno : fd;
}

/*
 * The kernel gives lo index 1 in every network namespace
 * (LOOPBACK_IFINDEX): it is set up by index, with no look-up by name
 */
#define NETNS_LO_IFINDEX 1

/*
 * The index each veth end is made with (RTM_NEWLINK's ifi_index, the
 * peer's in its own ifinfomsg): G and J are new and hold only lo, so it
 * is free in both, and the requests that follow name the links by it
 * in the same batch, with no look-up
 */
#define NETNS_VETH_IFINDEX 2

int netns_loopback_up(void)
{
	struct route_batch b = { .len = 0 };
	autoclose int fd = route_fd();

	if (fd < 0)
		return fd;
	batch_link_up(&b, NETNS_LO_IFINDEX);
	return batch_send(fd, &b);
}

/*
 * IFLA_GSO_IPV4_MAX_SIZE of <linux/if_link.h> (Linux 6.3, "BIG TCP" for
 * IPv4), which older headers lack; older kernels ignore the attribute.
 */
#define NETNS_IFLA_GSO_IPV4_MAX_SIZE 63

/*
 * The largest IPv4 packet the stack may build for G's end of the veth
 * (the default is 64 KiB). Everything the forwarder sends to the jail
 * leaves through it, and over a veth a packet costs about the same
 * whatever its size (nothing is segmented: the jail's end takes it
 * whole), so a download makes a quarter of the trips through G's
 * netfilter hooks, the veth and the jail's TCP receive path. The veth
 * itself accepts up to 512 KiB.
 */
#define NETNS_GSO_MAX (256 * 1024)

/* One end of the veth: its name, NETNS_MTU, one queue each way */
static bool put_veth_end(struct nl_msg *msg, const char *name)
{
	return nla_put_string(msg, IFLA_IFNAME, name) >= 0 &&
	       nla_put_u32(msg, IFLA_MTU, NETNS_MTU) >= 0 &&
	       nla_put_u32(msg, IFLA_NUM_TX_QUEUES, 1) >= 0 &&
	       nla_put_u32(msg, IFLA_NUM_RX_QUEUES, 1) >= 0;
}

/*
 * The veth's IFLA_LINKINFO: its kind, and in its data the peer
 * NETNS_JAIL_IF (an ifinfomsg, then its attributes) made directly
 * inside the namespace @jail_netns_fd (IFLA_NET_NS_FD)
 */
static bool put_veth_info(struct nl_msg *msg, int jail_netns_fd)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				 .ifi_index = NETNS_VETH_IFINDEX }; /* appended */
	struct nlattr *info, *data, *peer;

	if (!(info = nla_nest_start(msg, IFLA_LINKINFO)) ||
	    nla_put_string(msg, IFLA_INFO_KIND, "veth") < 0 ||
	    !(data = nla_nest_start(msg, IFLA_INFO_DATA)) ||
	    !(peer = nla_nest_start(msg, VETH_INFO_PEER)) ||
	    nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0 ||
	    !put_veth_end(msg, NETNS_JAIL_IF) ||
	    nla_put_u32(msg, IFLA_NET_NS_FD, (uint32_t)jail_netns_fd) < 0)
		return false;
	return nla_nest_end(msg, peer) >= 0 && nla_nest_end(msg, data) >= 0 &&
	       nla_nest_end(msg, info) >= 0;
}

/*
 * Create NETNS_GW_IF here and its peer NETNS_JAIL_IF directly inside the
 * namespace @jail_netns_fd (IFLA_NET_NS_FD in the peer's attributes),
 * both with index NETNS_VETH_IFINDEX; with @big_gso, NETNS_GW_IF sends
 * IPv4 packets of up to NETNS_GSO_MAX
 */
static void batch_veth(struct route_batch *b, int jail_netns_fd, bool big_gso)
{
	const struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				       .ifi_index = NETNS_VETH_IFINDEX };
	struct nl_msg *msg = batch_msg(b, RTM_NEWLINK,
				       NLM_F_CREATE | NLM_F_EXCL, &ifi,
				       sizeof(ifi));

	batch_add(b, msg,
		  msg && put_veth_end(msg, NETNS_GW_IF) &&
			  (!big_gso ||
			   nla_put_u32(msg, NETNS_IFLA_GSO_IPV4_MAX_SIZE,
				       NETNS_GSO_MAX) >= 0) &&
			  put_veth_info(msg, jail_netns_fd));
}

/*
 * Set sys/net/ipv6/conf/default/disable_ipv6 of the current netns, below
 * the procfs directory @proc_fd: every link made in it from now on starts
 * without IPv6, so not even a link-local address appears when it comes
 * up (lo, made with the namespace, keeps ::1). /proc/sys/net always shows
 * the namespace of the process that opens it, whatever procfs instance
 * it is reached through, so this never touches the host's settings. A
 * kernel without IPv6 has no such file: nothing to disable then.
 */
static int disable_ipv6(int proc_fd)
{
	autoclose int fd = openat(proc_fd,
				  "sys/net/ipv6/conf/default/disable_ipv6",
				  O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	return write_all(fd, "1\n", 2);
}

/*
 * The gateway's side in one batch: the veth (batch_veth()), then
 * JAIL_GATEWAY_IP4/30 (and NETNS_GATEWAY_IP6/64) on NETNS_GW_IF, and
 * NETNS_GW_IF up. G's lo stays down: nothing in G talks to itself (the
 * redirected connections, the rejects' answers and the --publish
 * sockets all come in or go out through NETNS_GW_IF), and bringing it
 * up costs the kernel as much as a veth end's (IPv6's ::1 included)
 */
static void batch_gateway(struct route_batch *b, int jail_netns_fd, bool ipv6,
			  bool big_gso)
{
	batch_veth(b, jail_netns_fd, big_gso);
	batch_address(b, NETNS_VETH_IFINDEX, AF_INET, JAIL_GATEWAY_IP4, 30);
	if (ipv6)
		batch_address(b, NETNS_VETH_IFINDEX, AF_INET6,
			      NETNS_GATEWAY_IP6, 64);
	batch_link_up(b, NETNS_VETH_IFINDEX);
}

/**
 * netns_config_gateway() - Create the veth pair between G and J, and
 *			    configure G
 * @fd:			a NETLINK_ROUTE socket in G
 * @jail_netns_fd:	fd of J (make_jail_ns())
 * @ipv6:		give the jail IPv6; without it NETNS_GW_IF gets no
 *			IPv6 address at all (G's links start with IPv6
 *			disabled)
 *
 * Creates NETNS_GW_IF in G with its peer NETNS_JAIL_IF created directly
 * inside J: the jail end never exists in G, so there is no window where
 * G holds two links, and no rename or move later. Both have one queue
 * each way: the kernel makes a set of sysfs entries per queue (two per
 * CPU by default), and a veth under its default noqueue discipline
 * sends on the CPU of the sender whatever its number of queues.
 * NETNS_GW_IF sends IPv4 packets of up to NETNS_GSO_MAX. In the same
 * batch, one sendmsg(): JAIL_GATEWAY_IP4/30 (and NETNS_GATEWAY_IP6/64)
 * on NETNS_GW_IF, NETNS_GW_IF up, named by the index the veth was made
 * with (no look-up). Built with libnl's message API on a plain socket:
 * no libnl link object.
 *
 * Context: setup child (pid 1), in G, with CAP_NET_ADMIN over G and over
 * J's user namespace (true for the parent of J's user namespace)
 * Return: 0 or negative errno
 */
static int netns_config_gateway(int fd, int jail_netns_fd, bool ipv6)
{
	struct route_batch b = { .len = 0 };
	int err;

	batch_gateway(&b, jail_netns_fd, ipv6, true);
	err = batch_send(fd, &b);
	/*
	 * A kernel that refuses the size still gets its veth: the batch
	 * made nothing (the veth comes first, what follows needs it)
	 */
	if (err == -EINVAL || err == -ERANGE) {
		b = (struct route_batch){ .len = 0 };
		batch_gateway(&b, jail_netns_fd, ipv6, false);
		err = batch_send(fd, &b);
	}
	return err;
}

/**
 * netns_config_jail() - Addresses, links and routes of J
 * @fd:		a NETLINK_ROUTE socket in J (a socket keeps the namespace
 *		it was made in: no need to enter J)
 * @ipv6:	as for netns_config_gateway(); both must agree
 *
 * lo up; JAIL_JAIL_IP4/30 (and NETNS_JAIL_IP6/64) on NETNS_JAIL_IF, up;
 * default route via JAIL_GATEWAY_IP4 (and NETNS_GATEWAY_IP6): one batch.
 * Without @ipv6, NETNS_JAIL_IF has no IPv6 address at all (J's links
 * start with IPv6 disabled) and there is no IPv6 route: IPv6 connects
 * fail with ENETUNREACH.
 *
 * Context: setup child, with CAP_NET_ADMIN over J (as the parent of its
 * user namespace), once netns_config_gateway() has run
 * Return: 0 or negative errno
 */
static int netns_config_jail(int fd, bool ipv6)
{
	struct route_batch b = { .len = 0 };
	const int ifindex = NETNS_VETH_IFINDEX;

	batch_link_up(&b, NETNS_LO_IFINDEX);
	batch_address(&b, ifindex, AF_INET, JAIL_JAIL_IP4, 30);
	if (ipv6)
		batch_address(&b, ifindex, AF_INET6, NETNS_JAIL_IP6, 64);
	batch_link_up(&b, ifindex);
	batch_default_route(&b, ifindex, AF_INET, JAIL_GATEWAY_IP4);
	if (ipv6)
		batch_default_route(&b, ifindex, AF_INET6, NETNS_GATEWAY_IP6);
	return batch_send(fd, &b);
}

/*
 * The gateway's rules (their text and what each does: tools/nftgen.c),
 * as the nf_tables batch libnftables made of them on the build machine.
 * The Makefile passes the file's path as JAIL_NFT_BATCH.
 */
#ifndef JAIL_NFT_BATCH
#error "JAIL_NFT_BATCH must name the file tools/nftgen.c wrote"
#endif
#include JAIL_NFT_BATCH

/**
 * netns_install_rules() - Load the gateway's nftables rules
 *
 * One transaction (tools/nftgen.c says what it holds): table inet jail,
 * prerouting nat redirecting TCP to NETNS_TCP_PORT and UDP port 53 to
 * NETNS_DNS_PORT, other UDP and ICMP echo to G itself; input accepting
 * only the redirected ports and replies, rejecting the rest (TCP reset,
 * ICMP administratively prohibited); forward dropping everything. One
 * inet table covers both families. Sent as the bytes compiled at build
 * time on a NETLINK_NETFILTER socket: no libnftables at run time.
 *
 * Context: the setup child, in G, before the veth exists: the rules
 * match NETNS_GW_IF by name, whether it exists yet or not. The kernel
 * takes about 0.15 ms over them, less than a child of their own would
 * cost
 * Return: 0 or negative errno (what the kernel refused the rules with)
 */
static int netns_install_rules(void)
{
	autoclose int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
				  NETLINK_NETFILTER);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = sendto(fd, nft_rules_batch, sizeof(nft_rules_batch), 0,
			   (struct sockaddr *)&kernel, sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(nft_rules_batch))
		return -EMSGSIZE;
	return read_answers(fd, NFT_RULES_LAST_SEQ);
}

/* A non-blocking socket of @type bound to @addr:@port in the current netns */
static int bound_socket(int family, int type, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	autoclose int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
				  0);
	int one = 1;

	if (fd < 0)
		return -errno;
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		/* The IPv4 side has its own socket */
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			       sizeof(one)) < 0)
			return -errno;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &a->sin6_addr);
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		inet_pton(AF_INET, addr, &a->sin_addr);
		len = sizeof(*a);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	if (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)
		return -errno;
	return TAKE_FD(fd);
}

/* Close every fd in @l and set it to -1 */
static void netns_listeners_close(struct netns_listeners *l)
{
	close_fdp(&l->tcp4_fd);
	close_fdp(&l->tcp6_fd);
	close_fdp(&l->udp4_fd);
	close_fdp(&l->udp6_fd);
	l->tcp4_fd = l->tcp6_fd = l->udp4_fd = l->udp6_fd = -1;
}


/**
 * netns_open_listeners() - Open the forwarder's sockets in G
 * @l:		result; every fd O_CLOEXEC and O_NONBLOCK, caller closes
 *		(netns_listeners_close())
 * @ipv6:	also open the IPv6 sockets
 *
 * Context: setup child, in G, after netns_config_gateway(); the fds then
 * go to the supervisor (SCM_RIGHTS) for the forwarder, which runs in the
 * host's namespace: the sockets stay in G
 * Return: 0 or negative errno (then every fd in @l is -1)
 */
static int netns_open_listeners(struct netns_listeners *l, bool ipv6)
{
	int err = 0;

	*l = (struct netns_listeners){ .tcp4_fd = -1,
				       .tcp6_fd = -1,
				       .udp4_fd = -1,
				       .udp6_fd = -1,
				       .tcp_port = NETNS_TCP_PORT,
				       .dns_port = NETNS_DNS_PORT };
	l->tcp4_fd = bound_socket(AF_INET, SOCK_STREAM, JAIL_GATEWAY_IP4,
				  l->tcp_port);
	l->udp4_fd = bound_socket(AF_INET, SOCK_DGRAM, JAIL_GATEWAY_IP4,
				  l->dns_port);
	if (ipv6) {
		l->tcp6_fd = bound_socket(AF_INET6, SOCK_STREAM,
					  NETNS_GATEWAY_IP6, l->tcp_port);
		l->udp6_fd = bound_socket(AF_INET6, SOCK_DGRAM,
					  NETNS_GATEWAY_IP6, l->dns_port);
	}
	if (l->tcp4_fd < 0)
		err = l->tcp4_fd;
	else if (l->udp4_fd < 0)
		err = l->udp4_fd;
	else if (ipv6 && l->tcp6_fd < 0)
		err = l->tcp6_fd;
	else if (ipv6 && l->udp6_fd < 0)
		err = l->udp6_fd;
	if (err < 0) {
		/* Negative values are errors, not descriptors */
		if (l->tcp4_fd < 0)
			l->tcp4_fd = -1;
		if (l->udp4_fd < 0)
			l->udp4_fd = -1;
		if (l->tcp6_fd < 0)
			l->tcp6_fd = -1;
		if (l->udp6_fd < 0)
			l->udp6_fd = -1;
		netns_listeners_close(l);
	}
	return err;
}

/* ---- the gateway, set up by the setup child (--net filtered) ------ */

static void die_err(int err, const char *what)
{
	errno = -err;
	die_errno("%s", what);
}

/* Hand the forwarder's sockets to the supervisor in one message */
static void send_listeners(int chan, const struct netns_listeners *l)
{
	const int all[4] = { l->tcp4_fd, l->tcp6_fd, l->udp4_fd, l->udp6_fd };
	char cbuf[CMSG_SPACE(4 * sizeof(int))] = { 0 };
	char payload[5] = { MSG_LISTENERS };
	struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf };
	struct cmsghdr *cm;
	int fds[4] = { -1, -1, -1, -1 };
	size_t n = 0;

	for (size_t i = 0; i < 4; i++) {
		payload[1 + i] = (char)(all[i] >= 0);
		if (all[i] >= 0)
			fds[n++] = all[i];
	}
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	if (sendmsg(chan, &mh, MSG_NOSIGNAL) < 0)
		die_errno("pass the forwarder's sockets");
}

/*
 * --publish: the sockets that carry published connections into the jail,
 * made here in G (the only namespace with a route to J) and lent by the
 * forwarder (fwd/publish.c), sent in messages of PUBLISH_POOL_CHUNK
 */
#define PUBLISH_POOL_CHUNK 64

static void send_publish_pool(int chan)
{
	for (size_t done = 0; done < JAIL_PUBLISH_CONNS;
	     done += PUBLISH_POOL_CHUNK) {
		int fds[PUBLISH_POOL_CHUNK];
		char cbuf[CMSG_SPACE(sizeof(fds))] = { 0 };
		char tag = MSG_PUBLISH_POOL;
		struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
		struct msghdr mh = { .msg_iov = &iov,
				     .msg_iovlen = 1,
				     .msg_control = cbuf,
				     .msg_controllen = sizeof(cbuf) };
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

		for (size_t i = 0; i < PUBLISH_POOL_CHUNK; i++) {
			fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
							 SOCK_CLOEXEC, 0);
			if (fds[i] < 0)
				die_errno("network: --publish sockets");
		}
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(fds));
		memcpy(CMSG_DATA(cm), fds, sizeof(fds));
		if (sendmsg(chan, &mh, MSG_NOSIGNAL) < 0)
			die_errno("pass the --publish sockets");
		for (size_t i = 0; i < PUBLISH_POOL_CHUNK; i++)
			close(fds[i]);
	}
}

/* What the jail's namespaces' maker gets and leaves: see make_jail_ns() */
struct jail_ns {
	int proc_fd;		/* in: the host's procfs (child_ctx) */
	uid_t uid;
	gid_t gid;
	bool ipv6;		/* in: the jail gets IPv6 */
	int userns_fd;		/* out: U2 */
	int netns_fd;		/* out: J */
	int route_fd;		/* out: a NETLINK_ROUTE socket in J */
	const char *what;	/* out: the step that failed */
	int err;		/* out: 0 or negative errno */
};

/* Record the failure of step @what (errno) in @r. Return: 1 */
static int jail_ns_failed(struct jail_ns *r, const char *what, int err)
{
	r->what = what;
	r->err = err < 0 ? err : -EIO;
	return 1;
}

/*
 * The child of make_jail_ns(), born in U2 and J with every capability
 * over them and none over anything else. Its /proc directory is reached
 * through the host's procfs: the path /proc may already be the jail's
 * read-only one, where our pid means nothing. It maps itself: one line,
 * its own ids, setgroups denied, which needs no capability over the
 * parent user namespace. What only a process in J can do is done here:
 * J's links start without IPv6, and a routing socket made in J lets pid
 * 1 configure J without entering it.
 */
static int jail_ns_child(void *arg)
{
	struct jail_ns *r = arg;
	autoclose int self = openat(r->proc_fd, "self",
				    O_PATH | O_DIRECTORY | O_CLOEXEC);
	int err;

	if (self < 0)
		return jail_ns_failed(r, "open /proc/self", -errno);
	err = creds_write_maps_at(self, r->uid, r->gid);
	if (err < 0)
		return jail_ns_failed(r, "map the jail's nested user namespace",
				      err);
	r->netns_fd = openat(self, "ns/net", O_RDONLY | O_CLOEXEC);
	if (r->netns_fd < 0)
		return jail_ns_failed(r, "open the jail's namespace", -errno);
	r->userns_fd = openat(self, "ns/user", O_RDONLY | O_CLOEXEC);
	if (r->userns_fd < 0)
		return jail_ns_failed(r, "open the jail's user namespace",
				      -errno);
	err = r->ipv6 ? 0 : disable_ipv6(r->proc_fd);
	if (err < 0)
		return jail_ns_failed(r, "configure the jail's interface", err);
	r->route_fd = route_fd();
	if (r->route_fd < 0)
		return jail_ns_failed(r, "configure the jail's interface",
				      r->route_fd);
	return 0;
}

/* The stack of jail_ns_child(); used once, while we are suspended */
static char jail_ns_stack[64 * 1024] __attribute__((aligned(16)));

/**
 * make_jail_ns() - Make the jail's user and network namespaces, U2 and J
 * @c:		the setup child's context
 * @r:		result: U2, J and a routing socket in J
 *
 * A child cloned into new user and network namespaces leaves their
 * descriptors in our table and exits. It shares our memory and our
 * descriptor table and runs while we are suspended (CLONE_VM |
 * CLONE_VFORK | CLONE_FILES): no copy of our address space to make and
 * tear down, no hand-off through a socket between two processes. It is
 * reaped before this returns, so COMMAND never sees it in its pid
 * namespace (a process holding every capability over J, even if only
 * for an instant).
 *
 * Context: setup child (pid 1), in U1, after "go" (our ids are mapped,
 * which a new user namespace requires)
 * Return: nothing; dies on failure
 */
static void make_jail_ns(const struct child_ctx *c, struct jail_ns *r)
{
	pid_t pid;

	*r = (struct jail_ns){ .proc_fd = c->proc_fd,
			       .uid = c->cfg->uid,
			       .gid = c->cfg->gid,
			       .ipv6 = c->cfg->ipv6,
			       .userns_fd = -1,
			       .netns_fd = -1,
			       .route_fd = -1 };
	pid = clone(jail_ns_child, jail_ns_stack + sizeof(jail_ns_stack),
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_NEWUSER |
			    CLONE_NEWNET | SIGCHLD,
		    r);
	if (pid < 0)
		die_errno("network: make the jail's network namespace");
	while (waitpid(pid, NULL, 0) < 0)
		if (errno != EINTR)
			die_errno("network: reap the namespace maker");
	if (r->what)
		die_err(r->err, r->what);
}

/*
 * Make G, the gateway's namespace, and enter it. Made by pid 1 after
 * "go", not by clone(): a network namespace costs about 0.4 ms, and made
 * here it is made while the command child builds the view, instead of
 * before it can start. Until here pid 1 and the command child were in
 * the host's namespace without any capability over it, as under --net
 * none. pid 1 stays in G; only COMMAND is in J.
 */
static void make_gateway_netns(void)
{
	if (unshare(CLONE_NEWNET) < 0)
		die_errno("network: make the gateway's namespace");
}

/*
 * --net filtered. Make the jail's namespace J (in its own user namespace
 * U2) and pass both to the command child, which needs J before it mounts
 * /sys and enters U2 once the view is built; then make the gateway
 * namespace G with its redirect rules (before any link exists), link G
 * and J with a veth, put the forwarder's sockets in G, and configure J
 * from inside it. COMMAND runs only once jail-init releases it, and pid
 * 1 becomes jail-init after this returns.
 *
 * Context: setup child, while the command child builds the view
 */
void netns_setup_gateway(const struct child_ctx *c, int sock)
{
	const struct jail_config *cfg = c->cfg;
	struct netns_listeners l;
	struct jail_ns j;
	autoclose int gfd = -1;
	int err;

	make_jail_ns(c, &j);
	if (setup_send_msg(sock, MSG_NET_NS, j.netns_fd) < 0 ||
	    setup_send_msg(sock, MSG_JAIL_USERNS, j.userns_fd) < 0)
		die_errno("start the command");
	close(j.userns_fd);
	make_gateway_netns();
	if (!cfg->ipv6 && (err = disable_ipv6(c->proc_fd)) < 0)
		die_err(err, "network: configure the gateway");
	if ((err = netns_install_rules()) < 0)
		die_err(err, "network: install the gateway rules");
	gfd = route_fd();
	if (gfd < 0)
		die_err(gfd, "network: create the veth");
	if ((err = netns_config_gateway(gfd, j.netns_fd, cfg->ipv6)) < 0)
		die_err(err, "network: create the veth and configure the "
			     "gateway");
	close(j.netns_fd);
	if ((err = netns_open_listeners(&l, cfg->ipv6)) < 0)
		die_err(err, "network: open the forwarder's sockets");
	/*
	 * On the setup channel, so all of them are read before COMMAND
	 * runs, when the supervisor takes the listeners and starts the
	 * forwarder with both
	 */
	if (cfg->n_publish)
		send_publish_pool(c->chan_fd);
	send_listeners(c->gw_fd, &l);
	netns_listeners_close(&l);
	if ((err = netns_config_jail(j.route_fd, cfg->ipv6)) < 0)
		die_err(err, "network: configure the jail's interface");
	close(j.route_fd);
}
