// SPDX-License-Identifier: MIT
/*
 * creds.c - user namespace maps, capabilities, environment, descriptors
 *
 * Theory of operation:
 *  1. creds_write_maps(): the parent maps the caller's uid and gid 1:1 into
 *     the new user namespace. setgroups is denied first, because an
 *     unprivileged writer may not set gid_map otherwise, and because a
 *     process that could call setgroups() could drop a supplementary group
 *     used in a deny-ACL on the host.
 *  2. creds_close_fds(): the command child closes every inherited
 *     descriptor but stdio and --keep-fd ones.
 *  3. creds_drop_all(): securebits are locked while CAP_SETPCAP is still
 *     held, then the bounding set is emptied (also needs CAP_SETPCAP), then
 *     ambient, inheritable, permitted and effective sets are cleared, and
 *     no_new_privs is set last so that no later execve() can regain
 *     anything.
 *  4. creds_build_env(): the environment is rebuilt from scratch.
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "jail.h"
#include "setup.h"

static void cap_freep(cap_t *c)
{
	if (*c)
		cap_free(*c);
}

#define autocap __attribute__((cleanup(cap_freep)))

/* Write @text to @file of a /proc/PID directory in one write() */
static int write_proc_file(int proc_fd, const char *file, const char *text)
{
	autoclose int fd = openat(proc_fd, file, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_all(fd, text, strlen(text));
}

int creds_write_maps(pid_t pid, uid_t uid, gid_t gid)
{
	char path[64];
	autoclose int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return creds_write_maps_at(fd, uid, gid);
}

int creds_write_maps_at(int proc_fd, uid_t uid, gid_t gid)
{
	char map[64];
	int err;

	err = write_proc_file(proc_fd, "setgroups", "deny");
	/* Kernels before 3.19 have no setgroups file; nothing to deny there */
	if (err < 0 && err != -ENOENT)
		return err;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	err = write_proc_file(proc_fd, "uid_map", map);
	if (err < 0)
		return err;
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	return write_proc_file(proc_fd, "gid_map", map);
}

/*
 * Lock every securebit so that neither uid 0 inside (a root caller keeps
 * uid 0) nor a later capability-aware binary can regain capabilities.
 */
static int lock_securebits(void)
{
	unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
			     SECBIT_NO_SETUID_FIXUP |
			     SECBIT_NO_SETUID_FIXUP_LOCKED |
			     SECBIT_KEEP_CAPS_LOCKED |
			     SECBIT_NO_CAP_AMBIENT_RAISE |
			     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

static int drop_bounding_set(void)
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		/* EINVAL: a capability this kernel does not know */
		if (cap_drop_bound(c) < 0 && errno != EINVAL)
			return -errno;
	}
	return 0;
}

int creds_drop_all(void)
{
	autocap cap_t empty = NULL;
	int err;

	err = lock_securebits();
	if (err < 0)
		return err;
	err = drop_bounding_set();
	if (err < 0)
		return err;
	/* One call, where libcap's cap_reset_ambient() asks for each cap */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -errno;
	empty = cap_init();
	if (!empty)
		return -ENOMEM;
	if (cap_set_proc(empty) < 0)
		return -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int creds_close_fds(const struct jail_config *cfg, int also_keep)
{
	int keep[JAIL_MAX_FDS + 1];
	size_t n = cfg->n_keep_fds;
	unsigned int from = 3;

	memcpy(keep, cfg->keep_fds, n * sizeof(int));
	if (also_keep >= 0)
		keep[n++] = also_keep;
	/* Insertion sort: at most JAIL_MAX_FDS + 1 entries */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];

			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		unsigned int k = (unsigned int)keep[i];

		if (k < from)
			continue;
		if (k > from && syscall(SYS_close_range, from, k - 1, 0) < 0)
			return -errno;
		/* A kept descriptor must survive execve(); the extra one not */
		if (keep[i] != also_keep && fcntl((int)k, F_SETFD, 0) < 0)
			return -errno;
		from = k + 1;
	}
	if (syscall(SYS_close_range, from, ~0U, 0) < 0)
		return -errno;
	return 0;
}

static bool is_kept_name(const char *entry)
{
	static const char *const kept[] = {
		"PATH",	 "HOME",  "USER",    "LOGNAME", "SHELL",
		"TERM",	 "COLORTERM", "LANG", "TZ",	"EDITOR",
		"VISUAL", "PAGER", "NO_COLOR",
	};
	size_t len = strcspn(entry, "=");

	if (!strncmp(entry, "LC_", 3))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		if (strlen(kept[i]) == len && !strncmp(entry, kept[i], len))
			return true;
	return false;
}

/* Remove NAME (any "NAME=..." entry) from @env, keeping order */
static void env_unset(char **env, size_t *n, const char *name)
{
	size_t len = strlen(name), w = 0;

	for (size_t r = 0; r < *n; r++) {
		if (!strncmp(env[r], name, len) && env[r][len] == '=') {
			free(env[r]);
			continue;
		}
		env[w++] = env[r];
	}
	*n = w;
	env[w] = NULL;
}

static void env_set(char **env, size_t *n, const char *name,
		    const char *value)
{
	env_unset(env, n, name);
	env[(*n)++] = xasprintf("%s=%s", name, value);
	env[*n] = NULL;
}

/* Named to the CA bundle when TLS to bound hosts is intercepted */
static const char *const ca_vars[] = {
	"SSL_CERT_FILE",	/* OpenSSL, Python's ssl, Go, Ruby */
	"NODE_EXTRA_CA_CERTS",	/* Node.js: added to its own roots */
	"REQUESTS_CA_BUNDLE",	/* Python requests */
	"CURL_CA_BUNDLE",	/* curl */
	"GIT_SSL_CAINFO",	/* git over https */
};

char **creds_build_env(const struct jail_run *run, char **host_env)
{
	const struct jail_config *cfg = run->cfg;
	size_t cap = 8 + JAIL_MAX_ENV + JAIL_MAX_SECRETS + ARRAY_SIZE(ca_vars),
	       n = 0;
	char **env;

	for (char **e = host_env; e && *e; e++)
		if (is_kept_name(*e))
			cap++;
	env = xcalloc(cap + 1, sizeof(char *));
	for (char **e = host_env; e && *e; e++)
		if (is_kept_name(*e))
			env[n++] = xstrdup(*e);
	env[n] = NULL;
	env_set(env, &n, "HOME", cfg->home);
	env_set(env, &n, "JAIL", "1");
	env_set(env, &n, "TMPDIR", "/tmp");
	/* Clients that do not read the system bundle path trust the jail's
	 * CA through these; an explicit --env of the same name wins */
	for (size_t i = 0; run->ca_bundle_path && i < ARRAY_SIZE(ca_vars); i++)
		env_set(env, &n, ca_vars[i], run->ca_bundle_path);
	for (size_t i = 0; i < cfg->n_env; i++) {
		const struct env_req *r = &cfg->env[i];
		const char *v = r->value;

		if (!v) {
			v = NULL;
			for (char **e = host_env; e && *e; e++) {
				size_t len = strlen(r->name);

				if (!strncmp(*e, r->name, len) &&
				    (*e)[len] == '=')
					v = *e + len + 1;
			}
			if (!v)
				continue;
		}
		env_set(env, &n, r->name, v);
	}
	/* Last: a secret's placeholder wins over any --env of its name */
	for (size_t i = 0; i < cfg->n_secrets; i++)
		env_set(env, &n, cfg->secrets[i].name,
			run->secret_placeholder[i]);
	return env;
}
