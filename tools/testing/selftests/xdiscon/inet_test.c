// SPDX-License-Identifier: GPL-2.0
/*
 * The inet transport against peers that do not speak its protocol: a raw
 * TCP client sends garbage, truncated frames, a huge length, a wrong
 * version or nothing at all to a listener, or reads what the listener
 * says first; a raw TCP server answers a connecting AF_XDISCON socket
 * with garbage.  Each bad connection is reset and counted in
 * /proc/net/xdiscon_stat, and the listener keeps serving.  Also the
 * privileged-port rule, the receive limit's autotuning and where bulk
 * data is parsed.  The wire format is in
 * Documentation/networking/xdiscon.rst.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

enum { HELLO = 1, DATA = 2, DISCONNECT = 3, ABORT = 4 };

#define WIRE_MAGIC	0x58445343	/* "XDSC", HELLO's first 4 bytes */
#define WIRE_VERSION	1	/* what a raw peer speaks, unless it says */
#define WIRE_NEWEST	2	/* the module's newest */

/* One frame: header and payload, as the wire format has them. */
static size_t frame(unsigned char *out, int type, uint32_t len,
		    const void *payload, size_t plen)
{
	uint32_t be = htonl(len);

	out[0] = type;
	out[1] = 0;
	out[2] = 0;
	out[3] = 0;
	memcpy(out + 4, &be, 4);
	if (plen)
		memcpy(out + 8, payload, plen);
	return 8 + plen;
}

static size_t hello_type(unsigned char *out, int version, uint32_t magic,
			 int type)
{
	unsigned char p[8];
	uint32_t be = htonl(magic);

	memcpy(p, &be, 4);
	p[4] = version;
	p[5] = type;		/* 1 stream, 2 seqpacket */
	p[6] = 0;
	p[7] = 0;
	return frame(out, HELLO, 8, p, 8);
}

static size_t hello(unsigned char *out, int version, uint32_t magic)
{
	return hello_type(out, version, magic, 1 /* stream */);
}

static long stat_value(const char *name)
{
	char line[128], want[64];
	long v = -1;
	FILE *f = fopen("/proc/net/xdiscon_stat", "r");

	snprintf(want, sizeof(want), "%s: %%ld", name);
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, want, &v) == 1)
			break;
	if (f)
		fclose(f);
	return v;
}

