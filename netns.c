// SPDX-License-Identifier: MIT
/*
 * netns.c - network namespaces: links, addresses and routes (libnl-route-3),
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
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/ioctl.h>
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

static void nl_socket_freep(struct nl_sock **s)
{
	if (*s)
		nl_socket_free(*s);
}

static void rtnl_link_putp(struct rtnl_link **l)
{
	if (*l)
		rtnl_link_put(*l);
}

#define autonlsock __attribute__((cleanup(nl_socket_freep)))
#define autolink __attribute__((cleanup(rtnl_link_putp)))

/* libnl returns its own error codes; map the ones setup can meet */
static int nl_to_errno(int err)
{
	switch (-err) {
	case NLE_PERM:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	default:
		return -EIO;
	}
}

/* Return: a NETLINK_ROUTE socket connected in the current netns, or NULL */
static struct nl_sock *route_socket(void)
{
	struct nl_sock *s = nl_socket_alloc();

	if (!s)
		return NULL;
	if (nl_connect(s, NETLINK_ROUTE) < 0) {
		nl_socket_free(s);
		return NULL;
	}
	return s;
}

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
 * gateway is checked.
 */
struct nl_batch {
	char buf[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	size_t len;
	uint32_t seq;
	bool full;	/* a request did not fit: nothing is sent */
};

/* Append request @type with its fixed header @hdr. Return: it, or NULL */
static struct nlmsghdr *batch_msg(struct nl_batch *b, uint16_t type,
				  uint16_t flags, const void *hdr, size_t hlen)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(b->buf + b->len);
	size_t len = NLMSG_LENGTH(hlen);

	if (b->full || b->len + NLMSG_ALIGN(len) > sizeof(b->buf)) {
		b->full = true;
		return NULL;
	}
	memset(h, 0, NLMSG_ALIGN(len));
	h->nlmsg_len = (uint32_t)len;
	h->nlmsg_type = type;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	h->nlmsg_seq = ++b->seq;
	memcpy(NLMSG_DATA(h), hdr, hlen);
	b->len += NLMSG_ALIGN(len);
	return h;
}

/* Append attribute @type to @h, the last request of @b */
static void batch_attr(struct nl_batch *b, struct nlmsghdr *h, uint16_t type,
		       const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)(b->buf + b->len);
	size_t alen = RTA_LENGTH(len);

	if (!h || b->len + RTA_ALIGN(alen) > sizeof(b->buf)) {
		b->full = true;
		return;
	}
	memset(rta, 0, RTA_ALIGN(alen));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)alen;
	memcpy(RTA_DATA(rta), data, len);
	b->len += RTA_ALIGN(alen);
	h->nlmsg_len = (uint32_t)(b->buf + b->len - (char *)h);
}

/* Set the IFF_UP flag of link @ifindex */
static void batch_link_up(struct nl_batch *b, int ifindex)
{
	const struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC,
				       .ifi_index = ifindex,
				       .ifi_flags = IFF_UP,
				       .ifi_change = IFF_UP };

	batch_msg(b, RTM_NEWLINK, 0, &ifi, sizeof(ifi));
}

/*
 * Add @addr/@prefixlen to link @ifindex. IPv6 addresses skip duplicate
 * address detection: nothing else is on the link, and a tentative
 * address could not be used for the first second or so.
 */
static void batch_address(struct nl_batch *b, int ifindex, int family,
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
	size_t alen = family == AF_INET6 ? 16 : 4;
	struct nlmsghdr *h;

	if (inet_pton(family, addr, a) != 1) {
		b->full = true;
		return;
	}
	h = batch_msg(b, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &ifa,
		      sizeof(ifa));
	batch_attr(b, h, IFA_LOCAL, a, alen);
	batch_attr(b, h, IFA_ADDRESS, a, alen);
}

/* Default route of @family via @gateway on link @ifindex */
static void batch_default_route(struct nl_batch *b, int ifindex, int family,
				const char *gateway)
{
	const struct rtmsg rtm = { .rtm_family = (unsigned char)family,
				   .rtm_table = RT_TABLE_MAIN,
				   .rtm_protocol = RTPROT_STATIC,
				   .rtm_scope = RT_SCOPE_UNIVERSE,
				   .rtm_type = RTN_UNICAST };
	unsigned char gw[sizeof(struct in6_addr)];
	uint32_t oif = (uint32_t)ifindex;
	struct nlmsghdr *h;

	if (inet_pton(family, gateway, gw) != 1) {
		b->full = true;
		return;
	}
	h = batch_msg(b, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, &rtm,
		      sizeof(rtm));
	batch_attr(b, h, RTA_GATEWAY, gw, family == AF_INET6 ? 16 : 4);
	batch_attr(b, h, RTA_OIF, &oif, sizeof(oif));
}

