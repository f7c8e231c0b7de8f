// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/xdiscon: one line per socket of the reader's network
 * namespace, like /proc/net/unix.  It shows lengths of disconnect data,
 * never the data itself.  /proc/net/xdiscon_stat: the namespace's
 * counters, one "Name: value" line each, which each transport prints
 * for itself (->stat_show).
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/xarray.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "xdiscon.h"

/*
 * Per network namespace: the sockets by index (proc_id), which a /proc
 * reader walks in index order under the table's lock, and resumes from
 * an index after each chunk it returns, without walking what it already
 * showed.
 */
struct xdiscon_net {
	struct xarray socks;
};

static unsigned int xdiscon_net_id;

static struct xarray *xdiscon_socks(struct net *net)
{
	struct xdiscon_net *xn = net_generic(net, xdiscon_net_id);

	return &xn->socks;
}

/* Process context, before @xsk is published. */
int xdiscon_proc_add(struct xdiscon_sock *xsk)
{
	return xa_alloc(xdiscon_socks(sock_net(&xsk->sk)), &xsk->proc_id, xsk,
			xa_limit_31b, GFP_KERNEL);
}

/*
 * At destruction: process or workqueue context, never softirq (see the
 * lock order in xdiscon.h), so xa_lock need not block bottom halves.
 */
void xdiscon_proc_del(struct xdiscon_sock *xsk)
{
	xa_erase(xdiscon_socks(sock_net(&xsk->sk)), xsk->proc_id);
}

/*
 * *pos is 0 for the header line, else the least index still to show;
 * the table's lock, held from start() to stop(), keeps every socket
 * found in it alive (xdiscon_proc_del() takes that lock).
 */
static void *xdiscon_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(&socks->xa_lock)
{
	struct xarray *socks = xdiscon_socks(seq_file_net(seq));
	unsigned long index = *pos;

	xa_lock(socks);
	if (!index)
		return SEQ_START_TOKEN;
	return xa_find(socks, &index, ULONG_MAX, XA_PRESENT);
}

static void *xdiscon_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	struct xarray *socks = xdiscon_socks(seq_file_net(seq));
	unsigned long index;
	void *next;

	index = v == SEQ_START_TOKEN ? 1 :
		((struct xdiscon_sock *)v)->proc_id + 1UL;
	*pos = index;
	next = xa_find(socks, &index, ULONG_MAX, XA_PRESENT);
	if (next)
		*pos = index;
	return next;
}

static void xdiscon_seq_stop(struct seq_file *seq, void *v)
	__releases(&socks->xa_lock)
{
	struct xarray *socks = xdiscon_socks(seq_file_net(seq));

	xa_unlock(socks);
}

static const char *const xdiscon_state_names[] = {
	[XDISCON_UNCONNECTED]	= "UNCONNECTED",
	[XDISCON_LISTEN]	= "LISTEN",
	[XDISCON_CONNECTED]	= "CONNECTED",
	[XDISCON_CLOSED]	= "CLOSED",
	[XDISCON_CONNECTING]	= "CONNECTING",
};

static const char *xdiscon_state_name(struct xdiscon_sock *xsk)
{
	u8 state = READ_ONCE(xsk->sk.sk_state);

	if (state == XDISCON_CONNECTED) {
		if (READ_ONCE(xsk->rx_end) == XDISCON_RX_RESET)
			return "RESET";
		if (READ_ONCE(xsk->rx_end) == XDISCON_RX_DISCONNECT)
			return "PEER_DISCONNECTED";
		if (READ_ONCE(xsk->sk.sk_shutdown) & SEND_SHUTDOWN)
			return "DISCONNECTED";
	}
	if (state < ARRAY_SIZE(xdiscon_state_names) &&
	    xdiscon_state_names[state])
		return xdiscon_state_names[state];
	return "?";
}

/*
 * RecvQ: for a listener the connections waiting in its accept queue, as
 * ss shows for a TCP listener; for any other socket the memory queued
 * for reading.
 */
