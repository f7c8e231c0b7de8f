/* SPDX-License-Identifier: GPL-2.0 */
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
 *   With a reader in recvmsg() or splice() and bulk data in TCP,
 *   data_ready() leaves the frames to it: the reader runs the frame reader in its own
 *   context (xd_inet_pull()).
 * - conn->rx_work (xd_inet_wq, process context) delivers frames into the
 *   xdiscon socket, runs the handshake, notices the peer's end of stream
 *   and TCP errors.
 * - listener->accept_work (xd_inet_wq, process context) accepts new TCP
 *   connections into the handshake.
 * - conn->tx_work pushes conn->txq into TCP when TCP has room again.
 * - conn->timer_work ends a handshake or a background close that takes
 *   too long.
 * - The core's entry points run in process context under lock_sock() of
 *   the xdiscon socket.
 * Every queued work holds a reference on the xdiscon socket; the socket
 * holds one more on itself while its TCP socket exists (the callbacks
 * use the connection or listener then), so the transport's state, struct
 * xd_inet_sock and its listener and connection, lives as long as its
 * socket.
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
 *
 * Files: inet.c sets up and tears down the TCP socket and holds the
 * transport's operations and per-namespace state; inet_rx.c the TCP
 * callbacks, the frames the reader hands over and rx_work; inet_tx.c
 * transmit and resets; inet_listen.c the listener, its pending children
 * and the handshake; inet_wire.c the wire format and the frame reader.
 */
#ifndef _XDISCON_INET_H
#define _XDISCON_INET_H

#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include "xdiscon.h"
#include "inet_wire.h"

#define XD_HANDSHAKE_TIMEOUT	(10 * HZ)

/* Counters per network namespace, in /proc/net/xdiscon_stat. */
enum xd_inet_stat {
	XD_INET_STAT_PROTO_ERRORS,	/* bad frame, version, EOF */
	XD_INET_STAT_HANDSHAKE_TIMEOUTS, /* no hello in time */
	XD_INET_STAT_BG_CLOSE_TIMEOUTS,	/* background close gave up */
	XD_INET_STAT_READER_FRAMES,	/* frames a reader parsed */
	XD_INET_STAT_HANDSHAKES_EVICTED, /* silent handshake dropped */
	XD_INET_STAT_MAX
};

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
	XD_F_ABORTING,		/* our ABORT is queued: the peer resets */
	XD_F_ABORT_RCVD,	/* the frame reader read the peer's ABORT */
};

struct xd_inet_listener;
struct xd_inet_conn;

/*
 * struct xd_inet_sock - the transport's state for one xdiscon socket
 * (its xsk->conn), from a bind that succeeds until the socket is freed:
 * the TCP socket, and the listener or connection it serves.  A socket
 * the listener's accept_work creates for a new TCP connection gets one
 * at once, serving that connection.
 * @lock: serialises the transport's operations (process context only):
 *	@tcp, @role, a connection's txq and the teardown.  Taken after
 *	lock_sock() of @xsk, before lock_sock() of @tcp.
 * @xsk: the xdiscon socket; this lives as long as it does.
 * @tcp: the kernel TCP socket, NULL once closed; @lock.
 * @role: what @tcp serves: nothing yet (bound), the listener or the
 *	connection; written with WRITE_ONCE() under lock_sock() of @xsk and
 *	@lock (an accepted socket's before the socket is published), read
 *	under either, or by the works locklessly.  A listen() or connect()
 *	that fails at once sets it back to nothing.
 * @listener: the listener's state, set under lock_sock() and @lock by the
 *	first listen() and stable from then until the socket is freed.
 * @conn: the connection's state, set under lock_sock() and @lock by the
 *	first connect() (before the socket is published, for an accepted
 *	one) and stable from then until the socket is freed.  A connect that failed at once
 *	may be followed by listen(), so both may be set; the connection's
 *	works may still run then, and find no TCP socket (xd_conn_tcp()).
 * @saved_*: @tcp's callbacks before the transport hooked them; written
 *	under @tcp's sk_callback_lock, while @lock is held; stable while
 *	hooked.
 * @keep_work: gives @tcp the socket's keepalive settings where they
 *	changed in a context that may not sleep (xd_inet_wq, process
 *	context).
 */
struct xd_inet_sock {
	struct mutex lock;	/* see above */
	struct xdiscon_sock *xsk;
	struct socket *tcp;
	u8 role;
	struct xd_inet_listener *listener;
	struct xd_inet_conn *conn;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	struct work_struct keep_work;
};

/*
 * struct xd_inet_listener - a listening socket's state
 * @s: the socket's transport state; its @tcp listens.
 * @accept_work: takes what TCP completed into the handshake (xd_inet_wq,
 *	process context).
 */
struct xd_inet_listener {
	struct xd_inet_sock *s;
	struct work_struct accept_work;
};

/*
 * struct xd_inet_conn - a connection's state
 * @s: the socket's transport state; its @tcp carries the connection
 *	(xd_conn_tcp()), its @lock guards what this comment says @lock.
 * @xsk: @s->xsk.
 * @flags: XD_F_* bits, atomic.
 * @rd: the frame reader over @s->tcp; under that TCP socket's lock.  Set
 *	up before the callbacks are hooked.
 * @rxq: read frames for @rx_work; its own lock (_bh: @rd may
 *	run in softirq); @rxq_bytes counts their truesize under it, and
 *	@rx_busy says @rx_work holds a frame it took off @rxq.
 * @puller: the task in xd_inet_pull(), which owns @s->tcp's lock meanwhile;
 *	written by it (under @lock), compared with current by the frame
 *	reader's callbacks while it is owned: equal only in the pull's own
 *	context.
 * @rcvbuf: the limit of the socket's receive queue and of @rxq: SO_RCVBUF,
 *	or while the user has not set it, at least what TCP's receive
 *	autotuning gave @s->tcp (tcp_rmem, and two frames at least: see
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
 * @version: the wire version: on the connecting side the one its HELLO
 *	offers until the listener's HELLO arrives, then the one both speak;
 *	on the listening side the one its answer names.  Written under
 *	@lock before XD_F_HANDSHAKEN is set, stable after it.
 * @parent: for a connection accepted on the listening side, the
 *	listening socket (a sock reference), on whose pending children (the
 *	core's, accept.c) it waits during its handshake; NULL on the
 *	connecting side.  Set before the connection is published.
 */
