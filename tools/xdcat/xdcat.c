// SPDX-License-Identifier: GPL-2.0
/*
 * xdcat: netcat for AF_XDISCON.  Copies stdin to the socket and the
 * socket to stdout; when stdin ends it disconnects with the disconnect
 * data given (or aborts with the abort data given), and it reports the
 * peer's disconnect or abort data on stderr (or in a file).  See xdcat(1).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <xdiscon/xdiscon.h>

#define BUFSZ 65536

static const char *prog = "xdcat";

/* Longest --linger, in seconds: what Winsock's u_short l_linger holds. */
#define LINGER_MAX 65535

struct opts {
	int listen;
	int type;
	const char *abort;	/* --abort: the abort data, text or @file */
	int linger;		/* -1: not given; 0: abortive */
	int keep[3];		/* --keepalive: idle, interval, count; 0: unset */
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

/* Bad usage: one line saying why, then exit 2. */
static void bad_usage(const char *why)
{
	fprintf(stderr, "%s: %s (see %s --help)\n", prog, why, prog);
	exit(2);
}

static void usage(int status)
{
	fprintf(status ? stderr : stdout,
		"usage: %s [-l] [--seqpacket] [--disconnect-data TEXT|@FILE]\n"
		"             [--peer-data FILE] [--abort TEXT|@FILE | --linger SECONDS]\n"
		"             [--keepalive IDLE[,INTERVAL[,COUNT]]] ADDRESS\n"
		"ADDRESS: local:PORT for the same-host transport, or HOST:PORT over\n"
		"  TCP, HOST an IPv4 address, [IPv6] or a name: localhost:PORT is\n"
		"  TCP over loopback; write local:PORT for the same-host transport.\n"
		"  With -l, port 0 takes a free port, printed on stderr.\n"
		"SECONDS: 0 (abortive: reset) to %d.\n"
		"IDLE, INTERVAL: seconds, 1 to 32767; COUNT: 1 to 127.\n",
		prog, LINGER_MAX);
	exit(status);
}

/*
 * The disconnect (or abort) data: the text itself, or a file's contents
 * for @FILE.  More than any kernel takes (XDISCON_DISCDATA_CAP) is an
 * error.
 */
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
	buf = malloc(XDISCON_DISCDATA_CAP + 1);
	if (!buf)
		die("malloc");
	*len = fread(buf, 1, XDISCON_DISCDATA_CAP + 1, f);
	if (ferror(f))
		die(arg + 1);
	fclose(f);
	if (*len > XDISCON_DISCDATA_CAP) {
		errno = EMSGSIZE;
		die(arg + 1);
	}
	return buf;
}

/* SECONDS for --linger: a whole number, 0 to LINGER_MAX. */
static int parse_linger(const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < 0 || v > LINGER_MAX)
		bad_usage("--linger takes a number of seconds, 0 to 65535");
	return v;
}

/*
 * --keepalive IDLE[,INTERVAL[,COUNT]]: TCP's keepalive options, with
 * TCP's ranges; what is left out stays the system's default.
 */
static void parse_keepalive(const char *arg, int keep[3])
{
	static const long max[3] = { 32767, 32767, 127 };
	const char *p = arg;
	char *end;
	long v;

	for (int i = 0; i < 3; i++) {
		errno = 0;
		v = strtol(p, &end, 10);
		if (errno || end == p || v < 1 || v > max[i] ||
		    (*end && (*end != ',' || i == 2)))
			bad_usage("--keepalive takes IDLE[,INTERVAL[,COUNT]]: "
				  "seconds 1 to 32767, count 1 to 127");
		keep[i] = v;
		if (!*end)
			return;
		p = end + 1;
	}
}

/* SO_KEEPALIVE on, and the times given (a listener's go to its children). */
static void set_keepalive(int fd, const int keep[3])
{
	static const int opt[3] = { TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT };
	int one = 1;

	if (!keep[0])
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)))
		die("setsockopt SO_KEEPALIVE");
	for (int i = 0; i < 3; i++)
		if (keep[i] &&
		    setsockopt(fd, SOL_TCP, opt[i], &keep[i], sizeof(keep[i])))
			die("setsockopt TCP_KEEPIDLE/INTVL/CNT");
}

