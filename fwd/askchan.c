// SPDX-License-Identifier: MIT
/*
 * askchan.c - the forwarder's side of the ask channel: a request held for
 * a person's answer goes to the supervisor (host/ask.c), which answers on
 * a descriptor of the asker's own
 *
 * Any process holding the channel asks this way: the forwarder for a
 * connection (--ask), an interception process for a push (--hold-push).
 * The answer is a control-protocol line (ctl_parse(), cmd/ctl.c); what
 * cannot be read as one is a denial.
 */
#include <sys/socket.h>

#include "jail.h"
#include "cmd/cmd.h"
#include "host/host.h"
#include "fwd/fwd.h"

int ask_send(int chan_fd, const char *kind, const char *host, uint16_t port,
	     const char *detail)
{
	char line[CTL_LINE_MAX], d[ASK_DETAIL_MAX + 1];
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = line };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	int sv[2], n;

	/* The line protocol carries printable ASCII only */
	str_printable(d, sizeof(d), detail, 0, STR_ASCII);
	n = snprintf(line, sizeof(line), "ask 0 0 %s %s %u%s%s", kind, host,
		     port, *d ? " " : "", d);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -E2BIG;
	iov.iov_len = (size_t)n;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       0, sv) < 0)
		return -errno;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &sv[1], sizeof(int));
	if (sendmsg(chan_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		int err = -errno;

		close(sv[0]);
		close(sv[1]);
		return err;
	}
	close(sv[1]);
	return sv[0];
}

int ask_read_answer(int fd, char *by)
{
	char buf[CTL_LINE_MAX];
	struct ctl_msg m;
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? -EAGAIN : -errno;
	if (n == 0)
		return -ECONNRESET;
	if (ctl_parse(buf, (size_t)n, &m) < 0 || m.verb != CTL_ANSWER)
		return -EBADMSG;
	memcpy(by, m.host, strlen(m.host) + 1);
	return (int)m.answer;
}
