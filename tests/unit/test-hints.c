// SPDX-License-Identifier: MIT
/*
 * test-hints.c - unit tests for hints.c: which hint for which host
 */
#include "jail.h"
#include "run/run.h"
#include "tests/unit/tap.h"

/* A host where nothing refuses user namespaces */
static struct hints_userns plain(void)
{
	return (struct hints_userns){ .err = EPERM,
				      .max_user_namespaces = 15000,
				      .unprivileged_userns_clone = -1,
				      .apparmor_restrict = -1,
				      .seccomp_mode = 0 };
}

static bool has(const char *hint, const char *want)
{
	return hint && strstr(hint, want);
}

int main(void)
{
	struct hints_userns h = plain();

	ok(!hints_userns_choose(&h), "no known cause: no hint");

	h.max_user_namespaces = 0;
	ok(has(hints_userns_choose(&h), "user.max_user_namespaces=15000"),
	   "max_user_namespaces 0: the sysctl to raise it");
	h = plain();
	h.err = ENOSPC;
	ok(has(hints_userns_choose(&h), "limit is reached"),
	   "ENOSPC: the limit is reached");

	h = plain();
	h.unprivileged_userns_clone = 0;
	ok(has(hints_userns_choose(&h),
	       "sysctl -w kernel.unprivileged_userns_clone=1"),
	   "unprivileged_userns_clone 0: the sysctl");
	h.is_root = true;
	ok(!hints_userns_choose(&h), "... which does not apply to root");

	h = plain();
	h.apparmor_restrict = 1;
	ok(has(hints_userns_choose(&h), "sudo make install"),
	   "AppArmor restriction: install the profile");
	ok(has(hints_userns_choose(&h),
	       "kernel.apparmor_restrict_unprivileged_userns"),
	   "AppArmor restriction: names the sysctl");
	h.apparmor_restrict = 0;
	ok(!hints_userns_choose(&h), "AppArmor without restriction: no hint");

	h = plain();
	h.in_container = true;
	ok(!hints_userns_choose(&h), "a container without seccomp: no hint");
	h.seccomp_mode = 2;
	ok(has(hints_userns_choose(&h), "--security-opt seccomp=unconfined"),
	   "a container's seccomp profile: the Docker flag");
	h.apparmor_restrict = 1;
	ok(has(hints_userns_choose(&h), "--security-opt"),
	   "the container's seccomp profile comes before AppArmor");

	h = plain();
	h.seccomp_mode = 2;
	h.in_jail = true;
	ok(has(hints_userns_choose(&h), "already inside a jail"),
	   "inside a jail");
	h.in_jail = false;
	ok(has(hints_userns_choose(&h), "seccomp filter"),
	   "another seccomp sandbox");

	h = plain();
	h.max_user_namespaces = 0;
	h.in_container = true;
	h.seccomp_mode = 2;
	ok(has(hints_userns_choose(&h), "max_user_namespaces"),
	   "a sysctl that disables namespaces for everyone comes first");

	/* On this machine: gathering the facts works and changes nothing */
	hints_userns_facts(&h, EPERM);
	ok(h.err == EPERM && h.seccomp_mode >= 0, "facts of this host");
	diag("this host: max %lld, clone %lld, apparmor %lld, seccomp %d, "
	     "container %d, hint: %s",
	     h.max_user_namespaces, h.unprivileged_userns_clone,
	     h.apparmor_restrict, h.seccomp_mode, h.in_container,
	     hints_userns_refusal(EPERM) ? hints_userns_refusal(EPERM) :
					   "(none)");
	ok(!hints_procfs_choose(ENOENT, true), "procfs: another errno, no hint");
	ok(strstr(hints_procfs_choose(EPERM, true), "unmask=/proc/*") &&
		   strstr(hints_procfs_choose(EPERM, true),
			  "systempaths=unconfined"),
	   "procfs refused in a container: podman's and docker's settings");
	ok(strstr(hints_procfs_choose(EPERM, false), "masked"),
	   "procfs refused elsewhere: says /proc is masked");
	{
		struct hints_userns c = plain();

		c.in_container = true;
		c.seccomp_mode = 2;
		ok(strstr(hints_setup_choose(&c), "seccomp=unconfined") &&
			   strstr(hints_setup_choose(&c), "sethostname"),
		   "setup refused in a container with a filter: its profile");
		c.err = EINVAL;
		ok(!hints_setup_choose(&c), "setup: another errno, no hint");
	}
	return done_testing();
}
