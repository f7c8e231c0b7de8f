// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_XDISCON core protocol over the local transport, for SOCK_STREAM
 * and SOCK_SEQPACKET: connection set-up, data, disconnect data, shutdown,
 * linger, poll/epoll/SIGIO, errors.  One test per promise of
 * Documentation/networking/xdiscon.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static short poll_events(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT | POLLRDHUP };

	return poll(&p, 1, 0) < 0 ? -1 : p.revents;
}

static void fill_pattern(unsigned char *buf, size_t len, size_t off)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)((off + i) * 7 + ((off + i) >> 8));
}

/* Write @len pattern bytes in chunks; the write side of a transfer. */
static int write_pattern(int fd, size_t len, size_t chunk)
{
	unsigned char *buf = malloc(chunk);
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		size_t c = len - off < chunk ? len - off : chunk;

		fill_pattern(buf, c, off);
		n = send(fd, buf, c, MSG_NOSIGNAL);
		if (n < 0)
			break;
		off += n;
	}
	free(buf);
	return off == len ? 0 : -1;
}

/* Read until end of stream, checking the pattern; bytes read or -1. */
static ssize_t read_pattern(int fd, size_t chunk)
{
	unsigned char *buf = malloc(chunk), *want = malloc(chunk);
	size_t off = 0;
	ssize_t n;

	for (;;) {
		n = recv(fd, buf, chunk, 0);
		if (n <= 0)
			break;
		fill_pattern(want, n, off);
		if (memcmp(buf, want, n)) {
			n = -2;
			break;
		}
		off += n;
	}
	free(buf);
	free(want);
	return n < 0 ? -1 : (ssize_t)off;
}

/*
 * Fill the connection until nothing more goes in: the sender's buffer and,
 * over TCP, both TCPs' buffers (megabytes: the tests that do this get
 * three minutes) and the receiver's.  Sends pattern bytes
 * (as write_pattern() does) without blocking, and after each EAGAIN waits
 * up to 0.5 s for room; the pipeline is full when none comes.  Returns
 * the bytes sent.
 */
static size_t saturate(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	unsigned char buf[1000];
	size_t off = 0;
	ssize_t n;

	for (;;) {
		fill_pattern(buf, sizeof(buf), off);
		n = send(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			off += n;
			continue;
		}
		if (n < 0 && errno != EAGAIN)
			return off;
		if (poll(&p, 1, 500) != 1)
			return off;
	}
}

/* Read exactly @len pattern bytes; 0 on success. */
static int read_exact_pattern(int fd, size_t len)
{
	unsigned char buf[4096], want[4096];
	size_t off = 0;
	ssize_t n;

	while (off < len) {
		n = recv(fd, buf, len - off < sizeof(buf) ? len - off :
			 sizeof(buf), 0);
		if (n <= 0)
			return -1;
		fill_pattern(want, n, off);
		if (memcmp(buf, want, n))
			return -1;
		off += n;
	}
	return 0;
}

/* Wait up to 5 s for one of @events on @fd; the revents, 0 on timeout. */
static short wait_events(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 5000) == 1 ? p.revents : 0;
}

/*
 * Poll @fd's integer @what (SIOCOUTQ through ioctl, or XDISCON_TX_DONE)
 * until it equals @want, for up to 5 s: over TCP the peer's
 * acknowledgements arrive on their own and no event announces them.
 */
static int wait_value(int fd, int what, int want)
{
	struct timespec tick = { .tv_nsec = 5 * 1000 * 1000 };
	double end = now() + 5;
	socklen_t len;
	int v = -1;

	do {
		len = sizeof(v);
		if (what == SIOCOUTQ ? ioctl(fd, SIOCOUTQ, &v) :
		    getsockopt(fd, SOL_XDISCON, what, &v, &len))
			return -1;
		if (v == want)
			return 0;
		nanosleep(&tick, NULL);
	} while (now() < end);
	return -1;
}

/* What TCP may buffer on a connection's two ends (0 for local). */
static size_t tcp_buffers(int transport)
{
	const char *files[] = { "/proc/sys/net/ipv4/tcp_wmem",
				"/proc/sys/net/ipv4/tcp_rmem" };
	size_t total = 0, lo, def, hi;
	FILE *f;
	int i;

	if (transport != XDISCON_TRANSPORT_INET)
		return 0;
	for (i = 0; i < 2; i++) {
		f = fopen(files[i], "r");
		if (f && fscanf(f, "%zu %zu %zu", &lo, &def, &hi) == 3)
			total += 2 * hi;
		if (f)
			fclose(f);
	}
	return total;
}

