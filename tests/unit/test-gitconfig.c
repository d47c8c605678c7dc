// SPDX-License-Identifier: MIT
/*
 * test-gitconfig.c - unit tests for gitconfig.c
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

static struct gitcfg_refs r;

static int parse(const char *s)
{
	return gitcfg_parse((const uint8_t *)s, strlen(s), &r);
}

static int check(enum gitstate_kind k, const char *s)
{
	return gitstate_check(k, (const uint8_t *)s, strlen(s));
}

static bool has_exec(const char *s)
{
	return gitstate_todo_has_exec((const uint8_t *)s, strlen(s));
}

#define H40 "0123456789abcdef0123456789abcdef01234567"

/* The items of todo list @s, one letter each (c commit, u label use, d
 * label def, | between lines) into @out; the last return code */
static int todo(const char *s, char *out, size_t size)
{
	struct cursor c = { (const uint8_t *)s, strlen(s) };
	struct gitstate_todo_line l;
	size_t o = 0;
	int rc;

	while ((rc = gitstate_todo_line(&c, &l)) == 1) {
		for (size_t i = 0; i < l.n && o + 2 < size; i++)
			out[o++] = "cud"[l.item[i].kind];
		if (o + 2 < size)
			out[o++] = '|';
	}
	out[o] = '\0';
	return rc;
}

static void test_todo(void)
{
	struct gitstate_todo_line l;
	struct cursor c;
	char out[64];

	is_int(todo("pick " H40 " a\nfixup -C " H40 "\n# pick x\n\nbreak\n",
		    out, sizeof(out)), 0, "todo: picks, a comment, a break");
	is_str(out, "c|c||||", "todo: a commit per pick");
	is_int(todo("label onto\nreset onto\nmerge -C " H40 " topic " H40
		    " # m\nreset [new root]\n", out, sizeof(out)), 0,
	       "todo: labels, a merge");
	is_str(out, "d|u|cuc||", "todo: label set, used, merged");
	is_int(todo("pick 65c7389 abbreviated\n", out, sizeof(out)), -EBADMSG,
	       "todo: an abbreviated id refused");
	is_int(todo("exec touch x\n", out, sizeof(out)), -EBADMSG,
	       "todo: exec refused");
	is_int(todo("frobnicate " H40 "\n", out, sizeof(out)), -EBADMSG,
	       "todo: an unknown command refused");
	is_int(todo("PICK " H40 "\n", out, sizeof(out)), -EBADMSG,
	       "todo: commands are lowercase");
	is_int(todo("merge -C " H40 " a b c d e f g h\n", out, sizeof(out)),
	       -E2BIG, "todo: too many parents");
	is_int(todo("pick\n", out, sizeof(out)), -EBADMSG,
	       "todo: a pick without its commit");
	c = (struct cursor){ (const uint8_t *)"pick " H40, 45 };
	is_int(gitstate_todo_line(&c, &l), 1, "todo: no final newline");
	is_int((int)l.n, 1, "todo: its commit");
	is_int(l.item[0].id[0], 0x01, "todo: the id's first byte");
	is_int(gitstate_todo_line(&c, &l), 0, "todo: then the end");
	c = (struct cursor){ (const uint8_t *)"d x\0y\n", 6 };
	is_int(gitstate_todo_line(&c, &l), -EBADMSG, "todo: a NUL refused");
}

static void test_line_ids(void)
{
	const char *f = H40 "\t\tbranch 'main' of x\nrefs/heads/main\n"
			"0123\n" H40 "\tnot-for-merge\tbranch 'b'\n" H40;
	struct cursor c = { (const uint8_t *)f, strlen(f) };
	uint8_t id[GITSTATE_ID_LEN];

	is_int(gitstate_next_line_id(&c, id), 1, "line ids: FETCH_HEAD's first");
	is_int(id[1], 0x23, "line ids: its id");
	is_int(gitstate_next_line_id(&c, id), 1,
	       "line ids: a branch and a short id skipped");
	is_int(gitstate_next_line_id(&c, id), 1, "line ids: no final newline");
	is_int(gitstate_next_line_id(&c, id), 0, "line ids: the end");
	c = (struct cursor){ (const uint8_t *)H40 "x\n", 42 };
	is_int(gitstate_next_line_id(&c, id), 0,
	       "line ids: 41 hex digits are no id");
}

static bool patch(const char *s, const char *name)
{
	return gitstate_patch_names((const uint8_t *)s, strlen(s), name);
}

