// SPDX-License-Identifier: MIT
/*
 * project.c - the project, COMMAND and git dirs resolved; the configuration validated
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
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "jail.h"
#include "config/config.h"
#include "fwd/fwd.h"
#include "parse/parse.h"
#include "host/host.h"
#include "config/internal.h"

/* The git top-level that contains @cwd, else @cwd itself */
char *config_detect_project(const char *cwd)
{
	autofree char *p = xstrdup(cwd);

	for (;;) {
		autofree char *git = xasprintf("%s/.git", p);
		struct stat st;
		char *slash;

		if (lstat(git, &st) == 0 &&
		    (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
			return TAKE_PTR(p);
		// cppcheck-suppress nullPointer ; p is only NULL after the return
		slash = strrchr(p, '/');
		if (!slash || slash == p)
			break;
		*slash = '\0';
	}
	return xstrdup(cwd);
}

static bool is_ancestor_or_same(const char *a, const char *b)
{
	size_t n = strlen(a);

	if (!strcmp(a, "/"))
		return true;
	return !strncmp(a, b, n) && (b[n] == '\0' || b[n] == '/');
}

/*
 * A project that contains the home directory (or is a system directory)
 * would make the user's secrets or the system writable: refuse it. The
 * directories the jail replaces in its view (/tmp, /var/tmp, /run, /dev,
 * /proc, /sys) are refused too: the project would be covered by the
 * jail's own mount there, so its writes would silently go nowhere, and
 * from /run the host's service sockets would be inside the jail.
 */
static void check_project(const struct jail_config *cfg, const char *home)
{
	/* Refused with every directory below them */
	static const char *const system_trees[] = { "/run", "/dev", "/proc",
						    "/sys" };
	/* Refused themselves (and their ancestors); below them is fine */
	static const char *const system[] = { "/tmp", "/var/tmp", "/usr",
					      "/etc", "/bin", "/sbin", "/lib",
					      "/lib64", "/opt", "/boot",
					      "/var" };
	const char *p = cfg->project;
	struct stat st;

	if (stat(p, &st) < 0 || !S_ISDIR(st.st_mode))
		die("--project \"%s\": not a directory", p);
	if (!strcmp(p, "/"))
		die("--project \"/\": a system directory cannot be the "
		    "project; use a directory below it");
	if (is_ancestor_or_same(p, home))
		die("--project \"%s\": contains the home directory, which "
		    "would expose it; run jail in a project directory or pass "
		    "--project DIR",
		    p);
	for (size_t i = 0; i < ARRAY_SIZE(system_trees); i++)
		if (is_ancestor_or_same(system_trees[i], p) ||
		    is_ancestor_or_same(p, system_trees[i]))
			die("--project \"%s\": a system directory cannot be "
			    "the project; use a directory outside %s",
			    p, system_trees[i]);
	for (size_t i = 0; i < ARRAY_SIZE(system); i++)
		if (is_ancestor_or_same(p, system[i]))
			die("--project \"%s\": a system directory cannot be "
			    "the project; use a directory below it",
			    p);
}

/* Search @name on the host PATH like execvp() would */
static char *find_on_path(const char *name, const char *cwd)
{
	const char *path = getenv("PATH");
	autofree char *copy = NULL;
	char *save = NULL;

	if (strchr(name, '/'))
		return config_normalize_path(name, cwd);
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = xstrdup(path);
	for (char *dir = strtok_r(copy, ":", &save); dir;
	     dir = strtok_r(NULL, ":", &save)) {
		autofree char *cand = NULL;

		if (dir[0] != '/')
			continue;
		cand = xasprintf("%s/%s", dir, name);
		if (access(cand, X_OK) == 0) {
			struct stat st;

			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
				return TAKE_PTR(cand);
		}
	}
	return NULL;
}

static bool path_in_view(const struct jail_config *cfg, const char *p)
{
	static const char *const sys[] = { "/usr", "/bin", "/sbin", "/lib",
					   "/lib32", "/lib64", "/libx32",
					   "/etc", "/opt" };

	for (size_t i = 0; i < ARRAY_SIZE(sys); i++)
		if (is_ancestor_or_same(sys[i], p))
			return true;
	if (is_ancestor_or_same(cfg->project, p))
		return true;
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];

		if ((m->kind == MOUNT_RO || m->kind == MOUNT_RW) &&
		    is_ancestor_or_same(m->path, p))
			return true;
	}
	return false;
}