/* A plain TCP socket connected to ::1 @port. */
static int tcp_connect(unsigned short port)
{
	struct sockaddr_in6 a = {
		.sin6_family = AF_INET6,
		.sin6_port = htons(port),
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	struct timeval tv = { .tv_sec = 20 };
	int fd = socket(AF_INET6, SOCK_STREAM, 0);

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read until the connection ends: its errno (ECONNRESET), or 0 at EOF. */
static int read_to_end(int fd)
{
	char buf[256];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		;
	return n < 0 ? errno : 0;
}

FIXTURE(raw) {
	int lfd;
	unsigned short port;
	long errors;
};

FIXTURE_SETUP(raw)
{
	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	self->lfd = xd_listener(SOCK_STREAM, 8);
	ASSERT_LE(0, self->lfd);
	self->port = xd_port(self->lfd);
	self->errors = stat_value("InetProtocolErrors");
	ASSERT_LE(0, self->errors);
}

/* After each misbehaving peer, the listener still serves a real one. */
FIXTURE_TEARDOWN(raw)
{
	int c, s = -1;
	char buf[8];

	c = xd_pair(SOCK_STREAM, self->lfd, &s);
	EXPECT_LE(0, c);
	EXPECT_EQ(2, send(c, "ok", 2, 0));
	EXPECT_EQ(2, recv(s, buf, sizeof(buf), 0));
	close(c);
	close(s);
	close(self->lfd);
}

/* Send @len bytes raw, optionally end with FIN; the reset comes back. */
static int raw_exchange(unsigned short port, const void *buf, size_t len,
			int fin)
{
	int fd = tcp_connect(port), err;

	if (fd < 0)
		return -1;
	if (send(fd, buf, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	if (fin)
		shutdown(fd, SHUT_WR);
	err = read_to_end(fd);
	close(fd);
	return err;
}

TEST_F(raw, garbage)
{
	const char http[] = "GET / HTTP/1.0\r\n\r\n";

	EXPECT_EQ(ECONNRESET, raw_exchange(self->port, http, strlen(http), 0));
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

/* There is no version 0. */
TEST_F(raw, wrong_version)
{
	unsigned char buf[16];
	size_t n = hello(buf, 0, WIRE_MAGIC);

	EXPECT_EQ(ECONNRESET, raw_exchange(self->port, buf, n, 0));
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

TEST_F(raw, wrong_magic)
{
	unsigned char buf[16];
	size_t n = hello(buf, WIRE_VERSION, 0x48545450 /* "HTTP" */);

	EXPECT_EQ(ECONNRESET, raw_exchange(self->port, buf, n, 0));
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

TEST_F(raw, data_before_hello)
{
	unsigned char buf[16];

	EXPECT_EQ(ECONNRESET, raw_exchange(self->port, buf,
					   frame(buf, DATA, 4, "abcd", 4), 0));
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

/*
 * After a valid hello the connection is in the accept queue: the accepted
 * socket sees the reset the bad frame causes.
 */
static void after_hello(struct __test_metadata *_metadata, int lfd,
			unsigned short port, const unsigned char *bad,
			size_t len, int fin)
{
	unsigned char buf[256];
	size_t n = hello(buf, WIRE_VERSION, WIRE_MAGIC);
	struct pollfd p = {};
	int s;
	char c;

	memcpy(buf + n, bad, len);
	EXPECT_EQ(ECONNRESET, raw_exchange(port, buf, n + len, fin));
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	p.fd = s;
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & POLLERR);
	EXPECT_EQ(-1, recv(s, &c, 1, 0));
	EXPECT_EQ(ECONNRESET, errno);
	close(s);
}

TEST_F(raw, huge_length)
{
	unsigned char bad[8];

	frame(bad, DATA, 0x7fffffff, NULL, 0);
	after_hello(_metadata, self->lfd, self->port, bad, 8, 0);
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

TEST_F(raw, truncated_frame)
{
	unsigned char bad[32];
	size_t n = frame(bad, DATA, 100, "0123456789", 10);

	after_hello(_metadata, self->lfd, self->port, bad, n, 1);
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

TEST_F(raw, fin_without_disconnect)
{
	after_hello(_metadata, self->lfd, self->port, NULL, 0, 1);
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

/*
 * TCP's urgent data has no place in the wire format, and TCP's reads
 * stop at its mark: it resets, and the listener serves on.
 */
TEST_F(raw, urgent_data)
{
	unsigned char buf[16];
	size_t n = hello(buf, WIRE_VERSION, WIRE_MAGIC);
	struct pollfd p = {};
	int fd, s;

	fd = tcp_connect(self->port);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)n, send(fd, buf, n, MSG_NOSIGNAL));
	ASSERT_EQ(1, send(fd, "u", 1, MSG_OOB | MSG_NOSIGNAL));
	EXPECT_EQ(ECONNRESET, read_to_end(fd));
	close(fd);
	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s);
	p.fd = s;
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & POLLERR);
	close(s);
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

/* A version 1 connection has no ABORT frame: a protocol error. */
TEST_F(raw, abort_in_version_1)
{
	unsigned char bad[16];
	size_t n = frame(bad, ABORT, 1, "x", 1);

	after_hello(_metadata, self->lfd, self->port, bad, n, 0);
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

/*
 * A version 2 client's abort: the accepted socket fails with ECONNRESET
 * and has the abort's data; the client's TCP connection is reset.
 */
TEST_F(raw, abort_in_version_2)
{
	unsigned char buf[64];
	size_t n = hello(buf, 2, WIRE_MAGIC);
	char got[16];
	socklen_t len = sizeof(got);
	int fd, s;

	n += frame(buf + n, ABORT, 7, "raw-why", 7);
	fd = tcp_connect(self->port);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)n, send(fd, buf, n, MSG_NOSIGNAL));
	EXPECT_EQ(ECONNRESET, read_to_end(fd));
	close(fd);
	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(-1, recv(s, got, sizeof(got), 0));
	EXPECT_EQ(ECONNRESET, errno);
	EXPECT_EQ(0, getsockopt(s, SOL_XDISCON, XDISCON_PEER_ABORTDATA, got,
				&len));
	EXPECT_EQ(7, len);
	EXPECT_EQ(0, memcmp(got, "raw-why", 7));
	close(s);
	EXPECT_EQ(self->errors, stat_value("InetProtocolErrors"));
}

TEST_F(raw, data_after_disconnect)
{
	unsigned char bad[32], buf[64];
	size_t n = frame(bad, DISCONNECT, 0, NULL, 0);
	size_t h = hello(buf, WIRE_VERSION, WIRE_MAGIC);
	int s;

	/* The disconnect is delivered; what follows it resets. */
	n += frame(bad + n, DATA, 1, "x", 1);
	memcpy(buf + h, bad, n);
	EXPECT_EQ(ECONNRESET, raw_exchange(self->port, buf, h + n, 0));
	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s);
	close(s);
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

/*
 * The listener answers a client's hello with its own, naming the older of
 * the client's version and its newest: a version 1 client (today's raw
 * peer, or a module of version 1) is answered in version 1, one that
 * offers a version newer than any gets the module's newest.  What the
 * client reads is exactly that hello; a disconnect and FIN end it.
 */
static void answered(struct __test_metadata *_metadata, int lfd,
		     unsigned short port, int offer, int want_version)
{
	unsigned char want[16], got[16], buf[16];
	int fd = tcp_connect(port), s;
	size_t n = hello(want, want_version, WIRE_MAGIC);
	char c;

	ASSERT_LE(0, fd);
	hello(buf, offer, WIRE_MAGIC);
	ASSERT_EQ((ssize_t)n, send(fd, buf, n, 0));
	ASSERT_EQ((ssize_t)n, recv(fd, got, n, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(want, got, n));
	EXPECT_EQ(8, send(fd, buf, frame(buf, DISCONNECT, 0, NULL, 0), 0));
	shutdown(fd, SHUT_WR);
	s = accept(lfd, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, recv(s, &c, 1, 0));
	close(s);
	close(fd);
}

TEST_F(raw, listener_answers_version_1)
{
	answered(_metadata, self->lfd, self->port, 1, 1);
	EXPECT_EQ(self->errors, stat_value("InetProtocolErrors"));
}

TEST_F(raw, listener_answers_version_2)
{
	answered(_metadata, self->lfd, self->port, 2, WIRE_NEWEST);
	EXPECT_EQ(self->errors, stat_value("InetProtocolErrors"));
}

TEST_F(raw, listener_answers_newer_offer)
{
	answered(_metadata, self->lfd, self->port, 200, WIRE_NEWEST);
	EXPECT_EQ(self->errors, stat_value("InetProtocolErrors"));
}

/*
 * A client of the other type reads the listener's hello, which tells it
 * why, and then FIN; nothing reaches accept().
 */
TEST_F(raw, other_type_gets_hello_then_fin)
{
	unsigned char want[16], got[16], buf[16];
	int fd = tcp_connect(self->port);
	size_t n = hello(want, WIRE_VERSION, WIRE_MAGIC);

	ASSERT_LE(0, fd);
	hello_type(buf, WIRE_VERSION, WIRE_MAGIC, 2);
	ASSERT_EQ((ssize_t)n, send(fd, buf, n, 0));
	ASSERT_EQ((ssize_t)n, recv(fd, got, n, MSG_WAITALL));
	EXPECT_EQ(0, memcmp(want, got, n));
	EXPECT_EQ(0, read_to_end(fd));
	close(fd);
	EXPECT_EQ(self->errors, stat_value("InetProtocolErrors"));
}

TEST_F(raw, hello_reserved_bytes)
{
	unsigned char buf[16];

	hello(buf, WIRE_VERSION, WIRE_MAGIC);
	buf[14] = 1;
	EXPECT_EQ(ECONNRESET, raw_exchange(self->port, buf, sizeof(buf), 0));
	EXPECT_EQ(self->errors + 1, stat_value("InetProtocolErrors"));
}

/*
 * A stream write goes out in frames as large as the wire format allows
 * (64 KiB of payload), not in the core's 32 KiB page chunks: each frame
 * costs a push on this side and a parse and a wakeup on the other.
 */
TEST_F(raw, stream_writes_fill_frames)
{
	static const uint32_t want[] = { 65536, 100000 - 65536 };
	static unsigned char data[100000];
	unsigned char buf[16], got[16], hdr[8];
	int fd = tcp_connect(self->port), s;
	size_t i, n = hello(buf, WIRE_VERSION, WIRE_MAGIC);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)n, send(fd, buf, n, 0));
	ASSERT_EQ((ssize_t)n, recv(fd, got, n, MSG_WAITALL));
	s = accept(self->lfd, NULL, NULL);
	ASSERT_LE(0, s);
	memset(data, 'x', sizeof(data));
	ASSERT_EQ((ssize_t)sizeof(data), send(s, data, sizeof(data), 0));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ASSERT_EQ(8, recv(fd, hdr, sizeof(hdr), MSG_WAITALL));
		ASSERT_EQ(DATA, hdr[0]);
		ASSERT_EQ(want[i], ((uint32_t)hdr[4] << 24 | hdr[5] << 16 |
				    hdr[6] << 8 | hdr[7]));
		ASSERT_EQ((ssize_t)want[i],
			  recv(fd, data, want[i], MSG_WAITALL));
	}
	close(s);
	ASSERT_EQ(8, recv(fd, hdr, sizeof(hdr), MSG_WAITALL));
	EXPECT_EQ(DISCONNECT, hdr[0]);
	/* Ours ends it cleanly; the closed socket's FIN follows its own. */
	EXPECT_EQ(8, send(fd, buf, frame(buf, DISCONNECT, 0, NULL, 0), 0));
	shutdown(fd, SHUT_WR);
	EXPECT_EQ(0, read_to_end(fd));
	close(fd);
}

/* A client that connects and says nothing is reset after 10 s. */
TEST_F_TIMEOUT(raw, silent_client, 60)
{
	long timeouts = stat_value("InetHandshakeTimeouts");
	int fd = tcp_connect(self->port);

	ASSERT_LE(0, fd);
	EXPECT_EQ(ECONNRESET, read_to_end(fd));
	close(fd);
	EXPECT_EQ(timeouts + 1, stat_value("InetHandshakeTimeouts"));
}

/* A plain TCP server that answers the hello with garbage. */
TEST(raw_server)
{
	struct sockaddr_in6 a = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	socklen_t len = sizeof(a);
	long errors = stat_value("InetProtocolErrors");
	int l = socket(AF_INET6, SOCK_STREAM, 0), c, s, err = -1;
	char buf[64];

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&a, &len));
	c = xd_socket(SOCK_STREAM | SOCK_NONBLOCK);
	EXPECT_EQ(-1, xd_connect(c, ntohs(a.sin6_port)));
	EXPECT_EQ(EINPROGRESS, errno);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	EXPECT_LT(0, recv(s, buf, sizeof(buf), 0));	/* its hello */
	EXPECT_EQ(18, send(s, "HTTP/1.0 200 OK\r\n\r", 18, 0));
	EXPECT_TRUE(poll(&(struct pollfd){ .fd = c, .events = POLLOUT }, 1,
			 5000) == 1);
	len = sizeof(err);
	EXPECT_EQ(0, getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(ECONNRESET, err);
	EXPECT_EQ(errors + 1, stat_value("InetProtocolErrors"));
	close(c);
	close(s);
	close(l);
}

/* A plain TCP listener on ::1, or any address; its port in @port. */
static int raw_listener_on(unsigned short *port, int any)
{
	struct sockaddr_in6 a = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	socklen_t len = sizeof(a);
	int l = socket(AF_INET6, SOCK_STREAM, 0);

	if (any)
		a.sin6_addr = in6addr_any;
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(l, 4) || getsockname(l, (struct sockaddr *)&a, &len)) {
		close(l);
		return -1;
	}
	*port = ntohs(a.sin6_port);
	return l;
}

static int raw_listener(unsigned short *port)
{
	return raw_listener_on(port, 0);
}

/*
 * One frame from @fd: its type, with its payload (at most @cap bytes) in
 * @payload and its length in @len; -1 on a short read or a longer one.
 */
static int read_frame(int fd, void *payload, size_t cap, uint32_t *len)
{
	unsigned char h[8];

	if (recv(fd, h, 8, MSG_WAITALL) != 8)
		return -1;
	*len = (uint32_t)h[4] << 24 | h[5] << 16 | h[6] << 8 | h[7];
	if (*len > cap ||
	    (*len && recv(fd, payload, *len, MSG_WAITALL) != (ssize_t)*len))
		return -1;
	return h[0];
}

/*
 * A listener that speaks wire version @version and nothing newer, as a
 * host running an older module does.  Version 1 sends its hello as soon
 * as it has the connection and resets one whose hello names another
 * version; version 2 answers the client's hello.  Each connection it
 * keeps takes "hi" and the disconnect "c-bye", and answers with the
 * disconnect "s-bye"; or with @abort, takes the abort "c-why" and then
 * FIN.  What it saw, per TCP connection: the version the client's hello
 * named and the client's port.
 */
struct old_listener {
	int l;
	int version;
	int abort;
	int conns;
	int offered[2];
	unsigned short port[2];
	struct in6_addr from[2];
	int served;		/* 1: the exchange was as above */
};

static void *old_listener_run(void *arg)
{
	struct old_listener *o = arg;
	struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	unsigned char ours[16], theirs[16], buf[64];
	struct sockaddr_in6 peer;
	socklen_t len;
	uint32_t n;
	int s;

	while (o->conns < 2 && !o->served) {
		len = sizeof(peer);
		s = accept(o->l, (struct sockaddr *)&peer, &len);
		if (s < 0)
			break;
		o->port[o->conns] = ntohs(peer.sin6_port);
		o->from[o->conns] = peer.sin6_addr;
		hello(ours, o->version, WIRE_MAGIC);
		if (o->version == 1)
			send(s, ours, 16, MSG_NOSIGNAL);
		if (recv(s, theirs, 16, MSG_WAITALL) != 16) {
			close(s);
			break;
		}
		o->offered[o->conns++] = theirs[12];
		if (theirs[12] != o->version && o->version == 1) {
			setsockopt(s, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst));
			close(s);
			continue;
		}
		if (o->version != 1)
			send(s, ours, 16, MSG_NOSIGNAL);
		if (o->abort) {
			o->served = read_frame(s, buf, sizeof(buf), &n) ==
				    ABORT && n == 5 && !memcmp(buf, "c-why", 5) &&
				    read_to_end(s) == 0;
			close(s);
			break;
		}
		o->served = read_frame(s, buf, sizeof(buf), &n) == DATA &&
			    n == 2 && !memcmp(buf, "hi", 2) &&
			    read_frame(s, buf, sizeof(buf), &n) == DISCONNECT &&
			    n == 5 && !memcmp(buf, "c-bye", 5);
		n = frame(buf, DISCONNECT, 5, "s-bye", 5);
		send(s, buf, n, MSG_NOSIGNAL);
		shutdown(s, SHUT_WR);
		o->served &= read_to_end(s) == 0;
		close(s);
	}
	return NULL;
}

/*
 * Connect to an older listener (blocking or not), then send "hi" and the
 * disconnect "c-bye" and read to the end: the listener's "s-bye".  With
 * @abort, first try to abort with "c-why": refused (EOPNOTSUPP, nothing
 * done) by a version 1 listener, else that is the end.
 */
static void talk_to_old(struct __test_metadata *_metadata, int version,
			int nonblock, int abort, struct old_listener *o)
{
	struct pollfd p = { .events = POLLOUT };
	unsigned short port;
	pthread_t t;
	socklen_t len;
	char buf[16];
	int c, err = -1;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	memset(o, 0, sizeof(*o));
	o->version = version;
	o->abort = abort && version > 1;
	o->l = raw_listener(&port);
	ASSERT_LE(0, o->l);
	ASSERT_EQ(0, pthread_create(&t, NULL, old_listener_run, o));
	c = xd_socket(SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0));
	ASSERT_LE(0, c);
	if (nonblock) {
		EXPECT_EQ(-1, xd_connect(c, port));
		EXPECT_EQ(EINPROGRESS, errno);
		p.fd = c;
		EXPECT_EQ(1, poll(&p, 1, 10000));
		len = sizeof(err);
		EXPECT_EQ(0, getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
		EXPECT_EQ(0, err);
		EXPECT_EQ(0, fcntl(c, F_SETFL, 0));
	} else {
		EXPECT_EQ(0, xd_connect(c, port));
	}
	if (o->abort) {
		EXPECT_EQ(0, st_send_abort(c, "c-why", 5));
		goto out;
	}
	if (abort) {
		EXPECT_EQ(-1, st_send_abort(c, "c-why", 5));
		EXPECT_EQ(EOPNOTSUPP, errno);
	}
	EXPECT_EQ(2, send(c, "hi", 2, MSG_NOSIGNAL));
	EXPECT_EQ(0, setsockopt(c, SOL_XDISCON, XDISCON_DISCDATA, "c-bye", 5));
	EXPECT_EQ(0, shutdown(c, SHUT_WR));
	EXPECT_EQ(0, recv(c, buf, sizeof(buf), 0));
	len = sizeof(buf);
	EXPECT_EQ(0, getsockopt(c, SOL_XDISCON, XDISCON_PEER_DISCDATA, buf,
				&len));
	EXPECT_EQ(5, len);
	EXPECT_EQ(0, memcmp(buf, "s-bye", 5));
out:
	shutdown(o->l, SHUT_RDWR);	/* ends an accept() still waiting */
	pthread_join(t, NULL);
	close(c);
	close(o->l);
	EXPECT_EQ(1, o->served);
}

/*
 * A version 1 listener resets the connection whose hello offers version
 * 2: the client connects again, from the same port, offering version 1,
 * and the two talk as version 1 hosts do.
 */
static void version_1_listener(struct __test_metadata *_metadata,
			       int nonblock)
{
	struct old_listener o;
	long errors = stat_value("InetProtocolErrors");

	talk_to_old(_metadata, 1, nonblock, 0, &o);
	ASSERT_EQ(2, o.conns);
	EXPECT_EQ(WIRE_NEWEST, o.offered[0]);
	EXPECT_EQ(1, o.offered[1]);
	EXPECT_EQ(o.port[0], o.port[1]);
	EXPECT_EQ(errors, stat_value("InetProtocolErrors"));
}

TEST(version_1_listener_blocking)
{
	version_1_listener(_metadata, 0);
}

TEST(version_1_listener_nonblocking)
{
	version_1_listener(_metadata, 1);
}

/*
 * The second connect goes from the address the socket was bound to, not
 * the one routing would pick: a client bound to 127.0.0.2 stays there.
 */
TEST(version_1_listener_keeps_bound_address)
{
	static const unsigned char two[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 2,
	};
	struct sockaddr_xdiscon me, got;
	struct old_listener o = { .version = 1 };
	socklen_t len = sizeof(got);
	unsigned short port;
	pthread_t t;
	int c;

	xd_use_transport(XDISCON_TRANSPORT_INET, 1);
	o.l = raw_listener_on(&port, 1);
	ASSERT_LE(0, o.l);
	ASSERT_EQ(0, pthread_create(&t, NULL, old_listener_run, &o));
	c = xd_socket(SOCK_STREAM);
	ASSERT_LE(0, c);
	me = xd_addr(0);
	memcpy(me.sxd_addr, two, sizeof(two));
	ASSERT_EQ(0, bind(c, (struct sockaddr *)&me, sizeof(me)));
	EXPECT_EQ(0, xd_connect(c, port));
	EXPECT_EQ(0, getsockname(c, (struct sockaddr *)&got, &len));
	EXPECT_EQ(2, send(c, "hi", 2, MSG_NOSIGNAL));
	EXPECT_EQ(0, setsockopt(c, SOL_XDISCON, XDISCON_DISCDATA, "c-bye", 5));
	EXPECT_EQ(0, shutdown(c, SHUT_WR));
	EXPECT_EQ(0, recv(c, &len, 1, 0));
	shutdown(o.l, SHUT_RDWR);
	pthread_join(t, NULL);
	close(c);
	close(o.l);
	ASSERT_EQ(2, o.conns);
	EXPECT_EQ(1, o.served);
	EXPECT_EQ(0, memcmp(&o.from[0], two, 16));
	EXPECT_EQ(0, memcmp(&o.from[1], two, 16));
	EXPECT_EQ(o.port[0], o.port[1]);
	EXPECT_EQ(o.port[1], ntohs(got.sxd_port));
	EXPECT_EQ(0, memcmp(got.sxd_addr, two, 16));
}

/* A listener of the newest version answers the first offer. */
TEST(version_2_listener)
{
	struct old_listener o;

	talk_to_old(_metadata, WIRE_NEWEST, 0, 0, &o);
	EXPECT_EQ(1, o.conns);
	EXPECT_EQ(WIRE_NEWEST, o.offered[0]);
}

/*
 * An abort with data needs version 2: to a version 1 listener it fails
 * with EOPNOTSUPP and the connection goes on; to a version 2 one the
 * ABORT frame arrives whole and then FIN, never a RST before it.
 */
TEST(abort_to_version_1_listener)
{
	struct old_listener o;

	talk_to_old(_metadata, 1, 0, 1, &o);
	EXPECT_EQ(2, o.conns);
}

TEST(abort_to_version_2_listener)
{
	struct old_listener o;

	talk_to_old(_metadata, WIRE_NEWEST, 0, 1, &o);
	EXPECT_EQ(1, o.conns);
}

/*
 * A listener's hello must name the offered version or an older one: a
 * newer one, or version 0, breaks the rules and fails the connect.
 */
static void bad_answer(struct __test_metadata *_metadata, int version)
{
	struct pollfd p = { .events = POLLOUT };
	long errors = stat_value("InetProtocolErrors");
	unsigned char buf[16];
	unsigned short port;
	int l, c, s, err = -1;
	socklen_t len;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	l = raw_listener(&port);
	ASSERT_LE(0, l);
	c = xd_socket(SOCK_STREAM | SOCK_NONBLOCK);
	EXPECT_EQ(-1, xd_connect(c, port));
	EXPECT_EQ(EINPROGRESS, errno);
	s = accept(l, NULL, NULL);
	ASSERT_LE(0, s);
	ASSERT_EQ(16, recv(s, buf, 16, MSG_WAITALL));
	EXPECT_EQ(WIRE_NEWEST, buf[12]);
	hello(buf, version, WIRE_MAGIC);
	EXPECT_EQ(16, send(s, buf, 16, 0));
	p.fd = c;
	EXPECT_EQ(1, poll(&p, 1, 10000));
	len = sizeof(err);
	EXPECT_EQ(0, getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len));
	EXPECT_EQ(ECONNRESET, err);
	EXPECT_EQ(errors + 1, stat_value("InetProtocolErrors"));
	close(c);
	close(s);
	close(l);
}