static void test_patch(void)
{
	const char *p = "From x\nSubject: add .envrc\n\ndiff --git a/.envrc "
			"b/.envrc\nnew file mode 100644\n--- /dev/null\n"
			"+++ b/.envrc\n@@ -0,0 +1 @@\n+x\n";

	ok(patch(p, ".envrc"), "patch: a new .envrc");
	ok(!patch(p, ".vscode"), "patch: not another name");
	ok(!patch("Subject: .envrc\n\n+.envrc\n", ".envrc"),
	   "patch: the name in the message or content only");
	ok(patch("rename to .githooks/pre-commit\n", ".githooks"),
	   "patch: a rename into the name");
	ok(patch("diff --git \"a/.claude/x\" \"b/.claude/x\"\n", ".claude"),
	   "patch: quoted paths");
	ok(!patch("diff --git a/x.envrc b/x.envrc\n", ".envrc"),
	   "patch: a longer name");
	ok(patch("diff --git a/sub/.envrc b/sub/.envrc\n", ".envrc"),
	   "patch: the name deeper down (refused all the same)");
	ok(gitstate_patch_names((const uint8_t *)"a\0b", 3, ".envrc"),
	   "patch: a NUL byte");
}

static int inert(const char *s)
{
	return gitcfg_is_inert((const uint8_t *)s, strlen(s));
}

/* A new repository's config: what git init and clone write is inert */
static void test_inert(void)
{
	is_int(inert(""), 1, "inert: empty");
	is_int(inert("[core]\n\trepositoryformatversion = 0\n\tfilemode = "
		     "true\n\tbare = false\n\tlogallrefupdates = true\n"),
	       1, "inert: git init");
	is_int(inert("[remote \"origin\"]\n\turl = https://x/y\n\tfetch = "
		     "+refs/heads/*:refs/remotes/origin/*\n[branch \"main\"]"
		     "\n\tremote = origin\n\tmerge = refs/heads/main\n"),
	       1, "inert: git clone");
	is_int(inert("[user]\nname = a\nemail = a@b\n"), 1, "inert: identity");
	is_int(inert("[core]\n\tfsmonitor = ./x.sh\n"), 0,
	       "not inert: core.fsmonitor");
	is_int(inert("[CORE]\nFSMonitor = x\n"), 0, "not inert: any case");
	is_int(inert("[alias]\nst = !sh\n"), 0, "not inert: an alias");
	is_int(inert("[core]\nhooksPath = .h\n"), 0, "not inert: hooksPath");
	is_int(inert("[core]\nworktree = ../..\n"), 0, "not inert: worktree");
	is_int(inert("[include]\npath = x\n"), 0, "not inert: include");
	is_int(inert("[filter \"a\"]\nclean = sh\n"), 0,
	       "not inert: a filter");
	is_int(inert("[remote \"o\"]\nuploadpack = sh\n"), 0,
	       "not inert: remote.*.uploadpack");
	is_int(inert("[remote]\nurl = x\n"), 0,
	       "not inert: remote without a subsection");
	is_int(inert("[core \"x\"]\nbare = true\n"), 0,
	       "not inert: core with a subsection");
	is_int(inert("[extensions]\nworktreeConfig = true\n"), 0,
	       "not inert: worktreeConfig");
	is_int(inert("[core]\nbare = \"x\n"), -EINVAL, "inert: broken file");
}

