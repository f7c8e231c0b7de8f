// SPDX-License-Identifier: GPL-2.0
/*
 * The inet transport, set-up and teardown of the TCP socket, the transport's
 * operations, per-namespace state.
 * Contexts and the rest of the design: inet.h.
 */

#include <kunit/visibility.h>
#include <linux/bpf.h>
#include <linux/cred.h>
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/file.h>
#include <linux/in6.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>
#include <linux/tcp.h>
#include <linux/workqueue.h>
#include <net/inet_common.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "compat.h"
#include "inet.h"
#include "trace.h"

/*
 * How long a closed socket waits for the peer's disconnect and FIN before
 * it resets the connection, in seconds.  Tests lower it.
 */
static unsigned int inet_close_timeout = 60;

static int xd_set_close_timeout(const char *val, const struct kernel_param *kp)
{
	unsigned int secs;
	int err = kstrtouint(val, 0, &secs);

	if (err)
		return err;
	if (secs < 1 || secs > 3600)
		return -EINVAL;
	WRITE_ONCE(inet_close_timeout, secs);
	return 0;
}

static const struct kernel_param_ops xd_close_timeout_ops = {
	.set = xd_set_close_timeout,
	.get = param_get_uint,
};

module_param_cb(inet_close_timeout, &xd_close_timeout_ops,
		&inet_close_timeout, 0644);
MODULE_PARM_DESC(inet_close_timeout,
		 "seconds a closed inet socket waits for its peer's end (1..3600, default 60)");

/*
 * The administrator's switches for the inet transport, whose TCP sockets
 * Landlock's and other LSMs' TCP rules do not see (their hooks are not
 * exported to modules): @inet_enable off refuses every new bind and
 * connect of the transport; net.xdiscon.inet_needs_cap_net_raw, per
 * network namespace, refuses them to a caller without CAP_NET_RAW in the
 * user namespace that owns the network namespace.  Both say EPERM.
 * Sockets already bound or connected are not touched.
 */
static bool inet_enable = true;
module_param(inet_enable, bool, 0644);
MODULE_PARM_DESC(inet_enable,
		 "allow new inet transport sockets (default Y; N: bind and connect fail with EPERM)");

static const char *const xd_inet_stat_names[XD_INET_STAT_MAX] = {
	[XD_INET_STAT_PROTO_ERRORS]	= "InetProtocolErrors",
	[XD_INET_STAT_HANDSHAKE_TIMEOUTS] = "InetHandshakeTimeouts",
	[XD_INET_STAT_BG_CLOSE_TIMEOUTS] = "InetCloseTimeouts",
	[XD_INET_STAT_READER_FRAMES]	= "InetReaderFrames",
	[XD_INET_STAT_HANDSHAKES_EVICTED] = "InetHandshakesEvicted",
};

/*
 * Per network namespace: the sysctl and its value (read locklessly), and
 * the counters (atomic, updated from any context).
 */
struct xd_inet_net {
	struct ctl_table_header *sysctl;
	int needs_cap_net_raw;
	atomic_long_t stats[XD_INET_STAT_MAX];
};

static unsigned int xd_inet_net_id;

void xd_inet_stat_inc(struct net *net, enum xd_inet_stat stat)
{
	struct xd_inet_net *xn = net_generic(net, xd_inet_net_id);

	atomic_long_inc(&xn->stats[stat]);
}

static void xd_inet_stat_show(struct seq_file *seq, struct net *net)
{
	struct xd_inet_net *xn = net_generic(net, xd_inet_net_id);
	int i;

	for (i = 0; i < XD_INET_STAT_MAX; i++)
		seq_printf(seq, "%s: %ld\n", xd_inet_stat_names[i],
			   atomic_long_read(&xn->stats[i]));
}

static struct workqueue_struct *xd_inet_wq;

