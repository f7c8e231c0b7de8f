// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability under load and faults: connection churn, many threads on the
 * same sockets, connect storms, listeners closing under connects, SIGKILL
 * mid-transfer, shared sockets across fork, a peer that never reads, and
 * an unprivileged user.  Every byte a reader reports is checked against
 * what the writer had accepted (a position-dependent pattern): nothing
 * lost, duplicated or reordered.
 *
 * The amounts fit make check's time on a debug kernel and two stock ones
 * under emulation; XD_STRESS_SCALE multiplies them (make soak: 40).
 * XD_STATS names a
 * file that receives "key count" lines for the run's report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <linux/sockios.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

static int scale(void)
{
	const char *s = getenv("XD_STRESS_SCALE");

	return s && atoi(s) > 0 ? atoi(s) : 1;
}

static void stats_add(const char *key, unsigned long n)
{
	const char *path = getenv("XD_STATS");
	char line[64];
	int fd, len;

	if (!path)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0644);
	if (fd < 0)
		return;
	len = snprintf(line, sizeof(line), "%s %lu\n", key, n);
	if (write(fd, line, len) != len)
		len = -1;
	close(fd);
}

static unsigned char pat(uint64_t off)
{
	return (unsigned char)(off * 131 + (off >> 9) * 7 + 1);
}

static void fill(unsigned char *b, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		b[i] = pat(off + i);
}

static int check_pat(const unsigned char *b, size_t n, uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		if (b[i] != pat(off + i))
			return -1;
	return 0;
}

static uint32_t sum32(const unsigned char *b, size_t n)
{
	uint32_t s = 2166136261u;

	for (size_t i = 0; i < n; i++)
		s = (s ^ b[i]) * 16777619u;
	return s;
}

/* Long tests: a fixture only to give them their own timeouts. */
FIXTURE(slow) {
};

FIXTURE_SETUP(slow)
{
}

FIXTURE_TEARDOWN(slow)
{
}

/* -- churn: many short connections, each with disconnect data both ways -- */

struct churn {
	int lfd;
	unsigned short port;
	int per_thread;
	int type;
	int errors;
	pthread_mutex_t lock;
};

static void *churn_server(void *arg)
{
	struct churn *c = arg;
	/* One byte more than expected: the last read has room to see EOF. */
	unsigned char req[1025], ans[1024], disc[16];
	int fd, dlen, flags;
	uint32_t sum;

	for (int i = 0; i < c->per_thread; i++) {
		size_t got = 0;
		ssize_t n;

		fd = accept(c->lfd, NULL, NULL);
		if (fd < 0)
			goto err;
		/* The request, then end of stream with its checksum. */
		while ((n = st_recv(fd, req + got, sizeof(req) - got, 0, disc,
				    sizeof(disc), &dlen, &flags)) > 0)
			got += n;
		memcpy(&sum, disc, sizeof(sum));
		if (n < 0 || got != 1024 || dlen != 8 || sum != sum32(req, 1024))
			goto err_fd;
		fill(ans, sizeof(ans), sum);
		sum = sum32(ans, sizeof(ans));
		memcpy(disc, &sum, sizeof(sum));
		if (st_send_disconnect(fd, ans, sizeof(ans), disc, 8) != 1024)
			goto err_fd;
		close(fd);
		continue;
err_fd:
		close(fd);
err:
		pthread_mutex_lock(&c->lock);
		c->errors++;
		pthread_mutex_unlock(&c->lock);
	}
	return NULL;
}

static void *churn_client(void *arg)
{
	struct churn *c = arg;
	unsigned char req[1024], ans[1025], disc[16];
	int fd, dlen, flags;
	uint32_t sum;

	for (int i = 0; i < c->per_thread; i++) {
		size_t got = 0;
		ssize_t n;

		fd = xd_socket(c->type);
		if (fd < 0 || xd_connect(fd, c->port))
			goto err_fd;
		fill(req, sizeof(req), (uint64_t)i << 20);
		sum = sum32(req, sizeof(req));
		memset(disc, 0, sizeof(disc));
		memcpy(disc, &sum, sizeof(sum));
		if (st_send_disconnect(fd, req, sizeof(req), disc, 8) !=
		    sizeof(req))
			goto err_fd;
		while ((n = st_recv(fd, ans + got, sizeof(ans) - got, 0, disc,
				    sizeof(disc), &dlen, &flags)) > 0)
			got += n;
		memcpy(&sum, disc, sizeof(sum));
		if (n < 0 || got != 1024 || dlen != 8 || sum != sum32(ans, 1024))
			goto err_fd;
		close(fd);
		continue;
err_fd:
		if (fd >= 0)
			close(fd);
		pthread_mutex_lock(&c->lock);
		c->errors++;
		pthread_mutex_unlock(&c->lock);
	}
	return NULL;
}

