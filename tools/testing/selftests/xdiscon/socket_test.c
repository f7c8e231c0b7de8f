// SPDX-License-Identifier: GPL-2.0
/*
 * AF_XDISCON socket creation: types, protocols, family number; and at
 * scale, each network namespace's local port space and /proc listing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

TEST(family_is_loaded_default)
{
	ASSERT_EQ(AF_XDISCON_DEFAULT, xd_family());
}

FIXTURE(types) {
	int fd;
};

FIXTURE_VARIANT(types) {
	int type;
};

FIXTURE_VARIANT_ADD(types, stream) { .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(types, seqpacket) { .type = SOCK_SEQPACKET };

FIXTURE_SETUP(types)
{
	self->fd = -1;
}

FIXTURE_TEARDOWN(types)
{
	if (self->fd >= 0)
		close(self->fd);
}

TEST_F(types, create)
{
	int type = -1, domain = -1;
	socklen_t len = sizeof(type);

	self->fd = xd_socket(variant->type);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_TYPE, &type, &len));
	EXPECT_EQ(variant->type, type);
	len = sizeof(domain);
	ASSERT_EQ(0, getsockopt(self->fd, SOL_SOCKET, SO_DOMAIN, &domain,
				&len));
	EXPECT_EQ(xd_family(), domain);
}

TEST_F(types, create_flags)
{
	self->fd = xd_socket(variant->type | SOCK_NONBLOCK | SOCK_CLOEXEC);
	ASSERT_LE(0, self->fd);
	EXPECT_NE(0, fcntl(self->fd, F_GETFL) & O_NONBLOCK);
	EXPECT_NE(0, fcntl(self->fd, F_GETFD) & FD_CLOEXEC);
}

TEST_F(types, wrong_protocol)
{
	EXPECT_EQ(-1, socket(xd_family(), variant->type, IPPROTO_TCP));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	EXPECT_EQ(-1, socket(xd_family(), variant->type, 1));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST(wrong_types)
{
	static const int types[] = {
		SOCK_DGRAM, SOCK_RAW, SOCK_RDM, 0, SOCK_PACKET,
	};
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		EXPECT_EQ(-1, socket(xd_family(), types[i], 0));
		EXPECT_EQ(ESOCKTNOSUPPORT, errno) {
			TH_LOG("type %d", types[i]);
		}
	}
}

/* -- at scale: the local port space and /proc, per namespace -- */

/* The namespace's ip_local_port_range, set small enough to fill. */
#define EPHEMERAL_LO	40000
#define EPHEMERAL_N	2000
#define EXPLICIT_PORT	(EPHEMERAL_LO + 100)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int raise_nofile(void)
{
	struct rlimit rl = { 4096, 4096 };

	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* A local stream socket bound to @port (0: ephemeral), or -errno. */
static int bound_socket(unsigned short port)
{
	struct sockaddr_xdiscon a = xd_addr(port);
	int fd = xd_socket(SOCK_STREAM);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/*
 * In a new namespace whose ip_local_port_range has EPHEMERAL_N ports:
 * with one of them bound by hand, ephemeral binds take every other port
 * of the range exactly once, then fail with EADDRINUSE; a port given
 * back is the next one taken; another namespace has its whole range
 * free.  Returns 0, or the step that failed.
 */
static int fill_ephemeral(void)
{
	static int fds[EPHEMERAL_N];
	static unsigned char seen[EPHEMERAL_N];
	int n, fd, explicit_fd, again;
	unsigned short port;
	char range[32];
	double t0;

	if (raise_nofile() || unshare(CLONE_NEWNET))
		return 1;
	snprintf(range, sizeof(range), "%d %d", EPHEMERAL_LO,
		 EPHEMERAL_LO + EPHEMERAL_N - 1);
	if (xd_write_file("/proc/sys/net/ipv4/ip_local_port_range", range))
		return 1;
	explicit_fd = bound_socket(EXPLICIT_PORT);
	if (explicit_fd < 0)
		return 2;
	t0 = now();
	for (n = 0; n < EPHEMERAL_N; n++) {
		fd = bound_socket(0);
		if (fd == -EADDRINUSE)
			break;
		if (fd < 0)
			return 3;
		port = xd_port(fd);
		if (port < EPHEMERAL_LO || port - EPHEMERAL_LO >= EPHEMERAL_N ||
		    port == EXPLICIT_PORT || seen[port - EPHEMERAL_LO]++)
			return 4;
		fds[n] = fd;
	}
	printf("# %d ephemeral binds in %.1f s\n", n, now() - t0);
	if (n != EPHEMERAL_N - 1)
		return 5;
	port = xd_port(fds[n / 2]);
	close(fds[n / 2]);
	again = bound_socket(0);
	if (again < 0 || xd_port(again) != port)
		return 6;
	if (bound_socket(0) != -EADDRINUSE)
		return 7;
	/* Another namespace's port space is its own. */
	if (unshare(CLONE_NEWNET))
		return 8;
	fd = bound_socket(EXPLICIT_PORT);
	if (fd < 0 || bound_socket(0) < 0)
		return 9;
	return 0;
}

FIXTURE(scale) {
	int dummy;
};

FIXTURE_SETUP(scale)
{
	xd_use_transport(XDISCON_TRANSPORT_LOCAL, 0);
}

FIXTURE_TEARDOWN(scale)
{
}

TEST_F_TIMEOUT(scale, ephemeral_ports_fill_per_namespace, 60)
{
	int ret = xd_in_child(fill_ephemeral);

	EXPECT_EQ(0, ret) TH_LOG("step %d failed", ret);
}

#define NSOCKS	2000

/*
 * In a new namespace, NSOCKS sockets: /proc/net/xdiscon, read in small
 * pieces, lists each exactly once (by inode), and nothing else.
 */
static int proc_in_pieces(void)
{
	static ino_t inos[NSOCKS];
	static unsigned char seen[NSOCKS];
	char buf[200], line[256];
	size_t len = 0;
	int fd, i, lines = 0;
	ssize_t r;
	struct stat st;

	if (raise_nofile() || unshare(CLONE_NEWNET))
		return 1;
	for (i = 0; i < NSOCKS; i++) {
		fd = i % 2 ? bound_socket(0) : xd_socket(SOCK_SEQPACKET);
		if (fd < 0 || fstat(fd, &st))
			return 2;
		inos[i] = st.st_ino;
	}
	fd = open("/proc/net/xdiscon", O_RDONLY);
	if (fd < 0)
		return 3;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < r; i++) {
			unsigned long ino;
			int j;

			if (len < sizeof(line) - 1)
				line[len++] = buf[i];
			if (buf[i] != '\n')
				continue;
			line[len] = 0;
			len = 0;
			if (lines++ == 0)
				continue;	/* the header */
			if (sscanf(line, "%lu", &ino) != 1)
				return 4;
			for (j = 0; j < NSOCKS && inos[j] != ino; j++)
				;
			if (j == NSOCKS || seen[j]++)
				return 5;	/* not ours, or twice */
		}
	}
	if (r < 0 || lines != NSOCKS + 1)
		return 6;
	return 0;
}

TEST_F_TIMEOUT(scale, proc_lists_each_socket_once_in_pieces, 120)
{
	int ret = xd_in_child(proc_in_pieces);

	EXPECT_EQ(0, ret) TH_LOG("step %d failed", ret);
}

TEST_HARNESS_MAIN