/* Send @b on @fd in one sendmsg(). Return: 0 or the first error */
static int batch_send(int fd, const struct nl_batch *b)
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

/* The index of link @name in @fd's netns (SIOCGIFINDEX). Return: or -errno */
static int link_index(int fd, const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(fd, SIOCGIFINDEX, &ifr) < 0 ? -errno : ifr.ifr_ifindex;
}

/*
 * The kernel gives lo index 1 in every network namespace
 * (LOOPBACK_IFINDEX): it is set up by index, with no look-up by name
 */
#define NETNS_LO_IFINDEX 1

int netns_loopback_up(void)
{
	struct nl_batch b = { .len = 0 };
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

/**
 * netns_create_veth() - Create the veth pair between G and J
 * @jail_netns_fd:	fd of J (/proc/PID/ns/net of the namespace helper
 *			after its unshare(CLONE_NEWUSER | CLONE_NEWNET))
 *
 * Creates NETNS_GW_IF in the current namespace with its peer
 * NETNS_JAIL_IF created directly inside J. Both are down, without
 * addresses, with one queue each way: the kernel makes a set of sysfs
 * entries per queue (two per CPU by default), and a veth under its
 * default noqueue discipline sends on the CPU of the sender whatever
 * its number of queues. NETNS_GW_IF sends IPv4 packets of up to
 * NETNS_GSO_MAX.
 *
 * Context: setup child (pid 1), in G, with CAP_NET_ADMIN over G and over
 * J's user namespace (true for the parent of J's user namespace)
 * Return: 0 or negative errno
 */
static int netns_create_veth(int jail_netns_fd)
{
	autonlsock struct nl_sock *s = route_socket();
	autolink struct rtnl_link *veth = NULL;
	struct nl_msg *msg = NULL;
	struct rtnl_link *peer;
	int err;

	if (!s)
		return -EIO;
	veth = rtnl_link_veth_alloc();
	if (!veth)
		return -ENOMEM;
	rtnl_link_set_name(veth, NETNS_GW_IF);
	rtnl_link_set_mtu(veth, NETNS_MTU);
	rtnl_link_set_num_tx_queues(veth, 1);
	rtnl_link_set_num_rx_queues(veth, 1);
	/* The peer belongs to @veth and is freed with it */
	peer = rtnl_link_veth_get_peer(veth);
	rtnl_link_set_name(peer, NETNS_JAIL_IF);
	rtnl_link_set_mtu(peer, NETNS_MTU);
	rtnl_link_set_num_tx_queues(peer, 1);
	rtnl_link_set_num_rx_queues(peer, 1);
	/*
	 * Created directly inside J: the jail end never exists in G, so no
	 * window where G holds two links, and no rename or move later.
	 */
	rtnl_link_set_ns_fd(peer, jail_netns_fd);
	err = rtnl_link_build_add_request(veth, NLM_F_CREATE | NLM_F_EXCL,
					  &msg);
	if (err >= 0)
		err = nla_put_u32(msg, NETNS_IFLA_GSO_IPV4_MAX_SIZE,
				  NETNS_GSO_MAX);
	if (err >= 0)
		err = nl_send_sync(s, msg);	/* frees @msg */
	else
		nlmsg_free(msg);
	/* A kernel that refuses the size still gets its veth */
	if (err == -NLE_INVAL || err == -NLE_RANGE)
		err = rtnl_link_add(s, veth, NLM_F_CREATE | NLM_F_EXCL);
	rtnl_link_put(peer);
	return err < 0 ? nl_to_errno(err) : 0;
}

/*
 * Set sys/net/ipv6/conf/@ifname/disable_ipv6 of the current netns, below
 * the procfs directory @proc_fd. /proc/sys/net always shows the namespace
 * of the process that opens it, whatever procfs instance it is reached
 * through, so this never touches the host's settings. A kernel without
 * IPv6 has no such file: nothing to disable then.
 */
static int disable_ipv6(int proc_fd, const char *ifname)
{
	char path[96];
	autoclose int fd = -1;

	snprintf(path, sizeof(path), "sys/net/ipv6/conf/%s/disable_ipv6",
		 ifname);
	fd = openat(proc_fd, path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	return write_all(fd, "1\n", 2);
}

/**
 * netns_config_gateway() - Addresses and links of G
 * @proc_fd:	a directory descriptor of a writable procfs (its
 *		/proc/sys/net shows the caller's current netns)
 * @ipv6:	give the jail IPv6; without it NETNS_GW_IF gets no IPv6
 *		address at all (disable_ipv6 is set before the link is up)
 *
 * lo up; JAIL_GATEWAY_IP4/30 (and NETNS_GATEWAY_IP6/64) on NETNS_GW_IF;
 * NETNS_GW_IF up: one batch.
 *
 * Context: setup child, in G, after netns_create_veth()
 * Must not: run in any other namespace (it writes G's own sysctl)
 * Return: 0 or negative errno
 */
static int netns_config_gateway(int proc_fd, bool ipv6)
{
	struct nl_batch b = { .len = 0 };
	autoclose int fd = route_fd();
	int ifindex, err;

	if (fd < 0)
		return fd;
	/* Before the link is up: no link-local address may ever appear */
	if (!ipv6) {
		err = disable_ipv6(proc_fd, NETNS_GW_IF);
		if (err < 0)
			return err;
	}
	ifindex = link_index(fd, NETNS_GW_IF);
	if (ifindex < 0)
		return ifindex;
	batch_link_up(&b, NETNS_LO_IFINDEX);
	batch_address(&b, ifindex, AF_INET, JAIL_GATEWAY_IP4, 30);
	if (ipv6)
		batch_address(&b, ifindex, AF_INET6, NETNS_GATEWAY_IP6, 64);
	batch_link_up(&b, ifindex);
	return batch_send(fd, &b);
}

/**
 * netns_config_jail() - Addresses, links and routes of J
 * @proc_fd:	as for netns_config_gateway()
 * @ipv6:	as for netns_config_gateway(); both must agree
 *
 * lo up; JAIL_JAIL_IP4/30 (and NETNS_JAIL_IP6/64) on NETNS_JAIL_IF, up;
 * default route via JAIL_GATEWAY_IP4 (and NETNS_GATEWAY_IP6): one batch.
 * Without @ipv6, NETNS_JAIL_IF has no IPv6 address at all and there is
 * no IPv6 route: IPv6 connects fail with ENETUNREACH.
 *
 * Context: in J, with CAP_NET_ADMIN over J: the setup child after
 * setns(J), once netns_create_veth() has run
 * Return: 0 or negative errno
 */
static int netns_config_jail(int proc_fd, bool ipv6)
{
	struct nl_batch b = { .len = 0 };
	autoclose int fd = route_fd();
	int ifindex, err;

	if (fd < 0)
		return fd;
	if (!ipv6) {
		err = disable_ipv6(proc_fd, NETNS_JAIL_IF);
		if (err < 0)
			return err;
	}
	ifindex = link_index(fd, NETNS_JAIL_IF);
	if (ifindex < 0)
		return ifindex;
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
 * Context: the setup child, in G, while the namespace helper makes J:
 * the rules match NETNS_GW_IF by name, whether it exists yet or not. The
 * kernel takes about 0.15 ms over them, less than a child of their own
 * would cost
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

static int open_net_ns(int proc_fd)
{
	int fd = openat(proc_fd, "ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die_errno("open a network namespace");
	return fd;
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

/*
 * --net filtered: the namespace helper, a child of the setup child that
 * makes the jail's user and network namespaces (U2, J) and only lives
 * until the setup child holds descriptors of them
 */
static __attribute__((noreturn)) void ns_helper(int sock, int proc_fd)
{
	char byte;
	int self;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		die_errno("unshare the jail's network namespace");
	/*
	 * Our pid means nothing in the setup child's /proc (the host's): hand
	 * over our directory there itself. Not through the path /proc, which
	 * may already be the jail's read-only procfs
	 */
	self = openat(proc_fd, "self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self < 0)
		die_errno("open /proc/self");
	if (setup_send_msg(sock, MSG_UNSHARED, self) < 0)
		_exit(EXIT_JAIL_FAILED);
	/* EOF: the setup child has what it needs (or died) */
	while (read(sock, &byte, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/*
 * Start the namespace helper. Return: our end of its socket; its pid in
 * *@pid
 */
static int start_ns_helper(const struct child_ctx *c, int c_sock, pid_t *pid)
{
	int hs[2];

	*pid = fork_with_socket(hs);
	if (*pid == 0) {
		close(c_sock);
		ns_helper(hs[1], c->proc_fd);
	}
	return hs[0];
}

/*
 * Reap the helper before COMMAND is released: it leaves as soon as its
 * socket closes, but until it is reaped COMMAND would see it in its pid
 * namespace (a process holding every capability of the jail's nested user
 * namespace, even if only for an instant)
 */
static void reap_ns_helper(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0)
		if (errno != EINTR)
			die_errno("network: reap the namespace helper");
}

/*
 * Receive the helper's /proc directory, map U2, open the descriptors of
 * U2 and J and let the helper go. Return: J's descriptor
 */
static int take_jail_netns(const struct child_ctx *c, int hs, int *userns_fd)
{
	autoclose int proc = -1;
	int jfd;

	setup_expect_msg(hs, MSG_UNSHARED, &proc);
	if (proc < 0)
		die("network: the namespace helper sent no /proc handle");
	{
		int err = creds_write_maps_at(proc, c->cfg->uid, c->cfg->gid);

		if (err < 0)
			die_err(err, "map the jail's nested user namespace");
	}
	jfd = open_net_ns(proc);
	*userns_fd = openat(proc, "ns/user", O_RDONLY | O_CLOEXEC);
	if (*userns_fd < 0)
		die_errno("open the jail's user namespace");
	/* Held by our descriptors now: EOF lets the helper go */
	close(hs);
	return jfd;
}

/*
 * Make G, the gateway's namespace, and return its descriptor. Made by
 * pid 1 once the helper is on its way, not by clone(): a network
 * namespace costs about 0.4 ms, and made here it is made while the
 * helper makes J and the command child builds the view, instead of
 * before any of them can start. Until here pid 1 and the command child
 * were in the host's namespace without any capability over it, as under
 * --net none.
 */
static int make_gateway_netns(int proc_fd)
{
	int fd;

	if (unshare(CLONE_NEWNET) < 0)
		die_errno("network: make the gateway's namespace");
	fd = openat(proc_fd, "self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die_errno("open the gateway namespace");
	return fd;
}

/*
 * --net filtered. Make the gateway namespace G and the jail's namespace
 * J (in its own user namespace U2, made by the helper meanwhile; the
 * redirect rules go into G before any link exists), link G and J with a
 * veth, put the forwarder's sockets in G, and configure J from inside
 * it. J goes to the command child as soon as it exists (its /sys shows
 * J), U2 once J is ready.
 *
 * Context: setup child, while the command child builds the view
 */
void netns_setup_gateway(const struct child_ctx *c, int sock)
{
	const struct jail_config *cfg = c->cfg;
	struct netns_listeners l;
	autoclose int jfd = -1;
	autoclose int ufd = -1;
	autoclose int gfd = -1;
	pid_t helper;
	int hs = start_ns_helper(c, sock, &helper), err;

	gfd = make_gateway_netns(c->proc_fd);
	if ((err = netns_install_rules()) < 0)
		die_err(err, "network: install the gateway rules");
	jfd = take_jail_netns(c, hs, &ufd);
	if (setup_send_msg(sock, MSG_NET_NS, jfd) < 0)
		die_errno("start the command");
	if ((err = netns_create_veth(jfd)) < 0)
		die_err(err, "network: create the veth");
	if ((err = netns_config_gateway(c->proc_fd, cfg->ipv6)) < 0)
		die_err(err, "network: configure the gateway");
	if ((err = netns_open_listeners(&l, cfg->ipv6)) < 0)
		die_err(err, "network: open the forwarder's sockets");
	/* Before the listeners: their arrival starts the forwarder */
	if (cfg->n_publish)
		send_publish_pool(c->chan_fd);
	send_listeners(c->chan_fd, &l);
	netns_listeners_close(&l);
	if (setns(jfd, CLONE_NEWNET) < 0)
		die_errno("network: enter the jail's namespace");
	if ((err = netns_config_jail(c->proc_fd, cfg->ipv6)) < 0)
		die_err(err, "network: configure the jail's interface");
	/* pid 1 lives in the gateway namespace; only COMMAND is in J */
	if (setns(gfd, CLONE_NEWNET) < 0)
		die_errno("network: return to the gateway namespace");
	reap_ns_helper(helper);
	if (setup_send_msg(sock, MSG_NET_READY, ufd) < 0)
		die_errno("start the command");
}