static void add_dir_of(struct jail_config *cfg, const char *file)
{
	autofree char *dir = xstrdup(file);
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		return;
	*slash = '\0';
	if (!path_in_view(cfg, dir))
		config_add_mount(cfg, MOUNT_RO, dir, true, ORIGIN_DEFAULT);
}

/*
 * Return: the first line of @path (at most 4 KiB), or NULL. @path may lie
 * in a tree the jail could write: a regular file only, never a blocking
 * open (read_untrusted()).
 */
static char *read_first_line(const char *path)
{
	char buf[4096];

	if (read_untrusted_head(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	return xstrdup(buf);
}

/*
 * An npm package's entry point needs its package tree: bind the top-most
 * node_modules directory above @real read-only, when there is one.
 */
static void add_node_modules_of(struct jail_config *cfg, const char *real)
{
	const char *nm = strstr(real, "/node_modules/");
	autofree char *top = NULL;

	if (!nm)
		return;
	top = strndup(real, (size_t)(nm - real) + strlen("/node_modules"));
	if (top && !path_in_view(cfg, top))
		config_add_mount(cfg, MOUNT_RO, top, true, ORIGIN_DEFAULT);
}

/*
 * A script's "#!/usr/bin/env NAME" interpreter found outside the view
 * (node under ~/.nvm, python in a pyenv) is bound like COMMAND itself.
 */
static void add_interpreter_of(struct jail_config *cfg, const char *script)
{
	autofree char *line = read_first_line(script);
	autofree char *interp = NULL;
	autofree char *real = NULL;
	char name[256];

	if (!line || sscanf(line, "#!/usr/bin/env %255s", name) != 1 ||
	    strchr(name, '/'))
		return;
	interp = find_on_path(name, cfg->cwd);
	if (!interp || !(real = realpath(interp, NULL)))
		return;
	if (!path_in_view(cfg, interp))
		add_dir_of(cfg, interp);
	if (!path_in_view(cfg, real))
		add_dir_of(cfg, real);
}

/*
 * COMMAND found on the host PATH outside the view: bind its directory and
 * its real file's directory read-only, so that `jail -- claude` works for
 * an agent installed under the home directory; with its package tree and
 * interpreter where it needs them.
 */
static void resolve_command(struct jail_config *cfg)
{
	autofree char *real = NULL;

	cfg->cmd_path = find_on_path(cfg->argv[0], cfg->cwd);
	if (!cfg->cmd_path)
		return;
	real = realpath(cfg->cmd_path, NULL);
	if (!real) {
		free(cfg->cmd_path);
		cfg->cmd_path = NULL;
		return;
	}
	if (!path_in_view(cfg, cfg->cmd_path))
		add_dir_of(cfg, cfg->cmd_path);
	if (!path_in_view(cfg, real)) {
		add_node_modules_of(cfg, real);
		add_dir_of(cfg, real);
	}
	add_interpreter_of(cfg, real);
}

/*
 * jail's own directories: a git pointer leading there could let the jail
 * rewrite a kept review, the trust store or the registry
 */
static size_t jail_state_dirs(const struct jail_config *cfg, char **out)
{
	autofree char *review = review_state_root();
	const char *rt = getenv("XDG_RUNTIME_DIR");
	size_t n = 0;

	/* The parent of review/ holds the logs and the registry as well */
	*strrchr(review, '/') = '\0';
	out[n++] = xstrdup(review);
	out[n++] = config_dir();
	/* jail_runtime_dir()'s others lie under /dev or the state dir */
	out[n++] = rt && rt[0] == '/' ? xasprintf("%s/jail", rt) : NULL;
	if (cfg->log_path) {
		out[n] = xstrdup(cfg->log_path);
		*strrchr(out[n++], '/') = '\0';
	}
	return n;
}

static void add_git_mount(struct jail_config *cfg, const char *dir)
{
	/* Under --review nothing may land unreviewed: read-only then */
	config_add_mount(cfg, cfg->review ? MOUNT_RO : MOUNT_RW, dir, false,
		  ORIGIN_DEFAULT);
	cfg->mounts[cfg->n_mounts - 1].is_gitdir = true;
}

/*
 * In a git worktree or a submodule, .git is a file naming the real git
 * dir, which lies outside the project: bind that repository's common git
 * dir read-write (commits need its objects and refs) and keep its hooks
 * and config protected, like the project's own. The .git file and what
 * it leads to are the jail's to write, so they are followed only to a
 * git dir that points back (gitdirs.c); else one warning, and no bind.
 */
static void add_external_git_dir(struct jail_config *cfg, const char *home)
{
	autofree char *dotgit = xasprintf("%s/.git", cfg->project);
	autofree struct gitdirs_found *g = xcalloc(1, sizeof(*g));
	autofree char *hooks = NULL;
	autofree char *config = NULL;
	autofree char *why = NULL;
	char *state[4];
	size_t n_state = jail_state_dirs(cfg, state);
	struct stat st;
	int r;

	if (lstat(dotgit, &st) == 0 && S_ISREG(st.st_mode))
		/* Rewritten, it could point host git at planted hooks */
		config_add_mount(cfg, MOUNT_PROTECT, dotgit, false, ORIGIN_DEFAULT);
	r = gitdirs_follow(cfg->project, home, (const char *const *)state,
			   n_state, g);
	for (size_t i = 0; i < n_state; i++)
		free(state[i]);
	/* WHY may hold names from the jail's side: escaped */
	why = xmalloc(6 * strlen(g->why) + 8);
	str_printable(why, 6 * strlen(g->why) + 8, g->why, 0, 0);
	if (r < 0) {
		warn("warning: git pointer \"%s\" not followed: %s; running "
		     "without binding it",
		     dotgit, why);
		return;
	}
	if (r == 0)
		return;
	cfg->gitdir_why = TAKE_PTR(why);
	if (!is_ancestor_or_same(cfg->project, g->common))
		add_git_mount(cfg, g->common);
	if (strcmp(g->common, g->gitdir) &&
	    !is_ancestor_or_same(g->common, g->gitdir))
		add_git_mount(cfg, g->gitdir);
	hooks = xasprintf("%s/hooks", g->common);
	config = xasprintf("%s/config", g->common);
	config_add_mount(cfg, MOUNT_PROTECT, hooks, false, ORIGIN_DEFAULT);
	config_add_mount(cfg, MOUNT_PROTECT, config, false, ORIGIN_DEFAULT);
}

/*
 * The git dirs the jail gets private copies of (gitguard.c), and what
 * their configuration points at, protected wherever it lies. Under
 * --review the overlay keeps every change for the person to see, so the
 * git dirs need no private copy; what their configuration names (a
 * core.hooksPath directory, an included file) is protected all the same,
 * or applying the review would land a hook there unmarked.
 */
static void add_git_guard(struct jail_config *cfg)
{
	struct gitguard *g = gitguard_collect(cfg);

	cfg->git = cfg->review ? NULL : g;
	cfg->git_review = cfg->review ? g : NULL;
	for (size_t i = 0; g && i < g->n_protect; i++) {
		config_add_mount(cfg, MOUNT_PROTECT, g->protect[i], false,
			  ORIGIN_DEFAULT);
		cfg->mounts[cfg->n_mounts - 1].why =
			xasprintf(": %s", g->protect_why[i]);
	}
}

/* Is @path below a tree the jail may write (project, --rw, --home)? */
static bool writable_inside(const struct jail_config *cfg, const char *path)
{
	if (is_ancestor_or_same(cfg->project, path) ||
	    (cfg->home_src && is_ancestor_or_same(cfg->home_src, path)))
		return true;
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_RW &&
		    is_ancestor_or_same(cfg->mounts[i].path, path))
			return true;
	return false;
}

bool config_writable_inside(const struct jail_config *cfg, const char *path)
{
	return writable_inside(cfg, path);
}

/* Is @path refused by the writable tree @tree around it? (see below) */
static void check_beneath(const char *tree, const char *path,
			  const char *what)
{
	autoclose int tfd = open(tree, O_PATH | O_DIRECTORY | O_CLOEXEC);
	autoclose int fd = -1;
	const char *rel = path + strlen(tree) + (strcmp(tree, "/") ? 1 : 0);

	if (tfd < 0)
		return;
	fd = openat2_fd(tfd, rel, O_PATH,
			RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				RESOLVE_NO_MAGICLINKS);
	if (fd == -ELOOP || fd == -EXDEV)
		die("%s \"%s\": a symlink inside the writable tree \"%s\"; "
		    "refusing to follow it (a jail could have planted it); "
		    "give the real path",
		    what, path, tree);
}

/*
 * A source inside a tree the jail may write (project, --rw, --home) is
 * opened beneath that tree with symlinks refused (fsview.c): say so here,
 * in one line, before anything is set up
 */
static void check_source(const struct jail_config *cfg, const char *path,
			 const char *what)
{
	if (strcmp(cfg->project, path) &&
	    is_ancestor_or_same(cfg->project, path))
		check_beneath(cfg->project, path, what);
	if (cfg->home_src && strcmp(cfg->home_src, path) &&
	    is_ancestor_or_same(cfg->home_src, path))
		check_beneath(cfg->home_src, path, what);
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];

		if (m->kind == MOUNT_RW && strcmp(m->path, path) &&
		    is_ancestor_or_same(m->path, path))
			check_beneath(m->path, path, what);
	}
}

