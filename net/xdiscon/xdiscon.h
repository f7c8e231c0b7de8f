/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the xdiscon module: the core (socket API, state,
 * disconnect data, linger, poll) and the transports behind
 * struct xdiscon_transport, which only move bytes and signals.
 *
 * Contexts and locks
 * ------------------
 * All entry points run in process context.  A transport delivers from
 * process context (the sender's, into the receiver's queue), from softirq
 * (callbacks of the sockets it runs over) or from its own workqueue, or
 * leaves the work to a reader in recvmsg() or splice(), which does it
 * through the transport's pull() (xdiscon_rcv_handoff()); each transport's
 * file says which (local.c, inet.h).  The only core lock taken in softirq
 * is sk->sk_receive_queue.lock, so everyone takes it with _bh.
 *
 * Lock order: a pipe's mutex (splice() and sendfile(), as for TCP) ->
 * lock_sock(sk) -> the transport's connection lock (and what a transport
 * takes under it: see its file) -> a listener's pending_lock ->
 * sk->sk_receive_queue.lock (and a transport's own _bh queue locks).
 * A task holds at most one xdiscon socket lock; transports never take the
 * peer's socket lock, they deliver through the xdiscon_rcv_*() helpers,
 * which take only the receive queue lock.  The per-namespace tables' locks
 * (a transport's port table, the /proc xarray's xa_lock) are taken under
 * lock_sock() at most; the /proc walk takes sk_receive_queue.lock under
 * xa_lock, never the reverse.  xa_lock is not BH-safe: sockets enter and
 * leave the table only in process context (the last sock_put() of an
 * xdiscon socket is a task's or a worker's, never a softirq's: TCP's
 * callbacks run under a reference the socket holds for itself while they
 * are hooked).
 *
 * The lock of xsk->rmem's sk_receive_queue, which guards the receive
 * charge (xdiscon_rcv_charge()), is a leaf: taken with no skb freed
 * under it, possibly under the TCP socket's lock.
 *
 * Refcounts: a socket holds its transport connection; the connection holds
 * a sock reference on each end still attached.  An skb sent by a socket
 * is charged to it (sk_wmem_alloc) until the reader frees it; an skb a
 * transport receives from elsewhere (another socket's queue) is charged
 * to the receiver's xsk->rmem from the moment it is taken.
 */
#ifndef _XDISCON_H
#define _XDISCON_H

#include <net/sock.h>
#include <net/tcp_states.h>
#include <linux/xdiscon.h>

/*
 * Connection states, in sk->sk_state.  Written under lock_sock(), or,
 * for a child no task can reach yet, under its listener's receive queue
 * lock as xdiscon_publish_child() queues it; read locklessly by poll()
 * and /proc through READ_ONCE().  A listener's is
 * TCP's value, as AF_UNIX's and vsock's are: the socket layer tests it
 * for SO_ACCEPTCONN.
 */
enum xdiscon_state {
	XDISCON_UNCONNECTED = 1,
	XDISCON_CONNECTED = 3,
	XDISCON_CLOSED = 4,	/* reset, released, or connect failed */
	XDISCON_CONNECTING = 5,	/* transport set-up in progress (inet) */
	XDISCON_LISTEN = TCP_LISTEN,
};

/* How the receive direction ended (xdiscon_sock.rx_end). */
enum xdiscon_rx_end {
	XDISCON_RX_OPEN,
	XDISCON_RX_DISCONNECT,	/* the peer's disconnect arrived */
	XDISCON_RX_RESET,	/* the connection was reset */
};

/* Why a connection was reset (the xdiscon_reset tracepoint). */
enum xdiscon_reset_cause {
	XDISCON_RESET_PEER,		/* the peer, or its transport, reset */
	XDISCON_RESET_ABORT,		/* close() with SO_LINGER {1, 0} */
	XDISCON_RESET_LINGER,		/* a lingering close gave up */
	XDISCON_RESET_CONNECTING,	/* closed while connecting */
	XDISCON_RESET_UNACCEPTED,	/* listener closed, it in the queue */
	XDISCON_RESET_FAILED,		/* the transport's link failed */
};

/* How a lingering close ended (the xdiscon_linger tracepoint). */
enum xdiscon_linger_result {
	XDISCON_LINGER_DELIVERED,	/* the peer's transport took it all */
	XDISCON_LINGER_TIMEOUT,
	XDISCON_LINGER_INTERRUPTED,	/* a signal */
	XDISCON_LINGER_RESET,		/* the connection was reset meanwhile */
};

struct seq_file;
struct xdiscon_sock;

/*
 * struct xdiscon_transport - what a transport does for the core
 *
 * Once each, in process context, with no socket in existence:
 * @init: (optional) module load, before the family is registered.
 * @exit: (optional) module unload, after the family is unregistered and
 *	the last socket freed; undoes @init.
 *
 * Any context a /proc read runs in, no locks held:
 * @stat_show: (optional) the transport's counters for @net, a
 *	"Name: value" line each, in /proc/net/xdiscon_stat.
 *
 * The rest are called under lock_sock() of the socket named, in process
 * context.
 * @id: the XDISCON_TRANSPORT_* value addresses name it by.
 * @bind: claim @addr's port (0: ephemeral) and fill in the bound address.
 * @name: shown in /proc/net/xdiscon.
 * @max_record: largest SOCK_SEQPACKET record, 0 for no limit of its own.
 * @max_chunk: largest skb a stream send builds; 0 for a linear part and
 *	32 KiB of pages, as AF_UNIX.
 * @listen: start accepting connections on the bound port.
 * @connect: connect to @addr; 0 when the socket is connected and a peer
 *	end exists (the local transport completes at once), or -EINPROGRESS
 *	when the transport completes later through xdiscon_connect_done().
 *	On either, @local holds the address the connection goes from: the
 *	bound one, or the one the transport chose in its place.
 * @xmit: take @skb (a record or a chunk of the stream) for sending;
 *	returns 0 or -EPIPE when the peer can take no more data.
 * @send_disconnect: after everything xmitted, send the disconnect with
 *	@data (may be NULL for none); never blocks.
 * @abort: reset the connection: drop what is pending, the peer sees
 *	ECONNRESET.  With @data (XDISCON_CMSG_ABORT; consumed), the peer
 *	gets it (xdiscon_rcv_abort()) before the reset: 0, or -EOPNOTSUPP
 *	with nothing done when the connection cannot carry it.  Without,
 *	always 0.
 * @keepalive: (optional) apply SO_KEEPALIVE, @on, and the socket's
 *	keepalive times (@keepidle, @keepintvl, @keepcnt) to what carries
 *	the connection; a transport that has nothing to lose silently has
 *	none.  Also called where it may not sleep, from a BPF program's
 *	bpf_setsockopt(SO_KEEPALIVE) (has_current_bpf_ctx()), the socket
 *	locked: then it must apply them later.
 * @accepted: (optional) accept() took a connection off the queue.
 * @tx_queued: bytes of data not yet taken by the peer's transport.
 * @tx_done: the peer's transport has taken all data and the disconnect
 *	(or the connection was reset): what a lingering close waits for.
 * @consumed: the reader freed receive space; pull more from the peer.
 * @pull: (optional) receive work a transport left to the readers
 *	(xdiscon_rcv_handoff()): do it now, in the reader's context (process
 *	context, lock_sock()).
 * @release: the socket is going away; detach (the transport finishes a
 *	graceful close in the background).
 * @unbind: give the port back.
 * @destruct: the socket is being freed (any context the last sock_put()
 *	runs in, no locks held): drop what @conn holds for it.
 */
struct xdiscon_transport {
	u16 id;
	const char *name;
	unsigned int max_record;
	unsigned int max_chunk;
	int (*init)(void);
	void (*exit)(void);
	void (*stat_show)(struct seq_file *seq, struct net *net);
	int (*bind)(struct xdiscon_sock *xsk, struct sockaddr_xdiscon *addr);
	int (*listen)(struct xdiscon_sock *xsk, int backlog);
	void (*accepted)(struct xdiscon_sock *xsk);
	int (*connect)(struct xdiscon_sock *xsk,
		       const struct sockaddr_xdiscon *addr, long *timeo,
		       struct sockaddr_xdiscon *local);
	int (*xmit)(struct xdiscon_sock *xsk, struct sk_buff *skb);
	void (*send_disconnect)(struct xdiscon_sock *xsk, struct sk_buff *data);
	int (*abort)(struct xdiscon_sock *xsk, struct sk_buff *data);
	void (*keepalive)(struct xdiscon_sock *xsk, bool on);
	size_t (*tx_queued)(struct xdiscon_sock *xsk);
	bool (*tx_done)(struct xdiscon_sock *xsk);
	void (*consumed)(struct xdiscon_sock *xsk);
	void (*pull)(struct xdiscon_sock *xsk);
	void (*release)(struct xdiscon_sock *xsk);
	void (*unbind)(struct xdiscon_sock *xsk);
	void (*destruct)(struct xdiscon_sock *xsk);
};

/*
 * Per-skb state in skb->cb of a queued data skb: its data are the bytes
 * [@consumed, @end) of the skb.  A stream reader advances @consumed; a
 * transport may deliver an skb whose data start after a frame header
 * (@consumed > 0) or end before its last byte (@end < skb->len).
 */
struct xdiscon_skb_cb {
	u32 consumed;
	u32 end;
};

#define XDISCON_SKB_CB(skb) ((struct xdiscon_skb_cb *)((skb)->cb))

/* Bytes of @skb not read yet. */
static inline u32 xdiscon_skb_unread(const struct sk_buff *skb)
{
	const struct xdiscon_skb_cb *cb = XDISCON_SKB_CB(skb);

	return cb->end - READ_ONCE(cb->consumed);
}

/*
 * struct xdiscon_sock - an AF_XDISCON socket
 * @sk: the generic socket; must stay first (xdiscon_sk() casts).
 * @transport: set by a bind that succeeds (connect binds first), or
 *	before an accepted socket is published; lock_sock().
 * @local: bound address, or once connected the address the connection
 *	goes from (see @connect in struct xdiscon_transport); lock_sock().
 * @remote: the peer's address; lock_sock().
 * @bound: @local holds a port; lock_sock().
 * @discdata: what shutdown(SHUT_WR) or close() sends (XDISCON_DISCDATA),
 *	an skb holding the bytes, or NULL; lock_sock().
 * @discdata_len: @discdata's length for /proc; WRITE_ONCE() with it.
 * @rx_end: how the receive direction ended (enum xdiscon_rx_end);
 *	written under sk_receive_queue.lock, read with READ_ONCE().
 * @peer_disc: the peer's disconnect data, kept until close; set once
 *	under sk_receive_queue.lock before @rx_end becomes
 *	XDISCON_RX_DISCONNECT (smp_store_release), read after it; freed at
 *	close under the same lock (xdiscon_sk_purge()).
 * @peer_abort: the data of the peer's abort, kept until close; set once
 *	under sk_receive_queue.lock before @rx_end becomes XDISCON_RX_RESET
 *	(smp_store_release), read after it; freed at close under the same
 *	lock (xdiscon_sk_purge()).
 * @rx_bytes: truesize of the skbs in sk_receive_queue; written under
 *	sk_receive_queue.lock with WRITE_ONCE(), read locklessly by
 *	transports (room) and /proc.
 * @rx_seq: skbs ever queued on sk_receive_queue, so that a reader can
 *	wait for new data with data still queued (MSG_PEEK); written under
 *	sk_receive_queue.lock with WRITE_ONCE(), read locklessly.
 * @rx_readers: readers in recvmsg() or splice(); atomic.
 * @rx_sleepers: readers asleep in recvmsg() or splice(); atomic.
 * @rmem: the sock a transport's received skbs are charged to (see
 *	xdiscon_rcv_charge()), or NULL; set before the transport charges
 *	(under lock_sock() at connect, before the child is published at
 *	accept), freed at destruction.
 * @rx_handoff: bit XDISCON_RX_HANDOFF: a transport left receive work to
 *	the readers; atomic bitops, cleared by whoever does the work (see
 *	xdiscon_rcv_handoff()).
 * @backlog_wait: connects waiting for room in this listener's accept
 *	queue; part of the sock, so a connector's sock reference keeps it
 *	alive when the listener's socket file goes away.
 * @accept_q: connections waiting for accept() (listeners), linked by
 *	@accept_node; under sk_receive_queue.lock of the listener.
 * @accept_node: link in the listener's @accept_q.
 * @listener: the listener whose queue holds this child, NULL once
 *	accepted; under the listener's sk_receive_queue.lock.
 * @pending: a listener's pending children, connections a transport took
 *	but has not established yet (accept.c), linked by their
 *	@pending_node; @pending_lock.
 * @pending_node: link in the listener's @pending; the listener's
 *	@pending_lock.
 * @pending_lock: a listener's; guards @pending, its children's
 *	@pending_node, @pending_closing and the writes of @npending.
 *	Process context only.
 * @npending: the listener's pending children, counted from
 *	xdiscon_pending_add() to their publishing or xdiscon_pending_done();
 *	written under @pending_lock with WRITE_ONCE(), read locklessly.
 * @pending_closing: the listener has begun to empty @pending: nothing
 *	joins it any more; @pending_lock.
 * @keepidle: TCP_KEEPIDLE, seconds, as set; 0 for the namespace's
 *	net.ipv4.tcp_keepalive_time; written under lock_sock() with
 *	WRITE_ONCE(), read under it or locklessly (a new child's copy).
 * @keepintvl: TCP_KEEPINTVL likewise (tcp_keepalive_intvl).
 * @keepcnt: TCP_KEEPCNT likewise (tcp_keepalive_probes).
 * @proc_id: this socket's index in its namespace's table for /proc
 *	(proc.c), 0 for none; set before the socket is published.
 * The transport's own fields, which the core writes only in
 * xdiscon_child_init(), for the transport:
 * @conn: the transport's state for the socket, set under lock_sock() at
 *	bind or connect (an accepted socket's through xdiscon_child_init())
 *	and kept until the socket is destroyed; the local transport clears
 *	it again when its connect fails.
 * @conn_side: which end of @conn this socket is.
 * @bind_node: link in the transport's port table; the table's lock.
 * @bind_port: the port @bind_node is filed under, host order; the
 *	table's lock.
 */
struct xdiscon_sock {
	struct sock sk;
	const struct xdiscon_transport *transport;
	struct sockaddr_xdiscon local;
	struct sockaddr_xdiscon remote;
	bool bound;
	struct sk_buff *discdata;
	unsigned int discdata_len;
	u8 rx_end;
	struct sk_buff *peer_disc;
	struct sk_buff *peer_abort;
	unsigned int rx_bytes;
	u32 rx_seq;
	atomic_t rx_readers;
	atomic_t rx_sleepers;
	struct sock *rmem;
	unsigned long rx_handoff;
	wait_queue_head_t backlog_wait;
	struct list_head accept_q;
	struct list_head accept_node;
	struct xdiscon_sock *listener;
	struct list_head pending;
	struct list_head pending_node;
	spinlock_t pending_lock;	/* see above */
	unsigned int npending;
	bool pending_closing;
	int keepidle;
	int keepintvl;
	int keepcnt;
	void *conn;
	u8 conn_side;
	struct hlist_node bind_node;
	u16 bind_port;
	u32 proc_id;
};

#define XDISCON_RX_HANDOFF	0	/* bit in @rx_handoff */

/* @xsk's transport's id, or 0 before its bind; any context. */
static inline u16 xdiscon_transport_id(const struct xdiscon_sock *xsk)
{
	const struct xdiscon_transport *t = READ_ONCE(xsk->transport);

	return t ? t->id : 0;
}

/*
 * Set a socket's own address (@local or @remote) to @src.  /proc reads
 * the port locklessly: it is written with WRITE_ONCE().
 */
static inline void xdiscon_set_addr(struct sockaddr_xdiscon *dst,
				    const struct sockaddr_xdiscon *src)
{
	dst->sxd_family = src->sxd_family;
	dst->sxd_transport = src->sxd_transport;
	dst->sxd_flags = src->sxd_flags;
	memcpy(dst->sxd_addr, src->sxd_addr, sizeof(dst->sxd_addr));
	dst->sxd_scope_id = src->sxd_scope_id;
	WRITE_ONCE(dst->sxd_port, src->sxd_port);
}

static inline struct xdiscon_sock *xdiscon_sk(const struct sock *sk)
{
	return (struct xdiscon_sock *)sk;
}

/* af_xdiscon.c */
int xdiscon_family(void);
struct sock *xdiscon_sk_alloc(struct net *net, int type, int kern);
struct sock *xdiscon_sk_alloc_child(struct xdiscon_sock *listener);
void xdiscon_peercred_current(struct sock *sk);
void xdiscon_peercred_copy(struct sock *sk, struct sock *from);
void xdiscon_connect_done(struct xdiscon_sock *xsk, int err);
void xdiscon_set_state(struct xdiscon_sock *xsk, int state);

/* accept.c */
int xdiscon_listen(struct socket *sock, int backlog);
struct xdiscon_sock *xdiscon_dequeue_child(struct xdiscon_sock *l);
int xdiscon_publish_child(struct xdiscon_sock *listener,
			  struct xdiscon_sock *child);
bool xdiscon_pending_add(struct xdiscon_sock *listener,
			 struct xdiscon_sock *child);
bool xdiscon_pending_remove(struct xdiscon_sock *listener,
			    struct xdiscon_sock *child);
void xdiscon_pending_done(struct xdiscon_sock *listener);
unsigned int xdiscon_pending_count(struct xdiscon_sock *listener);
struct xdiscon_sock *
xdiscon_pending_take(struct xdiscon_sock *listener, bool closing,
		     bool (*pred)(struct xdiscon_sock *child));
unsigned int xdiscon_pending_publish(struct xdiscon_sock *listener,
				     bool (*ready)(struct xdiscon_sock *child));
void xdiscon_child_init(struct xdiscon_sock *child,
			const struct xdiscon_transport *t, void *conn, u8 side,
			const struct sockaddr_xdiscon *local,
			const struct sockaddr_xdiscon *remote);

/* data.c */
int xdiscon_sendmsg(struct socket *sock, struct msghdr *msg, size_t len);
bool xdiscon_rcv_room(struct xdiscon_sock *xsk, unsigned int truesize,
		      unsigned int limit);
void xdiscon_rcv_charge_setup(void);
int xdiscon_rcv_charge_init(struct xdiscon_sock *xsk);
void xdiscon_rcv_charge_exit(struct xdiscon_sock *xsk);
bool xdiscon_rcv_charge(struct xdiscon_sock *xsk, struct sk_buff *skb);
void xdiscon_rcv_skb(struct xdiscon_sock *xsk, struct sk_buff *skb);
void xdiscon_rcv_disconnect(struct xdiscon_sock *xsk, struct sk_buff *data);
void xdiscon_rcv_reset(struct xdiscon_sock *xsk, int err);
void xdiscon_rcv_abort(struct xdiscon_sock *xsk, struct sk_buff *data);
int xdiscon_send_disconnect(struct xdiscon_sock *xsk, struct sk_buff *data);
int xdiscon_send_set_disconnect(struct xdiscon_sock *xsk);

/* recv.c */
struct pipe_inode_info;
int xdiscon_recvmsg(struct socket *sock, struct msghdr *msg, size_t len,
		    int flags);
ssize_t xdiscon_splice_read(struct socket *sock, loff_t *ppos,
			    struct pipe_inode_info *pipe, size_t len,
			    unsigned int flags);
bool xdiscon_rcv_handoff(struct xdiscon_sock *xsk);
void xdiscon_rcv_purge(struct xdiscon_sock *xsk);

/* discdata.c */
extern unsigned int xdiscon_max_discdata;
int xdiscon_set_max_discdata(const char *val);
struct sk_buff *xdiscon_discdata_alloc(struct sock *sk, sockptr_t data,
				       unsigned int len);
int xdiscon_cmsg_disconnect(struct sock *sk, struct msghdr *msg,
			    struct sk_buff **data, bool *abort);
int xdiscon_put_peer_discdata(struct xdiscon_sock *xsk, struct msghdr *msg);
int xdiscon_setsockopt(struct socket *sock, int level, int optname,
		       sockptr_t optval, unsigned int optlen);
int xdiscon_getsockopt(struct socket *sock, int level, int optname,
		       char __user *optval, int __user *optlen);
int xdiscon_put_data(const void *data, int len, char __user *optval,
		     int __user *optlen);

/* keepalive.c */
void xdiscon_proto_keepalive(struct sock *sk, int valbool);
int xdiscon_tcp_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			   unsigned int optlen);
int xdiscon_tcp_getsockopt(struct sock *sk, int optname,
			   char __user *optval, int __user *optlen);
void xdiscon_keepalive_inherit(struct xdiscon_sock *child,
			       const struct xdiscon_sock *listener);

/* transports.c: the transports the module is built with. */
extern const struct xdiscon_transport *const xdiscon_transports[];
extern const unsigned int xdiscon_ntransports;

/* proc.c */
int xdiscon_proc_add(struct xdiscon_sock *xsk);
void xdiscon_proc_del(struct xdiscon_sock *xsk);
int xdiscon_proc_init(void);
void xdiscon_proc_exit(void);

#endif /* _XDISCON_H */