/* Queue @xsk's work @w, which holds a reference on @xsk.  Any context. */
void xd_inet_queue(struct xdiscon_sock *xsk, struct work_struct *w)
{
	sock_hold(&xsk->sk);
	if (!queue_work(xd_inet_wq, w))
		sock_put(&xsk->sk);
}

/* How long a frame that found no memory waits before it tries again. */
#define XD_MEM_RETRY	(HZ / 10)

/* Try receive and transmit again later: memory ran short.  Any context. */
void xd_inet_mem_retry(struct xd_inet_conn *conn)
{
	sock_hold(&conn->xsk->sk);
	if (!queue_delayed_work(xd_inet_wq, &conn->mem_work, XD_MEM_RETRY))
		sock_put(&conn->xsk->sk);
}

/* Workqueue context: hands over to rx_work and tx_work. */
static void xd_inet_mem_work(struct work_struct *w)
{
	struct xd_inet_conn *conn = container_of(to_delayed_work(w),
						 struct xd_inet_conn,
						 mem_work);

	xd_inet_queue(conn->xsk, &conn->rx_work);
	xd_inet_queue(conn->xsk, &conn->tx_work);
	sock_put(&conn->xsk->sk);
}

/* Arm @conn's timer to end @kind (an XD_F_* bit) after @delay.  @lock. */
void xd_inet_arm_timer(struct xd_inet_conn *conn, int kind,
		       unsigned long delay)
{
	conn->deadline_kind = kind;
	sock_hold(&conn->xsk->sk);
	if (mod_delayed_work(xd_inet_wq, &conn->timer_work, delay))
		sock_put(&conn->xsk->sk);	/* it held one already */
}

/* Never the last reference: the caller holds one. */
void xd_inet_disarm_timer(struct xd_inet_conn *conn)
{
	if (cancel_delayed_work(&conn->timer_work))
		sock_put(&conn->xsk->sk);
}

static void xd_inet_to_sin6(const struct sockaddr_xdiscon *a,
			    struct sockaddr_in6 *sin6)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = a->sxd_port;
	memcpy(&sin6->sin6_addr, a->sxd_addr, sizeof(sin6->sin6_addr));
	sin6->sin6_scope_id = a->sxd_scope_id;
}

static void xd_inet_from_sin6(const struct sockaddr_in6 *sin6,
			      struct sockaddr_xdiscon *a)
{
	memset(a, 0, sizeof(*a));
	a->sxd_family = xdiscon_family();
	a->sxd_transport = XDISCON_TRANSPORT_INET;
	a->sxd_port = sin6->sin6_port;
	memcpy(a->sxd_addr, &sin6->sin6_addr, sizeof(a->sxd_addr));
	a->sxd_scope_id = sin6->sin6_scope_id;
}

int xd_inet_name(struct socket *tcp, struct sockaddr_xdiscon *a,
		 bool peer)
{
	struct sockaddr_in6 sin6 = {};
	struct sockaddr_xdiscon name;
	int err;

	err = peer ? kernel_getpeername(tcp, (struct sockaddr *)&sin6) :
		     kernel_getsockname(tcp, (struct sockaddr *)&sin6);
	if (err < 0)
		return err;
	xd_inet_from_sin6(&sin6, &name);
	xdiscon_set_addr(a, &name);
	return 0;
}

/* May the caller bind or connect in @net?  Process context. */
static int xd_inet_permitted(struct net *net)
{
	struct xd_inet_net *xn = net_generic(net, xd_inet_net_id);

	if (!READ_ONCE(inet_enable))
		return -EPERM;
	if (READ_ONCE(xn->needs_cap_net_raw) &&
	    !ns_capable(net->user_ns, CAP_NET_RAW))
		return -EPERM;
	return 0;
}

/*
 * Give @tcp a file opened with @cred, as a user's TCP socket has: a
 * kernel socket has none, and netfilter's owner match (and an LSM that
 * labels files) knows a socket's owner by its file.  The socket then
 * goes away with the file (xd_inet_tcp_free()).  On failure @tcp is
 * released.  Process context.
 */
