// SPDX-License-Identifier: MIT
/*
 * hints.c - why the kernel refused a user namespace, and what to do
 *
 * When clone(CLONE_NEWUSER) fails, the errno alone does not say which of
 * the usual suspects refused it. hints_userns_facts() gathers what the
 * host shows (sysctls, container markers, our own seccomp state) and
 * hints_userns_choose(), a pure function, picks the one-line hint. Only
 * files under /proc and two container marker files are read; nothing is
 * changed.
 *
 * hints_procfs_*() do the same for the one mount a container engine's
 * defaults break: a new procfs, which the kernel refuses while the /proc
 * jail starts from has paths masked by mounts over them.
 */
#include <fcntl.h>
#include <limits.h>

#include "jail.h"
#include "run/run.h"

/* Read a small file into @buf (NUL-terminated). Return: length or -errno */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t used;

	if (fd < 0)
		return -errno;
	used = read_bounded(fd, buf, len - 1);
	if (used >= 0)
		buf[used] = '\0';
	return used;
}

/* An integer sysctl, or -1 when it is absent or unreadable */
static long long read_sysctl(const char *path)
{
	char buf[32];
	unsigned long long v;

	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_uint(buf, 0, LLONG_MAX, &v) < 0)
		return -1;
	return (long long)v;
}

/* Seccomp mode of this process from /proc/self/status, or -1 */
static int seccomp_mode(void)
{
	char buf[4096];
	const char *p;

	if (read_small("/proc/self/status", buf, sizeof(buf)) <= 0)
		return -1;
	p = strstr(buf, "\nSeccomp:");
	if (!p)
		return -1;
	p += strlen("\nSeccomp:");
	while (*p == ' ' || *p == '\t')
		p++;
	return *p >= '0' && *p <= '2' ? *p - '0' : -1;
}

static bool in_container(void)
{
	static const char *const engines[] = { "docker", "containerd",
					       "kubepods", "libpod", "lxc" };
	char buf[4096];

	if (access("/.dockerenv", F_OK) == 0 ||
	    access("/run/.containerenv", F_OK) == 0)
		return true;
	if (read_small("/proc/1/cgroup", buf, sizeof(buf)) <= 0)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(engines); i++)
		if (strstr(buf, engines[i]))
			return true;
	return false;
}

void hints_userns_facts(struct hints_userns *h, int err)
{
	const char *jail = getenv("JAIL");

	memset(h, 0, sizeof(*h));
	h->err = err;
	h->is_root = geteuid() == 0;
	h->max_user_namespaces = read_sysctl("/proc/sys/user/max_user_namespaces");
	h->unprivileged_userns_clone =
		read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
	h->apparmor_restrict = read_sysctl(
		"/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	h->seccomp_mode = seccomp_mode();
	h->in_container = in_container();
	h->in_jail = jail && !strcmp(jail, "1");
}

const char *hints_userns_choose(const struct hints_userns *h)
{
	if (h->max_user_namespaces == 0)
		return "user namespaces are disabled (user.max_user_namespaces "
		       "is 0); enable them: sudo sysctl -w "
		       "user.max_user_namespaces=15000";
	if (h->err == ENOSPC)
		return "the user namespace limit is reached (see "
		       "user.max_user_namespaces); raise it: sudo sysctl -w "
		       "user.max_user_namespaces=15000";
	if (h->unprivileged_userns_clone == 0 && !h->is_root)
		return "unprivileged user namespaces are disabled "
		       "(kernel.unprivileged_userns_clone is 0); enable them: "
		       "sudo sysctl -w kernel.unprivileged_userns_clone=1";
	if (h->in_jail && h->seccomp_mode == 2)
		return "already inside a jail, whose seccomp filter refuses "
		       "new user namespaces; run jail outside it";
	if (h->in_container && h->seccomp_mode == 2)
		return "inside a container whose seccomp profile refuses user "
		       "namespaces; run it with --security-opt "
		       "seccomp=unconfined, or --security-opt seccomp=PROFILE "
		       "with a profile that allows clone and unshare with "
		       "CLONE_NEWUSER";
	if (h->apparmor_restrict == 1 && !h->is_root)
		return "AppArmor restricts unprivileged user namespaces "
		       "(kernel.apparmor_restrict_unprivileged_userns is 1); "
		       "load jail's profile with: sudo make install (it "
		       "installs /etc/apparmor.d/jail), or for a jail binary "
		       "elsewhere: sudo sysctl -w "
		       "kernel.apparmor_restrict_unprivileged_userns=0";
	if (h->seccomp_mode == 2)
		return "a seccomp filter on this process (a sandbox or "
		       "container jail runs in) refuses user namespaces; run "
		       "jail outside it";
	return NULL;
}

const char *hints_userns_refusal(int err)
{
	struct hints_userns h;

	hints_userns_facts(&h, err);
	return hints_userns_choose(&h);
}

const char *hints_procfs_choose(int err, bool in_container)
{
	if (err != EPERM)
		return NULL;
	if (in_container)
		return "the container's /proc has paths masked with mounts, "
		       "so the kernel refuses a new procfs; run the container "
		       "with --security-opt unmask=/proc/* (podman) or "
		       "--security-opt systempaths=unconfined (docker); in "
		       "Kubernetes, securityContext.procMount: Unmasked";
	return "this /proc has paths hidden by mounts over them, so the "
	       "kernel refuses a new procfs; run jail where /proc is not "
	       "masked (see jail(1) NOTES)";
}

const char *hints_procfs_refusal(int err)
{
	return hints_procfs_choose(err, in_container());
}

const char *hints_setup_choose(const struct hints_userns *h)
{
	if (h->err != EPERM)
		return NULL;
	if (h->in_container && h->seccomp_mode == 2 && !h->in_jail)
		return "the container's seccomp profile refuses what jail "
		       "does in its own namespaces (sethostname, mount); run "
		       "the container with --security-opt seccomp=unconfined, "
		       "or --security-opt seccomp=PROFILE with a profile that "
		       "allows them";
	return hints_userns_choose(h);
}

const char *hints_setup_refusal(int err)
{
	struct hints_userns h;

	hints_userns_facts(&h, err);
	return hints_setup_choose(&h);
}
