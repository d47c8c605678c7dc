// SPDX-License-Identifier: MIT
/*
 * test-gitdirs.c - unit tests for gitdirs.c: the pointer parser, the
 * places no pointer may lead, and following a worktree's pointers in a
 * scratch tree
 */
#include <stdlib.h>
#include <sys/stat.h>

#include "config/config.h"
#include "jail.h"
#include "tests/unit/tap.h"

static char out[PATH_MAX];

static int parse(const char *s, const char *prefix)
{
	return gitdirs_parse_pointer(s, strlen(s), prefix, out, sizeof(out));
}

static void test_parse(void)
{
	char big[PATH_MAX + 16];

	is_int(parse("gitdir: /a/b\n", "gitdir: "), 4, "a gitdir line");
	is_str(out, "/a/b", "its path");
	is_int(parse("gitdir: ../x\r\nrest", "gitdir: "), 4,
	       "CRLF and a second line");
	is_str(out, "../x", "only the first line counts");
	is_int(parse("../..\n", ""), 5, "a commondir line");
	is_int(parse("gitdir: \n", "gitdir: "), -EINVAL, "an empty path");
	is_int(parse("gitdir:/a\n", "gitdir: "), -EINVAL, "no space");
	is_int(parse("", ""), -EINVAL, "an empty file");
	is_int(parse("gitdir: /a\033[2J\n", "gitdir: "), -EINVAL,
	       "a control byte");
	is_int(gitdirs_parse_pointer("gitdir: /a\0b", 12, "gitdir: ", out,
				     sizeof(out)),
	       -EINVAL, "a NUL byte");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	is_int(parse(big, ""), -E2BIG, "a path longer than PATH_MAX");
	is_int(gitdirs_parse_pointer("gitdir: /abc", 12, "gitdir: ", out, 4),
	       -E2BIG, "a path longer than the buffer");
}

static int wt(const char *s)
{
	return gitdirs_parse_worktree(s, strlen(s), out, sizeof(out));
}

static void test_worktree(void)
{
	is_int(wt("[core]\n\trepositoryformatversion = 0\n"
		  "\tworktree = ../../../sm\n"),
	       11, "a submodule's config");
	is_str(out, "../../../sm", "its worktree");
	is_int(wt("[Core]\nWorkTree=\"/a b/c\" # comment\n"), 6,
	       "any case, quotes, a comment");
	is_str(out, "/a b/c", "unquoted");
	is_int(wt("[core]\nworktree = a\n[core]\nworktree = b\n"), 1,
	       "the last one counts");
	is_str(out, "b", "the last value");
	is_int(wt("[remote \"core\"]\nworktree = x\n"), -ENOENT,
	       "another section's worktree");
	is_int(wt("[core \"x\"]\nworktree = x\n"), -ENOENT,
	       "a subsection of core");
	is_int(wt("worktree = x\n[core]\n"), -ENOENT, "before any section");
	is_int(wt("[core]\nworktrees = x\n"), -ENOENT, "another key");
	is_int(wt("[core]\nworktree = \"x\n"), -EINVAL, "an open quote");
	is_int(wt("[core]\nworktree = a\033b\n"), -EINVAL, "a control byte");
	is_int(wt("[core]\nworktree = \\q\n"), -EINVAL, "an unknown escape");
	is_int(wt("[core]\nworktree =\n"), -EINVAL, "an empty value");
	is_int(wt(""), -ENOENT, "an empty file");
}