static void set_linger(int fd, int on, int secs)
{
	struct linger l = { .l_onoff = on, .l_linger = secs };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

FIXTURE(conn) {
	int lfd, cfd, sfd;
	int in_use;
};

FIXTURE_VARIANT(conn) {
	int type;
	int transport;
	int inet4;
};

#define LOCAL XDISCON_TRANSPORT_LOCAL
#define INET XDISCON_TRANSPORT_INET

FIXTURE_VARIANT_ADD(conn, stream) { .type = SOCK_STREAM, .transport = LOCAL };
FIXTURE_VARIANT_ADD(conn, seqpacket) {
	.type = SOCK_SEQPACKET, .transport = LOCAL,
};
FIXTURE_VARIANT_ADD(conn, inet6_stream) {
	.type = SOCK_STREAM, .transport = INET,
};
FIXTURE_VARIANT_ADD(conn, inet6_seqpacket) {
	.type = SOCK_SEQPACKET, .transport = INET,
};
FIXTURE_VARIANT_ADD(conn, inet4_stream) {
	.type = SOCK_STREAM, .transport = INET, .inet4 = 1,
};

FIXTURE_SETUP(conn)
{
	xd_use_transport(variant->transport, variant->inet4);
	self->in_use = xd_sockets_in_use();
	self->lfd = xd_listener(variant->type, 16);
	ASSERT_LE(0, self->lfd);
	self->cfd = xd_pair(variant->type, self->lfd, &self->sfd);
	ASSERT_LE(0, self->cfd);
}

FIXTURE_TEARDOWN(conn)
{
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
	/* Every socket of the test freed, background closes included. */
	EXPECT_TRUE(xd_sockets_back_to(self->in_use)) {
		FILE *f = fopen("/proc/net/xdiscon", "r");
		char line[512];

		while (f && fgets(line, sizeof(line), f))
			TH_LOG("left: %s", line);
		if (f)
			fclose(f);
	}
}

/* -- connection set-up -- */

TEST_F(conn, names)
{
	struct sockaddr_xdiscon a, b;
	socklen_t len = sizeof(a);

	ASSERT_EQ(0, getpeername(self->cfd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(xd_port(self->lfd), ntohs(a.sxd_port));
	EXPECT_EQ(variant->transport, a.sxd_transport);
	len = sizeof(b);
	ASSERT_EQ(0, getpeername(self->sfd, (struct sockaddr *)&b, &len));
	EXPECT_EQ(xd_port(self->cfd), ntohs(b.sxd_port));
	EXPECT_NE(0, xd_port(self->cfd));
	EXPECT_EQ(xd_port(self->lfd), xd_port(self->sfd));
	len = sizeof(a);
	EXPECT_EQ(-1, getpeername(self->lfd, (struct sockaddr *)&a, &len));
	EXPECT_EQ(ENOTCONN, errno);
}

/* @fd's Transport column in /proc/net/xdiscon, or "" if not listed. */
static void proc_transport(int fd, char *buf, size_t size)
{
	char line[512], transport[32];
	unsigned long ino;
	struct stat st;
	FILE *f;

	buf[0] = 0;
	f = fopen("/proc/net/xdiscon", "r");
	if (!f || fstat(fd, &st)) {
		if (f)
			fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lu %*s %*s %31s", &ino, transport) == 2 &&
		    ino == (unsigned long)st.st_ino)
			snprintf(buf, size, "%s", transport);
	fclose(f);
}

/* A failed bind leaves the socket as it was: no transport, no port. */
TEST_F(conn, eaddrinuse)
{
	struct sockaddr_xdiscon a = xd_addr(xd_port(self->lfd));
	int fd = xd_socket(variant->type);
	char transport[32];

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EADDRINUSE, errno);
	proc_transport(fd, transport, sizeof(transport));
	EXPECT_STREQ("-", transport);
	EXPECT_EQ(0, xd_port(fd));
	a = xd_addr(0);
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_NE(0, xd_port(fd));
	close(fd);
}

TEST_F(conn, econnrefused)
{
	struct sockaddr_xdiscon a = xd_addr(0);
	int fd = xd_socket(variant->type), unused = xd_socket(variant->type);
	unsigned short port;

	/* A bound port that does not listen refuses, as does a free one. */
	ASSERT_EQ(0, bind(unused, (struct sockaddr *)&a, sizeof(a)));
	port = xd_port(unused);
	EXPECT_EQ(-1, xd_connect(fd, port));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(fd);
	close(unused);
	fd = xd_socket(variant->type);
	EXPECT_EQ(-1, xd_connect(fd, port));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(fd);
}

TEST_F(conn, eisconn)
{
	EXPECT_EQ(-1, xd_connect(self->cfd, xd_port(self->lfd)));
	EXPECT_EQ(EISCONN, errno);
}

TEST_F(conn, wrong_type_refused)
{
	int other = variant->type == SOCK_STREAM ? SOCK_SEQPACKET : SOCK_STREAM;
	int fd = xd_socket(other);

	EXPECT_EQ(-1, xd_connect(fd, xd_port(self->lfd)));
	EXPECT_EQ(EPROTOTYPE, errno);
	close(fd);
}

TEST_F(conn, bad_addresses)
{
	struct sockaddr_xdiscon a = xd_addr(0);
	int fd = xd_socket(variant->type);

	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
	a.sxd_transport = 77;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	a = xd_addr(0);
	a.sxd_family = AF_INET;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	a = xd_addr(0);
	a.sxd_addr[3] = 1;
	EXPECT_EQ(-1, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	EXPECT_EQ(-1, listen(fd, 1));
	EXPECT_EQ(EDESTADDRREQ, errno);
	close(fd);
}

TEST_F(conn, nonblocking_connect)
{
	int fd = xd_socket(variant->type | SOCK_NONBLOCK), err = -1, s;
	struct pollfd p = { .events = POLLOUT };
	socklen_t len = sizeof(err);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, xd_connect(fd, xd_port(self->lfd)));
	EXPECT_EQ(EINPROGRESS, errno);
	p.fd = fd;
	ASSERT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & POLLOUT);
	ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(0, err);
	EXPECT_EQ(-1, xd_connect(fd, xd_port(self->lfd)));
	EXPECT_EQ(EISCONN, errno);
	s = accept(self->lfd, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	close(fd);
}

/*
 * Wait until listener @l's accept queue holds @n connections, as
 * /proc/net/xdiscon's RecvQ shows them for a listener; at most 5 s.
 */
static int wait_queued(int l, unsigned int n)
{
	char line[512], state[32];
	unsigned long ino;
	unsigned int q;
	struct stat st;
	int i, found;
	FILE *f;

	if (fstat(l, &st))
		return -1;
	for (i = 0; i < 5000; i++) {
		f = fopen("/proc/net/xdiscon", "r");
		if (!f)
			return -1;
		found = 0;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%lu %*s %31s %*s %*u %*u %u", &ino,
				   state, &q) == 3 &&
			    ino == (unsigned long)st.st_ino &&
			    !strcmp(state, "LISTEN") && q == n)
				found = 1;
		fclose(f);
		if (found)
			return 0;
		usleep(1000);
	}
	return -1;
}

TEST_F(conn, backlog)
{
	int l = xd_listener(variant->type, 1), fds[3], i, s;
	struct pollfd p = { .fd = l, .events = POLLIN };

	ASSERT_LE(0, l);
	EXPECT_EQ(0, poll(&p, 1, 0));
	/* backlog 1 queues two, as TCP and AF_UNIX count. */
	for (i = 0; i < 3; i++) {
		fds[i] = xd_socket(variant->type | SOCK_NONBLOCK);
		ASSERT_LE(0, fds[i]);
	}
	EXPECT_EQ(-1, xd_connect(fds[0], xd_port(l)));
	EXPECT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(-1, xd_connect(fds[1], xd_port(l)));
	EXPECT_EQ(EINPROGRESS, errno);
	if (variant->transport == XDISCON_TRANSPORT_INET) {
		/*
		 * As TCP: with the queue full, the third connect is in
		 * progress and completes only once accept() makes room.
		 * (Connections still in their handshake are bounded apart
		 * from the queue: the third waits until the first two are
		 * queued.)
		 */
		EXPECT_TRUE(wait_events(fds[0], POLLOUT) & POLLOUT);
		EXPECT_TRUE(wait_events(fds[1], POLLOUT) & POLLOUT);
		ASSERT_EQ(0, wait_queued(l, 2));
		EXPECT_EQ(1, poll(&p, 1, 0));
		EXPECT_EQ(-1, xd_connect(fds[2], xd_port(l)));
		EXPECT_EQ(EINPROGRESS, errno);
		struct pollfd third = { .fd = fds[2], .events = POLLOUT };

		EXPECT_EQ(0, poll(&third, 1, 500)) {
			TH_LOG("third: revents %#x", third.revents);
		}
		s = accept(l, NULL, NULL);
		EXPECT_LE(0, s);
		close(s);
		EXPECT_TRUE(wait_events(fds[2], POLLOUT) & POLLOUT);
		EXPECT_EQ(-1, xd_connect(fds[2], xd_port(l)));
		EXPECT_EQ(EISCONN, errno);
		for (i = 0; i < 3; i++)
			close(fds[i]);
		close(l);
		return;
	}
	EXPECT_EQ(-1, xd_connect(fds[2], xd_port(l)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, poll(&p, 1, 0));
	s = accept(l, NULL, NULL);
	EXPECT_LE(0, s);
	close(s);
	EXPECT_EQ(-1, xd_connect(fds[2], xd_port(l)));
	EXPECT_EQ(EINPROGRESS, errno);
	for (i = 0; i < 3; i++)
		close(fds[i]);
	close(l);
}

/* Accepted sockets start with the listener's buffer sizes, as on TCP. */
TEST_F(conn, accepted_inherit_buffer_sizes)
{
	int l = xd_listener(variant->type, 1), c, s, rcv = 8192, snd = 16384;
	int got = 0, want = 0;
	socklen_t len = sizeof(got);

	ASSERT_LE(0, l);
	ASSERT_EQ(0, setsockopt(l, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv)));
	ASSERT_EQ(0, setsockopt(l, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd)));
	c = xd_pair(variant->type, l, &s);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, getsockopt(l, SOL_SOCKET, SO_RCVBUF, &want, &len));
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_RCVBUF, &got, &len));
	EXPECT_EQ(want, got);
	ASSERT_EQ(0, getsockopt(l, SOL_SOCKET, SO_SNDBUF, &want, &len));
	ASSERT_EQ(0, getsockopt(s, SOL_SOCKET, SO_SNDBUF, &got, &len));
	EXPECT_EQ(want, got);
	close(c);
	close(s);
	close(l);
}

