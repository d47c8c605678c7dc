// SPDX-License-Identifier: MIT
/*
 * fence.c - the forwarder's own fence (STYLE 6.7)
 *
 * The forwarder parses every byte the jail sends, outside the jail, with
 * the user's rights. Before it reads the first of them it gives up what it
 * does not need: every capability (a root caller's forwarder has them
 * all), no_new_privs, and a syscall allowlist compiled at build time
 * (tools/fwd_rules.c, carried as filter_blob_fwd) whose default is to kill
 * the process. A killed forwarder stops the jail with it: the supervisor
 * kills the jail when its forwarder dies, so the jail fails closed.
 */
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "jail.h"
#include "setup.h"
#include "fwd/fwd.h"
#include "tools/filtergen.h"

/* Every capability gone (a root caller's forwarder has them all) */
static int drop_privileges(void)
{
	cap_t caps = cap_get_proc();
	cap_flag_value_t v = CAP_CLEAR;

	if (!caps)
		return -errno;
	for (cap_value_t i = 0; i <= CAP_LAST_CAP && v == CAP_CLEAR; i++)
		if (cap_get_flag(caps, i, CAP_PERMITTED, &v) < 0)
			v = CAP_CLEAR;
	cap_free(caps);
	if (v == CAP_SET)
		return creds_drop_all();
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ? -errno : 0;
}

int fwd_fence(void)
{
	struct sock_fprog prog = {
		.len = filter_blob_fwd.len,
		.filter = (struct sock_filter *)filter_blob_fwd.insns,
	};
	int err = drop_privileges();

	if (err < 0)
		return err;
	/* no_new_privs is set: an unprivileged process may load it */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		return -errno;
	return 0;
}
