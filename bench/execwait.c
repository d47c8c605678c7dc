// SPDX-License-Identifier: MIT
/*
 * execwait.c - how long one execve() waits, each from a fresh process
 *
 * Usage: execwait COUNT
 *
 * Runs inside a jail: COUNT times, a new child times one execve() of a
 * file that exists but cannot be executed (created here in $TMPDIR, mode
 * 0644), so the call fails with EACCES right after the exec record has
 * read and answered it. The figure is the record's per-exec cost as the
 * caller sees it, without the program's own start; each child is a new
 * process, as in a shell loop, so nothing of /proc is cached for it.
 * Keep COUNT under the record's burst (2,000 events), or the calls over
 * it are answered unread. Prints: median, 10th and 90th percentile in ns.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

/* One child: the time its execve() of @path took, or 0 */
static uint64_t time_one(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	uint64_t t = 0;
	int p[2], st;
	pid_t pid;

	if (pipe(p) < 0)
		return 0;
	pid = fork();
	if (pid == 0) {
		uint64_t t0 = now_ns(), d;

		execve(path, argv, argv + 1);
		d = errno == EACCES ? now_ns() - t0 : 0;
		_exit(write(p[1], &d, sizeof(d)) == sizeof(d) ? 0 : 1);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &t, sizeof(t)) != sizeof(t))
		t = 0;
	close(p[0]);
	if (pid > 0)
		waitpid(pid, &st, 0);
	return t;
}

int main(int argc, char **argv)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	uint64_t *v;
	int fd;

	if (n < 10 || n > 100000) {
		fprintf(stderr, "usage: execwait COUNT (10-100000)\n");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/execwait.%d", dir ? dir : "/tmp",
		 (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	v = calloc((size_t)n, sizeof(*v));
	if (fd < 0 || !v) {
		perror("execwait");
		return 1;
	}
	close(fd);
	for (long i = 0; i < n; i++) {
		v[i] = time_one(path);
		if (!v[i]) {
			fprintf(stderr, "execwait: execve did not fail with "
					"EACCES\n");
			unlink(path);
			return 1;
		}
	}
	unlink(path);
	qsort(v, (size_t)n, sizeof(*v), cmp_u64);
	printf("%llu %llu %llu\n", (unsigned long long)v[n / 2],
	       (unsigned long long)v[n / 10],
	       (unsigned long long)v[n * 9 / 10]);
	return 0;
}
