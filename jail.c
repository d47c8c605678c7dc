// SPDX-License-Identifier: MIT
/*
 * jail.c - command line, setup sequence, pid 1, terminal relay, exit status
 *
 * Theory of operation:
 *  1. The supervisor (the user's process) parses and validates the command
 *     line, closes stray descriptors, resolves the project and COMMAND,
 *     blocks the signals it forwards and clone()s the setup child into new
 *     user, mount, pid, ipc, uts, cgroup and (unless --net host) network
 *     namespaces.
 *  2. The supervisor writes the child's uid/gid maps, makes the jail's CA
 *     when a --secret needs one (only now, so that no process of the jail
 *     ever held its key), then sends "go" over
 *     a SOCK_SEQPACKET socketpair. The child set PR_SET_PDEATHSIG first and
 *     treats EOF on the socket as the supervisor's death. While the jail
 *     sets itself up, the supervisor creates the audit log with its start
 *     line and the registry entry, then sends "log ready".
 *  3. The setup child (pid 1 of the new pid namespace) sets the hostname
 *     and forks the command child while the supervisor writes the maps,
 *     and relays "go" to it. Then it brings up lo (or, under --net
 *     filtered, loads the gateway rules and links the gateway and the
 *     jail's namespaces, see setup_gateway()), drops every capability and
 *     re-executes this binary as "jail-init" with an empty environment:
 *     pid 1 then holds no policy, no secret and no host environment.
 *     jail-init makes itself non-dumpable and only then releases the
 *     command child, so nothing in the jail can ever ptrace it or read its
 *     memory.
 *  4. Meanwhile the command child builds the mount view and pivots into
 *     it (pid 1's root moves with it), opens the jail's pseudo-terminal
 *     inside its private devpts and passes the master to the supervisor.
 *  5. It starts a new session (taking the pty as its controlling
 *     terminal), drops capabilities, sets no_new_privs and applies
 *     Landlock; once released by jail-init and told the log is ready, it
 *     closes stray descriptors and loads the seccomp filter as the last
 *     step before execve() with the rebuilt environment.
 *  6. The supervisor relays the terminal, forwards signals to pid 1, kills
 *     the jail on --timeout, serves the asks of --ask and the control
 *     socket (ask.c), and exits with COMMAND's status, which jail-init
 *     passes through as its own exit status.
 *  7. Under --review, once the jail is gone (so nothing can still change
 *     the overlay's upper layer) and the terminal is restored, the
 *     supervisor shows the changes and writes, keeps, applies or
 *     discards them (review.c).
 *
 * Errors in either child are sent to the supervisor as one line and
 * printed there, after the user's terminal has been restored.
 */
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <linux/sched.h>

#include "jail.h"
#include "gitguard.h"

extern char **environ;

#define INIT_NAME "jail-init"

/* Messages from the children carrying a descriptor */
#define MSG_PTY 'P'		/* the pty master */
#define MSG_NOTIFY 'L'		/* the --seccomp-log listener */
#define MSG_LISTENERS 'F'	/* the forwarder's sockets in the gateway */
#define MSG_GITDIRS 'G'		/* the private git dirs' tmpfs (gitguard.c) */

/*
 * From the supervisor, once the audit log holds the start line: COMMAND
 * waits for it, so nothing runs unrecorded, while the log is created in
 * parallel with the jail's setup
 */
#define MSG_LOG_READY 'A'

/* What the supervisor sends with "go" */
struct go_msg {
	bool has_tty;
	bool out_is_tty;
	struct winsize ws;
	struct termios tio;
};

/* Supervisor state that die() must be able to undo */
static struct termios saved_tio;
static bool tio_saved;
static const struct jail_config *review_cfg;	/* --review, until done */
static bool review_done;

static void restore_terminal(void)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved_tio);
}

/* Close inherited descriptors but stdio and --keep-fd ones (STYLE 5) */
static void close_stray_fds(const struct jail_config *cfg)
{
	int err = creds_close_fds(cfg, -1);

	if (err < 0) {
		errno = -err;
		die_errno("close inherited descriptors");
	}
}

/* ---- audit log ----------------------------------------------------- */

/* $XDG_STATE_HOME/jail/log/ID.jsonl, else ~/.local/state/jail/log/ID.jsonl */
static char *default_log_path(const struct jail_config *cfg)
{
	const char *state = getenv("XDG_STATE_HOME");

	if (state && state[0] == '/')
		return xasprintf("%s/jail/log/%s.jsonl", state, cfg->id);
	return xasprintf("%s/.local/state/jail/log/%s.jsonl", config_host_home(),
			 cfg->id);
}

/* Return: 0 or negative errno */
static int open_log(struct jail_config *cfg)
{
	cfg->log_fd = audit_open(cfg->log_path);
	return cfg->log_fd < 0 ? cfg->log_fd : 0;
}

static const char *net_name(enum net_mode m)
{
	return m == NET_HOST ? "host" : m == NET_FILTERED ? "filtered" : "none";
}

/*
 * The start line is the log's first write: a log that opens but cannot
 * take a line (a full filesystem) fails the jail like one that cannot open,
 * so nothing runs unrecorded. Return: 0 or negative errno
 */
static int audit_start(const struct jail_config *cfg)
{
	char cmd[1024] = "";
	size_t used = 0;
	int err;

	for (char *const *a = cfg->argv; *a && used < sizeof(cmd) - 1; a++) {
		int n = snprintf(cmd + used, sizeof(cmd) - used, "%s%s",
				 used ? " " : "", *a);

		if (n < 0)
			break;
		used += (size_t)n;
	}
	{
		const struct audit_field f[] = {
			AF_STR("command", cmd),
			AF_STR("project", cfg->project),
			AF_STR("net", net_name(cfg->net)),
			AF_INT("allow", (long long)cfg->n_allow),
			AF_INT("deny", (long long)cfg->n_deny),
			AF_INT("uid", (long long)cfg->uid),
			AF_STR("review", cfg->review == REVIEW_ASK ? "ask" :
					 cfg->review == REVIEW_KEEP ? "keep" :
					 cfg->review == REVIEW_PATCH ? "patch" :
								       NULL),
		};

		err = audit_write(cfg->log_fd, cfg->id, "start", f,
				  ARRAY_SIZE(f));
	}
	return err < 0 ? err : 0;
}

static void audit_exit(const struct jail_config *cfg, int status,
		       bool timed_out)
{
	const struct audit_field f[] = {
		AF_INT("status", status),
		AF_STR("reason", timed_out ? "timeout" : NULL),
	};

	audit_write(cfg->log_fd, cfg->id, "exit", f, ARRAY_SIZE(f));
}