/*
 * The disconnect data must fit the socket's limit (XDISCON_MAX_DISCDATA):
 * checked before the connection exists, so that nothing is sent when it
 * would be refused at the end.
 */
static void check_disc(int fd, size_t dlen)
{
	socklen_t len = sizeof(int);
	int max;

	if (getsockopt(fd, SOL_XDISCON, XDISCON_MAX_DISCDATA, &max, &len))
		die("getsockopt XDISCON_MAX_DISCDATA");
	if (dlen > (size_t)max) {
		fprintf(stderr, "%s: disconnect or abort data: %zu bytes, over the limit of %d (EMSGSIZE)\n",
			prog, dlen, max);
		exit(1);
	}
}

/*
 * ADDRESS as xd_parse_addr() reads it, or HOST:PORT with a host name,
 * through getaddrinfo(): every address it gives, in its order, in
 * *@out (free()).  The number of addresses; exits on failure.
 */
static int resolve(const char *text, struct sockaddr_xdiscon **out)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char host[256], buf[INET6_ADDRSTRLEN + 16], ip[INET6_ADDRSTRLEN];
	char probe[16];
	const char *colon = strrchr(text, ':');
	int n = 0, err;

	*out = calloc(1, sizeof(**out));
	if (!*out)
		die("malloc");
	if (!xd_parse_addr(text, *out))
		return 1;
	/* Else a host name, with a port xd_parse_addr() would take. */
	if (!colon || colon == text || (size_t)(colon - text) >= sizeof(host) ||
	    text[0] == '[' || !strncmp(text, "local:", 6) ||
	    snprintf(probe, sizeof(probe), "local%s", colon) >=
	    (int)sizeof(probe) || xd_parse_addr(probe, *out)) {
		errno = EINVAL;
		die(text);
	}
	memcpy(host, text, colon - text);
	host[colon - text] = '\0';
	err = getaddrinfo(host, NULL, &hints, &res);
	if (err) {
		fprintf(stderr, "%s: %s: %s (for the same-host transport: local:PORT)\n",
			prog, host, gai_strerror(err));
		exit(1);
	}
	for (ai = res; ai; ai = ai->ai_next)
		n++;
	free(*out);
	*out = calloc(n, sizeof(**out));
	if (!*out)
		die("malloc");
	n = 0;
	for (ai = res; ai; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET6 ?
			(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr :
			(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;

		if (!inet_ntop(ai->ai_family, a, ip, sizeof(ip)))
			continue;
		snprintf(buf, sizeof(buf), ai->ai_family == AF_INET6 ?
			 "[%s]%s" : "%s%s", ip, colon);
		if (!xd_parse_addr(buf, &(*out)[n]))
			n++;
	}
	freeaddrinfo(res);
	if (!n) {
		errno = EADDRNOTAVAIL;
		die(host);
	}
	return n;
}

static void report_peer(const struct opts *o, const void *data, size_t len,
			int aborted)
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
	fprintf(f, "%s: peer %s with %zu bytes: ", prog,
		aborted ? "aborted" : "disconnected", len);
	fwrite(data, 1, len, f);
	fputc('\n', f);
}

/* A socket whose disconnect data limit takes @dlen bytes. */
static int new_socket(const struct opts *o, size_t dlen)
{
	int fd = xd_socket(o->type);

	if (fd < 0)
		die("socket");
	check_disc(fd, dlen);
	set_keepalive(fd, o->keep);
	return fd;
}

/* Connect to the first of @n addresses that answers. */
static int connect_any(const struct opts *o, const struct sockaddr_xdiscon *a,
		       int n, size_t dlen)
{
	int fd, err = 0;

	for (int i = 0; i < n; i++) {
		fd = new_socket(o, dlen);
		if (!connect(fd, (const struct sockaddr *)&a[i], sizeof(*a)))
			return fd;
		err = errno;
		close(fd);
	}
	errno = err;
	die("connect");
	return -1;
}

