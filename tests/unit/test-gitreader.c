// SPDX-License-Identifier: MIT
/*
 * test-gitreader.c - unit tests for the git configuration reader and the
 * allowlist of what a jail carries (parse/gitconfig.c)
 */
#include "jail.h"
#include "parse/parse.h"
#include "tests/unit/tap.h"

/* Parse @text; the @i-th entry into @e. Return: gitrd_next()'s result */
static int nth(const char *text, int i, struct gitrd_entry *e)
{
	struct gitrd_state st;
	int r;

	gitrd_init(&st, text, strlen(text));
	do {
		r = gitrd_next(&st, e);
	} while (r == 1 && i-- > 0);
	return r;
}

/* The value of @text's first entry, or an error word */
static const char *first_value(const char *text)
{
	static struct gitrd_entry e;
	int r = nth(text, 0, &e);

	if (r == 1 && (e.is_cut || e.sub_is_cut || e.value_is_cut))
		return "CUT";
	return r == 1 ? e.value : r == -EBADMSG ? "EBADMSG" : "END";
}

static void test_syntax(void)
{
	struct gitrd_entry e;

	is_int(nth("[user]\n\tname = A B\n", 0, &e), 1, "an entry");
	is_str(e.section, "user", "section");
	is_str(e.name, "name", "name");
	is_str(e.value, "A B", "value");
	is_int(nth("[User]\n\tEMail=x@y", 0, &e), 1, "no final newline");
	is_str(e.section, "user", "section lowercased");
	is_str(e.name, "email", "name lowercased");
	is_int(nth("[color \"Diff\"]\nmeta = blue\n", 0, &e), 1,
	       "subsection");
	is_str(e.sub, "Diff", "subsection verbatim");
	is_int(nth("[a \"x\\\"y\"]\nk = v\n", 0, &e), 1, "escaped quote");
	is_str(e.sub, "x\"y", "subsection unescaped");
	is_int(nth("[core]\n\tbare\n", 0, &e), 1, "a key alone");
	ok(!e.has_value, "a key alone has no value");
	is_int(nth("# c\n; c\n\n[a] k = 1\n", 0, &e), 1, "comments, entry on the "
	       "header's line");
	is_str(e.value, "1", "entry on the header's line");
	is_int(nth("[a]\nk = 1\nj = 2\n", 1, &e), 1, "second entry");
	is_str(e.name, "j", "second entry's name");
	is_int(nth("[a]\nk = 1\n", 1, &e), 0, "the end");
	is_int(nth("", 0, &e), 0, "empty input");

	is_str(first_value("[a]\nk = x # comment\n"), "x", "comment cut");
	is_str(first_value("[a]\nk = \"x # y\"\n"), "x # y", "quoted #");
	is_str(first_value("[a]\nk = \"  x  \"  \n"), "  x  ",
	       "quoted spaces kept, trailing dropped");
	is_str(first_value("[a]\nk = a\\tb\\\\c\\\"d\n"), "a\tb\\c\"d",
	       "escapes");
	is_str(first_value("[a]\nk = one \\\n two\n"), "one  two",
	       "continued line");
	is_str(first_value("[a]\nk = a\"b\"c\n"), "abc", "inner quotes");
}

