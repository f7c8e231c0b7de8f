// SPDX-License-Identifier: GPL-2.0
/*
 * xdcat: netcat for AF_XDISCON.  Copies stdin to the socket and the
 * socket to stdout; when stdin ends it disconnects with the disconnect
 * data given, and it reports the peer's disconnect data on stderr (or in
 * a file).  See xdcat(1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xdiscon/xdiscon.h>

#define BUFSZ 65536

static const char *prog = "xdcat";

struct opts {
	int listen;
	int type;
	int abort;
	int linger;		/* -1: off */
	const char *addr;
	const char *disc;	/* text, or @file */
	const char *peer_file;
};

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);

	return n ? n : "E?";
}

static void die(const char *what)
{
	int err = errno;

	fprintf(stderr, "%s: %s: %s (%s)\n", prog, what, strerror(err),
		errname(err));
	exit(1);
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [-l] [--seqpacket] [--disconnect-data TEXT|@FILE]\n"
		"             [--peer-data FILE] [--abort | --linger SECONDS] ADDRESS\n"
		"ADDRESS: local:PORT, IPv4:PORT or [IPv6]:PORT\n", prog);
	exit(status);
}

/* The disconnect data: the text itself, or a file's contents for @FILE. */
static char *load_disc(const char *arg, size_t *len)
{
	char *buf;
	FILE *f;

	if (!arg) {
		*len = 0;
		return NULL;
	}
	if (arg[0] != '@') {
		*len = strlen(arg);
		return strdup(arg);
	}
	f = fopen(arg + 1, "rb");
	if (!f)
		die(arg + 1);
	buf = malloc(BUFSZ);
	*len = fread(buf, 1, BUFSZ, f);
	if (ferror(f))
		die(arg + 1);
	fclose(f);
	return buf;
}

static void report_peer(const struct opts *o, const void *data, size_t len)
{
	FILE *f = stderr;

	if (o->peer_file) {
		f = fopen(o->peer_file, "wb");
		if (!f)
			die(o->peer_file);
		if (fwrite(data, 1, len, f) != len)
			die(o->peer_file);
		fclose(f);
		return;
	}
	fprintf(f, "%s: peer disconnected with %zu bytes: ", prog, len);
	fwrite(data, 1, len, f);
	fputc('\n', f);
}

static int open_socket(const struct opts *o)
{
	struct sockaddr_xdiscon a;
	int fd, c;

	if (xd_parse_addr(o->addr, &a))
		die(o->addr);
	fd = xd_socket(o->type);
	if (fd < 0)
		die("socket");
	if (!o->listen) {
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
			die("connect");
		return fd;
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		die("bind");
	if (listen(fd, 1))
		die("listen");
	c = accept(fd, NULL, NULL);
	if (c < 0)
		die("accept");
	close(fd);
	return c;
}

/* Write all of @buf to @fd. */
static void write_all(int fd, const char *buf, size_t len, const char *what)
{
	ssize_t n;

	while (len) {
		n = write(fd, buf, len);
		if (n < 0)
			die(what);
		buf += n;
		len -= n;
	}
}

static void finish(int fd, const struct opts *o)
{
	int err;

	if (o->abort)
		err = xd_close_abortive(fd);
	else
		err = xd_close_graceful(fd, o->linger > 0 ? o->linger : 0);
	if (err)
		die("close");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", no_argument, NULL, 'l' },
		{ "seqpacket", no_argument, NULL, 's' },
		{ "disconnect-data", required_argument, NULL, 'd' },
		{ "peer-data", required_argument, NULL, 'p' },
		{ "abort", no_argument, NULL, 'a' },
		{ "linger", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct opts o = { .type = SOCK_STREAM, .linger = -1 };
	int fd, c, in_open = 1, sock_open = 1;
	size_t dlen, plen;
	char *disc, *buf, *peer;
	ssize_t n;

	while ((c = getopt_long(argc, argv, "lsd:p:aL:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o.listen = 1; break;
		case 's': o.type = SOCK_SEQPACKET; break;
		case 'd': o.disc = optarg; break;
		case 'p': o.peer_file = optarg; break;
		case 'a': o.abort = 1; break;
		case 'L': o.linger = atoi(optarg); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc - 1)
		usage(2);
	o.addr = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	disc = load_disc(o.disc, &dlen);
	buf = malloc(BUFSZ);
	peer = malloc(BUFSZ);
	fd = open_socket(&o);

	while (in_open || sock_open) {
		struct pollfd p[2] = {
			{ .fd = in_open ? 0 : -1, .events = POLLIN },
			{ .fd = sock_open ? fd : -1, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p[0].revents) {
			n = read(0, buf, BUFSZ);
			if (n < 0)
				die("read stdin");
			if (n > 0 && send(fd, buf, n, 0) != n)
				die("send");
			if (n == 0 && o.abort)
				break;		/* reset now, no disconnect */
			if (n == 0) {
				if (xd_send_disconnect(fd, disc, dlen))
					die("disconnect");
				in_open = 0;
			}
		}
		if (p[1].revents) {
			plen = BUFSZ;
			n = xd_recv(fd, buf, BUFSZ, 0, peer, &plen);
			if (n < 0)
				die("recv");
			if (n > 0) {
				write_all(1, buf, n, "write stdout");
			} else if (plen != XD_NO_DISCONNECT) {
				report_peer(&o, peer, plen);
				sock_open = 0;
			}
		}
	}
	finish(fd, &o);
	free(disc);
	free(buf);
	free(peer);
	return 0;
}
