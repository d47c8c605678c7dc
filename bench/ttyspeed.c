// SPDX-License-Identifier: MIT
/*
 * ttyspeed.c - the terminal filter alone: tty_filter_run() over FILE in
 * reads of 16 KiB (as the relay reads the pty), timed around the calls
 * only; prints MB/s. Used by bench/tty.
 *
 *	ttyspeed FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "parse/parse.h"

static uint8_t in[16384], out[sizeof(in) + TTY_FILTER_SLACK];
static struct tty_filter f;

int main(int argc, char **argv)
{
	int fd = argc == 2 ? open(argv[1], O_RDONLY | O_CLOEXEC) : -1;
	unsigned long long total = 0;
	double secs = 0;
	ssize_t n;

	if (fd < 0) {
		fprintf(stderr, "usage: ttyspeed FILE\n");
		return 2;
	}
	tty_filter_init(&f, 0, true);
	while ((n = read(fd, in, sizeof(in))) > 0) {
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		if (tty_filter_run(&f, in, (size_t)n, out, sizeof(out)) < 0)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &b);
		secs += (double)(b.tv_sec - a.tv_sec) +
			(double)(b.tv_nsec - a.tv_nsec) / 1e9;
		total += (unsigned long long)n;
	}
	printf("%.0f MB/s (%llu sequences dropped)\n",
	       (double)total / secs / 1e6, tty_filter_dropped(&f));
	return 0;
}
