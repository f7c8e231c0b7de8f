// SPDX-License-Identifier: GPL-2.0
/* The transaction-total exchange: see txn.h. */
#define _GNU_SOURCE	/* accept4 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "txn.h"

int txn_verbose;

#define txn_log(...) do { if (txn_verbose) printf(__VA_ARGS__); } while (0)

static int txn_fail(const char *who, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", who, what, strerror(errno));
	return -1;
}

uint64_t txn_amount(int id, int n)
{
	return (uint64_t)id * 1000 + n;
}

uint64_t txn_grand_total(int clients, int count)
{
	uint64_t t = 0;

	for (int id = 0; id < clients; id++)
		for (int n = 1; n <= count; n++)
			t += txn_amount(id, n);
	return t;
}

/* Client @id's half of the exchange on connected @fd; see txn_client(). */
static int txn_client_run(int fd, int id, int count, uint64_t *grand)
{
	uint64_t amount = 0, total = 0;
	size_t glen = sizeof(*grand);
	char byte;

	/* The transactions; the last one goes with the disconnect. */
	for (int n = 1; n <= count; n++) {
		amount = txn_amount(id, n);
		total += amount;
		if (n < count && send(fd, &amount, TXN_LEN, 0) != TXN_LEN)
			return txn_fail("txn_client", "send");
	}
	if (xd_send_final(fd, &amount, TXN_LEN, &total, TXN_LEN, 0) < 0)
		return txn_fail("txn_client", "send with disconnect");
	txn_log("client %d: sent %d transactions, disconnect data total=%" PRIu64 "\n",
		id, count, total);
	/* FD_CLOSE: the server has answered and disconnected. */
	if (xd_wait_disconnect(fd, 60000))
		return txn_fail("txn_client", "waiting for the server's disconnect");
	/* End of stream, with the server's disconnect data. */
	if (xd_recv(fd, &byte, 1, 0, grand, &glen) != 0 || glen != TXN_LEN) {
		fprintf(stderr, "txn_client: no grand total came\n");
		return -1;
	}
	txn_log("client %d: EPOLLRDHUP, server's disconnect data grand total=%" PRIu64 "\n",
		id, *grand);
	return 0;
}

int txn_client(const struct sockaddr_xdiscon *server, int type, int id,
	       int count, uint64_t *grand)
{
	int fd = xd_socket(type), err;

	if (fd < 0)
		return txn_fail("txn_client", "socket");
	if (connect(fd, (const struct sockaddr *)server, sizeof(*server))) {
		txn_fail("txn_client", "connect");
		close(fd);
		return -1;
	}
	err = txn_client_run(fd, id, count, grand);
	if (err) {
		close(fd);
		return err;
	}
	return close(fd) ? txn_fail("txn_client", "close") : 0;
}

/* The narration shows the sockets as /proc/net/xdiscon lists them. */
static void txn_show_proc(void)
{
	FILE *f = fopen("/proc/net/xdiscon", "r");
	char line[256];

	if (!f)
		return;
	printf("server: /proc/net/xdiscon now:\n");
	while (fgets(line, sizeof(line), f))
		printf("  %s", line);
	fclose(f);
}

struct txn_conn {
	int fd;
	uint64_t sum;			/* of the amounts received */
	unsigned char part[TXN_LEN];	/* a partial amount */
	size_t have;
	int done;
};

/* Add @n received bytes to @c's amounts. */
static void txn_add(struct txn_conn *c, const unsigned char *buf, ssize_t n)
{
	uint64_t amount;

	for (ssize_t i = 0; i < n; i++) {
		c->part[c->have++] = buf[i];
		if (c->have == TXN_LEN) {
			memcpy(&amount, c->part, TXN_LEN);
			c->sum += amount;
			c->have = 0;
		}
	}
}

/* Read what is there; at end of stream check the client's total. */
static int txn_server_read(struct txn_conn *c)
{
	unsigned char buf[4096];
	uint64_t total = 0;
	size_t tlen;
	ssize_t n;

	do {
		tlen = sizeof(total);
		n = xd_recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT, &total,
			    &tlen);
		if (n < 0)
			return errno == EAGAIN ? 0 :
			       txn_fail("txn_server", "recv");
		txn_add(c, buf, n);
	} while (n > 0);
	if (tlen != TXN_LEN || c->have || total != c->sum) {
		fprintf(stderr, "txn_server: a client's total does not match its transactions\n");
		return -1;
	}
	c->done = 1;
	txn_log("server: fd %d disconnected, total=%" PRIu64 " matches its transactions\n",
		c->fd, total);
	return 0;
}