struct xd_inet_conn {
	struct xd_inet_sock *s;
	struct xdiscon_sock *xsk;
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
	u8 version;
	struct xdiscon_sock *parent;
};

/*
 * @conn's TCP socket: NULL once closed, or when the socket does not serve
 * @conn (a connect that failed at once left it bound, or it listens
 * since).  Under @conn->s->lock.
 */
static inline struct socket *xd_conn_tcp(const struct xd_inet_conn *conn)
{
	return conn->s->role == XD_ROLE_CONN ? conn->s->tcp : NULL;
}

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

static inline struct xd_inet_sock *xd_inet_sk(struct xdiscon_sock *xsk)
{
	return xsk->conn;
}

/* Under lock_sock() of @xsk, or once its connection is published. */
static inline struct xd_inet_conn *xd_conn(struct xdiscon_sock *xsk)
{
	struct xd_inet_sock *s = xd_inet_sk(xsk);

	return s ? s->conn : NULL;
}

/* Of a listening socket. */
static inline struct xd_inet_listener *xd_listener(struct xdiscon_sock *xsk)
{
	return xd_inet_sk(xsk)->listener;
}

/*
 * Under sk_callback_lock: the connection or listener @sk's callbacks
 * belong to, or NULL.
 */
static inline void *xd_inet_owner_of(const struct sock *sk)
{
	return (void *)((uintptr_t)sk->sk_user_data & SK_USER_DATA_PTRMASK);
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

extern const struct xdiscon_transport xdiscon_inet_transport;

/* inet.c */
void xd_inet_stat_inc(struct net *net, enum xd_inet_stat stat);
void xd_inet_queue(struct xdiscon_sock *xsk, struct work_struct *w);
void xd_inet_mem_retry(struct xd_inet_conn *conn);
void xd_inet_arm_timer(struct xd_inet_conn *conn, int kind,
		       unsigned long delay);
void xd_inet_disarm_timer(struct xd_inet_conn *conn);
int xd_inet_name(struct socket *tcp, struct sockaddr_xdiscon *a,
		 bool peer);
int xd_inet_tcp_file(struct socket *tcp, const struct cred *cred);
void xd_inet_tcp_free(struct socket *tcp);
void xd_inet_tcp_close(struct xd_inet_sock *s, bool abortive);
void xd_inet_conn_close(struct xd_inet_conn *conn, bool abortive);
struct xd_inet_sock *xd_inet_sock_alloc(struct xdiscon_sock *xsk);
void xd_inet_sock_free(struct xd_inet_sock *s);
struct xd_inet_conn *xd_inet_conn_alloc(struct xd_inet_sock *s);
int xd_inet_redial(struct xd_inet_conn *conn, u8 version);
void xd_inet_tcp_keepalive(struct socket *tcp,
			   const struct xdiscon_sock *xsk, bool on);

/* inet_rx.c */
void xd_inet_frame_room(struct sock *sk);
void xd_inet_rcv_held(struct sock *sk);
bool xd_inet_rxq_idle(struct xd_inet_conn *conn);
extern const struct xd_reader_ops xd_inet_reader_ops;
void xd_inet_hook(struct xd_inet_sock *s, void *owner,
		  void (*tcp_data_ready)(struct sock *sk));
void xd_inet_unhook(struct xd_inet_sock *s);
bool xd_inet_clean_end(struct xd_inet_conn *conn);
void xd_inet_rx_work(struct work_struct *w);
void xd_inet_consumed(struct xdiscon_sock *xsk);
void xd_inet_pull(struct xdiscon_sock *xsk);

/* inet_tx.c */
void xd_inet_fault_init(void);
void xd_inet_fault_exit(void);
void xd_inet_tx_work(struct work_struct *w);
int xd_inet_send_hello(struct xd_inet_conn *conn);
void xd_inet_reset_locked(struct xd_inet_conn *conn, bool notify,
			  int err);
void xd_inet_reset(struct xd_inet_conn *conn, int err);
void xd_inet_protocol_error(struct xd_inet_conn *conn, int rule);
void xd_inet_maybe_finish(struct xd_inet_conn *conn);
int xd_inet_xmit(struct xdiscon_sock *xsk, struct sk_buff *skb);
void xd_inet_send_disconnect(struct xdiscon_sock *xsk,
			     struct sk_buff *data);
void xd_inet_send_abort(struct xd_inet_conn *conn, struct sk_buff *data);
size_t xd_inet_tx_queued(struct xdiscon_sock *xsk);
bool xd_inet_tx_done(struct xdiscon_sock *xsk);

/* inet_listen.c */
bool xd_inet_unpend(struct xd_inet_conn *conn);
void xd_inet_drop_pending(struct xd_inet_conn *conn);
bool xd_inet_client_hello_direct(struct xd_inet_conn *conn,
				 struct sk_buff *skb);
void xd_inet_hello(struct xd_inet_conn *conn, struct sk_buff *skb);
int xd_inet_listen(struct xdiscon_sock *xsk, int backlog);
void xd_inet_accepted(struct xdiscon_sock *xsk);

#endif /* _XDISCON_INET_H */
