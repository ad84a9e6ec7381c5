/*
 * test_sim_respond.c - the simulator's slave-side responder and the faults wrapped around it.
 *
 * Read requests are built with the gateway's own pdu_build_read and the answers
 * checked with its own pdu_parse_read, so the two sides of the protocol are
 * proven against each other; writes, exceptions (1, 2, 3 and the gateway's
 * 0x0B) and gaps are checked byte by byte. Then the fault grammar (every fault,
 * every refusal) and what each standing fault makes of a request.
 */
#include <stdlib.h>

#include "check.h"
#include "pdu.h"
#include "sim_fault.h"
#include "sim_respond.h"

#define NB_BITS 20
#define NB_INPUT_BITS 12
#define NB_REGS 30
#define NB_INPUT_REGS 10
#define MS_NOW 1000

static modbus_mapping_t *tables;

static size_t respond(const uint8_t *req, size_t len, uint8_t *resp)
{
    struct sim_regs regs = {.tables = tables};
    return sim_respond(&regs, req, len, resp);
}

/* The answer to req must be exactly exception `code` for function req[0]. */
static void check_exception(const uint8_t *req, size_t len, uint8_t code)
{
    uint8_t resp[PDU_MAX_BYTES];
    size_t n = respond(req, len, resp);
    CHECK_INT(n, 2);
    CHECK_INT(resp[0], req[0] | 0x80);
    CHECK_INT(resp[1], code);
}

static void test_reads(void)
{
    uint8_t req[PDU_MAX_BYTES], resp[PDU_MAX_BYTES], bits[NB_BITS], exc = 0;
    uint16_t words[NB_REGS];
    for (int i = 0; i < NB_REGS; i++)
        tables->tab_registers[i] = (uint16_t)(1000 + i);
    for (int i = 0; i < NB_INPUT_REGS; i++)
        tables->tab_input_registers[i] = (uint16_t)(0xF000 + i);
    tables->tab_bits[3] = tables->tab_bits[9] = 1;
    tables->tab_input_bits[0] = tables->tab_input_bits[11] = 1;

    size_t n = respond(req, pdu_build_read(req, AREA_HOLDING, 5, 25), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_HOLDING, 25, words, NULL, &exc), PDU_OK);
    CHECK_INT(words[0], 1005);
    CHECK_INT(words[24], 1029);
    n = respond(req, pdu_build_read(req, AREA_INPUT, 0, NB_INPUT_REGS), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_INPUT, NB_INPUT_REGS, words, NULL, &exc), PDU_OK);
    CHECK_INT(words[9], 0xF009);
    n = respond(req, pdu_build_read(req, AREA_COIL, 2, 9), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_COIL, 9, NULL, bits, &exc), PDU_OK);
    CHECK(bits[0] == 0 && bits[1] == 1 && bits[2] == 0 && bits[7] == 1 && bits[8] == 0);
    n = respond(req, pdu_build_read(req, AREA_DISCRETE, 0, NB_INPUT_BITS), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_DISCRETE, NB_INPUT_BITS, NULL, bits, &exc), PDU_OK);
    CHECK(bits[0] == 1 && bits[1] == 0 && bits[11] == 1);

    /* exception 2: past the map, in every area */
    check_exception(req, pdu_build_read(req, AREA_HOLDING, 5, 26), SIM_EXC_ILLEGAL_ADDRESS);
    check_exception(req, pdu_build_read(req, AREA_INPUT, NB_INPUT_REGS, 1), SIM_EXC_ILLEGAL_ADDRESS);
    check_exception(req, pdu_build_read(req, AREA_COIL, 0, NB_BITS + 1), SIM_EXC_ILLEGAL_ADDRESS);
    check_exception(req, pdu_build_read(req, AREA_DISCRETE, 65535, 1), SIM_EXC_ILLEGAL_ADDRESS);
    /* exception 3: a count of 0 or above the limit, or a request cut short */
    const uint8_t zero[] = {SIM_FC_READ_HOLDING, 0, 0, 0, 0};
    const uint8_t too_many[] = {SIM_FC_READ_HOLDING, 0, 0, 0, 126};
    const uint8_t too_many_bits[] = {SIM_FC_READ_COILS, 0, 0, 0x07, 0xD1};   /* 2001 */
    const uint8_t past_space[] = {SIM_FC_READ_INPUT, 0xFF, 0xFF, 0, 2};
    check_exception(zero, sizeof zero, SIM_EXC_ILLEGAL_VALUE);
    check_exception(too_many, sizeof too_many, SIM_EXC_ILLEGAL_VALUE);
    check_exception(too_many_bits, sizeof too_many_bits, SIM_EXC_ILLEGAL_VALUE);
    check_exception(past_space, sizeof past_space, SIM_EXC_ILLEGAL_VALUE);
    check_exception(zero, 3, SIM_EXC_ILLEGAL_VALUE);
    check_exception(zero, 6, SIM_EXC_ILLEGAL_VALUE);
}