int xd_inet_tcp_file(struct socket *tcp, const struct cred *cred)
{
	static struct lock_class_key xd_tcp_inode_key;
	const struct cred *old;
	struct file *file;

	lockdep_set_class(&SOCK_INODE(tcp)->i_rwsem, &xd_tcp_inode_key);
	old = override_creds(cred);
	file = sock_alloc_file(tcp, 0, NULL);

	revert_creds(old);
	return PTR_ERR_OR_ZERO(file);
}

/*
 * Release a TCP socket of the transport, through its file.  A worker
 * releases it at once, as sock_release() would; a task's fput() does it
 * as the task returns from its system call, before the call returns.
 * The release takes the file's inode lock, under the xdiscon socket's
 * and @lock when a worker releases: that lock has a class of its own
 * (xd_inet_tcp_file()), below the xdiscon socket file's.  __fput_sync()
 * is meant to be called with no locks held, as a file's release may take
 * any lock; this file's release is sock_close() of a TCP socket, which
 * takes only that inode lock and then TCP's own socket lock, both below
 * @lock.  Process context, @tcp unhooked.
 */
void xd_inet_tcp_free(struct socket *tcp)
{
	if (current->flags & PF_KTHREAD)
		__fput_sync(tcp->file);
	else
		fput(tcp->file);
}

/*
 * A TCP socket for @xsk, in its network namespace, with the caller's
 * credentials, cgroup and memory cgroup (sk_alloc() takes the last two
 * from the calling task), so that the policy a TCP socket of the
 * caller's meets holds for it where it can: cgroup BPF programs, the
 * owner match.  Process context, the user's.
 */
static int xd_inet_tcp_create(struct xdiscon_sock *xsk, struct socket **res)
{
	struct socket *tcp;
	int err;

	err = xd_inet_permitted(sock_net(&xsk->sk));
	if (err)
		return err;
	err = sock_create_kern(sock_net(&xsk->sk), AF_INET6, SOCK_STREAM,
			       IPPROTO_TCP, &tcp);
	if (err)
		return err;
	err = xd_inet_tcp_file(tcp, current_cred());
	if (err)
		return err;
	/* It may outlive the socket's owner (background close): pin netns. */
	xdiscon_sk_net_refcnt_upgrade(tcp->sk);
	tcp->sk->sk_ipv6only = 0;
	tcp->sk->sk_reuse = xsk->sk.sk_reuse;
	/* Frames are messages: send each as soon as it is complete. */
	tcp_sock_set_nodelay(tcp->sk);
	xd_inet_frame_room(tcp->sk);
	/*
	 * Urgent data counts in tcp_inq() where tcp_read_sock() stops at
	 * its mark: the frame reader sees the stall and resets.
	 */
	sock_set_flag(tcp->sk, SOCK_URGINLINE);
	*res = tcp;
	return 0;
}

static void xd_inet_rxq_purge(struct xd_inet_conn *conn)
{
	struct sk_buff_head purge;

	__skb_queue_head_init(&purge);
	spin_lock_bh(&conn->rxq.lock);
	skb_queue_splice_init(&conn->rxq, &purge);
	conn->rxq_bytes = 0;
	spin_unlock_bh(&conn->rxq.lock);
	__skb_queue_purge(&purge);
}

/*
 * Close the TCP socket: with a RST when @abortive, else TCP finishes on
 * its own (FIN, retransmissions, TIME_WAIT).  What a connection still
 * held to send or deliver goes with it.  Drops the socket's reference
 * for its TCP socket; the caller holds another.  Under @s->lock.
 */
