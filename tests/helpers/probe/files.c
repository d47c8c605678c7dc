// SPDX-License-Identifier: MIT
/*
 * files.c - the probe's attempts on descriptors, files and directories,
 * sockets by name, the environment, the clocks and Landlock
 */
#include "tests/helpers/probe/probe.h"

/* --- descriptors -------------------------------------------------------- */

/* probe fds: list open descriptors; probe fd N: read the first line of N */
int cmd_fds(int argc, char **argv)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	(void)argc;
	(void)argv;
	if (!d)
		return 1;
	printf("fds=");
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && atoi(de->d_name) != dirfd(d))
			printf("%s ", de->d_name);
	printf("\n");
	closedir(d);
	return 0;
}

int cmd_fd(int argc, char **argv)
{
	char buf[256];
	ssize_t n;
	int fd;

	if (argc < 2)
		return 1;
	fd = atoi(argv[1]);
	if (fcntl(fd, F_GETFD) < 0) {
		printf("fd=%d errno=%s\n", fd, ename(errno));
		return 0;
	}
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0) {
		printf("fd=%d open read-errno=%s\n", fd, ename(errno));
		return 0;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	printf("fd=%d open content=%s\n", fd, buf);
	return 0;
}

/* --- paths -------------------------------------------------------------- */

/* probe read PATH...: what a read-only open of each path gives */
int cmd_read(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char buf[256], what[4200];
		int n = read_file(argv[i], buf, sizeof(buf));

		snprintf(what, sizeof(what), "read %s", argv[i]);
		if (n < 0) {
			printf("%s errno=%s\n", what, ename(-n));
			continue;
		}
		buf[strcspn(buf, "\n")] = '\0';
		printf("%s ok content=%s\n", what, buf);
	}
	return 0;
}

/* probe write PATH...: open an existing file for appending, write nothing */
int cmd_write(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char what[4200];
		int fd = open(argv[i], O_WRONLY | O_APPEND | O_CLOEXEC);

		snprintf(what, sizeof(what), "write %s", argv[i]);
		close_if(report(what, fd, errno));
	}
	return 0;
}

/* probe create PATH...: create a new file (left in place if it worked) */
int cmd_create(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char what[4200];
		int fd = open(argv[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      0755);

		snprintf(what, sizeof(what), "create %s", argv[i]);
		close_if(report(what, fd, errno));
	}
	return 0;
}

/* probe rename FROM TO: renamed back at once if it worked */
int cmd_rename(int argc, char **argv)
{
	char what[8300];

	if (argc < 3)
		return 1;
	snprintf(what, sizeof(what), "rename %s %s", argv[1], argv[2]);
	if (TRY(what, rename(argv[1], argv[2])) == 0)
		rename(argv[2], argv[1]);
	return 0;
}

/* probe walkup: chdir("..") far more often than any path is deep */
int cmd_walkup(int argc, char **argv)
{
	char cwd[4096];
	DIR *d;
	struct dirent *de;

	(void)argc;
	(void)argv;
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	if (!getcwd(cwd, sizeof(cwd)))
		strcpy(cwd, "?");
	printf("walkup cwd=%s\n", cwd);
	d = opendir(".");
	if (!d)
		return 1;
	printf("walkup entries=");
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			printf("%s ", de->d_name);
	printf("\n");
	closedir(d);
	return 0;
}

/* --- unix sockets ------------------------------------------------------- */

static void unix_connect(const char *what, const char *name, bool abstract)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	socklen_t alen;
	int fd;

	if (len > sizeof(a.sun_path) - 2)
		return;
	memcpy(a.sun_path + (abstract ? 1 : 0), name, len);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
			   (abstract ? 1 : 0));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		report(what, -1, errno);
		return;
	}
	TRY(what, connect(fd, (struct sockaddr *)&a, alen));
	close(fd);
}

/* probe connect-abstract NAME / probe connect-path PATH */
int cmd_connect_abstract(int argc, char **argv)
{
	if (argc < 2)
		return 1;
	unix_connect("connect-abstract", argv[1], true);
	return 0;
}

int cmd_connect_path(int argc, char **argv)
{
	if (argc < 2)
		return 1;
	unix_connect("connect-path", argv[1], false);
	return 0;
}

/* probe env NAME...: whether each variable is set (never its value) */
int cmd_env(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		printf("env %s=%s\n", argv[i],
		       getenv(argv[i]) ? "set" : "unset");
	return 0;
}

/* --- hostname and time -------------------------------------------------- */

int cmd_host_time(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	/* A bad pointer: an allowed call gives EFAULT */
	TRY("sethostname", syscall(SYS_sethostname, BAD_PTR, 5));
	TRY("setdomainname", syscall(SYS_setdomainname, BAD_PTR, 5));
	/* Both NULL is a no-op for the kernel (glibc's wrapper faults) */
	TRY("settimeofday", syscall(SYS_settimeofday, NULL, NULL));
	TRY("clock_settime", syscall(SYS_clock_settime, CLOCK_REALTIME,
				     NULL));
	TRY("clock_adjtime", syscall(SYS_clock_adjtime, CLOCK_REALTIME,
				     NULL));
	TRY("adjtimex", syscall(SYS_adjtimex, NULL));
	return 0;
}

/* --- Landlock ----------------------------------------------------------- */

/*
 * probe landlock: a process may always write its own /proc/self/comm and
 * signal a process of its own uid, so EACCES and EPERM here come from the
 * Landlock domain (writes outside the granted trees, signal scoping)
 */
int cmd_landlock(int argc, char **argv)
{
	int fd;

	(void)argc;
	(void)argv;
	printf("landlock-abi=%ld\n",
	       syscall(SYS_landlock_create_ruleset, NULL, 0,
		       LANDLOCK_CREATE_RULESET_VERSION));
	fd = open("/proc/self/comm", O_WRONLY | O_CLOEXEC);
	close_if(report("open-write /proc/self/comm", fd, errno));
	fd = open("/proc/self/attr/current", O_WRONLY | O_CLOEXEC);
	close_if(report("open-write /proc/self/attr/current", fd, errno));
	TRY("kill-pid1-sig0", kill(1, 0));
	fd = open("/probe-root-file", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  0600);
	close_if(report("create /probe-root-file", fd, errno));
	return 0;
}
