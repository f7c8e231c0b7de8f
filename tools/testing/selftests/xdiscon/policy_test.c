// SPDX-License-Identifier: GPL-2.0
/*
 * Who may do what: the port rule (a port below the namespace's
 * net.ipv4.ip_unprivileged_port_start needs CAP_NET_BIND_SERVICE in the
 * user namespace that owns the network namespace, on both transports)
 * and SO_PEERCRED / SO_PEERPIDFD on local connections; a cgroup's BPF
 * bind6/connect6 programs hold for the inet transport as for TCP, and so
 * does ip6tables' owner match; a cgroup setsockopt program may turn
 * SO_KEEPALIVE on; the administrator's switches for the inet
 * transport (module parameter inet_enable, per namespace
 * net.xdiscon.inet_needs_cap_net_raw), and what Landlock's TCP rules do
 * and do not see.  Each check that needs another user, another cgroup or
 * another network namespace runs in a child process.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/bpf.h>
#include <linux/landlock.h>
#include <netinet/in.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

#define NOBODY 65534

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	       setresuid(NOBODY, NOBODY, NOBODY);
}

/* bind() of @port on a new socket of the current transport: 0 or errno. */
static int try_bind(unsigned short port)
{
	struct sockaddr_xdiscon a = xd_addr(port);
	int fd = xd_socket(SOCK_STREAM), err = 0;

	if (fd < 0)
		return errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		err = errno;
	close(fd);
	return err;
}

FIXTURE(ports) {
	int dummy;
};

FIXTURE_VARIANT(ports) {
	int transport;
};

FIXTURE_VARIANT_ADD(ports, local) { .transport = XDISCON_TRANSPORT_LOCAL };
FIXTURE_VARIANT_ADD(ports, inet6) { .transport = XDISCON_TRANSPORT_INET };

FIXTURE_SETUP(ports)
{
	xd_use_transport(variant->transport, 0);
}

FIXTURE_TEARDOWN(ports)
{
}

/* In a new network namespace, where the rule is ours to set. */
static int netns_rule(void)
{
	if (unshare(CLONE_NEWNET) || xd_lo_up())
		return 1;
	if (xd_write_file("/proc/sys/net/ipv4/ip_unprivileged_port_start",
		       "2000"))
		return 2;
	if (try_bind(1500))		/* root may */
		return 3;
	if (drop_to_nobody())
		return 4;
	if (try_bind(1999) != EACCES)
		return 5;
	if (try_bind(2000) || try_bind(0))
		return 6;
	return 0;
}

TEST_F(ports, below_unprivileged_start_needs_capability)
{
	EXPECT_EQ(0, xd_in_child(netns_rule));
}

/*
 * An unprivileged user's own user and network namespaces: it holds the
 * capability there, and only there.
 */
static int userns_rule(void)
{
	if (drop_to_nobody())
		return 1;
	if (try_bind(80) != EACCES)
		return 2;
	/* A user namespace alone: the network namespace is still init's. */
	if (unshare(CLONE_NEWUSER))
		return 3;
	if (try_bind(80) != EACCES)
		return 4;
	if (unshare(CLONE_NEWNET) || xd_lo_up())
		return 5;
	if (try_bind(80))
		return 6;
	return 0;
}

TEST_F(ports, unprivileged_user_namespace)
{
	EXPECT_EQ(0, xd_in_child(userns_rule));
}

/* -- SO_PEERCRED on local connections -- */

static unsigned short peer_port;

/* As nobody: connect, and report what SO_PEERCRED says of the listener. */
static int cred_client(void)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd;

	if (drop_to_nobody())
		return 1;
	fd = xd_socket(SOCK_STREAM);
	if (fd < 0 || xd_connect(fd, peer_port))
		return 2;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len))
		return 3;
	if (send(fd, &uc, sizeof(uc), 0) != sizeof(uc))
		return 4;
	/* Stay until the server has looked at our end. */
	if (recv(fd, &uc, 1, 0) < 0)
		return 5;
	close(fd);
	return 0;
}