TEST(listener_names_newer_version)
{
	bad_answer(_metadata, WIRE_NEWEST + 1);
}

TEST(listener_names_version_0)
{
	bad_answer(_metadata, 0);
}

/* What a reader that never reads has queued once the sender is stuck. */
static long queued_unread(int rcvbuf)
{
	static char buf[65536];
	int lfd = xd_listener(SOCK_STREAM, 1), c, s = -1, inq = -1;
	struct pollfd p = { .events = POLLOUT };

	if (rcvbuf)
		setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	c = xd_pair(SOCK_STREAM, lfd, &s);
	if (c < 0)
		return -1;
	p.fd = c;
	for (;;) {
		if (send(c, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			continue;
		if (errno != EAGAIN || poll(&p, 1, 1000) != 1)
			break;
	}
	ioctl(s, SIOCINQ, &inq);
	close(c);
	close(s);
	close(lfd);
	return inq;
}

/*
 * While connect() is under way (a plain TCP server that never says hello
 * holds it there), getsockname() gives the address and port TCP chose,
 * as it does for a connecting TCP socket.
 */
TEST(connecting_getsockname)
{
	static const unsigned char lo[16] = { [15] = 1 };
	struct sockaddr_in6 a = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_LOOPBACK_INIT,
	};
	struct sockaddr_xdiscon me;
	socklen_t len = sizeof(a);
	int l = socket(AF_INET6, SOCK_STREAM, 0), c;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	ASSERT_EQ(0, bind(l, (struct sockaddr *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(l, 1));
	ASSERT_EQ(0, getsockname(l, (struct sockaddr *)&a, &len));
	c = xd_socket(SOCK_STREAM | SOCK_NONBLOCK);
	ASSERT_LE(0, c);
	EXPECT_EQ(-1, xd_connect(c, ntohs(a.sin6_port)));
	EXPECT_EQ(EINPROGRESS, errno);
	len = sizeof(me);
	ASSERT_EQ(0, getsockname(c, (struct sockaddr *)&me, &len));
	EXPECT_EQ(AF_XDISCON, me.sxd_family);
	EXPECT_EQ(0, memcmp(lo, me.sxd_addr, sizeof(lo)));
	EXPECT_NE(0, me.sxd_port);
	close(c);
	close(l);
}

/*
 * Until the user sets SO_RCVBUF, the receive limit grows with the TCP
 * connection's receive buffer, as a TCP socket's own does: in a namespace
 * whose tcp_rmem starts at 4 MiB, a reader that never reads queues far
 * more than rmem_default.  A listener's SO_RCVBUF, inherited, holds.
 */
TEST(receive_limit_follows_tcp_rmem)
{
	const char *rmem = "4096 4194304 6291456";
	long dflt = -1;
	FILE *f;
	int fd;

	/* Global, and only visible from the first namespace on 6.1. */
	f = fopen("/proc/sys/net/core/rmem_default", "r");
	ASSERT_NE(NULL, f);
	ASSERT_EQ(1, fscanf(f, "%ld", &dflt));
	fclose(f);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, xd_lo_up());
	fd = open("/proc/sys/net/ipv4/tcp_rmem", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(rmem), write(fd, rmem, strlen(rmem)));
	close(fd);

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	EXPECT_LT(2 * dflt, queued_unread(0));
	/* SO_RCVBUF 65536 is 131072 in the kernel; one frame may pass it. */
	EXPECT_GE(131072 + 65536, queued_unread(65536));
}

/*
 * A connect that TCP refuses at once (a multicast address) leaves the
 * socket bound and usable, as on TCP: here it then listens.
 */
TEST(connect_fails_at_once)
{
	struct sockaddr_xdiscon m;
	int fd, c, s;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	m = xd_addr(0);
	fd = xd_socket(SOCK_STREAM);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&m, sizeof(m)));
	m = xd_addr(9);
	memset(m.sxd_addr, 0, sizeof(m.sxd_addr));
	m.sxd_addr[0] = 0xff;
	m.sxd_addr[1] = 0x02;
	m.sxd_addr[15] = 1;
	EXPECT_EQ(-1, connect(fd, (struct sockaddr *)&m, sizeof(m)));
	EXPECT_EQ(ENETUNREACH, errno);
	EXPECT_EQ(0, listen(fd, 4));
	c = xd_pair(SOCK_STREAM, fd, &s);
	EXPECT_LE(0, c);
	close(c);
	close(s);
	close(fd);
}

