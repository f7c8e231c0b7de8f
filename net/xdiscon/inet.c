// SPDX-License-Identifier: GPL-2.0
/*
 * The inet transport: AF_XDISCON connections over TCP, IPv4 and IPv6.
 *
 * Each AF_XDISCON socket of this transport owns a kernel TCP socket
 * (AF_INET6, dual stack, in the socket's network namespace).  Data, the
 * disconnect with its data and the opening handshake travel as frames on
 * the TCP stream; the wire format is in Documentation/networking/xdiscon.rst.
 * Incoming frames are cut by the transport's own reader (inet_wire.c).
 *
 * Contexts
 * --------
 * - The TCP socket's callbacks (softirq, or process context when TCP
 *   runs its backlog) read frames: the frame reader hands each to
 *   xd_inet_rx_frame(), which hands a data frame or the disconnect straight
 *   to the socket when nothing waits ahead of it and queues every other
 *   frame on conn->rxq; and they queue work.  The only xdiscon lock they
 *   take is the socket's receive-queue lock (hence _bh everywhere).
 *   With a reader in recvmsg() and bulk data in TCP, data_ready() leaves
 *   the frames to it: the reader runs the frame reader in its own
 *   context (xd_inet_pull()).
 * - conn->rx_work (xd_inet_wq, process context) delivers frames into the
 *   xdiscon socket, runs the handshake, notices the peer's end of stream
 *   and TCP errors; for a listener it accepts new TCP connections.
 * - conn->tx_work pushes conn->txq into TCP when TCP has room again.
 * - conn->timer_work ends a handshake or a background close that takes
 *   too long.
 * - The core's entry points run in process context under lock_sock() of
 *   the xdiscon socket.
 * Every queued work holds a reference on the xdiscon socket; the socket
 * holds one more on itself while its TCP socket exists (the callbacks
 * use the connection then), so a connection lives as long as its socket.
 *
 * Flow control: the receiver's SO_RCVBUF bounds its receive queue as on
 * the local transport; beyond that, parsed frames wait on conn->rxq, and
 * past SO_RCVBUF there too the reader pauses, TCP's window closes and
 * the sender's TCP and then its SO_SNDBUF fill up.  Every parsed frame is
 * charged to the socket (xdiscon_rcv_charge()); a frame that finds no
 * memory (tcp_mem, or the socket's memory cgroup at its limit) waits
 * uncharged on rxq, the one frame that does, and the reader pauses
 * until rx_work can charge it: conn->mem_work retries after
 * XD_MEM_RETRY, as it does a transmit that found no memory.
 */

#include <kunit/visibility.h>
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
#include "xdiscon.h"
#include "inet.h"

#define XD_HANDSHAKE_TIMEOUT	(10 * HZ)

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
 * How many connections one listener keeps in the handshake (TCP accepted,
 * no HELLO yet, or HELLO in but no room in the accept queue), apart from
 * the accept queue that the backlog bounds, as TCP keeps its SYN queue.
 */
static unsigned int inet_max_handshakes = 256;

static int xd_set_max_handshakes(const char *val,
				 const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 1, 65535);
}

static const struct kernel_param_ops xd_max_handshakes_ops = {
	.set = xd_set_max_handshakes,
	.get = param_get_uint,
};

module_param_cb(inet_max_handshakes, &xd_max_handshakes_ops,
		&inet_max_handshakes, 0644);
MODULE_PARM_DESC(inet_max_handshakes,
		 "connections an inet listener holds in the handshake (1..65535, default 256)");

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

/*
 * Per network namespace: the sysctl and its value, which the sysctl
 * handler writes and xd_inet_permitted() reads with READ_ONCE().
 */
/* Counters per network namespace, in /proc/net/xdiscon_stat. */
enum xd_inet_stat {
	XD_INET_STAT_PROTO_ERRORS,	/* bad frame, version, EOF */
	XD_INET_STAT_HANDSHAKE_TIMEOUTS, /* no hello in time */
	XD_INET_STAT_BG_CLOSE_TIMEOUTS,	/* background close gave up */
	XD_INET_STAT_READER_FRAMES,	/* frames a reader parsed */
	XD_INET_STAT_HANDSHAKES_EVICTED, /* silent handshake dropped */
	XD_INET_STAT_MAX
};

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

static void xd_inet_stat_inc(struct net *net, enum xd_inet_stat stat)
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

enum xd_role {
	XD_ROLE_NONE,		/* bound, or not yet */
	XD_ROLE_LISTENER,
	XD_ROLE_CONN,
};

/* Bits in xd_inet_conn.flags. */
enum {
	XD_F_HANDSHAKEN,	/* hellos exchanged */
	XD_F_FIN_SENT,		/* our disconnect went into TCP, then FIN */
	XD_F_DISC_RCVD,		/* the peer's disconnect arrived */
	XD_F_EOF,		/* the peer's FIN arrived after it */
	XD_F_RESET,		/* reset: nothing moves any more */
	XD_F_RELEASED,		/* the socket was closed */
	XD_F_PROTO_ERR,		/* the frame reader found a bad frame */
};

/*
 * struct xd_inet_conn - the transport's state for one xdiscon socket
 * @lock: serialises the transport's operations (process context only):
 *	@tcp, @txq, @role and the teardown.  Taken after lock_sock() of
 *	@xsk, before lock_sock() of @tcp.
 * @xsk: the xdiscon socket; the connection lives as long as it does.
 * @tcp: the kernel TCP socket, NULL once closed; @lock.
 * @role: listener or connection; set under @lock before @tcp's
 *	callbacks are hooked, read by them.
 * @flags: XD_F_* bits, atomic.
 * @rd: the frame reader over @tcp; under @tcp's lock.  Set up before
 *	@tcp's callbacks are hooked.
 * @rxq: read frames for @rx_work; its own lock (_bh: @rd may
 *	run in softirq); @rxq_bytes counts their truesize under it, and
 *	@rx_busy says @rx_work holds a frame it took off @rxq.
 * @puller: the task in xd_inet_pull(), which owns @tcp's lock meanwhile;
 *	written by it (under @lock), compared with current by the frame reader's
 *	callbacks while @tcp is owned: equal only in the pull's own context.
 * @rcvbuf: the limit of the socket's receive queue and of @rxq: SO_RCVBUF,
 *	or while the user has not set it, at least what TCP's receive
 *	autotuning gave @tcp (tcp_rmem, and two frames at least: see
 *	XD_TCP_RCVBUF_MIN), as a TCP socket's own limit grows.
 *	Written by the frame reader, read locklessly.
 * @txq: frames not yet in TCP; @lock.  Each skb's cb is an
 *	xd_inet_tx_cb.
 * @tx_err: the error a send into TCP met (it consumes TCP's sk_err);
 *	@lock.
 * @rx_work, @tx_work, @timer_work: see the top of the file.
 * @mem_work: reruns @rx_work and @tx_work after XD_MEM_RETRY, when a
 *	frame found no memory.
 * @deadline_kind: what @timer_work ends (XD_F_HANDSHAKEN: the handshake,
 *	XD_F_RELEASED: the background close); @lock.
 * @listener: for a connection still in its handshake on the listening
 *	side, the listener (a sock reference); @pending_node links it into
 *	the listener's @pending under the listener's @pending_lock.
 * @pending_lock: protects @pending, @pending_node of the children,
 *	@npending (written with WRITE_ONCE(), read locklessly) and
 *	@closing (listeners).
 * @closing: the listener has begun to empty @pending; nothing joins it.
 * @saved_*: @tcp's callbacks before the transport hooked them.
 */
struct xd_inet_conn {
	struct mutex lock;	/* see above */
	struct xdiscon_sock *xsk;
	struct socket *tcp;
	u8 role;
	unsigned long flags;
	struct xd_reader rd;
	struct sk_buff_head rxq;
	unsigned int rxq_bytes;
	bool rx_busy;
	struct task_struct *puller;
	unsigned int rcvbuf;
	struct sk_buff_head txq;
	int tx_err;
	struct work_struct rx_work;
	struct work_struct tx_work;
	struct delayed_work timer_work;
	struct delayed_work mem_work;
	int deadline_kind;
	struct xdiscon_sock *listener;
	struct list_head pending_node;
	spinlock_t pending_lock;	/* see above */
	struct list_head pending;
	unsigned int npending;
	bool closing;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
};

/* A frame waiting in txq: how much of header and payload TCP took. */
struct xd_inet_tx_cb {
	u32 sent;
	struct xd_frame_hdr hdr;
};

#define XD_TX_CB(skb) ((struct xd_inet_tx_cb *)(skb)->cb)

/*
 * A frame in rxq: the core's view of its payload, its type, and whether
 * it is charged to the socket yet (xdiscon_rcv_charge()).  Written by
 * whoever holds the skb off every queue (the frame reader, rx_work), or
 * under rxq.lock.
 */
struct xd_inet_rx_cb {
	struct xdiscon_skb_cb xd;
	u8 type;
	bool charged;
};

#define XD_RX_CB(skb) ((struct xd_inet_rx_cb *)(skb)->cb)

static struct workqueue_struct *xd_inet_wq;

static struct xd_inet_conn *xd_conn(struct xdiscon_sock *xsk)
{
	return xsk->conn;
}

