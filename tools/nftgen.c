// SPDX-License-Identifier: MIT
/*
 * nftgen.c - compile the gateway's nftables rules at build time
 *
 * Usage: nftgen > FILE
 *
 * Loads the gateway's ruleset with libnftables once, in a scratch user
 * and network namespace of its own, and writes the netlink messages that
 * libnftables sent the kernel for it as a C array for netns.c. At run time
 * the jail sends the same messages on a plain NETLINK_NETFILTER socket:
 * neither libnftables nor its parser, cache and evaluation run at every
 * start (they took about 0.7 ms of it), and the kernel has accepted these
 * very bytes once already, here.
 *
 * The messages are taken from libnftables' sendmsg(), which this program
 * defines in its place (the executable's symbol comes first). The batch's
 * begin and end messages are replaced by plain ones (no generation id) so
 * that the bytes do not depend on the scratch namespace. Nothing in the
 * ruleset varies: the link name and the ports are constants (setup.h).
 */
#include <arpa/inet.h>
#include <nftables/libnftables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "jail.h"
#include "setup.h"

/*
 * The gateway's whole ruleset, loaded in one transaction: either all of
 * it is in place or nothing is (and setup fails closed).
 *
 * prerouting (nat): from the jail, every TCP connection goes to the
 *   forwarder; UDP to port 53 (whatever the address) goes to the resolver;
 *   other UDP and ICMP echo are redirected to the gateway itself so that
 *   input can reject them: a reject statement is not allowed in
 *   prerouting, and a packet that is not for G would otherwise be dropped
 *   silently (G does not forward), leaving QUIC and ping to time out.
 * input (filter): replies and the redirected ports pass, IPv6 neighbour
 *   discovery passes (the jail must find its router), everything else is
 *   rejected: TCP with a reset, the rest with ICMP administratively
 *   prohibited (icmpx picks the ICMPv6 equivalent).
 * forward: nothing, ever.
 *
 * One inet table covers both families; without IPv6 the v6 rules simply
 * never see a packet. The rules match NETNS_GW_IF by name, so they may be
 * loaded before the link exists.
 */
#define STR_(x) #x
#define STR(x) STR_(x)
static const char rules[] =
	"table inet jail {\n"
	"	chain prerouting {\n"
	"		type nat hook prerouting priority dstnat;\n"
	"		policy accept;\n"
	"		iifname != \"" NETNS_GW_IF "\" return\n"
	"		meta l4proto tcp redirect to :" STR(NETNS_TCP_PORT) "\n"
	"		udp dport 53 redirect to :" STR(NETNS_DNS_PORT) "\n"
	"		meta l4proto { udp, icmp } redirect\n"
	"		icmpv6 type echo-request redirect\n"
	"	}\n"
	"	chain input {\n"
	"		type filter hook input priority filter;\n"
	"		policy drop;\n"
	"		iif \"lo\" accept\n"
	"		iifname != \"" NETNS_GW_IF "\" drop\n"
	"		ct state established,related accept\n"
	"		icmpv6 type { nd-neighbor-solicit,"
	" nd-neighbor-advert } accept\n"
	"		ct status dnat tcp dport " STR(NETNS_TCP_PORT) " accept\n"
	"		ct status dnat udp dport " STR(NETNS_DNS_PORT) " accept\n"
	"		meta l4proto tcp reject with tcp reset\n"
	"		reject with icmpx admin-prohibited\n"
	"	}\n"
	"	chain forward {\n"
	"		type filter hook forward priority filter;\n"
	"		policy drop;\n"
	"	}\n"
	"}\n";

/* The batch libnftables sent (one sendmsg() on a netlink socket) */
static unsigned char batch[1 << 16];
static size_t batch_len;
static int n_batches;

/* libnftables sends its transaction with sendmsg(): keep a copy */
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    ss.ss_family == AF_NETLINK) {
		batch_len = 0;
		n_batches++;
		for (size_t i = 0; i < msg->msg_iovlen; i++) {
			const struct iovec *v = &msg->msg_iov[i];

			if (v->iov_len > sizeof(batch) - batch_len) {
				fprintf(stderr, "nftgen: batch too large\n");
				exit(1);
			}
			memcpy(batch + batch_len, v->iov_base, v->iov_len);
			batch_len += v->iov_len;
		}
	}
	return syscall(SYS_sendmsg, fd, msg, flags);
}