static void audit_path_event(const struct jail_config *cfg, const char *ev,
			     const char *path)
{
	const struct audit_field f[] = { AF_STR("path", path) };

	audit_write(cfg->log_fd, cfg->id, ev, f, ARRAY_SIZE(f));
}

/*
 * Count this jail's refusals in its log (the forwarder writes its own
 * events there) and print the one summary line the contract asks for.
 */
static void print_denial_summary(const struct jail_config *cfg)
{
	autofclose FILE *f = fopen(cfg->log_path, "re");
	autofree char *line = NULL;
	autofree char *tag = xasprintf("\"jail\":\"%s\"", cfg->id);
	size_t cap = 0, n = 0;

	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		const char *ev;

		if (!strstr(line, tag) || !(ev = strstr(line, "\"event\":\"")))
			continue;
		ev += 9;
		if (!strncmp(ev, "net.deny\"", 9) ||
		    !strncmp(ev, "dns.deny\"", 9) ||
		    !strncmp(ev, "syscall.deny\"", 13) ||
		    !strncmp(ev, "secret.leak\"", 12))
			n++;
	}
	if (n)
		warn("%zu request%s denied; see %s (jail log %s)", n,
		     n == 1 ? " was" : "s were", cfg->log_path, cfg->id);
}

/* ---- registry of running jails (jail ps) ---------------------------- */

static char *run_file;

/* One line in the audit format: ts, jail, "run", pid, command, log */
static void register_running(const struct jail_config *cfg)
{
	autofree char *dir = jail_runtime_dir();
	char line[AUDIT_LINE_MAX];
	struct timespec ts;
	autoclose int fd = -1;
	const struct audit_field f[] = {
		AF_INT("pid", getpid()),
		AF_STR("command", cfg->argv[0]),
		AF_STR("project", cfg->project),
		AF_STR("log", cfg->log_path),
	};
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	n = audit_format(line, sizeof(line), &ts, cfg->id, "run", f,
			 ARRAY_SIZE(f));
	if (n < 0 || mkdir_parents(dir, 0700) < 0)
		return;
	run_file = xasprintf("%s/%s.run", dir, cfg->id);
	fd = open(run_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, line, (size_t)n) < 0) {
		free(run_file);
		run_file = NULL;
	}
}

static void unregister_running(void)
{
	if (run_file)
		unlink(run_file);
}

/* ---- protected paths, checked on the host at exit ------------------ */

struct protect_snap {
	char *path;
	bool existed;
	dev_t dev;
	ino_t ino;
};

struct protect_list {
	struct protect_snap p[JAIL_MAX_MOUNTS + 32];
	size_t n;
};

/* Record what each protected path is before the jail starts */
static void protect_snapshot(const struct jail_config *cfg,
			     struct protect_list *l)
{
	char *paths[ARRAY_SIZE(l->p)];

	l->n = fsview_protected(cfg, paths, ARRAY_SIZE(paths));
	for (size_t i = 0; i < l->n; i++) {
		struct stat st;

		l->p[i].path = paths[i];
		l->p[i].existed = lstat(paths[i], &st) == 0;
		l->p[i].dev = l->p[i].existed ? st.st_dev : 0;
		l->p[i].ino = l->p[i].existed ? st.st_ino : 0;
	}
}

/*
 * A protected path that was swapped (through a symlink, or created where
 * it did not exist) is something the next step outside the jail could run
 * or trust: say so. Return: number of paths that changed.
 */
static size_t protect_verify(const struct jail_config *cfg,
			     const struct protect_list *l)
{
	size_t changed = 0;

	for (size_t i = 0; i < l->n; i++) {
		const struct protect_snap *p = &l->p[i];
		struct stat st;
		bool exists = lstat(p->path, &st) == 0;

		if (!p->existed && exists) {
			warn("protected path \"%s\" was created during the "
			     "run; review it before trusting it",
			     p->path);
			audit_path_event(cfg, "fs.protected_created", p->path);
			changed++;
		} else if (p->existed &&
			   (!exists || st.st_dev != p->dev ||
			    st.st_ino != p->ino)) {
			warn("protected path \"%s\" was replaced or removed "
			     "during the run; review it before trusting it",
			     p->path);
			audit_path_event(cfg, "fs.protected_changed", p->path);
			changed++;
		}
	}
	return changed;
}

/* ---- pid 1 ------------------------------------------------------- */

static const int forwarded_signals[] = { SIGINT,  SIGTERM, SIGHUP,
					 SIGQUIT, SIGUSR1, SIGUSR2,
					 SIGWINCH };

static sigset_t forwarded_set(void)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded_signals); i++)
		sigaddset(&set, forwarded_signals[i]);
	sigaddset(&set, SIGCHLD);
	return set;
}

static int status_to_exit(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return EXIT_JAIL_FAILED;
}

/* ---- command child ----------------------------------------------- */

struct child_ctx {
	const struct jail_config *cfg;
	int chan_fd;		/* to the supervisor; close-on-exec */
	int init_fd;		/* sealed memfd holding jail-init, or -1 */
	int self_fd;		/* O_PATH of this binary, jail-init's fallback */
	const struct go_msg *go;
	/*
	 * --net filtered, setup child: opened before the command child can
	 * pivot (after that our /proc is the jail's read-only one)
	 */
	int proc_fd;		/* the host's procfs */
	int gw_netns_fd;	/* G */
};

static void attach_terminal(int slave_fd)
{
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave_fd, fd) < 0)
			die_errno("attach the terminal");
	if (ioctl(STDIN_FILENO, TIOCSCTTY, 0) < 0)
		die_errno("take the terminal");
	close(slave_fd);
}

static __attribute__((noreturn)) void exec_command(const struct child_ctx *c)
{
	const struct jail_config *cfg = c->cfg;
	char **env = creds_build_env(cfg, environ);
	int err;

	if (cfg->cmd_path)
		execve(cfg->cmd_path, cfg->argv, env);
	else
		execvpe(cfg->argv[0], cfg->argv, env);
	err = errno;
	die_status(err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_EXEC,
		   "exec \"%s\": %s", cfg->argv[0], strerror(err));
}

/*
 * Messages between the setup child (later jail-init), the command child
 * and, under --net filtered, the namespace helper
 */
#define MSG_UNSHARED 'U'	/* helper: the jail's namespaces are made */
#define MSG_NET_NS 'J'		/* setup child: the jail's network namespace */
#define MSG_NET_READY 'N'	/* setup child: J configured; its user ns */
#define MSG_RELEASE 'r'	/* jail-init: pid 1 is clean, go ahead */