TEST(peercred_both_ends)
{
	struct ucred mine, theirs;
	socklen_t len = sizeof(mine);
	int lfd, sfd, status, pidfd;
	pid_t pid;

	xd_use_transport(XDISCON_TRANSPORT_LOCAL, 0);
	lfd = xd_listener(SOCK_STREAM, 4);
	ASSERT_LE(0, lfd);
	peer_port = xd_port(lfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(cred_client());
	sfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, sfd);

	/* The accepted end sees the connecting process. */
	ASSERT_EQ(0, getsockopt(sfd, SOL_SOCKET, SO_PEERCRED, &theirs, &len));
	EXPECT_EQ(pid, theirs.pid);
	EXPECT_EQ(NOBODY, theirs.uid);
	EXPECT_EQ(NOBODY, theirs.gid);

	/* SO_PEERPIDFD where the kernel has it (6.5 and later). */
	len = sizeof(pidfd);
	if (getsockopt(sfd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len)) {
		EXPECT_EQ(ENOPROTOOPT, errno);
	} else {
		EXPECT_EQ(0, syscall(SYS_pidfd_send_signal, pidfd, 0, NULL,
				     0));
		close(pidfd);
	}

	/* The connecting end saw the listener's process. */
	ASSERT_EQ(sizeof(mine), recv(sfd, &mine, sizeof(mine), MSG_WAITALL));
	EXPECT_EQ(getpid(), mine.pid);
	EXPECT_EQ(0, mine.uid);
	EXPECT_EQ(0, mine.gid);
	ASSERT_EQ(1, send(sfd, "x", 1, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(sfd);
	close(lfd);
}

/* -- cgroup BPF sock_addr programs and the inet transport -- */

#define CG_DIR "/tmp/xdiscon-cgroup2"
#define CG_TEST CG_DIR "/policy_test"

/*
 * A cgroup/bind6 or cgroup/connect6 program that refuses one port (the
 * program returns 0: the call fails with EPERM) and allows the rest.
 */
static int load_port_filter(enum bpf_attach_type type, unsigned short port)
{
	struct bpf_insn prog[] = {
		/* r2 = ctx->user_port (network order, in the low 16 bits) */
		{ .code = BPF_LDX | BPF_MEM | BPF_W, .dst_reg = 2, .src_reg = 1,
		  .off = offsetof(struct bpf_sock_addr, user_port) },
		{ .code = BPF_JMP | BPF_JEQ | BPF_K, .dst_reg = 2, .off = 2,
		  .imm = htons(port) },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
		.expected_attach_type = type,
		.insns = (uintptr_t)prog,
		.insn_cnt = sizeof(prog) / sizeof(prog[0]),
		.license = (uintptr_t)"GPL",
	};

	return syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}

static int attach_to_cgroup(int cg, int prog, enum bpf_attach_type type)
{
	union bpf_attr attr = {
		.target_fd = cg,
		.attach_bpf_fd = prog,
		.attach_type = type,
	};

	return syscall(SYS_bpf, BPF_PROG_ATTACH, &attr, sizeof(attr));
}

/* connect() or bind() of a plain TCP socket to [::1]:@port: 0 or errno. */
static int tcp_call(int do_bind, unsigned short port)
{
	struct sockaddr_in6 a = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	int fd = socket(AF_INET6, SOCK_STREAM, 0), err = 0;

	if (do_bind ? bind(fd, (struct sockaddr *)&a, sizeof(a)) :
		      connect(fd, (struct sockaddr *)&a, sizeof(a)))
		err = errno;
	close(fd);
	return err;
}

/* The same through the inet transport. */
static int xd_call(int do_bind, unsigned short port)
{
	struct sockaddr_xdiscon a = xd_addr(port);
	int fd = xd_socket(SOCK_STREAM), err = 0;

	if (do_bind ? bind(fd, (struct sockaddr *)&a, sizeof(a)) :
		      connect(fd, (struct sockaddr *)&a, sizeof(a)))
		err = errno;
	close(fd);
	return err;
}

static unsigned short refused_port, open_port;

/*
 * In a cgroup of its own, with programs refusing @refused_port on bind
 * and connect: the inet transport gets what TCP gets, EPERM, and other
 * ports work (an AF_XDISCON listener waits on @open_port).
 */
static int in_filtered_cgroup(void)
{
	char pid[16];
	int cg, prog;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (xd_write_file(CG_TEST "/cgroup.procs", pid))
		return 1;
	cg = open(CG_TEST, O_RDONLY | O_DIRECTORY);
	if (cg < 0)
		return 2;
	prog = load_port_filter(BPF_CGROUP_INET6_CONNECT, refused_port);
	if (prog < 0 || attach_to_cgroup(cg, prog, BPF_CGROUP_INET6_CONNECT))
		return 3;
	prog = load_port_filter(BPF_CGROUP_INET6_BIND, refused_port);
	if (prog < 0 || attach_to_cgroup(cg, prog, BPF_CGROUP_INET6_BIND))
		return 4;
	if (tcp_call(0, refused_port) != EPERM ||
	    tcp_call(1, refused_port) != EPERM)
		return 5;		/* the programs do not work at all */
	if (xd_call(0, refused_port) != EPERM)
		return 6;
	if (xd_call(1, refused_port) != EPERM)
		return 7;
	if (xd_call(0, open_port) || xd_call(1, 0))
		return 8;
	return 0;
}

TEST(cgroup_bpf_sock_addr_holds_for_inet)
{
	int lfd, ret;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	lfd = xd_listener(SOCK_STREAM, 4);
	ASSERT_LE(0, lfd);
	open_port = xd_port(lfd);
	refused_port = open_port + 1;
	mkdir(CG_DIR, 0755);
	ASSERT_EQ(0, mount("none", CG_DIR, "cgroup2", 0, NULL))
		TH_LOG("mount cgroup2: %s", strerror(errno));
	ASSERT_EQ(0, mkdir(CG_TEST, 0755));
	ret = xd_in_child(in_filtered_cgroup);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, rmdir(CG_TEST));
	EXPECT_EQ(0, umount(CG_DIR));
	rmdir(CG_DIR);
	close(lfd);
}

/* -- a cgroup BPF setsockopt program and SO_KEEPALIVE -- */

#define CG_KEEP CG_DIR "/keepalive"

/*
 * A cgroup/setsockopt program that turns SO_KEEPALIVE on, with
 * bpf_setsockopt(), on every socket that sets an option, and lets the
 * call go on.  It runs where nothing may sleep.
 */
static int load_keepalive_setter(void)
{
	struct bpf_insn prog[] = {
		/* r1 = ctx->sk */
		{ .code = BPF_LDX | BPF_MEM | BPF_DW, .dst_reg = 1, .src_reg = 1,
		  .off = offsetof(struct bpf_sockopt, sk) },
		/* *(u32 *)(r10 - 4) = 1 */
		{ .code = BPF_ST | BPF_MEM | BPF_W, .dst_reg = 10, .off = -4,
		  .imm = 1 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 2,
		  .imm = SOL_SOCKET },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 3,
		  .imm = SO_KEEPALIVE },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = 4, .src_reg = 10 },
		{ .code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = 4, .imm = -4 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 5, .imm = 4 },
		{ .code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_setsockopt },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	union bpf_attr attr = {
		.prog_type = BPF_PROG_TYPE_CGROUP_SOCKOPT,
		.expected_attach_type = BPF_CGROUP_SETSOCKOPT,
		.insns = (uintptr_t)prog,
		.insn_cnt = sizeof(prog) / sizeof(prog[0]),
		.license = (uintptr_t)"GPL",
		.log_buf = (uintptr_t)log,
		.log_size = sizeof(log),
		.log_level = 1,
	};
	int fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));

	if (fd < 0)
		fprintf(stderr, "# BPF_PROG_LOAD: %s\n%s", strerror(errno), log);
	return fd;
}

