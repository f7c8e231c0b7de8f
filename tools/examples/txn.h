/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transaction-total exchange of the reference document, on
 * libxdiscon alone.  The examples, the demo and the selftests all run
 * this one implementation:
 *
 *  1. each client sends its transactions, then disconnects with its
 *     transaction total as disconnect data (WSASendDisconnect);
 *  2. the server sees EPOLLRDHUP (FD_CLOSE), reads end-of-stream with the
 *     client's total and checks it against what it received;
 *  3. once every client is done, it answers each with the grand total as
 *     its own disconnect data and closes;
 *  4. each client sees EPOLLRDHUP and reads the grand total
 *     (WSARecvDisconnect).
 *
 * Amounts are TXN_LEN-byte host-order records; totals likewise.  Client
 * ID's transaction N (1..count) is the amount ID * 1000 + N.
 */
#ifndef XD_TXN_H
#define XD_TXN_H

#include <stdint.h>
#include <xdiscon/xdiscon.h>

#define TXN_LEN		8

/* Non-zero: txn_client(), txn_server() and txn_run() narrate on stdout. */
extern int txn_verbose;

uint64_t txn_amount(int id, int n);
uint64_t txn_grand_total(int clients, int count);

/*
 * Client @id: connect to @server, send @count (1 or more) transactions,
 * disconnect with their total, and wait for the server's disconnect;
 * *@grand gets the grand total it carries.  0, or -1 with a message on stderr.
 */
int txn_client(const struct sockaddr_xdiscon *server, int type, int id,
	       int count, uint64_t *grand);

/*
 * Serve @clients connections on listener @lfd: check each client's total
 * against the amounts it sent, then answer each with the grand total
 * (*@grand) and close gracefully.  0, or -1 with a message on stderr.
 */
int txn_server(int lfd, int clients, uint64_t *grand);

/*
 * The whole exchange on one host: a server on @addr (port 0: any free
 * one) and @clients forked clients of @count transactions each, all of
 * which must see txn_grand_total().  Returns the number of failures.
 */
int txn_run(const struct sockaddr_xdiscon *addr, int type, int clients,
	    int count);

#endif /* XD_TXN_H */
