// SPDX-License-Identifier: MIT
/*
 * paths.c - where jail keeps things on the host: the home, the runtime directory
 */
/*
 * config.c - command line, policy files, trust, profiles, --explain
 *
 * Every option is first recorded, from the command line and then from the
 * policy files, because the project (which decides which .jail.conf is
 * read) may itself come from the command line. They are then applied in
 * the contract's order: the agent profile first, then /etc/jail/jail.conf,
 * ~/.config/jail/jail.conf, the project's .jail.conf (only once `jail
 * trust` recorded its hash) and the command line last. Accumulating
 * options add up; for single-valued ones the last one wins.
 */
#include <pwd.h>
#include <sys/stat.h>

#include "jail.h"
#include "config/config.h"

const char *config_host_home(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h && h[0] == '/')
		return h;
	pw = getpwuid(getuid());
	if (pw && pw->pw_dir && pw->pw_dir[0] == '/')
		return pw->pw_dir;
	die("home directory: HOME is not set and the user has none");
}

/*
 * /dev/shm/jail-UID, made private to us, or NULL. /dev/shm is sticky, so
 * once the directory is ours with mode 0700 nobody else can rename,
 * replace or enter it; one squatted by another user is not used.
 */
static char *private_shm_dir(void)
{
	char *dir = xasprintf("/dev/shm/jail-%u", (unsigned)getuid());
	struct stat sb;

	if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || lstat(dir, &sb) < 0 ||
	    !S_ISDIR(sb.st_mode) || sb.st_uid != getuid() ||
	    (sb.st_mode & 077)) {
		free(dir);
		return NULL;
	}
	return dir;
}

/*
 * $XDG_RUNTIME_DIR/jail, else /dev/shm/jail-UID, else
 * $XDG_STATE_HOME/jail/run: never inside any jail's view (the jail's
 * $HOME, /run and /dev/shm are fresh tmpfs mounts). Entries here live as
 * long as a jail runs, so a memory filesystem suits them: a disk would
 * create and delete an inode at every run.
 */
char *jail_runtime_dir(void)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	const char *st = getenv("XDG_STATE_HOME");
	struct stat sb;
	char *shm;

	if (rt && rt[0] == '/' && stat(rt, &sb) == 0 && S_ISDIR(sb.st_mode))
		return xasprintf("%s/jail", rt);
	shm = private_shm_dir();
	if (shm)
		return shm;
	if (st && st[0] == '/')
		return xasprintf("%s/jail/run", st);
	return xasprintf("%s/.local/state/jail/run", config_host_home());
}