static unsigned short keep_port;

/*
 * In a cgroup whose setsockopt program turns keepalive on: an inet
 * socket that sets any option gets SO_KEEPALIVE, and its TCP socket
 * runs keepalive.
 */
static int keepalive_from_bpf(void)
{
	int cg, prog, fd, v = 0;
	socklen_t len = sizeof(v);
	char pid[16];
	double left;

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (xd_write_file(CG_KEEP "/cgroup.procs", pid))
		return 1;
	cg = open(CG_KEEP, O_RDONLY | O_DIRECTORY);
	if (cg < 0)
		return 2;
	prog = load_keepalive_setter();
	if (prog < 0 || attach_to_cgroup(cg, prog, BPF_CGROUP_SETSOCKOPT))
		return 3;
	fd = xd_socket(SOCK_STREAM);
	if (fd < 0 || xd_connect(fd, keep_port))
		return 4;
	if (xd_tcp_timer(xd_port(fd), keep_port, 0, &left) != 0)
		return 5;		/* no keepalive before */
	if (setsockopt(fd, SOL_XDISCON, XDISCON_DISCDATA, "x", 1))
		return 6;
	if (getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len) || v != 1)
		return 7;
	if (xd_tcp_timer(xd_port(fd), keep_port, 2, &left) != 2)
		return 8;
	close(fd);
	return 0;
}

