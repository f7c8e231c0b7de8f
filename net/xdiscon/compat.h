/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where xdiscon bridges kernel API differences.  Kbuild
 * probes the target tree (see Kbuild) and defines XDISCON_HAVE_*; no
 * version checks anywhere else.
 */
#ifndef _XDISCON_COMPAT_H
#define _XDISCON_COMPAT_H

#include <linux/module.h>
#include <linux/net.h>

/*
 * 6.10 folded accept()'s flags and kern arguments into struct
 * proto_accept_arg.  xdiscon_accept() takes the new form everywhere; on
 * older kernels the structure is defined here and xdiscon_accept_op()
 * adapts the old proto_ops signature.
 */
#ifndef XDISCON_HAVE_PROTO_ACCEPT_ARG
struct proto_accept_arg {
	int flags;
	int err;
	bool kern;
};
#endif

int xdiscon_accept(struct socket *sock, struct socket *newsock,
		   struct proto_accept_arg *arg);

#ifdef XDISCON_HAVE_PROTO_ACCEPT_ARG
#define xdiscon_accept_op xdiscon_accept
#else
static inline int xdiscon_accept_op(struct socket *sock,
				    struct socket *newsock, int flags,
				    bool kern)
{
	struct proto_accept_arg arg = { .flags = flags, .kern = kern };

	return xdiscon_accept(sock, newsock, &arg);
}
#endif

/*
 * A kernel socket that may outlive its creator's netns reference must hold
 * its own.  6.12's stable series added sk_net_refcnt_upgrade() (which
 * also moves the socket off the namespace's passive count); before it,
 * users set the reference by hand as this does.
 */
#ifdef XDISCON_HAVE_SK_NET_REFCNT_UPGRADE
#define xdiscon_sk_net_refcnt_upgrade sk_net_refcnt_upgrade
#else
#include <net/sock.h>

static inline void xdiscon_sk_net_refcnt_upgrade(struct sock *sk)
{
	sk->sk_net_refcnt = 1;
	get_net_track(sock_net(sk), &sk->ns_tracker, GFP_KERNEL);
	sock_inuse_add(sock_net(sk), 1);
}
#endif

/* 6.13 made MODULE_IMPORT_NS() take a string literal. */
#ifdef XDISCON_HAVE_IMPORT_NS_STRING
#define XDISCON_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define XDISCON_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

#endif /* _XDISCON_COMPAT_H */
