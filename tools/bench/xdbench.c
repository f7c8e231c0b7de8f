// SPDX-License-Identifier: GPL-2.0
/*
 * xdbench: AF_XDISCON against what users would pick instead, in one run.
 *
 * Each workload runs on AF_XDISCON and on its anchor back to back (which
 * goes first alternates), for several rounds; the table shows medians and
 * the median of the rounds' ratios, oriented so that higher is better for
 * AF_XDISCON.  A round's two runs are seconds apart, so a ratio is spared
 * most of the drift of a machine shared under emulation.  Where the anchor
 * needs the final data of a disconnect, it sends it as an ordinary framed
 * message before shutdown(), as an application would.  Transports and
 * anchors:
 *   local  the local transport against AF_UNIX;
 *   inet   the TCP transport against TCP, both over ::1;
 *   veth   the same across a veth pair (--netns PATH --addr IPV6): the
 *          listeners live in the network namespace at PATH, at IPV6.
 *
 *   xdbench [--quick] [--rounds N] [--json FILE] [--netns PATH --addr IPV6]
 *
 * After the table, where a churn connection's time goes, as its client
 * sees it: connect (socket() and connect()), exchange (request and
 * answer), finals (both ways), close.  The last lines are "RATIO
 * <workload> <transport> <value>".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <xdiscon/xdiscon.h>

enum fam { XD, ANCHOR };

/* What the workloads run over: one of the transports above. */
struct transport {
	const char *name;	/* in the table and the RATIO lines */
	const char *anchor;	/* "AF_UNIX" or "TCP" */
	int inet;		/* TCP transport, anchor TCP */
	const char *addr;	/* IPv6 address of the listeners (inet) */
	int netns;		/* fd of the listeners' namespace, or -1 */
};

static const struct transport *tp;

struct endpoint {
	enum fam fam;
	int type;
	struct sockaddr_storage addr;
	socklen_t alen;
};

static struct {
	int quick;
	int rounds;
	const char *json;
	const char *netns;
	const char *addr;
} cfg = { .rounds = 5 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* The anchor over TCP: no Nagle, as the TCP transport's own sockets. */
static int tcp_socket(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM, 0), one = 1;

	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int listener_here(enum fam fam, int type, struct endpoint *ep)
{
	static int seq;
	int fd;

	ep->fam = fam;
	ep->type = type;
	if (fam == XD) {
		struct sockaddr_xdiscon a;
		char text[80];

		if (tp->inet)
			snprintf(text, sizeof(text), "[%s]:0", tp->addr);
		else
			snprintf(text, sizeof(text), "local:0");
		if (xd_parse_addr(text, &a))
			die("address");
		fd = xd_socket(type);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
			die("xdiscon bind");
		ep->alen = sizeof(a);
		getsockname(fd, (struct sockaddr *)&ep->addr, &ep->alen);
	} else if (tp->inet) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6 };
		int one = 1;

		if (inet_pton(AF_INET6, tp->addr, &a.sin6_addr) != 1)
			die("address");
		fd = tcp_socket();
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)))
			die("tcp bind");
		ep->alen = sizeof(a);
		getsockname(fd, (struct sockaddr *)&ep->addr, &ep->alen);
	} else {
		struct sockaddr_un a = { .sun_family = AF_UNIX };

		/* Abstract names: nothing to clean up. */
		snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1,
			 "xdbench-%d-%d", getpid(), seq++);
		fd = socket(AF_UNIX, type, 0);
		ep->alen = offsetof(struct sockaddr_un, sun_path) + 1 +
			   strlen(a.sun_path + 1);
		if (fd < 0 || bind(fd, (struct sockaddr *)&a, ep->alen))
			die("unix bind");
		memcpy(&ep->addr, &a, ep->alen);
	}
	if (listen(fd, 256))
		die("listen");
	return fd;
}