/*
 * Secrets need the forwarder: a profile's are dropped without it, an
 * explicit one is an error. Then their values are read (secrets.c).
 */
static void validate_secrets(struct jail_config *cfg)
{
	size_t w = 0;

	for (size_t i = 0; i < cfg->n_secrets; i++) {
		autofree char *real = cfg->secrets[i].file ?
					      realpath(cfg->secrets[i].file,
						       NULL) :
					      NULL;

		if (real && path_in_view(cfg, real))
			die("--secret %s: \"%s\" is visible inside the jail; "
			    "keep the file outside the project and the bound "
			    "paths",
			    cfg->secrets[i].name, cfg->secrets[i].file);
		if (cfg->net == NET_FILTERED) {
			cfg->secrets[w++] = cfg->secrets[i];
			continue;
		}
		if (cfg->secrets[i].origin != ORIGIN_PROFILE)
			die("--secret %s: needs --net filtered (the forwarder "
			    "puts the value into requests)",
			    cfg->secrets[i].name);
	}
	cfg->n_secrets = w;
}

/* --ask and its companions need the forwarder; none is half-applied */
static void validate_ask(struct jail_config *cfg)
{
	if (cfg->ask && cfg->net != NET_FILTERED)
		die("--ask: needs --net filtered (the forwarder holds the "
		    "connections)");
	if (cfg->n_hold_push && cfg->net != NET_FILTERED)
		die("--hold-push: needs --net filtered (the forwarder refuses "
		    "the pushes)");
	/* Nothing reaches a jail without a network; under --net host a
	 * server inside already listens on the host */
	if (cfg->n_publish && cfg->net == NET_NONE)
		die("--publish: needs --net filtered (with --net none nothing "
		    "reaches the jail)");
	if (cfg->n_publish && cfg->net == NET_HOST && !cfg->explain) {
		warn("--publish: ignored with --net host (a server inside "
		     "listens on the host's own addresses)");
		cfg->n_publish = 0;
	}
	/* --hold-push asks too (about pushes only) */
	if (!cfg->ask && !cfg->n_hold_push && cfg->approve_cmd)
		die("--approve-cmd: needs --ask or --hold-push");
	if (!cfg->ask && !cfg->n_hold_push && cfg->ask_timeout)
		die("--ask-timeout: needs --ask or --hold-push");
	if (!cfg->ask_timeout)
		cfg->ask_timeout = JAIL_ASK_TIMEOUT_DEFAULT;
}

