// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile input: a randomized syscall driver with a fixed, printed seed
 * (XD_FUZZ_SEED overrides it; XD_FUZZ_CALLS the count).  It feeds the
 * family wrong lengths, odd flags, malformed and truncated control
 * messages, huge and negative option lengths, bad addresses and bad
 * pointers, in every state, and checks that each call either succeeds or
 * fails with an errno documented for it.  The kernel log is judged by the
 * harness after the run.  The table of what it saw is printed at the end
 * (Documentation/networking/xdiscon.rst records it).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "../kselftest_harness.h"
#include "xd_util.h"

#define POOL 12
#define BAD_PTR ((void *)8)

enum op {
	OP_SOCKET, OP_BIND, OP_LISTEN, OP_CONNECT, OP_ACCEPT, OP_SEND,
	OP_SENDMSG, OP_RECV, OP_RECVMSG, OP_SETSOCKOPT, OP_GETSOCKOPT,
	OP_SHUTDOWN, OP_IOCTL, OP_POLL, OP_CLOSE, OP_MAX,
};

static const char *const op_names[OP_MAX] = {
	"socket", "bind", "listen", "connect", "accept", "send", "sendmsg",
	"recv", "recvmsg", "setsockopt", "getsockopt", "shutdown", "ioctl",
	"poll", "close",
};

/* The errnos documented for each call (0: success). */
static const int allowed[OP_MAX][24] = {
	[OP_SOCKET] = { 0, ESOCKTNOSUPPORT, EPROTONOSUPPORT, EINVAL, -1 },
	[OP_BIND] = { 0, EINVAL, EAFNOSUPPORT, EADDRINUSE, EADDRNOTAVAIL,
		      EFAULT, EBADF, EACCES, -1 },
	[OP_LISTEN] = { 0, EINVAL, EDESTADDRREQ, EBADF, -1 },
	[OP_CONNECT] = { 0, EINPROGRESS, EISCONN, ECONNREFUSED, EINVAL,
			 EAFNOSUPPORT, EAGAIN, EPROTOTYPE, EFAULT,
			 EADDRNOTAVAIL, EBADF, EALREADY, ENETUNREACH,
			 EHOSTUNREACH, ECONNRESET, ETIMEDOUT, -1 },
	[OP_ACCEPT] = { 0, EAGAIN, EINVAL, EFAULT, EBADF, -1 },
	/* A failed non-blocking inet connect reports its error once. */
	[OP_SEND] = { 0, EAGAIN, EPIPE, ENOTCONN, ECONNRESET, EMSGSIZE,
		      EFAULT, EOPNOTSUPP, EBADF, ECONNREFUSED, ETIMEDOUT,
		      EHOSTUNREACH, ENETUNREACH, EPROTOTYPE, -1 },
	[OP_SENDMSG] = { 0, EAGAIN, EPIPE, ENOTCONN, ECONNRESET, EMSGSIZE,
			 EINVAL, EFAULT, EOPNOTSUPP, EISCONN, ENOBUFS, EBADF,
			 ENOMEM, ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH,
			 ENETUNREACH, EPROTOTYPE, -1 },
	[OP_RECV] = { 0, EAGAIN, ENOTCONN, ECONNRESET, EFAULT, EOPNOTSUPP,
		      EBADF, ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH,
		      ENETUNREACH, EPROTOTYPE, -1 },
	[OP_RECVMSG] = { 0, EAGAIN, ENOTCONN, ECONNRESET, EFAULT,
			 EOPNOTSUPP, EINVAL, EBADF, EMSGSIZE, ECONNREFUSED,
			 ETIMEDOUT, EHOSTUNREACH, ENETUNREACH, EPROTOTYPE,
			 -1 },
	[OP_SETSOCKOPT] = { 0, ENOPROTOOPT, EMSGSIZE, EFAULT, EINVAL, EPIPE,
			    EBADF, ENOBUFS, -1 },
	[OP_GETSOCKOPT] = { 0, ENOPROTOOPT, ENOTCONN, ENODATA, ERANGE,
			    EFAULT, EINVAL, EBADF, -1 },
	[OP_SHUTDOWN] = { 0, ENOTCONN, EINVAL, EBADF, -1 },
	[OP_IOCTL] = { 0, ENOTTY, EFAULT, EINVAL, EBADF, -1 },
	[OP_POLL] = { 0, -1 },
	[OP_CLOSE] = { 0, EBADF, -1 },
};