static int send_msg(int sock, char tag, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = cbuf;
		mh.msg_controllen = sizeof(cbuf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/*
 * Wait for message @want on @sock; a passed descriptor goes to *@fd.
 * EOF or anything else means the peer died: leave quietly, the peer has
 * reported its own error.
 */
static void expect_msg(int sock, char want, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char tag = 0;
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	ssize_t n;

	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n != 1 || tag != want)
		_exit(EXIT_JAIL_FAILED);
	cm = CMSG_FIRSTHDR(&mh);
	if (fd)
		*fd = -1;
	if (fd && cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
}

/* Landlock is a second fence; a kernel without it runs without it */
static void apply_landlock(const struct jail_config *cfg)
{
	const char *w[JAIL_MAX_MOUNTS + 8];
	size_t n = fsview_writable(cfg, w, ARRAY_SIZE(w));
	int abi = 0, err = landlock_restrict(w, n, &abi);

	if (err < 0 && err != -EOPNOTSUPP) {
		errno = -err;
		die_errno("landlock");
	}
}

/*
 * The seccomp filter is the last step before execve(). Under
 * --seccomp-log its listener goes to the supervisor, which answers and
 * logs each refused call.
 */
static void load_filter(const struct child_ctx *c,
			const struct filter_prog *prog)
{
	int notify_fd = -1, err = filter_install(prog, &notify_fd);

	if (err < 0) {
		errno = -err;
		die_errno("seccomp filter");
	}
	if (notify_fd >= 0) {
		if (send_msg(c->chan_fd, MSG_NOTIFY, notify_fd) < 0)
			die_errno("pass the seccomp listener");
		close(notify_fd);
	}
}

static int open_jail_pty(const struct child_ctx *c);

/* --net filtered: fsview_build() calls this right before /sys is made */
static void enter_jail_netns(void *arg)
{
	int sock = *(const int *)arg, jfd = -1;

	/* A fresh sysfs shows the namespace of the process that mounts it */
	expect_msg(sock, MSG_NET_NS, &jfd);
	if (jfd < 0 || setns(jfd, CLONE_NEWNET) < 0)
		die_errno("network: enter the jail's namespace");
	close(jfd);
}

/*
 * The jail's network namespace belongs to a user namespace of its own,
 * nested in the setup child's: even a capability COMMAND should never
 * have could not reach the gateway's rules. Joined once the view is
 * built, since from there on nothing can be mounted.
 */
static void enter_jail_userns(int sock)
{
	int ufd = -1;

	expect_msg(sock, MSG_NET_READY, &ufd);
	if (ufd < 0 || setns(ufd, CLONE_NEWUSER) < 0)
		die_errno("network: enter the jail's user namespace");
	close(ufd);
}

/*
 * The private git dirs' tmpfs descriptors, in one message: the supervisor
 * copies back only from a complete set
 */
static void send_git_dirs(int chan, int *fds, size_t n)
{
	char cbuf[CMSG_SPACE(GITGUARD_MAX_FDS * sizeof(int))] = { 0 };
	char tag = MSG_GITDIRS;
	struct iovec iov = { .iov_base = &tag, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(n * sizeof(int)) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	if (!n)
		return;
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	if (sendmsg(chan, &mh, MSG_NOSIGNAL) < 0)
		die_errno("pass the private git dirs");
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * Context: the command child, forked by the setup child before "go"
 * (which the setup child relays); it builds the view while pid 1 sets up
 * the network and replaces itself with jail-init
 * Must: start a new session, drop every privilege, exec COMMAND
 */
static __attribute__((noreturn)) void command_child(const struct child_ctx *ctx,
						    int sock)
{
	const bool filtered = ctx->cfg->net == NET_FILTERED;
	struct child_ctx cc = *ctx;
	const struct child_ctx *c = &cc;
	struct filter_prog prog;
	struct go_msg go;
	sigset_t none;
	int slave_fd = -1, git_fd[GITGUARD_MAX_FDS], n_git, err;

	err = filter_prepare(c->cfg, &prog);
	if (err < 0) {
		errno = -err;
		die_errno("seccomp filter");
	}
	/* "go", relayed by the setup child: our maps are written */
	if (recv(sock, &go, sizeof(go), 0) != sizeof(go))
		_exit(EXIT_JAIL_FAILED);
	cc.go = &go;
	n_git = fsview_build(c->cfg, filtered ? enter_jail_netns : NULL, &sock,
			     git_fd);
	send_git_dirs(c->chan_fd, git_fd, (size_t)n_git);
	slave_fd = c->go->has_tty ? open_jail_pty(c) : -1;
	if (filtered)
		enter_jail_userns(sock);
	if (setsid() < 0)
		die_errno("setsid");
	if (slave_fd >= 0)
		attach_terminal(slave_fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	err = limits_apply_rlimits(c->cfg);
	if (err < 0) {
		errno = -err;
		die_errno("--rlimit");
	}
	err = creds_drop_all();
	if (err < 0) {
		errno = -err;
		die_errno("drop privileges");
	}
	apply_landlock(c->cfg);
	/*
	 * Everything above runs while pid 1 sets up the network and replaces
	 * itself with jail-init; COMMAND's own code must not run before pid
	 * 1 is clean, so only what is left waits for the release
	 */
	expect_msg(sock, MSG_RELEASE, NULL);
	close(sock);
	expect_msg(c->chan_fd, MSG_LOG_READY, NULL);
	err = creds_close_fds(c->cfg, c->chan_fd);
	if (err < 0) {
		errno = -err;
		die_errno("close descriptors");
	}
	load_filter(c, &prog);
	exec_command(c);
}

/* ---- setup child (becomes pid 1) ----------------------------------- */

/*
 * Open a pseudo-terminal in the jail's own devpts, so that `tty` inside
 * names a /dev/pts path of the view, and hand the master to the
 * supervisor. Returns the slave.
 */
static int open_jail_pty(const struct child_ctx *c)
{
	char name[64];
	struct termios tio = c->go->tio;
	autoclose int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int unlock = 0, slave;

	if (master < 0)
		die_errno("open /dev/ptmx");
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0)
		die_errno("unlock the pseudo-terminal");
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die_errno("open \"%s\"", name);
	/* Output not going to a terminal stays byte-exact (no CR added) */
	if (!c->go->out_is_tty)
		tio.c_oflag &= ~(tcflag_t)OPOST;
	if (tcsetattr(slave, TCSANOW, &tio) < 0 ||
	    ioctl(slave, TIOCSWINSZ, &c->go->ws) < 0)
		die_errno("set up the pseudo-terminal");
	if (send_msg(c->chan_fd, MSG_PTY, master) < 0)
		die_errno("pass the pseudo-terminal");
	return slave;
}

static void redirect_stdio_to_null(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die_errno("open /dev/null");
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
	close(fd);
}

static __attribute__((noreturn)) void become_init(const struct child_ctx *c,
						  pid_t child, int release_fd)
{
	char a1[16], a2[16];
	char *argv[] = { INIT_NAME, a1, a2, NULL };
	char *envp[] = { NULL };
	int err;

	snprintf(a1, sizeof(a1), "%d", (int)child);
	snprintf(a2, sizeof(a2), "%d", release_fd);
	redirect_stdio_to_null();
	err = creds_drop_all();
	if (err < 0) {
		errno = -err;
		die_errno("drop privileges of pid 1");
	}
	if (fcntl(release_fd, F_SETFD, 0) < 0)
		die_errno("release descriptor");
	if (c->init_fd >= 0)
		syscall(SYS_execveat, c->init_fd, "", argv, envp, AT_EMPTY_PATH);
	/* A kernel that refuses to execute memfds: this binary is jail-init */
	syscall(SYS_execveat, c->self_fd, "", argv, envp, AT_EMPTY_PATH);
	die_errno("exec " INIT_NAME);
}

static void die_err(int err, const char *what)
{
	errno = -err;
	die_errno("%s", what);
}

static int open_net_ns(int proc_fd)
{
	int fd = openat(proc_fd, "ns/net", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die_errno("open a network namespace");
	return fd;
}

/* Hand the forwarder's sockets to the supervisor in one message */
static void send_listeners(int chan, const struct netns_listeners *l)
{
	const int all[4] = { l->tcp4_fd, l->tcp6_fd, l->udp4_fd, l->udp6_fd };
	char cbuf[CMSG_SPACE(4 * sizeof(int))] = { 0 };
	char payload[5] = { MSG_LISTENERS };
	struct iovec iov = { .iov_base = payload, .iov_len = sizeof(payload) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf };
	struct cmsghdr *cm;
	int fds[4] = { -1, -1, -1, -1 };
	size_t n = 0;

	for (size_t i = 0; i < 4; i++) {
		payload[1 + i] = (char)(all[i] >= 0);
		if (all[i] >= 0)
			fds[n++] = all[i];
	}
	mh.msg_controllen = CMSG_SPACE(n * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, n * sizeof(int));
	if (sendmsg(chan, &mh, MSG_NOSIGNAL) < 0)
		die_errno("pass the forwarder's sockets");
}

/*
 * --net filtered: the namespace helper, a child of the setup child that
 * makes the jail's user and network namespaces (U2, J) and only lives
 * until the setup child holds descriptors of them
 */
static __attribute__((noreturn)) void ns_helper(int sock, int proc_fd)
{
	char byte;
	int self;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
		die_errno("unshare the jail's network namespace");
	/*
	 * Our pid means nothing in the setup child's /proc (the host's): hand
	 * over our directory there itself. Not through the path /proc, which
	 * may already be the jail's read-only procfs
	 */
	self = openat(proc_fd, "self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (self < 0)
		die_errno("open /proc/self");
	if (send_msg(sock, MSG_UNSHARED, self) < 0)
		_exit(EXIT_JAIL_FAILED);
	/* EOF: the setup child has what it needs (or died) */
	while (read(sock, &byte, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

/*
 * Fork a child linked to us by a socketpair: the parent keeps @sock[0],
 * the child @sock[1]. Return: as fork(), never negative
 */
static pid_t fork_with_socket(int sock[2])
{
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		die_errno("socketpair");
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	close(sock[pid == 0 ? 0 : 1]);
	return pid;
}

/* Start the namespace helper. Return: our end of its socket */
static int start_ns_helper(const struct child_ctx *c, int c_sock)
{
	int hs[2];

	if (fork_with_socket(hs) == 0) {
		close(c_sock);
		ns_helper(hs[1], c->proc_fd);
	}
	return hs[0];
}

/*
 * Receive the helper's /proc directory, map U2, open the descriptors of
 * U2 and J and let the helper go. Return: J's descriptor
 */
static int take_jail_netns(const struct child_ctx *c, int hs, int *userns_fd)
{
	autoclose int proc = -1;
	int jfd;

	expect_msg(hs, MSG_UNSHARED, &proc);
	if (proc < 0)
		die("network: the namespace helper sent no /proc handle");
	{
		int err = creds_write_maps_at(proc, c->cfg->uid, c->cfg->gid);

		if (err < 0)
			die_err(err, "map the jail's nested user namespace");
	}
	jfd = open_net_ns(proc);
	*userns_fd = openat(proc, "ns/user", O_RDONLY | O_CLOEXEC);
	if (*userns_fd < 0)
		die_errno("open the jail's user namespace");
	/* Held by our descriptors now; jail-init reaps the helper */
	close(hs);
	return jfd;
}

/*
 * --net filtered: the gateway's rules are loaded by a child of their own
 * while pid 1 makes the links (libnftables alone takes milliseconds).
 * They name the gateway's link, not the jail's namespace, so they may go
 * in before it exists. Return: the loader's pid
 */
static pid_t start_rules_loader(const struct child_ctx *c, int c_sock)
{
	pid_t pid = fork();
	char why[256];
	int err;

	if (pid < 0)
		die_errno("fork");
	if (pid > 0)
		return pid;
	close(c_sock);
	err = netns_install_rules(NETNS_TCP_PORT, NETNS_DNS_PORT, c->cfg->ipv6,
				  why, sizeof(why));
	if (err < 0 && why[0])
		die("network: install the gateway rules: %s", why);
	if (err < 0)
		die_err(err, "network: install the gateway rules");
	_exit(0);
}

/* COMMAND is released only once the rules are in place */
static void wait_rules_loader(pid_t pid)
{
	int st = 0;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die_errno("network: wait for the gateway rules");
	/* A loader that failed has reported why */
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		_exit(EXIT_JAIL_FAILED);
}

/*
 * --net filtered. We are in the gateway namespace G. Make the jail's
 * namespace J (in its own user namespace U2), link G and J with a veth,
 * put the redirect rules (loaded meanwhile) and the forwarder's sockets
 * in G, and configure J from inside it. J goes to the command child as soon as it exists (its
 * /sys shows J), U2 once J is ready.
 *
 * Context: setup child, while the command child builds the view
 */
static void setup_gateway(const struct child_ctx *c, int sock)
{
	const struct jail_config *cfg = c->cfg;
	struct netns_listeners l;
	autoclose int jfd = -1;
	autoclose int ufd = -1;
	pid_t rules = start_rules_loader(c, sock);
	int hs = start_ns_helper(c, sock), err;

	jfd = take_jail_netns(c, hs, &ufd);
	if (send_msg(sock, MSG_NET_NS, jfd) < 0)
		die_errno("start the command");
	if ((err = netns_create_veth(jfd)) < 0)
		die_err(err, "network: create the veth");
	if ((err = netns_config_gateway(c->proc_fd, cfg->ipv6)) < 0)
		die_err(err, "network: configure the gateway");
	if ((err = netns_open_listeners(&l, cfg->ipv6)) < 0)
		die_err(err, "network: open the forwarder's sockets");
	send_listeners(c->chan_fd, &l);
	netns_listeners_close(&l);
	if (setns(jfd, CLONE_NEWNET) < 0)
		die_errno("network: enter the jail's namespace");
	if ((err = netns_config_jail(c->proc_fd, cfg->ipv6)) < 0)
		die_err(err, "network: configure the jail's interface");
	/* pid 1 lives in the gateway namespace; only COMMAND is in J */
	if (setns(c->gw_netns_fd, CLONE_NEWNET) < 0)
		die_errno("network: return to the gateway namespace");
	wait_rules_loader(rules);
	if (send_msg(sock, MSG_NET_READY, ufd) < 0)
		die_errno("start the command");
}

static pid_t fork_command_child(const struct child_ctx *c, int sock[2])
{
	pid_t child = fork_with_socket(sock);

	if (child == 0)
		command_child(c, sock[1]);
	return child;
}

static __attribute__((noreturn)) void setup_child(struct child_ctx *c)
{
	struct go_msg go;
	int sock[2];
	pid_t child;

	die_in_child();
	die_set_channel(c->chan_fd);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(EXIT_JAIL_FAILED);
	/* Never hold the user's terminal as controlling tty, even as pid 1 */
	if (setsid() < 0)
		die_errno("setsid");
	if (sethostname("jail", 4) < 0)
		die_errno("set the hostname");
	/*
	 * The command child's pivot_root() moves every root and working
	 * directory that is the old root: ours too, so pid 1 keeps nothing
	 * of the host's tree
	 */
	if (chdir("/") < 0)
		die_errno("chdir /");
	if (c->cfg->net == NET_FILTERED) {
		c->proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (c->proc_fd < 0)
			die_errno("open /proc");
		c->gw_netns_fd = openat(c->proc_fd, "self/ns/net",
					O_RDONLY | O_CLOEXEC);
		if (c->gw_netns_fd < 0)
			die_errno("open the gateway namespace");
	}
	/* Forked while the supervisor writes our maps; it waits for "go" */
	child = fork_command_child(c, sock);
	/* EOF: the supervisor died before releasing us */
	if (recv(c->chan_fd, &go, sizeof(go), 0) != sizeof(go))
		_exit(EXIT_JAIL_FAILED);
	if (send(sock[0], &go, sizeof(go), MSG_NOSIGNAL) != sizeof(go))
		_exit(EXIT_JAIL_FAILED);
	if (c->cfg->net == NET_FILTERED)
		setup_gateway(c, sock[0]);
	else if (c->cfg->net == NET_NONE && netns_loopback_up() < 0)
		die("network: cannot bring up the loopback interface");
	become_init(c, child, sock[0]);
}

/* ---- supervisor -------------------------------------------------- */

struct super {
	const struct jail_config *cfg;
	pid_t pid;		/* pid 1 of the jail, as seen here */
	int chan_fd;
	int sig_fd;
	int timer_fd;
	int master_fd;		/* pty master, or -1 */
	int notify_fd;		/* --seccomp-log listener, or -1 */
	pid_t fwd_pid;		/* the forwarder, or 0 */
	int fwd_status;		/* its wait status once reaped */
	bool fwd_died;		/* it stopped while the jail ran */
	struct crypto_ca *ca;	/* --secret: the jail's CA, or NULL */
	bool setup_done;
	bool timed_out;
	bool stdin_open;
	int status;		/* wait status of pid 1 once reaped */
	bool reaped;
	char inbuf[4096];	/* user's keystrokes not yet written */
	size_t in_len;
	struct ask_srv *ask;	/* --ask, control socket; or NULL */
	int ask_fwd_fd;		/* the forwarder's end of the ask channel */
	int git_fd[GITGUARD_MAX_FDS];	/* the private git dirs' tmpfs, then
					 * the private tmpfs over placeholders */
	size_t n_git_fd;
};

/*
 * The forwarder runs outside the jail in the host's namespaces, as a
 * child of the supervisor. It gets the listening sockets (which live in
 * the gateway namespace) and the log; we keep no copy of the sockets, so
 * when it stops nothing listens and the jail has no way out.
 */
static void start_forwarder(struct super *s, const char *present, int *fds,
			    size_t n)
{
	const struct jail_config *cfg = s->cfg;
	int slot[4] = { -1, -1, -1, -1 };
	const char *proxy = NULL;
	/* After the jail was cloned: only the forwarder gets a copy */
	char **secret_values = secrets_reveal(cfg);
	struct fwd_params p;
	size_t k = 0;
	pid_t pid;

	for (size_t i = 0; i < 4 && k < n; i++)
		if (present[i])
			slot[i] = fds[k++];
	if (!cfg->no_upstream_proxy) {
		proxy = getenv("https_proxy");
		if (!proxy || !*proxy)
			proxy = getenv("HTTPS_PROXY");
	}
	p = (struct fwd_params){
		.cfg = cfg,
		.tcp4_fd = slot[0],
		.tcp6_fd = slot[1],
		.udp4_fd = slot[2],
		.udp6_fd = slot[3],
		.log_fd = cfg->log_fd,
		.jail_id = cfg->id,
		.upstream_proxy = proxy && *proxy ? proxy : NULL,
		.host_ports = cfg->host_ports,
		.n_host_ports = cfg->n_host_ports,
		.ipv6 = cfg->ipv6,
		.parent = getpid(),
		.secret_values = secret_values,
		.ca = s->ca,
		.ask_fd = s->ask_fwd_fd,
	};
	pid = fork();
	if (pid < 0) {
		kill(s->pid, SIGKILL);
		die_errno("start the forwarder");
	}
	if (pid == 0) {
		sigset_t none;

		die_in_child();
		die_set_channel(-1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_IGN);
		fwd_run(&p);
	}
	secrets_forget(secret_values, cfg->n_secrets);
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
	ask_srv_forwarder_started(s->ask);
	s->ask_fwd_fd = -1;
	s->fwd_pid = pid;
}

static void recv_from_child(struct super *s)
{
	char buf[1100] = "";
	char cbuf[CMSG_SPACE(GITGUARD_MAX_FDS * sizeof(int))];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	ssize_t n = recvmsg(s->chan_fd, &mh, MSG_CMSG_CLOEXEC);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	if (n <= 0) {
		/*
		 * A child that died with our "log ready" unread makes the
		 * next recv fail with ECONNRESET once, ahead of the error
		 * lines still queued: read on
		 */
		if (n < 0 && (errno == EINTR || errno == ECONNRESET))
			return;
		s->setup_done = true;
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_PTY) {
		memcpy(&s->master_fd, CMSG_DATA(cm), sizeof(int));
		fcntl(s->master_fd, F_SETFL, O_NONBLOCK);
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_GITDIRS &&
	    n == 1 && !s->n_git_fd && !(mh.msg_flags & MSG_CTRUNC)) {
		s->n_git_fd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		memcpy(s->git_fd, CMSG_DATA(cm), s->n_git_fd * sizeof(int));
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_NOTIFY) {
		memcpy(&s->notify_fd, CMSG_DATA(cm), sizeof(int));
		return;
	}
	if (cm && cm->cmsg_type == SCM_RIGHTS && buf[0] == MSG_LISTENERS &&
	    n == 5 && !s->fwd_pid) {
		int fds[4];
		size_t nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (nfd > 4)
			nfd = 4;
		memcpy(fds, CMSG_DATA(cm), nfd * sizeof(int));
		start_forwarder(s, buf + 1, fds, nfd);
		return;
	}
	restore_terminal();
	(void)write_all(STDERR_FILENO, buf, (size_t)n);
}

static void enter_raw_mode(void)
{
	struct termios raw;

	if (tcgetattr(STDIN_FILENO, &saved_tio) < 0)
		return;
	tio_saved = true;
	raw = saved_tio;
	cfmakeraw(&raw);
	tcsetattr(STDIN_FILENO, TCSADRAIN, &raw);
}

static void reap_children(struct super *s)
{
	int st;

	if (!s->reaped && waitpid(s->pid, &st, WNOHANG) == s->pid) {
		s->status = st;
		s->reaped = true;
	}
	if (s->fwd_pid > 0 && waitpid(s->fwd_pid, &st, WNOHANG) == s->fwd_pid) {
		s->fwd_status = st;
		s->fwd_pid = -1;
		/* Fail closed: without its forwarder the jail is stopped */
		if (!s->reaped) {
			s->fwd_died = true;
			kill(s->pid, SIGKILL);
		}
	}
}

/* Let the forwarder log its open connections, then wait for it (3 s) */
static void stop_forwarder(struct super *s)
{
	autoclose int pfd = -1;

	if (s->fwd_pid <= 0)
		return;
	pfd = (int)syscall(SYS_pidfd_open, s->fwd_pid, 0);
	kill(s->fwd_pid, SIGTERM);
	if (pfd >= 0) {
		struct pollfd p = { pfd, POLLIN, 0 };

		while (poll(&p, 1, 3000) < 0 && errno == EINTR)
			;
	}
	if (waitpid(s->fwd_pid, &s->fwd_status, WNOHANG) != s->fwd_pid) {
		kill(s->fwd_pid, SIGKILL);
		waitpid(s->fwd_pid, &s->fwd_status, 0);
	}
	s->fwd_pid = -1;
}

static void on_signal(struct super *s)
{
	struct signalfd_siginfo si;

	if (read(s->sig_fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGCHLD) {
		reap_children(s);
		return;
	}
	/* The kernel tells the pty's foreground group about size changes */
	if (si.ssi_signo == SIGWINCH && s->master_fd >= 0) {
		struct winsize ws;

		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(s->master_fd, TIOCSWINSZ, &ws);
		return;
	}
	kill(s->pid, (int)si.ssi_signo);
}

static void on_timeout(struct super *s)
{
	uint64_t n;

	if (read(s->timer_fd, &n, sizeof(n)) != sizeof(n))
		return;
	s->timed_out = true;
	kill(s->pid, SIGKILL);
}

/* Copy what COMMAND wrote to the pty to our stdout */
static void pump_output(struct super *s)
{
	char buf[16384];
	ssize_t n = read(s->master_fd, buf, sizeof(buf));

	if (n > 0) {
		(void)write_all(STDOUT_FILENO, buf, (size_t)n);
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* EIO: every slave descriptor is closed */
	close(s->master_fd);
	s->master_fd = -1;
}

static void pump_input(struct super *s, short revents)
{
	if (s->in_len == 0 && (revents & (POLLIN | POLLHUP | POLLERR))) {
		ssize_t n = read(STDIN_FILENO, s->inbuf, sizeof(s->inbuf));

		if (n > 0)
			s->in_len = (size_t)n;
		else if (n == 0 || (errno != EAGAIN && errno != EINTR))
			s->stdin_open = false;
	}
}

static void flush_input(struct super *s)
{
	ssize_t n = write(s->master_fd, s->inbuf, s->in_len);

	if (n > 0) {
		memmove(s->inbuf, s->inbuf + n, s->in_len - (size_t)n);
		s->in_len -= (size_t)n;
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		s->in_len = 0;
	}
}

static void drain_output(struct super *s)
{
	while (s->master_fd >= 0) {
		char buf[16384];
		ssize_t n = read(s->master_fd, buf, sizeof(buf));

		if (n <= 0)
			break;
		(void)write_all(STDOUT_FILENO, buf, (size_t)n);
	}
}

static void audit_syscall_deny(const struct super *s, const char *name,
			       const char *comm, pid_t pid)
{
	const struct audit_field f[] = {
		AF_STR("syscall", name),
		AF_STR("comm", comm),
		AF_INT("pid", pid),
	};

	audit_write(s->cfg->log_fd, s->cfg->id, "syscall.deny", f,
		    ARRAY_SIZE(f));
}

/* Answer one refused system call (--seccomp-log) and record it */
static void on_seccomp_notify(struct super *s)
{
	struct filter_denial d;
	int err = filter_notify_handle(s->notify_fd, &d);

	if (err == -ENOENT || err == -EAGAIN || err == -EINTR)
		return;
	if (err < 0) {
		close(s->notify_fd);
		s->notify_fd = -1;
		return;
	}
	/* Read while the caller was still blocked in the refused call */
	audit_syscall_deny(s, d.name, d.comm[0] ? d.comm : "?", d.pid);
}

enum { P_CHAN, P_SIG, P_TIMER, P_MASTER, P_STDIN, P_NOTIFY, P_N };

#define P_ASK_MAX (ASK_MAX + 16)	/* ask.c's descriptors */

/*
 * While a terminal prompt is up (ask.c), COMMAND's output waits in the
 * pty and the user's keys go to the prompt alone.
 */
static void pause_for_prompt(const struct super *s, struct pollfd *p)
{
	if (!ask_srv_prompting(s->ask))
		return;
	p[P_MASTER].fd = s->in_len ? s->master_fd : -1;
	p[P_MASTER].events = POLLOUT;
	p[P_STDIN].fd = -1;
}

static void supervise(struct super *s)
{
	while (!s->reaped) {
		struct pollfd p[P_N + P_ASK_MAX] = {
			[P_CHAN] = { s->setup_done ? -1 : s->chan_fd, POLLIN,
				     0 },
			[P_SIG] = { s->sig_fd, POLLIN, 0 },
			[P_TIMER] = { s->timer_fd, POLLIN, 0 },
			[P_MASTER] = { s->master_fd,
				       (short)(POLLIN |
					       (s->in_len ? POLLOUT : 0)),
				       0 },
			[P_STDIN] = { s->master_fd >= 0 && s->stdin_open &&
						      !s->in_len ?
					      STDIN_FILENO :
					      -1,
				      POLLIN, 0 },
			[P_NOTIFY] = { s->notify_fd, POLLIN, 0 },
		};
		size_t n_ask;
		bool paused;

		pause_for_prompt(s, p);
		n_ask = ask_srv_pollfds(s->ask, p + P_N, P_ASK_MAX);
		paused = ask_srv_prompting(s->ask);
		if (poll(p, P_N + n_ask, ask_srv_timeout(s->ask)) < 0) {
			if (errno == EINTR)
				continue;
			die_errno("poll");
		}
		ask_srv_events(s->ask, p + P_N, n_ask);
		if (p[P_CHAN].revents) {
			recv_from_child(s);
			if (s->setup_done && s->master_fd >= 0)
				enter_raw_mode();
		}
		if (p[P_SIG].revents)
			on_signal(s);
		if (p[P_TIMER].revents)
			on_timeout(s);
		if (s->master_fd >= 0 && (p[P_MASTER].revents & POLLOUT))
			flush_input(s);
		if (s->master_fd >= 0 && !paused &&
		    (p[P_MASTER].revents & (POLLIN | POLLHUP | POLLERR)))
			pump_output(s);
		if (p[P_STDIN].revents)
			pump_input(s, p[P_STDIN].revents);
		if (p[P_NOTIFY].revents & POLLIN)
			on_seccomp_notify(s);
		else if (p[P_NOTIFY].revents) {
			close(s->notify_fd);
			s->notify_fd = -1;
		}
	}
	drain_output(s);
	/* Error lines sent just before pid 1 exited */
	while (!s->setup_done) {
		struct pollfd p = { s->chan_fd, POLLIN, 0 };

		if (poll(&p, 1, 0) <= 0)
			break;
		recv_from_child(s);
	}
}

static int arm_timer(const struct jail_config *cfg)
{
	struct itimerspec its = { 0 };
	int fd;

	if (!cfg->timeout_ms)
		return -1;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		die_errno("timerfd");
	its.it_value.tv_sec = (time_t)(cfg->timeout_ms / 1000);
	its.it_value.tv_nsec = (long)(cfg->timeout_ms % 1000) * 1000000;
	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		die_errno("timerfd");
	return fd;
}

static void fill_go(struct go_msg *go, const struct jail_config *cfg)
{
	memset(go, 0, sizeof(*go));
	go->has_tty = cfg->is_tty && tcgetattr(STDIN_FILENO, &go->tio) == 0;
	go->out_is_tty = isatty(STDOUT_FILENO);
	if (go->has_tty && ioctl(STDIN_FILENO, TIOCGWINSZ, &go->ws) < 0)
		memset(&go->ws, 0, sizeof(go->ws));
}

static unsigned long clone_flags(const struct jail_config *cfg)
{
	unsigned long f = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID |
			  CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;

	if (cfg->net != NET_HOST)
		f |= CLONE_NEWNET;
	return f;
}

static void explain_clone_error(int err)
{
	const char *hint = hints_userns_refusal(err);

	if (err == EPERM || err == ENOSPC || err == EACCES || err == EINVAL)
		die("user namespaces: creation refused by the kernel (%s); %s",
		    strerrorname_np(err) ? strerrorname_np(err) : "error",
		    hint ? hint : "see jail(1) NOTES");
	errno = err;
	die_errno("clone");
}

/*
 * clone() the setup child into its namespaces; with a cgroup, clone3()
 * starts it inside, so nothing of the jail ever runs outside the limits.
 */
static pid_t clone_jail(const struct jail_config *cfg, int cg_fd)
{
	struct clone_args args = {
		.flags = clone_flags(cfg) | CLONE_INTO_CGROUP,
		.exit_signal = SIGCHLD,
		.cgroup = (uint64_t)cg_fd,
	};

	if (cg_fd < 0)
		return (pid_t)syscall(SYS_clone, clone_flags(cfg) | SIGCHLD,
				      NULL, NULL, NULL, NULL);
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

/*
 * jail-init in a sealed memfd: executing it costs a fraction of loading
 * this binary and its libraries again. Return: the memfd, or -1.
 */
static int make_init_memfd(void)
{
	// cppcheck-suppress comparePointers ; both bound one .incbin blob
	size_t len = (size_t)(jail_init_elf_end - jail_init_elf);
	int fd = memfd_create(INIT_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING |
						 MFD_EXEC);

	/* Kernels before 6.3 know no MFD_EXEC; their memfds are executable */
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(INIT_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -1;
	if (write_all(fd, jail_init_elf, len) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW |
					   F_SEAL_WRITE) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Context: supervisor, after "go", while the jail builds its namespaces
 * and view. A failure here is fatal before COMMAND runs: COMMAND waits
 * for MSG_LOG_READY, and pid 1 dies with us.
 */
static void start_log(struct jail_config *cfg, pid_t jail_pid, int chan_fd)
{
	char ready = MSG_LOG_READY;
	int err = open_log(cfg);

	if (!err)
		err = audit_start(cfg);
	if (err) {
		/* Reaped first, so that the error is the only line */
		kill(jail_pid, SIGKILL);
		waitpid(jail_pid, NULL, 0);
		errno = -err;
		die_errno("audit log \"%s\"", cfg->log_path);
	}
	register_running(cfg);
	/* A jail that already died has reported why; supervise() sees it */
	(void)send(chan_fd, &ready, 1, MSG_NOSIGNAL);
}

static int run_jail(struct jail_config *cfg)
{
	static struct protect_list prot;
	struct super s = { .cfg = cfg,
			   .master_fd = -1,
			   .notify_fd = -1,
			   .stdin_open = true,
			   .ask_fwd_fd = -1 };
	struct child_ctx c = { .cfg = cfg, .proc_fd = -1, .gw_netns_fd = -1 };
	sigset_t set = forwarded_set();
	struct go_msg go;
	int sv[2], err, status;
	autofree char *cg_path = NULL;
	autoclose int cg_fd = limits_cgroup_create(cfg, &cg_path);
	struct placeholders *ph;

	/* The view's sources and the copy-back's destinations */
	gitguard_open(cfg->git);
	/* Before the view is built: it binds them read-only */
	ph = placeholders_make(cfg);
	c.self_fd = open("/proc/self/exe", O_PATH | O_CLOEXEC);
	if (c.self_fd < 0)
		die_errno("open /proc/self/exe");
	c.init_fd = make_init_memfd();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die_errno("socketpair");
	/* Before the jail exists: the prompt's word is printed now */
	s.ask = ask_srv_new(cfg);
	fill_go(&go, cfg);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	s.sig_fd = signalfd(-1, &set, SFD_CLOEXEC);
	if (s.sig_fd < 0)
		die_errno("signalfd");
	s.pid = clone_jail(cfg, cg_fd);
	if (s.pid < 0)
		explain_clone_error(errno);
	if (s.pid == 0) {
		close(sv[0]);
		c.chan_fd = sv[1];
		setup_child(&c);
	}
	close(sv[1]);
	close(c.self_fd);
	if (c.init_fd >= 0)
		close(c.init_fd);
	s.chan_fd = sv[0];
	/* After clone(): nothing of the jail holds these descriptors */
	s.ask_fwd_fd = ask_srv_start(s.ask);
	err = creds_write_maps(s.pid, cfg->uid, cfg->gid);
	if (err < 0) {
		const char *hint = hints_userns_refusal(-err);

		kill(s.pid, SIGKILL);
		/* AppArmor's restriction lets clone() pass and fails here */
		if (hint)
			die("user namespaces: the kernel refused the uid map "
			    "(%s); %s",
			    strerrorname_np(-err), hint);
		errno = -err;
		die_errno("write the user namespace maps");
	}
	/* Now, not before the clone: the jail never had the CA's key */
	if (cfg->ca_bundle_fd >= 0)
		s.ca = secrets_make_ca(cfg);
	if (send(s.chan_fd, &go, sizeof(go), MSG_NOSIGNAL) != sizeof(go)) {
		kill(s.pid, SIGKILL);
		die_errno("start the jail");
	}
	start_log(cfg, s.pid, s.chan_fd);
	s.timer_fd = arm_timer(cfg);
	protect_snapshot(cfg, &prot);
	supervise(&s);
	ask_srv_stop(s.ask);
	stop_forwarder(&s);
	restore_terminal();
	if (s.fwd_died)
		warn("forwarder: stopped while the jail ran (%s %d); the jail was "
		     "stopped with it, so it had no way out",
		     WIFSIGNALED(s.fwd_status) ? "signal" : "status",
		     WIFSIGNALED(s.fwd_status) ? WTERMSIG(s.fwd_status) :
						 WEXITSTATUS(s.fwd_status));
	protect_verify(cfg, &prot);
	{
		size_t n_dirs = cfg->git ? cfg->git->n_dirs : 0;

		placeholders_remove(cfg, ph,
				    s.git_fd + (s.n_git_fd >= n_dirs ? n_dirs : 0),
				    s.n_git_fd >= n_dirs ? s.n_git_fd - n_dirs : 0);
	}
	/* The jail is gone: nothing can change the private git dirs now */
	gitguard_finish(cfg, s.git_fd, s.n_git_fd);
	limits_cgroup_remove(cg_path);
	status = s.timed_out ? EXIT_TIMEOUT :
		 s.fwd_died  ? EXIT_JAIL_FAILED :
			       status_to_exit(s.status);
	/* The jail is gone: nothing can change the upper layer any more */
	if (cfg->review) {
		int rerr = review_finish(cfg);

		review_done = true;
		/* The CI form's result is the patch: no patch, no success */
		if (rerr < 0 && cfg->review == REVIEW_PATCH)
			status = EXIT_JAIL_FAILED;
	}
	audit_exit(cfg, status, s.timed_out);
	if (s.timed_out)
		warn("timeout: COMMAND killed after the --timeout limit");
	print_denial_summary(cfg);
	return status;
}

#ifdef JAIL_SANITIZE
/*
 * The configuration lives as long as the process; LeakSanitizer would
 * report it at every exit. Address and undefined-behaviour checks stay on.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0:abort_on_error=0:exitcode=99";
}
#endif

/*
 * --secret, --hold-push: the memfd the supervisor fills with the CA
 * bundle once the jail is cloned; the setup child inherits it and binds
 * its content over the system bundle paths of the view
 */
static void open_ca_bundle(struct jail_config *cfg)
{
	const char *opt = cfg->n_secrets ? "--secret" : "--hold-push";

	cfg->ca_bundle_path = secrets_bundle_path();
	if (!cfg->ca_bundle_path)
		die("%s: no system CA bundle on this host (looked for "
		    "\"%s\" and %d other paths); without one the intercepted "
		    "hosts' certificates cannot be verified",
		    opt, secrets_bundle_paths[0], SECRETS_N_BUNDLE_PATHS - 1);
	cfg->ca_bundle_fd = memfd_create("jail-ca-bundle", MFD_CLOEXEC);
	if (cfg->ca_bundle_fd < 0)
		die_errno("%s: memfd_create", opt);
}

static void cleanup_at_exit(void)
{
	restore_terminal();
	unregister_running();
	ask_srv_unlink();
	if (!review_done)
		review_abandon(review_cfg);
}

int main(int argc, char **argv)
{
	struct jail_config *cfg;
	int status;

	if (argc > 0 && !strcmp(argv[0], INIT_NAME))
		return init_main(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "trust"))
		return config_trust_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "log"))
		return logview_log_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "ps"))
		return logview_ps_main(argc - 1, argv + 1);
	if (argc > 1 && (!strcmp(argv[1], "pending") ||
			 !strcmp(argv[1], "approve") ||
			 !strcmp(argv[1], "always") || !strcmp(argv[1], "deny") ||
			 !strcmp(argv[1], "revoke")))
		return ctl_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "review"))
		return review_main(argc - 1, argv + 1);
	cfg = xcalloc(1, sizeof(*cfg));
	placeholders_clean_stale();
	config_load(cfg, argc, argv);
	if (cfg->explain) {
		config_explain(cfg);
		return 0;
	}
	close_stray_fds(cfg);
	if (cfg->n_secrets || cfg->n_hold_push)
		open_ca_bundle(cfg);
	if (cfg->net == NET_HOST)
		warn("--net host: the jail shares the host's network, "
		     "unfiltered: nothing limits where it connects");
	/* Named now (--review records it), created once the jail is cloned */
	if (!cfg->log_path)
		cfg->log_path = default_log_path(cfg);
	die_set_cleanup(cleanup_at_exit);
	if (cfg->review) {
		review_prepare(cfg);
		review_cfg = cfg;
	}
	status = run_jail(cfg);
	unregister_running();
	return status;
}
