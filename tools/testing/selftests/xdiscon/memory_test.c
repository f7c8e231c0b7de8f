// SPDX-License-Identifier: GPL-2.0
/*
 * Receive memory of the inet transport.  What a server has not read is
 * charged to its socket and to the server's memory cgroup (memory.stat
 * "sock"); at the cgroup's memory.max the transport stops reading from
 * TCP (a socket holding nothing still takes one frame), so the senders
 * block, nothing is killed and nothing is lost: the data all arrive once
 * the server reads, one connection after another.  The charge is not in
 * the user socket's own accounting: SO_RESERVE_MEM, which reserves memory
 * there, is refused, as on any socket without it.  The server side runs
 * in a child process in its own cgroup.  And a whole 64 KiB frame fits
 * the transport's TCP socket however small the namespace's tcp_rmem.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#include <sched.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

#ifndef SO_RESERVE_MEM
#define SO_RESERVE_MEM 73
#endif

#define CG_DIR "/tmp/xdiscon-memcg"
#define CG_TEST CG_DIR "/memory_test"

#define NCONN		4
#define LIMIT		(4 << 20)	/* memory.max above the server's use */
#define RCVBUF		(16 << 20)	/* so that SO_RCVBUF is not the bound */
#define CHUNK		65536
#define CAP		(64LL << 20)	/* per connection: no flow control */
/* Past memory.max: at most one frame (with its TCP skbs) per connection. */
#define SLACK		(NCONN * (256 << 10))

/* A number from a cgroup file: the whole file, or the line "@key N". */
static long long read_cg(const char *file, const char *key)
{
	char path[128], buf[8192], *p;
	long long v = -1;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), CG_TEST "/%s", file);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	if (!key)
		return strtoll(buf, NULL, 10);
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : p) {
		size_t k = strlen(key);

		if (!strncmp(p, key, k) && p[k] == ' ') {
			v = strtoll(p + k + 1, NULL, 10);
			break;
		}
	}
	return v;
}

static int join_cgroup(void)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	return xd_write_file(CG_TEST "/cgroup.procs", pid);
}

static int setup_cgroup(struct __test_metadata *_metadata)
{
	mkdir(CG_DIR, 0755);
	if (mount("none", CG_DIR, "cgroup2", 0, NULL)) {
		TH_LOG("mount cgroup2: %s", strerror(errno));
		return -1;
	}
	if (xd_write_file(CG_DIR "/cgroup.subtree_control", "+memory")) {
		TH_LOG("enable the memory controller: %s", strerror(errno));
		return -1;
	}
	if (mkdir(CG_TEST, 0755)) {
		TH_LOG("mkdir %s: %s", CG_TEST, strerror(errno));
		return -1;
	}
	return 0;
}

static void cleanup_cgroup(void)
{
	rmdir(CG_TEST);
	umount(CG_DIR);
	rmdir(CG_DIR);
}

/*
 * A network namespace of the test's own, whose TCP send buffers are small
 * (tcp_wmem is per namespace): what the senders fill is then mostly the
 * server's receive memory, and quickly.
 */
