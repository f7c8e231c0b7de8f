// SPDX-License-Identifier: GPL-2.0
/*
 * Keepalive: SO_KEEPALIVE, and TCP's keepalive options at level SOL_TCP
 * (TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT) with TCP's ranges and
 * defaults.  The core keeps them with the socket, on every socket; a
 * transport whose connection can fail without a word from the peer
 * applies them (->keepalive), the inet transport to its TCP socket, so
 * that a connection whose link is lost ends in ETIMEDOUT as TCP's does.
 * The local transport has no link to lose: it keeps them and does
 * nothing with them.  Process context, but for a BPF program's
 * bpf_setsockopt(SO_KEEPALIVE), which calls xdiscon_proto_keepalive()
 * where it may not sleep.
 */
#include <linux/tcp.h>
#include <net/sock.h>
#include <net/tcp.h>

#include "xdiscon.h"

/* The field of @xsk that @optname sets, and its largest value. */
static int *xdiscon_keep_field(struct xdiscon_sock *xsk, int optname,
			       int *max)
{
	switch (optname) {
	case TCP_KEEPIDLE:
		*max = MAX_TCP_KEEPIDLE;
		return &xsk->keepidle;
	case TCP_KEEPINTVL:
		*max = MAX_TCP_KEEPINTVL;
		return &xsk->keepintvl;
	case TCP_KEEPCNT:
		*max = MAX_TCP_KEEPCNT;
		return &xsk->keepcnt;
	default:
		return NULL;
	}
}

/* Hand the settings to the transport.  As its caller. */
static void xdiscon_keepalive_apply(struct xdiscon_sock *xsk, bool on)
{
	if (xsk->transport && xsk->transport->keepalive)
		xsk->transport->keepalive(xsk, on);
}

/*
 * struct proto's keepalive: SO_KEEPALIVE is being set to @valbool (the
 * socket's flag changes after this returns).  Under lock_sock(), or in
 * a BPF program, the socket locked, where it may not sleep.
 */
void xdiscon_proto_keepalive(struct sock *sk, int valbool)
{
	xdiscon_keepalive_apply(xdiscon_sk(sk), valbool);
}

int xdiscon_tcp_setsockopt(struct sock *sk, int optname, sockptr_t optval,
			   unsigned int optlen)
{
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	int *field, max, val;

	field = xdiscon_keep_field(xsk, optname, &max);
	if (!field)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	if (val < 1 || val > max)
		return -EINVAL;

	lock_sock(sk);
	WRITE_ONCE(*field, val);
	xdiscon_keepalive_apply(xsk, sock_flag(sk, SOCK_KEEPOPEN));
	release_sock(sk);
	return 0;
}

/* What TCP answers: the value set, or else the namespace's default. */
int xdiscon_tcp_getsockopt(struct sock *sk, int optname,
			   char __user *optval, int __user *optlen)
{
	struct xdiscon_sock *xsk = xdiscon_sk(sk);
	struct net *net = sock_net(sk);
	int *field, max, val;

	field = xdiscon_keep_field(xsk, optname, &max);
	if (!field)
		return -ENOPROTOOPT;
	val = READ_ONCE(*field);
	if (!val && optname == TCP_KEEPIDLE)
		val = READ_ONCE(net->ipv4.sysctl_tcp_keepalive_time) / HZ;
	else if (!val && optname == TCP_KEEPINTVL)
		val = READ_ONCE(net->ipv4.sysctl_tcp_keepalive_intvl) / HZ;
	else if (!val)
		val = READ_ONCE(net->ipv4.sysctl_tcp_keepalive_probes);
	return xdiscon_put_data(&val, sizeof(val), optval, optlen);
}

/* A new child starts with its listener's settings, as TCP's do. */
void xdiscon_keepalive_inherit(struct xdiscon_sock *child,
			       const struct xdiscon_sock *listener)
{
	if (sock_flag(&listener->sk, SOCK_KEEPOPEN))
		sock_set_flag(&child->sk, SOCK_KEEPOPEN);
	child->keepidle = READ_ONCE(listener->keepidle);
	child->keepintvl = READ_ONCE(listener->keepintvl);
	child->keepcnt = READ_ONCE(listener->keepcnt);
}
