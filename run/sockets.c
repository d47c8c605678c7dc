// SPDX-License-Identifier: MIT
/*
 * sockets.c - the setup sockets: SOCK_SEQPACKET socketpairs between the
 * processes of a run, one tag byte per message, some carrying a
 * descriptor (SCM_RIGHTS)
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include "jail.h"
#include "run/run.h"

int setup_send_msg(int sock, char tag, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/*
 * Wait for message @want on @sock; a passed descriptor goes to *@fd.
 * EOF or anything else means the peer died: leave quietly, the peer has
 * reported its own error.
 */
void setup_expect_msg(int sock, char want, int *fd)
{
	char tag = 0;
	int got = -1;
	size_t nfd = 0;
	ssize_t n;

	do
		n = recv_fds(sock, &tag, 1, &got, 1, &nfd, 0);
	while (n == -EINTR);
	if (n != 1 || tag != want)
		_exit(EXIT_JAIL_FAILED);
	if (fd)
		*fd = nfd ? got : -1;
	else if (nfd)
		close(got);
}

/*
 * Fork a child linked to us by a socketpair: the parent keeps @sock[0],
 * the child @sock[1]. Return: as fork(), never negative
 */
pid_t fork_with_socket(int sock[2])
{
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		die_errno("socketpair");
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	close(sock[pid == 0 ? 0 : 1]);
	return pid;
}