static void test_writes(void)
{
    uint8_t resp[PDU_MAX_BYTES];
    const uint8_t coil_on[] = {SIM_FC_WRITE_COIL, 0, 7, 0xFF, 0x00};
    const uint8_t coil_off[] = {SIM_FC_WRITE_COIL, 0, 7, 0x00, 0x00};
    const uint8_t coil_bad[] = {SIM_FC_WRITE_COIL, 0, 7, 0x12, 0x34};
    const uint8_t coil_far[] = {SIM_FC_WRITE_COIL, 0, NB_BITS, 0xFF, 0x00};
    CHECK_INT(respond(coil_on, sizeof coil_on, resp), 5);
    CHECK(memcmp(resp, coil_on, 5) == 0);           /* the answer echoes the request */
    CHECK_INT(tables->tab_bits[7], 1);
    respond(coil_off, sizeof coil_off, resp);
    CHECK_INT(tables->tab_bits[7], 0);
    check_exception(coil_bad, sizeof coil_bad, SIM_EXC_ILLEGAL_VALUE);
    check_exception(coil_far, sizeof coil_far, SIM_EXC_ILLEGAL_ADDRESS);

    const uint8_t reg[] = {SIM_FC_WRITE_REGISTER, 0, 29, 0xBE, 0xEF};
    const uint8_t reg_far[] = {SIM_FC_WRITE_REGISTER, 0, NB_REGS, 0, 1};
    CHECK_INT(respond(reg, sizeof reg, resp), 5);
    CHECK(memcmp(resp, reg, 5) == 0);
    CHECK_INT(tables->tab_registers[29], 0xBEEF);
    check_exception(reg_far, sizeof reg_far, SIM_EXC_ILLEGAL_ADDRESS);

    const uint8_t coils[] = {SIM_FC_WRITE_COILS, 0, 10, 0, 10, 2, 0x05, 0x02};   /* 10 1010 0000 -> bits 0, 2, 9 */
    CHECK_INT(respond(coils, sizeof coils, resp), 5);
    CHECK(memcmp(resp, coils, 5) == 0);
    CHECK(tables->tab_bits[10] == 1 && tables->tab_bits[11] == 0 && tables->tab_bits[12] == 1 &&
          tables->tab_bits[18] == 0 && tables->tab_bits[19] == 1);
    const uint8_t coils_count[] = {SIM_FC_WRITE_COILS, 0, 10, 0, 10, 1, 0x05};   /* byte count short */
    const uint8_t coils_far[] = {SIM_FC_WRITE_COILS, 0, 15, 0, 10, 2, 0, 0};
    check_exception(coils_count, sizeof coils_count, SIM_EXC_ILLEGAL_VALUE);
    check_exception(coils_far, sizeof coils_far, SIM_EXC_ILLEGAL_ADDRESS);

    const uint8_t regs[] = {SIM_FC_WRITE_REGISTERS, 0, 1, 0, 2, 4, 0x12, 0x34, 0x56, 0x78};
    CHECK_INT(respond(regs, sizeof regs, resp), 5);
    CHECK(memcmp(resp, regs, 5) == 0);
    CHECK_INT(tables->tab_registers[1], 0x1234);
    CHECK_INT(tables->tab_registers[2], 0x5678);
    const uint8_t regs_extra[] = {SIM_FC_WRITE_REGISTERS, 0, 1, 0, 1, 2, 0, 1, 0xFF};
    const uint8_t regs_many[] = {SIM_FC_WRITE_REGISTERS, 0, 0, 0, 124, 248};
    const uint8_t regs_far[] = {SIM_FC_WRITE_REGISTERS, 0, 29, 0, 2, 4, 0, 0, 0, 0};
    check_exception(regs_extra, sizeof regs_extra, SIM_EXC_ILLEGAL_VALUE);
    check_exception(regs_many, sizeof regs_many, SIM_EXC_ILLEGAL_VALUE);
    check_exception(regs_far, sizeof regs_far, SIM_EXC_ILLEGAL_ADDRESS);
    CHECK_INT(tables->tab_registers[29], 0xBEEF);   /* a refused write changes nothing */
}