/* Under sk_callback_lock: the connection @sk belongs to, or NULL. */
static struct xd_inet_conn *xd_inet_conn_of(const struct sock *sk)
{
	return (void *)((uintptr_t)sk->sk_user_data & SK_USER_DATA_PTRMASK);
}

static void xd_inet_queue(struct xd_inet_conn *conn, struct work_struct *w)
{
	sock_hold(&conn->xsk->sk);
	if (!queue_work(xd_inet_wq, w))
		sock_put(&conn->xsk->sk);
}

/* How long a frame that found no memory waits before it tries again. */
#define XD_MEM_RETRY	(HZ / 10)

/* Try receive and transmit again later: memory ran short.  Any context. */
static void xd_inet_mem_retry(struct xd_inet_conn *conn)
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

	xd_inet_queue(conn, &conn->rx_work);
	xd_inet_queue(conn, &conn->tx_work);
	sock_put(&conn->xsk->sk);
}

/* Arm @conn's timer to end @kind (an XD_F_* bit) after @delay.  @lock. */
static void xd_inet_arm_timer(struct xd_inet_conn *conn, int kind,
			      unsigned long delay)
{
	conn->deadline_kind = kind;
	sock_hold(&conn->xsk->sk);
	if (mod_delayed_work(xd_inet_wq, &conn->timer_work, delay))
		sock_put(&conn->xsk->sk);	/* it held one already */
}

/* Never the last reference: the caller holds one. */
static void xd_inet_disarm_timer(struct xd_inet_conn *conn)
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

