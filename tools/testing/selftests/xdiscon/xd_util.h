/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the AF_XDISCON selftests. */
#ifndef XD_UTIL_H
#define XD_UTIL_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/xdiscon.h>

/* xd_family() and xd_socket() come from libxdiscon, as for users. */
#include <xdiscon/xdiscon.h>

/*
 * Which transport xd_addr() names: XDISCON_TRANSPORT_LOCAL, or INET on
 * the loopback address, IPv6 (::1) or IPv4 (127.0.0.1, v4-mapped).
 */
static int xd_transport = XDISCON_TRANSPORT_LOCAL;
static int xd_inet4;

static inline void xd_use_transport(int transport, int inet4)
{
	xd_transport = transport;
	xd_inet4 = inet4;
}

static inline struct sockaddr_xdiscon xd_addr(unsigned short port)
{
	struct sockaddr_xdiscon a = {
		.sxd_family = xd_family(),
		.sxd_transport = xd_transport,
		.sxd_port = htons(port),
	};

	if (xd_transport == XDISCON_TRANSPORT_INET && xd_inet4) {
		a.sxd_addr[10] = 0xff;
		a.sxd_addr[11] = 0xff;
		a.sxd_addr[12] = 127;
		a.sxd_addr[15] = 1;
	} else if (xd_transport == XDISCON_TRANSPORT_INET) {
		a.sxd_addr[15] = 1;
	}
	return a;
}

/* Bring up "lo" in the current network namespace (new ones start down). */
static inline int xd_lo_up(void)
{
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;

	if (fd < 0)
		return -1;
	strcpy(ifr.ifr_name, "lo");
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* Local port of a bound socket, or 0. */
static inline unsigned short xd_port(int fd)
{
	struct sockaddr_xdiscon a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len))
		return 0;
	return ntohs(a.sxd_port);
}

/*
 * The TCP socket between ports @lport and @rport (/proc/net/tcp6: the
 * inet transport's TCP sockets are AF_INET6): its timer ("tr", 2 for
 * keepalive) and the seconds left on it; -1 when there is none.
 */
static inline int xd_tcp_timer_now(unsigned short lport, unsigned short rport,
				   double *left)
{
	FILE *f = fopen("/proc/net/tcp6", "r");
	unsigned int lp, rp, tr;
	unsigned long when;
	char line[512];
	int ret = -1;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*d: %*32[0-9A-F]:%x %*32[0-9A-F]:%x %*x %*x:%*x %x:%lx",
			   &lp, &rp, &tr, &when) == 4 &&
		    lp == lport && rp == rport) {
			*left = when / (double)sysconf(_SC_CLK_TCK);
			ret = tr;
			break;
		}
	}
	if (f)
		fclose(f);
	return ret;
}

/*
 * The same, once it is @want: TCP shows another timer (1, retransmit or
 * loss probe) while a segment of the handshake waits for its ACK, and
 * settings applied in the background take a moment.  Waits up to 2 s.
 */
static inline int xd_tcp_timer(unsigned short lport, unsigned short rport,
			       int want, double *left)
{
	int tr = -1, i;

	for (i = 0; i < 200; i++) {
		tr = xd_tcp_timer_now(lport, rport, left);
		if (tr == want)
			break;
		usleep(10000);
	}
	return tr;
}

/* A listener on an ephemeral port; -1 on failure. */
static inline int xd_listener(int type, int backlog)
{
	struct sockaddr_xdiscon a = xd_addr(0);
	int fd = xd_socket(type);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(fd, backlog)) {
		close(fd);
		return -1;
	}
	return fd;
}