void xd_inet_tcp_close(struct xd_inet_sock *s, bool abortive)
{
	struct xd_inet_conn *conn = s->conn;
	struct socket *tcp = s->tcp;

	if (!tcp)
		return;
	if (tcp->sk->sk_user_data) {
		xd_inet_unhook(s);
		if (s->role == XD_ROLE_CONN)
			xd_reader_done(&conn->rd);
	}
	/*
	 * Connections in TCP's accept queue were cloned with the listener's
	 * callbacks: end them now, not when the release (deferred in a
	 * task) gets to them, by when the module may be gone.
	 */
	if (s->role == XD_ROLE_LISTENER)
		kernel_sock_shutdown(tcp, SHUT_RDWR);
	if (abortive)
		sock_no_linger(tcp->sk);
	s->tcp = NULL;
	xd_inet_tcp_free(tcp);
	if (conn) {
		__skb_queue_purge(&conn->txq);
		xd_inet_rxq_purge(conn);
		xd_inet_disarm_timer(conn);
	}
	sock_put(&s->xsk->sk);
}

/* Close @conn's TCP socket, if it serves @conn still.  Under @s->lock. */
void xd_inet_conn_close(struct xd_inet_conn *conn, bool abortive)
{
	if (xd_conn_tcp(conn))
		xd_inet_tcp_close(conn->s, abortive);
}

/*
 * A deadline passed (workqueue).  What it ends is decided under the
 * locks, so that a HELLO that just arrived wins over its timeout (it is
 * handled under @lock): a connect that completed is not reset behind its
 * caller.  A connection in its handshake on the listening side is taken
 * off the list under them and dropped after, as its drop takes @lock.
 */
static void xd_inet_timer_work(struct work_struct *w)
{
	struct xd_inet_conn *conn = container_of(to_delayed_work(w),
						 struct xd_inet_conn,
						 timer_work);
	struct xdiscon_sock *xsk = conn->xsk;
	struct net *net = sock_net(&xsk->sk);
	bool drop = false;

	lock_sock(&xsk->sk);
	mutex_lock(&conn->s->lock);
	if (conn->deadline_kind == XD_F_HANDSHAKEN &&
	    !test_bit(XD_F_HANDSHAKEN, &conn->flags)) {
		xd_inet_stat_inc(net, XD_INET_STAT_HANDSHAKE_TIMEOUTS);
		/* A closing listener may have taken the child meanwhile. */
		if (conn->parent)
			drop = xd_inet_unpend(conn);
		else
			xd_inet_reset_locked(conn, true, -ETIMEDOUT);
		if (drop || !conn->parent)
			trace_xdiscon_inet_handshake_timeout(xsk, drop);
	} else if (conn->deadline_kind == XD_F_RELEASED && xd_conn_tcp(conn)) {
		xd_inet_stat_inc(net, XD_INET_STAT_BG_CLOSE_TIMEOUTS);
		xd_inet_reset_locked(conn, false, 0);
	}
	mutex_unlock(&conn->s->lock);
	release_sock(&xsk->sk);
	if (drop)
		xd_inet_drop_pending(conn);
	sock_put(&xsk->sk);
}

/*
 * Give @tcp the socket's keepalive settings: SO_KEEPALIVE @on, and each
 * time the user set (the others stay TCP's, the namespace's defaults).
 * Under @lock, and lock_sock() of the socket once it is published;
 * process context.
 */
void xd_inet_tcp_keepalive(struct socket *tcp, const struct xdiscon_sock *xsk,
			   bool on)
{
	int val = on;

	sock_setsockopt(tcp, SOL_SOCKET, SO_KEEPALIVE, KERNEL_SOCKPTR(&val),
			sizeof(val));
	if (xsk->keepidle)
		tcp_sock_set_keepidle(tcp->sk, xsk->keepidle);
	if (xsk->keepintvl)
		tcp_sock_set_keepintvl(tcp->sk, xsk->keepintvl);
	if (xsk->keepcnt)
		tcp_sock_set_keepcnt(tcp->sk, xsk->keepcnt);
}

/* The TCP socket, if any, takes the settings.  Under lock_sock(). */
static void xd_inet_keep_apply(struct xd_inet_sock *s, bool on)
{
	mutex_lock(&s->lock);
	if (s->tcp)
		xd_inet_tcp_keepalive(s->tcp, s->xsk, on);
	mutex_unlock(&s->lock);
}