/* Ports below 1024 need CAP_NET_BIND_SERVICE, as for TCP. */
TEST(privileged_port)
{
	struct sockaddr_xdiscon a;
	int status, fd;
	pid_t pid;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	a = xd_addr(999);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = xd_socket(SOCK_STREAM);
		if (!bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
		    errno != EACCES)
			_exit(3);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	fd = xd_socket(SOCK_STREAM);
	EXPECT_EQ(0, bind(fd, (struct sockaddr *)&a, sizeof(a)));
	EXPECT_EQ(999, xd_port(fd));
	close(fd);
}

/* One recv(MSG_WAITALL) for a whole transfer, in its own thread. */
struct waitall {
	int fd;
	char *buf;
	size_t len;
	ssize_t got;
	pid_t tid;
	int done;
};

static void *waitall_reader(void *arg)
{
	struct waitall *w = arg;

	__atomic_store_n(&w->tid, (pid_t)syscall(SYS_gettid), __ATOMIC_RELEASE);
	w->got = recv(w->fd, w->buf, w->len, MSG_WAITALL);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Is thread @tid blocked in recvfrom()?  /proc names the call it is in. */
static int blocked_in_recv(pid_t tid)
{
	char path[64];
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	f = fopen(path, "r");
	if (f) {
		if (fscanf(f, "%ld", &nr) != 1)
			nr = -1;
		fclose(f);
	}
	return nr == SYS_recvfrom;
}

/*
 * Bulk data is parsed by the reader, in its own recvmsg(), rather than
 * where TCP received it (on one host, the sender's CPU, which bulk is
 * limited by): whether the reader sleeps or copies when a frame arrives,
 * and however short the rest of a frame it has the start of.  A reader
 * in one MSG_WAITALL recv() for 8 MiB, with room for all of it (flow
 * control's path parses elsewhere), is in recvmsg() for each of the 128
 * frames.  Measured: 128 counted as the reader's in InetReaderFrames in
 * each of 7 runs on stock 6.1 and on the debug kernel; 14 to 85 when
 * only a reader asleep was left the work and the short rest of a frame
 * was parsed on arrival.
 */
TEST(reader_parses_bulk)
{
	enum { TOTAL = 8 << 20, CHUNK = 65536 };
	struct waitall w = { .len = TOTAL };
	char *src = malloc(TOTAL);
	int lfd, c, i, rcvbuf = TOTAL;
	pthread_t t;
	long before;

	ASSERT_NE(NULL, src);
	w.buf = malloc(TOTAL);
	ASSERT_NE(NULL, w.buf);
	for (i = 0; i < TOTAL; i++)
		src[i] = (char)(i * 7 + i / 65521);
	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	lfd = xd_listener(SOCK_STREAM, 1);
	ASSERT_LE(0, lfd);
	c = xd_pair(SOCK_STREAM, lfd, &w.fd);
	ASSERT_LE(0, c);
	/* Room for all of it: the flow control's path parses elsewhere. */
	ASSERT_EQ(0, setsockopt(w.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				sizeof(rcvbuf)));
	before = stat_value("InetReaderFrames");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, pthread_create(&t, NULL, waitall_reader, &w));
	/* A recv() that returns at once ends the wait, and the test. */
	while (!__atomic_load_n(&w.done, __ATOMIC_ACQUIRE) &&
	       (!__atomic_load_n(&w.tid, __ATOMIC_ACQUIRE) ||
		!blocked_in_recv(w.tid)))
		sched_yield();
	ASSERT_EQ(0, __atomic_load_n(&w.done, __ATOMIC_ACQUIRE));
	for (i = 0; i < TOTAL; i += CHUNK)
		ASSERT_EQ(CHUNK, send(c, src + i, CHUNK, 0));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(TOTAL, w.got);
	EXPECT_EQ(0, memcmp(src, w.buf, TOTAL));
	TH_LOG("frames parsed by the reader: %ld of %d",
	       stat_value("InetReaderFrames") - before, TOTAL / CHUNK);
	EXPECT_LE(TOTAL / CHUNK * 7 / 8,
		  stat_value("InetReaderFrames") - before);
	close(c);
	close(w.fd);
	close(lfd);
	free(w.buf);
	free(src);
}