static int xd_inet_name(struct socket *tcp, struct sockaddr_xdiscon *a,
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

/* -- TCP callbacks: softirq or TCP's process context, no xdiscon locks -- */

/*
 * Does TCP's end of stream (or error) need rx_work?  Not when it came
 * cleanly after the disconnect (no error, nothing unread) to a socket
 * still open: its release notes the end then (XD_F_EOF matters only to a
 * closed socket).  Under the TCP socket's lock, as the reader runs.
 */
static bool xd_inet_eof_needs_rx(struct xd_inet_conn *conn, struct sock *sk)
{
	if (!READ_ONCE(sk->sk_err) && sk->sk_state != TCP_CLOSE &&
	    !(READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN))
		return false;
	return !test_bit(XD_F_DISC_RCVD, &conn->flags) ||
	       test_bit(XD_F_RELEASED, &conn->flags) ||
	       READ_ONCE(sk->sk_err) || tcp_inq(sk) ||
	       xd_reader_mid_frame(&conn->rd);
}

/*
 * Take the frames TCP holds, as the TCP socket's owner: in its callbacks
 * (softirq, or process context when its owner runs TCP's backlog), or
 * under lock_sock() in rx_work and the reader's pull().  Memory that ran
 * short is tried again after XD_MEM_RETRY; a frame the wire format does
 * not allow resets the connection, in rx_work.  Returns the reader's
 * error.
 */
static int xd_inet_read_frames(struct xd_inet_conn *conn)
{
	int err = xd_reader_read(&conn->rd);

	if (err == -ENOMEM) {
		xd_inet_mem_retry(conn);
	} else if (err) {
		set_bit(XD_F_PROTO_ERR, &conn->flags);
		xd_inet_queue(conn, &conn->rx_work);
	}
	return err;
}

/*
 * The same from the callbacks and the pull, which then hand an end of
 * stream that arrived to rx_work to judge (rx_work reads, then judges,
 * itself).
 */
static void xd_inet_rcv(struct xd_inet_conn *conn, struct sock *sk)
{
	xd_inet_read_frames(conn);
	if ((READ_ONCE(sk->sk_shutdown) & RCV_SHUTDOWN) &&
	    xd_inet_eof_needs_rx(conn, sk))
		xd_inet_queue(conn, &conn->rx_work);
}

/* Less than this of a new frame waiting in TCP is read where it lands. */
#define XD_HANDOFF_MIN	4096

/*
 * Leave the frame reading to a reader in recvmsg(), asleep or copying:
 * xd_inet_pull() runs it on the reader's CPU, and TCP's window update
 * goes from there, as a TCP reader's would, rather than on the CPU that
 * received (on one host, often the sender's, whose time per byte is
 * bulk's limit).  Only for bulk data: a small frame costs less to read
 * here than the reader's trip through the TCP socket's lock, which would
 * lengthen every request and answer.  A frame whose header the frame
 * reader holds did not arrive whole, so is bulk: its rest goes to the
 * reader however short it is.  Not while the frame reader is stopped or
 * waits for more of a frame than TCP holds: there is nothing to hand
 * over.  The reader count is read first, without the barriers of
 * xdiscon_rcv_handoff(): most calls find no reader.  Softirq, TCP's lock
 * held.
 */
static bool xd_inet_handoff(struct xd_inet_conn *conn, struct sock *sk)
{
	const struct xd_reader *rd = &conn->rd;
	u32 need = xd_reader_mid_frame(rd) ? xd_reader_need(rd) :
					     XD_HANDOFF_MIN;

	if (!atomic_read(&conn->xsk->rx_readers) || xd_reader_stopped(rd) ||
	    tcp_inq(sk) < need)
		return false;
	return xdiscon_rcv_handoff(conn->xsk);
}

/*
 * The least receive buffer of the TCP socket: two whole frames.  The
 * frame reader begins a payload only once TCP holds all of it, so TCP's
 * window must take a whole frame.  TCP offers a share of its buffer as
 * window (the payload it measures per byte of truesize: about half over
 * loopback and veth), so two frames let one through.  Two frames is just
 * over tcp_rmem[1]'s default, so only a smaller tcp_rmem changes
 * anything.  Set once, before the connection opens, as TCP sizes its
 * window clamp from it then; accepted sockets inherit the listener's.
 * TCP itself never lowers it: its autotuning and its clamp under memory
 * pressure only raise it.  Process context, before the callbacks are
 * hooked.
 */
#define XD_TCP_RCVBUF_MIN	(2 * (XD_HDR_LEN + XD_MAX_DATA))

static void xd_inet_frame_room(struct sock *sk)
{
	if (READ_ONCE(sk->sk_rcvbuf) < XD_TCP_RCVBUF_MIN)
		WRITE_ONCE(sk->sk_rcvbuf, XD_TCP_RCVBUF_MIN);
}

/*
 * A connection's TCP socket has data.  No connection: the callbacks are
 * being unhooked, and nobody waits on the TCP socket.
 */
static void xd_inet_data_ready(struct sock *sk)
{
	struct xd_inet_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = xd_inet_conn_of(sk);
	/*
	 * Called with @sk owned only by its owner, running TCP's backlog:
	 * read as the owner, not handing off to itself.
	 */
	if (conn && (sock_owned_by_user_nocheck(sk) ||
		     !xd_inet_handoff(conn, sk)))
		xd_inet_rcv(conn, sk);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * The listening TCP socket has a connection to accept.  A TCP socket it
 * accepted inherits this callback, without sk_user_data, until the new
 * connection hooks its own: such a socket is not in TCP_LISTEN, nobody
 * waits on it, and its hook reads what arrived (xd_inet_rcv_held()).
 */
static void xd_inet_listen_data_ready(struct sock *sk)
{
	struct xd_inet_conn *conn;

	if (sk->sk_state != TCP_LISTEN)
		return;
	read_lock_bh(&sk->sk_callback_lock);
	conn = xd_inet_conn_of(sk);
	if (conn)
		xd_inet_queue(conn, &conn->rx_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * Read what TCP received before the callbacks were hooked.  data_ready()
 * on an owned socket reads as its owner: so we own it, as release_sock()
 * running TCP's backlog does, never merely find it owned (two contexts
 * would read TCP at once).  Process context, @conn->lock held.
 */
static void xd_inet_rcv_held(struct sock *sk)
{
	lock_sock(sk);
	xd_inet_data_ready(sk);
	release_sock(sk);
}

/*
 * TCP freed buffer space: push what waits in txq, once TCP has room for
 * it, by sk_stream_write_space()'s measure (a third of the buffer free),
 * and clear SOCK_NOSPACE as it does: TCP then calls again only after a
 * push has found it full again, not on every ACK.
 */
static void xd_inet_write_space(struct sock *sk)
{
	struct xd_inet_conn *conn;

	read_lock_bh(&sk->sk_callback_lock);
	conn = xd_inet_conn_of(sk);
	if (conn && !skb_queue_empty_lockless(&conn->txq) &&
	    __sk_stream_is_writeable(sk, 1)) {
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
		xd_inet_queue(conn, &conn->tx_work);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * TCP changed state.  A socket that sent its disconnect may have a
 * lingering close (or XDISCON_TX_DONE) waiting for TCP to acknowledge its
 * FIN: wake it, it looks itself.  rx_work only has something to judge
 * after an error, a reset or the end, or the peer's FIN; a connection
 * becoming established, or our FIN acknowledged, costs no work.
 */
static void xd_inet_state_change(struct sock *sk)
{
	struct xd_inet_conn *conn;
	struct sock *xs;

	read_lock_bh(&sk->sk_callback_lock);
	conn = xd_inet_conn_of(sk);
	if (conn) {
		xs = &conn->xsk->sk;
		if (READ_ONCE(xs->sk_shutdown) & SEND_SHUTDOWN)
			xs->sk_state_change(xs);
		if (xd_inet_eof_needs_rx(conn, sk))
			xd_inet_queue(conn, &conn->rx_work);
		if (!skb_queue_empty_lockless(&conn->txq))
			xd_inet_queue(conn, &conn->tx_work);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/* -- frames from the reader, under the TCP socket's lock -- */

static int xd_inet_rcv_disconnect(struct xd_inet_conn *conn,
				  struct sk_buff *skb, gfp_t gfp);
static bool xd_inet_client_hello_direct(struct xd_inet_conn *conn,
					struct sk_buff *skb);

/*
 * Nothing waits ahead of the frame the frame reader has in hand: rxq is
 * empty and rx_work holds no frame.  Only the frame reader adds to rxq,
 * so the answer stays true while it runs.
 */
static bool xd_inet_rxq_idle(struct xd_inet_conn *conn)
{
	bool idle;

	spin_lock_bh(&conn->rxq.lock);
	idle = !conn->rx_busy && skb_queue_empty(&conn->rxq);
	spin_unlock_bh(&conn->rxq.lock);
	return idle;
}

/*
 * The fast path: a data frame or the disconnect of an established
 * connection goes straight into the socket, from the frame reader's context
 * (softirq, or process context under the TCP socket's lock), when nothing
 * is ahead of it: @rxq empty, @rx_work holding no frame, and for data room
 * in the socket.  Everything else, and any frame behind one that waits,
 * goes through @rxq and @rx_work in order.  The frame reader runs
 * serialised by the TCP socket's lock, and only they add to @rxq, so
 * nothing can overtake the frame after the check.
 */
static bool xd_inet_rcv_direct(struct xd_inet_conn *conn, struct sk_buff *skb)
{
	const unsigned long mask = BIT(XD_F_HANDSHAKEN) | BIT(XD_F_DISC_RCVD) |
		BIT(XD_F_RELEASED) | BIT(XD_F_RESET) | BIT(XD_F_PROTO_ERR);
	struct xdiscon_sock *xsk = conn->xsk;
	u8 type = XD_RX_CB(skb)->type;

	if (!XD_RX_CB(skb)->charged ||
	    (READ_ONCE(conn->flags) & mask) != BIT(XD_F_HANDSHAKEN) ||
	    (type == XD_FRAME_DATA && !xdiscon_skb_unread(skb)) ||
	    (type != XD_FRAME_DATA && type != XD_FRAME_DISCONNECT))
		return false;
	if (!xd_inet_rxq_idle(conn) ||
	    (type == XD_FRAME_DATA &&
	     !xdiscon_rcv_room(xsk, skb, READ_ONCE(conn->rcvbuf))))
		return false;
	if (type == XD_FRAME_DATA) {
		xdiscon_rcv_skb(xsk, skb);
		return true;
	}
	/* Out of memory here: rx_work tries again, allowed to sleep. */
	if (xd_inet_rcv_disconnect(conn, skb, GFP_ATOMIC))
		return false;
	consume_skb(skb);
	return true;		/* xd_inet_rcv() judges a FIN behind it */
}

/* See @rcvbuf in struct xd_inet_conn. */
static void xd_inet_track_rcvbuf(struct xd_inet_conn *conn, struct sock *tcp)
{
	struct sock *sk = &conn->xsk->sk;
	unsigned int limit = READ_ONCE(sk->sk_rcvbuf);

	/* Racy (a bit-field): a user's SO_RCVBUF counts from the next frame. */
	if (!(sk->sk_userlocks & SOCK_RCVBUF_LOCK))
		limit = max_t(unsigned int, limit, READ_ONCE(tcp->sk_rcvbuf));
	WRITE_ONCE(conn->rcvbuf, limit);
}

/* The frame reader's frame op: a whole frame, in the reader's context. */
static void xd_inet_rx_frame(struct xd_reader *rd, struct sk_buff *skb, u8 type)
{
	struct xd_inet_conn *conn = container_of(rd, struct xd_inet_conn, rd);
	bool pause;

	XD_RX_CB(skb)->type = type;
	XD_RX_CB(skb)->charged = xdiscon_rcv_charge(conn->xsk, skb);
	xd_inet_track_rcvbuf(conn, rd->sk);
	/* Read in a pull, TCP's backlog at its release_sock() included. */
	if (sock_owned_by_user_nocheck(rd->sk) &&
	    READ_ONCE(conn->puller) == current)
		xd_inet_stat_inc(sock_net(&conn->xsk->sk),
				 XD_INET_STAT_READER_FRAMES);
	if (xd_inet_rcv_direct(conn, skb) ||
	    xd_inet_client_hello_direct(conn, skb))
		return;

	spin_lock_bh(&conn->rxq.lock);
	__skb_queue_tail(&conn->rxq, skb);
	conn->rxq_bytes += skb->truesize;
	pause = conn->rxq_bytes > READ_ONCE(conn->rcvbuf) ||
		!XD_RX_CB(skb)->charged;
	spin_unlock_bh(&conn->rxq.lock);
	if (pause)
		xd_reader_pause(rd);
	xd_inet_queue(conn, &conn->rx_work);
}

static u32 xd_inet_inq(struct xd_reader *rd)
{
	return tcp_inq(rd->sk);
}

/* TCP's own test, in tcp_poll(), for data that cannot wait for more. */
static bool xd_inet_full(struct xd_reader *rd)
{
	return tcp_epollin_ready(rd->sk, INT_MAX);
}

static int xd_inet_read_sock(struct xd_reader *rd, read_descriptor_t *desc,
			     sk_read_actor_t actor)
{
	return tcp_read_sock(rd->sk, desc, actor);
}

static const struct xd_reader_ops xd_inet_reader_ops = {
	.inq	= xd_inet_inq,
	.full	= xd_inet_full,
	.read	= xd_inet_read_sock,
	.frame	= xd_inet_rx_frame,
};

/* -- set-up and teardown of the TCP socket -- */

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
static int xd_inet_tcp_file(struct socket *tcp, const struct cred *cred)
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
static void xd_inet_tcp_free(struct socket *tcp)
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

/*
 * Hook @conn->tcp's callbacks.  Not copied into accepted sockets
 * (SK_USER_DATA_NOCOPY).  An accepted socket inherits the listener's
 * data_ready: its own, which unhooking gives back, is TCP's, the one the
 * listener saved, @tcp_data_ready (NULL for a socket of our own).
 */
static void xd_inet_hook(struct xd_inet_conn *conn,
			 void (*tcp_data_ready)(struct sock *sk))
{
	struct sock *sk = conn->tcp->sk;
	bool listener = conn->role == XD_ROLE_LISTENER;

	write_lock_bh(&sk->sk_callback_lock);
	conn->saved_data_ready = tcp_data_ready ?: sk->sk_data_ready;
	conn->saved_write_space = sk->sk_write_space;
	conn->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = (void *)((uintptr_t)conn | SK_USER_DATA_NOCOPY);
	sk->sk_data_ready = listener ? xd_inet_listen_data_ready :
				       xd_inet_data_ready;
	if (!listener) {
		sk->sk_write_space = xd_inet_write_space;
		sk->sk_state_change = xd_inet_state_change;
	}
	write_unlock_bh(&sk->sk_callback_lock);
}

static void xd_inet_unhook(struct xd_inet_conn *conn)
{
	struct sock *sk = conn->tcp->sk;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data) {
		sk->sk_user_data = NULL;
		sk->sk_data_ready = conn->saved_data_ready;
		sk->sk_write_space = conn->saved_write_space;
		sk->sk_state_change = conn->saved_state_change;
	}
	write_unlock_bh(&sk->sk_callback_lock);
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
 * its own (FIN, retransmissions, TIME_WAIT).  Drops the socket's
 * reference for its TCP socket; the caller holds another.  Under @lock.
 */
static void xd_inet_tcp_close(struct xd_inet_conn *conn, bool abortive)
{
	struct socket *tcp = conn->tcp;

	if (!tcp)
		return;
	if (tcp->sk->sk_user_data) {
		xd_inet_unhook(conn);
		if (conn->role == XD_ROLE_CONN)
			xd_reader_done(&conn->rd);
	}
	/*
	 * Connections in TCP's accept queue were cloned with the listener's
	 * callbacks: end them now, not when the release (deferred in a
	 * task) gets to them, by when the module may be gone.
	 */
	if (conn->role == XD_ROLE_LISTENER)
		kernel_sock_shutdown(tcp, SHUT_RDWR);
	if (abortive)
		sock_no_linger(tcp->sk);
	conn->tcp = NULL;
	xd_inet_tcp_free(tcp);
	__skb_queue_purge(&conn->txq);
	xd_inet_rxq_purge(conn);
	xd_inet_disarm_timer(conn);
	sock_put(&conn->xsk->sk);
}

/* -- transmit, under @lock -- */

static void xd_inet_frame(struct sk_buff *skb, u8 type)
{
	struct xd_inet_tx_cb *cb = XD_TX_CB(skb);

	cb->sent = 0;
	cb->hdr = (struct xd_frame_hdr) {
		.type = type,
		.len = cpu_to_be32(skb->len),
	};
}

/*
 * A fault-injection point (Documentation/fault-injection): with
 * CONFIG_FAULT_INJECTION_DEBUG_FS, /sys/kernel/debug/fail_xdiscon_tx_page
 * makes the page for a frame's header fail to come, as a failed
 * allocation would.  Process or workqueue context.
 */
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
static DECLARE_FAULT_ATTR(xd_fail_tx_page);
static struct dentry *xd_fail_tx_page_dir;

static bool xd_inet_fail_tx_page(void)
{
	return should_fail(&xd_fail_tx_page, PAGE_SIZE);
}

static void xd_inet_fault_init(void)
{
	xd_fail_tx_page_dir = fault_create_debugfs_attr("fail_xdiscon_tx_page",
							NULL,
							&xd_fail_tx_page);
}

static void xd_inet_fault_exit(void)
{
	debugfs_remove_recursive(xd_fail_tx_page_dir);
}
#else
static bool xd_inet_fail_tx_page(void)
{
	return false;
}

static void xd_inet_fault_init(void)
{
}

static void xd_inet_fault_exit(void)
{
}
#endif

/* Pages handed to TCP per call; more go in a call of their own. */
#define XD_TX_BVECS 8

/*
 * Copy what TCP has not taken of the frame's header and linear part (or
 * as much as the page has room for) into the page TCP itself copies a
 * sendmsg into (sk_page_frag()), as @bv, so that the frame goes to TCP as
 * pages.  TCP takes its own reference to the page; bytes it does not
 * take are copied again next time.  -ENOMEM when no page is to be had
 * (or fail_xdiscon_tx_page says so): the caller tries again later.
 */
static int xd_inet_copy_head(struct sock *sk, struct sk_buff *skb,
			     struct bio_vec *bv)
{
	struct xd_inet_tx_cb *cb = XD_TX_CB(skb);
	struct page_frag *pfrag = sk_page_frag(sk);
	u32 left = XD_HDR_LEN + skb_headlen(skb) - cb->sent;
	u32 hdr = cb->sent < XD_HDR_LEN ? XD_HDR_LEN - cb->sent : 0;
	u32 len;
	u8 *p;

	/* The refill leaves room for min(left, PAGE_SIZE): the header fits. */
	if (xd_inet_fail_tx_page() ||
	    !skb_page_frag_refill(min_t(u32, left, PAGE_SIZE), pfrag,
				  sk->sk_allocation))
		return -ENOMEM;
	len = min_t(u32, left, pfrag->size - pfrag->offset);
	p = page_address(pfrag->page) + pfrag->offset;
	memcpy(p, (u8 *)&cb->hdr + cb->sent, hdr);
	memcpy(p + hdr, skb->data + (cb->sent + hdr - XD_HDR_LEN), len - hdr);
	*bv = (struct bio_vec) {
		.bv_page = pfrag->page,
		.bv_offset = pfrag->offset,
		.bv_len = len,
	};
	pfrag->offset += len;
	return 0;
}

/*
 * Send the next part of one frame; bytes TCP took, or an error (-EAGAIN).
 * The header and linear part are copied (as a sendmsg would copy them),
 * the page fragments are not, and all of it goes in one call.  Every part
 * but the queue's last is sent with MSG_MORE: a frame then costs TCP one
 * push, as a write costs the user over plain TCP (each push reads the
 * clock and may send a segment, and a frame in two segments costs the
 * peer twice).  The core builds every skb it transmits as a linear part
 * and page fragments, never a frag_list.
 */
static int xd_inet_send_piece(struct sock *sk, struct sk_buff *skb, bool last)
{
	const struct skb_shared_info *shinfo = skb_shinfo(skb);
	u32 head = XD_HDR_LEN + skb_headlen(skb), sent = XD_TX_CB(skb)->sent;
	u32 offset = sent > head ? sent - head : 0;
	struct bio_vec bv[XD_TX_BVECS];
	unsigned int i = 0, n = 0;
	size_t len = 0;
	int err;

	if (sent < head) {
		err = xd_inet_copy_head(sk, skb, &bv[n]);
		if (err)
			return err;
		len = bv[n++].bv_len;
		if (sent + len < head)
			goto send;	/* the pages follow a whole head */
	}
	for (; i < shinfo->nr_frags && n < XD_TX_BVECS; i++) {
		const skb_frag_t *frag = &shinfo->frags[i];
		u32 size = skb_frag_size(frag);

		if (offset >= size) {
			offset -= size;
			continue;
		}
		bv[n++] = (struct bio_vec) {
			.bv_page = skb_frag_page(frag),
			.bv_offset = skb_frag_off(frag) + offset,
			.bv_len = size - offset,
		};
		len += size - offset;
		offset = 0;
	}
	if (WARN_ON_ONCE(!n))
		return -EINVAL;
	if (i == shinfo->nr_frags && last)
		return xdiscon_tcp_sendpages_locked(sk, bv, n, len,
						    MSG_DONTWAIT);
send:
	return xdiscon_tcp_sendpages_locked(sk, bv, n, len,
					    MSG_DONTWAIT | MSG_MORE);
}

/*
 * Why TCP would refuse to send, or 0.  Under the TCP socket's lock, so it
 * stays true for the whole push.  Checked first because TCP's sendmsg
 * answers these with EPIPE and SIGPIPE to the current task, which may be
 * the user's, whatever flags skb_send_sock_locked() passes.
 */
static int xd_inet_tcp_send_error(struct sock *sk)
{
	if (READ_ONCE(sk->sk_err))
		return -READ_ONCE(sk->sk_err);
	if ((sk->sk_shutdown & SEND_SHUTDOWN) ||
	    !((1 << sk->sk_state) & (TCPF_ESTABLISHED | TCPF_CLOSE_WAIT |
				     TCPF_SYN_SENT | TCPF_SYN_RECV)))
		return -EPIPE;
	return 0;
}

/*
 * Move txq into TCP while TCP takes it.  The disconnect frame is the last
 * one: once TCP has it, TCP sends its FIN.  A full TCP calls
 * xd_inet_write_space() later.
 */
static void xd_inet_push(struct xd_inet_conn *conn)
{
	struct sock *sk;
	struct sk_buff *skb;
	bool fin = false;
	int ret;

	if (!conn->tcp || skb_queue_empty(&conn->txq))
		return;
	sk = conn->tcp->sk;
	lock_sock(sk);
	ret = xd_inet_tcp_send_error(sk);
	if (ret) {
		if (!conn->tx_err) {
			conn->tx_err = ret;
			xd_inet_queue(conn, &conn->rx_work);
		}
		release_sock(sk);
		return;
	}
	while ((skb = skb_peek(&conn->txq))) {
		if (XD_TX_CB(skb)->sent < XD_HDR_LEN + skb->len) {
			bool last = skb_queue_is_last(&conn->txq, skb);

			ret = xd_inet_send_piece(sk, skb, last);
			if (ret == -ENOMEM) {
				xd_inet_mem_retry(conn);
			} else if (ret < 0 && ret != -EAGAIN && !conn->tx_err) {
				/* TCP failed: rx_work resets the socket. */
				conn->tx_err = ret;
				xd_inet_queue(conn, &conn->rx_work);
			}
			if (ret <= 0)
				break;
			XD_TX_CB(skb)->sent += ret;
			continue;
		}
		__skb_unlink(skb, &conn->txq);
		fin = XD_TX_CB(skb)->hdr.type == XD_FRAME_DISCONNECT;
		/* Frees the sender's buffer space: it may write again. */
		consume_skb(skb);
	}
	if (fin) {
		/* What inet_shutdown() does, with the lock already held. */
		WRITE_ONCE(sk->sk_shutdown, sk->sk_shutdown | SEND_SHUTDOWN);
		sk->sk_prot->shutdown(sk, SEND_SHUTDOWN);
		set_bit(XD_F_FIN_SENT, &conn->flags);
	}
	release_sock(sk);
	/* A closed socket may finish now; an open one when it closes. */
	if (fin && test_bit(XD_F_RELEASED, &conn->flags))
		xd_inet_queue(conn, &conn->rx_work);
}

static void xd_inet_tx_work(struct work_struct *w)
{
	struct xd_inet_conn *conn = container_of(w, struct xd_inet_conn,
						 tx_work);
	struct xdiscon_sock *xsk = conn->xsk;

	mutex_lock(&conn->lock);
	xd_inet_push(conn);
	mutex_unlock(&conn->lock);
	sock_put(&xsk->sk);
}

static int xd_inet_send_hello(struct xd_inet_conn *conn)
{
	struct sock *sk = &conn->xsk->sk;
	struct xd_hello *hello;
	struct sk_buff *skb;

	skb = alloc_skb(sizeof(*hello), GFP_KERNEL);
	if (!skb)
		return -ENOMEM;
	hello = skb_put(skb, sizeof(*hello));
	*hello = (struct xd_hello) {
		.magic = cpu_to_be32(XD_WIRE_MAGIC),
		.version = XD_WIRE_VERSION,
		.sock_type = sk->sk_type == SOCK_STREAM ? XD_WIRE_STREAM :
							  XD_WIRE_SEQPACKET,
	};
	xd_inet_frame(skb, XD_FRAME_HELLO);
	__skb_queue_tail(&conn->txq, skb);
	xd_inet_push(conn);
	return 0;
}

/* -- resets and the end of a connection -- */

/*
 * Reset the connection: drop what is queued either way and send TCP's
 * RST.  @notify: tell the socket (ECONNRESET, or @err, TCP's error, for a
 * connect in progress: ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH...).
 * Under lock_sock() of the socket (when it is visible to its user) and
 * @lock.
 */
static void xd_inet_reset_locked(struct xd_inet_conn *conn, bool notify,
				 int err)
{
	struct xdiscon_sock *xsk = conn->xsk;

	if (test_and_set_bit(XD_F_RESET, &conn->flags))
		return;
	xd_inet_tcp_close(conn, true);
	if (!notify)
		return;
	if (READ_ONCE(xsk->sk.sk_state) == XDISCON_CONNECTING)
		xdiscon_connect_done(xsk, err);
	else
		xdiscon_rcv_reset(xsk);
}

static void xd_inet_reset(struct xd_inet_conn *conn, int err)
{
	struct sock *sk = &conn->xsk->sk;

	lock_sock(sk);
	mutex_lock(&conn->lock);
	xd_inet_reset_locked(conn, true, err);
	mutex_unlock(&conn->lock);
	release_sock(sk);
}

/*
 * A connection still in its handshake on the listening side: take it off
 * the listener's list.  True if this caller did, and so owns the
 * reference the list held.  It counts as a handshake until its owner
 * drops it (xd_inet_drop_pending()).
 */
static bool xd_inet_unpend(struct xd_inet_conn *conn)
{
	struct xd_inet_conn *lconn;
	bool mine = false;

	if (!conn->listener)
		return false;
	lconn = xd_conn(conn->listener);
	spin_lock(&lconn->pending_lock);
	if (!list_empty(&conn->pending_node)) {
		list_del_init(&conn->pending_node);
		mine = true;
	}
	spin_unlock(&lconn->pending_lock);
	return mine;
}

/*
 * Drop a connection its caller took off the pending list: RST unless
 * closed.  Its place among the handshakes is free again: the listener's
 * work takes what TCP held back meanwhile.
 */
static void xd_inet_drop_pending(struct xd_inet_conn *conn)
{
	struct xd_inet_conn *lconn = xd_conn(conn->listener);
	struct xdiscon_sock *xsk = conn->xsk;

	mutex_lock(&conn->lock);
	xd_inet_reset_locked(conn, false, 0);
	mutex_unlock(&conn->lock);
	spin_lock(&lconn->pending_lock);
	WRITE_ONCE(lconn->npending, lconn->npending - 1);
	spin_unlock(&lconn->pending_lock);
	xd_inet_queue(lconn, &lconn->rx_work);
	sock_put(&xsk->sk);
}

static void xd_inet_protocol_error(struct xd_inet_conn *conn)
{
	xd_inet_stat_inc(sock_net(&conn->xsk->sk),
			 XD_INET_STAT_PROTO_ERRORS);
	if (xd_inet_unpend(conn))
		xd_inet_drop_pending(conn);
	else
		xd_inet_reset(conn, -ECONNRESET);
}

/* A released socket whose exchange is complete lets TCP finish alone. */
static void xd_inet_maybe_finish(struct xd_inet_conn *conn)
{
	if (test_bit(XD_F_RELEASED, &conn->flags) &&
	    test_bit(XD_F_FIN_SENT, &conn->flags) &&
	    test_bit(XD_F_EOF, &conn->flags))
		xd_inet_tcp_close(conn, false);
}

/* -- receive, in rx_work -- */

/*
 * At close: the peer's disconnect and FIN are in and nothing came after
 * them, the end rx_work would note (see xd_inet_eof_needs_rx()).  Before
 * XD_F_RELEASED is set, under @lock.
 */
static bool xd_inet_clean_end(struct xd_inet_conn *conn)
{
	struct sock *sk = conn->tcp->sk;
	bool end;

	lock_sock(sk);
	end = (sk->sk_shutdown & RCV_SHUTDOWN) &&
	      !xd_inet_eof_needs_rx(conn, sk);
	release_sock(sk);
	spin_lock_bh(&conn->rxq.lock);
	end = end && !conn->rx_busy && skb_queue_empty(&conn->rxq);
	spin_unlock_bh(&conn->rxq.lock);
	return end;
}

/*
 * rx_work takes frames off rxq before it looks at them: a reset may purge
 * rxq at any time (under the connection's mutex, which rx_work does not
 * hold while it delivers).
 */
static struct sk_buff *xd_inet_rxq_dequeue(struct xd_inet_conn *conn)
{
	struct sk_buff *skb;

	spin_lock_bh(&conn->rxq.lock);
	skb = __skb_dequeue(&conn->rxq);
	if (skb) {
		conn->rxq_bytes -= skb->truesize;
		conn->rx_busy = true;	/* until xd_inet_deliver() returns */
	}
	spin_unlock_bh(&conn->rxq.lock);
	return skb;
}

/* Put back a frame the socket has no room for yet, in front. */
static void xd_inet_rxq_requeue(struct xd_inet_conn *conn, struct sk_buff *skb)
{
	spin_lock_bh(&conn->rxq.lock);
	__skb_queue_head(&conn->rxq, skb);
	conn->rxq_bytes += skb->truesize;
	spin_unlock_bh(&conn->rxq.lock);
}

/*
 * No frame on rxq waits for memory.  Only the last frame the frame reader
 * queued before it paused can: it queues nothing more while paused.
 * Process, workqueue or softirq context; takes rxq.lock.
 */
static bool xd_inet_rxq_charged(struct xd_inet_conn *conn)
{
	struct sk_buff *skb;
	bool charged;

	spin_lock_bh(&conn->rxq.lock);
	skb = skb_peek_tail(&conn->rxq);
	charged = !skb || XD_RX_CB(skb)->charged;
	spin_unlock_bh(&conn->rxq.lock);
	return charged;
}

static int xd_inet_read_hello(struct sk_buff *skb, struct xd_hello *hello)
{
	if (skb_copy_bits(skb, XD_RX_CB(skb)->xd.consumed, hello,
			  sizeof(*hello)) ||
	    hello->magic != cpu_to_be32(XD_WIRE_MAGIC) ||
	    hello->version != XD_WIRE_VERSION ||
	    hello->reserved[0] || hello->reserved[1] ||
	    (hello->sock_type != XD_WIRE_STREAM &&
	     hello->sock_type != XD_WIRE_SEQPACKET))
		return -EPROTO;
	return 0;
}

static bool xd_inet_type_ok(struct sock *sk, const struct xd_hello *hello)
{
	return hello->sock_type == (sk->sk_type == SOCK_STREAM ?
				    XD_WIRE_STREAM : XD_WIRE_SEQPACKET);
}

/*
 * The listener's hello, straight from the frame reader (softirq, or process
 * context under the TCP socket's lock) when nothing is in the way: the
 * socket is connecting and its user is not in a call on it (typically it
 * sleeps in connect() or poll()), and the hello is good.  connect() then
 * completes without a trip through rx_work; anything else takes it.
 */
static bool xd_inet_client_hello_direct(struct xd_inet_conn *conn,
					struct sk_buff *skb)
{
	const unsigned long mask = BIT(XD_F_HANDSHAKEN) | BIT(XD_F_RELEASED) |
		BIT(XD_F_RESET) | BIT(XD_F_PROTO_ERR);
	struct xdiscon_sock *xsk = conn->xsk;
	struct sock *sk = &xsk->sk;
	struct xd_hello hello;
	bool done;

	if (conn->listener || (READ_ONCE(conn->flags) & mask) ||
	    XD_RX_CB(skb)->type != XD_FRAME_HELLO ||
	    xd_inet_read_hello(skb, &hello) || !xd_inet_type_ok(sk, &hello))
		return false;
	if (!xd_inet_rxq_idle(conn))
		return false;
	/* rx_work and the pull read with BHs on: be softirq's context. */
	local_bh_disable();
	bh_lock_sock(sk);
	done = !sock_owned_by_user(sk) && sk->sk_state == XDISCON_CONNECTING;
	if (done) {
		set_bit(XD_F_HANDSHAKEN, &conn->flags);
		xd_inet_disarm_timer(conn);
		xdiscon_connect_done(xsk, 0);
	}
	bh_unlock_sock(sk);
	local_bh_enable();
	if (done)
		consume_skb(skb);
	return done;
}

/* The connecting side got the listener's hello. */
static void xd_inet_client_hello(struct xd_inet_conn *conn,
				 const struct xd_hello *hello)
{
	struct xdiscon_sock *xsk = conn->xsk;
	struct sock *sk = &xsk->sk;
	int err = 0;

	lock_sock(sk);
	mutex_lock(&conn->lock);
	if (!conn->tcp || sk->sk_state != XDISCON_CONNECTING)
		goto out;
	if (!xd_inet_type_ok(sk, hello)) {
		err = -EPROTOTYPE;
		set_bit(XD_F_RESET, &conn->flags);
		xd_inet_tcp_close(conn, false);
		xdiscon_connect_done(xsk, err);
		goto out;
	}
	set_bit(XD_F_HANDSHAKEN, &conn->flags);
	xd_inet_disarm_timer(conn);
	xdiscon_connect_done(xsk, 0);
out:
	mutex_unlock(&conn->lock);
	release_sock(sk);
}

/*
 * Move handshaken children of @lconn from its pending list into the
 * accept queue while there is room, oldest first.  Each moves under
 * @pending_lock, so that the list's reference passes to the queue with
 * no moment where neither holds it and a closing listener finds it in
 * one or the other; and it leaves the list before the queue makes it
 * visible, as accept() and close() may free it at once.  Places freed
 * among the handshakes go to what TCP holds.
 */
static void xd_inet_offer(struct xd_inet_conn *lconn)
{
	struct xd_inet_conn *child, *next;
	bool moved = false;

	spin_lock(&lconn->pending_lock);
	list_for_each_entry_safe(child, next, &lconn->pending, pending_node) {
		/* Pairs with the barrier in xd_inet_server_hello(). */
		if (!test_bit_acquire(XD_F_HANDSHAKEN, &child->flags))
			continue;
		list_del_init(&child->pending_node);
		if (xdiscon_publish_child(lconn->xsk, child->xsk)) {
			/* Full, or the listener is closing: back in place. */
			list_add_tail(&child->pending_node, &next->pending_node);
			break;
		}
		WRITE_ONCE(lconn->npending, lconn->npending - 1);
		moved = true;
	}
	spin_unlock(&lconn->pending_lock);
	if (moved)
		xd_inet_queue(lconn, &lconn->rx_work);
}

/*
 * The listening side got a new connection's hello.  A child of the right
 * type goes to the accept queue, or waits on the pending list, counted
 * as a handshake, until accept() makes room (xd_inet_accepted()).
 */
static void xd_inet_server_hello(struct xd_inet_conn *conn,
				 const struct xd_hello *hello)
{
	struct xdiscon_sock *xsk = conn->xsk;

	if (!xd_inet_type_ok(&xsk->sk, hello)) {
		if (!xd_inet_unpend(conn))
			return;		/* the listener is closing it */
		/* The other type: the client saw it in our hello; FIN. */
		mutex_lock(&conn->lock);
		xd_inet_disarm_timer(conn);
		set_bit(XD_F_RESET, &conn->flags);
		xd_inet_tcp_close(conn, false);
		mutex_unlock(&conn->lock);
		xd_inet_drop_pending(conn);
		return;
	}
	mutex_lock(&conn->lock);
	xd_inet_disarm_timer(conn);
	/*
	 * xd_inet_offer() reads the bit without @lock, on any CPU, and
	 * publishes the child: whoever accepts it must see what the
	 * handshake set up.
	 */
	smp_mb__before_atomic();
	set_bit(XD_F_HANDSHAKEN, &conn->flags);
	mutex_unlock(&conn->lock);
	xd_inet_offer(xd_conn(conn->listener));
}

static void xd_inet_hello(struct xd_inet_conn *conn, struct sk_buff *skb)
{
	struct xd_hello hello;
	int err = xd_inet_read_hello(skb, &hello);

	kfree_skb(skb);
	if (err)
		xd_inet_protocol_error(conn);
	else if (conn->listener)
		xd_inet_server_hello(conn, &hello);
	else
		xd_inet_client_hello(conn, &hello);
}

/* The peer's disconnect: its data, copied out of the frame. */
static int xd_inet_rcv_disconnect(struct xd_inet_conn *conn,
				  struct sk_buff *skb, gfp_t gfp)
{
	u32 off = XD_RX_CB(skb)->xd.consumed, len = xdiscon_skb_unread(skb);
	struct sk_buff *data;

	data = alloc_skb(len, gfp);
	if (!data)
		return -ENOMEM;
	if (skb_copy_bits(skb, off, skb_put(data, len), len)) {
		kfree_skb(data);
		return -EPROTO;
	}
	set_bit(XD_F_DISC_RCVD, &conn->flags);
	xdiscon_rcv_disconnect(conn->xsk, data);
	return 0;
}

/*
 * Deliver parsed frames while the socket has room.  Returns 0, or
 * -EPROTO for a frame out of place.
 */
static int __xd_inet_deliver(struct xd_inet_conn *conn)
{
	struct xdiscon_sock *xsk = conn->xsk;
	struct sk_buff *skb;
	int err = 0;

	while (!err && (skb = xd_inet_rxq_dequeue(conn))) {
		u8 type = XD_RX_CB(skb)->type;

		/* Only what the socket will queue waits for memory. */
		if (!XD_RX_CB(skb)->charged && type == XD_FRAME_DATA &&
		    !test_bit(XD_F_RELEASED, &conn->flags)) {
			if (!xdiscon_rcv_charge(xsk, skb)) {
				xd_inet_rxq_requeue(conn, skb);
				xd_inet_mem_retry(conn);
				return 0;
			}
			XD_RX_CB(skb)->charged = true;
		}

		if (!test_bit(XD_F_HANDSHAKEN, &conn->flags)) {
			if (type != XD_FRAME_HELLO) {
				kfree_skb(skb);
				return -EPROTO;
			}
			xd_inet_hello(conn, skb);
			if (!test_bit(XD_F_HANDSHAKEN, &conn->flags))
				return 0;
			continue;
		}
		if (type == XD_FRAME_HELLO ||
		    test_bit(XD_F_DISC_RCVD, &conn->flags)) {
			kfree_skb(skb);
			return -EPROTO;
		}
		/*
		 * No room: consumed() calls again.  A closed socket drops
		 * what arrives (its queue is purged after release()).
		 */
		if (type == XD_FRAME_DATA && xdiscon_skb_unread(skb) &&
		    !test_bit(XD_F_RELEASED, &conn->flags) &&
		    !xdiscon_rcv_room(xsk, skb, READ_ONCE(conn->rcvbuf))) {
			xd_inet_rxq_requeue(conn, skb);
			/*
			 * A reader that made room while the frame was off
			 * rxq saw it empty and did not call again: look once
			 * more.  Pairs with the barrier in consumed().
			 */
			smp_mb();
			if (!xdiscon_rcv_room(xsk, skb,
					      READ_ONCE(conn->rcvbuf)))
				return 0;
			continue;
		}
		if (type == XD_FRAME_DISCONNECT) {
			err = xd_inet_rcv_disconnect(conn, skb, GFP_KERNEL);
			kfree_skb(skb);
		} else if (!xdiscon_skb_unread(skb) &&
			   xsk->sk.sk_type == SOCK_STREAM) {
			consume_skb(skb);	/* a stream has no empty records */
		} else {
			xdiscon_rcv_skb(xsk, skb);
		}
	}
	return err;
}

static int xd_inet_deliver(struct xd_inet_conn *conn)
{
	int err = __xd_inet_deliver(conn);

	/* Frames may take the fast path again (see rcv_direct()). */
	spin_lock_bh(&conn->rxq.lock);
	conn->rx_busy = false;
	spin_unlock_bh(&conn->rxq.lock);
	return err;
}

/*
 * Read the frames TCP holds, first letting a paused frame reader go on
 * when rxq has room again; then how TCP stands, under @lock: its error
 * if it failed, else 0 with @eof when the peer's FIN arrived with
 * everything before it read, and @truncated when a frame was cut short
 * by it.  Not at the end while memory is short: the retry judges.
 */
static int xd_inet_tcp_status(struct xd_inet_conn *conn, bool *eof,
			      bool *truncated)
{
	struct sock *sk;
	int err;

	*eof = false;
	*truncated = false;
	if (!conn->tcp)
		return 0;
	sk = conn->tcp->sk;
	err = READ_ONCE(sk->sk_err);
	if (err)
		return -err;
	if (conn->tx_err)
		return conn->tx_err;
	lock_sock(sk);
	/* Decided here, where the frame reader cannot queue and pause. */
	if (READ_ONCE(conn->rxq_bytes) <= READ_ONCE(conn->rcvbuf) &&
	    xd_inet_rxq_charged(conn))
		xd_reader_unpause(&conn->rd);
	if (xd_inet_read_frames(conn) != -ENOMEM &&
	    (sk->sk_shutdown & RCV_SHUTDOWN)) {
		u32 inq = tcp_inq(sk);

		/*
		 * The frame reader took everything, or waits for more than
		 * will ever come: then a frame begun is truncated.
		 */
		if (!inq || inq < xd_reader_need(&conn->rd)) {
			*eof = true;
			*truncated = xd_reader_mid_frame(&conn->rd) || inq;
		}
	}
	release_sock(sk);
	return err;
}

static void xd_inet_rx(struct xd_inet_conn *conn)
{
	bool eof, truncated;
	int err;

	if (test_bit(XD_F_RESET, &conn->flags))
		return;
	err = xd_inet_deliver(conn);
	if (err || test_bit(XD_F_PROTO_ERR, &conn->flags)) {
		xd_inet_protocol_error(conn);
		return;
	}
	mutex_lock(&conn->lock);
	err = xd_inet_tcp_status(conn, &eof, &truncated);
	/*
	 * Frames the reader queued before the end are delivered first (the
	 * run that queued them follows): a connection in its handshake must
	 * reach the accept queue before a truncated frame resets it.
	 */
	if (!err && eof && !skb_queue_empty_lockless(&conn->rxq))
		eof = false;
	if (!err && eof && truncated)
		err = -EPROTO;		/* a frame cut short by FIN */
	if (!err && eof && !test_bit(XD_F_DISC_RCVD, &conn->flags))
		err = -EPROTO;		/* FIN without the disconnect */
	if (!err && eof) {
		set_bit(XD_F_EOF, &conn->flags);
		xd_inet_maybe_finish(conn);
	}
	mutex_unlock(&conn->lock);

	if (err == -EPROTO)
		xd_inet_protocol_error(conn);
	else if (err && xd_inet_unpend(conn))
		xd_inet_drop_pending(conn);
	else if (err)
		xd_inet_reset(conn, err == -EPIPE ? -ECONNRESET : err);
}

static void xd_inet_accept_all(struct xd_inet_conn *lconn);

static void xd_inet_rx_work(struct work_struct *w)
{
	struct xd_inet_conn *conn = container_of(w, struct xd_inet_conn,
						 rx_work);
	struct xdiscon_sock *xsk = conn->xsk;

	if (conn->role == XD_ROLE_LISTENER)
		xd_inet_accept_all(conn);
	else if (conn->role == XD_ROLE_CONN)
		xd_inet_rx(conn);
	sock_put(&xsk->sk);
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
	mutex_lock(&conn->lock);
	if (conn->deadline_kind == XD_F_HANDSHAKEN &&
	    !test_bit(XD_F_HANDSHAKEN, &conn->flags)) {
		xd_inet_stat_inc(net, XD_INET_STAT_HANDSHAKE_TIMEOUTS);
		if (conn->listener)
			drop = xd_inet_unpend(conn);
		else
			xd_inet_reset_locked(conn, true, -ETIMEDOUT);
	} else if (conn->deadline_kind == XD_F_RELEASED && conn->tcp) {
		xd_inet_stat_inc(net, XD_INET_STAT_BG_CLOSE_TIMEOUTS);
		xd_inet_reset_locked(conn, false, 0);
	}
	mutex_unlock(&conn->lock);
	release_sock(&xsk->sk);
	if (drop)
		xd_inet_drop_pending(conn);
	sock_put(&xsk->sk);
}

/* -- listening -- */

static void xd_inet_init_conn(struct xd_inet_conn *conn,
			      struct xdiscon_sock *xsk)
{
	mutex_init(&conn->lock);
	conn->xsk = xsk;
	conn->rcvbuf = READ_ONCE(xsk->sk.sk_rcvbuf);
	skb_queue_head_init(&conn->rxq);
	skb_queue_head_init(&conn->txq);
	INIT_WORK(&conn->rx_work, xd_inet_rx_work);
	INIT_WORK(&conn->tx_work, xd_inet_tx_work);
	INIT_DELAYED_WORK(&conn->timer_work, xd_inet_timer_work);
	INIT_DELAYED_WORK(&conn->mem_work, xd_inet_mem_work);
	INIT_LIST_HEAD(&conn->pending_node);
	INIT_LIST_HEAD(&conn->pending);
	spin_lock_init(&conn->pending_lock);
}

/*
 * Set up an accepted TCP connection: send our hello at once, so that the
 * client's connect() completes without waiting for us to see its own,
 * and wait for the client's.
 */
static void xd_inet_new_child(struct xd_inet_conn *lconn, struct socket *tcp)
{
	struct xdiscon_sock *listener = lconn->xsk, *child;
	struct sockaddr_xdiscon local = {}, remote = {};
	struct xd_inet_conn *conn;
	struct sock *csk;
	bool closing, drop;
	int err;

	csk = xdiscon_sk_alloc_child(listener);
	if (!csk)
		goto err_tcp;
	child = xdiscon_sk(csk);
	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn || xdiscon_rcv_charge_init(child)) {
		kfree(conn);
		sock_put(csk);
		goto err_tcp;
	}
	xd_inet_name(tcp, &local, false);
	xd_inet_name(tcp, &remote, true);
	xdiscon_child_init(child, &xdiscon_inet_transport, conn, 0, &local,
			   &remote);
	xd_inet_init_conn(conn, child);
	/* An accepted socket holds its netns like its listener does. */
	conn->role = XD_ROLE_CONN;
	conn->tcp = tcp;
	sock_hold(csk);				/* for the TCP socket */
	sock_hold(&listener->sk);
	conn->listener = listener;

	/*
	 * Set up under the connection's mutex: a closing listener that
	 * takes it off the list waits for the mutex before resetting it.
	 * The list holds the reference sk_alloc() gave.  Once the listener
	 * has begun to empty its list, the child is not listed (nobody
	 * would take it off again): counted all the same, it is dropped
	 * below, as the list's owner drops what it takes off.
	 */
	mutex_lock(&conn->lock);
	spin_lock(&lconn->pending_lock);
	closing = lconn->closing;
	if (!closing)
		list_add_tail(&conn->pending_node, &lconn->pending);
	WRITE_ONCE(lconn->npending, lconn->npending + 1);
	spin_unlock(&lconn->pending_lock);
	xd_reader_init(&conn->rd, tcp->sk, &xd_inet_reader_ops);
	xd_inet_hook(conn, lconn->saved_data_ready);
	xd_inet_arm_timer(conn, XD_F_HANDSHAKEN, XD_HANDSHAKE_TIMEOUT);
	err = xd_inet_send_hello(conn);
	/* The client's hello may be there already, or the client gone. */
	xd_inet_rcv_held(tcp->sk);
	xd_inet_queue(conn, &conn->rx_work);
	/*
	 * Without our HELLO sent, off the list before @lock lets the
	 * client's be handled, which could queue the child for accept().
	 */
	drop = closing || (err && xd_inet_unpend(conn));
	mutex_unlock(&conn->lock);
	if (drop)
		xd_inet_drop_pending(conn);
	return;

err_tcp:
	xd_inet_tcp_free(tcp);
}

/*
 * Take a new TCP connection into the handshake only with room for it in
 * the accept queue (as TCP takes no SYN while it is full) and among the
 * handshakes.
 */
static bool xd_inet_can_take(struct xd_inet_conn *lconn)
{
	return !sk_acceptq_is_full(&lconn->xsk->sk) &&
	       READ_ONCE(lconn->npending) < READ_ONCE(inet_max_handshakes);
}

/*
 * Every handshake place is taken while TCP holds more connections: drop
 * the oldest connection from which nothing has come (no HELLO handled,
 * no frame waiting or being delivered), so that peers that stay silent
 * cannot keep others out for the handshake timeout.  True if one was
 * dropped.
 */
static bool xd_inet_evict_oldest(struct xd_inet_conn *lconn)
{
	struct xd_inet_conn *child, *victim = NULL;

	spin_lock(&lconn->pending_lock);
	list_for_each_entry(child, &lconn->pending, pending_node) {
		if (!test_bit(XD_F_HANDSHAKEN, &child->flags) &&
		    xd_inet_rxq_idle(child)) {
			list_del_init(&child->pending_node);
			victim = child;
			break;
		}
	}
	spin_unlock(&lconn->pending_lock);
	if (!victim)
		return false;
	xd_inet_stat_inc(sock_net(&lconn->xsk->sk),
			 XD_INET_STAT_HANDSHAKES_EVICTED);
	xd_inet_drop_pending(victim);
	return true;
}

/* The listener's rx_work: take what TCP completed into the handshake. */
static void xd_inet_accept_all(struct xd_inet_conn *lconn)
{
	struct socket *tcp;
	bool evict;
	int err;

	for (;;) {
		mutex_lock(&lconn->lock);
		err = -EAGAIN;
		evict = false;
		tcp = NULL;
		if (lconn->tcp && xd_inet_can_take(lconn)) {
			err = kernel_accept(lconn->tcp, &tcp, O_NONBLOCK);
			/*
			 * What the listener accepts is its owner's.  A
			 * connection left without its file is closed.
			 */
			if (!err && xd_inet_tcp_file(tcp,
						     lconn->tcp->file->f_cred))
				tcp = NULL;
		} else if (lconn->tcp && !sk_acceptq_is_full(&lconn->xsk->sk)) {
			evict = READ_ONCE(lconn->tcp->sk->sk_ack_backlog);
		}
		mutex_unlock(&lconn->lock);
		if (evict && xd_inet_evict_oldest(lconn))
			continue;
		if (err)
			return;
		if (tcp)
			xd_inet_new_child(lconn, tcp);
	}
}

/* -- the transport's operations: process context, lock_sock(xsk) -- */

static int xd_inet_bind(struct xdiscon_sock *xsk,
			struct sockaddr_xdiscon *addr)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
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
	 * The connection exists only once bound: a socket whose bind failed
	 * may still bind to the other transport, which owns xsk->conn then.
	 */
	if (!err && !conn) {
		conn = kzalloc(sizeof(*conn), GFP_KERNEL);
		if (conn) {
			xd_inet_init_conn(conn, xsk);
			xsk->conn = conn;
		} else {
			err = -ENOMEM;
		}
	}
	if (err) {
		xd_inet_tcp_free(tcp);
		return err;
	}
	mutex_lock(&conn->lock);
	conn->tcp = tcp;
	sock_hold(&xsk->sk);			/* for the TCP socket */
	mutex_unlock(&conn->lock);
	return 0;
}

static int xd_inet_listen(struct xdiscon_sock *xsk, int backlog)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	int err;

	mutex_lock(&conn->lock);
	err = -EINVAL;
	if (conn->tcp && conn->role == XD_ROLE_NONE) {
		conn->role = XD_ROLE_LISTENER;
		xd_inet_hook(conn, NULL);
		err = kernel_listen(conn->tcp, backlog);
		if (err) {
			xd_inet_unhook(conn);
			conn->role = XD_ROLE_NONE;
		}
	}
	mutex_unlock(&conn->lock);
	return err;
}

/*
 * accept() made room in the backlog: queue the handshaken connections
 * waiting for it, then take what TCP held back.  What TCP completes later
 * calls xd_inet_data_ready() itself.
 */
static void xd_inet_accepted(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *lconn = xd_conn(xsk);
	bool held;

	xd_inet_offer(lconn);

	mutex_lock(&lconn->lock);
	held = lconn->tcp && READ_ONCE(lconn->tcp->sk->sk_ack_backlog);
	mutex_unlock(&lconn->lock);
	if (held)
		xd_inet_queue(lconn, &lconn->rx_work);
}

static int xd_inet_connect(struct xdiscon_sock *xsk,
			   const struct sockaddr_xdiscon *addr, long *timeo)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	struct sockaddr_in6 sin6;
	int err;

	xd_inet_to_sin6(addr, &sin6);
	mutex_lock(&conn->lock);
	if (!conn->tcp || conn->role != XD_ROLE_NONE) {
		mutex_unlock(&conn->lock);
		return -EINVAL;
	}
	err = xdiscon_rcv_charge_init(xsk);
	if (err) {
		mutex_unlock(&conn->lock);
		return err;
	}
	conn->role = XD_ROLE_CONN;
	xd_reader_init(&conn->rd, conn->tcp->sk, &xd_inet_reader_ops);
	xd_inet_hook(conn, NULL);
	err = kernel_connect(conn->tcp, (struct xdiscon_sockaddr *)&sin6,
			     sizeof(sin6), O_NONBLOCK);
	if (err && err != -EINPROGRESS) {
		/*
		 * Failed at once (no route, a bad address): as on TCP the
		 * socket stays bound and may connect again.
		 */
		xd_inet_unhook(conn);
		xd_reader_done(&conn->rd);
		conn->role = XD_ROLE_NONE;
		mutex_unlock(&conn->lock);
		return err;
	}
	/* TCP chose the local address and port, as getsockname() shows. */
	xd_inet_name(conn->tcp, &xsk->local, false);
	err = xd_inet_send_hello(conn);
	if (err) {
		set_bit(XD_F_RESET, &conn->flags);
		xd_inet_tcp_close(conn, true);
	} else {
		xd_inet_arm_timer(conn, XD_F_HANDSHAKEN, XD_HANDSHAKE_TIMEOUT);
		err = -EINPROGRESS;
	}
	mutex_unlock(&conn->lock);
	return err;
}

/*
 * Queue one frame for TCP and push.  Consumes @skb; -EPIPE once the
 * connection is reset or its TCP socket is gone.
 */
static int xd_inet_queue_frame(struct xdiscon_sock *xsk, struct sk_buff *skb,
			       u8 type)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	int err = 0;

	mutex_lock(&conn->lock);
	if (!conn->tcp || test_bit(XD_F_RESET, &conn->flags)) {
		err = -EPIPE;
	} else {
		xd_inet_frame(skb, type);
		__skb_queue_tail(&conn->txq, skb);
		skb = NULL;
		xd_inet_push(conn);
	}
	mutex_unlock(&conn->lock);
	kfree_skb(skb);
	return err;
}

static int xd_inet_xmit(struct xdiscon_sock *xsk, struct sk_buff *skb)
{
	return xd_inet_queue_frame(xsk, skb, XD_FRAME_DATA);
}

/* The core calls this once: it sets SEND_SHUTDOWN under the socket lock. */
static void xd_inet_send_disconnect(struct xdiscon_sock *xsk,
				    struct sk_buff *data)
{
	xd_inet_queue_frame(xsk, data, XD_FRAME_DISCONNECT);
}

static void xd_inet_abort(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);

	if (!conn)
		return;
	mutex_lock(&conn->lock);
	xd_inet_reset_locked(conn, false, 0);
	mutex_unlock(&conn->lock);
}

/* Bytes not yet acknowledged by the peer's TCP, frame headers included. */
static size_t xd_inet_tx_queued(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	struct sk_buff *skb;
	size_t bytes = 0;

	mutex_lock(&conn->lock);
	skb_queue_walk(&conn->txq, skb)
		bytes += XD_HDR_LEN + skb->len - XD_TX_CB(skb)->sent;
	if (conn->tcp) {
		struct tcp_sock *tp = tcp_sk(conn->tcp->sk);

		bytes += READ_ONCE(tp->write_seq) - READ_ONCE(tp->snd_una);
	}
	mutex_unlock(&conn->lock);
	return bytes;
}

/* Everything, the disconnect and the FIN, acknowledged by the peer. */
static bool xd_inet_tx_done(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	bool done;

	mutex_lock(&conn->lock);
	if (test_bit(XD_F_RESET, &conn->flags) || !conn->tcp) {
		done = true;
	} else if (!test_bit(XD_F_FIN_SENT, &conn->flags)) {
		done = false;
	} else {
		struct tcp_sock *tp = tcp_sk(conn->tcp->sk);

		done = READ_ONCE(tp->snd_una) == READ_ONCE(tp->write_seq);
	}
	mutex_unlock(&conn->lock);
	return done;
}

static void xd_inet_consumed(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);

	/* The room the reader made is visible before rxq is looked at. */
	smp_mb();
	if (!skb_queue_empty_lockless(&conn->rxq))
		xd_inet_queue(conn, &conn->rx_work);
}