static void test_functions_and_gaps(void)
{
    uint8_t req[PDU_MAX_BYTES], resp[PDU_MAX_BYTES];
    const uint8_t diag[] = {0x08, 0, 0, 0x12, 0x34};
    const uint8_t mei[] = {0x2B, 0x0E, 0x01, 0x00};
    check_exception(diag, sizeof diag, SIM_EXC_ILLEGAL_FUNCTION);
    check_exception(mei, sizeof mei, SIM_EXC_ILLEGAL_FUNCTION);
    CHECK_INT(sim_respond_exception(SIM_FC_READ_HOLDING, SIM_EXC_GATEWAY_TARGET, resp), 2);
    CHECK(resp[0] == 0x83 && resp[1] == 0x0B);
    CHECK_INT(sim_respond_area(SIM_FC_WRITE_REGISTERS), AREA_HOLDING);
    CHECK_INT(sim_respond_area(SIM_FC_READ_DISCRETE), AREA_DISCRETE);
    CHECK_INT(sim_respond_area(0x08), -1);

    /* a hole at holding 10..12: blocks that span or touch it are refused, the rest served */
    struct sim_gap gaps[] = {{AREA_HOLDING, 10, 3}, {AREA_COIL, 0, 1}};
    struct sim_regs regs = {.tables = tables, .gaps = gaps, .ngaps = 2};
    uint8_t exc = 0;
    uint16_t words[NB_REGS];
    size_t n = sim_respond(&regs, req, pdu_build_read(req, AREA_HOLDING, 0, 20), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_HOLDING, 20, words, NULL, &exc), PDU_EXCEPTION);
    CHECK_INT(exc, SIM_EXC_ILLEGAL_ADDRESS);
    n = sim_respond(&regs, req, pdu_build_read(req, AREA_HOLDING, 12, 1), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_HOLDING, 1, words, NULL, &exc), PDU_EXCEPTION);
    n = sim_respond(&regs, req, pdu_build_read(req, AREA_HOLDING, 0, 10), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_HOLDING, 10, words, NULL, &exc), PDU_OK);
    n = sim_respond(&regs, req, pdu_build_read(req, AREA_HOLDING, 13, 17), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_HOLDING, 17, words, NULL, &exc), PDU_OK);
    n = sim_respond(&regs, req, pdu_build_read(req, AREA_INPUT, 10 - 10, 10), resp);
    CHECK_INT(pdu_parse_read(resp, n, AREA_INPUT, 10, words, NULL, &exc), PDU_OK);  /* other area */
    const uint8_t into_gap[] = {SIM_FC_WRITE_REGISTER, 0, 11, 0, 1};
    n = sim_respond(&regs, into_gap, sizeof into_gap, resp);
    CHECK(n == 2 && resp[0] == 0x86 && resp[1] == SIM_EXC_ILLEGAL_ADDRESS);
    const uint8_t coil_gap[] = {SIM_FC_WRITE_COIL, 0, 0, 0xFF, 0};
    n = sim_respond(&regs, coil_gap, sizeof coil_gap, resp);
    CHECK(n == 2 && resp[0] == 0x85 && resp[1] == SIM_EXC_ILLEGAL_ADDRESS);
}

static void check_parse(const char *text, enum sim_inject_kind kind, const char *described)
{
    struct sim_inject inj;
    struct cfg_err err = {{0}};
    char back[SIM_INJECT_TEXT_MAX];
    CHECK_INT(sim_inject_parse(text, &inj, &err), 0);
    CHECK_INT(inj.kind, kind);
    sim_inject_describe(&inj, back, sizeof back);
    CHECK_STR(back, described);
}

static void check_refused(const char *text, const char *expect)
{
    struct sim_inject inj;
    struct cfg_err err = {{0}};
    CHECK_INT(sim_inject_parse(text, &inj, &err), -1);
    CHECK_CONTAINS(err.msg, expect);
}