static int run_churn(int type, int total)
{
	struct churn c = { .type = type, .per_thread = total / 4 };
	pthread_t srv[4], cli[4];
	int i;

	pthread_mutex_init(&c.lock, NULL);
	c.lfd = xd_listener(type, 64);
	if (c.lfd < 0)
		return -1;
	c.port = xd_port(c.lfd);
	for (i = 0; i < 4; i++) {
		pthread_create(&srv[i], NULL, churn_server, &c);
		pthread_create(&cli[i], NULL, churn_client, &c);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(cli[i], NULL);
		pthread_join(srv[i], NULL);
	}
	close(c.lfd);
	stats_add("connections", c.per_thread * 4);
	stats_add("bytes", (uint64_t)c.per_thread * 4 * 2048);
	return c.errors;
}

TEST_F_TIMEOUT(slow, churn_stream, 600)
{
	EXPECT_EQ(0, run_churn(SOCK_STREAM, 1500 * scale()));
}

TEST_F_TIMEOUT(slow, churn_seqpacket, 600)
{
	EXPECT_EQ(0, run_churn(SOCK_SEQPACKET, 1000 * scale()));
}

/* -- many threads on the same sockets -- */

#define HAMMER_PAIRS 8

struct hammer_pair {
	int wfd, rfd, type;
	uint64_t written;	/* bytes (stream) or records accepted */
	uint64_t read;
	int bad;
	int graceful;
};

static void *hammer_writer(void *arg)
{
	struct hammer_pair *p = arg;
	unsigned char buf[9000];
	unsigned int seed = p->wfd;
	ssize_t n;

	for (;;) {
		size_t len = 1 + rand_r(&seed) % sizeof(buf);

		if (p->type == SOCK_SEQPACKET) {
			/* A record: its number, then the pattern from it. */
			len = len < 8 ? 8 : len;
			memcpy(buf, &p->written, 8);
			fill(buf + 8, len - 8, p->written);
		} else {
			fill(buf, len, p->written);
		}
		n = send(p->wfd, buf, len, MSG_NOSIGNAL);
		if (n < 0)
			break;
		p->written += p->type == SOCK_SEQPACKET ? 1 : (uint64_t)n;
	}
	return NULL;
}

static void *hammer_reader(void *arg)
{
	struct hammer_pair *p = arg;
	unsigned char buf[9000];
	uint64_t seq;
	ssize_t n;

	while ((n = recv(p->rfd, buf, sizeof(buf), 0)) > 0) {
		if (p->type == SOCK_SEQPACKET) {
			memcpy(&seq, buf, 8);
			if (n < 8 || seq != p->read ||
			    check_pat(buf + 8, n - 8, seq))
				p->bad++;
			p->read++;
		} else {
			if (check_pat(buf, n, p->read))
				p->bad++;
			p->read += n;
		}
	}
	if (n < 0)
		p->bad += 1000;
	return NULL;
}

/* Poke at the pairs while they run: options, poll, epoll, ioctls. */
static void *hammer_chaos(void *arg)
{
	struct hammer_pair *pairs = arg;
	unsigned int seed = 7;
	int ep = epoll_create1(0), i, v;
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP };
	char buf[64];
	socklen_t len;

	for (i = 0; i < HAMMER_PAIRS; i++) {
		epoll_ctl(ep, EPOLL_CTL_ADD, pairs[i].wfd, &ev);
		epoll_ctl(ep, EPOLL_CTL_ADD, pairs[i].rfd, &ev);
	}
	for (i = 0; i < 3000; i++) {
		struct hammer_pair *p = &pairs[rand_r(&seed) % HAMMER_PAIRS];
		struct linger l = { rand_r(&seed) % 2, 1 + rand_r(&seed) % 3 };
		struct epoll_event out[8];

		switch (rand_r(&seed) % 6) {
		case 0:
			setsockopt(p->wfd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
			break;
		case 1:
			setsockopt(p->wfd, SOL_XDISCON, XDISCON_DISCDATA, buf,
				   rand_r(&seed) % sizeof(buf));
			break;
		case 2:
			len = sizeof(buf);
			getsockopt(p->rfd, SOL_XDISCON, XDISCON_PEER_DISCDATA,
				   buf, &len);
			break;
		case 3:
			ioctl(p->wfd, SIOCOUTQ, &v);
			ioctl(p->rfd, SIOCINQ, &v);
			break;
		case 4:
			epoll_wait(ep, out, 8, 0);
			break;
		default:
			poll(&(struct pollfd){ .fd = p->rfd,
					       .events = POLLIN | POLLRDHUP },
			     1, 0);
		}
	}
	/* Then end every pair gracefully, half by cmsg, half by shutdown. */
	for (i = 0; i < HAMMER_PAIRS; i++) {
		if (i % 2)
			pairs[i].graceful = !shutdown(pairs[i].wfd, SHUT_WR);
		else
			pairs[i].graceful = !st_send_disconnect(pairs[i].wfd,
								NULL, 0, "end",
								3);
	}
	close(ep);
	return NULL;
}

