/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Porting help for Winsock code that uses disconnect data: WSABUF,
 * WSASendDisconnect, WSARecvDisconnect, closesocket, SD_*, FD_CLOSE and
 * the WSAE* error codes, mapped onto libxdiscon.  The calls return 0 or SOCKET_ERROR (-1); the error
 * is WSAGetLastError(), the errno mapped by xd_wsa_error().  See
 * xdiscon_winsock(3).
 */
#ifndef _XDISCON_WINSOCK_H
#define _XDISCON_WINSOCK_H

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <xdiscon/xdiscon.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef int SOCKET;

#ifndef SOCKET_ERROR
#define SOCKET_ERROR (-1)
#endif

typedef struct _WSABUF {
	unsigned long len;
	char *buf;
} WSABUF, *LPWSABUF;

/* The Winsock error codes this family produces. */
#define WSAEINTR		10004
#define WSAEFAULT		10014
#define WSAEINVAL		10022
#define WSAEWOULDBLOCK		10035
#define WSAEINPROGRESS		10036
#define WSAENOTSOCK		10038
#define WSAEMSGSIZE		10040
#define WSAENOPROTOOPT		10042
#define WSAEPROTONOSUPPORT	10043
#define WSAESOCKTNOSUPPORT	10044
#define WSAEOPNOTSUPP		10045
#define WSAEAFNOSUPPORT		10047
#define WSAEADDRINUSE		10048
#define WSAEADDRNOTAVAIL	10049
#define WSAENETDOWN		10050
#define WSAENETUNREACH		10051
#define WSAECONNABORTED		10053
#define WSAECONNRESET		10054
#define WSAENOBUFS		10055
#define WSAEISCONN		10056
#define WSAENOTCONN		10057
#define WSAESHUTDOWN		10058
#define WSAETIMEDOUT		10060
#define WSAECONNREFUSED		10061
#define WSAEHOSTDOWN		10064
#define WSAEHOSTUNREACH		10065
#define WSAEDISCON		10101

/* Winsock's network event for the peer's teardown, and its bit number. */
#ifndef FD_CLOSE_BIT
#define FD_CLOSE_BIT		5
#endif
#ifndef FD_CLOSE
#define FD_CLOSE		(1 << FD_CLOSE_BIT)
#endif

int xd_wsa_error(int err);

/*
 * The error Winsock's FD_CLOSE event carries (iErrorCode[FD_CLOSE_BIT])
 * for a connection that ended with @err, the errno of the call that saw
 * the end or SO_ERROR: 0 for a graceful end, WSAECONNRESET for a reset by
 * the peer, WSAENETDOWN for a network down, and WSAECONNABORTED for a
 * connection lost to a time-out or other failure (ETIMEDOUT,
 * EHOSTUNREACH...).
 */
static inline int xd_wsa_close_error(int err)
{
	switch (err) {
	case 0:			return 0;
	case ECONNRESET:	return WSAECONNRESET;
	case ENETDOWN:		return WSAENETDOWN;
	default:		return WSAECONNABORTED;
	}
}

int WSAGetLastError(void);
int WSASendDisconnect(SOCKET s, LPWSABUF lpOutboundDisconnectData);
int WSARecvDisconnect(SOCKET s, LPWSABUF lpInboundDisconnectData);

/* shutdown()'s directions under their Winsock names. */
#ifndef SD_RECEIVE
#define SD_RECEIVE		SHUT_RD
#define SD_SEND			SHUT_WR
#define SD_BOTH			SHUT_RDWR
#endif

/*
 * closesocket(): close as SO_LINGER says, Winsock's three ways: off,
 * graceful, finished in the background; {1, 0}, abortive; {1, t}, wait
 * until delivered, at most t seconds, then abort.  The kernel's close()
 * does all three; only Winsock's non-blocking socket with a linger
 * timeout is the library's (xd_close_graceful(3)): when it cannot finish
 * at once it fails with WSAEWOULDBLOCK and stays open.  0 or
 * SOCKET_ERROR.
 */
#ifndef closesocket
static inline int closesocket(SOCKET s)
{
	struct linger l = { 0, 0 };
	socklen_t len = sizeof(l);
	int fl = fcntl(s, F_GETFL);

	if (fl < 0 || getsockopt(s, SOL_SOCKET, SO_LINGER, &l, &len))
		return SOCKET_ERROR;
	if ((fl & O_NONBLOCK) && l.l_onoff && l.l_linger > 0)
		return xd_close_graceful(s, l.l_linger) ? SOCKET_ERROR : 0;
	return close(s) ? SOCKET_ERROR : 0;
}
#endif

#ifdef __cplusplus
}
#endif

#endif /* _XDISCON_WINSOCK_H */
