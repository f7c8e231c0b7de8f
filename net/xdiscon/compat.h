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
 * 7.x hands socket addresses to proto_ops bind/connect and takes them in
 * kernel_bind()/kernel_connect() as struct sockaddr_unsized; before it,
 * as struct sockaddr.
 */
#ifdef XDISCON_HAVE_SOCKADDR_UNSIZED
#define xdiscon_sockaddr sockaddr_unsized
#else
#define xdiscon_sockaddr sockaddr
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

/*
 * sendfile() and splice() into a socket: from 6.5 on, sendmsg() with
 * MSG_SPLICE_PAGES and the pages in a bvec iterator, which the socket may
 * take by reference; before, the socket layer copies them in through an
 * ordinary sendmsg() (sock_no_sendpage()), the flag is 0 and the splice
 * never called.  Later kernels dropped skb_splice_from_iter()'s unused
 * gfp argument.
 */
#include <linux/skbuff.h>

#ifdef XDISCON_HAVE_SPLICE_PAGES
#define XDISCON_MSG_SPLICE_PAGES MSG_SPLICE_PAGES
static inline ssize_t xdiscon_skb_splice_from_iter(struct sk_buff *skb,
						   struct iov_iter *iter,
						   ssize_t maxsize, gfp_t gfp)
{
#ifdef XDISCON_HAVE_SPLICE_FROM_ITER_GFP
	return skb_splice_from_iter(skb, iter, maxsize, gfp);
#else
	return skb_splice_from_iter(skb, iter, maxsize);
#endif
}
#else
#define XDISCON_MSG_SPLICE_PAGES 0
static inline ssize_t xdiscon_skb_splice_from_iter(struct sk_buff *skb,
						   struct iov_iter *iter,
						   ssize_t maxsize, gfp_t gfp)
{
	return -EOPNOTSUPP;
}
#endif

/*
 * Hand @n pages of @bv (@len bytes in all) to TCP without copying them,
 * under the TCP socket's lock; bytes TCP took, or an error.  With
 * MSG_MORE in @flags TCP holds a partial segment back for what follows.
 * 6.5 replaced sendpage with sendmsg(MSG_SPLICE_PAGES), which takes the
 * pages in one call; before it, one sendpage per page, each but the last
 * marked MSG_SENDPAGE_NOTLAST so that TCP pushes only once.
 */
#include <linux/bvec.h>
#include <net/tcp.h>

#ifdef XDISCON_HAVE_SPLICE_PAGES
static inline int xdiscon_tcp_sendpages_locked(struct sock *sk,
					       struct bio_vec *bv,
					       unsigned int n, size_t len,
					       int flags)
{
	struct msghdr msg = { .msg_flags = flags | MSG_SPLICE_PAGES };

	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, len);
	return tcp_sendmsg_locked(sk, &msg, len);
}
#else
static inline int xdiscon_tcp_sendpages_locked(struct sock *sk,
					       struct bio_vec *bv,
					       unsigned int n, size_t len,
					       int flags)
{
	unsigned int i;
	int sent = 0;

	for (i = 0; i < n; i++) {
		int f = flags;
		int ret;

		if (i + 1 < n || (flags & MSG_MORE))
			f |= MSG_SENDPAGE_NOTLAST | MSG_MORE;
		ret = tcp_sendpage_locked(sk, bv[i].bv_page, bv[i].bv_offset,
					  bv[i].bv_len, f);
		if (ret <= 0)
			return sent ? sent : ret;
		sent += ret;
		if (ret < bv[i].bv_len)
			break;
	}
	return sent;
}
#endif

/* 6.13 made MODULE_IMPORT_NS() take a string literal. */
#ifdef XDISCON_HAVE_IMPORT_NS_STRING
#define XDISCON_IMPORT_KUNIT_NS() MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define XDISCON_IMPORT_KUNIT_NS() MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

/*
 * A network namespace's sysctl table of @n entries, @table[@n] being the
 * empty entry that ends it where the kernel counts entries that way.
 */
#include <net/net_namespace.h>

static inline struct ctl_table_header *
xdiscon_register_net_sysctl(struct net *net, const char *path,
			    struct ctl_table *table, size_t n)
{
#ifdef XDISCON_HAVE_REGISTER_NET_SYSCTL_SZ
	return register_net_sysctl_sz(net, path, table, n);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/*
 * The memory cgroup a socket's memory is charged to (sk->sk_memcg, set
 * by sk_alloc() from the allocating task, NULL for none).
 */
#include <linux/memcontrol.h>
#include <linux/page_counter.h>

#ifdef CONFIG_MEMCG
/* @sk's memory is charged where @from's is.  Process context, @sk unused. */
static inline void xdiscon_sk_memcg_inherit(struct sock *sk,
					    const struct sock *from)
{
	struct mem_cgroup *memcg = from->sk_memcg;

	if (sk->sk_memcg == memcg)
		return;
	if (memcg)
		css_get(&memcg->css);
	if (sk->sk_memcg)
		css_put(&sk->sk_memcg->css);
	sk->sk_memcg = memcg;
}

/*
 * Would @bytes more take @sk's memory cgroup, or one above it, past its
 * memory.max (cgroup v2, where socket memory is charged to the memory
 * counter)?  The socket charge cannot say: with bottom halves off it is
 * forced past the limit, and in a task it reclaims and may call the
 * cgroup's OOM killer.  No exported call answers, so this reads the
 * counters memory.current and memory.max show (inline helpers and fields
 * of the memcg headers).  The check and the charge are not one step: two
 * sockets may each pass it for one frame.  Any context but hard IRQ.
 */
static inline bool xdiscon_memcg_full(const struct sock *sk,
				      unsigned int bytes)
{
	unsigned long pages = DIV_ROUND_UP(bytes, PAGE_SIZE);
	struct mem_cgroup *memcg = READ_ONCE(sk->sk_memcg);

	if (!mem_cgroup_sockets_enabled ||
	    !cgroup_subsys_on_dfl(memory_cgrp_subsys))
		return false;
	for (; memcg; memcg = parent_mem_cgroup(memcg))
		if (page_counter_read(&memcg->memory) + pages >
		    READ_ONCE(memcg->memory.max))
			return true;
	return false;
}
#else
static inline void xdiscon_sk_memcg_inherit(struct sock *sk,
					    const struct sock *from)
{
}

static inline bool xdiscon_memcg_full(const struct sock *sk,
				      unsigned int bytes)
{
	return false;
}
#endif

#endif /* _XDISCON_COMPAT_H */