static void run_hammer(struct __test_metadata *_metadata, int type)
{
	struct hammer_pair pairs[HAMMER_PAIRS] = {};
	pthread_t w[HAMMER_PAIRS], r[HAMMER_PAIRS], chaos;
	int lfd = xd_listener(type, HAMMER_PAIRS), i;
	uint64_t bytes = 0;

	ASSERT_LE(0, lfd);
	for (i = 0; i < HAMMER_PAIRS; i++) {
		pairs[i].type = type;
		pairs[i].wfd = xd_pair(type, lfd, &pairs[i].rfd);
		ASSERT_LE(0, pairs[i].wfd);
		pthread_create(&w[i], NULL, hammer_writer, &pairs[i]);
		pthread_create(&r[i], NULL, hammer_reader, &pairs[i]);
	}
	pthread_create(&chaos, NULL, hammer_chaos, pairs);
	pthread_join(chaos, NULL);
	for (i = 0; i < HAMMER_PAIRS; i++) {
		pthread_join(w[i], NULL);
		pthread_join(r[i], NULL);
		EXPECT_TRUE(pairs[i].graceful);
		EXPECT_EQ(0, pairs[i].bad);
		/* Graceful: the reader got exactly what was accepted. */
		EXPECT_EQ(pairs[i].written, pairs[i].read);
		bytes += pairs[i].read;
		close(pairs[i].wfd);
		close(pairs[i].rfd);
	}
	close(lfd);
	stats_add("connections", HAMMER_PAIRS);
	stats_add("bytes", bytes);
}

TEST_F_TIMEOUT(slow, hammer_stream, 300)
{
	run_hammer(_metadata, SOCK_STREAM);
}

TEST_F_TIMEOUT(slow, hammer_seqpacket, 300)
{
	run_hammer(_metadata, SOCK_SEQPACKET);
}

/* -- connect storms against a small backlog; listeners closing -- */

struct storm {
	unsigned short port;
	int type;
	int bad;
	int ok;
	pthread_mutex_t lock;
};

static void *storm_connector(void *arg)
{
	struct storm *s = arg;
	int i, fd, ok = 0, bad = 0;

	for (i = 0; i < 150; i++) {
		fd = xd_socket(s->type | SOCK_NONBLOCK);
		if (fd < 0) {
			bad++;
			continue;
		}
		if (!xd_connect(fd, s->port) || errno == EINPROGRESS)
			ok++;
		else if (errno != EAGAIN && errno != ECONNREFUSED)
			bad++;
		close(fd);
	}
	pthread_mutex_lock(&s->lock);
	s->ok += ok;
	s->bad += bad;
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void run_storm(struct __test_metadata *_metadata)
{
	struct storm s = { .type = SOCK_STREAM };
	int lfd = xd_listener(SOCK_STREAM, 2), i, fd, accepted = 0;
	pthread_t t[6];

	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, fcntl(lfd, F_SETFL, O_NONBLOCK));
	pthread_mutex_init(&s.lock, NULL);
	s.port = xd_port(lfd);
	for (i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, storm_connector, &s);
	/* Accept while they connect; half-way, close the listener. */
	for (i = 0; i < 2000; i++) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0) {
			accepted++;
			close(fd);
		}
		if (i == 1000) {
			close(lfd);
			lfd = -1;
			break;
		}
	}
	for (i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	if (lfd >= 0)
		close(lfd);
	EXPECT_EQ(0, s.bad);
	EXPECT_LT(0, s.ok);
	stats_add("connections", s.ok);
}