static void load_in_scratch_netns(void)
{
	struct nft_ctx *ctx;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0 &&
	    unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "nftgen: cannot make a scratch network "
				"namespace: %s; build as root, or where "
				"unprivileged user namespaces are allowed\n",
			strerror(errno));
		exit(1);
	}
	ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	if (!ctx) {
		fprintf(stderr, "nftgen: nft_ctx_new failed\n");
		exit(1);
	}
	if (nft_run_cmd_from_buffer(ctx, rules) != 0) {
		fprintf(stderr, "nftgen: the kernel refused the rules\n");
		exit(1);
	}
	nft_ctx_free(ctx);
	if (n_batches != 1) {
		fprintf(stderr, "nftgen: expected one batch, saw %d\n",
			n_batches);
		exit(1);
	}
}

/* Return: the length of the netlink message at @off, checked */
static size_t message_at(size_t off)
{
	const struct nlmsghdr *h = (const void *)(batch + off);

	if (batch_len - off < sizeof(*h) || h->nlmsg_len < sizeof(*h) ||
	    h->nlmsg_len > batch_len - off) {
		fprintf(stderr, "nftgen: malformed batch at %zu\n", off);
		exit(1);
	}
	return NLMSG_ALIGN(h->nlmsg_len) < batch_len - off ?
		       NLMSG_ALIGN(h->nlmsg_len) :
		       batch_len - off;
}

static void print_bytes(const void *data, size_t n)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < n; i++)
		printf("%s0x%02x,%s", i % 12 ? " " : "\t", p[i],
		       i % 12 == 11 || i + 1 == n ? "\n" : "");
}

/* A batch begin or end message for nf_tables, with no attributes */
static void print_batch_marker(uint16_t type, uint32_t seq)
{
	unsigned char m[NLMSG_LENGTH(sizeof(struct nfgenmsg))] = { 0 };
	const struct nlmsghdr h = { .nlmsg_len = sizeof(m),
				    .nlmsg_type = type,
				    .nlmsg_flags = NLM_F_REQUEST,
				    .nlmsg_seq = seq };
	const struct nfgenmsg g = { .nfgen_family = AF_UNSPEC,
				    .version = NFNETLINK_V0,
				    .res_id = htons(NFNL_SUBSYS_NFTABLES) };

	memcpy(m, &h, sizeof(h));
	memcpy(m + NLMSG_HDRLEN, &g, sizeof(g));
	print_bytes(m, sizeof(m));
}

int main(void)
{
	size_t first, off, last = 0, n_msgs = 0;
	struct nlmsghdr *h = (void *)batch;

	load_in_scratch_netns();
	first = message_at(0);
	if (h->nlmsg_type != NFNL_MSG_BATCH_BEGIN) {
		fprintf(stderr, "nftgen: the batch has no begin message\n");
		exit(1);
	}
	/* Everything between begin and end, checked message by message */
	for (off = first;; off += message_at(off)) {
		h = (void *)(batch + off);
		if (off >= batch_len) {
			fprintf(stderr, "nftgen: the batch has no end\n");
			exit(1);
		}
		if (h->nlmsg_type == NFNL_MSG_BATCH_END)
			break;
		h->nlmsg_seq = (uint32_t)++n_msgs;
		last = off;
	}
	if (!n_msgs) {
		fprintf(stderr, "nftgen: the batch is empty\n");
		exit(1);
	}
	/*
	 * The kernel answers every message of a batch before the sendmsg()
	 * returns, errors included; an acknowledgement of the last message
	 * tells the jail that the batch was read to its end and committed
	 */
	h = (void *)(batch + last);
	h->nlmsg_flags |= NLM_F_ACK;
	printf("/* Written by tools/nftgen.c: do not edit */\n\n");
	printf("/* The gateway's rules: one nf_tables batch of %zu messages, "
	       "the last acknowledged */\n", n_msgs);
	printf("static const unsigned char nft_rules_batch[] = {\n");
	print_batch_marker(NFNL_MSG_BATCH_BEGIN, 0);
	print_bytes(batch + first, off - first);
	print_batch_marker(NFNL_MSG_BATCH_END, (uint32_t)n_msgs + 1);
	printf("};\n\n#define NFT_RULES_LAST_SEQ %zuu\n", n_msgs);
	return 0;
}
