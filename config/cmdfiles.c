// SPDX-License-Identifier: MIT
/*
 * cmdfiles.c - protect the scripts an agent's protected settings run
 *
 * Agents' settings are protected (the project's .claude/settings files,
 * .mcp.json and the like by default, ~/.claude's under --profile
 * claude), but what they run lies beside them: a hook "$CLAUDE_PROJECT_DIR/.claude/hooks/x.sh",
 * a status line "~/.claude/statusline.sh", "./scripts/lint.sh". Rewritten
 * inside, it runs the next time the agent starts outside the jail. So the
 * settings are read at start (cmdrefs.c) and every file they name that
 * lies in a tree the jail may write is protected: an existing regular
 * file, or an absent one where it is the program of a command line (an
 * absent argument may as well be a directory the agent makes).
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

#include "jail.h"
#include "config/config.h"
#include "parse/parse.h"
#include "config/internal.h"

/*
 * Settings files that name commands, under the project or the home: the
 * agents' settings and the MCP server lists they start servers from
 */
static const char *const project_settings[] = {
	".claude/settings.json", ".claude/settings.local.json", ".mcp.json",
	".gemini/settings.json", ".cursor/mcp.json", ".vscode/mcp.json",
	".roo/mcp.json", ".amazonq/mcp.json", ".kiro/settings/mcp.json",
	"opencode.json",
};
static const char *const home_settings[] = {
	".claude/settings.json", ".claude/settings.local.json", ".claude.json",
	".gemini/settings.json",
};

/* Read @dir/@name as hostile input: a regular file, bounded, no symlink
 * (from the settings' directory: a .claude symlink is not followed) */
static uint8_t *read_settings(const char *dir, const char *name, size_t *len)
{
	autoclose int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	autoclose int fd = -1;
	autofree uint8_t *buf = NULL;
	struct stat st;
	ssize_t r;

	if (dfd < 0)
		return NULL;
	fd = openat2_fd(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK,
			RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
				RESOLVE_NO_MAGICLINKS);
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size > CMDREF_INPUT_MAX)
		return NULL;
	buf = xmalloc((size_t)st.st_size + 1);
	r = read(fd, buf, (size_t)st.st_size);
	if (r < 0)
		return NULL;
	*len = (size_t)r;
	return TAKE_PTR(buf);
}

/* @word as a host path: "~/", "$HOME/", "$CLAUDE_PROJECT_DIR/", relative */
static char *resolve_word(const struct jail_config *cfg, const char *word)
{
	static const struct {
		const char *prefix;
		bool is_home;
	} vars[] = {
		{ "~/", true },
		{ "$HOME/", true },
		{ "${HOME}/", true },
		{ "$CLAUDE_PROJECT_DIR/", false },
		{ "${CLAUDE_PROJECT_DIR}/", false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		size_t n = strlen(vars[i].prefix);

		if (!strncmp(word, vars[i].prefix, n))
			return xasprintf("%s/%s",
					 vars[i].is_home ? config_host_home() :
							   cfg->project,
					 word + n);
	}
	if (word[0] == '/')
		return xstrdup(word);
	if (word[0] == '$' || word[0] == '~')
		return NULL;
	/* Hooks run in the project directory */
	while (!strncmp(word, "./", 2))
		word += 2;
	return xasprintf("%s/%s", cfg->project, word);
}

/* Lexically plain: no "." or ".." component, no "//", no trailing '/' */
static bool is_plain(const char *p)
{
	size_t n = strlen(p);

	return !strstr(p, "/./") && !strstr(p, "/../") && !strstr(p, "//") &&
	       !(n >= 2 && !strcmp(p + n - 2, "/.")) &&
	       !(n >= 3 && !strcmp(p + n - 3, "/..")) && p[n - 1] != '/';
}

static void protect_word(struct jail_config *cfg, const char *word,
			 bool is_program, const char *why)
{
	autofree char *p = resolve_word(cfg, word);
	struct stat st;

	if (!p || !is_plain(p) || !strcmp(p, cfg->project) ||
	    !config_writable_inside(cfg, p) || config_is_protected(cfg, p))
		return;
	/* A symlink: its target is protected too (protlinks.c) */
	if (lstat(p, &st) == 0 ? !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode) :
				 (errno != ENOENT || !is_program))
		return;
	config_protect_because(cfg, p, why);
}

static void protect_named_by(struct jail_config *cfg, const char *dir,
			     const char *name)
{
	autofree struct cmdrefs *r = xmalloc(sizeof(*r));
	autofree uint8_t *buf = NULL;
	autofree char *why = NULL;
	size_t len = 0;

	buf = read_settings(dir, name, &len);
	if (!buf)
		return;
	/* A broken file: what was found before the error still counts */
	(void)cmdrefs_from_json(buf, len, r);
	why = xasprintf(": %s/%s runs it", dir, name);
	for (size_t i = 0; i < r->n; i++)
		protect_word(cfg, r->path[i], r->is_program[i], why);
}

void config_protect_command_files(struct jail_config *cfg)
{
	for (size_t i = 0; i < ARRAY_SIZE(project_settings); i++)
		protect_named_by(cfg, cfg->project, project_settings[i]);
	for (size_t i = 0; i < ARRAY_SIZE(home_settings); i++)
		protect_named_by(cfg, config_host_home(), home_settings[i]);
}
