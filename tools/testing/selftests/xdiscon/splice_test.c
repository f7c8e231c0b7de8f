// SPDX-License-Identifier: GPL-2.0
/*
 * sendfile() into an AF_XDISCON stream socket and splice() out of one
 * into a pipe (the family's splice_read), on both transports: the bytes
 * arrive whole and in order, the disconnect and its data still end the
 * stream, a reset still fails the read, and SPLICE_F_NONBLOCK does not
 * wait.  A SOCK_SEQPACKET socket splices one record a read.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

#define XFER_LEN	(4u << 20)	/* more than any socket or pipe buffer */

static unsigned char pattern_byte(size_t off)
{
	return (unsigned char)(off * 13 + (off >> 12));
}

/* A memfd holding XFER_LEN pattern bytes, at offset 0; -1 on failure. */
static int pattern_file(void)
{
	unsigned char buf[65536];
	size_t off, i;
	int fd = memfd_create("xdiscon-splice", 0);

	if (fd < 0)
		return -1;
	for (off = 0; off < XFER_LEN; off += sizeof(buf)) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = pattern_byte(off + i);
		if (write(fd, buf, sizeof(buf)) != sizeof(buf)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Check @n bytes of @buf against the pattern from @off: 0 or -1. */
static int pattern_check(const unsigned char *buf, size_t n, size_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] != pattern_byte(off + i))
			return -1;
	return 0;
}

/* The sending side: sendfile() all of @file, then a disconnect. */
struct sender {
	pthread_t thread;
	int sock, file;
	const char *disc;
	size_t sent;
	int err;
};

static void *sender_run(void *arg)
{
	struct sender *s = arg;
	off_t off = 0;
	ssize_t n;

	while (s->sent < XFER_LEN) {
		n = sendfile(s->sock, s->file, &off, XFER_LEN - s->sent);
		if (n <= 0) {
			s->err = n ? errno : EPIPE;
			return NULL;
		}
		s->sent += n;
	}
	if (st_send_disconnect(s->sock, NULL, 0, s->disc, strlen(s->disc)))
		s->err = errno;
	return NULL;
}

static int sender_start(struct sender *s, int sock, int file,
			const char *disc)
{
	memset(s, 0, sizeof(*s));
	s->sock = sock;
	s->file = file;
	s->disc = disc;
	return pthread_create(&s->thread, NULL, sender_run, s);
}

/* The peer's disconnect data, NUL-terminated, or "" with errno set. */
static const char *peer_discdata(int fd)
{
	static char buf[256];
	socklen_t len = sizeof(buf) - 1;

	if (getsockopt(fd, SOL_XDISCON, XDISCON_PEER_DISCDATA, buf, &len))
		return "";
	buf[len] = 0;
	return buf;
}

/* Wait up to 10 s for @events on @fd: true if they came. */
static int wait_for(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	return poll(&p, 1, 10000) == 1 && (p.revents & events);
}

static void on_alarm(int sig)
{
}

/* Let a blocked call fail with EINTR after @secs, not hang the test. */
static void arm_alarm(unsigned int secs)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART */
	alarm(secs);
}

FIXTURE(conn) {
	int lfd, cfd, sfd;
	int in_use;
};

FIXTURE_VARIANT(conn) {
	int transport;
	int inet4;
};

FIXTURE_VARIANT_ADD(conn, local) {
	.transport = XDISCON_TRANSPORT_LOCAL,
};
FIXTURE_VARIANT_ADD(conn, inet6) {
	.transport = XDISCON_TRANSPORT_INET,
};
FIXTURE_VARIANT_ADD(conn, inet4) {
	.transport = XDISCON_TRANSPORT_INET, .inet4 = 1,
};

