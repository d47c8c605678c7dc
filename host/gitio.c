// SPDX-License-Identifier: MIT
/*
 * gitio.c - the files of a git dir, read and written as the jail could
 * have left them: read regular files only, never blocking, bounded,
 * resolved beneath their directory without a symlink; write a new file
 * beside the real one and rename it over
 */
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"
#include "host/gitguard.h"

/**
 * gitguard_read_hostile() - Read a file the jail could have written
 * @dir_fd:	directory it lies in
 * @name:	its name, resolved beneath @dir_fd without any symlink
 * @max:	largest size accepted
 * @len:	its length
 *
 * Return: the bytes (caller frees, NUL added), or NULL with errno set
 *	   (ENOENT absent, EINVAL not a regular file, EFBIG too large)
 */
uint8_t *gitguard_read_hostile(int dir_fd, const char *name, size_t max,
			       size_t *len)
{
	autoclose int fd = openat2_fd(dir_fd, name,
				      O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
					      O_NOCTTY,
				      GITGUARD_RESOLVE);
	autofree uint8_t *buf = NULL;
	struct stat st;
	size_t n = 0;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	if (fstat(fd, &st) < 0)
		return NULL;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return NULL;
	}
	if ((size_t)st.st_size > max) {
		errno = EFBIG;
		return NULL;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	/* The size may change under us: never read past what was checked */
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return NULL;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*len = n;
	return TAKE_PTR(buf);
}

/* Kernel-doc in host.h */
int gitguard_replace_file(int dir, const char *name, const uint8_t *buf,
			  size_t len, mode_t mode)
{
	autofree char *tmp = xasprintf(".jail-%s.%d", name, (int)getpid());
	autoclose int fd = -1;

	unlinkat(dir, tmp, 0);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				      O_CLOEXEC,
		    mode);
	if (fd < 0)
		return -errno;
	if (write_all(fd, buf, len) < 0 || renameat(dir, tmp, dir, name) < 0) {
		int err = -errno;

		unlinkat(dir, tmp, 0);
		return err;
	}
	return 0;
}

/* Kernel-doc in host.h */
void gitguard_remove_tree(int dir, const char *name, int max_depth,
			  bool is_plain_only)
{
	autoclose int d = -1;
	struct stat st;
	DIR *dp;
	struct dirent *e;

	/* Whatever else is there stays where it is, and is seen */
	if (is_plain_only &&
	    (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	     (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))))
		return;
	if (unlinkat(dir, name, 0) == 0 || errno == ENOENT || max_depth < 0)
		return;
	d = openat2_fd(dir, name, O_RDONLY | O_DIRECTORY, GITGUARD_RESOLVE);
	if (d < 0 || !(dp = fdopendir(TAKE_FD(d))))
		return;
	while ((e = readdir(dp)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			gitguard_remove_tree(dirfd(dp), e->d_name,
					     max_depth - 1, is_plain_only);
	closedir(dp);
	unlinkat(dir, name, AT_REMOVEDIR);
}