/* With -l and port 0: say which port the listener got. */
static void say_port(int fd, const struct sockaddr_xdiscon *a)
{
	struct sockaddr_xdiscon got;
	socklen_t len = sizeof(got);
	char text[XD_ADDRSTRLEN];

	if (a->sxd_port)
		return;
	if (getsockname(fd, (struct sockaddr *)&got, &len) ||
	    xd_format_addr(&got, text, sizeof(text)) < 0)
		die("getsockname");
	fprintf(stderr, "%s: listening on %s\n", prog, text);
}

static int open_socket(const struct opts *o, size_t dlen)
{
	struct sockaddr_xdiscon *a;
	int n, fd, c, one = 1;

	n = resolve(o->addr, &a);
	if (!o->listen) {
		fd = connect_any(o, a, n, dlen);
		free(a);
		return fd;
	}
	fd = new_socket(o, dlen);
	/* As nc -l: a server restarts while its last connections drain. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("setsockopt SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&a[0], sizeof(a[0])))
		die("bind");
	if (listen(fd, 1))
		die("listen");
	say_port(fd, &a[0]);
	free(a);
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

/*
 * A call on the socket failed (@what): say so, after the peer's abort
 * data when it was a reset by an abort with data (XDISCON_PEER_ABORTDATA),
 * and exit 1.
 */
static void die_sock(int fd, const struct opts *o, char *peer,
		     const char *what)
{
	int err = errno;
	ssize_t n;

	if (err == ECONNRESET) {
		n = xd_peer_abort_data(fd, peer, BUFSZ);
		if (n >= 0)
			report_peer(o, peer, n, 1);
	}
	errno = err;
	die(what);
}

static void finish(int fd, const struct opts *o)
{
	int err;

	if (!o->linger)
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
		{ "abort", required_argument, NULL, 'a' },
		{ "linger", required_argument, NULL, 'L' },
		{ "keepalive", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct opts o = { .type = SOCK_STREAM, .linger = -1 };
	int fd, c, in_open = 1, sock_open = 1;
	size_t dlen, alen, plen;
	char *disc, *abort_data, *buf, *peer;
	ssize_t n;

	while ((c = getopt_long(argc, argv, "lsd:p:a:L:k:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l': o.listen = 1; break;
		case 's': o.type = SOCK_SEQPACKET; break;
		case 'd': o.disc = optarg; break;
		case 'p': o.peer_file = optarg; break;
		case 'a': o.abort = optarg; break;
		case 'L': o.linger = parse_linger(optarg); break;
		case 'k': parse_keepalive(optarg, o.keep); break;
		case 'h': usage(0); break;
		default: usage(2);
		}
	}
	if (optind != argc - 1)
		usage(2);
	if (o.abort && o.linger >= 0)
		bad_usage("--abort and --linger exclude each other");
	o.addr = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	disc = load_disc(o.disc, &dlen);
	abort_data = load_disc(o.abort, &alen);
	buf = malloc(BUFSZ);
	peer = malloc(BUFSZ);
	fd = open_socket(&o, dlen > alen ? dlen : alen);

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
				die_sock(fd, &o, peer, "send");
			if (n == 0 && o.abort && xd_abort(fd, abort_data, alen))
				die_sock(fd, &o, peer, "abort");
			if (n == 0 && (o.abort || !o.linger))
				break;		/* reset now, no disconnect */
			if (n == 0) {
				if (xd_send_disconnect(fd, disc, dlen))
					die_sock(fd, &o, peer, "disconnect");
				in_open = 0;
			}
		}
		if (p[1].revents) {
			plen = BUFSZ;
			n = xd_recv(fd, buf, BUFSZ, 0, peer, &plen);
			if (n < 0)
				die_sock(fd, &o, peer, "recv");
			if (n > 0) {
				write_all(1, buf, n, "write stdout");
			} else if (plen != XD_NO_DISCONNECT) {
				report_peer(&o, peer, plen, 0);
				sock_open = 0;
			}
		}
	}
	finish(fd, &o);
	free(disc);
	free(abort_data);
	free(buf);
	free(peer);
	return 0;
}
