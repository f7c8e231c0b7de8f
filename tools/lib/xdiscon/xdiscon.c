// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libxdiscon: the family number, addresses, disconnect data and the
 * Winsock-style close calls over the AF_XDISCON socket API.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <xdiscon/xdiscon.h>

#define XD_FAMILY_PARAM "/sys/module/xdiscon/parameters/family"

static int xd_family_from(const char *path)
{
	FILE *f = fopen(path, "re");
	int nr = -1;

	if (!f) {
		/* The module is not loaded: the family does not exist. */
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (fscanf(f, "%d", &nr) != 1 || nr <= 0) {
		nr = -1;
		errno = EAFNOSUPPORT;
	}
	fclose(f);
	return nr;
}

int xd_family(void)
{
	return xd_family_from(XD_FAMILY_PARAM);
}

/*
 * The family number for xd_socket(), read once: reading sysfs costs more
 * than the socket itself.  Before the module is loaded there is no number
 * to read: the default one lets socket() load the module on demand
 * (MODULE_ALIAS_NETPROTO).  If the module registered another number
 * (its family parameter, or a reload), socket() fails with EAFNOSUPPORT
 * and the number is read again.
 */
static int xd_family_cache;

/* The number to ask for: the registered one, or the default to load. */
static int xd_family_or_default(void)
{
	int family = xd_family();

	return family > 0 ? family : AF_XDISCON_DEFAULT;
}

int xd_socket(int type)
{
	int family = __atomic_load_n(&xd_family_cache, __ATOMIC_RELAXED);
	int fd, live;

	if (family <= 0)
		family = xd_family_or_default();
	fd = socket(family, type, 0);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		live = xd_family_or_default();
		if (live == family) {
			errno = EAFNOSUPPORT;
			return -1;
		}
		family = live;
		fd = socket(family, type, 0);
	}
	if (fd >= 0)
		__atomic_store_n(&xd_family_cache, family, __ATOMIC_RELAXED);
	return fd;
}

/* A decimal port 0..65535 that is all of @s. */
static int xd_parse_port(const char *s, unsigned short *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

static int xd_parse_inet(const char *host, struct sockaddr_xdiscon *a)
{
	struct in_addr v4;
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *scope;
	size_t n = strlen(host);

	if (inet_pton(AF_INET, host, &v4) == 1) {
		/* v4-mapped: ::ffff:a.b.c.d */
		a->sxd_addr[10] = 0xff;
		a->sxd_addr[11] = 0xff;
		memcpy(&a->sxd_addr[12], &v4, 4);
		return 0;
	}
	if (n < 2 || host[0] != '[' || host[n - 1] != ']' || n - 2 >= sizeof(buf))
		return -1;
	memcpy(buf, host + 1, n - 2);
	buf[n - 2] = '\0';
	scope = strchr(buf, '%');
	if (scope) {
		unsigned short nr;

		*scope++ = '\0';
		if (!xd_parse_port(scope, &nr))
			a->sxd_scope_id = nr;
		else if (!(a->sxd_scope_id = if_nametoindex(scope)))
			return -1;
	}
	return inet_pton(AF_INET6, buf, a->sxd_addr) == 1 ? 0 : -1;
}

int xd_parse_addr(const char *text, struct sockaddr_xdiscon *addr)
{
	struct sockaddr_xdiscon a = { 0 };
	char host[128];
	const char *colon;
	unsigned short port;
	int family;

	if (!text || !addr)
		goto einval;
	colon = strrchr(text, ':');
	if (!colon || (size_t)(colon - text) >= sizeof(host) ||
	    xd_parse_port(colon + 1, &port))
		goto einval;
	memcpy(host, text, colon - text);
	host[colon - text] = '\0';

	if (!strcmp(host, "local")) {
		a.sxd_transport = XDISCON_TRANSPORT_LOCAL;
	} else {
		a.sxd_transport = XDISCON_TRANSPORT_INET;
		if (xd_parse_inet(host, &a))
			goto einval;
	}
	/* Addresses can be built before the module is loaded. */
	family = xd_family();
	a.sxd_family = family > 0 ? family : AF_XDISCON_DEFAULT;
	a.sxd_port = htons(port);
	*addr = a;
	return 0;
einval:
	errno = EINVAL;
	return -1;
}

int xd_format_addr(const struct sockaddr_xdiscon *a, char *buf, size_t len)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};
	char host[INET6_ADDRSTRLEN];
	int n;

	if (!a || !buf)
		goto einval;
	if (a->sxd_transport == XDISCON_TRANSPORT_LOCAL) {
		n = snprintf(buf, len, "local:%u", ntohs(a->sxd_port));
	} else if (a->sxd_transport == XDISCON_TRANSPORT_INET) {
		if (!memcmp(a->sxd_addr, mapped, sizeof(mapped))) {
			inet_ntop(AF_INET, &a->sxd_addr[12], host, sizeof(host));
			n = snprintf(buf, len, "%s:%u", host,
				     ntohs(a->sxd_port));
		} else {
			inet_ntop(AF_INET6, a->sxd_addr, host, sizeof(host));
			n = snprintf(buf, len, "[%s]:%u", host,
				     ntohs(a->sxd_port));
		}
	} else {
		goto einval;
	}
	if (n < 0 || (size_t)n >= len) {
		errno = ENOSPC;
		return -1;
	}
	return n;