TEST(cgroup_bpf_setsockopt_keepalive)
{
	int lfd, ret;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	lfd = xd_listener(SOCK_STREAM, 4);
	ASSERT_LE(0, lfd);
	keep_port = xd_port(lfd);
	mkdir(CG_DIR, 0755);
	ASSERT_EQ(0, mount("none", CG_DIR, "cgroup2", 0, NULL))
		TH_LOG("mount cgroup2: %s", strerror(errno));
	ASSERT_EQ(0, mkdir(CG_KEEP, 0755));
	ret = xd_in_child(keepalive_from_bpf);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, rmdir(CG_KEEP));
	EXPECT_EQ(0, umount(CG_DIR));
	rmdir(CG_DIR);
	close(lfd);
}

/* -- ip6tables' owner match and the inet transport's packets -- */

static unsigned short owner_port;

/* As nobody: a connection through the inet transport, one byte each way. */
static int owner_client(void)
{
	char c;
	int fd;

	if (drop_to_nobody())
		return 1;
	fd = xd_socket(SOCK_STREAM);
	if (fd < 0 || xd_connect(fd, owner_port))
		return 2;
	if (send(fd, "x", 1, 0) != 1 || recv(fd, &c, 1, 0) != 1)
		return 3;
	close(fd);
	return 0;
}

/* Packets the OUTPUT rule numbered @num has counted, or -1. */
static long long rule_packets(int num)
{
	char cmd[128], line[512];
	long long pkts = -1;
	FILE *f;
	int n = 0;

	snprintf(cmd, sizeof(cmd),
		 "ip6tables-legacy -L OUTPUT -v -x -n --line-numbers 2>&1");
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%d %lld", &n, &pkts) == 2 && n == num)
			break;
		else
			pkts = -1;
	pclose(f);
	return pkts;
}

static int run(const char *cmd)
{
	int ret = system(cmd);

	return WIFEXITED(ret) ? WEXITSTATUS(ret) : -1;
}

/*
 * In a network namespace of its own: rule 1 counts what user nobody
 * sends to the listener's port, rule 2 what root sends from it.  Each
 * TCP socket of the transport has a file with its owner's credentials:
 * the connecting user's, or for an accepted one the listener's.
 */
static int owner_match(void)
{
	char cmd[256], c;
	int lfd, sfd, status;
	pid_t pid;

	if (unshare(CLONE_NEWNET) || xd_lo_up())
		return 1;
	lfd = xd_listener(SOCK_STREAM, 4);
	if (lfd < 0)
		return 2;
	owner_port = xd_port(lfd);
	snprintf(cmd, sizeof(cmd),
		 "ip6tables-legacy -A OUTPUT -p tcp --dport %u -m owner --uid-owner %d && "
		 "ip6tables-legacy -A OUTPUT -p tcp --sport %u -m owner --uid-owner 0",
		 owner_port, NOBODY, owner_port);
	if (run(cmd))
		return 3;
	if (rule_packets(1) != 0 || rule_packets(2) != 0)
		return 4;
	pid = fork();
	if (pid == 0)
		_exit(owner_client());
	sfd = accept(lfd, NULL, NULL);
	if (sfd < 0 || recv(sfd, &c, 1, 0) != 1 || send(sfd, "y", 1, 0) != 1)
		return 5;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return 6;
	close(sfd);
	close(lfd);
	if (rule_packets(1) <= 0)
		return 7;	/* the client's packets are not nobody's */
	if (rule_packets(2) <= 0)
		return 8;	/* the server's are not root's */
	return 0;
}

