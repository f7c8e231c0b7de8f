/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoints of AF_XDISCON: a connection's life as perf, trace-cmd and
 * bpftrace see it (events/xdiscon/ in tracefs).  Every event names the
 * socket by its address (skaddr) and its transport.  Each runs in the
 * context its caller does, any but hard IRQ, and takes no lock.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM xdiscon

#if !defined(_XDISCON_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _XDISCON_TRACE_H

#include <linux/tracepoint.h>
#include <net/sock.h>

#include "xdiscon.h"
#include "inet_wire.h"

/* Userspace tools read the enums' values from the format files. */
TRACE_DEFINE_ENUM(XDISCON_UNCONNECTED);
TRACE_DEFINE_ENUM(XDISCON_CONNECTING);
TRACE_DEFINE_ENUM(XDISCON_CONNECTED);
TRACE_DEFINE_ENUM(XDISCON_LISTEN);
TRACE_DEFINE_ENUM(XDISCON_CLOSED);
TRACE_DEFINE_ENUM(XDISCON_RESET_PEER);
TRACE_DEFINE_ENUM(XDISCON_RESET_ABORT);
TRACE_DEFINE_ENUM(XDISCON_RESET_LINGER);
TRACE_DEFINE_ENUM(XDISCON_RESET_CONNECTING);
TRACE_DEFINE_ENUM(XDISCON_RESET_UNACCEPTED);
TRACE_DEFINE_ENUM(XDISCON_RESET_FAILED);
TRACE_DEFINE_ENUM(XDISCON_LINGER_DELIVERED);
TRACE_DEFINE_ENUM(XDISCON_LINGER_TIMEOUT);
TRACE_DEFINE_ENUM(XDISCON_LINGER_INTERRUPTED);
TRACE_DEFINE_ENUM(XDISCON_LINGER_RESET);
TRACE_DEFINE_ENUM(XD_RULE_HEADER);
TRACE_DEFINE_ENUM(XD_RULE_ORDER);
TRACE_DEFINE_ENUM(XD_RULE_HELLO);
TRACE_DEFINE_ENUM(XD_RULE_TRUNCATED);
TRACE_DEFINE_ENUM(XD_RULE_NO_DISCONNECT);

#define xdiscon_show_state(s)					\
	__print_symbolic(s,					\
		{ XDISCON_UNCONNECTED,	"UNCONNECTED" },	\
		{ XDISCON_CONNECTING,	"CONNECTING" },		\
		{ XDISCON_CONNECTED,	"CONNECTED" },		\
		{ XDISCON_LISTEN,	"LISTEN" },		\
		{ XDISCON_CLOSED,	"CLOSED" })

#define xdiscon_show_transport(t)				\
	__print_symbolic(t,					\
		{ 0,				"-" },		\
		{ XDISCON_TRANSPORT_LOCAL,	"local" },	\
		{ XDISCON_TRANSPORT_INET,	"inet" })

#define xdiscon_show_reset(c)					\
	__print_symbolic(c,					\
		{ XDISCON_RESET_PEER,		"peer" },	\
		{ XDISCON_RESET_ABORT,		"abort" },	\
		{ XDISCON_RESET_LINGER,		"linger" },	\
		{ XDISCON_RESET_CONNECTING,	"connecting" },	\
		{ XDISCON_RESET_UNACCEPTED,	"unaccepted" },	\
		{ XDISCON_RESET_FAILED,		"failed" })

#define xdiscon_show_linger(r)					\
	__print_symbolic(r,					\
		{ XDISCON_LINGER_DELIVERED,	"delivered" },	\
		{ XDISCON_LINGER_TIMEOUT,	"timeout" },	\
		{ XDISCON_LINGER_INTERRUPTED,	"interrupted" },	\
		{ XDISCON_LINGER_RESET,		"reset" })

#define xdiscon_show_rule(r)					\
	__print_symbolic(r,					\
		{ XD_RULE_HEADER,		"header" },	\
		{ XD_RULE_ORDER,		"order" },	\
		{ XD_RULE_HELLO,		"hello" },	\
		{ XD_RULE_TRUNCATED,		"truncated" },	\
		{ XD_RULE_NO_DISCONNECT,	"no_disconnect" })

