// SPDX-License-Identifier: MIT
/*
 * toolfiles.c - files of the tree that the project's installed git hooks
 * and path-trusted tools read: protected for this run (gitguard.c step 1)
 *
 * A git hook manager installs a small hook that runs what a tracked file
 * names: pre-commit's hook runs the `entry` commands of
 * .pre-commit-config.yaml, lefthook's runs its lefthook.yml, husky's
 * (core.hooksPath .husky/_) runs the scripts in .husky/. Protecting the
 * hooks directory alone leaves those files to the jail, and the user's
 * next `git commit` runs them. So when a hooks directory in use holds an
 * active hook (anything but git's *.sample files), the files every
 * known manager reads are protected, absent ones included (a manager
 * merges a new local file into the one it already reads).
 *
 * The directories of more agents and editors (.kiro, .zed ...) are
 * protected where present and noted where absent: the exit check moves
 * one made during the run aside.
 *
 * A VS Code workspace file (NAME.code-workspace, at the top or below it)
 * names commands the editor runs once the person opens it: tasks with
 * runOptions.runOn "folderOpen", settings naming programs (terminal
 * profiles, linters' paths), launch configurations, recommended
 * extensions. It has no fixed name, so no placeholder can hold an absent
 * one: the walk of the tree the start does already protects each one it
 * meets, and the exit walk moves one made or changed during the run
 * aside (gitnew.c). So are the files Vim and Neovim source from the
 * directory they start in when 'exrc' is set (.exrc, .vimrc, .nvimrc,
 * .nvim.lua), in any directory of the tree.
 *
 * A tool that trusts a file by its path (mise, once `mise trust` was
 * run, then follows its [hooks] and env._.source on every cd) obeys a
 * changed file without asking, while a new file is untrusted and asks
 * first. Those files are protected where they exist.
 */
#include <dirent.h>
#include <sys/stat.h>

#include "jail.h"
#include "host/host.h"
#include "host/gitguard.h"

#define HOOK_ENTRIES 4096	/* entries read per hooks directory */

/* What an installed hook manager's hook reads from the working tree */
static const char *const manager_files[] = {
	".pre-commit-config.yaml", ".husky", "lefthook.yml", ".lefthook.yml",
	"lefthook.yaml", ".lefthook.yaml", "lefthook.json", ".lefthook.json",
	"lefthook.toml", ".lefthook.toml", "lefthook-local.yml",
	".lefthook-local.yml", ".overcommit.yml",
};

/* Trusted by path once the user trusted them: protected where present */
static const char *const trusted_files[] = {
	"mise.toml", ".mise.toml", "mise.local.toml", ".mise.local.toml",
	".config/mise.toml", ".config/mise/config.toml", ".mise/config.toml",
};

/*
 * Agents and editors that start what their project directory names
 * (hooks, MCP servers, language servers) without asking, beyond the
 * default list: protected where present; where absent, kept from landing
 * by the exit check (gitnew_check_agent_dirs()), which costs no start
 */
const char *const gitguard_agent_dirs[] = {
	".kiro", ".windsurf", ".continue", ".amazonq", ".zed", ".roo",
};
const char *const gitguard_agent_dirs_why[] = {
	"Kiro agent hooks and MCP servers run commands",
	"Windsurf Cascade hooks run commands",
	"Continue MCP servers run commands",
	"Amazon Q MCP servers and agent hooks run commands",
	"Zed language servers and context servers run commands",
	"Roo Code MCP servers run commands",
};
_Static_assert(ARRAY_SIZE(gitguard_agent_dirs) ==
		       ARRAY_SIZE(gitguard_agent_dirs_why),
	       "one reason per agent directory");
_Static_assert(ARRAY_SIZE(gitguard_agent_dirs) <= 32, "one bit each");
const size_t gitguard_n_agent_dirs = ARRAY_SIZE(gitguard_agent_dirs);

static const char workspace_why[] =
	"a VS Code workspace: its tasks, settings and launch configurations "
	"run commands when it is opened";
static const char exrc_why[] =
	"Vim with 'exrc' set runs the commands of the one in the directory "
	"it starts in";

