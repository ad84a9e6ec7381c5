/*
 * fuzz_pdu.c - Modbus TCP replies from the field against the PDU and MBAP parsers.
 *
 * Bytes from a meter, a TCP-to-RTU converter or anyone who can reach the port are
 * untrusted. The input's first three bytes choose what was asked for (the area in
 * the low bits of byte 0, the register count in bytes 1-2, any value including
 * the impossible ones); the rest is the reply. It is parsed twice: as one bare PDU,
 * and as a TCP byte stream split into MBAP frames the way poller_tcp_conn.c does.
 * The value buffers hold exactly `count` entries and the unused one is NULL, so a
 * write past what was asked for, or into the wrong area's buffer, is caught.
 * Each PDU is also judged as the echo of a write (FC 5, 6 or 16, chosen by bits 2-3
 * of byte 0, at the count's address): a refusal must say why there too.
 */
#include "fuzz_util.h"
#include "transport/mbap.h"
#include "pdu.h"

#define FUZZ_PDU_AREA_MASK 0x03u        /* four areas: coil, discrete, holding, input */
#define FUZZ_PDU_PARAM_BYTES 3          /* area, count (big-endian) */
#define FUZZ_BYTE_BITS 8

struct fuzz_read {
    enum reg_area area;
    uint16_t count;
    uint16_t *words;                    /* holding, input */
    uint8_t *bits;                      /* coil, discrete */
    struct pdu_write write;             /* the same bytes, judged as a write's echo */
};

static const uint8_t fuzz_write_functions[] = {PDU_FC_WRITE_COIL, PDU_FC_WRITE_REGISTER,
                                               PDU_FC_WRITE_REGISTERS, PDU_FC_WRITE_REGISTERS};
#define FUZZ_PDU_WRITE_SHIFT 2          /* bits 2-3 of byte 0 choose the write function */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

/* Parse one PDU as the reply to rd, and as the echo of rd's write; a refusal must say why. */
static void fuzz_pdu_one(const struct fuzz_read *rd, const uint8_t *pdu, size_t len)
{
    uint8_t exception = 0;
    const char *why = NULL;
    enum pdu_status st = pdu_parse_read_why(pdu, len, rd->area, rd->count, rd->words, rd->bits,
                                            &exception, &why);
    if (st == PDU_MALFORMED && !why)
        abort();
    if (st == PDU_EXCEPTION && !pdu_exception_name(exception))
        abort();
    why = NULL;
    st = pdu_parse_write(pdu, len, &rd->write, &exception, &why);
    if ((st == PDU_MALFORMED && !why) || (st == PDU_EXCEPTION && !pdu_exception_name(exception)))
        abort();
}

/* Split a stream into frames as the TCP poller does, parsing each frame's PDU. */
static void fuzz_pdu_stream(const struct fuzz_read *rd, const uint8_t *buf, size_t len)
{
    struct mbap_header h;
    size_t frame_len = 0;
    while (mbap_scan(buf, len, &h, &frame_len) == MBAP_FRAME) {
        if (frame_len > len || frame_len > MBAP_FRAME_MAX || frame_len < MBAP_HEADER_BYTES)
            abort();                    /* a frame the buffer does not hold */
        fuzz_pdu_one(rd, buf + MBAP_HEADER_BYTES, h.length - 1u);
        buf += frame_len;
        len -= frame_len;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_PDU_PARAM_BYTES)
        return 0;
    struct fuzz_read rd = {
        .area = (enum reg_area)(data[0] & FUZZ_PDU_AREA_MASK),
        .count = (uint16_t)((data[1] << FUZZ_BYTE_BITS) | data[2]),
    };
    rd.write = (struct pdu_write){
        .function = fuzz_write_functions[(data[0] >> FUZZ_PDU_WRITE_SHIFT) & FUZZ_PDU_AREA_MASK],
        .address = rd.count, .count = 2, .words = {rd.count, rd.count}};
    /* Exactly count entries; ASan's malloc(0) is a real block no byte of which may be touched. */
    if (rd.area == AREA_COIL || rd.area == AREA_DISCRETE)
        rd.bits = malloc(rd.count);
    else
        rd.words = malloc(rd.count * sizeof *rd.words);
    if (rd.bits || rd.words) {
        fuzz_pdu_one(&rd, data + FUZZ_PDU_PARAM_BYTES, size - FUZZ_PDU_PARAM_BYTES);
        fuzz_pdu_stream(&rd, data + FUZZ_PDU_PARAM_BYTES, size - FUZZ_PDU_PARAM_BYTES);
    }
    free(rd.bits);
    free(rd.words);
    return 0;
}