/* Can a file be made next to @path? Tried for real: access() says yes
 * to root for /proc */
static void probe_writable(const char *path, const char *dir)
{
	autofree char *probe = xasprintf("%s.jail-%d", path, (int)getpid());
	int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				     O_CLOEXEC,
		      0600);

	if (fd < 0)
		die("--review=patch:%s: cannot write in \"%s\": %s", path,
		    dir, strerror(errno));
	close(fd);
	unlink(probe);
}

/*
 * --review: the overlay's upper directory must be invisible to the jail,
 * no writable bind may bypass the overlay, and the patch must be writable
 * before anything runs.
 */
static void validate_review(struct jail_config *cfg)
{
	autofree char *root = NULL;

	if (!cfg->review)
		return;
	root = review_state_root();
	if (path_in_view(cfg, root) || writable_inside(cfg, root) ||
	    is_ancestor_or_same(root, cfg->project))
		die("--review: the review directory \"%s\" would be visible "
		    "inside the jail; set XDG_STATE_HOME outside the project "
		    "and the bound paths",
		    root);
	if (cfg->home_src && is_ancestor_or_same(cfg->project, cfg->home_src))
		die("--review: --home \"%s\" lies inside the project and "
		    "would bypass the review",
		    cfg->home_src);
	for (size_t i = 0; i < cfg->n_mounts; i++)
		if (cfg->mounts[i].kind == MOUNT_RW &&
		    is_ancestor_or_same(cfg->project, cfg->mounts[i].path))
			die("--review: --rw \"%s\" lies inside the project and "
			    "would bypass the review",
			    cfg->mounts[i].path);
	if (cfg->review == REVIEW_PATCH) {
		autofree char *dir = xstrdup(cfg->review_patch);
		struct stat st;

		*strrchr(dir, '/') = '\0';
		if (stat(cfg->review_patch, &st) == 0 && !S_ISREG(st.st_mode))
			die("--review=patch:%s: not a regular file",
			    cfg->review_patch);
		if (!cfg->explain)
			probe_writable(cfg->review_patch, dir[0] ? dir : "/");
	}
}