/* The socket's state changed (sk_state). */
TRACE_EVENT(xdiscon_state,
	    TP_PROTO(struct xdiscon_sock *xsk, int oldstate, int newstate),
	    TP_ARGS(xsk, oldstate, newstate),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(u16, transport)
			     __field(int, oldstate)
			     __field(int, newstate)),
	    TP_fast_assign(__entry->skaddr = xsk;
			   __entry->transport = xdiscon_transport_id(xsk);
			   __entry->oldstate = oldstate;
			   __entry->newstate = newstate;),
	    TP_printk("skaddr=%p transport=%s %s -> %s", __entry->skaddr,
		      xdiscon_show_transport(__entry->transport),
		      xdiscon_show_state(__entry->oldstate),
		      xdiscon_show_state(__entry->newstate))
);

DECLARE_EVENT_CLASS(xdiscon_disconnect,
		    TP_PROTO(struct xdiscon_sock *xsk, unsigned int len),
		    TP_ARGS(xsk, len),
		    TP_STRUCT__entry(__field(const void *, skaddr)
				     __field(u16, transport)
				     __field(unsigned int, len)),
		    TP_fast_assign(__entry->skaddr = xsk;
				   __entry->transport =
					xdiscon_transport_id(xsk);
				   __entry->len = len;),
		    TP_printk("skaddr=%p transport=%s len=%u",
			      __entry->skaddr,
			      xdiscon_show_transport(__entry->transport),
			      __entry->len)
);

/* The socket sent its disconnect with @len bytes of disconnect data. */
DEFINE_EVENT(xdiscon_disconnect, xdiscon_disconnect_send,
	     TP_PROTO(struct xdiscon_sock *xsk, unsigned int len),
	     TP_ARGS(xsk, len)
);

/* The peer's disconnect arrived with @len bytes of disconnect data. */
DEFINE_EVENT(xdiscon_disconnect, xdiscon_disconnect_recv,
	     TP_PROTO(struct xdiscon_sock *xsk, unsigned int len),
	     TP_ARGS(xsk, len)
);

/* The connection was reset, for @cause (enum xdiscon_reset_cause). */
TRACE_EVENT(xdiscon_reset,
	    TP_PROTO(struct xdiscon_sock *xsk, int cause),
	    TP_ARGS(xsk, cause),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(u16, transport)
			     __field(int, cause)),
	    TP_fast_assign(__entry->skaddr = xsk;
			   __entry->transport = xdiscon_transport_id(xsk);
			   __entry->cause = cause;),
	    TP_printk("skaddr=%p transport=%s cause=%s", __entry->skaddr,
		      xdiscon_show_transport(__entry->transport),
		      xdiscon_show_reset(__entry->cause))
);

/* A lingering close ended (enum xdiscon_linger_result). */
TRACE_EVENT(xdiscon_linger,
	    TP_PROTO(struct xdiscon_sock *xsk, int result),
	    TP_ARGS(xsk, result),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(u16, transport)
			     __field(int, result)),
	    TP_fast_assign(__entry->skaddr = xsk;
			   __entry->transport = xdiscon_transport_id(xsk);
			   __entry->result = result;),
	    TP_printk("skaddr=%p transport=%s result=%s", __entry->skaddr,
		      xdiscon_show_transport(__entry->transport),
		      xdiscon_show_linger(__entry->result))
);

/* The inet peer broke the wire protocol's @rule (enum xd_wire_rule). */
TRACE_EVENT(xdiscon_inet_protocol_error,
	    TP_PROTO(struct xdiscon_sock *xsk, int rule),
	    TP_ARGS(xsk, rule),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(u16, transport)
			     __field(int, rule)),
	    TP_fast_assign(__entry->skaddr = xsk;
			   __entry->transport = xdiscon_transport_id(xsk);
			   __entry->rule = rule;),
	    TP_printk("skaddr=%p transport=%s rule=%s", __entry->skaddr,
		      xdiscon_show_transport(__entry->transport),
		      xdiscon_show_rule(__entry->rule))
);

/* An inet handshake had no HELLO in time; @accepted: the listening side's. */
TRACE_EVENT(xdiscon_inet_handshake_timeout,
	    TP_PROTO(struct xdiscon_sock *xsk, bool accepted),
	    TP_ARGS(xsk, accepted),
	    TP_STRUCT__entry(__field(const void *, skaddr)
			     __field(u16, transport)
			     __field(bool, accepted)),
	    TP_fast_assign(__entry->skaddr = xsk;
			   __entry->transport = xdiscon_transport_id(xsk);
			   __entry->accepted = accepted;),
	    TP_printk("skaddr=%p transport=%s side=%s", __entry->skaddr,
		      xdiscon_show_transport(__entry->transport),
		      __entry->accepted ? "accepted" : "connecting")
);

#endif /* _XDISCON_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