/* -- handshakes in progress against the accept queue -- */

/* Is a socket whose peer is at @port in /proc/net/xdiscon? */
static int proc_has_peer(unsigned short port)
{
	char line[256];
	unsigned int peer;
	int found = 0;
	FILE *f = fopen("/proc/net/xdiscon", "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%*s %*s %*s %*s %*s %u", &peer) == 1 &&
			peer == port;
	if (f)
		fclose(f);
	return found;
}

/*
 * A plain TCP peer that connects and stays silent; returns once the
 * listener has taken it into the handshake (the child socket that waits
 * for its HELLO is in /proc/net/xdiscon), at most 5 s.
 */
static int silent_peer(unsigned short port)
{
	struct sockaddr_in6 me;
	socklen_t len = sizeof(me);
	int fd = tcp_connect(port), i;

	if (fd < 0)
		return -1;
	if (getsockname(fd, (struct sockaddr *)&me, &len))
		goto fail;
	for (i = 0; i < 500; i++) {
		if (proc_has_peer(ntohs(me.sin6_port)))
			return fd;
		usleep(10000);
	}
fail:
	close(fd);
	return -1;
}

/* An AF_XDISCON client connects within @secs and its data gets through. */
static int legit_client(int lfd, double secs)
{
	struct timeval tv = { .tv_sec = (time_t)secs,
			      .tv_usec = (secs - (time_t)secs) * 1e6 };
	int c = xd_socket(SOCK_STREAM), s, ok;
	char b;

	setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (xd_connect(c, xd_port(lfd))) {
		close(c);
		return -1;
	}
	s = accept(lfd, NULL, NULL);
	ok = s >= 0 && send(c, "x", 1, 0) == 1 && recv(s, &b, 1, 0) == 1;
	if (s >= 0)
		close(s);
	close(c);
	return ok ? 0 : -1;
}

