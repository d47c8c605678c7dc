// SPDX-License-Identifier: MIT
/*
 * limits.c - resource limits: rlimits and a delegated cgroup v2 subtree
 *
 * --memory, --pids and --cpus need a cgroup v2 directory the user may
 * create children in, with the controller enabled for its children: a
 * systemd user slice with Delegate=yes, or a cgroup the user owns. jail
 * makes one child cgroup per jail, writes the limits, and starts the jail
 * directly inside it (clone3 with CLONE_INTO_CGROUP), so no process of the
 * jail ever runs outside the limits. Where no such subtree exists, the
 * option is an error naming what is missing: a limit is never dropped
 * silently.
 */
#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "jail.h"
#include "setup.h"
#include "parse/parse.h"

static const struct {
	const char *name;
	int resource;
	bool is_bytes;
} rlimit_names[] = {
	{ "as", RLIMIT_AS, true },	     { "core", RLIMIT_CORE, true },
	{ "cpu", RLIMIT_CPU, false },	     { "data", RLIMIT_DATA, true },
	{ "fsize", RLIMIT_FSIZE, true },     { "locks", RLIMIT_LOCKS, false },
	{ "memlock", RLIMIT_MEMLOCK, true }, { "msgqueue", RLIMIT_MSGQUEUE, true },
	{ "nice", RLIMIT_NICE, false },	     { "nofile", RLIMIT_NOFILE, false },
	{ "nproc", RLIMIT_NPROC, false },    { "rss", RLIMIT_RSS, true },
	{ "rtprio", RLIMIT_RTPRIO, false },  { "sigpending", RLIMIT_SIGPENDING, false },
	{ "stack", RLIMIT_STACK, true },
};

int limits_parse_rlimit(const char *arg, struct rlimit_req *r)
{
	const char *eq = strchr(arg, '=');
	unsigned long long v;

	if (!eq)
		return -EINVAL;
	for (size_t i = 0; i < ARRAY_SIZE(rlimit_names); i++) {
		if (strlen(rlimit_names[i].name) != (size_t)(eq - arg) ||
		    strncmp(arg, rlimit_names[i].name, (size_t)(eq - arg)))
			continue;
		r->resource = rlimit_names[i].resource;
		if (!strcmp(eq + 1, "unlimited")) {
			r->value = RLIM_INFINITY;
			return 0;
		}
		if (rlimit_names[i].is_bytes ?
			    policy_parse_size(eq + 1, &v) < 0 :
			    parse_uint(eq + 1, 0, ULLONG_MAX - 1, &v) < 0)
			return -EINVAL;
		r->value = v;
		return 0;
	}
	return -ENOENT;
}

int limits_apply_rlimits(const struct jail_config *cfg)
{
	for (size_t i = 0; i < cfg->n_rlimits; i++) {
		struct rlimit rl = { cfg->rlimits[i].value,
				     cfg->rlimits[i].value };

		if (setrlimit(cfg->rlimits[i].resource, &rl) < 0)
			return -errno;
	}
	return 0;
}

/* Return: the mount point of the cgroup2 hierarchy, or NULL */
static char *cgroup2_mount(void)
{
	autofclose FILE *f = fopen("/proc/self/mountinfo", "re");
	autofree char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		char mnt[4096], type[64];
		const char *dash = strstr(line, " - ");

		/* Field 5 is the mount point; the type follows " - " */
		if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s", type) != 1)
			continue;
		if (!strcmp(type, "cgroup2") && !strchr(mnt, '\\'))
			return xstrdup(mnt);
	}
	return NULL;
}

/* Return: this process's cgroup v2 path ("0::/path"), or NULL */
static char *own_cgroup(void)
{
	autofclose FILE *f = fopen("/proc/self/cgroup", "re");
	autofree char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		return xstrdup(line + 3);
	}
	return NULL;
}

