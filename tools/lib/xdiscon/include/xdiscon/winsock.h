/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Porting help for Winsock code that uses disconnect data: WSABUF,
 * WSASendDisconnect, WSARecvDisconnect and the WSAE* error codes, mapped
 * onto libxdiscon.  The calls return 0 or SOCKET_ERROR (-1); the error
 * is WSAGetLastError(), the errno mapped by xd_wsa_error().  See
 * xdiscon_winsock(3).
 */
#ifndef _XDISCON_WINSOCK_H
#define _XDISCON_WINSOCK_H

#include <errno.h>
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
#define WSAECONNABORTED		10053
#define WSAECONNRESET		10054
#define WSAENOBUFS		10055
#define WSAEISCONN		10056
#define WSAENOTCONN		10057
#define WSAESHUTDOWN		10058
#define WSAETIMEDOUT		10060
#define WSAECONNREFUSED		10061
#define WSAEDISCON		10101

int xd_wsa_error(int err);
int WSAGetLastError(void);
int WSASendDisconnect(SOCKET s, LPWSABUF lpOutboundDisconnectData);
int WSARecvDisconnect(SOCKET s, LPWSABUF lpInboundDisconnectData);

#ifdef __cplusplus
}
#endif

#endif /* _XDISCON_WINSOCK_H */