/* Accept a client into @conns; once all came, the listener leaves @ep. */
static int txn_accept(int ep, int lfd, struct txn_conn *conns, int *accepted,
		      int clients)
{
	struct txn_conn *c = &conns[*accepted];
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };

	c->fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	if (c->fd < 0)
		return txn_fail("txn_server", "accept");
	ev.data.u32 = (*accepted)++;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev))
		return txn_fail("txn_server", "epoll_ctl");
	if (*accepted == clients)
		epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
	return 0;
}

/* Collect every client's transactions; the sum of their totals. */
static int txn_collect(int ep, int lfd, struct txn_conn *conns, int clients,
		       uint64_t *grand)
{
	struct epoll_event out[16];
	int accepted = 0, done = 0;

	while (done < clients) {
		int n = epoll_wait(ep, out, 16, 60000);

		if (n <= 0)
			return txn_fail("txn_server", "epoll_wait");
		for (int i = 0; i < n; i++) {
			struct txn_conn *c;

			if (out[i].data.u32 == (uint32_t)-1) {
				if (txn_accept(ep, lfd, conns, &accepted,
					       clients))
					return -1;
				continue;
			}
			c = &conns[out[i].data.u32];
			if (txn_server_read(c))
				return -1;
			if (c->done) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				*grand += c->sum;
				done++;
			}
		}
	}
	return 0;
}

/*
 * Close a served connection gracefully, lingering up to 5 s.  The
 * connections are non-blocking for the epoll loop, and a non-blocking
 * graceful close fails with EWOULDBLOCK until the peer's transport has
 * taken everything (Winsock's rule, see xd_close_graceful()): on the inet
 * transport that is TCP's acknowledgment, which need not have come yet.
 * Blocking again, the close waits for it in the kernel.
 */
static int txn_close(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		close(fd);
		return -1;
	}
	return xd_close_graceful(fd, 5);
}

int txn_server(int lfd, int clients, uint64_t *grand)
{
	struct txn_conn *conns = calloc(clients, sizeof(*conns));
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)-1 };
	int ep = epoll_create1(0), err = -1;

	*grand = 0;
	if (!conns || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev)) {
		txn_fail("txn_server", "set-up");
		goto out;
	}
	for (int i = 0; i < clients; i++)
		conns[i].fd = -1;
	if (txn_collect(ep, lfd, conns, clients, grand))
		goto out;
	txn_log("server: all %d clients done, grand total=%" PRIu64 "\n",
		clients, *grand);
	if (txn_verbose)
		txn_show_proc();
	for (int i = 0; i < clients; i++) {
		if (xd_send_disconnect(conns[i].fd, grand, TXN_LEN)) {
			txn_fail("txn_server", "disconnect");
			goto out;
		}
		err = txn_close(conns[i].fd);
		conns[i].fd = -1;
		if (err) {
			txn_fail("txn_server", "close");
			goto out;
		}
	}
	err = 0;
out:
	for (int i = 0; conns && i < clients; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	if (ep >= 0)
		close(ep);
	free(conns);
	return err;
}

/* A listener on @addr; *@bound gets its address, to connect to. */
static int txn_listen(const struct sockaddr_xdiscon *addr, int type,
		      int backlog, struct sockaddr_xdiscon *bound)
{
	socklen_t len = sizeof(*bound);
	int fd = xd_socket(type);

	if (fd < 0 || bind(fd, (const struct sockaddr *)addr, sizeof(*addr)) ||
	    listen(fd, backlog) ||
	    getsockname(fd, (struct sockaddr *)bound, &len)) {
		txn_fail("txn_run", "listen");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Connect to the address asked for: "any" is not a peer's. */
	memcpy(bound->sxd_addr, addr->sxd_addr, sizeof(bound->sxd_addr));
	return fd;
}

int txn_run(const struct sockaddr_xdiscon *addr, int type, int clients,
	    int count)
{
	uint64_t want = txn_grand_total(clients, count), grand;
	struct sockaddr_xdiscon server;
	int lfd, failed = 0, status;

	lfd = txn_listen(addr, type, clients, &server);
	if (lfd < 0)
		return clients + 1;
	for (int id = 0; id < clients; id++) {
		pid_t pid = fork();

		if (pid < 0)
			return clients + 1;
		if (pid == 0) {
			close(lfd);
			_exit(txn_client(&server, type, id, count, &grand) ||
			      grand != want);
		}
	}
	if (txn_server(lfd, clients, &grand) || grand != want)
		failed++;
	close(lfd);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	return failed;
}
