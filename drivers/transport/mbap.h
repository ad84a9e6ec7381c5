/*
 * mbap.h - the Modbus TCP frame: a 7-byte MBAP header, then one PDU.
 *
 * The TCP poller frames requests and splits the reply stream itself, so that it
 * can wait on any number of sockets with epoll (libmodbus waits with select(),
 * which aborts on descriptors >= FD_SETSIZE). Bytes from the network are
 * untrusted: a header whose protocol id or length cannot be MBAP is reported as
 * garbage, so the caller can drop the connection and resynchronise.
 */
#ifndef RISKGW_MBAP_H
#define RISKGW_MBAP_H

#include <stddef.h>
#include <stdint.h>
#include "pdu.h"

/* MBAP length counts the unit id and the PDU: at least a function code. */
#define MBAP_LENGTH_MIN 2
#define MBAP_LENGTH_MAX (1 + PDU_MAX_BYTES)
/* Bytes before the length-counted part (transaction id, protocol id, length). */
#define MBAP_PREFIX_BYTES 6
#define MBAP_FRAME_MAX (MBAP_PREFIX_BYTES + MBAP_LENGTH_MAX)

struct mbap_header {
    uint16_t transaction;
    uint16_t protocol;
    uint16_t length;        /* unit id + PDU bytes */
    uint8_t unit;
};

/* Write header + pdu into out (room for MBAP_FRAME_MAX). Returns the frame length. */
size_t mbap_build(uint8_t *out, uint16_t transaction, uint8_t unit,
                  const uint8_t *pdu, size_t pdu_len);

enum mbap_scan { MBAP_GARBAGE = -1, MBAP_PARTIAL = 0, MBAP_FRAME = 1 };

/*
 * Look at the first len bytes received. MBAP_FRAME: a whole frame is there, *h is
 * filled and *frame_len is its size (the PDU is buf + MBAP_HEADER_BYTES, of
 * h->length - 1 bytes). MBAP_PARTIAL: wait for more. MBAP_GARBAGE: the header is
 * impossible (protocol id not 0, length out of range); the stream is lost.
 */
enum mbap_scan mbap_scan(const uint8_t *buf, size_t len, struct mbap_header *h,
                         size_t *frame_len);

#endif
