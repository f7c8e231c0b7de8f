// SPDX-License-Identifier: GPL-2.0
/*
 * Blocking calls raced against what other threads do to the same socket
 * or listener: one deterministic test per lifetime bug the module has had.
 * A thread is known to be asleep in the kernel when /proc shows it in
 * state S; the tests synchronise on that, never on a fixed delay.
 * The kernel's sanitizers (KASAN, lockdep, refcount) report what the
 * tests' own checks cannot see; the run's verdict includes them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The scheduler state letter of thread @tid of this process, or 0. */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Wait until thread *@tid (0 until the thread has set it) sleeps, at most
 * @secs: 1 once asleep, 0 if it never slept.
 */
static int wait_asleep(volatile pid_t *tid, double secs)
{
	const struct timespec tick = { .tv_nsec = 1000000 };
	double end = now() + secs;

	while (now() < end) {
		if (*tid && thread_state(*tid) == 'S')
			return 1;
		nanosleep(&tick, NULL);
	}
	return 0;
}

static void on_alarm(int sig)
{
}

/* SIGALRM interrupts a blocked call (no SA_RESTART): a watchdog. */
static void arm_watchdog(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);
}

#define LOCAL XDISCON_TRANSPORT_LOCAL
#define INET XDISCON_TRANSPORT_INET

FIXTURE(peek) {
	int lfd, cfd, sfd;
};

FIXTURE_VARIANT(peek) {
	int transport;
};

FIXTURE_VARIANT_ADD(peek, local) { .transport = LOCAL };
FIXTURE_VARIANT_ADD(peek, inet6) { .transport = INET };

FIXTURE_SETUP(peek)
{
	xd_use_transport(variant->transport, 0);
	arm_watchdog();
	self->lfd = xd_listener(SOCK_STREAM, 4);
	ASSERT_LE(0, self->lfd);
	self->cfd = xd_pair(SOCK_STREAM, self->lfd, &self->sfd);
	ASSERT_LE(0, self->cfd);
	ASSERT_EQ(4, send(self->cfd, "abcd", 4, 0));
}

FIXTURE_TEARDOWN(peek)
{
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
}

/*
 * A peek that needs more than is queued sleeps until more comes or its
 * SO_RCVTIMEO runs out, then returns what there is, as TCP does: it does
 * not spin on the bytes it has already peeked.  @flags: MSG_WAITALL, or
 * 0 with SO_RCVLOWAT 8.
 */
static void peek_sleeps(struct __test_metadata *_metadata, int fd, int flags)
{
	struct timeval tv = { .tv_usec = 500000 };
	double t0, cpu0, wall, cpu;
	char buf[8];
	ssize_t n;

	ASSERT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)));
	alarm(4);
	t0 = now();
	cpu0 = thread_cpu();
	n = recv(fd, buf, sizeof(buf), MSG_PEEK | flags);
	wall = now() - t0;
	cpu = thread_cpu() - cpu0;
	alarm(0);
	EXPECT_EQ(4, n);
	EXPECT_EQ(0, memcmp(buf, "abcd", 4));
	EXPECT_LE(0.4, wall);
	EXPECT_GE(2.0, wall);
	EXPECT_GE(0.25, cpu) TH_LOG("the peek spun: %.2f s of CPU in %.2f s",
				    cpu, wall);
	/* The peeked bytes are still there for a read. */
	EXPECT_EQ(4, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
}

TEST_F(peek, waitall_sleeps)
{
	peek_sleeps(_metadata, self->sfd, MSG_WAITALL);
}

TEST_F(peek, rcvlowat_sleeps)
{
	int lowat = 8;

	ASSERT_EQ(0, setsockopt(self->sfd, SOL_SOCKET, SO_RCVLOWAT, &lowat,
				sizeof(lowat)));
	peek_sleeps(_metadata, self->sfd, 0);
}

struct peeker {
	int fd;
	volatile pid_t tid;
	char buf[8];
	ssize_t ret;
	int err;
};

static void *peek_thread(void *arg)
{
	struct peeker *p = arg;

	p->tid = syscall(SYS_gettid);
	p->ret = recv(p->fd, p->buf, sizeof(p->buf), MSG_PEEK | MSG_WAITALL);
	p->err = errno;
	return NULL;
}

/*
 * Another thread frees what a sleeping MSG_PEEK|MSG_WAITALL had peeked
 * (a read, or shutdown(SHUT_RD)); more data then wakes the peeker.  It
 * must not touch the freed skbs: like TCP, it goes on from the head of
 * the queue, past as many bytes as it has already copied.
 */
TEST_F(peek, read_under_sleeping_peek)
{
	struct peeker p = { .fd = self->sfd };
	pthread_t th;
	char buf[4];

	ASSERT_EQ(0, pthread_create(&th, NULL, peek_thread, &p));
	EXPECT_TRUE(wait_asleep(&p.tid, 3)) TH_LOG("the peeker never slept");
	ASSERT_EQ(4, recv(self->sfd, buf, sizeof(buf), 0));
	ASSERT_EQ(8, send(self->cfd, "efghijkl", 8, 0));
	pthread_join(th, NULL);
	ASSERT_EQ(8, p.ret) TH_LOG("peek: %s", strerror(p.err));
	EXPECT_EQ(0, memcmp(p.buf, "abcdijkl", 8));
}

TEST_F(peek, shut_rd_under_sleeping_peek)
{
	struct peeker p = { .fd = self->sfd };
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, peek_thread, &p));
	EXPECT_TRUE(wait_asleep(&p.tid, 3)) TH_LOG("the peeker never slept");
	ASSERT_EQ(0, shutdown(self->sfd, SHUT_RD));
	pthread_join(th, NULL);
	/* What it had peeked, and the end of the receive direction. */
	EXPECT_EQ(4, p.ret);
	EXPECT_EQ(0, memcmp(p.buf, "abcd", 4));
}