TEST_F_TIMEOUT(slow, connect_storm_small_backlog, 300)
{
	run_storm(_metadata);
}

/* -- the same loads over the inet transport (TCP on ::1) -- */

FIXTURE(inet) {
};

FIXTURE_SETUP(inet)
{
	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
}

FIXTURE_TEARDOWN(inet)
{
}

TEST_F_TIMEOUT(inet, churn_stream, 600)
{
	EXPECT_EQ(0, run_churn(SOCK_STREAM, 250 * scale()));
}

TEST_F_TIMEOUT(inet, churn_seqpacket, 600)
{
	EXPECT_EQ(0, run_churn(SOCK_SEQPACKET, 150 * scale()));
}

TEST_F_TIMEOUT(inet, hammer_stream, 300)
{
	run_hammer(_metadata, SOCK_STREAM);
}

TEST_F_TIMEOUT(inet, hammer_seqpacket, 300)
{
	run_hammer(_metadata, SOCK_SEQPACKET);
}

TEST_F_TIMEOUT(inet, connect_storm_small_backlog, 300)
{
	run_storm(_metadata);
}

/*
 * -- the racer: blocking and state-changing calls against close(),
 * shutdown() and SO_LINGER changes on the sockets and listener they share --
 *
 * Each round sets up a listener whose backlog is full, and a connected
 * pair with data queued both ways.  Workers make random calls on those
 * shared descriptors (reads with MSG_PEEK, MSG_WAITALL and SO_RCVLOWAT,
 * connects to the full backlog, accepts, sends with the disconnect
 * message, disconnect-data options, poll), each bounded by a 10 ms
 * timeout, while a chaos thread shuts down, changes SO_LINGER and closes
 * them under the workers.  Results are not checked: the kernel's
 * sanitizers and the socket count judge the run.
 */

enum { RACE_WORKERS = 4, RACE_CALLS = 12 };

struct race {
	int type;
	int fds[4];		/* listener, client, server, queued client */
	unsigned short port;
	unsigned long calls;
};

static int race_fd(struct race *r, int i)
{
	return __atomic_load_n(&r->fds[i], __ATOMIC_RELAXED);
}