FIXTURE_SETUP(conn)
{
	/* A failed test's sender gets EPIPE, not a fatal SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	xd_use_transport(variant->transport, variant->inet4);
	self->in_use = xd_sockets_in_use();
	self->lfd = xd_listener(SOCK_STREAM, 16);
	ASSERT_LE(0, self->lfd);
	self->cfd = xd_pair(SOCK_STREAM, self->lfd, &self->sfd);
	ASSERT_LE(0, self->cfd);
}

FIXTURE_TEARDOWN(conn)
{
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
	EXPECT_TRUE(xd_sockets_back_to(self->in_use));
}

/* sendfile() in, recv() out: every byte, then the disconnect's data. */
TEST_F(conn, sendfile_then_recv)
{
	unsigned char *buf = malloc(65536);
	struct sender s;
	size_t got = 0;
	int file = pattern_file(), dlen;
	char disc[64];
	ssize_t n;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, file);
	ASSERT_EQ(0, sender_start(&s, self->cfd, file, "sendfile-done"));
	for (;;) {
		n = st_recv(self->sfd, buf, 65536, 0, disc, sizeof(disc),
			    &dlen, NULL);
		if (n <= 0)
			break;
		if (pattern_check(buf, n, got))
			break;
		got += n;
	}
	/* On a failure, unblock the sender before waiting for it. */
	if (n)
		shutdown(self->sfd, SHUT_RDWR);
	pthread_join(s.thread, NULL);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(0, n);
	EXPECT_EQ(XFER_LEN, got);
	ASSERT_EQ(13, dlen);
	EXPECT_EQ(0, memcmp(disc, "sendfile-done", 13));
	free(buf);
	close(file);
}

/*
 * sendfile() in, splice() out into a pipe, read() from the pipe: the
 * whole path without a user copy in between.  splice() returns 0 at the
 * disconnect, whose data the socket option gives.
 */
TEST_F(conn, sendfile_then_splice)
{
	unsigned char *buf = malloc(65536);
	struct sender s;
	size_t got = 0;
	int file = pattern_file(), p[2];
	ssize_t n, r;

	ASSERT_NE(NULL, buf);
	ASSERT_LE(0, file);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, sender_start(&s, self->cfd, file, "spliced"));
	for (;;) {
		n = splice(self->sfd, NULL, p[1], NULL, 65536, SPLICE_F_MOVE);
		if (n <= 0)
			break;
		/* Drain what was spliced before the next splice. */
		while (n > 0) {
			r = read(p[0], buf, n);
			if (r <= 0 || pattern_check(buf, r, got))
				goto out;
			got += r;
			n -= r;
		}
	}
out:
	/* On a failure, unblock the sender before waiting for it. */
	if (n)
		shutdown(self->sfd, SHUT_RDWR);
	pthread_join(s.thread, NULL);
	EXPECT_EQ(0, s.err);
	EXPECT_EQ(0, n) TH_LOG("splice: %s", strerror(errno));
	EXPECT_EQ(XFER_LEN, got);
	EXPECT_STREQ("spliced", peer_discdata(self->sfd));
	close(p[0]);
	close(p[1]);
	free(buf);
	close(file);
}

/*
 * A splice stops at a full pipe with what it spliced, in the middle of a
 * received buffer too, and the rest stays queued for the next one:
 * through a one-page pipe, many small sends and one large, nothing lost.
 */
