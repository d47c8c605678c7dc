// SPDX-License-Identifier: MIT
/*
 * filtergen.c - compile the sandbox filter at build time
 *
 * Usage: filtergen > FILE
 *
 * Writes, as C for filterblob.c, the four variants of the filter that
 * seccomp_rules.c describes (EPERM answers or user notifications for
 * --seccomp-log, each with or without the exec record's notifications), the forwarder's allowlist (fwd_rules.c), their rule
 * counts, the native audit arch, and the name
 * of every native syscall number below FILTER_NAMES_MAX (for
 * syscall.deny events). Runs on the build machine, which is the
 * architecture the binary is for.
 */
#include <linux/filter.h>

#include "jail.h"
#include "setup.h"
#include "tools/filtergen.h"

static void print_program(const char *var, int which)
{
	struct filter_prog prog;
	unsigned int n_rules = 0;
	int err = which < 0 ? fwd_filter_compile(&prog, &n_rules) :
			       filter_compile((unsigned int)which, &prog,
					      &n_rules);

	if (err < 0) {
		fprintf(stderr, "filtergen: cannot compile the filter: %s\n",
			strerror(-err));
		exit(1);
	}
	printf("static const struct sock_filter %s_insns[] = {\n", var);
	for (unsigned int i = 0; i < prog.len; i++) {
		const struct sock_filter *f = &prog.insns[i];

		printf("\t{ 0x%04x, %u, %u, 0x%08x },\n", f->code, f->jt,
		       f->jf, f->k);
	}
	printf("};\n\nconst struct filter_blob %s = {\n"
	       "\t.insns = %s_insns,\n\t.len = %u,\n\t.n_rules = %u,\n};\n\n",
	       var, var, prog.len, n_rules);
	free(prog.insns);
}

int main(void)
{
	printf("/* Written by tools/filtergen.c: do not edit */\n\n");
	print_program("filter_blob_deny", 0);
	print_program("filter_blob_log", FILTER_LOG_DENIALS);
	print_program("filter_blob_exec", FILTER_LOG_EXEC);
	print_program("filter_blob_log_exec",
		      FILTER_LOG_DENIALS | FILTER_LOG_EXEC);
	print_program("filter_blob_fwd", -1);
	printf("const struct filter_blob *const "
	       "filter_blobs[FILTER_N_VARIANTS] = {\n"
	       "\t&filter_blob_deny, &filter_blob_log, &filter_blob_exec,\n"
	       "\t&filter_blob_log_exec,\n};\n\n");
	printf("const uint32_t filter_blob_arch = 0x%08x;\n\n",
	       filter_native_arch());
	printf("const char *const filter_blob_names[FILTER_NAMES_MAX] = {\n");
	for (int nr = 0; nr < FILTER_NAMES_MAX; nr++) {
		const char *name = filter_syscall_name_of(nr);

		if (name)
			printf("\t[%d] = \"%s\",\n", nr, name);
	}
	printf("};\n");
	return fflush(stdout) == 0 ? 0 : 1;
}