static void test_fault_grammar(void)
{
    check_parse("noreply", SIM_INJ_NOREPLY, "noreply");
    check_parse("late 250", SIM_INJ_LATE, "late 250");
    check_parse("exception 6", SIM_INJ_EXCEPTION, "exception 6");
    check_parse("crc", SIM_INJ_CRC, "crc");
    check_parse("garbage", SIM_INJ_GARBAGE, "garbage");
    check_parse("disconnect", SIM_INJ_DISCONNECT, "disconnect 3");
    check_parse("reset 1.5", SIM_INJ_RESET, "reset 1.5");
    check_parse("  gap   input 18 34 ", SIM_INJ_GAP, "gap input 18 34");
    check_parse("gap coil 5", SIM_INJ_GAP, "gap coil 5 1");
    check_parse("clear", SIM_INJ_CLEAR, "clear");
    check_refused("", "name a fault");
    check_refused("explode", "unknown fault \"explode\"");
    check_refused("late", "usage: late MS");
    check_refused("late 0", "not a delay of 1 to 600000 ms");
    check_refused("late 10ms", "not a delay");
    check_refused("exception 0", "not an exception code 1-255");
    check_refused("exception 256", "not an exception code");
    check_refused("noreply 5", "usage: noreply");
    check_refused("reset 0", "not a number of seconds");
    check_refused("gap registers 1", "not an area");
    check_refused("gap holding 65535 2", "expected a start address");
    check_refused("gap holding", "usage: gap");
}

static void test_faults_answer(void)
{
    const uint8_t req[] = {SIM_FC_READ_HOLDING, 0, 0, 0, 2};
    struct sim_faults f;
    struct sim_answer a;
    struct sim_inject inj;
    struct cfg_err err = {{0}};
    memset(&f, 0, sizeof f);
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW, &a);
    CHECK(a.action == SIM_ACT_REPLY && a.delay_ms == 0 && a.len == 6);
    sim_inject_parse("late 300", &inj, &err);
    sim_faults_apply(&f, &inj, MS_NOW, &err);
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW, &a);
    CHECK(a.action == SIM_ACT_REPLY && a.delay_ms == 300 && a.len == 6);
    sim_inject_parse("exception 4", &inj, &err);
    sim_faults_apply(&f, &inj, MS_NOW, &err);       /* the latest fault wins */
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW, &a);
    CHECK(a.action == SIM_ACT_REPLY && a.delay_ms == 0 && a.len == 2 && a.pdu[0] == 0x83 && a.pdu[1] == 4);
    sim_inject_parse("noreply", &inj, &err);
    sim_faults_apply(&f, &inj, MS_NOW, &err);
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW, &a);
    CHECK_INT(a.action, SIM_ACT_SILENT);
    sim_inject_parse("crc", &inj, &err);
    sim_faults_apply(&f, &inj, MS_NOW, &err);
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW, &a);
    CHECK(a.action == SIM_ACT_BAD_CRC && a.len == 6);
    sim_inject_parse("garbage", &inj, &err);
    sim_faults_apply(&f, &inj, MS_NOW, &err);
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW, &a);
    CHECK(a.action == SIM_ACT_GARBAGE && a.len == 6);
    sim_inject_parse("disconnect 2", &inj, &err);
    sim_faults_apply(&f, &inj, MS_NOW, &err);
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW + 1999, &a);
    CHECK_INT(a.action, SIM_ACT_DROP);
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW + 2000, &a);
    CHECK_INT(a.action, SIM_ACT_REPLY);              /* back after its seconds */
    sim_inject_parse("gap holding 1", &inj, &err);
    for (int i = 0; i < SIM_GAPS_MAX; i++)
        CHECK_INT(sim_faults_apply(&f, &inj, MS_NOW, &err), 0);
    CHECK_INT(sim_faults_apply(&f, &inj, MS_NOW, &err), -1);
    CHECK_CONTAINS(err.msg, "at most 8 gaps");
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW, &a);
    CHECK(a.action == SIM_ACT_REPLY && a.len == 2 && a.pdu[1] == SIM_EXC_ILLEGAL_ADDRESS);
    sim_inject_parse("clear", &inj, &err);
    sim_faults_apply(&f, &inj, MS_NOW, &err);
    sim_faults_answer(&f, tables, req, sizeof req, MS_NOW, &a);
    CHECK(a.action == SIM_ACT_REPLY && a.len == 6);

    uint8_t n1[13], n2[13];
    uint64_t s1 = 7, s2 = 7;
    sim_fault_noise(n1, sizeof n1, &s1);
    sim_fault_noise(n2, sizeof n2, &s2);
    CHECK(memcmp(n1, n2, sizeof n1) == 0 && s1 == s2 && s1 != 7);   /* replayable, and it advances */
}

int main(void)
{
    tables = modbus_mapping_new(NB_BITS, NB_INPUT_BITS, NB_REGS, NB_INPUT_REGS);
    CHECK(tables != NULL);
    if (!tables)
        return check_summary();
    test_reads();
    test_writes();
    test_functions_and_gaps();
    test_fault_grammar();
    test_faults_answer();
    modbus_mapping_free(tables);
    return check_summary();
}