/* Cross-option rules, checked before anything is created */
void config_validate(struct jail_config *cfg)
{
	const char *home = config_host_home();

	check_project(cfg, home);
	add_external_git_dir(cfg, home);
	add_git_guard(cfg);
	config_protect_command_files(cfg);
	config_protect_link_targets(cfg);
	cfg->home = config_normalize_path(home, "/");
	if (cfg->home_src) {
		struct stat st;

		check_source(cfg, cfg->home_src, "--home");
		if (stat(cfg->home_src, &st) < 0 || !S_ISDIR(st.st_mode))
			die("--home \"%s\": not a directory", cfg->home_src);
		/*
		 * The host's own home (or above it) as the jail's: its
		 * secrets readable, its shell startup files, ~/.gitconfig
		 * and ~/.local/bin writable for every host tool after
		 */
		if (is_ancestor_or_same(cfg->home_src, cfg->home))
			die("--home \"%s\": holds your own home directory, whose "
			    "secrets and startup files would be the jail's; "
			    "give it a directory of its own (for example "
			    "~/.local/share/jail/home)",
			    cfg->home_src);
	}
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct mount_req *m = &cfg->mounts[i];
		struct stat st;

		if ((m->kind == MOUNT_RO || m->kind == MOUNT_RW) &&
		    !m->is_gitdir)
			check_source(cfg, m->path,
				     m->kind == MOUNT_RO ? "--ro" : "--rw");
		if ((m->kind == MOUNT_RO || m->kind == MOUNT_RW) &&
		    !m->is_try && stat(m->path, &st) < 0)
			die("--%s \"%s\": %s; use --%s-try to ignore a "
			    "missing path",
			    m->kind == MOUNT_RO ? "ro" : "rw", m->path,
			    strerror(errno), m->kind == MOUNT_RO ? "ro" : "rw");
	}
	cfg->is_tty = isatty(STDIN_FILENO);
	resolve_command(cfg);
	validate_secrets(cfg);
	validate_ask(cfg);
	validate_review(cfg);
	if (cfg->log_path && writable_inside(cfg, cfg->log_path))
		warn("--log \"%s\": the jail can write there, so its events "
		     "could be forged; keep the log outside the project",
		     cfg->log_path);
}