static int is_allowed(enum op op, int err)
{
	for (int i = 0; allowed[op][i] != -1; i++)
		if (allowed[op][i] == err)
			return 1;
	return 0;
}

struct fuzz {
	unsigned int seed;
	int fds[POOL];
	unsigned short ports[4];
	unsigned long seen[OP_MAX][134];	/* by errno */
	unsigned char buf[70000];
	unsigned char ctl[8192];
};

static unsigned int rnd(struct fuzz *f, unsigned int n)
{
	return n ? rand_r(&f->seed) % n : 0;
}

static int pick_fd(struct fuzz *f)
{
	return f->fds[rnd(f, POOL)];
}

static void random_addr(struct fuzz *f, struct sockaddr_xdiscon *a)
{
	*a = xd_addr(rnd(f, 4) ? f->ports[rnd(f, 4)] : rnd(f, 65536));
	switch (rnd(f, 8)) {
	case 0: a->sxd_family = rnd(f, 64); break;
	case 1: a->sxd_transport = rnd(f, 5); break;
	case 2: a->sxd_flags = rnd(f, 3); break;
	case 3: a->sxd_addr[rnd(f, 16)] = rnd(f, 256); break;
	case 4: a->sxd_port = 0; break;
	}
}

static int random_addrlen(struct fuzz *f)
{
	static const int lens[] = { 0, 1, 2, 4, 27, 28, 29, 64, 128 };

	return rnd(f, 3) ? (int)sizeof(struct sockaddr_xdiscon) :
			   lens[rnd(f, 9)];
}

/* A control buffer: well-formed, truncated, oversized or garbage. */
static size_t random_ctl(struct fuzz *f)
{
	struct cmsghdr *c = (struct cmsghdr *)f->ctl;
	size_t dlen = rnd(f, 3) ? rnd(f, 64) : rnd(f, 6000);
	size_t space = CMSG_SPACE(dlen) <= sizeof(f->ctl) ?
		       CMSG_SPACE(dlen) : sizeof(f->ctl);

	memset(f->ctl, rnd(f, 256), space);
	c->cmsg_level = rnd(f, 4) ? SOL_XDISCON : (int)rnd(f, 300);
	c->cmsg_type = rnd(f, 4) ? XDISCON_CMSG_DISCONNECT : (int)rnd(f, 5);
	c->cmsg_len = CMSG_LEN(dlen);
	switch (rnd(f, 6)) {
	case 0: c->cmsg_len = rnd(f, 20); break;		/* too short */
	case 1: c->cmsg_len = space + 1 + rnd(f, 100); break;	/* past end */
	case 2: return rnd(f, space);				/* truncated */
	case 3: return space + rnd(f, sizeof(f->ctl) - space);	/* trailing */
	}
	return space;
}