/* Workqueue context. */
static void xd_inet_keep_work(struct work_struct *w)
{
	struct xd_inet_sock *s = container_of(w, struct xd_inet_sock,
					      keep_work);
	struct sock *sk = &s->xsk->sk;

	lock_sock(sk);
	xd_inet_keep_apply(s, sock_flag(sk, SOCK_KEEPOPEN));
	release_sock(sk);
	sock_put(sk);
}

/*
 * A BPF program's bpf_setsockopt(SO_KEEPALIVE) calls this where it may
 * not sleep, before the socket's flag changes: the work applies the
 * settings as they are once it runs.
 */
static void xd_inet_keepalive(struct xdiscon_sock *xsk, bool on)
{
	struct xd_inet_sock *s = xd_inet_sk(xsk);

	if (has_current_bpf_ctx())
		xd_inet_queue(xsk, &s->keep_work);
	else
		xd_inet_keep_apply(s, on);
}

/* The transport's state for @xsk, not yet its xsk->conn.  Process context. */
struct xd_inet_sock *xd_inet_sock_alloc(struct xdiscon_sock *xsk)
{
	struct xd_inet_sock *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (s) {
		mutex_init(&s->lock);
		s->xsk = xsk;
		INIT_WORK(&s->keep_work, xd_inet_keep_work);
	}
	return s;
}

/* A connection's state for @s, not yet @s->conn.  Process context. */
struct xd_inet_conn *xd_inet_conn_alloc(struct xd_inet_sock *s)
{
	struct xd_inet_conn *conn = kzalloc(sizeof(*conn), GFP_KERNEL);

	if (!conn)
		return NULL;
	conn->s = s;
	conn->xsk = s->xsk;
	conn->rcvbuf = READ_ONCE(s->xsk->sk.sk_rcvbuf);
	skb_queue_head_init(&conn->rxq);
	skb_queue_head_init(&conn->txq);
	INIT_WORK(&conn->rx_work, xd_inet_rx_work);
	INIT_WORK(&conn->tx_work, xd_inet_tx_work);
	INIT_DELAYED_WORK(&conn->timer_work, xd_inet_timer_work);
	INIT_DELAYED_WORK(&conn->mem_work, xd_inet_mem_work);
	return conn;
}

/*
 * Free @s and what it became, when the socket is freed (no work is left:
 * each held a reference) or @s was never published.
 */
void xd_inet_sock_free(struct xd_inet_sock *s)
{
	struct xd_inet_conn *conn = s->conn;

	WARN_ON_ONCE(s->tcp);
	if (conn) {
		__skb_queue_purge(&conn->txq);
		xd_inet_rxq_purge(conn);
		if (conn->parent)
			sock_put(&conn->parent->sk);
		kfree(conn);
	}
	kfree(s->listener);
	mutex_destroy(&s->lock);
	kfree(s);
}

static int xd_inet_bind(struct xdiscon_sock *xsk,
			struct sockaddr_xdiscon *addr)
{
	struct xd_inet_sock *s = xd_inet_sk(xsk);
	struct sockaddr_in6 sin6;
	struct socket *tcp;
	int err;

	err = xd_inet_tcp_create(xsk, &tcp);
	if (err)
		return err;
	xd_inet_to_sin6(addr, &sin6);
	err = kernel_bind(tcp, (struct xdiscon_sockaddr *)&sin6, sizeof(sin6));
	if (!err)
		err = xd_inet_name(tcp, addr, false);
	/*
	 * The state exists only once bound: a socket whose bind failed may
	 * still bind to the other transport, which owns xsk->conn then.
	 */
	if (!err && !s) {
		s = xd_inet_sock_alloc(xsk);
		if (s)
			xsk->conn = s;
		else
			err = -ENOMEM;
	}
	if (err) {
		xd_inet_tcp_free(tcp);
		return err;
	}
	mutex_lock(&s->lock);
	s->tcp = tcp;
	sock_hold(&xsk->sk);			/* for the TCP socket */
	if (sock_flag(&xsk->sk, SOCK_KEEPOPEN) || xsk->keepidle ||
	    xsk->keepintvl || xsk->keepcnt)
		xd_inet_tcp_keepalive(tcp, xsk,
				      sock_flag(&xsk->sk, SOCK_KEEPOPEN));
	mutex_unlock(&s->lock);
	return 0;
}