einval:
	errno = EINVAL;
	return -1;
}

size_t xd_cmsg_space(size_t dlen)
{
	return CMSG_SPACE(dlen);
}

/* @msg's control buffer holds one XDISCON_CMSG_* of @type: @dlen of @data. */
static int xd_cmsg_put(struct msghdr *msg, int type, const void *data,
		       size_t dlen)
{
	struct cmsghdr *cmsg;

	if (!msg || !msg->msg_control || (dlen && !data)) {
		errno = EINVAL;
		return -1;
	}
	if (msg->msg_controllen < CMSG_SPACE(dlen)) {
		errno = EMSGSIZE;
		return -1;
	}
	memset(msg->msg_control, 0, CMSG_SPACE(dlen));
	msg->msg_controllen = CMSG_SPACE(dlen);
	cmsg = CMSG_FIRSTHDR(msg);
	cmsg->cmsg_level = SOL_XDISCON;
	cmsg->cmsg_type = type;
	cmsg->cmsg_len = CMSG_LEN(dlen);
	if (dlen)
		memcpy(CMSG_DATA(cmsg), data, dlen);
	return 0;
}

int xd_cmsg_put_disconnect(struct msghdr *msg, const void *data, size_t dlen)
{
	return xd_cmsg_put(msg, XDISCON_CMSG_DISCONNECT, data, dlen);
}

int xd_cmsg_get_disconnect(const struct msghdr *msg, const void **data,
			   size_t *dlen)
{
	struct cmsghdr *cmsg;

	if (!msg) {
		errno = EINVAL;
		return -1;
	}
	for (cmsg = CMSG_FIRSTHDR((struct msghdr *)msg); cmsg;
	     cmsg = CMSG_NXTHDR((struct msghdr *)msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_XDISCON ||
		    cmsg->cmsg_type != XDISCON_CMSG_DISCONNECT ||
		    cmsg->cmsg_len < CMSG_LEN(0))
			continue;
		if (data)
			*data = CMSG_DATA(cmsg);
		if (dlen)
			*dlen = cmsg->cmsg_len - CMSG_LEN(0);
		return 1;
	}
	return 0;
}

/* Control buffers up to this size live on the stack, not the heap. */
#define XD_CTL_STACK 256

union xd_ctl {
	char buf[CMSG_SPACE(XD_CTL_STACK)];
	struct cmsghdr align;
};

/* A control buffer of CMSG_SPACE(@dlen) bytes: @stack, or the heap. */
static void *xd_ctl_get(union xd_ctl *stack, size_t dlen)
{
	if (dlen <= XD_CTL_STACK) {
		memset(stack, 0, sizeof(*stack));
		return stack;
	}
	return calloc(1, CMSG_SPACE(dlen));
}

static void xd_ctl_put(union xd_ctl *stack, void *ctl)
{
	if (ctl != stack)
		free(ctl);
}

/* sendmsg of @len bytes of @buf with a control message of @type. */
static ssize_t xd_send_ctl(int fd, const void *buf, size_t len, int type,
			   const void *data, size_t dlen, int flags)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	union xd_ctl stack;
	ssize_t ret;
	void *ctl;
	int err;

	if (dlen > INT_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	ctl = xd_ctl_get(&stack, dlen);
	if (!ctl)
		return -1;
	msg.msg_control = ctl;
	msg.msg_controllen = CMSG_SPACE(dlen);
	ret = xd_cmsg_put(&msg, type, data, dlen);
	if (!ret)
		ret = sendmsg(fd, &msg, flags);
	err = errno;
	xd_ctl_put(&stack, ctl);
	errno = err;
	return ret;
}

ssize_t xd_send_final(int fd, const void *buf, size_t len, const void *data,
		      size_t dlen, int flags)
{
	return xd_send_ctl(fd, buf, len, XDISCON_CMSG_DISCONNECT, data, dlen,
			   flags);
}

int xd_abort(int fd, const void *data, size_t len)
{
	return xd_send_ctl(fd, NULL, 0, XDISCON_CMSG_ABORT, data, len,
			   MSG_NOSIGNAL) < 0 ? -1 : 0;
}

ssize_t xd_peer_abort_data(int fd, void *buf, size_t len)
{
	socklen_t n = len > INT_MAX ? INT_MAX : len;

	if (!buf && len) {
		errno = EINVAL;
		return -1;
	}
	if (getsockopt(fd, SOL_XDISCON, XDISCON_PEER_ABORTDATA, buf, &n))
		return -1;
	return n;
}