/* A listener, in the transport's namespace (setns() is per thread). */
static int listener(enum fam fam, int type, struct endpoint *ep)
{
	int home, fd;

	if (tp->netns < 0)
		return listener_here(fam, type, ep);
	home = open("/proc/thread-self/ns/net", O_RDONLY);
	if (home < 0 || setns(tp->netns, CLONE_NEWNET))
		die("setns");
	fd = listener_here(fam, type, ep);
	if (setns(home, CLONE_NEWNET))
		die("setns back");
	close(home);
	return fd;
}

static int dial(const struct endpoint *ep)
{
	int fd = ep->fam == XD ? xd_socket(ep->type) :
		 tp->inet ? tcp_socket() : socket(AF_UNIX, ep->type, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&ep->addr, ep->alen))
		die("connect");
	return fd;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(fd, (char *)buf + got, len - got, 0);
		if (n <= 0)
			return -1;
		got += n;
	}
	return 0;
}

/* -- bulk: MB/s over one stream connection -- */

struct bulk {
	int fd;
	size_t total;
	int sndbuf;
};

static void *bulk_writer(void *arg)
{
	struct bulk *b = arg;
	static char buf[65536];
	size_t sent = 0;
	ssize_t n;

	if (b->sndbuf)
		setsockopt(b->fd, SOL_SOCKET, SO_SNDBUF, &b->sndbuf,
			   sizeof(b->sndbuf));
	while (sent < b->total) {
		n = send(b->fd, buf, sizeof(buf), 0);
		if (n <= 0)
			die("bulk send");
		sent += n;
	}
	shutdown(b->fd, SHUT_WR);
	return NULL;
}

static double run_bulk(enum fam fam, int sndbuf)
{
	struct endpoint ep;
	int l = listener(fam, SOCK_STREAM, &ep), s;
	struct bulk b = { .total = cfg.quick ? 8 << 20 : 1UL << 30,
			  .sndbuf = sndbuf };
	static char buf[65536];
	size_t got = 0;
	pthread_t t;
	double t0;
	ssize_t n;

	b.fd = dial(&ep);
	s = accept(l, NULL, NULL);
	t0 = now();
	pthread_create(&t, NULL, bulk_writer, &b);
	while ((n = recv(s, buf, sizeof(buf), 0)) > 0)
		got += n;
	pthread_join(t, NULL);
	t0 = now() - t0;
	if (got != b.total)
		die("bulk short");
	close(s);
	close(b.fd);
	close(l);
	return got / t0 / 1e6;
}

/* -- latency: 1-byte ping-pong, microseconds -- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void *echo(void *arg)
{
	int fd = *(int *)arg;
	char c;

	while (recv(fd, &c, 1, 0) == 1)
		if (send(fd, &c, 1, 0) != 1)
			break;
	return NULL;
}

static void run_latency(enum fam fam, double *p50, double *p99)
{
	int iters = cfg.quick ? 200 : 20000, i;
	double *lat = calloc(iters, sizeof(*lat));
	struct endpoint ep;
	int l = listener(fam, SOCK_STREAM, &ep), c, s;
	pthread_t t;
	char x = 'x';

	c = dial(&ep);
	s = accept(l, NULL, NULL);
	pthread_create(&t, NULL, echo, &s);
	for (i = 0; i < iters; i++) {
		double t0 = now();

		if (send(c, &x, 1, 0) != 1 || recv(c, &x, 1, 0) != 1)
			die("ping");
		lat[i] = (now() - t0) * 1e6;
	}
	shutdown(c, SHUT_WR);
	pthread_join(t, NULL);
	qsort(lat, iters, sizeof(*lat), cmp_double);
	*p50 = lat[iters / 2];
	*p99 = lat[iters * 99 / 100];
	free(lat);
	close(s);
	close(c);
	close(l);
}

/* -- messages: 64-byte SOCK_SEQPACKET records per second -- */

struct msgs {
	int fd;
	int count;
};

static void *msg_writer(void *arg)
{
	struct msgs *m = arg;
	char rec[64] = { 0 };

	for (int i = 0; i < m->count; i++)
		if (send(m->fd, rec, sizeof(rec), 0) != sizeof(rec))
			die("record send");
	shutdown(m->fd, SHUT_WR);
	return NULL;
}