static unsigned int xdiscon_proc_recvq(struct xdiscon_sock *xsk)
{
	if (READ_ONCE(xsk->sk.sk_state) == XDISCON_LISTEN)
		return READ_ONCE(xsk->sk.sk_ack_backlog);
	return READ_ONCE(xsk->rx_bytes);
}

static int xdiscon_seq_show(struct seq_file *seq, void *v)
{
	const struct xdiscon_transport *transport;
	struct xdiscon_sock *xsk;
	struct sock *sk;
	int peer_disc_len = -1;

	if (v == SEQ_START_TOKEN) {
		seq_puts(seq, "Inode    Type      State             Transport LocalPort PeerPort RecvQ    DiscLen PeerDiscLen\n");
		return 0;
	}
	xsk = v;
	sk = &xsk->sk;
	/* Written by bind, connect and accept: read it once. */
	transport = READ_ONCE(xsk->transport);
	/* peer_disc is set and freed under the receive queue lock. */
	spin_lock_bh(&sk->sk_receive_queue.lock);
	if (xsk->peer_disc)
		peer_disc_len = xsk->peer_disc->len;
	spin_unlock_bh(&sk->sk_receive_queue.lock);
	seq_printf(seq, "%-8llu %-9s %-17s %-9s %-9u %-8u %-8u %-7u %d\n",
		   (unsigned long long)sock_i_ino(sk),
		   sk->sk_type == SOCK_STREAM ? "STREAM" : "SEQPACKET",
		   xdiscon_state_name(xsk),
		   transport ? transport->name : "-",
		   be16_to_cpu(READ_ONCE(xsk->local.sxd_port)),
		   be16_to_cpu(READ_ONCE(xsk->remote.sxd_port)),
		   xdiscon_proc_recvq(xsk),
		   READ_ONCE(xsk->discdata_len),
		   peer_disc_len);
	return 0;
}

static const struct seq_operations xdiscon_seq_ops = {
	.start	= xdiscon_seq_start,
	.next	= xdiscon_seq_next,
	.stop	= xdiscon_seq_stop,
	.show	= xdiscon_seq_show,
};

static int xdiscon_stat_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	unsigned int i;

	for (i = 0; i < xdiscon_ntransports; i++)
		if (xdiscon_transports[i]->stat_show)
			xdiscon_transports[i]->stat_show(seq, net);
	return 0;
}

/* Process context (the pernet init and exit calls). */
static int __net_init xdiscon_proc_net_init(struct net *net)
{
	/* Its nodes are charged to the memory cgroup of who creates sockets. */
	xa_init_flags(xdiscon_socks(net), XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	if (!proc_create_net("xdiscon", 0444, net->proc_net, &xdiscon_seq_ops,
			     sizeof(struct seq_net_private)))
		return -ENOMEM;
	if (!proc_create_net_single("xdiscon_stat", 0444, net->proc_net,
				    xdiscon_stat_show, NULL)) {
		remove_proc_entry("xdiscon", net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/* Every socket holds its namespace: the table is empty by now. */
static void __net_exit xdiscon_proc_net_exit(struct net *net)
{
	WARN_ON_ONCE(!xa_empty(xdiscon_socks(net)));
	remove_proc_entry("xdiscon_stat", net->proc_net);
	remove_proc_entry("xdiscon", net->proc_net);
}

static struct pernet_operations xdiscon_proc_net_ops = {
	.init = xdiscon_proc_net_init,
	.exit = xdiscon_proc_net_exit,
	.id = &xdiscon_net_id,
	.size = sizeof(struct xdiscon_net),
};

int xdiscon_proc_init(void)
{
	return register_pernet_subsys(&xdiscon_proc_net_ops);
}

void xdiscon_proc_exit(void)
{
	unregister_pernet_subsys(&xdiscon_proc_net_ops);
}