/* -- keepalive -- */

static int sysctl_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (f && fscanf(f, "%d", &v) != 1)
		v = -1;
	if (f)
		fclose(f);
	return v;
}

static int keep_get(int fd, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, level, opt, &v, &len) ? -errno : v;
}

static void keep_set(struct __test_metadata *_metadata, int fd, int ka,
		     int idle, int intvl, int cnt)
{
	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &ka, sizeof(ka)));
	ASSERT_EQ(0, setsockopt(fd, SOL_TCP, TCP_KEEPIDLE, &idle,
				sizeof(idle)));
	ASSERT_EQ(0, setsockopt(fd, SOL_TCP, TCP_KEEPINTVL, &intvl,
				sizeof(intvl)));
	ASSERT_EQ(0, setsockopt(fd, SOL_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt)));
}

/*
 * SO_KEEPALIVE and TCP's keepalive options at SOL_TCP, with TCP's ranges
 * and defaults, on every transport; others at SOL_TCP are ENOPROTOOPT.
 */
TEST_F(conn, keepalive_options)
{
	int fd = xd_socket(variant->type), v;

	ASSERT_LE(0, fd);
	EXPECT_EQ(sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_time"),
		  keep_get(fd, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_intvl"),
		  keep_get(fd, SOL_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(sysctl_int("/proc/sys/net/ipv4/tcp_keepalive_probes"),
		  keep_get(fd, SOL_TCP, TCP_KEEPCNT));
	EXPECT_EQ(0, keep_get(fd, SOL_SOCKET, SO_KEEPALIVE));
	for (v = 0; v < 3; v++) {
		static const int opt[] = { TCP_KEEPIDLE, TCP_KEEPINTVL,
					   TCP_KEEPCNT };
		static const int bad[] = { 32768, 32768, 128 };
		int zero = 0;

		EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, opt[v], &zero,
					 sizeof(zero)));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, opt[v], &bad[v],
					 sizeof(bad[v])));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, opt[v], &bad[v], 2));
		EXPECT_EQ(EINVAL, errno);
	}
	v = 1;
	EXPECT_EQ(-1, setsockopt(fd, SOL_TCP, TCP_NODELAY, &v, sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-ENOPROTOOPT, keep_get(fd, SOL_TCP, TCP_NODELAY));
	keep_set(_metadata, fd, 1, 32767, 32767, 127);
	EXPECT_EQ(1, keep_get(fd, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(32767, keep_get(fd, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(32767, keep_get(fd, SOL_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(127, keep_get(fd, SOL_TCP, TCP_KEEPCNT));
	close(fd);
}

/*
 * Accepted sockets start with the listener's keepalive settings, as on
 * TCP; over TCP the connection's TCP sockets run keepalive timers of the
 * idle time set, on both sides, until SO_KEEPALIVE is turned off.
 */
TEST_F(conn, keepalive_inherited_and_passed_to_tcp)
{
	int l = xd_socket(variant->type), c, s;
	struct sockaddr_xdiscon a = xd_addr(0);
	unsigned short lport, cport;
	double left = 0;

	ASSERT_LE(0, l);
	keep_set(_metadata, l, 1, 100, 7, 5);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 1));
	c = xd_socket(variant->type);
	ASSERT_LE(0, c);
	keep_set(_metadata, c, 1, 200, 9, 3);
	lport = xd_port(l);
	ASSERT_EQ(0, xd_connect(c, lport));
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(1, keep_get(s, SOL_SOCKET, SO_KEEPALIVE));
	EXPECT_EQ(100, keep_get(s, SOL_TCP, TCP_KEEPIDLE));
	EXPECT_EQ(7, keep_get(s, SOL_TCP, TCP_KEEPINTVL));
	EXPECT_EQ(5, keep_get(s, SOL_TCP, TCP_KEEPCNT));

	if (variant->transport == INET) {
		cport = xd_port(c);
		EXPECT_EQ(2, xd_tcp_timer(cport, lport, 2, &left));
		EXPECT_TRUE(left > 190 && left <= 200) TH_LOG("%.1f s", left);
		EXPECT_EQ(2, xd_tcp_timer(lport, cport, 2, &left));
		EXPECT_TRUE(left > 90 && left <= 100) TH_LOG("%.1f s", left);
		/* Changed on a connected socket: TCP rearms at once. */
		keep_set(_metadata, c, 1, 300, 9, 3);
		EXPECT_EQ(2, xd_tcp_timer(cport, lport, 2, &left));
		EXPECT_TRUE(left > 290 && left <= 300) TH_LOG("%.1f s", left);
		keep_set(_metadata, c, 0, 300, 9, 3);
		EXPECT_EQ(0, xd_tcp_timer(cport, lport, 0, &left));
	}
	close(c);
	close(s);
	close(l);
}

TEST_F(conn, accept_nonblocking)
{
	int l = xd_listener(variant->type, 1);

	struct timeval tv = { .tv_usec = 200000 };
	double t;

	ASSERT_LE(0, l);
	ASSERT_EQ(0, setsockopt(l, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	t = now();
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(0.19, now() - t);
	ASSERT_EQ(0, fcntl(l, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, accept(l, NULL, NULL));
	EXPECT_EQ(EAGAIN, errno);
	close(l);
}

TEST_F(conn, listener_close_resets_queued)
{
	int l = xd_listener(variant->type, 4), fd = xd_socket(variant->type);
	char c;

	ASSERT_EQ(0, xd_connect(fd, xd_port(l)));
	close(l);
	EXPECT_EQ(-1, recv(fd, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	close(fd);
}

/* -- data -- */

TEST_F(conn, data_both_ways)
{
	char buf[64];

	ASSERT_EQ(5, send(self->cfd, "hello", 5, 0));
	ASSERT_EQ(5, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	ASSERT_EQ(3, send(self->sfd, "hey", 3, 0));
	ASSERT_EQ(3, recv(self->cfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "hey", 3));
}

TEST_F(conn, msg_peek)
{
	char buf[16] = {};
	int n;

	ASSERT_EQ(4, send(self->cfd, "abcd", 4, 0));
	EXPECT_EQ(4, recv(self->sfd, buf, sizeof(buf), MSG_PEEK));
	EXPECT_EQ(0, memcmp(buf, "abcd", 4));
	EXPECT_EQ(0, ioctl(self->sfd, SIOCINQ, &n));
	EXPECT_EQ(4, n);
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(4, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "abcd", 4));
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
}

/*
 * MSG_TRUNC: on a stream it discards the bytes instead of copying them,
 * as TCP's does (the buffer is not touched); on a record socket it
 * returns the record's whole length.
 */
TEST_F(conn, msg_trunc)
{
	char buf[8] = "--------";

	ASSERT_EQ(6, send(self->cfd, "abcdef", 6, 0));
	if (variant->type == SOCK_SEQPACKET) {
		EXPECT_EQ(6, recv(self->sfd, buf, 2, MSG_TRUNC));
		EXPECT_EQ(0, memcmp(buf, "ab------", 8));
		return;
	}
	ASSERT_EQ(3, recv(self->sfd, buf, 3, MSG_TRUNC | MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "--------", 8));
	ASSERT_EQ(3, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "def", 3));
}

/* SO_ACCEPTCONN says which socket listens, as for TCP and AF_UNIX. */
TEST_F(conn, so_acceptconn)
{
	socklen_t len = sizeof(int);
	int v = -1;

	ASSERT_EQ(0, getsockopt(self->lfd, SOL_SOCKET, SO_ACCEPTCONN, &v,
				&len));
	EXPECT_EQ(1, v);
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_ACCEPTCONN, &v,
				&len));
	EXPECT_EQ(0, v);
	ASSERT_EQ(0, getsockopt(self->sfd, SOL_SOCKET, SO_ACCEPTCONN, &v,
				&len));
	EXPECT_EQ(0, v);
}

TEST_F(conn, msg_dontwait_and_rcvtimeo)
{
	struct timeval tv = { .tv_usec = 200000 };
	char c;
	double t;

	EXPECT_EQ(-1, recv(self->sfd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	t = now();
	EXPECT_EQ(-1, recv(self->sfd, &c, 1, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(0.19, now() - t);
}

/* A peer that never reads: sends stop within the buffer limits. */
TEST_F_TIMEOUT(conn, flow_control_and_sndtimeo, 180)
{
	struct timeval tv = { .tv_usec = 200000 };
	int sndbuf = 65536, rcvbuf = 65536, queued = -1;
	size_t total = 0;
	char buf[1024] = {};
	double t;

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	total = saturate(self->cfd);
	EXPECT_EQ(-1, send(self->cfd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LT(0, total);
	/*
	 * sk_sndbuf is twice what was set and counts skb overhead; over TCP
	 * both TCP sockets buffer too, at most tcp_wmem and tcp_rmem, and
	 * the receiver parses up to SO_RCVBUF more ahead of its queue.
	 */
	EXPECT_GE(2 * (size_t)sndbuf + tcp_buffers(variant->transport) +
		  4 * (size_t)rcvbuf, total);
	EXPECT_FALSE(poll_events(self->cfd) & POLLOUT);
	EXPECT_EQ(0, ioctl(self->cfd, SIOCOUTQ, &queued));
	EXPECT_LE(0, queued);

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_SNDTIMEO, &tv,
				sizeof(tv)));
	t = now();
	EXPECT_EQ(-1, send(self->cfd, buf, sizeof(buf), 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(0.19, now() - t);

	/* Reading makes room again. */
	EXPECT_EQ(0, read_exact_pattern(self->sfd, total));
	EXPECT_TRUE(wait_events(self->cfd, POLLOUT) & POLLOUT);
	EXPECT_LT(0, send(self->cfd, buf, sizeof(buf), MSG_DONTWAIT));
}

/* More than the receiver buffers waits in the sender: SIOCOUTQ counts it. */
TEST_F_TIMEOUT(conn, outq_counts_untaken, 180)
{
	int rcvbuf = 4096, queued = 0;
	size_t total;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	total = saturate(self->cfd);
	/* What the peer's transport took is not counted. */
	EXPECT_EQ(0, ioctl(self->cfd, SIOCOUTQ, &queued));
	EXPECT_LT(0, queued);
	EXPECT_GT((int)total, queued);
	EXPECT_EQ(0, read_exact_pattern(self->sfd, total));
	EXPECT_EQ(0, wait_value(self->cfd, SIOCOUTQ, 0));
}

TEST_F(conn, sigpipe_and_nosignal)
{
	sigset_t set;
	siginfo_t si;
	struct timespec zero = {};

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(-1, sigtimedwait(&set, &si, &zero));
	EXPECT_EQ(-1, send(self->cfd, "x", 1, 0));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(SIGPIPE, sigtimedwait(&set, &si, &zero));
}

TEST_F(conn, big_transfer_in_order)
{
	size_t len = 4 << 20;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->sfd);
		_exit(write_pattern(self->cfd, len, 60000) ||
		      shutdown(self->cfd, SHUT_WR));
	}
	close(self->cfd);
	EXPECT_EQ((ssize_t)len, read_pattern(self->sfd,
					    variant->type == SOCK_STREAM ?
					    100000 : 65536));
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

/* -- disconnect data -- */

TEST_F(conn, discdata_option_then_shutdown)
{
	char buf[64], disc[64];
	int dlen, flags;
	socklen_t len = sizeof(disc);

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA,
				"total=42", 8));
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA,
				disc, &len));
	EXPECT_EQ(8, len);
	EXPECT_EQ(0, memcmp(disc, "total=42", 8));
	ASSERT_EQ(3, send(self->cfd, "abc", 3, 0));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));

	EXPECT_EQ(3, st_recv(self->sfd, buf, sizeof(buf), 0, disc, 64, &dlen,
			     &flags));
	EXPECT_EQ(-1, dlen);
	EXPECT_EQ(0, st_recv(self->sfd, buf, sizeof(buf), 0, disc, 64, &dlen,
			     &flags));
	EXPECT_EQ(8, dlen);
	EXPECT_EQ(0, memcmp(disc, "total=42", 8));
	/* Every end-of-stream return carries it. */
	EXPECT_EQ(0, st_recv(self->sfd, buf, sizeof(buf), 0, disc, 64, &dlen,
			     &flags));
	EXPECT_EQ(8, dlen);
	len = sizeof(disc);
	ASSERT_EQ(0, getsockopt(self->sfd, SOL_XDISCON, XDISCON_PEER_DISCDATA,
				disc, &len));
	EXPECT_EQ(8, len);
	/* The other direction still works: the answer. */
	EXPECT_EQ(2, st_send_disconnect(self->sfd, "ok", 2, "grand=99", 8));
	EXPECT_EQ(2, st_recv(self->cfd, buf, sizeof(buf), 0, disc, 64, &dlen,
			     &flags));
	EXPECT_EQ(0, st_recv(self->cfd, buf, sizeof(buf), 0, disc, 64, &dlen,
			     &flags));
	EXPECT_EQ(8, dlen);
	EXPECT_EQ(0, memcmp(disc, "grand=99", 8));
}

TEST_F(conn, disconnect_cmsg_after_data)
{
	char buf[64], disc[64];
	int dlen, flags;

	ASSERT_EQ(5, st_send_disconnect(self->cfd, "final", 5, "bye", 3));
	EXPECT_EQ(5, st_recv(self->sfd, buf, sizeof(buf), 0, disc, 64, &dlen,
			     &flags));
	EXPECT_EQ(0, memcmp(buf, "final", 5));
	EXPECT_EQ(0, st_recv(self->sfd, buf, sizeof(buf), 0, disc, 64, &dlen,
			     &flags));
	EXPECT_EQ(3, dlen);
	EXPECT_EQ(0, memcmp(disc, "bye", 3));
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(-1, st_send_disconnect(self->cfd, NULL, 0, "again", 5));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(conn, empty_disconnect_and_ctrunc)
{
	char buf[8], disc[64];
	int dlen, flags;

	ASSERT_EQ(0, st_send_disconnect(self->cfd, NULL, 0, NULL, 0));
	EXPECT_EQ(0, st_recv(self->sfd, buf, sizeof(buf), 0, disc, 64, &dlen,
			     &flags));
	EXPECT_EQ(0, dlen);
	EXPECT_FALSE(flags & MSG_CTRUNC);

	ASSERT_EQ(0, st_send_disconnect(self->sfd, NULL, 0, "0123456789", 10));
	/* Room for the header only: truncated. */
	EXPECT_EQ(0, st_recv(self->cfd, buf, sizeof(buf), 0, NULL, 0, &dlen,
			     &flags));
	EXPECT_TRUE(flags & MSG_CTRUNC);
}

TEST_F(conn, seqpacket_records_and_end)
{
	char buf[64], disc[64];
	int dlen, flags;

	if (variant->type != SOCK_SEQPACKET) {
		/* A stream has no records: a zero-length send sends nothing. */
		EXPECT_EQ(0, send(self->cfd, "", 0, 0));
		EXPECT_EQ(-1, recv(self->sfd, buf, 1, MSG_DONTWAIT));
		EXPECT_EQ(EAGAIN, errno);
		return;
	}
	ASSERT_EQ(10, send(self->cfd, "0123456789", 10, 0));
	ASSERT_EQ(20, send(self->cfd, "abcdefghijklmnopqrst", 20, 0));
	ASSERT_EQ(0, send(self->cfd, "", 0, 0));
	ASSERT_EQ(3, send(self->cfd, "end", 3, 0));
	ASSERT_EQ(0, st_send_disconnect(self->cfd, NULL, 0, "D", 1));

	EXPECT_EQ(4, st_recv(self->sfd, buf, 4, 0, disc, 64, &dlen, &flags));
	EXPECT_TRUE(flags & MSG_TRUNC);
	EXPECT_EQ(20, st_recv(self->sfd, buf, 4, MSG_TRUNC, disc, 64, &dlen,
			      &flags));
	EXPECT_TRUE(flags & MSG_TRUNC);
	EXPECT_EQ(0, memcmp(buf, "abcd", 4));
	/* The empty record: 0 with no control message. */
	EXPECT_EQ(0, st_recv(self->sfd, buf, 64, 0, disc, 64, &dlen, &flags));
	EXPECT_EQ(-1, dlen);
	EXPECT_EQ(3, st_recv(self->sfd, buf, 64, 0, disc, 64, &dlen, &flags));
	EXPECT_FALSE(flags & MSG_TRUNC);
	/* The disconnect: 0 with the control message. */
	EXPECT_EQ(0, st_recv(self->sfd, buf, 64, 0, disc, 64, &dlen, &flags));
	EXPECT_EQ(1, dlen);
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

/* MSG_WAITALL: a stream read waits for all it asked for, a record is one. */
TEST_F(conn, msg_waitall)
{
	char buf[8];
	pid_t pid;
	int status;

	if (variant->type == SOCK_SEQPACKET) {
		/* A record is one read: MSG_WAITALL does not join two. */
		ASSERT_EQ(4, send(self->cfd, "abcd", 4, 0));
		ASSERT_EQ(4, send(self->cfd, "efgh", 4, 0));
		EXPECT_EQ(4, recv(self->sfd, buf, 8, MSG_WAITALL));
		EXPECT_EQ(0, memcmp(buf, "abcd", 4));
		EXPECT_EQ(4, recv(self->sfd, buf, 8, MSG_WAITALL));
		EXPECT_EQ(0, memcmp(buf, "efgh", 4));
		return;
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Two sends; the reader waits for both. */
		if (send(self->cfd, "abcd", 4, 0) != 4 ||
		    recv(self->cfd, buf, 1, 0) != 1 ||
		    send(self->cfd, "efgh", 4, 0) != 4)
			_exit(1);
		_exit(0);
	}
	/* The first half is there; ask for the second, wait for both. */
	ASSERT_EQ(2, recv(self->sfd, buf, 2, MSG_PEEK));
	ASSERT_EQ(1, send(self->sfd, "k", 1, 0));
	EXPECT_EQ(8, recv(self->sfd, buf, 8, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(buf, "abcdefgh", 8));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

/*
 * MSG_WAITALL for more than every buffer on the way holds: the reader
 * must hand back the room it makes while it waits for the rest, or the
 * data behind a full receive buffer never comes.  A record is one read.
 */
TEST_F(conn, msg_waitall_beyond_buffers)
{
	struct timeval tv = { .tv_sec = 20 };
	size_t len = 8 << 20;
	unsigned char *buf, *want;
	int rcvbuf = 65536, status;
	char rec[64];
	pid_t pid;

	if (variant->type != SOCK_STREAM) {
		ASSERT_EQ(10, send(self->cfd, "0123456789", 10, 0));
		ASSERT_EQ(3, send(self->cfd, "end", 3, 0));
		EXPECT_EQ(10, recv(self->sfd, rec, sizeof(rec), MSG_WAITALL));
		return;
	}
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->sfd);
		_exit(write_pattern(self->cfd, len, 65536) != 0);
	}
	buf = malloc(len);
	want = malloc(len);
	ASSERT_TRUE(buf && want);
	EXPECT_EQ((ssize_t)len, recv(self->sfd, buf, len, MSG_WAITALL));
	fill_pattern(want, len, 0);
	EXPECT_EQ(0, memcmp(buf, want, len));
	free(buf);
	free(want);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

TEST_F(conn, shut_rd_discards_keeps_discdata)
{
	char buf[16], disc[16];
	socklen_t len = sizeof(disc);

	ASSERT_EQ(0, shutdown(self->sfd, SHUT_RD));
	EXPECT_TRUE(poll_events(self->sfd) & POLLRDHUP);
	EXPECT_EQ(4, send(self->cfd, "lost", 4, 0));
	EXPECT_EQ(0, recv(self->sfd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(-1, getsockopt(self->sfd, SOL_XDISCON, XDISCON_PEER_DISCDATA,
				 disc, &len));
	EXPECT_EQ(ENODATA, errno);
	ASSERT_EQ(0, st_send_disconnect(self->cfd, NULL, 0, "why", 3));
	/*
	 * Nothing announces it on a socket already shut for reading: over
	 * TCP, poll the option until the disconnect is in.
	 */
	for (double end = now() + 5; now() < end;) {
		len = sizeof(disc);
		if (!getsockopt(self->sfd, SOL_XDISCON, XDISCON_PEER_DISCDATA,
				disc, &len) || errno != ENODATA)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 5000000 }, NULL);
	}
	len = sizeof(disc);
	ASSERT_EQ(0, getsockopt(self->sfd, SOL_XDISCON, XDISCON_PEER_DISCDATA,
				disc, &len));
	EXPECT_EQ(3, len);
	EXPECT_EQ(0, memcmp(disc, "why", 3));
}

/* -- FD_CLOSE: poll, epoll, SIGIO -- */

TEST_F(conn, epoll_rdhup_edge_triggered_once)
{
	struct epoll_event ev = {
		.events = EPOLLIN | EPOLLRDHUP | EPOLLET,
	}, out[4];
	int ep = epoll_create1(0);

	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->sfd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
	ASSERT_EQ(0, st_send_disconnect(self->cfd, NULL, 0, "t", 1));
	ASSERT_EQ(1, epoll_wait(ep, out, 4, 5000));
	EXPECT_EQ(EPOLLIN | EPOLLRDHUP, out[0].events & (EPOLLIN | EPOLLRDHUP));
	EXPECT_FALSE(out[0].events & (EPOLLHUP | EPOLLERR));
	/* Edge-triggered: once. */
	EXPECT_EQ(0, epoll_wait(ep, out, 4, 0));
	EXPECT_EQ(POLLIN | POLLOUT | POLLRDHUP, poll_events(self->sfd));
	/* Both directions closed adds EPOLLHUP (over TCP, a moment later). */
	ASSERT_EQ(0, shutdown(self->sfd, SHUT_WR));
	EXPECT_TRUE(poll_events(self->sfd) & POLLHUP);
	EXPECT_TRUE(wait_events(self->cfd, 0) & POLLHUP);
	close(ep);
}

TEST_F(conn, epoll_rdhup_only_interest)
{
	struct epoll_event ev = { .events = EPOLLRDHUP }, out;
	int ep = epoll_create1(0);

	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, self->sfd, &ev));
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(1, epoll_wait(ep, &out, 1, 5000));
	EXPECT_TRUE(out.events & EPOLLRDHUP);
	close(ep);
}

TEST_F(conn, sigio_on_disconnect)
{
	sigset_t set;
	siginfo_t si;
	struct timespec t = { .tv_sec = 5 }, zero = {};

	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	ASSERT_EQ(0, fcntl(self->sfd, F_SETOWN, getpid()));
	ASSERT_EQ(0, fcntl(self->sfd, F_SETFL, O_ASYNC));
	EXPECT_EQ(-1, sigtimedwait(&set, &si, &zero));
	ASSERT_EQ(0, st_send_disconnect(self->cfd, NULL, 0, NULL, 0));
	EXPECT_EQ(SIGIO, sigtimedwait(&set, &si, &t));
}

TEST_F(conn, blocked_reader_wakes_on_disconnect)
{
	char buf[4], disc[8];
	int dlen, flags, status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		char c;

		/* Wait until the parent is about to block, then disconnect. */
		if (recv(self->cfd, &c, 1, 0) != 1)
			_exit(1);
		_exit(st_send_disconnect(self->cfd, NULL, 0, "z", 1) != 0);
	}
	ASSERT_EQ(1, send(self->sfd, "g", 1, 0));
	EXPECT_EQ(0, st_recv(self->sfd, buf, sizeof(buf), 0, disc, 8, &dlen,
			     &flags));
	EXPECT_EQ(1, dlen);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
}

/* -- close and SO_LINGER -- */

/* Linger off: close returns at once; data and disconnect follow. */
TEST_F_TIMEOUT(conn, close_graceful_background, 180)
{
	int rcvbuf = 4096, dlen, flags, queued = 0;
	char disc[16], c;
	size_t len;
	double t;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA,
				"sum=7", 5));
	int sndbuf = 1 << 20;

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
				sizeof(sndbuf)));
	len = saturate(self->cfd);
	EXPECT_EQ(0, ioctl(self->cfd, SIOCOUTQ, &queued));
	EXPECT_LT(0, queued);
	t = now();
	ASSERT_EQ(0, close(self->cfd));
	EXPECT_GT(0.5, now() - t);
	self->cfd = -1;

	EXPECT_EQ((ssize_t)len, read_pattern(self->sfd, 4000));
	EXPECT_EQ(0, st_recv(self->sfd, &c, 1, 0, disc, 16, &dlen, &flags));
	EXPECT_EQ(5, dlen);
	EXPECT_EQ(0, memcmp(disc, "sum=7", 5));
}

/* Linger {1, 0}: abortive; the peer sees ECONNRESET, no disconnect data. */
TEST_F(conn, close_abortive)
{
	char buf[16];
	socklen_t len = sizeof(buf);
	short ev;

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA,
				"never", 5));
	ASSERT_EQ(4, send(self->cfd, "data", 4, 0));
	set_linger(self->cfd, 1, 0);
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;

	/* Over TCP the RST arrives a moment later. */
	ev = wait_events(self->sfd, POLLRDHUP);
	EXPECT_EQ(POLLERR | POLLHUP | POLLRDHUP,
		  ev & (POLLERR | POLLHUP | POLLRDHUP));
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, getsockopt(self->sfd, SOL_XDISCON, XDISCON_PEER_DISCDATA,
				 buf, &len));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, send(self->sfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
}