/*
 * Peers that open TCP connections and never send their HELLO, as many
 * as the backlog holds and one more, re-opened before their handshake
 * times out: each legitimate client still connects at once.  Handshakes
 * in progress are bounded apart from the accept queue.
 */
TEST_F_TIMEOUT(raw, silent_peers_do_not_lock_out, 60)
{
	int lfd = xd_listener(SOCK_STREAM, 2), silent[3], i, round;

	ASSERT_LE(0, lfd);
	for (i = 0; i < 3; i++)
		ASSERT_LE(0, silent[i] = silent_peer(xd_port(lfd)));
	for (round = 0; round < 3; round++) {
		EXPECT_EQ(0, legit_client(lfd, 2.0)) TH_LOG("round %d", round);
		/* Re-opened: new silent peers before the old ones close. */
		for (i = 0; i < 3; i++) {
			int fd = silent_peer(xd_port(lfd));

			ASSERT_LE(0, fd);
			close(silent[i]);
			silent[i] = fd;
		}
	}
	for (i = 0; i < 3; i++)
		close(silent[i]);
	close(lfd);
}

static int set_param(const char *name, const char *val)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/module/xdiscon/parameters/%s",
		 name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/*
 * At the limit of handshakes in progress (inet_max_handshakes), a new
 * connection takes the place of the oldest peer still silent, which is
 * reset: silent peers cannot hold the listener for the handshake timeout.
 */