TEST_F_TIMEOUT(conn, splice_full_pipe_loses_nothing, 60)
{
	static unsigned char out[200000], in[200000];
	size_t got = 0, i, small = 64 * 10;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	for (i = 0; i < sizeof(out); i++)
		out[i] = pattern_byte(i);
	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(4096, fcntl(p[1], F_SETPIPE_SZ, 4096));
	/* More than the socket buffers hold: a child sends. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->sfd);
		close(self->lfd);
		alarm(30);
		for (i = 0; i < small; i += 10)
			if (send(self->cfd, out + i, 10, 0) != 10)
				_exit(1);
		if (send(self->cfd, out + small, sizeof(out) - small, 0) !=
		    sizeof(out) - small)
			_exit(1);
		_exit(shutdown(self->cfd, SHUT_WR) ? 1 : 0);
	}
	arm_alarm(30);
	while (got < sizeof(in)) {
		n = splice(self->sfd, NULL, p[1], NULL, sizeof(in), 0);
		if (n <= 0 || n > 4096 || read(p[0], in + got, n) != n)
			break;
		got += n;
	}
	if (got < sizeof(in))
		kill(pid, SIGKILL);
	EXPECT_EQ(sizeof(in), got);
	EXPECT_EQ(0, memcmp(in, out, sizeof(in)));
	EXPECT_EQ(0, splice(self->sfd, NULL, p[1], NULL, 4096, 0));
	alarm(0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
	close(p[1]);
}

/*
 * SPLICE_F_NONBLOCK does not wait for data on a blocking socket, as
 * O_NONBLOCK would not (the generic fallback, through read_iter, would).
 */
TEST_F(conn, splice_nonblock_does_not_wait)
{
	int p[2];

	ASSERT_EQ(0, pipe(p));
	arm_alarm(5);
	EXPECT_EQ(-1, splice(self->sfd, NULL, p[1], NULL, 4096,
			     SPLICE_F_NONBLOCK));
	EXPECT_EQ(EAGAIN, errno);
	alarm(0);
	/* Data there: it splices at once. */
	ASSERT_EQ(5, send(self->cfd, "hello", 5, 0));
	ASSERT_TRUE(wait_for(self->sfd, POLLIN));
	EXPECT_EQ(5, splice(self->sfd, NULL, p[1], NULL, 4096,
			    SPLICE_F_NONBLOCK));
	close(p[0]);
	close(p[1]);
}

/*
 * Is task @pid asleep waiting for socket data?  A reader waits in
 * wait_woken() (sk_wait_event()), which /proc/PID/wchan names.
 */
static int task_waits_for_data(pid_t pid)
{
	char path[64], line[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = 0;
	fclose(f);
	return !strcmp(line, "wait_woken");
}

/* A splice blocked on an empty socket wakes for data that comes later. */
TEST_F(conn, splice_waits_for_data)
{
	int p[2], status, i;
	char buf[8];
	pid_t pid;

	ASSERT_EQ(0, pipe(p));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(self->cfd);
		close(self->lfd);
		arm_alarm(20);
		if (splice(self->sfd, NULL, p[1], NULL, 4096, 0) != 4 ||
		    read(p[0], buf, sizeof(buf)) != 4)
			_exit(1);
		_exit(memcmp(buf, "late", 4) ? 1 : 0);
	}
	for (i = 0; i < 1000 && !task_waits_for_data(pid); i++)
		usleep(10000);
	EXPECT_TRUE(task_waits_for_data(pid));
	ASSERT_EQ(4, send(self->cfd, "late", 4, 0));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(p[0]);
	close(p[1]);
}

/* After the peer aborts, splice fails with ECONNRESET, as recv does. */
TEST_F(conn, splice_after_reset)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int p[2];

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(4, send(self->cfd, "gone", 4, 0));
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_LINGER, &l,
				sizeof(l)));
	close(self->cfd);
	self->cfd = -1;
	/* The reset comes after the data: wait until it is in. */
	ASSERT_TRUE(wait_for(self->sfd, POLLERR));
	arm_alarm(10);
	EXPECT_EQ(-1, splice(self->sfd, NULL, p[1], NULL, 4096, 0));
	EXPECT_EQ(ECONNRESET, errno);
	alarm(0);
	close(p[0]);
	close(p[1]);
}

/* A socket not connected has nothing to splice. */
TEST(splice_unconnected)
{
	int in_use = xd_sockets_in_use();
	int fd = xd_socket(SOCK_STREAM), p[2];

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-1, splice(fd, NULL, p[1], NULL, 4096, SPLICE_F_NONBLOCK));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
	close(p[0]);
	close(p[1]);
	EXPECT_TRUE(xd_sockets_back_to(in_use));
}

/* Kernel @major.@minor or later? */
static int kernel_at_least(int major, int minor)
{
	struct utsname u;
	int ma = 0, mi = 0;

	if (uname(&u) || sscanf(u.release, "%d.%d", &ma, &mi) != 2)
		return 0;
	return ma > major || (ma == major && mi >= minor);
}

/*
 * From 6.5 on (MSG_SPLICE_PAGES), sendfile() lends the file's pages to
 * the socket rather than copying them: a change to the file before the
 * peer reads shows in what it reads, as over TCP.  Before 6.5 the
 * socket layer copies.  The local transport, whose skbs reach the reader
 * as sent, shows which.
 */