static int small_tcp_netns(struct __test_metadata *_metadata)
{
	if (unshare(CLONE_NEWNET) || xd_lo_up()) {
		TH_LOG("netns: %s", strerror(errno));
		return -1;
	}
	if (xd_write_file("/proc/sys/net/ipv4/tcp_wmem", "4096 65536 262144")) {
		TH_LOG("tcp_wmem: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned char pattern(int conn, long long off)
{
	return (unsigned char)(off * 7 + conn * 31);
}

/* Reserved memory on a socket in a memory cgroup: TCP's, not ours. */
static int reserve_in_cgroup(void)
{
	int val = 65536, tcp, xd;

	if (join_cgroup())
		return 1;
	tcp = socket(AF_INET6, SOCK_STREAM, 0);
	xd = xd_socket(SOCK_STREAM);
	if (tcp < 0 || xd < 0)
		return 2;
	/* The control: the cgroup's socket accounting is on. */
	if (setsockopt(tcp, SOL_SOCKET, SO_RESERVE_MEM, &val, sizeof(val)))
		return 3;
	if (!setsockopt(xd, SOL_SOCKET, SO_RESERVE_MEM, &val, sizeof(val)) ||
	    errno != EOPNOTSUPP)
		return 4;
	return 0;
}

TEST(reserve_mem_is_tcps)
{
	int status;
	pid_t pid;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	ASSERT_EQ(0, setup_cgroup(_metadata));
	pid = fork();
	if (pid == 0)
		_exit(reserve_in_cgroup());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	cleanup_cgroup();
}

/*
 * The server: in the cgroup, a listener with a large SO_RCVBUF (its
 * children inherit it); it sends its port, accepts NCONN connections,
 * says so, then waits for the byte counts the clients sent and reads
 * exactly those, checking every byte.  Its exit code: 0 when all held.
 */
static int server(int to_parent, int from_parent)
{
	static unsigned char buf[CHUNK];
	long long want[NCONN];
	int rcvbuf = RCVBUF, lfd, fds[NCONN], i;
	struct sockaddr_xdiscon a = xd_addr(0);
	unsigned short port;

	if (join_cgroup())
		return 10;
	/*
	 * Every page the server will touch is in before the limit is set:
	 * a page fault in a cgroup that unread socket memory filled has
	 * nothing to reclaim, and the cgroup's OOM killer would take the
	 * server, as it would a TCP server's.
	 */
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		return 18;
	lfd = xd_socket(SOCK_STREAM);
	if (lfd < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, NCONN))
		return 11;
	port = xd_port(lfd);
	if (write(to_parent, &port, sizeof(port)) != sizeof(port))
		return 12;
	for (i = 0; i < NCONN; i++) {
		fds[i] = accept(lfd, NULL, NULL);
		if (fds[i] < 0)
			return 13;
	}
	if (write(to_parent, "a", 1) != 1)
		return 14;
	if (read(from_parent, want, sizeof(want)) != sizeof(want))
		return 15;
	for (i = 0; i < NCONN; i++) {
		long long got = 0;

		while (got < want[i]) {
			size_t n = want[i] - got < CHUNK ? want[i] - got : CHUNK;
			ssize_t r = recv(fds[i], buf, n, 0);
			ssize_t j;

			if (r <= 0)
				return 16;
			for (j = 0; j < r; j++)
				if (buf[j] != pattern(i, got + j))
					return 17;
			got += r;
		}
	}
	return 0;
}

/*
 * Send on every client until none takes more: each has met EAGAIN and
 * none becomes writable within a second.  Returns the bytes each sent.
 */
static void fill(int *fds, long long *sent)
{
	static unsigned char buf[CHUNK];
	struct pollfd pfd[NCONN];
	int i, progress;

	do {
		progress = 0;
		for (i = 0; i < NCONN; i++) {
			ssize_t n, j;

			if (sent[i] >= CAP)
				continue;
			for (j = 0; j < CHUNK; j++)
				buf[j] = pattern(i, sent[i] + j);
			n = send(fds[i], buf, CHUNK, MSG_DONTWAIT);
			if (n > 0) {
				sent[i] += n;
				progress = 1;
			}
		}
		if (progress)
			continue;
		for (i = 0; i < NCONN; i++)
			pfd[i] = (struct pollfd){ .fd = fds[i],
						  .events = POLLOUT };
		progress = poll(pfd, NCONN, 1000) > 0;
	} while (progress);
}

/*
 * Whole frames through a small tcp_rmem: @nrec records (or writes) of
 * 64 KiB, the most one frame carries, go one way, sent and read
 * without blocking so one process does both; every byte is checked.
 * 0, or which step failed.
 */
#define FRAME_DATA	65536
#define FRAMES		16

static int frames_one_way(int type)
{
	static unsigned char out[FRAME_DATA], in[FRAME_DATA + 1];
	long long sent = 0, got = 0, total = (long long)FRAMES * FRAME_DATA;
	int lfd, c, s;

	lfd = xd_listener(type, 1);
	if (lfd < 0)
		return 20;
	c = xd_pair(type, lfd, &s);
	if (c < 0)
		return 21;
	while (got < total) {
		struct pollfd pfd[2] = {
			{ .fd = c, .events = sent < total ? POLLOUT : 0 },
			{ .fd = s, .events = POLLIN },
		};
		ssize_t n, j;

		if (poll(pfd, 2, 5000) <= 0)
			return 22;	/* stalled */
		if (pfd[0].revents & POLLOUT) {
			for (j = 0; j < FRAME_DATA; j++)
				out[j] = pattern(type, sent + j);
			n = send(c, out, FRAME_DATA, MSG_DONTWAIT);
			if (n < 0 && errno != EAGAIN)
				return 23;
			if (n > 0)
				sent += n;
		}
		if (!(pfd[1].revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		n = recv(s, in, sizeof(in), MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0)
			return 24;	/* reset, or an early end */
		if (type == SOCK_SEQPACKET && n != FRAME_DATA)
			return 25;
		for (j = 0; j < n; j++)
			if (in[j] != pattern(type, got + j))
				return 26;
		got += n;
	}
	close(c);
	close(s);
	close(lfd);
	return 0;
}

static int frames_in_small_tcp_rmem(void)
{
	int ret;

	if (unshare(CLONE_NEWNET) || xd_lo_up())
		return 10;
	/* Smaller than one frame, from the first byte to the most. */
	if (xd_write_file("/proc/sys/net/ipv4/tcp_rmem", "4096 8192 32768"))
		return 11;
	ret = frames_one_way(SOCK_SEQPACKET);
	if (ret)
		return ret;
	ret = frames_one_way(SOCK_STREAM);
	return ret ? ret + 10 : 0;
}

TEST(whole_frames_fit_a_small_tcp_rmem)
{
	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	EXPECT_EQ(0, xd_in_child(frames_in_small_tcp_rmem));
}

FIXTURE(memcg) {
	int dummy;
};

FIXTURE_SETUP(memcg)
{
}

FIXTURE_TEARDOWN(memcg)
{
}

TEST_F_TIMEOUT(memcg, unread_data_is_charged_and_held_at_memory_max, 120)
{
	int to_child[2], to_parent[2], fds[NCONN], status, i;
	long long sent[NCONN] = { 0 }, cur, max, sock, total = 0;
	unsigned short port;
	char limit[32], c;
	double t0, t1;
	pid_t pid;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	ASSERT_EQ(0, small_tcp_netns(_metadata));
	ASSERT_EQ(0, setup_cgroup(_metadata));
	ASSERT_EQ(0, pipe(to_child));
	ASSERT_EQ(0, pipe(to_parent));
	pid = fork();
	if (pid == 0)
		_exit(server(to_parent[1], to_child[0]));
	ASSERT_EQ(sizeof(port), read(to_parent[0], &port, sizeof(port)));

	/* The limit: what the server uses now, and LIMIT more. */
	cur = read_cg("memory.current", NULL);
	ASSERT_LT(0, cur);
	snprintf(limit, sizeof(limit), "%lld", cur + LIMIT);
	ASSERT_EQ(0, xd_write_file(CG_TEST "/memory.max", limit));
	max = cur + LIMIT;

	for (i = 0; i < NCONN; i++) {
		fds[i] = xd_socket(SOCK_STREAM);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, xd_connect(fds[i], port));
	}
	ASSERT_EQ(1, read(to_parent[0], &c, 1));
	t0 = now();
	fill(fds, sent);
	t1 = now();

	for (i = 0; i < NCONN; i++) {
		EXPECT_GT(CAP, sent[i]) TH_LOG("conn %d never blocked", i);
		total += sent[i];
	}
	sock = read_cg("memory.stat", "sock");
	cur = read_cg("memory.current", NULL);
	TH_LOG("sent %lld bytes in %.1f s; the server's cgroup: sock %lld, current %lld, max %lld",
	       total, t1 - t0, sock, cur, max);
	/* Unread data is charged: most of the limit is socket memory. */
	EXPECT_LT(LIMIT / 2, sock);
	EXPECT_GE(max + SLACK, cur);
	EXPECT_EQ(0, read_cg("memory.events", "oom_kill"));

	/* Now the server reads: everything sent arrives, in order. */
	ASSERT_EQ(sizeof(sent), write(to_child[1], sent, sizeof(sent)));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	TH_LOG("the server read it all in %.1f s", now() - t1);
	EXPECT_TRUE(WIFEXITED(status)) TH_LOG("server killed: signal %d",
					       WTERMSIG(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, read_cg("memory.events", "oom_kill"));
	for (i = 0; i < NCONN; i++)
		close(fds[i]);
	cleanup_cgroup();
}

TEST_HARNESS_MAIN