/* -- the local transport's connect -- */

FIXTURE(lconn) {
	int dummy;
};

FIXTURE_VARIANT(lconn) {
	int type;
};

FIXTURE_VARIANT_ADD(lconn, stream) { .type = SOCK_STREAM };
FIXTURE_VARIANT_ADD(lconn, seqpacket) { .type = SOCK_SEQPACKET };

FIXTURE_SETUP(lconn)
{
	xd_use_transport(LOCAL, 0);
}

FIXTURE_TEARDOWN(lconn)
{
}

struct connector {
	int fd;
	unsigned short port;
	volatile pid_t tid;
	int ret;
	int err;
};

static void *connect_thread(void *arg)
{
	struct connector *c = arg;

	c->tid = syscall(SYS_gettid);
	c->ret = xd_connect(c->fd, c->port);
	c->err = errno;
	return NULL;
}

/*
 * A connect() asleep on a full backlog while the listener is closed: it
 * fails with ECONNREFUSED, and what it slept on outlives the listener's
 * file.  Repeated, as the window is where the closer and the woken
 * connector overlap.
 */
TEST_F(lconn, full_backlog_listener_closed)
{
	int i, lfd, cfd;

	for (i = 0; i < 30; i++) {
		struct connector c;
		pthread_t th;

		lfd = xd_listener(variant->type, 0);
		ASSERT_LE(0, lfd);
		cfd = xd_socket(variant->type);
		ASSERT_EQ(0, xd_connect(cfd, xd_port(lfd)));
		c = (struct connector){ .fd = xd_socket(variant->type),
					.port = xd_port(lfd) };
		ASSERT_EQ(0, pthread_create(&th, NULL, connect_thread, &c));
		ASSERT_TRUE(wait_asleep(&c.tid, 3));
		close(lfd);
		pthread_join(th, NULL);
		EXPECT_EQ(-1, c.ret);
		EXPECT_EQ(ECONNREFUSED, c.err);
		close(c.fd);
		close(cfd);
	}
}

struct acceptor {
	int lfd;
	volatile int stop;
	unsigned long accepted;
};

/* Accept and reset at once (SO_LINGER {1, 0}) until told to stop. */
static void *reset_acceptor(void *arg)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct acceptor *a = arg;
	int fd;

	while (!a->stop) {
		fd = accept(a->lfd, NULL, NULL);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
		a->accepted++;
	}
	return NULL;
}

/*
 * connect() against an acceptor that resets each connection as soon as
 * it is queued: the connector's hold on the connection must be taken
 * before the connection is visible to accept().  The debug kernels under
 * emulation make about 100 connections a second: more than the default
 * 30 s.
 */
TEST_F_TIMEOUT(lconn, connect_against_reset_acceptor, 120)
{
	struct timeval tv = { .tv_usec = 100000 };
	struct acceptor a = {};
	int i, fd, ok = 0;
	pthread_t th;

	a.lfd = xd_listener(variant->type, 64);
	ASSERT_LE(0, a.lfd);
	ASSERT_EQ(0, setsockopt(a.lfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	ASSERT_EQ(0, pthread_create(&th, NULL, reset_acceptor, &a));
	for (i = 0; i < 3000; i++) {
		fd = xd_socket(variant->type);
		ASSERT_LE(0, fd);
		if (!xd_connect(fd, xd_port(a.lfd)))
			ok++;
		close(fd);
	}
	a.stop = 1;
	pthread_join(th, NULL);
	close(a.lfd);
	EXPECT_EQ(3000, ok);
}

struct racer {
	int fd;
	unsigned short port;
	pthread_barrier_t *go;
	int ret;
};

static void *nonblock_connect_thread(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->go);
	r->ret = xd_connect(r->fd, r->port) && errno != EINPROGRESS ? -1 : 0;
	return NULL;
}

/*
 * Non-blocking connects all at once to a listener with backlog 2: at most
 * three (the backlog, plus one, as TCP and AF_UNIX count) are queued.
 */
TEST_F(lconn, backlog_holds_under_concurrent_connects)
{
	enum { N = 8, ROUNDS = 20 };
	int i, j, lfd, fd, queued;

	for (j = 0; j < ROUNDS; j++) {
		struct racer r[N];
		pthread_barrier_t go;
		pthread_t th[N];

		lfd = xd_listener(variant->type, 2);
		ASSERT_LE(0, lfd);
		pthread_barrier_init(&go, NULL, N);
		for (i = 0; i < N; i++) {
			r[i] = (struct racer){
				.fd = xd_socket(variant->type),
				.port = xd_port(lfd), .go = &go,
			};
			fcntl(r[i].fd, F_SETFL, O_NONBLOCK);
			ASSERT_EQ(0, pthread_create(&th[i], NULL,
						    nonblock_connect_thread,
						    &r[i]));
		}
		for (i = 0; i < N; i++)
			pthread_join(th[i], NULL);
		fcntl(lfd, F_SETFL, O_NONBLOCK);
		for (queued = 0; (fd = accept(lfd, NULL, NULL)) >= 0; queued++)
			close(fd);
		EXPECT_EQ(EAGAIN, errno);
		EXPECT_GE(3, queued);
		for (i = 0; i < N; i++)
			close(r[i].fd);
		close(lfd);
		pthread_barrier_destroy(&go);
	}
}

TEST_HARNESS_MAIN