const char *gitguard_editor_file_why(const char *name)
{
	static const char suffix[] = ".code-workspace";
	static const char *const exrc[] = { ".exrc", ".vimrc", ".nvimrc",
					    ".nvim.lua", "_exrc", "_vimrc" };
	size_t len = strlen(name), n = sizeof(suffix) - 1;

	if (len > n && !strcmp(name + len - n, suffix))
		return workspace_why;
	for (size_t i = 0; i < ARRAY_SIZE(exrc); i++)
		if (!strcmp(name, exrc[i]))
			return exrc_why;
	return NULL;
}

/* Does directory @dir hold a hook git would run (not a *.sample)? */
static bool has_active_hook(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;
	size_t n = 0;

	while (d && !found && (e = readdir(d)) && n++ < HOOK_ENTRIES) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || e->d_type == DT_DIR)
			continue;
		found = !(len > 7 && !strcmp(e->d_name + len - 7, ".sample"));
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * Which git dirs' hooks/ hold an active hook (bit i for g->dir[i]), and
 * whether some hooks directory git uses here does (theirs or one
 * core.hooksPath names): each directory read once
 */
struct hooks_seen {
	uint64_t active;
	bool is_any;
};

static struct hooks_seen hooks_installed(const struct gitguard *g)
{
	struct hooks_seen h = { 0, false };

	_Static_assert(GITGUARD_MAX_DIRS <= 64, "one bit per git dir");
	for (size_t i = 0; i < g->n_dirs; i++) {
		autofree char *dir = xasprintf("%s/hooks", g->dir[i]);

		if (has_active_hook(dir))
			h.active |= UINT64_C(1) << i;
	}
	h.is_any = h.active != 0;
	for (size_t i = 0; i < g->n_protect && !h.is_any; i++)
		if (g->protect_why[i] == gitguard_hooks_path_why &&
		    has_active_hook(g->protect[i]))
			h.is_any = true;
	return h;
}

/* The working trees of the git dirs named .git: the project's and more */
/*
 * In the project and the working tree of each git dir named .git; with
 * @need_hooks only where a hook is installed (the project: any hooks
 * directory in use), so that nested repositories add few paths
 */
static void protect_in_trees(struct gitguard *g, const char *const *names,
			     size_t n, bool only_present,
			     const struct hooks_seen *need_hooks,
			     const char *why)
{
	size_t plen = strlen(g->project);

	for (size_t i = 0; i <= g->n_dirs; i++) {
		autofree char *top = NULL;
		size_t len;

		if (i == g->n_dirs) {
			if (need_hooks && !need_hooks->is_any)
				continue;
			top = xstrdup(g->project);
		} else {
			len = strlen(g->dir[i]);
			/*
			 * The project's own .git: done last, as the project,
			 * where any hooks directory in use counts
			 */
			if (len <= 5 || strcmp(g->dir[i] + len - 5, "/.git") ||
			    (len - 5 == plen &&
			     !strncmp(g->dir[i], g->project, plen)) ||
			    (need_hooks &&
			     !(need_hooks->active & (UINT64_C(1) << i))))
				continue;
			top = xasprintf("%.*s", (int)(len - 5), g->dir[i]);
		}
		for (size_t k = 0; k < n; k++) {
			char *p = xasprintf("%s/%s", top, names[k]);

			if (only_present && access(p, F_OK) < 0) {
				free(p);
				continue;
			}
			gitguard_add_protect(g, p, why);
		}
	}
}

/* Present: protected; absent: noted for the exit check */
static void protect_agent_dirs(struct gitguard *g)
{
	for (size_t i = 0; i < ARRAY_SIZE(gitguard_agent_dirs); i++) {
		char *p = xasprintf("%s/%s", g->project,
				    gitguard_agent_dirs[i]);
		struct stat st;

		if (lstat(p, &st) < 0 && errno == ENOENT) {
			g->agent_absent |= 1u << i;
			free(p);
			continue;
		}
		gitguard_add_protect(g, p, gitguard_agent_dirs_why[i]);
	}
}

void gitguard_protect_tool_files(struct gitguard *g)
{
	struct hooks_seen hooks = hooks_installed(g);

	protect_agent_dirs(g);
	protect_in_trees(g, manager_files, ARRAY_SIZE(manager_files), false,
			 &hooks, "an installed git hook runs what it names");
	protect_in_trees(g, trusted_files, ARRAY_SIZE(trusted_files), true,
			 NULL,
			 "mise runs its hooks and env scripts, trusted by "
			 "path");
}