TEST(sendfile_lends_pages)
{
	int lfd, cfd, sfd, file = memfd_create("xdiscon-zc", 0);
	char page[4096], got[4096];
	off_t off = 0;
	int shared = kernel_at_least(6, 5);
	int in_use = xd_sockets_in_use();

	xd_use_transport(XDISCON_TRANSPORT_LOCAL, 0);
	lfd = xd_listener(SOCK_STREAM, 1);
	ASSERT_LE(0, lfd);
	cfd = xd_pair(SOCK_STREAM, lfd, &sfd);
	ASSERT_LE(0, cfd);
	ASSERT_LE(0, file);
	memset(page, 'a', sizeof(page));
	ASSERT_EQ(sizeof(page), pwrite(file, page, sizeof(page), 0));
	ASSERT_EQ(sizeof(page), sendfile(cfd, file, &off, sizeof(page)));
	memset(page, 'b', sizeof(page));
	ASSERT_EQ(sizeof(page), pwrite(file, page, sizeof(page), 0));
	ASSERT_EQ(sizeof(got), recv(sfd, got, sizeof(got), MSG_WAITALL));
	EXPECT_EQ(shared ? 'b' : 'a', got[0]);
	EXPECT_EQ(shared ? 'b' : 'a', got[sizeof(got) - 1]);
	close(file);
	close(cfd);
	close(sfd);
	close(lfd);
	EXPECT_TRUE(xd_sockets_back_to(in_use));
}

/*
 * SOCK_SEQPACKET has no splice_read of its own: splice() reads through
 * recvmsg(), one record a call, as from AF_UNIX, and cuts a record longer
 * than it asks for short.
 */
TEST(seqpacket_splices_a_record_a_call)
{
	int lfd, cfd, sfd, p[2];
	char buf[512];
	int in_use = xd_sockets_in_use();

	xd_use_transport(XDISCON_TRANSPORT_LOCAL, 0);
	lfd = xd_listener(SOCK_SEQPACKET, 1);
	ASSERT_LE(0, lfd);
	cfd = xd_pair(SOCK_SEQPACKET, lfd, &sfd);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, pipe(p));
	memset(buf, 'r', sizeof(buf));
	ASSERT_EQ(100, send(cfd, buf, 100, 0));
	ASSERT_EQ(200, send(cfd, buf, 200, 0));
	EXPECT_EQ(100, splice(sfd, NULL, p[1], NULL, 4096, 0));
	EXPECT_EQ(200, splice(sfd, NULL, p[1], NULL, 4096, 0));
	EXPECT_EQ(300, read(p[0], buf, sizeof(buf)));
	/* A record longer than the splice asks for: the rest is gone. */
	ASSERT_EQ(300, send(cfd, buf, 300, 0));
	ASSERT_EQ(3, send(cfd, "end", 3, 0));
	EXPECT_EQ(100, splice(sfd, NULL, p[1], NULL, 100, 0));
	EXPECT_EQ(3, splice(sfd, NULL, p[1], NULL, 4096, 0));
	EXPECT_EQ(103, read(p[0], buf, sizeof(buf)));
	close(p[0]);
	close(p[1]);
	close(cfd);
	close(sfd);
	close(lfd);
	EXPECT_TRUE(xd_sockets_back_to(in_use));
}

/* sendfile() into a SOCK_SEQPACKET socket: a short piece is one record. */
TEST(seqpacket_sendfile_piece_is_a_record)
{
	int lfd, cfd, sfd, file = memfd_create("xdiscon-rec", 0);
	char buf[512];
	off_t off = 0;
	int in_use = xd_sockets_in_use();

	xd_use_transport(XDISCON_TRANSPORT_LOCAL, 0);
	lfd = xd_listener(SOCK_SEQPACKET, 1);
	ASSERT_LE(0, lfd);
	cfd = xd_pair(SOCK_SEQPACKET, lfd, &sfd);
	ASSERT_LE(0, cfd);
	ASSERT_LE(0, file);
	memset(buf, 'f', 100);
	ASSERT_EQ(100, write(file, buf, 100));
	ASSERT_EQ(100, sendfile(cfd, file, &off, 100));
	ASSERT_EQ(5, send(cfd, "after", 5, 0));
	EXPECT_EQ(100, recv(sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(5, recv(sfd, buf, sizeof(buf), 0));
	close(file);
	close(cfd);
	close(sfd);
	close(lfd);
	EXPECT_TRUE(xd_sockets_back_to(in_use));
}

TEST_HARNESS_MAIN