int main(void)
{
	is_int(parse("[core]\n\thooksPath = .husky\n"), 0, "plain hooksPath");
	is_str(r.hooks_path, ".husky", "hooksPath value");
	is_int(parse("[CORE]\nHOOKSPATH=\"a b\" # c\n"), 0, "case and quotes");
	is_str(r.hooks_path, "a b", "quoted value, comment dropped");
	is_int(parse("[core] hooksPath = .githooks\n"), 0,
	       "entry on the header line");
	is_str(r.hooks_path, ".githooks", "header-line value");
	is_int(parse("[core]\nhooksPath = a\\\nb\n"), 0, "continuation");
	is_str(r.hooks_path, "ab", "continued value");
	is_int(parse("[core]\nhooksPath = x\nhooksPath = y\n"), 0, "twice");
	is_str(r.hooks_path, "y", "the last one wins");
	is_int(parse("[core \"x\"]\nhooksPath = z\n"), 0, "subsection");
	is_str(r.hooks_path, "", "core with a subsection is not core");
	is_int(parse("[include]\npath = a.inc\n[includeIf \"gitdir:/x/\"]\n"
		     "\tpath = ../b.inc\n"),
	       0, "include and includeIf");
	ok(r.n_include == 2 && !strcmp(r.include[0], "a.inc") &&
		   !strcmp(r.include[1], "../b.inc"),
	   "both include paths kept");
	is_int(parse("[include.x]\npath = c\n"), 0, "old subsection form");
	is_int((int)r.n_include, 0, "include with a subsection is not include");
	is_int(parse("[includeif.x]\npath = d\n"), 0,
	       "old form of includeIf");
	is_int((int)r.n_include, 1, "counted");
	is_int(parse("[core]\n\tworktree = ../../../sub\n"), 0, "worktree");
	is_str(r.worktree, "../../../sub", "worktree value");
	is_int(parse("[core]\nbare\n; c\n# d\n\n"), 0, "boolean and comments");
	is_int(parse("[core]\nhooksPath = \"x\n"), -EINVAL, "open quote");
	is_int(parse("hooksPath = x\n"), -EINVAL, "entry before a section");
	is_int(parse("[core\nx=1\n"), -EINVAL, "broken header");
	is_int(parse("[core]\nx = \\q\n"), -EINVAL, "bad escape");
	is_int(gitcfg_parse((const uint8_t *)"", GITCFG_INPUT_MAX + 1, &r),
	       -E2BIG, "too long");
	{
		static char big[4096];

		/* git has no bound: what follows a long entry still counts */
		snprintf(big, sizeof(big),
			 "[core]\nx%0100d = 1\ny = %01500d\nhooksPath = h\n"
			 "[includeIf \"gitdir:%0300d/\"]\npath = i\n", 0, 0, 0);
		is_int(parse(big), 0, "long key, value and subsection");
		is_str(r.hooks_path, "h", "... hooksPath after them is found");
		ok(r.n_include == 1 && !strcmp(r.include[0], "i"),
		   "... so is an includeIf path under a long condition");
		snprintf(big, sizeof(big), "[core]\nhooksPath = %01500d\n", 0);
		is_int(parse(big), 0, "a hooksPath longer than kept");
		is_str(r.hooks_path, "", "... is not kept (cut, it names "
					 "nothing real)");
	}
	is_int(parse("\xef\xbb\xbf[core]\nhooksPath=h\n"), 0, "BOM");
	is_str(r.hooks_path, "h", "value after a BOM");

	is_int(check(GITSTATE_HEAD, "ref: refs/heads/main\n"), 0, "HEAD ref");
	is_int(check(GITSTATE_HEAD, H40 "\n"), 0, "detached HEAD");
	is_int(check(GITSTATE_HEAD, "ref: refs/heads/../../x\n"), -EBADMSG,
	       "HEAD with ..");
	is_int(check(GITSTATE_HEAD, "ref: /etc/passwd\n"), -EBADMSG,
	       "HEAD outside refs/");
	is_int(check(GITSTATE_HEAD, "ref: refs/heads/a\nx\n"), -EBADMSG,
	       "HEAD with two lines");
	is_int(check(GITSTATE_OID, H40 "\n"), 0, "one oid");
	is_int(check(GITSTATE_OID, "xyz\n"), -EBADMSG, "not an oid");
	is_int(check(GITSTATE_OIDS, H40 "\n" H40 "\n"), 0, "two oids");
	is_int(check(GITSTATE_TEXT, "msg\n"), 0, "text");
	is_int(gitstate_check(GITSTATE_TEXT, (const uint8_t *)"a\0b", 3),
	       -EBADMSG, "text with NUL");
	is_int(check(GITSTATE_INDEX, "DIRC\0\0\0\2\0\0\0\0"), -EBADMSG,
	       "short index");
	is_int(gitstate_check(GITSTATE_INDEX,
			      (const uint8_t *)"DIRC\0\0\0\2\0\0\0\0", 12),
	       0, "index signature");

	ok(!has_exec("pick " H40 " a\ndrop " H40 " b\n"), "picks only");
	ok(has_exec("pick " H40 " a\nexec touch /tmp/x\n"), "exec line");
	ok(has_exec("  x make\n"), "x line, indented");
	ok(has_exec("EXEC make\n"), "exec in capitals");
	ok(!has_exec("# exec in a comment\n"), "comment");
	ok(!has_exec("pick " H40 " exec\n"), "exec as a subject word");
	test_inert();
	test_todo();
	test_patch();
	test_line_ids();
	is_int(check(GITSTATE_PACKED, ""), 0, "packed-refs: empty");
	is_int(check(GITSTATE_PACKED,
		     "# pack-refs with: peeled fully-peeled sorted \n" H40
		     " refs/heads/main\n" H40 " refs/tags/v1\n^" H40 "\n"),
	       0, "packed-refs: header, refs, a peeled line");
	is_int(check(GITSTATE_PACKED, "x\n"), -EBADMSG,
	       "packed-refs: a line git refuses");
	is_int(check(GITSTATE_PACKED, H40 " refs/heads/a\n# late\n"),
	       -EBADMSG, "packed-refs: a header after the first line");
	is_int(check(GITSTATE_PACKED, H40 " HEAD\n"), -EBADMSG,
	       "packed-refs: a name outside refs/");
	return done_testing();
}