static double run_messages(enum fam fam)
{
	struct endpoint ep;
	int l = listener(fam, SOCK_SEQPACKET, &ep), s, got = 0;
	struct msgs m = { .count = cfg.quick ? 2000 : 200000 };
	char rec[128];
	pthread_t t;
	double t0;

	m.fd = dial(&ep);
	s = accept(l, NULL, NULL);
	t0 = now();
	pthread_create(&t, NULL, msg_writer, &m);
	while (recv(s, rec, sizeof(rec), 0) == 64)
		got++;
	pthread_join(t, NULL);
	t0 = now() - t0;
	if (got != m.count)
		die("records lost");
	close(s);
	close(m.fd);
	close(l);
	return got / t0;
}

/* -- churn: whole connections per second, with final data both ways -- */

/*
 * The phases of one connection as its client sees them: socket() and
 * connect(); the request and its answer; the finals both ways; close().
 */
enum { PH_CONNECT, PH_EXCHANGE, PH_FINALS, PH_CLOSE, PH_MAX };

static const char *const phase_names[PH_MAX] = {
	"connect", "exchange", "finals", "close",
};

/*
 * One exchange.  AF_XDISCON: the 8-byte finals are disconnect data.  The
 * anchor: the finals are 8-byte messages, then shutdown().  Adds each
 * phase's seconds to @ph[], unless NULL.
 */
static int client_exchange(const struct endpoint *ep, double *ph)
{
	char req[1024] = { 1 }, ans[1024], fin[8] = "clientok", peer[8];
	double t[PH_MAX + 1];
	size_t plen = sizeof(peer);
	int fd, i;
	char c;

	t[0] = now();
	fd = dial(ep);
	t[1] = now();
	if (send(fd, req, sizeof(req), 0) != sizeof(req) ||
	    read_full(fd, ans, sizeof(ans)))
		return -1;
	t[2] = now();
	if (ep->fam == XD) {
		if (xd_send_disconnect(fd, fin, sizeof(fin)) ||
		    xd_recv(fd, &c, 1, 0, peer, &plen) != 0 || plen != 8)
			return -1;
	} else {
		if (send(fd, fin, sizeof(fin), 0) != sizeof(fin) ||
		    shutdown(fd, SHUT_WR) || read_full(fd, peer, sizeof(peer)) ||
		    recv(fd, &c, 1, 0) != 0)
			return -1;
	}
	t[3] = now();
	if (close(fd))
		return -1;
	t[4] = now();
	for (i = 0; ph && i < PH_MAX; i++)
		ph[i] += t[i + 1] - t[i];
	return 0;
}

static int server_exchange(int fd, enum fam fam)
{
	char req[1024], ans[1024] = { 2 }, fin[8] = "serverok", peer[8];
	size_t plen = sizeof(peer);
	char c;

	if (read_full(fd, req, sizeof(req)) ||
	    send(fd, ans, sizeof(ans), 0) != sizeof(ans))
		return -1;
	if (fam == XD) {
		if (xd_recv(fd, &c, 1, 0, peer, &plen) != 0 || plen != 8 ||
		    xd_send_disconnect(fd, fin, sizeof(fin)))
			return -1;
	} else {
		if (read_full(fd, peer, sizeof(peer)) || recv(fd, &c, 1, 0) ||
		    send(fd, fin, sizeof(fin), 0) != sizeof(fin) ||
		    shutdown(fd, SHUT_WR))
			return -1;
	}
	return close(fd);
}

struct churn {
	int lfd;
	enum fam fam;
	int count;
	struct endpoint ep;
	double *ph;		/* phase seconds of a lone client, or NULL */
};

static void *churn_server(void *arg)
{
	struct churn *c = arg;

	for (int i = 0; i < c->count; i++) {
		int fd = accept(c->lfd, NULL, NULL);

		if (fd < 0 || server_exchange(fd, c->fam))
			die("churn server");
	}
	return NULL;
}

static void *churn_client(void *arg)
{
	struct churn *c = arg;

	for (int i = 0; i < c->count; i++)
		if (client_exchange(&c->ep, c->ph))
			die("churn client");
	return NULL;
}