static void race_timeouts(int fd)
{
	struct timeval tv = { .tv_usec = 10000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void race_call(struct race *r, unsigned int *seed)
{
	int fd = race_fd(r, 1 + rand_r(seed) % 2), nfd, lowat = 64;
	struct pollfd p = { .events = POLLIN | POLLOUT | POLLRDHUP };
	struct linger lg = { .l_onoff = 1 };
	char buf[256] = {};

	switch (rand_r(seed) % 9) {
	case 0:
		recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_WAITALL);
		break;
	case 1:
		recv(fd, buf, sizeof(buf), MSG_WAITALL);
		break;
	case 2:
		setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof(lowat));
		recv(fd, buf, sizeof(buf), MSG_PEEK);
		break;
	case 3:		/* the backlog is full: this blocks, or fails */
		nfd = xd_socket(r->type);
		race_timeouts(nfd);
		xd_connect(nfd, r->port);
		close(nfd);
		break;
	case 4:
		nfd = accept(race_fd(r, 0), NULL, NULL);
		if (nfd >= 0 && rand_r(seed) % 2)
			setsockopt(nfd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (nfd >= 0)
			close(nfd);
		break;
	case 5:
		st_send_disconnect(fd, buf, 16, "bye", 3);
		break;
	case 6:
		setsockopt(fd, SOL_XDISCON, XDISCON_DISCDATA, "data", 4);
		break;
	case 7:
		p.fd = fd;
		poll(&p, 1, 10);
		break;
	default:
		send(fd, buf, sizeof(buf), MSG_NOSIGNAL);
	}
	__atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
}

static void *race_worker(void *arg)
{
	struct race *r = arg;
	unsigned int seed = (unsigned int)(uintptr_t)&seed ^ getpid();

	for (int i = 0; i < RACE_CALLS; i++)
		race_call(r, &seed);
	return NULL;
}

/* Shut down, change SO_LINGER and close under the workers. */
static void *race_chaos(void *arg)
{
	struct race *r = arg;
	unsigned int seed = (unsigned int)(uintptr_t)&seed ^ getpid();

	for (int i = 0; i < 6; i++) {
		int which = rand_r(&seed) % 4, fd = race_fd(r, which);
		struct linger lg = { rand_r(&seed) % 2, rand_r(&seed) % 2 };

		/* A random point in the workers' calls. */
		for (int y = rand_r(&seed) % 200; y > 0; y--)
			sched_yield();
		switch (rand_r(&seed) % 3) {
		case 0:
			shutdown(fd, rand_r(&seed) % 3);
			break;
		case 1:
			setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			break;
		default:
			if (fd >= 0 &&
			    __atomic_compare_exchange_n(&r->fds[which], &fd, -1,
							0, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				close(fd);
		}
		__atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* One round; the calls it made, or -1 if it could not be set up. */
static long race_round(int type)
{
	struct race r = { .type = type };
	pthread_t th[RACE_WORKERS + 1];
	char buf[512] = {};
	int i;

	r.fds[0] = xd_listener(type, 0);
	if (r.fds[0] < 0)
		return -1;
	r.port = xd_port(r.fds[0]);
	r.fds[1] = xd_pair(type, r.fds[0], &r.fds[2]);
	r.fds[3] = xd_socket(type);
	if (r.fds[1] < 0 || xd_connect(r.fds[3], r.port)) {
		for (i = 0; i < 4; i++)
			if (r.fds[i] >= 0 && (i != 2 || r.fds[1] >= 0))
				close(r.fds[i]);
		return -1;
	}
	for (i = 0; i < 4; i++)
		race_timeouts(r.fds[i]);
	send(r.fds[1], buf, sizeof(buf), MSG_NOSIGNAL);
	send(r.fds[2], buf, sizeof(buf), MSG_NOSIGNAL);

	for (i = 0; i < RACE_WORKERS; i++)
		pthread_create(&th[i], NULL, race_worker, &r);
	pthread_create(&th[i], NULL, race_chaos, &r);
	for (i = 0; i <= RACE_WORKERS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 4; i++)
		if (r.fds[i] >= 0)
			close(r.fds[i]);
	return r.calls;
}

static void run_racer(struct __test_metadata *_metadata, int type)
{
	unsigned long calls = 0;
	long n;

	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < 50 * scale(); i++) {
		n = race_round(type);
		ASSERT_LE(0, n);
		calls += n;
	}
	stats_add("races", calls);
}

TEST_F_TIMEOUT(slow, racer_stream, 600)
{
	run_racer(_metadata, SOCK_STREAM);
}

TEST_F_TIMEOUT(slow, racer_seqpacket, 600)
{
	run_racer(_metadata, SOCK_SEQPACKET);
}

TEST_F_TIMEOUT(inet, racer_stream, 600)
{
	run_racer(_metadata, SOCK_STREAM);
}

TEST_F_TIMEOUT(inet, racer_seqpacket, 600)
{
	run_racer(_metadata, SOCK_SEQPACKET);
}

/* -- faults -- */

/*
 * SIGKILL a writer mid-transfer: the reader gets a clean prefix, then end
 * of stream with the disconnect data set before (linger off semantics).
 * SIGKILL a reader: the writer gets EPIPE, never a hang.
 */
TEST_F_TIMEOUT(slow, sigkill_mid_transfer, 600)
{
	int rounds = 50 * scale(), faults = 0, i;
	uint64_t bytes = 0;

	for (i = 0; i < rounds; i++) {
		int lfd = xd_listener(SOCK_STREAM, 1), cfd, sfd, status, dlen;
		int kill_writer = i % 2, fl;
		unsigned char buf[4096], disc[16];
		uint64_t off = 0;
		ssize_t n;
		pid_t pid;

		ASSERT_LE(0, lfd);
		cfd = xd_pair(SOCK_STREAM, lfd, &sfd);
		ASSERT_LE(0, cfd);
		close(lfd);
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			unsigned char b[4096];
			uint64_t o = 0;

			close(sfd);
			if (!kill_writer) {
				while (recv(cfd, b, sizeof(b), 0) > 0)
					;
				_exit(0);
			}
			setsockopt(cfd, SOL_XDISCON, XDISCON_DISCDATA, "dead",
				   4);
			for (;;) {
				fill(b, sizeof(b), o);
				if (send(cfd, b, sizeof(b), 0) != sizeof(b))
					_exit(1);
				o += sizeof(b);
			}
		}
		close(cfd);
		if (kill_writer) {
			/* Read a little, kill, then read to the end. */
			for (int k = 0; k < 1 + i % 7; k++) {
				n = recv(sfd, buf, sizeof(buf), 0);
				ASSERT_LT(0, n);
				EXPECT_EQ(0, check_pat(buf, n, off));
				off += n;
			}
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			while ((n = st_recv(sfd, buf, sizeof(buf), 0, disc,
					    sizeof(disc), &dlen, NULL)) > 0) {
				EXPECT_EQ(0, check_pat(buf, n, off));
				off += n;
			}
			EXPECT_EQ(0, n);
			EXPECT_EQ(4, dlen);
		} else {
			fill(buf, sizeof(buf), 0);
			ASSERT_LT(0, send(sfd, buf, sizeof(buf), 0));
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fl = 0;
			for (int k = 0; k < 1000 && fl == 0; k++)
				if (send(sfd, buf, sizeof(buf), MSG_NOSIGNAL) < 0)
					fl = errno;
			EXPECT_EQ(EPIPE, fl);
		}
		close(sfd);
		bytes += off;
		faults++;
	}
	stats_add("faults", faults);
	stats_add("connections", rounds);
	stats_add("bytes", bytes);
}

/* Shared across fork: one holder exiting does not end the connection. */
TEST(fork_shared_socket)
{
	int lfd = xd_listener(SOCK_SEQPACKET, 1), cfd, sfd, status;
	char buf[16];
	pid_t pid;

	ASSERT_LE(0, lfd);
	cfd = xd_pair(SOCK_SEQPACKET, lfd, &sfd);
	ASSERT_LE(0, cfd);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(send(cfd, "child", 5, 0) != 5);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	EXPECT_EQ(5, send(cfd, "paren", 5, 0));
	EXPECT_EQ(5, recv(sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(5, recv(sfd, buf, sizeof(buf), 0));
	close(cfd);
	EXPECT_EQ(0, recv(sfd, buf, sizeof(buf), 0));
	close(sfd);
	close(lfd);
	stats_add("faults", 1);
}

/* A peer that never reads holds the sender to its buffer limits. */
static void never_reads(struct __test_metadata *_metadata)
{
	int lfd = xd_listener(SOCK_STREAM, 1), cfd, sfd, sndbuf = 0, inq = 0;
	socklen_t len = sizeof(sndbuf);
	char buf[4096] = {};
	size_t total = 0;
	ssize_t n;

	ASSERT_LE(0, lfd);
	cfd = xd_pair(SOCK_STREAM, lfd, &sfd);
	ASSERT_LE(0, cfd);
	while ((n = send(cfd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		total += n;
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, getsockopt(cfd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &len));
	/* Everything in flight is charged to the sender's SO_SNDBUF. */
	EXPECT_GE((size_t)sndbuf, total);
	EXPECT_EQ(0, ioctl(sfd, SIOCINQ, &inq));
	EXPECT_GE((size_t)sndbuf, (size_t)inq);
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(never_reading_peer_bounded)
{
	never_reads(_metadata);
	stats_add("faults", 1);
}

/* -- isolation and privilege -- */

TEST(unprivileged_user)
{
	int lfd = xd_listener(SOCK_STREAM, 4), status;
	unsigned short port = xd_port(lfd);
	int cfd, sfd;
	pid_t pid;

	ASSERT_LE(0, lfd);
	/* A root socket with secret disconnect data, seen from /proc. */
	cfd = xd_pair(SOCK_STREAM, lfd, &sfd);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, setsockopt(cfd, SOL_XDISCON, XDISCON_DISCDATA,
				"SECRET-XYZ", 10));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char line[512];
		FILE *f;
		int fd;

		if (setgid(65534) || setuid(65534))
			_exit(10);
		/* Sockets work for an ordinary user. */
		fd = xd_socket(SOCK_STREAM);
		if (fd < 0 || xd_connect(fd, port))
			_exit(11);
		close(fd);
		/* /proc shows lengths, never the data. */
		f = fopen("/proc/net/xdiscon", "r");
		if (!f)
			_exit(12);
		while (fgets(line, sizeof(line), f))
			if (strstr(line, "SECRET"))
				_exit(13);
		fclose(f);
		/* Its own network namespace cannot reach ours. */
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
			_exit(14);
		fd = xd_socket(SOCK_STREAM);
		if (!xd_connect(fd, port) || errno != ECONNREFUSED)
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(cfd);
	close(sfd);
	close(lfd);
}

TEST(unprivileged_never_reads_bounded)
{
	int status;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(10);
		never_reads(_metadata);
		_exit(_metadata->exit_code);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
