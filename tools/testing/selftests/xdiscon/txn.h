/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transaction-total exchange of the reference document, shared by the
 * seed selftest and the demo:
 *
 *  1. each client sends its transactions, then disconnects with its
 *     transaction total as disconnect data;
 *  2. the server sees EPOLLRDHUP (FD_CLOSE), reads end-of-stream with the
 *     client's total and checks it against what it received;
 *  3. once every client is done, it answers each with the grand total as
 *     its own disconnect data and closes;
 *  4. each client sees EPOLLRDHUP and reads the grand total.
 *
 * Amounts travel as 8-byte host-order records; totals likewise.  Written
 * against libxdiscon, as an application would be.
 */
#ifndef XD_TXN_H
#define XD_TXN_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "xd_util.h"

#define TXN_PER_CLIENT	16

static int txn_verbose;

#define txn_log(...) do { if (txn_verbose) printf(__VA_ARGS__); } while (0)

static inline uint64_t txn_amount(int client, int n)
{
	return (uint64_t)client * 1000 + n + 1;
}

static inline uint64_t txn_client_total(int client)
{
	uint64_t t = 0;
	int n;

	for (n = 0; n < TXN_PER_CLIENT; n++)
		t += txn_amount(client, n);
	return t;
}

static inline uint64_t txn_grand_total(int clients)
{
	uint64_t t = 0;
	int i;

	for (i = 0; i < clients; i++)
		t += txn_client_total(i);
	return t;
}

/* A client: returns 0 when the grand total it receives is right. */
static inline int txn_client(int type, unsigned short port, int id,
			     int clients)
{
	uint64_t total = txn_client_total(id), grand = 0, amount;
	int fd = xd_socket(type), n;
	size_t dlen = sizeof(grand);
	char buf[8];

	if (fd < 0 || xd_connect(fd, port))
		return 1;
	for (n = 0; n < TXN_PER_CLIENT - 1; n++) {
		amount = txn_amount(id, n);
		if (send(fd, &amount, 8, 0) != 8)
			return 2;
	}
	/* The last transaction and the total travel in one call. */
	amount = txn_amount(id, n);
	if (xd_send_final(fd, &amount, 8, &total, 8, 0) != 8)
		return 3;
	txn_log("client %d: sent %d transactions, disconnect data total=%llu\n",
		id, TXN_PER_CLIENT, (unsigned long long)total);
	if (xd_wait_disconnect(fd, 60000))	/* FD_CLOSE */
		return 4;
	if (xd_recv(fd, buf, sizeof(buf), 0, &grand, &dlen) != 0 || dlen != 8)
		return 5;
	txn_log("client %d: EPOLLRDHUP, server's disconnect data grand total=%llu\n",
		id, (unsigned long long)grand);
	close(fd);
	return grand == txn_grand_total(clients) ? 0 : 6;
}

/* The demo shows the sockets as /proc/net/xdiscon lists them. */
static inline void txn_show_proc(void)
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
	uint64_t sum;
	unsigned char part[8];
	int have;
	int done;
};

/* Read what is there; at end of stream check the client's total. */
static inline int txn_server_read(struct txn_conn *c)
{
	unsigned char buf[4096];
	uint64_t total = 0, amount;
	size_t dlen;
	ssize_t n;
	int i;

	for (;;) {
		dlen = sizeof(total);
		n = xd_recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT, &total,
			    &dlen);
		if (n < 0)
			return errno == EAGAIN ? 0 : -1;
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			c->part[c->have++] = buf[i];
			if (c->have == 8) {
				memcpy(&amount, c->part, 8);
				c->sum += amount;
				c->have = 0;
			}
		}
	}
	if (dlen != 8 || c->have || total != c->sum)
		return -1;
	c->done = 1;
	txn_log("server: fd %d disconnected, total=%llu matches its transactions\n",
		c->fd, (unsigned long long)total);
	return 0;
}

/* The server: accept @clients, collect, answer with the grand total. */
static inline int txn_server(int lfd, int clients)
{
	struct txn_conn *conns = calloc(clients, sizeof(*conns));
	struct epoll_event ev, out[16];
	int ep = epoll_create1(0), accepted = 0, done = 0, i, n;
	uint64_t grand = 0;

	ev.events = EPOLLIN;
	ev.data.u32 = (uint32_t)-1;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev))
		return -1;
	while (done < clients) {
		n = epoll_wait(ep, out, 16, 60000);
		if (n <= 0)
			return -1;
		for (i = 0; i < n; i++) {
			struct txn_conn *c;

			if (out[i].data.u32 == (uint32_t)-1) {
				c = &conns[accepted];
				c->fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
				if (c->fd < 0)
					return -1;
				ev.events = EPOLLIN | EPOLLRDHUP;
				ev.data.u32 = accepted++;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev))
					return -1;
				if (accepted == clients)
					epoll_ctl(ep, EPOLL_CTL_DEL, lfd, NULL);
				continue;
			}
			c = &conns[out[i].data.u32];
			if (txn_server_read(c))
				return -1;
			if (c->done) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
				grand += c->sum;
				done++;
			}
		}
	}
	txn_log("server: all %d clients done, grand total=%llu\n", clients,
		(unsigned long long)grand);
	if (txn_verbose)
		txn_show_proc();
	for (i = 0; i < clients; i++) {
		if (xd_send_disconnect(conns[i].fd, &grand, 8))
			return -1;
		close(conns[i].fd);
	}
	close(ep);
	free(conns);
	return grand == txn_grand_total(clients) ? 0 : -1;
}

/* Run the whole exchange; returns the number of clients that failed. */
static inline int txn_run(int type, int clients)
{
	int lfd = xd_listener(type, clients), failed = 0, i, status;
	unsigned short port = xd_port(lfd);
	pid_t pid;

	if (lfd < 0)
		return clients;
	for (i = 0; i < clients; i++) {
		pid = fork();
		if (pid < 0)
			return clients;
		if (pid == 0) {
			close(lfd);
			_exit(txn_client(type, port, i, clients));
		}
	}
	if (txn_server(lfd, clients))
		failed++;
	close(lfd);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed++;
	return failed;
}

#endif /* XD_TXN_H */
