// SPDX-License-Identifier: MIT
/*
 * replay.c - run a fuzz harness over corpus files without libFuzzer
 *
 * Each argument is a file or a directory of files (not descended into);
 * every file is read into a buffer of exactly its size, so that the
 * sanitizers see any read past the end, and passed to the harness once.
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "jail.h"

#define REPLAY_MAX_INPUT (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(int dir_fd, const char *name)
{
	autoclose int fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
	autofree uint8_t *buf = NULL;
	struct stat st;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return 0;
	if ((unsigned long long)st.st_size > REPLAY_MAX_INPUT)
		return -EFBIG;
	buf = xmalloc((size_t)st.st_size);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	LLVMFuzzerTestOneInput(buf, got);
	return 1;
}

static int replay_dir(const char *path, unsigned long *count)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int err = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int n;

		if (de->d_name[0] == '.')
			continue;
		n = replay_file(dirfd(d), de->d_name);
		if (n < 0) {
			warn("replay \"%s/%s\": %s", path, de->d_name,
			     strerror(-n));
			err = n;
		}
		*count += (unsigned long)(n > 0);
	}
	closedir(d);
	return err;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	int i, status = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		int n;

		if (stat(argv[i], &st) < 0) {
			warn("replay \"%s\": %s", argv[i], strerror(errno));
			status = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			n = replay_dir(argv[i], &count);
		} else {
			n = replay_file(AT_FDCWD, argv[i]);
			count += (unsigned long)(n > 0);
		}
		if (n < 0) {
			if (!S_ISDIR(st.st_mode))
				warn("replay \"%s\": %s", argv[i],
				     strerror(-n));
			status = 1;
		}
	}
	printf("replayed %lu inputs\n", count);
	return status;
}