/*
 * See xd_inet_handoff(): the reader's turn to read frames, also what arrives
 * meanwhile (TCP's backlog, at release_sock()).  The mutex keeps @tcp
 * from a reset's close while the frame reader runs under its lock.
 */
static void xd_inet_pull(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	struct sock *sk;

	mutex_lock(&conn->lock);
	if (conn->tcp) {
		sk = conn->tcp->sk;
		lock_sock(sk);
		WRITE_ONCE(conn->puller, current);
		xd_inet_rcv(conn, sk);
		release_sock(sk);
		WRITE_ONCE(conn->puller, NULL);
	}
	mutex_unlock(&conn->lock);
}

/*
 * close(): what is queued still goes out, then the disconnect and FIN;
 * the connection stays until the peer's end of stream arrives (or
 * inet_close_timeout), so that its answer does not meet a RST.
 */
static void xd_inet_release(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);
	bool run;

	if (!conn)
		return;
	mutex_lock(&conn->lock);
	if (conn->role == XD_ROLE_CONN && conn->tcp && xd_inet_clean_end(conn))
		set_bit(XD_F_EOF, &conn->flags);
	set_bit(XD_F_RELEASED, &conn->flags);
	if (conn->role == XD_ROLE_CONN && conn->tcp) {
		xd_inet_maybe_finish(conn);
		if (conn->tcp)
			xd_inet_arm_timer(conn, XD_F_RELEASED,
					  READ_ONCE(inet_close_timeout) * HZ);
	}
	run = conn->role == XD_ROLE_CONN && conn->tcp;
	mutex_unlock(&conn->lock);
	/* A frame reader paused for a full receive queue runs on, to the end. */
	if (run)
		xd_inet_queue(conn, &conn->rx_work);
}