TEST_F(conn, abortive_send_sees_econnreset)
{
	set_linger(self->cfd, 1, 0);
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	EXPECT_TRUE(wait_events(self->sfd, 0) & POLLERR);
	EXPECT_EQ(-1, send(self->sfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(ECONNRESET, errno);
}

/* @fd's XDISCON_PEER_ABORTDATA into @buf: its length, or -1 (errno). */
static int peer_abortdata(int fd, char *buf, socklen_t size)
{
	socklen_t len = size;

	if (getsockopt(fd, SOL_XDISCON, XDISCON_PEER_ABORTDATA, buf, &len))
		return -1;
	return len;
}

/*
 * An abort with data: the peer's next call fails with ECONNRESET and it
 * reads the data; the aborting side has no error to report, its sends
 * fail with EPIPE and its reads end.
 */
TEST_F(conn, abort_with_data)
{
	char buf[16];
	short ev;

	EXPECT_EQ(0, st_send_abort(self->cfd, "no room", 7));
	ev = wait_events(self->sfd, POLLRDHUP);
	EXPECT_EQ(POLLERR | POLLHUP | POLLRDHUP,
		  ev & (POLLERR | POLLHUP | POLLRDHUP));
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(7, peer_abortdata(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "no room", 7));
	/* Kept, like the disconnect data, until close. */
	EXPECT_EQ(7, peer_abortdata(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(-1, peer_abortdata(self->sfd, buf, 3));
	EXPECT_EQ(ERANGE, errno);

	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(0, recv(self->cfd, buf, sizeof(buf), 0));
	EXPECT_EQ(-1, peer_abortdata(self->cfd, buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	/* One abort per connection. */
	EXPECT_EQ(-1, st_send_abort(self->cfd, "again", 5));
	EXPECT_EQ(EPIPE, errno);
}

/* Empty abort data is still abort data: not the ENODATA of a reset. */
TEST_F(conn, abort_empty_data)
{
	char buf[16];

	EXPECT_EQ(0, st_send_abort(self->cfd, NULL, 0));
	EXPECT_TRUE(wait_events(self->sfd, 0) & POLLERR);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, peer_abortdata(self->sfd, buf, sizeof(buf)));
}

/* A reset without an abort (SO_LINGER {1, 0}) leaves it ENODATA. */
TEST_F(conn, reset_has_no_abortdata)
{
	char buf[16];

	EXPECT_EQ(-1, peer_abortdata(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	set_linger(self->cfd, 1, 0);
	ASSERT_EQ(0, close(self->cfd));
	self->cfd = -1;
	EXPECT_TRUE(wait_events(self->sfd, 0) & POLLERR);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(-1, peer_abortdata(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
}

/* The peer may abort after its disconnect; both data stay readable. */
TEST_F(conn, abort_after_peer_disconnect)
{
	char buf[16], disc[16];
	socklen_t len = sizeof(disc);
	int dlen, flags;

	ASSERT_EQ(0, st_send_disconnect(self->sfd, NULL, 0, "bye", 3));
	EXPECT_EQ(0, st_recv(self->cfd, buf, 16, 0, disc, 16, &dlen, &flags));
	EXPECT_EQ(3, dlen);
	EXPECT_EQ(0, st_send_abort(self->cfd, "late", 4));
	EXPECT_EQ(0, getsockopt(self->cfd, SOL_XDISCON, XDISCON_PEER_DISCDATA,
				disc, &len));
	EXPECT_EQ(3, len);
	EXPECT_TRUE(wait_events(self->sfd, 0) & POLLERR);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(4, peer_abortdata(self->sfd, buf, sizeof(buf)));
}

/* Bad aborts get a clear errno and change nothing. */
TEST_F(conn, abort_refused)
{
	int max = 0, fd = xd_socket(variant->type);
	socklen_t len = sizeof(max);
	char *big, buf[8];

	ASSERT_EQ(0, getsockopt(self->cfd, SOL_XDISCON, XDISCON_MAX_DISCDATA,
				&max, &len));
	big = calloc(1, max + 1);
	ASSERT_NE(NULL, big);
	/* An abort carries no data of its own. */
	EXPECT_EQ(-1, st_send_ctl(self->cfd, "data", 4, XDISCON_CMSG_ABORT,
				  "x", 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, st_send_abort(self->cfd, big, max + 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, st_send_abort(fd, "x", 1));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
	/* The connection works on, and its end is graceful. */
	EXPECT_EQ(2, send(self->cfd, "ok", 2, 0));
	EXPECT_EQ(2, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_EQ(0, recv(self->sfd, buf, sizeof(buf), 0));
	/* After the disconnect, as any send. */
	EXPECT_EQ(-1, st_send_abort(self->cfd, "x", 1));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(-1, peer_abortdata(self->sfd, buf, sizeof(buf)));
	EXPECT_EQ(ENODATA, errno);
	free(big);
}

/* Read the first line of @path into @buf (at most @size - 1 bytes). */
static int read_line(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/*
 * The largest abort data (64 KiB, with max_discdata raised to it) behind
 * a send queue the peer does not read: the peer, reading, meets
 * ECONNRESET and gets the data whole.  Over TCP the abort frame waits
 * behind what TCP holds (the peer reads that first) and no reset
 * overtakes it.  A control message that large needs net.core.optmem_max
 * above it (20 KiB by default before Linux 6.9, ENOBUFS otherwise); both
 * settings are restored whatever happens, and the reader gives up after
 * 10 s.
 */
TEST_F_TIMEOUT(conn, abort_64k_behind_full_queue, 180)
{
	static const char *param = "/sys/module/xdiscon/parameters/max_discdata";
	static const char *optmem = "/proc/sys/net/core/optmem_max";
	static char data[65536], got[65536];
	struct timeval tv = { .tv_sec = 10 };
	char old[16] = "", old_optmem[32] = "", buf[4096];
	int n = 0, sent;
	ssize_t r = 0;

	ASSERT_EQ(0, read_line(param, old, sizeof(old)));
	ASSERT_EQ(0, read_line(optmem, old_optmem, sizeof(old_optmem)));
	ASSERT_EQ(0, xd_write_file(param, "65536"));
	EXPECT_EQ(0, xd_write_file(optmem, "262144"));
	fill_pattern((unsigned char *)data, sizeof(data), 7);

	EXPECT_LT(0, saturate(self->cfd));
	sent = st_send_abort(self->cfd, data, sizeof(data));
	EXPECT_EQ(0, sent) TH_LOG("abort: %s", strerror(errno));
	setsockopt(self->sfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (!sent && (r = recv(self->sfd, buf, sizeof(buf), 0)) > 0 &&
	       n++ < 100000)
		;
	EXPECT_EQ(-1, r);
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ((int)sizeof(got), peer_abortdata(self->sfd, got,
						   sizeof(got)));
	EXPECT_EQ(0, memcmp(data, got, sizeof(got)));
	EXPECT_EQ(0, xd_write_file(optmem, old_optmem));
	EXPECT_EQ(0, xd_write_file(param, old));
}

/* Linger {1, t} with a peer that takes everything: close returns soon. */
TEST_F(conn, close_linger_delivered)
{
	char buf[16], disc[16];
	int dlen, flags;
	double t;

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA,
				"fin", 3));
	ASSERT_EQ(4, send(self->cfd, "data", 4, 0));
	set_linger(self->cfd, 1, 10);
	t = now();
	ASSERT_EQ(0, close(self->cfd));
	EXPECT_GT(5.0, now() - t);
	self->cfd = -1;
	EXPECT_EQ(4, st_recv(self->sfd, buf, 16, 0, disc, 16, &dlen, &flags));
	EXPECT_EQ(0, st_recv(self->sfd, buf, 16, 0, disc, 16, &dlen, &flags));
	EXPECT_EQ(3, dlen);
}

/* Linger {1, t} with a peer that does not read: wait t, then abort. */
TEST_F_TIMEOUT(conn, close_linger_timeout_aborts, 180)
{
	int rcvbuf = 4096;
	char buf[16];
	double t;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	EXPECT_LT(0, saturate(self->cfd));
	set_linger(self->cfd, 1, 1);
	t = now();
	ASSERT_EQ(0, close(self->cfd));
	t = now() - t;
	self->cfd = -1;
	EXPECT_LE(0.95, t);
	EXPECT_GT(5.0, t);
	/* The reset reaches the peer (over TCP, a moment later). */
	EXPECT_TRUE(wait_events(self->sfd, 0) & POLLERR);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
}

/* The disconnect cmsg never blocks on linger, as WSASendDisconnect. */
TEST_F(conn, disconnect_cmsg_does_not_linger)
{
	int rcvbuf = 4096;
	double t;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, write_pattern(self->cfd, 64 << 10, 1000));
	set_linger(self->cfd, 1, 30);
	t = now();
	EXPECT_EQ(0, st_send_disconnect(self->cfd, NULL, 0, "x", 1));
	EXPECT_GT(1.0, now() - t);
	set_linger(self->cfd, 0, 0);
}

/* XDISCON_TX_DONE: the peer's transport took the data and disconnect. */
TEST_F_TIMEOUT(conn, tx_done_option, 180)
{
	int rcvbuf = 4096, done = -1;
	socklen_t len = sizeof(done);
	size_t total;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_XDISCON, XDISCON_TX_DONE, &done,
				&len));
	EXPECT_EQ(0, done);		/* still open for sending */
	total = saturate(self->cfd);
	ASSERT_EQ(0, shutdown(self->cfd, SHUT_WR));
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_XDISCON, XDISCON_TX_DONE, &done,
				&len));
	EXPECT_EQ(0, done);		/* data waits for the reader */
	EXPECT_EQ((ssize_t)total, read_pattern(self->sfd, 4096));
	/* Over TCP: once the peer's TCP acknowledged the FIN. */
	EXPECT_EQ(0, wait_value(self->cfd, XDISCON_TX_DONE, 1));
}

/* Winsock's non-blocking close with a linger timeout: EWOULDBLOCK, open. */
TEST_F_TIMEOUT(conn, nonblocking_graceful_close_would_block, 180)
{
	int rcvbuf = 4096, dlen, flags;
	char disc[16], c;
	size_t total;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA,
				"nb", 2));
	total = saturate(self->cfd);
	ASSERT_EQ(0, fcntl(self->cfd, F_SETFL, O_NONBLOCK));
	EXPECT_EQ(-1, xd_close_graceful(self->cfd, 5));
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_LE(0, fcntl(self->cfd, F_GETFD));	/* still open */
	EXPECT_EQ((ssize_t)total, read_pattern(self->sfd, 4096));
	EXPECT_EQ(0, st_recv(self->sfd, &c, 1, 0, disc, 16, &dlen, &flags));
	EXPECT_EQ(2, dlen);
	EXPECT_EQ(0, wait_value(self->cfd, XDISCON_TX_DONE, 1));
	EXPECT_EQ(0, xd_close_graceful(self->cfd, 5));
	self->cfd = -1;
}

/*
 * SIGKILL closes like linger off, even with a linger timeout set and data
 * still waiting for the peer: the peer gets everything and the data.
 */
TEST_F(conn, sigkill_closes_gracefully)
{
	int p[2], dlen, flags, status, rcvbuf = 4096;
	char disc[16], c;
	pid_t pid;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				sizeof(rcvbuf)));
	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		set_linger(self->cfd, 1, 30);
		setsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA, "killed",
			   6);
		if (write_pattern(self->cfd, 64 << 10, 1000) ||
		    write(p[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(self->cfd);
	self->cfd = -1;
	ASSERT_EQ(1, read(p[0], &c, 1));
	ASSERT_EQ(0, kill(pid, SIGKILL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(64 << 10, read_pattern(self->sfd, 1000));
	EXPECT_EQ(0, st_recv(self->sfd, &c, 1, 0, disc, 16, &dlen, &flags));
	EXPECT_EQ(6, dlen);
	close(p[0]);
	close(p[1]);
}

/* -- errors -- */

TEST_F(conn, discdata_over_limit)
{
	int max = 0;
	socklen_t len = sizeof(max);
	char *big, c;

	ASSERT_EQ(0, getsockopt(self->cfd, SOL_XDISCON, XDISCON_MAX_DISCDATA,
				&max, &len));
	EXPECT_LE(1024, max);
	big = calloc(1, max + 1);
	EXPECT_EQ(-1, st_send_disconnect(self->cfd, "data", 4, big, max + 1));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, setsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA, big,
				 max + 1));
	EXPECT_EQ(EMSGSIZE, errno);
	/* Nothing was sent. */
	EXPECT_EQ(-1, recv(self->sfd, &c, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(0, st_send_disconnect(self->cfd, NULL, 0, big, max));
	free(big);
}

TEST_F(conn, errnos)
{
	int fd = xd_socket(variant->type), v = 0;
	socklen_t len = sizeof(v);
	char buf[16];
	struct iovec iov = { .iov_base = buf, .iov_len = 1 };
	union {
		char b[CMSG_SPACE(4)];
		struct cmsghdr a;
	} ctl = {};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	EXPECT_EQ(-1, st_send_disconnect(fd, NULL, 0, "x", 1));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, getsockopt(fd, SOL_XDISCON, XDISCON_PEER_DISCDATA, buf,
				 &len));
	EXPECT_EQ(ENOTCONN, errno);
	len = sizeof(buf);
	EXPECT_EQ(-1, getsockopt(self->cfd, SOL_XDISCON,
				 XDISCON_PEER_DISCDATA, buf, &len));
	EXPECT_EQ(ENODATA, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_XDISCON, 999, &v, sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, getsockopt(fd, SOL_XDISCON, 999, &v, &len));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_XDISCON, XDISCON_PEER_DISCDATA, &v,
				 sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, recv(fd, buf, 1, MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(fd, SHUT_WR));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, shutdown(self->cfd, 7));
	EXPECT_EQ(EINVAL, errno);

	/* Unknown cmsg type at SOL_XDISCON: EINVAL, nothing sent. */
	cmsg->cmsg_level = SOL_XDISCON;
	cmsg->cmsg_type = 77;
	cmsg->cmsg_len = CMSG_LEN(4);
	EXPECT_EQ(-1, sendmsg(self->cfd, &msg, 0));
	EXPECT_EQ(EINVAL, errno);
	/* A cmsg_len past the buffer: EINVAL. */
	cmsg->cmsg_type = XDISCON_CMSG_DISCONNECT;
	cmsg->cmsg_len = CMSG_LEN(64);
	EXPECT_EQ(-1, sendmsg(self->cfd, &msg, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, recv(self->sfd, buf, 1, MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, send(self->cfd, buf, 1, MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(fd);
}

/* -- isolation and visibility -- */

TEST_F(conn, netns_isolation)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct sockaddr_xdiscon a = xd_addr(xd_port(self->lfd));
		int fd, l;

		if (unshare(CLONE_NEWNET) || xd_lo_up())
			_exit(2);
		fd = xd_socket(variant->type);
		if (xd_connect(fd, xd_port(self->lfd)) != -1 ||
		    errno != ECONNREFUSED)
			_exit(3);
		/* The same port is free here. */
		l = xd_socket(variant->type);
		if (bind(l, (struct sockaddr *)&a, sizeof(a)))
			_exit(4);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(conn, proc_net_xdiscon)
{
	char line[512], want[64], *ok = NULL;
	struct stat st;
	FILE *f;

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_XDISCON, XDISCON_DISCDATA,
				"12345", 5));
	ASSERT_EQ(0, fstat(self->cfd, &st));
	snprintf(want, sizeof(want), "%lu ", (unsigned long)st.st_ino);
	f = fopen("/proc/net/xdiscon", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, want, strlen(want)))
			ok = strdup(line);
	fclose(f);
	ASSERT_NE(NULL, ok);
	EXPECT_NE(NULL, strstr(ok, "CONNECTED"));
	EXPECT_NE(NULL, strstr(ok, variant->type == SOCK_STREAM ?
			       "STREAM" : "SEQPACKET"));
	EXPECT_NE(NULL, strstr(ok, " 5 "));
	free(ok);
}

TEST_HARNESS_MAIN
