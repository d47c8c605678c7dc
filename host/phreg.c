// SPDX-License-Identifier: MIT
/*
 * phreg.c - the placeholders' registries: which runs rely on which
 *
 * Each run lists the placeholders it relies on in a registry file of
 * jail's state directory, locked while the run lasts (placeholder.c).
 * These read the registries back: a file whose lock can be taken belongs
 * to a run that is over (or was killed), one whose lock is held to a live
 * run, whose placeholders must stay.
 */
#include <dirent.h>
#include <limits.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/phreg.h"
#include "parse/parse.h"

static bool parse_entry(char *line, struct entry *e)
{
	unsigned long long dev, ino;
	char *sp1, *sp2;

	/* "DEV INO /PATH", each number checked by parse_uint() */
	line[strcspn(line, "\n")] = '\0';
	sp1 = strchr(line, ' ');
	sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	if (!sp2 || sp2[1] != '/')
		return false;
	*sp1 = *sp2 = '\0';
	if (parse_uint(line, 0, ULLONG_MAX, &dev) < 0 ||
	    parse_uint(sp1 + 1, 0, ULLONG_MAX, &ino) < 0)
		return false;
	*e = (struct entry){ (dev_t)dev, (ino_t)ino, xstrdup(sp2 + 1) };
	return true;
}

/**
 * phreg_read_entries() - append the entries of one registry
 * @f: the registry, read from its current offset
 * @out: where entries go (each path allocated; phreg_free_entries())
 * @n: entries in @out so far, updated
 * @max: room in @out; lines past it are read and dropped
 *
 * Return: whether @f held any line
 */
bool phreg_read_entries(FILE *f, struct entry *out, size_t *n, size_t max)
{
	char line[8192];
	bool any = false;

	while (fgets(line, sizeof(line), f)) {
		struct entry en;

		any = true;
		if (*n < max && parse_entry(line, &en))
			out[(*n)++] = en;
	}
	return any;
}

/**
 * phreg_is_slot() - is @name a registry slot (used again from run to run)
 * @name: a file name in the registry directory
 *
 * Return: true for "slot-N"
 */
bool phreg_is_slot(const char *name)
{
	return !strncmp(name, REG_SLOT_PREFIX, strlen(REG_SLOT_PREFIX));
}

/*
 * An empty regular file: a slot no run lists anything in, idle or held
 * by a run that made no placeholder. Nothing to read, sweep or empty;
 * the caller holds the registries' lock, under which alone a registry
 * is written, so it stays empty until we are done.
 */
static bool is_empty_file(int dir, const char *name)
{
	struct stat st;

	return fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	       S_ISREG(st.st_mode) && st.st_size == 0;
}

/**
 * phreg_read_all() - read every registry but our own
 * @dir: the registry directory
 * @own: the name of our own registry there, or NULL
 * @live: entries of live runs (their lock is held) go here
 * @max_live: room in @live
 * @dead: entries of runs that are over go here (MAX_MADE of room); their
 *        slot is emptied, any other file removed; an empty slot is not
 *        opened
 * @n_dead: set to the number of entries in @dead
 *
 * Context: under the registries' lock (phreg_lock())
 *
 * Return: number of entries in @live
 */
size_t phreg_read_all(const char *dir, const char *own, struct entry *live,
		      size_t max_live, struct entry *dead, size_t *n_dead)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n_live = 0;

	*n_dead = 0;
	while (d && (e = readdir(d))) {
		autofree char *p = NULL;
		autofclose FILE *f = NULL;
		bool is_slot = phreg_is_slot(e->d_name);

		if (e->d_name[0] == '.' || (own && !strcmp(e->d_name, own)) ||
		    (is_slot && is_empty_file(dirfd(d), e->d_name)))
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		f = fopen(p, is_slot ? "r+e" : "re");
		if (!f)
			continue;
		if (flock(fileno(f), LOCK_EX | LOCK_NB) < 0) {
			(void)phreg_read_entries(f, live, &n_live, max_live);
			continue;
		}
		/* Unlocked: its run is over; a slot is idle, or was killed */
		if (phreg_read_entries(f, dead, n_dead, MAX_MADE) && is_slot)
			(void)!ftruncate(fileno(f), 0);
		if (!is_slot)
			unlink(p);
	}
	if (d)
		closedir(d);
	return n_live;
}

/**
 * phreg_is_live() - does a live run rely on @path, the inode @dev @ino?
 * @live: the live runs' entries
 * @n: their number
 * @path: the placeholder's path
 * @dev: its device
 * @ino: its inode
 *
 * Return: true if one of @live names that path and inode
 */
bool phreg_is_live(const struct entry *live, size_t n, const char *path,
		   dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < n; i++)
		if (live[i].dev == dev && live[i].ino == ino &&
		    !strcmp(live[i].path, path))
			return true;
	return false;
}

/**
 * phreg_live_links() - the links live runs account for
 * @live: the live runs' entries
 * @n: their number
 * @dev: an inode's device
 * @ino: its number
 *
 * Return: how many distinct paths of @live name the inode @dev @ino
 */
nlink_t phreg_live_links(const struct entry *live, size_t n, dev_t dev,
			 ino_t ino)
{
	nlink_t links = 0;

	for (size_t i = 0; i < n; i++) {
		bool is_new = live[i].dev == dev && live[i].ino == ino;

		for (size_t j = 0; is_new && j < i; j++)
			is_new = !(live[j].dev == dev && live[j].ino == ino &&
				   !strcmp(live[j].path, live[i].path));
		links += is_new;
	}
	return links;
}

/**
 * phreg_free_entries() - free the paths of @n entries at @e
 * @e: entries filled by phreg_read_entries() or phreg_read_all()
 * @n: their number
 */
void phreg_free_entries(struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].path);
}

/**
 * phreg_lock() - take the registry directory's lock, waiting for it
 * @dir: the registry directory
 *
 * Jails of one user may share a project: each registers the placeholders
 * it relies on, its own and those it found, and a placeholder goes only
 * when no live run lists it. This lock makes each look-and-change one
 * step.
 *
 * Return: the lock's fd (closing it lets go), or -1
 */
int phreg_lock(const char *dir)
{
	autofree char *p = xasprintf("%s/.lock", dir);
	int fd = open(p, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}