/* A listener or a bound socket gives its TCP socket back. */
static void xd_inet_unbind(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk), *child;

	if (!conn || conn->role == XD_ROLE_CONN)
		return;
	mutex_lock(&conn->lock);
	xd_inet_tcp_close(conn, false);
	mutex_unlock(&conn->lock);

	spin_lock(&conn->pending_lock);
	conn->closing = true;
	spin_unlock(&conn->pending_lock);
	/*
	 * Each child comes off the list under the lock, one at a time:
	 * whoever takes it off (here, its handshake, its timer) owns the
	 * list's reference, and a child moved to a private list would
	 * still look listed to the others.
	 */
	for (;;) {
		spin_lock(&conn->pending_lock);
		child = list_first_entry_or_null(&conn->pending,
						 struct xd_inet_conn,
						 pending_node);
		if (child)
			list_del_init(&child->pending_node);
		spin_unlock(&conn->pending_lock);
		if (!child)
			break;
		xd_inet_drop_pending(child);
	}
}

static void xd_inet_destruct(struct xdiscon_sock *xsk)
{
	struct xd_inet_conn *conn = xd_conn(xsk);

	WARN_ON_ONCE(conn->tcp);
	__skb_queue_purge(&conn->txq);
	xd_inet_rxq_purge(conn);
	if (conn->listener)
		sock_put(&conn->listener->sk);
	mutex_destroy(&conn->lock);
	kfree(conn);
}

/* -- per network namespace: net.xdiscon.inet_needs_cap_net_raw -- */

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