TEST_F_TIMEOUT(raw, oldest_silent_handshake_evicted, 60)
{
	long evicted = stat_value("InetHandshakesEvicted");
	int lfd = xd_listener(SOCK_STREAM, 8), silent[3], i;

	ASSERT_LE(0, lfd);
	ASSERT_LE(0, evicted);
	ASSERT_EQ(0, set_param("inet_max_handshakes", "3"));
	for (i = 0; i < 3; i++)
		ASSERT_LE(0, silent[i] = silent_peer(xd_port(lfd)));
	EXPECT_EQ(0, legit_client(lfd, 2.0));
	EXPECT_EQ(ECONNRESET, read_to_end(silent[0]));
	EXPECT_EQ(evicted + 1, stat_value("InetHandshakesEvicted"));
	EXPECT_EQ(0, set_param("inet_max_handshakes", "256"));
	for (i = 0; i < 3; i++)
		close(silent[i]);
	close(lfd);
}

/*
 * Connections that complete their handshake while the accept queue is
 * full wait for accept() to make room, and are queued then: none is
 * reset, whichever order the handshakes and the accepts run in.
 */
TEST(handshaken_waits_for_accept_queue)
{
	struct timeval tv = { .tv_sec = 5 };
	struct pollfd p = { .events = POLLOUT };
	int lfd, c[3], s[3], i, err;
	socklen_t len = sizeof(err);
	char b;

	xd_use_transport(XDISCON_TRANSPORT_INET, 0);
	lfd = xd_listener(SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				sizeof(tv)));
	for (i = 0; i < 3; i++) {
		c[i] = xd_socket(SOCK_STREAM);
		ASSERT_LE(0, c[i]);
		fcntl(c[i], F_SETFL, O_NONBLOCK);
		ASSERT_EQ(-1, xd_connect(c[i], xd_port(lfd)));
		ASSERT_EQ(EINPROGRESS, errno);
	}
	for (i = 0; i < 3; i++) {
		s[i] = accept(lfd, NULL, NULL);
		ASSERT_LE(0, s[i]) TH_LOG("accept %d: %s", i, strerror(errno));
		ASSERT_EQ(0, setsockopt(s[i], SOL_SOCKET, SO_RCVTIMEO, &tv,
					sizeof(tv)));
	}
	for (i = 0; i < 3; i++) {
		p.fd = c[i];
		ASSERT_EQ(1, poll(&p, 1, 5000));
		ASSERT_EQ(0, getsockopt(c[i], SOL_SOCKET, SO_ERROR, &err,
					&len));
		EXPECT_EQ(0, err);
		EXPECT_EQ(1, send(c[i], "x", 1, 0));
	}
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(1, recv(s[i], &b, 1, 0)) TH_LOG("%d: %s", i,
							   strerror(errno));
		close(s[i]);
		close(c[i]);
	}
	close(lfd);
}

TEST_HARNESS_MAIN
