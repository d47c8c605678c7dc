// SPDX-License-Identifier: MIT
/*
 * netns.c - network namespaces: links, addresses and routes (libnl-route-3)
 */
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>

#include "jail.h"

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

/**
 * netns_set_link_up() - Set the IFF_UP flag of link @name
 *
 * Context: any process with CAP_NET_ADMIN over the current netns
 * Return: 0 or negative errno
 */
static int netns_set_link_up(struct nl_sock *s, const char *name)
{
	autolink struct rtnl_link *link = NULL;
	autolink struct rtnl_link *change = NULL;
	int err;

	err = rtnl_link_get_kernel(s, 0, name, &link);
	if (err < 0)
		return nl_to_errno(err);
	change = rtnl_link_alloc();
	if (!change)
		return -ENOMEM;
	rtnl_link_set_flags(change, IFF_UP);
	err = rtnl_link_change(s, link, change, 0);
	return err < 0 ? nl_to_errno(err) : 0;
}

int netns_loopback_up(void)
{
	autonlsock struct nl_sock *s = route_socket();

	if (!s)
		return -EIO;
	return netns_set_link_up(s, "lo");
}