int xd_send_disconnect(int fd, const void *data, size_t len)
{
	return xd_send_final(fd, NULL, 0, data, len, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/*
 * 1 when the next read on @fd is the end of stream with the peer's
 * disconnect, 0 when something is still queued before it (a record of
 * SOCK_SEQPACKET may be empty: only the control message tells the end),
 * -1 on error.
 */
static int xd_at_disconnect(int fd)
{
	union xd_ctl ctl;
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = &ctl, .msg_controllen = CMSG_SPACE(0),
	};
	const void *data;
	size_t dlen;
	ssize_t n;

	n = recvmsg(fd, &msg, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0)
		return -1;
	if (n > 0)
		return 0;
	return (msg.msg_flags & MSG_CTRUNC) ||
	       xd_cmsg_get_disconnect(&msg, &data, &dlen) == 1;
}

ssize_t xd_recv_disconnect(int fd, void *buf, size_t len)
{
	socklen_t n = len > INT_MAX ? INT_MAX : (socklen_t)len;
	int end;

	if (getsockopt(fd, SOL_XDISCON, XDISCON_PEER_DISCDATA, buf, &n)) {
		if (errno == ERANGE)
			errno = EMSGSIZE;	/* nothing lost: try bigger */
		return -1;
	}
	/*
	 * Shutting the receiving direction would discard what the peer sent
	 * before its disconnect: while any of it is unread, leave it open.
	 */
	end = xd_at_disconnect(fd);
	if (end < 0)
		return -1;
	if (end && shutdown(fd, SHUT_RD) && errno != ENOTCONN)
		return -1;
	return n;
}

/* The length of the peer's disconnect data: the size ERANGE asks for. */
static size_t xd_peer_discdata_len(int fd)
{
	socklen_t n = 0;
	char none;

	if (getsockopt(fd, SOL_XDISCON, XDISCON_PEER_DISCDATA, &none, &n) &&
	    errno != ERANGE)
		return XD_NO_DISCONNECT;
	return n;
}

ssize_t xd_recv(int fd, void *buf, size_t len, int flags, void *data,
		size_t *dlen)
{
	size_t cap = dlen && *dlen != XD_NO_DISCONNECT ? *dlen : 0;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	union xd_ctl stack;
	const void *got;
	size_t glen;
	ssize_t ret;
	void *ctl;
	int err;

	ctl = xd_ctl_get(&stack, cap);
	if (!ctl)
		return -1;
	msg.msg_control = ctl;
	msg.msg_controllen = CMSG_SPACE(cap);
	ret = recvmsg(fd, &msg, flags);
	err = errno;
	if (ret >= 0 && dlen) {
		*dlen = XD_NO_DISCONNECT;
		if (!ret && (msg.msg_flags & MSG_CTRUNC)) {
			/* The data stays readable with xd_recv_disconnect(). */
			*dlen = xd_peer_discdata_len(fd);
			ret = -1;
			err = EMSGSIZE;
		} else if (xd_cmsg_get_disconnect(&msg, &got, &glen) == 1) {
			if (data && glen)
				memcpy(data, got, glen);
			*dlen = glen;
		}
	}
	xd_ctl_put(&stack, ctl);
	errno = err;
	return ret;
}

int xd_wait_disconnect(int fd, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };
	int n;

	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (p.revents & POLLERR) {
		errno = ECONNRESET;
		return -1;
	}
	if (p.revents & POLLNVAL) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

static int xd_set_linger(int fd, int on, int secs)
{
	struct linger l = { .l_onoff = on, .l_linger = secs };

	return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

/* An error or hang-up stands on @fd: the connection was reset. */
static int xd_broken(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

int xd_close_graceful(int fd, int timeout_s)
{
	int fl = fcntl(fd, F_GETFL), done = 0;
	socklen_t len = sizeof(done);

	if (fl < 0 || timeout_s < 0) {
		if (timeout_s < 0)
			errno = EINVAL;
		return -1;
	}
	if (!timeout_s) {
		/* Linger off: the kernel finishes in the background. */
		if (xd_set_linger(fd, 0, 0))
			return -1;
		return close(fd);
	}
	if (!(fl & O_NONBLOCK)) {
		/* The kernel waits, then aborts if it must (Winsock's way). */
		if (xd_set_linger(fd, 1, timeout_s))
			return -1;
		return close(fd);
	}
	/*
	 * Winsock: a non-blocking socket with a linger timeout fails with
	 * WSAEWOULDBLOCK while the close cannot complete, and stays open.
	 */
	if (shutdown(fd, SHUT_WR) && errno != EPIPE) {
		if (errno != ENOTCONN)
			return -1;
		/* Reset: nothing will be delivered. */
		if (xd_broken(fd))
			return close(fd);
	}
	/*
	 * 1 too when it never connected, listens or its connect failed; 0
	 * while connecting.
	 */
	if (getsockopt(fd, SOL_XDISCON, XDISCON_TX_DONE, &done, &len))
		return -1;
	if (!done) {
		errno = EWOULDBLOCK;
		return -1;
	}
	return close(fd);
}

int xd_close_abortive(int fd)
{
	if (xd_set_linger(fd, 1, 0))
		return -1;
	return close(fd);
}