static long do_op(struct fuzz *f, enum op op)
{
	struct sockaddr_xdiscon a;
	struct iovec iov;
	struct msghdr msg = {};
	socklen_t slen;
	int fd = pick_fd(f), v;
	static const int flagset[] = {
		0, MSG_DONTWAIT, MSG_PEEK | MSG_DONTWAIT, MSG_TRUNC | MSG_DONTWAIT,
		MSG_WAITALL | MSG_DONTWAIT, MSG_OOB, MSG_NOSIGNAL | MSG_DONTWAIT,
		MSG_ERRQUEUE, MSG_DONTWAIT | MSG_EOR, MSG_DONTWAIT | MSG_MORE,
	};
	int flags = flagset[rnd(f, 10)] | MSG_DONTWAIT | MSG_NOSIGNAL;
	size_t len = rnd(f, 4) ? rnd(f, 2000) : rnd(f, sizeof(f->buf));
	void *ptr = rnd(f, 20) ? (void *)f->buf : BAD_PTR;

	switch (op) {
	case OP_SOCKET: {
		static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET,
					     SOCK_DGRAM, 0, 77 };
		int slot = rnd(f, POOL);
		int s = socket(xd_family(), types[rnd(f, 5)] | SOCK_NONBLOCK,
			       rnd(f, 8) ? 0 : rnd(f, 300));

		if (s >= 0) {
			close(f->fds[slot]);
			f->fds[slot] = s;
			return 0;
		}
		return -1;
	}
	case OP_BIND:
		random_addr(f, &a);
		if (rnd(f, 3) == 0)
			a.sxd_port = 0;
		return bind(fd, rnd(f, 30) ? (void *)&a : BAD_PTR,
			    random_addrlen(f));
	case OP_LISTEN:
		if (!listen(fd, rnd(f, 5) - 1)) {
			f->ports[rnd(f, 4)] = xd_port(fd);
			return 0;
		}
		return -1;
	case OP_CONNECT:
		random_addr(f, &a);
		return connect(fd, rnd(f, 30) ? (void *)&a : BAD_PTR,
			       random_addrlen(f));
	case OP_ACCEPT: {
		int s = accept4(fd, rnd(f, 10) ? NULL : BAD_PTR,
				rnd(f, 10) ? NULL : BAD_PTR, SOCK_NONBLOCK);

		if (s >= 0) {
			int slot = rnd(f, POOL);

			close(f->fds[slot]);
			f->fds[slot] = s;
			return 0;
		}
		return -1;
	}
	case OP_SEND:
		return send(fd, ptr, len, flags);
	case OP_SENDMSG:
		iov.iov_base = ptr;
		iov.iov_len = len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = rnd(f, 8) ? 1 : 0;
		msg.msg_control = rnd(f, 20) ? (void *)f->ctl : BAD_PTR;
		msg.msg_controllen = rnd(f, 4) ? random_ctl(f) : 0;
		if (!rnd(f, 10)) {
			random_addr(f, &a);
			msg.msg_name = &a;
			msg.msg_namelen = random_addrlen(f);
		}
		return sendmsg(fd, &msg, flags);
	case OP_RECV:
		return recv(fd, ptr, len, flags);
	case OP_RECVMSG:
		iov.iov_base = ptr;
		iov.iov_len = len;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = rnd(f, 20) ? (void *)f->ctl : BAD_PTR;
		msg.msg_controllen = rnd(f, 3) ? rnd(f, 200) : 0;
		return recvmsg(fd, &msg, flags);
	case OP_SETSOCKOPT: {
		static const unsigned int lens[] = {
			0, 1, 4, 100, 1024, 4096, 4097, 65536, 0x7fffffff,
			0xffffffff,
		};
		int name = rnd(f, 6);
		/* Linger: off or abortive only, so close never waits. */
		struct linger l = { rnd(f, 2), 0 };

		if (rnd(f, 8) == 0)
			return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l,
					  sizeof(l));
		if (rnd(f, 8) == 0)
			return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, f->buf,
					  rnd(f, 2) ? 8 : 4);
		return setsockopt(fd, rnd(f, 10) ? SOL_XDISCON : (int)rnd(f, 300),
				  name, ptr, lens[rnd(f, 10)]);
	}
	case OP_GETSOCKOPT:
		slen = rnd(f, 4) ? rnd(f, 8192) : (socklen_t)-1;
		return getsockopt(fd, rnd(f, 10) ? SOL_XDISCON : (int)rnd(f, 300),
				  rnd(f, 6), ptr,
				  rnd(f, 20) ? &slen : BAD_PTR);
	case OP_SHUTDOWN:
		return shutdown(fd, rnd(f, 5) - 1);
	case OP_IOCTL: {
		/* Not FIONBIO: every socket here stays non-blocking. */
		static const unsigned long cmds[] = {
			SIOCINQ, SIOCOUTQ, SIOCATMARK, 0x1234,
		};

		v = rnd(f, 2);
		return ioctl(fd, cmds[rnd(f, 4)], rnd(f, 20) ? (void *)&v :
						  BAD_PTR);
	}
	case OP_POLL: {
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT |
							POLLRDHUP };

		return poll(&p, 1, 0) < 0 ? -1 : 0;
	}
	case OP_CLOSE: {
		int slot = rnd(f, POOL);
		struct linger l = { 1, 0 };

		if (rnd(f, 4) == 0)
			setsockopt(f->fds[slot], SOL_SOCKET, SO_LINGER, &l,
				   sizeof(l));
		close(f->fds[slot]);
		f->fds[slot] = xd_socket((rnd(f, 2) ? SOCK_STREAM :
					  SOCK_SEQPACKET) | SOCK_NONBLOCK);
		return 0;
	}
	default:
		return 0;
	}
}