TEST(iptables_owner_match_sees_the_caller)
{
	int ret;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	ret = xd_in_child(owner_match);
	EXPECT_EQ(0, ret) TH_LOG("step %d failed", ret);
}

/* -- the administrator's switches for the inet transport -- */

#define NEEDS_RAW "/proc/sys/net/xdiscon/inet_needs_cap_net_raw"
#define INET_ENABLE "/sys/module/xdiscon/parameters/inet_enable"

static int read_int(const char *path)
{
	char buf[16] = "";
	int fd = open(path, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = 0;
	if (fd >= 0)
		close(fd);
	return buf[0] == 'Y' ? 1 : buf[0] == 'N' ? 0 : atoi(buf);
}

/* connect() through the inet transport to @port: 0 or errno. */
static int xd_inet_connect_to(unsigned short port)
{
	int fd = xd_socket(SOCK_STREAM), err = 0;

	if (fd < 0)
		return errno;
	if (xd_connect(fd, port))
		err = errno;
	close(fd);
	return err;
}

/*
 * In a network namespace with the control set: nobody (without
 * CAP_NET_RAW) may neither bind nor connect through the inet transport,
 * root may, and the local transport does not care.
 */
static int needs_raw_in_netns(void)
{
	int lfd;

	if (unshare(CLONE_NEWNET) || xd_lo_up())
		return 1;
	if (read_int(NEEDS_RAW) != 0)
		return 2;
	lfd = xd_listener(SOCK_STREAM, 4);
	if (lfd < 0)
		return 3;
	if (xd_write_file(NEEDS_RAW, "1"))
		return 4;
	if (try_bind(0))
		return 5;		/* root has CAP_NET_RAW */
	if (drop_to_nobody())
		return 6;
	if (try_bind(0) != EPERM)
		return 7;
	if (xd_inet_connect_to(xd_port(lfd)) != EPERM)
		return 8;
	xd_use_transport(XDISCON_TRANSPORT_LOCAL, 0);
	if (try_bind(0))
		return 9;
	return 0;
}

/* A new network namespace starts with the initial namespace's setting. */
static int needs_raw_inherited(void)
{
	if (xd_write_file(NEEDS_RAW, "1"))
		return 1;
	if (unshare(CLONE_NEWNET))
		return 2;
	return read_int(NEEDS_RAW) == 1 ? 0 : 3;
}

TEST(inet_switches)
{
	int ret;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	ASSERT_EQ(0, read_int(NEEDS_RAW));
	ret = xd_in_child(needs_raw_in_netns);
	EXPECT_EQ(0, ret) TH_LOG("netns control: step %d failed", ret);
	ret = xd_in_child(needs_raw_inherited);
	EXPECT_EQ(0, ret) TH_LOG("inheritance: step %d failed", ret);
	ASSERT_EQ(0, xd_write_file(NEEDS_RAW, "0"));

	/* The module parameter refuses even root; a local bind still works. */
	ASSERT_EQ(1, read_int(INET_ENABLE));
	ASSERT_EQ(0, xd_write_file(INET_ENABLE, "N"));
	EXPECT_EQ(EPERM, try_bind(0));
	ASSERT_EQ(0, xd_write_file(INET_ENABLE, "Y"));
	EXPECT_EQ(0, try_bind(0));
	xd_use_transport(XDISCON_TRANSPORT_LOCAL, 0);
	EXPECT_EQ(0, try_bind(0));
}

/* -- Landlock's TCP rules, which the inet transport's sockets escape -- */

#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#define LANDLOCK_RULE_NET_PORT 2
#endif

/* The ruleset attribute and net rule of Landlock ABI 4 (Linux 6.7). */
struct ll_ruleset_attr {
	__u64 handled_access_fs;
	__u64 handled_access_net;
};

struct ll_net_port_attr {
	__u64 allowed_access;
	__u64 port;
} __attribute__((packed));

static unsigned short ll_allowed, ll_xd_port;

/* Confined to "TCP connect to @ll_allowed only": a ruleset fd, or -errno. */
static int ll_tcp_ruleset(void)
{
	struct ll_ruleset_attr attr = {
		.handled_access_net = LANDLOCK_ACCESS_NET_CONNECT_TCP,
	};
	struct ll_net_port_attr rule = {
		.allowed_access = LANDLOCK_ACCESS_NET_CONNECT_TCP,
		.port = ll_allowed,
	};
	int fd = syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (fd < 0)
		return -errno;
	if (syscall(SYS_landlock_add_rule, fd, LANDLOCK_RULE_NET_PORT, &rule,
		    0)) {
		close(fd);
		return -errno;
	}
	return fd;
}

static int tcp_connect_to(unsigned short port)
{
	struct sockaddr_in6 a = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	int fd = socket(AF_INET6, SOCK_STREAM, 0), err = 0;

	if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
		err = errno;
	close(fd);
	return err;
}

/*
 * Confined, as nobody: TCP reaches only the allowed port, the inet
 * transport reaches another (the gap); with the namespace's control set
 * (by the parent, through @sync) it is refused.
 */
static int ll_confined(int sync_in, int sync_out)
{
	int fd = ll_tcp_ruleset();
	char c;

	if (fd < 0)
		return 1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_landlock_restrict_self, fd, 0))
		return 2;
	close(fd);
	if (drop_to_nobody())
		return 3;
	if (tcp_connect_to(ll_allowed))
		return 4;
	if (tcp_connect_to(ll_xd_port) != EACCES)
		return 5;	/* Landlock does not confine TCP at all */
	if (xd_inet_connect_to(ll_xd_port))
		return 6;	/* the documented gap is not there */
	if (write(sync_out, "s", 1) != 1 || read(sync_in, &c, 1) != 1)
		return 7;
	if (xd_inet_connect_to(ll_xd_port) != EPERM)
		return 8;	/* the switch does not close it */
	if (tcp_connect_to(ll_allowed))
		return 9;
	return 0;
}