/*
 * Open @conn's TCP connection to @addr, hooked for @conn; @local gets
 * the address TCP chose.  On an error (TCP refused at once: no route, a
 * bad address) nothing is hooked.  Under lock_sock() of the socket and
 * @s->lock, process context.
 */
static int xd_inet_dial(struct xd_inet_conn *conn,
			const struct sockaddr_xdiscon *addr,
			struct sockaddr_xdiscon *local)
{
	struct xd_inet_sock *s = conn->s;
	struct sockaddr_in6 sin6;
	int err;

	xd_inet_to_sin6(addr, &sin6);
	xd_reader_init(&conn->rd, s->tcp->sk, &xd_inet_reader_ops);
	xd_inet_hook(s, conn, NULL);
	err = kernel_connect(s->tcp, (struct xdiscon_sockaddr *)&sin6,
			     sizeof(sin6), O_NONBLOCK);
	if (err && err != -EINPROGRESS) {
		xd_inet_unhook(s);
		xd_reader_done(&conn->rd);
		return err;
	}
	xd_inet_name(s->tcp, local, false);
	return 0;
}

static int xd_inet_connect(struct xdiscon_sock *xsk,
			   const struct sockaddr_xdiscon *addr, long *timeo,
			   struct sockaddr_xdiscon *local)
{
	struct xd_inet_sock *s = xd_inet_sk(xsk);
	struct xd_inet_conn *conn;
	int err;

	mutex_lock(&s->lock);
	err = -EINVAL;
	if (s->tcp && s->role == XD_ROLE_NONE)
		err = xdiscon_rcv_charge_init(xsk);
	if (!err && !s->conn) {
		s->conn = xd_inet_conn_alloc(s);
		if (!s->conn)
			err = -ENOMEM;
	}
	if (err) {
		mutex_unlock(&s->lock);
		return err;
	}
	conn = s->conn;
	WRITE_ONCE(s->role, XD_ROLE_CONN);
	WRITE_ONCE(conn->version, XD_WIRE_VERSION);
	err = xd_inet_dial(conn, addr, local);
	if (err) {
		/*
		 * Failed at once (no route, a bad address): as on TCP the
		 * socket stays bound and may connect again.
		 */
		WRITE_ONCE(s->role, XD_ROLE_NONE);
		mutex_unlock(&s->lock);
		return err;
	}
	err = xd_inet_send_hello(conn);
	if (err) {
		set_bit(XD_F_RESET, &conn->flags);
		xd_inet_tcp_close(s, true);
	} else {
		xd_inet_arm_timer(conn, XD_F_HANDSHAKEN, XD_HANDSHAKE_TIMEOUT);
		err = -EINPROGRESS;
	}
	mutex_unlock(&s->lock);
	return err;
}

/*
 * The listener answered our HELLO with an older @version, which it
 * speaks, so it did not understand ours and resets this TCP connection:
 * connect again, from the same port (and address, when bound to one),
 * offering @version.  The
 * same TCP socket disconnects (connect() to AF_UNSPEC: a RST, unless the
 * listener's came first) and connects again, so that it keeps what a
 * socket of the user's has: its cgroup, whose BPF programs see the new
 * connect, its memory cgroup, and its file's credentials, with which the
 * connect runs.  What the first connection left (frames, the reader's
 * state, its flags) goes with it.  An error fails the connect (with the
 * TCP socket unhooked, or our HELLO not sent: a reset is due).  Under
 * lock_sock() of the socket and @s->lock, in rx_work.
 */