/*
 * @threads clients at once, each doing @per connections; conns/s.  A lone
 * client also gives the mean of each phase in microseconds, in @ph_us[].
 */
static double run_churn(enum fam fam, int threads, int per, double *ph_us)
{
	struct churn srv = { .fam = fam, .count = threads * per };
	struct churn cli;
	pthread_t s, *t = calloc(threads, sizeof(*t));
	double t0, ph[PH_MAX] = { 0 };
	int i;

	srv.lfd = listener(fam, SOCK_STREAM, &srv.ep);
	cli = srv;
	cli.count = per;
	cli.ph = threads == 1 ? ph : NULL;
	t0 = now();
	pthread_create(&s, NULL, churn_server, &srv);
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, churn_client, &cli);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	pthread_join(s, NULL);
	t0 = now() - t0;
	close(srv.lfd);
	free(t);
	for (i = 0; cli.ph && i < PH_MAX; i++)
		ph_us[i] = ph[i] / per * 1e6;
	return threads * per / t0;
}

/* -- limit: plain memcpy bandwidth, MB/s -- */

static double run_memcpy(void)
{
	size_t total = cfg.quick ? 8 << 20 : 1UL << 30, done = 0;
	static char a[65536], b[65536];
	double t0 = now();

	while (done < total) {
		memcpy(b, a, sizeof(a));
		__asm__ volatile("" : : "r"(b) : "memory");
		done += sizeof(a);
	}
	return total / (now() - t0) / 1e6;
}

/* -- the table -- */

#define MAX_ROUNDS 64

struct row {
	const char *name, *unit, *transport, *anchor;
	int lower_better;	/* latency */
	double xd[MAX_ROUNDS], an[MAX_ROUNDS];
};