static int landlock_gap(void)
{
	int tcp, lfd, to_child[2], to_parent[2], status, ret;
	struct sockaddr_in6 a = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	socklen_t len = sizeof(a);
	pid_t pid;
	char c;

	if (unshare(CLONE_NEWNET) || xd_lo_up())
		return 20;
	tcp = socket(AF_INET6, SOCK_STREAM, 0);
	if (bind(tcp, (struct sockaddr *)&a, sizeof(a)) || listen(tcp, 8) ||
	    getsockname(tcp, (struct sockaddr *)&a, &len))
		return 21;
	ll_allowed = ntohs(a.sin6_port);
	lfd = xd_listener(SOCK_STREAM, 8);
	if (lfd < 0)
		return 22;
	ll_xd_port = xd_port(lfd);
	if (pipe(to_child) || pipe(to_parent))
		return 23;
	pid = fork();
	if (pid == 0)
		_exit(ll_confined(to_child[0], to_parent[1]));
	if (read(to_parent[0], &c, 1) == 1) {
		if (xd_write_file(NEEDS_RAW, "1"))
			return 24;
		if (write(to_child[1], "g", 1) != 1)
			return 25;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 26;
	ret = WEXITSTATUS(status);
	close(lfd);
	close(tcp);
	return ret;
}

TEST(landlock_tcp_rules_and_the_switch)
{
	int abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
			  LANDLOCK_CREATE_RULESET_VERSION);
	int ret, fd;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	if (abi < 4) {
		/*
		 * Before Linux 6.7 (Landlock ABI 4) Landlock has no TCP
		 * rules: a confinement to one TCP port cannot be written.
		 */
		fd = ll_tcp_ruleset();
		EXPECT_GT(0, fd);
		TH_LOG("Landlock ABI %d (errno %d): no TCP rules to escape",
		       abi, abi < 0 ? errno : 0);
		return;
	}
	ret = xd_in_child(landlock_gap);
	EXPECT_EQ(0, ret) TH_LOG("step %d failed", ret);
}

TEST_HARNESS_MAIN