static void stats_calls(unsigned long calls)
{
	const char *path = getenv("XD_STATS");
	FILE *st = path ? fopen(path, "a") : NULL;

	if (st) {
		fprintf(st, "fuzz_calls %lu\n", calls);
		fclose(st);
	}
}

/* Long tests: a fixture to give them their own timeouts, per transport. */
FIXTURE(slow) {
};

FIXTURE_VARIANT(slow) {
	int transport;
	int calls_divisor;	/* TCP is slower: fewer calls */
};

FIXTURE_VARIANT_ADD(slow, local) {
	.transport = XDISCON_TRANSPORT_LOCAL, .calls_divisor = 1,
};
FIXTURE_VARIANT_ADD(slow, inet) {
	.transport = XDISCON_TRANSPORT_INET, .calls_divisor = 4,
};

FIXTURE_SETUP(slow)
{
	xd_use_transport(variant->transport, 0);
}

FIXTURE_TEARDOWN(slow)
{
}

TEST_F_TIMEOUT(slow, fuzz, 900)
{
	const char *s = getenv("XD_FUZZ_SEED"), *c = getenv("XD_FUZZ_CALLS");
	struct fuzz *f = calloc(1, sizeof(*f));
	unsigned long calls = (c ? strtoul(c, NULL, 0) : 25000) /
			      variant->calls_divisor, i, bad = 0;
	int op, j;
	long ret;

	ASSERT_NE(NULL, f);
	f->seed = s ? strtoul(s, NULL, 0) : 20261126;
	TH_LOG("seed %u, %lu calls (XD_FUZZ_SEED, XD_FUZZ_CALLS)", f->seed,
	       calls);
	for (j = 0; j < POOL; j++)
		f->fds[j] = xd_socket((j % 2 ? SOCK_STREAM : SOCK_SEQPACKET) |
				      SOCK_NONBLOCK);
	/* A couple of listeners to connect to. */
	for (j = 0; j < 2; j++) {
		int l = xd_listener(j ? SOCK_STREAM : SOCK_SEQPACKET, 4);

		fcntl(l, F_SETFL, O_NONBLOCK);
		f->ports[j] = f->ports[j + 2] = xd_port(l);
		close(f->fds[j]);
		f->fds[j] = l;
	}

	for (i = 0; i < calls; i++) {
		op = rnd(f, OP_MAX);
		errno = 0;
		ret = do_op(f, op);
		if (ret >= 0)
			errno = 0;
		f->seen[op][errno < 134 ? errno : 133]++;
		if (!is_allowed(op, errno)) {
			if (bad++ < 20)
				TH_LOG("call %lu: %s failed with %s (%d), not documented",
				       i, op_names[op], strerrorname_np(errno),
				       errno);
		}
	}
	for (j = 0; j < POOL; j++)
		close(f->fds[j]);

	/* The table: call, errno, count. */
	for (op = 0; op < OP_MAX; op++) {
		char line[1024];
		int n = snprintf(line, sizeof(line), "%-10s", op_names[op]);

		for (j = 0; j < 134; j++)
			if (f->seen[op][j])
				n += snprintf(line + n, sizeof(line) - n, " %s:%lu",
					      j ? strerrorname_np(j) : "ok",
					      f->seen[op][j]);
		TH_LOG("%s", line);
	}
	EXPECT_EQ(0, bad);
	stats_calls(calls);
	free(f);
}

TEST_HARNESS_MAIN