static void test_forbidden(void)
{
	const char *state[] = { "/home/u/.local/state/jail",
				"/home/u/.config/jail" };
	const char *p = "/home/u/src/p";
	const char *h = "/home/u";

#define FORB(d) gitdirs_forbidden(d, p, h, state, 2)
	ok(FORB("/") != NULL, "/ is refused");
	ok(FORB("/home") != NULL, "an ancestor of the project is refused");
	ok(FORB(p) != NULL, "the project itself is refused");
	ok(FORB("/home/u") != NULL, "the home directory is refused");
	ok(FORB("/etc") && FORB("/etc/x/.git"), "/etc and below are refused");
	ok(FORB("/proc/self/cwd") && FORB("/sys") && FORB("/dev/shm/x"),
	   "pseudo file systems are refused");
	ok(FORB("/tmp") && FORB("/var/tmp") && FORB("/run/user/1"),
	   "/tmp, /var/tmp, /run are refused");
	ok(FORB("/home/u/.local/state/jail/review/1") != NULL,
	   "jail's review state is refused");
	ok(FORB("/home/u/.local") != NULL,
	   "an ancestor of jail's state is refused");
	ok(FORB("/home/u/.config/jail") != NULL, "jail's config is refused");
	ok(FORB("rel/x") != NULL, "a relative path is refused");
	ok(FORB("/home/u/src/main/.git") == NULL, "a repository elsewhere");
	ok(FORB("/var/tmp/x/.git") == NULL, "a repository below /var/tmp");
#undef FORB
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

/* A main repository and a linked worktree of it, made by hand */
static void test_follow(void)
{
	char tmpl[] = "/var/tmp/test-gitdirs.XXXXXX";
	char *d = mkdtemp(tmpl);
	struct gitdirs_found g;
	char buf[PATH_MAX * 2], text[PATH_MAX * 2];
	int r;

	if (!ok(d != NULL, "scratch directory"))
		return;
#define P(...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)
#define T(...) (snprintf(text, sizeof(text), __VA_ARGS__), text)
	mkdir(P("%s/main", d), 0700);
	mkdir(P("%s/main/.git", d), 0700);
	mkdir(P("%s/main/.git/objects", d), 0700);
	mkdir(P("%s/main/.git/refs", d), 0700);
	put(P("%s/main/.git/HEAD", d), "ref: refs/heads/main\n");
	mkdir(P("%s/main/.git/worktrees", d), 0700);
	mkdir(P("%s/main/.git/worktrees/wt", d), 0700);
	put(P("%s/main/.git/worktrees/wt/HEAD", d), "ref: refs/heads/w\n");
	put(P("%s/main/.git/worktrees/wt/commondir", d), "../..\n");
	mkdir(P("%s/wt", d), 0700);
	put(P("%s/main/.git/worktrees/wt/gitdir", d), T("%s/wt/.git\n", d));
	put(P("%s/wt/.git", d), T("gitdir: %s/main/.git/worktrees/wt\n", d));
	r = gitdirs_follow(P("%s/wt", d), "/nonexistent", NULL, 0, &g);
	is_int(r, 1, "a real linked worktree is followed");
	is_str(g.common, P("%s/main/.git", d), "to its common dir");
	/* The gitdir file no longer names this worktree */
	put(P("%s/main/.git/worktrees/wt/gitdir", d), "/elsewhere/.git\n");
	r = gitdirs_follow(P("%s/wt", d), "/nonexistent", NULL, 0, &g);
	is_int(r, -EPERM, "a gitdir file that does not point back: refused");
	put(P("%s/main/.git/worktrees/wt/gitdir", d), T("%s/wt/.git\n", d));
	/* commondir rewritten to another directory */
	mkdir(P("%s/decoy", d), 0700);
	put(P("%s/main/.git/worktrees/wt/commondir", d), "../../../../decoy\n");
	r = gitdirs_follow(P("%s/wt", d), "/nonexistent", NULL, 0, &g);
	ok(r < 0, "a commondir leading elsewhere: refused (%d)", r);
	/* commondir a FIFO: refused at once, never blocks */
	unlink(P("%s/main/.git/worktrees/wt/commondir", d));
	mkfifo(P("%s/main/.git/worktrees/wt/commondir", d), 0600);
	r = gitdirs_follow(P("%s/wt", d), "/nonexistent", NULL, 0, &g);
	is_int(r, -EINVAL, "a FIFO at commondir: refused");
	/* .git naming a plain directory */
	put(P("%s/wt/.git", d), T("gitdir: %s/decoy\n", d));
	r = gitdirs_follow(P("%s/wt", d), "/nonexistent", NULL, 0, &g);
	is_int(r, -ENOTDIR, "a directory that is no git dir: refused");
	put(P("%s/wt/.git", d), "gitdir: ..\n");
	r = gitdirs_follow(P("%s/wt", d), "/nonexistent", NULL, 0, &g);
	is_int(r, -EPERM, "an ancestor of the project: refused");
	put(P("%s/wt/.git", d), T("gitdir: %s/main/.git/HEAD\n", d));
	r = gitdirs_follow(P("%s/wt", d), "/nonexistent", NULL, 0, &g);
	is_int(r, -ENOTDIR, "a file: refused");
	unlink(P("%s/wt/.git", d));
	is_int(gitdirs_follow(P("%s/wt", d), "/nonexistent", NULL, 0, &g), 0,
	       "no .git file: nothing to follow");
	snprintf(buf, sizeof(buf), "rm -rf '%s'", d);
	ok(system(buf) == 0, "scratch removed");
#undef P
#undef T
}

int main(void)
{
	test_parse();
	test_worktree();
	test_forbidden();
	test_follow();
	return done_testing();
}
