// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/xdiscon: one line per socket of the reader's network
 * namespace, like /proc/net/unix.  It shows lengths of disconnect data,
 * never the data itself.  /proc/net/xdiscon_stat: the namespace's
 * counters, one "Name: value" line each.
 */

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "xdiscon.h"

/* Every xdiscon socket; xdiscon_all_lock protects the list. */
static LIST_HEAD(xdiscon_all);
static DEFINE_SPINLOCK(xdiscon_all_lock);

void xdiscon_proc_add(struct xdiscon_sock *xsk)
{
	spin_lock(&xdiscon_all_lock);
	list_add_tail(&xsk->all_node, &xdiscon_all);
	spin_unlock(&xdiscon_all_lock);
}

void xdiscon_proc_del(struct xdiscon_sock *xsk)
{
	spin_lock(&xdiscon_all_lock);
	list_del(&xsk->all_node);
	spin_unlock(&xdiscon_all_lock);
}

static void *xdiscon_seq_start(struct seq_file *seq, loff_t *pos)
	__acquires(&xdiscon_all_lock)
{
	spin_lock(&xdiscon_all_lock);
	return seq_list_start_head(&xdiscon_all, *pos);
}

static void *xdiscon_seq_next(struct seq_file *seq, void *v, loff_t *pos)
{
	return seq_list_next(v, &xdiscon_all, pos);
}

static void xdiscon_seq_stop(struct seq_file *seq, void *v)
	__releases(&xdiscon_all_lock)
{
	spin_unlock(&xdiscon_all_lock);
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

static int xdiscon_seq_show(struct seq_file *seq, void *v)
{
	struct xdiscon_sock *xsk;
	struct sock *sk;
	int peer_disc_len = -1;

	if (v == &xdiscon_all) {
		seq_puts(seq, "Inode    Type      State             Transport LocalPort PeerPort RecvQ    DiscLen PeerDiscLen\n");
		return 0;
	}
	xsk = list_entry(v, struct xdiscon_sock, all_node);
	sk = &xsk->sk;
	if (!net_eq(sock_net(sk), seq_file_net(seq)))
		return 0;
	/* peer_disc is set and freed under the receive queue lock. */
	spin_lock_bh(&sk->sk_receive_queue.lock);
	if (xsk->peer_disc)
		peer_disc_len = xsk->peer_disc->len;
	spin_unlock_bh(&sk->sk_receive_queue.lock);
	seq_printf(seq, "%-8lu %-9s %-17s %-9s %-9u %-8u %-8u %-7u %d\n",
		   sock_i_ino(sk),
		   sk->sk_type == SOCK_STREAM ? "STREAM" : "SEQPACKET",
		   xdiscon_state_name(xsk),
		   xsk->transport ? xsk->transport->name : "-",
		   be16_to_cpu(READ_ONCE(xsk->local.sxd_port)),
		   be16_to_cpu(READ_ONCE(xsk->remote.sxd_port)),
		   READ_ONCE(xsk->rx_bytes),
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

/* The namespace's counters; atomic, updated from any context. */
struct xdiscon_net {
	atomic_long_t stats[XDISCON_STAT_MAX];
};

static unsigned int xdiscon_net_id;

static const char *const xdiscon_stat_names[XDISCON_STAT_MAX] = {
	[XDISCON_STAT_PROTO_ERRORS]	= "InetProtocolErrors",
	[XDISCON_STAT_HANDSHAKE_TIMEOUTS] = "InetHandshakeTimeouts",
	[XDISCON_STAT_BG_CLOSE_TIMEOUTS] = "InetCloseTimeouts",
	[XDISCON_STAT_READER_FRAMES]	= "InetReaderFrames",
	[XDISCON_STAT_HANDSHAKES_EVICTED] = "InetHandshakesEvicted",
};

void xdiscon_stat_inc(struct net *net, enum xdiscon_stat stat)
{
	struct xdiscon_net *xn = net_generic(net, xdiscon_net_id);

	atomic_long_inc(&xn->stats[stat]);
}

static int xdiscon_stat_show(struct seq_file *seq, void *v)
{
	struct xdiscon_net *xn = net_generic(seq_file_single_net(seq),
					     xdiscon_net_id);
	int i;

	for (i = 0; i < XDISCON_STAT_MAX; i++)
		seq_printf(seq, "%s: %ld\n", xdiscon_stat_names[i],
			   atomic_long_read(&xn->stats[i]));
	return 0;
}

static int __net_init xdiscon_proc_net_init(struct net *net)
{
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

static void __net_exit xdiscon_proc_net_exit(struct net *net)
{
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