static double median(double *v, int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double ratio(const struct row *r)
{
	double v[MAX_ROUNDS];
	int i;

	for (i = 0; i < cfg.rounds; i++) {
		double num = r->lower_better ? r->an[i] : r->xd[i];
		double den = r->lower_better ? r->xd[i] : r->an[i];

		v[i] = den > 0 ? num / den : 0;
	}
	return median(v, cfg.rounds);
}

/* The workloads of one transport, as rows. */
enum { W_BULK, W_BULK_1M, W_P50, W_P99, W_MESSAGES, W_CHURN, W_MANY, W_MAX };

static const struct {
	const char *name, *unit;
	int lower_better;
} workloads[W_MAX] = {
	[W_BULK] = { "bulk", "MB/s" },
	[W_BULK_1M] = { "bulk_sndbuf_1m", "MB/s" },
	[W_P50] = { "latency_p50", "us", 1 },
	[W_P99] = { "latency_p99", "us", 1 },
	[W_MESSAGES] = { "messages", "rec/s" },
	[W_CHURN] = { "churn", "conn/s" },
	[W_MANY] = { "many", "conn/s" },
};

#define MAX_ROWS (3 * W_MAX)

/*
 * Workload @w on one family: its figure in *@v (and p99 in *@v99, churn's
 * phases in @ph[]).
 */
static void run_workload(int w, enum fam f, double *v, double *v99,
			 double *ph)
{
	switch (w) {
	case W_BULK:
		*v = run_bulk(f, 0);
		break;
	case W_BULK_1M:
		*v = run_bulk(f, 1 << 20);
		break;
	case W_P50:
		run_latency(f, v, v99);
		break;
	case W_MESSAGES:
		*v = run_messages(f);
		break;
	case W_CHURN:
		*v = run_churn(f, 1, cfg.quick ? 50 : 3000, ph);
		break;
	case W_MANY:
		*v = run_churn(f, 64, cfg.quick ? 2 : 40, NULL);
		break;
	}
}

/* The figure of family @f in round @r of @row. */
static double *slot(struct row *row, enum fam f, int r)
{
	return f == XD ? &row->xd[r] : &row->an[r];
}

/* A transport's churn phases, microseconds: us[family][round][phase]. */
struct phases {
	double us[2][MAX_ROUNDS][PH_MAX];
};

/*
 * One round of every workload of @t into its rows, each on both families
 * back to back, @first first.  Records: AF_UNIX has SOCK_SEQPACKET, TCP
 * has no such thing (no row).  Latency fills the p50 and p99 rows, churn
 * also @ph.
 */
static void run_round(const struct transport *t, struct row **rows, int r,
		      enum fam first, struct phases *ph)
{
	enum fam fams[2] = { first, first == XD ? ANCHOR : XD };
	int w, j;

	tp = t;
	for (w = 0; w < W_MAX; w++) {
		if (!rows[w] || w == W_P99)
			continue;
		for (j = 0; j < 2; j++)
			run_workload(w, fams[j], slot(rows[w], fams[j], r),
				     w == W_P50 ? slot(rows[W_P99], fams[j], r) :
						  NULL, ph->us[fams[j]][r]);
	}
}

/* The median over the rounds of one phase of one family. */
static double phase_median(const struct phases *ph, enum fam f, int p)
{
	double v[MAX_ROUNDS];
	int r;

	for (r = 0; r < cfg.rounds; r++)
		v[r] = ph->us[f][r][p];
	return median(v, cfg.rounds);
}

/* Where a churn connection's time goes, per transport and family. */
static void print_phases(const struct transport *t,
			 const struct phases *ph, int n)
{
	int k, f, p;

	printf("churn phases     transport family     us:");
	for (p = 0; p < PH_MAX; p++)
		printf(" %9s", phase_names[p]);
	printf("\n");
	for (k = 0; k < n; k++)
		for (f = XD; f <= ANCHOR; f++) {
			printf("%-16s %-9s %-14s", "", t[k].name,
			       f == XD ? "AF_XDISCON" : t[k].anchor);
			for (p = 0; p < PH_MAX; p++)
				printf(" %9.1f", phase_median(&ph[k], f, p));
			printf("\n");
		}
}

/* One family's phases of every round, as a JSON array of arrays. */
static void json_phases(FILE *js, const struct phases *ph, enum fam f)
{
	int r, p;

	fprintf(js, "[");
	for (r = 0; r < cfg.rounds; r++) {
		fprintf(js, "%s[", r ? ", " : "");
		for (p = 0; p < PH_MAX; p++)
			fprintf(js, "%s%.1f", p ? ", " : "", ph->us[f][r][p]);
		fprintf(js, "]");
	}
	fprintf(js, "]");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "netns", required_argument, NULL, 'n' },
		{ "addr", required_argument, NULL, 'a' },
		{ 0 }
	};
	struct transport transports[3] = {
		{ .name = "local", .anchor = "AF_UNIX", .netns = -1 },
		{ .name = "inet", .anchor = "TCP", .inet = 1, .addr = "::1",
		  .netns = -1 },
		{ .name = "veth", .anchor = "TCP", .inet = 1, .netns = -1 },
	};
	struct row rows[MAX_ROWS];
	struct row *by[3][W_MAX] = {};
	int ntransports = 2, nrows = 0, o, r, i, k, w;
	static struct phases phases[3];
	double limit[MAX_ROUNDS];
	FILE *js;

	while ((o = getopt_long(argc, argv, "qr:j:n:a:", opts, NULL)) != -1) {
		if (o == 'q')
			cfg.quick = 1;
		else if (o == 'r')
			cfg.rounds = atoi(optarg);
		else if (o == 'j')
			cfg.json = optarg;
		else if (o == 'n')
			cfg.netns = optarg;
		else if (o == 'a')
			cfg.addr = optarg;
		else
			return 2;
	}
	if (cfg.rounds < 1 || cfg.rounds > MAX_ROUNDS ||
	    !cfg.netns != !cfg.addr)
		return 2;
	if (xd_family() < 0)
		die("xdiscon module");
	if (cfg.netns) {
		transports[2].addr = cfg.addr;
		transports[2].netns = open(cfg.netns, O_RDONLY);
		if (transports[2].netns < 0)
			die(cfg.netns);
		ntransports = 3;
	}

	memset(rows, 0, sizeof(rows));
	for (k = 0; k < ntransports; k++)
		for (w = 0; w < W_MAX; w++) {
			if (w == W_MESSAGES && transports[k].inet)
				continue;
			rows[nrows] = (struct row) {
				.name = workloads[w].name,
				.unit = workloads[w].unit,
				.lower_better = workloads[w].lower_better,
				.transport = transports[k].name,
				.anchor = transports[k].anchor,
			};
			by[k][w] = &rows[nrows++];
		}

	for (r = 0; r < cfg.rounds; r++) {
		/* Alternate which family goes first in each round. */
		for (k = 0; k < ntransports; k++)
			run_round(&transports[k], by[k], r, r % 2 ? ANCHOR : XD,
				  &phases[k]);
		limit[r] = run_memcpy();
		fprintf(stderr, "xdbench: round %d/%d done\n", r + 1, cfg.rounds);
	}

	printf("%-16s %-9s %-7s %14s %14s %-8s %8s\n", "workload", "transport",
	       "unit", "AF_XDISCON", "anchor", "(anchor)", "ratio");
	for (i = 0; i < nrows; i++)
		printf("%-16s %-9s %-7s %14.1f %14.1f %-8s %8.3f\n",
		       rows[i].name, rows[i].transport, rows[i].unit,
		       median(rows[i].xd, cfg.rounds),
		       median(rows[i].an, cfg.rounds), rows[i].anchor,
		       ratio(&rows[i]));
	printf("%-16s %-9s %-7s %14.1f\n", "limit_memcpy", "-", "MB/s",
	       median(limit, cfg.rounds));
	print_phases(transports, phases, ntransports);
	printf("(medians of %d rounds; ratio = median of the rounds' "
	       "AF_XDISCON / anchor, latency anchor / AF_XDISCON: higher is "
	       "better)\n", cfg.rounds);

	if (cfg.json) {
		js = fopen(cfg.json, "w");
		if (!js)
			die(cfg.json);
		fprintf(js, "{\"rounds\": %d, \"quick\": %d, \"workloads\": [",
			cfg.rounds, cfg.quick);
		for (i = 0; i < nrows; i++) {
			fprintf(js, "%s\n {\"name\": \"%s\", \"unit\": \"%s\", "
				"\"transport\": \"%s\", \"ratio\": %.4f, "
				"\"xdiscon\": [", i ? "," : "", rows[i].name,
				rows[i].unit, rows[i].transport,
				ratio(&rows[i]));
			for (r = 0; r < cfg.rounds; r++)
				fprintf(js, "%s%.3f", r ? ", " : "", rows[i].xd[r]);
			fprintf(js, "], \"anchor\": \"%s\", \"anchor_rounds\": [",
				rows[i].anchor);
			for (r = 0; r < cfg.rounds; r++)
				fprintf(js, "%s%.3f", r ? ", " : "", rows[i].an[r]);
			fprintf(js, "]}");
		}
		fprintf(js, "],\n \"limit_memcpy_mbps\": [");
		for (r = 0; r < cfg.rounds; r++)
			fprintf(js, "%s%.1f", r ? ", " : "", limit[r]);
		fprintf(js, "],\n \"churn_phases_us\": {\"phases\": [");
		for (i = 0; i < PH_MAX; i++)
			fprintf(js, "%s\"%s\"", i ? ", " : "", phase_names[i]);
		fprintf(js, "], \"transports\": [");
		for (k = 0; k < ntransports; k++) {
			fprintf(js, "%s\n  {\"transport\": \"%s\", \"xdiscon\": ",
				k ? "," : "", transports[k].name);
			json_phases(js, &phases[k], XD);
			fprintf(js, ", \"anchor\": ");
			json_phases(js, &phases[k], ANCHOR);
			fprintf(js, "}");
		}
		fprintf(js, "]}}\n");
		fclose(js);
	}
	for (i = 0; i < nrows; i++)
		printf("RATIO %s %s %.3f\n", rows[i].name, rows[i].transport,
		       ratio(&rows[i]));
	return 0;
}