static bool has_word(const char *path, const char *word)
{
	autofclose FILE *f = fopen(path, "re");
	char buf[1024], *save = NULL;

	if (!f || !fgets(buf, sizeof(buf), f))
		return false;
	for (char *w = strtok_r(buf, " \n", &save); w;
	     w = strtok_r(NULL, " \n", &save))
		if (!strcmp(w, word))
			return true;
	return false;
}

static int write_file(int dir_fd, const char *name, const char *text)
{
	autoclose int fd = openat(dir_fd, name, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_all(fd, text, strlen(text));
}

/* Make @ctl available to the children of @parent, or explain why not */
static void enable_controller(const char *parent, const char *ctl,
			      const char *opt)
{
	autofree char *controllers = xasprintf("%s/cgroup.controllers", parent);
	autofree char *subtree = xasprintf("%s/cgroup.subtree_control", parent);
	autofree char *plus = xasprintf("+%s", ctl);
	autoclose int dir = -1;

	if (has_word(subtree, ctl))
		return;
	if (!has_word(controllers, ctl))
		die("--%s: the %s controller is not available in this user's "
		    "cgroup v2 subtree \"%s\"; run jail in a delegated cgroup "
		    "(systemd-run --user --scope -p Delegate=yes jail ...), "
		    "see jail(1) NOTES",
		    opt, ctl, parent);
	dir = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0 || write_file(dir, "cgroup.subtree_control", plus) < 0)
		die("--%s: cannot enable the %s controller in \"%s\" (%s); "
		    "run jail in a delegated cgroup (systemd-run --user "
		    "--scope -p Delegate=yes jail ...)",
		    opt, ctl, parent, strerror(errno));
}

static void write_limit(int fd, const char *file, const char *value,
			const char *opt)
{
	int err = write_file(fd, file, value);

	if (err < 0) {
		errno = -err;
		die_errno("--%s: write %s", opt, file);
	}
}

int limits_cgroup_create(const struct jail_config *cfg, char **path_out)
{
	autofree char *mnt = NULL;
	autofree char *own = NULL;
	autofree char *parent = NULL;
	char *path;
	int fd;

	if (!cfg->memory_max && !cfg->pids_max && !cfg->cpu_max_pct)
		return -1;
	mnt = cgroup2_mount();
	own = own_cgroup();
	if (!mnt || !own)
		die("--memory/--pids/--cpus: no cgroup v2 hierarchy is "
		    "mounted; these limits need cgroup v2 with delegation, "
		    "see jail(1) NOTES");
	parent = xasprintf("%s%s", mnt, strcmp(own, "/") ? own : "");
	if (cfg->memory_max)
		enable_controller(parent, "memory", "memory");
	if (cfg->pids_max)
		enable_controller(parent, "pids", "pids");
	if (cfg->cpu_max_pct)
		enable_controller(parent, "cpu", "cpus");
	path = xasprintf("%s/jail-%s", parent, cfg->id);
	if (mkdir(path, 0755) < 0)
		die_errno("cgroup \"%s\"", path);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		die_errno("cgroup \"%s\"", path);
	if (cfg->memory_max) {
		char v[32];

		snprintf(v, sizeof(v), "%llu", cfg->memory_max);
		write_limit(fd, "memory.max", v, "memory");
		write_limit(fd, "memory.swap.max", "0", "memory");
	}
	if (cfg->pids_max) {
		char v[32];

		snprintf(v, sizeof(v), "%llu", cfg->pids_max);
		write_limit(fd, "pids.max", v, "pids");
	}
	if (cfg->cpu_max_pct) {
		char v[48];

		/* N CPUs: N * period of quota per 100 ms period */
		snprintf(v, sizeof(v), "%llu 100000", cfg->cpu_max_pct * 1000);
		write_limit(fd, "cpu.max", v, "cpus");
	}
	*path_out = path;
	return fd;
}

void limits_cgroup_remove(const char *path)
{
	/* The jail's processes are gone; an empty cgroup can be removed */
	for (int i = 0; path && i < 50; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return;
		usleep(10000);
	}
}