static void test_malformed(void)
{
	char big[2048];

	is_str(first_value("k = v\n"), "EBADMSG", "key before a section");
	is_str(first_value("[a\n"), "EBADMSG", "open header");
	is_str(first_value("[]\n"), "EBADMSG", "empty section");
	is_str(first_value("[a \"x]\n"), "EBADMSG", "open subsection");
	is_str(first_value("[a]\nk = \"v\n"), "EBADMSG", "open quote");
	is_str(first_value("[a]\nk = \\q\n"), "EBADMSG", "unknown escape");
	is_str(first_value("[a]\nk = v\\"), "EBADMSG", "final backslash");
	is_str(first_value("[a]\n1k = v\n"), "EBADMSG", "key starts with digit");
	is_str(first_value("[a]\nk x\n"), "EBADMSG", "junk after a key");
	{
		struct gitrd_entry e;
		const char nul[] = "[a]\nk = v\0w\n";
		struct gitrd_state st;

		gitrd_init(&st, nul, sizeof(nul) - 1);
		is_int(gitrd_next(&st, &e), -EBADMSG, "NUL in a value");
	}
	snprintf(big, sizeof(big), "[a]\nk = %01100d\n", 0);
	is_str(first_value(big), "CUT", "value over 1023 bytes: cut, marked");
	snprintf(big, sizeof(big), "[%070d]\nk = v\n", 0);
	is_str(first_value(big), "CUT", "section over 63 bytes");
	snprintf(big, sizeof(big), "[a]\nk%070d = v\n", 0);
	is_str(first_value(big), "CUT", "key over 63 bytes");
	snprintf(big, sizeof(big), "[a \"%0200d\"]\nk = v\n", 0);
	is_str(first_value(big), "CUT", "subsection over 127 bytes");
	{
		struct gitrd_entry e;

		snprintf(big, sizeof(big), "[a]\nk = %01100d\n[b]\nj = w\n",
			 0);
		ok(nth(big, 1, &e) == 1 && !strcmp(e.section, "b") &&
			   !strcmp(e.value, "w") && !e.is_cut &&
			   !e.value_is_cut,
		   "... and reading goes on after a cut entry");
		snprintf(big, sizeof(big), "[%070d]\nk = v\n[b]\nj = w\n", 0);
		ok(nth(big, 1, &e) == 1 && !e.is_cut,
		   "... a new section is not cut");
	}
	is_str(first_value("\xef\xbb\xbf[a]\nk = v\n"), "v", "a BOM");
	is_str(first_value("[a]\nk = x\\\r\ny\n"), "xy",
	       "a continued CRLF line");
	{
		struct gitrd_entry e;

		ok(nth("[Sec.SuB]\nk = v\n", 0, &e) == 1 &&
			   !strcmp(e.section, "sec") && !strcmp(e.sub, "sub"),
		   "the old [section.sub] form: both lower-cased");
	}
}

/* Is the first entry of @text carried? */
static bool carried(const char *text)
{
	struct gitrd_entry e;

	return nth(text, 0, &e) == 1 && gitrd_is_carried(&e);
}

static void test_carried(void)
{
	ok(carried("[user]\nname = A\n"), "user.name");
	ok(carried("[user]\nemail = a@b\n"), "user.email");
	ok(carried("[init]\ndefaultBranch = main\n"), "init.defaultBranch");
	ok(carried("[pull]\nrebase = true\n"), "pull.rebase");
	ok(carried("[core]\neditor = vim\n"), "core.editor (runs inside)");
	ok(carried("[core]\nautocrlf = input\n"), "core.autocrlf");
	ok(carried("[color]\nui = auto\n"), "color.ui");
	ok(carried("[color \"diff\"]\nmeta = blue bold\n"), "color.diff.meta");
	ok(carried("[alias]\nco = checkout\n"), "a plain alias");

	ok(!carried("[credential]\nhelper = store\n"), "no credential.helper");
	ok(!carried("[credential \"https://x\"]\nhelper = x\n"),
	   "no credential.URL.helper");
	ok(!carried("[url \"https://tok@github.com/\"]\ninsteadOf = "
		    "https://github.com/\n"), "no url.*.insteadOf");
	ok(!carried("[http \"https://x\"]\nextraHeader = A: b\n"),
	   "no http.*.extraHeader");
	ok(!carried("[http]\nextraHeader = A: b\n"), "no http.extraHeader");
	ok(!carried("[include]\npath = ~/x\n"), "no include.path");
	ok(!carried("[includeIf \"gitdir:~/\"]\npath = ~/x\n"), "no includeIf");
	ok(!carried("[core]\nsshCommand = ssh -i k\n"), "no core.sshCommand");
	ok(!carried("[core]\nfsmonitor = /bin/x\n"), "no core.fsmonitor");
	ok(!carried("[core]\nhooksPath = /x\n"), "no core.hooksPath");
	ok(!carried("[diff \"pdf\"]\ntextconv = x\n"), "no diff.*.textconv");
	ok(!carried("[diff]\nexternal = x\n"), "no diff.external");
	ok(!carried("[diff]\ntool = meld\n"), "no diff.tool");
	ok(!carried("[filter \"lfs\"]\nclean = git-lfs clean\n"),
	   "no filter.*");
	ok(!carried("[alias]\nx = !sh -c evil\n"), "no alias with !");
	ok(!carried("[alias]\nx =   !sh\n"), "no alias with spaces and !");
	ok(!carried("[user]\nsigningKey = ABC\n"), "no user.signingKey");
	ok(!carried("[commit]\ngpgSign = true\n"), "no commit.gpgSign");
	ok(!carried("[pager]\nlog = x\n"), "no pager.*");
	ok(!carried("[user]\nname = a\\nb\n"), "no control byte in a value");
	ok(!carried("[color]\nui = $(x)\n"), "no odd bytes in a color");
}

int main(void)
{
	test_syntax();
	test_malformed();
	test_carried();
	return done_testing();
}