int xd_inet_redial(struct xd_inet_conn *conn, u8 version)
{
	struct sockaddr unspec = { .sa_family = AF_UNSPEC };
	struct sockaddr_in6 here;
	struct xdiscon_sock *xsk = conn->xsk;
	struct xd_inet_sock *s = conn->s;
	struct sockaddr_xdiscon local;
	struct socket *tcp = s->tcp;
	const struct cred *old;
	int err;

	xd_inet_unhook(s);
	xd_reader_done(&conn->rd);
	__skb_queue_purge(&conn->txq);
	xd_inet_rxq_purge(conn);
	conn->tx_err = 0;
	clear_bit(XD_F_PROTO_ERR, &conn->flags);
	clear_bit(XD_F_ABORT_RCVD, &conn->flags);
	WRITE_ONCE(conn->version, version);
	old = override_creds(tcp->file->f_cred);
	err = kernel_connect(tcp, (struct xdiscon_sockaddr *)&unspec,
			     sizeof(unspec), 0);
	/* The ECONNRESET TCP notes for the RST it sent is not news. */
	sock_error(tcp->sk);
	/* An ephemeral port went back to TCP with the connection. */
	if (!err && !inet_sk(tcp->sk)->inet_num) {
		xd_inet_to_sin6(&xsk->local, &here);
		err = kernel_bind(tcp, (struct xdiscon_sockaddr *)&here,
				  sizeof(here));
	}
	if (!err)
		err = xd_inet_dial(conn, &xsk->remote, &local);
	revert_creds(old);
	return err ?: xd_inet_send_hello(conn);
}

/*
 * A reset, or with @data an ABORT frame, which needs version 2: the
 * peer resets once it reads it.  A reset without data (a close with
 * SO_LINGER {1, 0} after the abort) leaves the ABORT frame to finish.
 */
static int xd_inet_abort(struct xdiscon_sock *xsk, struct sk_buff *data)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	int err = 0;

	if (!conn) {
		kfree_skb(data);
		return 0;
	}
	mutex_lock(&conn->s->lock);
	if (data && conn->version < XD_WIRE_VERSION_ABORT) {
		err = -EOPNOTSUPP;
	} else if (data) {
		xd_inet_send_abort(conn, data);
		data = NULL;
	} else if (!test_bit(XD_F_ABORTING, &conn->flags)) {
		xd_inet_reset_locked(conn, false, 0);
	}
	mutex_unlock(&conn->s->lock);
	kfree_skb(data);
	return err;
}

/*
 * close(): what is queued still goes out, then the disconnect and FIN;
 * the connection stays until the peer's end of stream arrives (or
 * inet_close_timeout), so that its answer does not meet a RST.
 */
static void xd_inet_release(struct xdiscon_sock *xsk)
{
	struct xd_inet_sock *s = xd_inet_sk(xsk);
	struct xd_inet_conn *conn;
	bool run;

	if (!s || !s->conn)
		return;
	conn = s->conn;
	mutex_lock(&s->lock);
	run = s->role == XD_ROLE_CONN && s->tcp;
	if (run && xd_inet_clean_end(conn))
		set_bit(XD_F_EOF, &conn->flags);
	set_bit(XD_F_RELEASED, &conn->flags);
	if (run) {
		xd_inet_maybe_finish(conn);
		if (s->tcp)
			xd_inet_arm_timer(conn, XD_F_RELEASED,
					  READ_ONCE(inet_close_timeout) * HZ);
	}
	run = run && s->tcp;
	mutex_unlock(&s->lock);
	/* A frame reader paused for a full receive queue runs on, to the end. */
	if (run)
		xd_inet_queue(xsk, &conn->rx_work);
}