static inline int xd_connect(int fd, unsigned short port)
{
	struct sockaddr_xdiscon a = xd_addr(port);

	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

/* A connected client fd, with the server end in *server; -1 on failure. */
static inline int xd_pair(int type, int lfd, int *server)
{
	int fd = xd_socket(type);

	if (fd < 0)
		return -1;
	if (xd_connect(fd, xd_port(lfd))) {
		close(fd);
		return -1;
	}
	*server = accept(lfd, NULL, NULL);
	if (*server < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * sendmsg of @len bytes with an XDISCON_CMSG_* control message of @type
 * carrying @dlen bytes of @disc.
 */
static inline ssize_t st_send_ctl(int fd, const void *buf, size_t len,
				  int type, const void *disc, size_t dlen)
{
	union {
		char buf[CMSG_SPACE(XDISCON_DISCDATA_CAP)];
		struct cmsghdr align;
	} *ctl = calloc(1, sizeof(*ctl));
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = CMSG_SPACE(dlen),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	ssize_t ret;
	int err;

	cmsg->cmsg_level = SOL_XDISCON;
	cmsg->cmsg_type = type;
	cmsg->cmsg_len = CMSG_LEN(dlen);
	if (dlen)
		memcpy(CMSG_DATA(cmsg), disc, dlen);
	ret = sendmsg(fd, &msg, MSG_NOSIGNAL);
	err = errno;
	free(ctl);
	errno = err;
	return ret;
}

/* sendmsg of @len bytes with a disconnect carrying @dlen bytes of @disc. */
static inline ssize_t st_send_disconnect(int fd, const void *buf, size_t len,
					 const void *disc, size_t dlen)
{
	return st_send_ctl(fd, buf, len, XDISCON_CMSG_DISCONNECT, disc, dlen);
}

/* Abort with @dlen bytes of @data (XDISCON_CMSG_ABORT). */
static inline ssize_t st_send_abort(int fd, const void *data, size_t dlen)
{
	return st_send_ctl(fd, NULL, 0, XDISCON_CMSG_ABORT, data, dlen);
}

/*
 * recvmsg into @buf; *@dlen becomes the length of the disconnect data
 * received with it (copied to @disc), or -1 when there was no disconnect
 * control message.  *@flags gets msg_flags.
 */
static inline ssize_t st_recv(int fd, void *buf, size_t len, int rflags,
			      void *disc, size_t disc_size, int *dlen,
			      int *flags)
{
	union {
		char buf[CMSG_SPACE(XDISCON_DISCDATA_CAP)];
		struct cmsghdr align;
	} *ctl = calloc(1, sizeof(*ctl));
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl,
		.msg_controllen = disc_size ? CMSG_SPACE(disc_size) :
					      sizeof(struct cmsghdr),
	};
	struct cmsghdr *cmsg;
	ssize_t ret;
	int err;

	*dlen = -1;
	ret = recvmsg(fd, &msg, rflags);
	err = errno;
	if (ret >= 0) {
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg;
		     cmsg = CMSG_NXTHDR(&msg, cmsg)) {
			if (cmsg->cmsg_level != SOL_XDISCON ||
			    cmsg->cmsg_type != XDISCON_CMSG_DISCONNECT)
				continue;
			*dlen = cmsg->cmsg_len - CMSG_LEN(0);
			if (disc)
				memcpy(disc, CMSG_DATA(cmsg), *dlen);
		}
		if (flags)
			*flags = msg.msg_flags;
	}
	free(ctl);
	errno = err;
	return ret;
}

/* Write @s to the file at @path (a sysctl, a cgroup file): 0 or -1. */
static inline int xd_write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* Run @fn in a child process; its exit code (0: every check held). */
static inline int xd_in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* The family's sockets in use (/proc/net/protocols), or -1. */
static inline int xd_sockets_in_use(void)
{
	char line[512];
	int n = -1;
	FILE *f = fopen("/proc/net/protocols", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "XDISCON ", 8))
			sscanf(line, "%*s %*d %d", &n);
	if (f)
		fclose(f);
	return n;
}

/*
 * Wait until the family's socket count is back to @n: a graceful close
 * finishes in the background (over TCP, when the peer's end of stream
 * arrives).  1 when it is, 0 after 30 s.
 */
static inline int xd_sockets_back_to(int n)
{
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 }, t;
	time_t end;

	clock_gettime(CLOCK_MONOTONIC, &t);
	end = t.tv_sec + 30;
	while (xd_sockets_in_use() != n) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec >= end)
			return 0;
		nanosleep(&tick, NULL);
	}
	return 1;
}

#endif /* XD_UTIL_H */