/* A listener or a bound socket gives its TCP socket back. */
static void xd_inet_unbind(struct xdiscon_sock *xsk)
{
	struct xd_inet_sock *s = xd_inet_sk(xsk);
	struct xdiscon_sock *child;

	if (!s || s->role == XD_ROLE_CONN)
		return;
	mutex_lock(&s->lock);
	xd_inet_tcp_close(s, false);
	mutex_unlock(&s->lock);

	/*
	 * Each child comes off the list one at a time: whoever takes it
	 * off (here, its handshake, its timer) owns the list's reference,
	 * and a child moved to a private list would still look listed to
	 * the others.
	 */
	while ((child = xdiscon_pending_take(xsk, true, NULL)))
		xd_inet_drop_pending(xd_conn(child));
}

static void xd_inet_destruct(struct xdiscon_sock *xsk)
{
	xd_inet_sock_free(xd_inet_sk(xsk));
}

static struct ctl_table xd_inet_sysctl_table[] = {
	{
		.procname	= "inet_needs_cap_net_raw",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	{ }
};

/*
 * A new namespace starts with the initial namespace's setting.  Process
 * context (the pernet init and exit calls).
 */
static int __net_init xd_inet_net_init(struct net *net)
{
	struct xd_inet_net *xn = net_generic(net, xd_inet_net_id);
	struct xd_inet_net *init = net_generic(&init_net, xd_inet_net_id);
	struct ctl_table *table;

	if (!net_eq(net, &init_net))
		xn->needs_cap_net_raw = READ_ONCE(init->needs_cap_net_raw);
	table = kmemdup(xd_inet_sysctl_table, sizeof(xd_inet_sysctl_table),
			GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table[0].data = &xn->needs_cap_net_raw;
	xn->sysctl = xdiscon_register_net_sysctl(net, "net/xdiscon", table,
						 ARRAY_SIZE(xd_inet_sysctl_table) - 1);
	if (!xn->sysctl) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit xd_inet_net_exit(struct net *net)
{
	struct xd_inet_net *xn = net_generic(net, xd_inet_net_id);
	const struct ctl_table *table = xn->sysctl->ctl_table_arg;

	unregister_net_sysctl_table(xn->sysctl);
	kfree(table);
}

static struct pernet_operations xd_inet_net_ops = {
	.init = xd_inet_net_init,
	.exit = xd_inet_net_exit,
	.id = &xd_inet_net_id,
	.size = sizeof(struct xd_inet_net),
};

static int xd_inet_init(void)
{
	int err;

	xd_inet_wq = alloc_workqueue("xdiscon_inet", WQ_UNBOUND, 0);
	if (!xd_inet_wq)
		return -ENOMEM;
	err = register_pernet_subsys(&xd_inet_net_ops);
	if (err) {
		destroy_workqueue(xd_inet_wq);
		return err;
	}
	xd_inet_fault_init();
	return 0;
}

static void xd_inet_exit(void)
{
	xd_inet_fault_exit();
	unregister_pernet_subsys(&xd_inet_net_ops);
	destroy_workqueue(xd_inet_wq);
}

const struct xdiscon_transport xdiscon_inet_transport = {
	.id		= XDISCON_TRANSPORT_INET,
	.name		= "inet",
	.max_record	= XD_MAX_DATA,
	.max_chunk	= XD_MAX_DATA,
	.bind		= xd_inet_bind,
	.listen		= xd_inet_listen,
	.accepted	= xd_inet_accepted,
	.connect	= xd_inet_connect,
	.xmit		= xd_inet_xmit,
	.send_disconnect = xd_inet_send_disconnect,
	.abort		= xd_inet_abort,
	.keepalive	= xd_inet_keepalive,
	.tx_queued	= xd_inet_tx_queued,
	.tx_done	= xd_inet_tx_done,
	.consumed	= xd_inet_consumed,
	.pull		= xd_inet_pull,
	.release	= xd_inet_release,
	.unbind		= xd_inet_unbind,
	.destruct	= xd_inet_destruct,
	.init		= xd_inet_init,
	.exit		= xd_inet_exit,
	.stat_show	= xd_inet_stat_show,
};
