/*
 * test_sim_device.c - a simulated device's registers, its overrides, and the shipped scenarios.
 *
 * Uses the real profile files (drivers/profiles/gas_lel.json, and a profile with a
 * 4-20 mA loop, a float and a coil written to a temporary directory) and the
 * gateway's own decoder to read the tables back, so a test passes only if the
 * gateway would read what the simulator meant. The shipped gas_leak scenario is
 * played through the real alarm rules: it must raise level 1, escalate to level 2
 * and clear.
 */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "decode.h"
#include "profile.h"
#include "rules.h"
#include "sim_control.h"
#include "sim_device.h"
#include "sim_point.h"

#define PROFILE_DIR RISKGW_SOURCE_DIR "/drivers/profiles"
#define GAS_LEAK RISKGW_SOURCE_DIR "/simulators/scenarios/gas_leak.json"
#define UNIT 1
#define LEL_REG 0
#define STATUS_REG 1
#define GAS_LEAK_END_S 70
#define MS_PER_S 1000

static struct profile *gas;

static struct sim_scenario *scenario(const char *text)
{
    struct cfg_err err = {{0}};
    struct sim_scenario *sc = sim_scenario_parse(text, "s.json", &err);
    if (!sc)
        fprintf(stderr, "unexpected scenario error: %s\n", err.msg);
    CHECK(sc != NULL);
    return sc;
}

/* Binding must fail with a message containing expect. */
static void check_bind_refused(const char *text, const char *expect)
{
    struct cfg_err err = {{0}};
    struct sim_scenario *sc = scenario(text);
    if (!sc)
        return;
    struct sim_device *dev = sim_device_new(gas, UNIT, sc, &err);
    CHECK(dev == NULL);
    CHECK_CONTAINS(err.msg, expect);
    sim_device_free(dev);
    sim_scenario_free(sc);
}

static void test_bind_errors(void)
{
    check_bind_refused("{\"points\":{\"lell\":[{\"at_s\":0,\"value\":1}]}}",
                       "s.json: points.lell: no such point in profile gas_lel (its points: lel, status)");
    check_bind_refused("{\"profile\":\"o2\",\"points\":{\"lel\":[{\"at_s\":0,\"value\":1}]}}",
                       "s.json: profile: this scenario is written for profile o2, not gas_lel");
    check_bind_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1},{\"at_s\":1,\"ramp_to\":7000,\"over_s\":1}]}}",
                       "s.json: points.lel[1]: reaches 1 to 7000 %LEL, beyond what point lel's registers can hold");
    check_bind_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"noise\":{\"mean\":0,\"sd\":1}}]}}",
                       "points.lel[0]: reaches -4 to 4");   /* uint16 holds no negative */
    check_bind_refused("{\"points\":{\"status\":[{\"at_s\":0,\"value\":0},{\"at_s\":1,\"fault\":true}]}}",
                       "points.status[1]: point status cannot show a fault: a bit has no fault signal");
    check_bind_refused("{\"points\":{\"status\":[{\"at_s\":0,\"value\":2}]}}", "points.status[0]: reaches 2 to 2");
}

static double decoded(struct sim_device *dev, size_t k, enum quality *q)
{
    double v;
    *q = decode_registers(&gas->points[k].map, sim_device_tables(dev)->tab_registers + gas->points[k].map.address, &v);
    return v;
}

static void test_tables_and_overrides(void)
{
    struct cfg_err err = {{0}};
    struct sim_scenario *sc = scenario(
        "{\"points\":{\"lel\":[{\"at_s\":0,\"value\":12.3},{\"at_s\":5,\"ramp_to\":25,\"over_s\":5},"
        "{\"at_s\":20,\"fault\":true}]}}");
    struct sim_device *dev = sc ? sim_device_new(gas, UNIT, sc, &err) : NULL;
    enum quality q;
    CHECK(dev != NULL);
    if (!dev)
        goto out;
    modbus_mapping_t *t = sim_device_tables(dev);
    CHECK_INT(t->nb_registers, 2);              /* lel at 0, status bit in 1 */
    CHECK_INT(t->nb_bits + t->nb_input_bits + t->nb_input_registers, 0);
    CHECK_INT(sim_device_unit(dev), UNIT);
    CHECK_INT(t->tab_registers[LEL_REG], 123);  /* created at t = 0 */
    sim_device_update(dev, 10);
    CHECK_INT(t->tab_registers[LEL_REG], 250);
    sim_device_update(dev, 6);
    CHECK_INT(t->tab_registers[LEL_REG], 148);  /* 12.3 + 12.7 / 5 = 14.84 %LEL */
    sim_device_update(dev, 20);                 /* the scenario's fault: out of the plausible range */
    CHECK_INT(t->tab_registers[LEL_REG], 1160);
    decoded(dev, 0, &q);
    CHECK_INT(q, QUALITY_OUT_OF_RANGE);

    CHECK_INT(sim_device_set(dev, "lel", 42.5, &err), 0);
    CHECK_INT(sim_device_set(dev, "status", 1, &err), 0);
    sim_device_update(dev, 20);
    CHECK_INT(t->tab_registers[LEL_REG], 425);
    CHECK_INT(t->tab_registers[STATUS_REG], 1);
    CHECK_NEAR(decoded(dev, 0, &q), 42.5, 1e-9);
    CHECK_INT(q, QUALITY_GOOD);
    /* Refused overrides change nothing. */
    CHECK_INT(sim_device_set(dev, "lel", 7000, &err), -1);
    CHECK_CONTAINS(err.msg, "unit 1 point lel: 7000 %LEL is beyond what its registers can hold");
    CHECK_INT(sim_device_set(dev, "lell", 1, &err), -1);
    CHECK_CONTAINS(err.msg, "unit 1 point \"lell\": no such point in profile gas_lel");
    CHECK_INT(sim_device_fault(dev, "status", &err), -1);
    CHECK_CONTAINS(err.msg, "point status cannot show a fault");
    sim_device_update(dev, 20);
    CHECK_INT(t->tab_registers[LEL_REG], 425);
    CHECK_INT(t->tab_registers[STATUS_REG], 1);

    CHECK_INT(sim_device_fault(dev, "lel", &err), 0);
    sim_device_update(dev, 1);
    CHECK_INT(t->tab_registers[LEL_REG], 1160);
    CHECK_INT(sim_device_recover(dev, "lel", &err), 0);
    CHECK_INT(sim_device_recover(dev, "status", &err), 0);
    sim_device_update(dev, 1);
    CHECK_INT(t->tab_registers[LEL_REG], 123);
    CHECK_INT(t->tab_registers[STATUS_REG], 0); /* status has no timeline: it rests at 0 */
out:
    sim_device_free(dev);
    sim_scenario_free(sc);
}

static void test_control_lines(void)
{
    struct cfg_err err = {{0}};
    struct sim_device *dev = sim_device_new(gas, UNIT, NULL, &err);
    FILE *out = tmpfile();
    char shown[512] = "";
    CHECK(dev != NULL && out != NULL);
    if (!dev || !out)
        goto out;
    uint16_t *regs = sim_device_tables(dev)->tab_registers;
    CHECK_INT(regs[LEL_REG], 0);
    CHECK_INT(sim_control_exec(dev, "set lel 42.5", out, &err), SIM_CTL_OK);
    sim_device_update(dev, 0);
    CHECK_INT(regs[LEL_REG], 425);
    CHECK_INT(sim_control_exec(dev, "  # a comment", out, &err), SIM_CTL_OK);
    CHECK_INT(sim_control_exec(dev, "", out, &err), SIM_CTL_OK);
    CHECK_INT(sim_control_exec(dev, "set lel abc", out, &err), SIM_CTL_ERROR);
    CHECK_CONTAINS(err.msg, "set lel: \"abc\" is not a number");
    CHECK_INT(sim_control_exec(dev, "set lel 12x", out, &err), SIM_CTL_ERROR);
    CHECK_INT(sim_control_exec(dev, "set lel", out, &err), SIM_CTL_ERROR);
    CHECK_CONTAINS(err.msg, "usage: set POINT VALUE");
    CHECK_INT(sim_control_exec(dev, "set lel 1 2", out, &err), SIM_CTL_ERROR);
    CHECK_INT(sim_control_exec(dev, "explode lel", out, &err), SIM_CTL_ERROR);
    CHECK_CONTAINS(err.msg, "unknown command \"explode\"");
    CHECK_INT(sim_control_exec(dev, "fault nothing", out, &err), SIM_CTL_ERROR);
    sim_device_update(dev, 0);
    CHECK_INT(regs[LEL_REG], 425);              /* none of the refused lines changed it */
    CHECK_INT(sim_control_exec(dev, "show", out, &err), SIM_CTL_OK);
    CHECK_INT(sim_control_exec(dev, "quit", out, &err), SIM_CTL_QUIT);
    rewind(out);
    size_t got = fread(shown, 1, sizeof shown - 1, out);
    shown[got] = '\0';
    CHECK_CONTAINS(shown, "lel");
    CHECK_CONTAINS(shown, "set      42.5 %LEL");
    CHECK_CONTAINS(shown, "status");
out:
    if (out)
        fclose(out);
    sim_device_free(dev);
}

/* Lines arrive in pieces through a pipe; EOF stops the reading, not the device. */
static void test_input_stream(void)
{
    struct cfg_err err = {{0}};
    struct sim_device *dev = sim_device_new(gas, UNIT, NULL, &err);
    struct sim_input in;
    int p[2];
    CHECK(dev != NULL && pipe(p) == 0);
    if (!dev)
        return;
    uint16_t *regs = sim_device_tables(dev)->tab_registers;
    sim_input_init(&in, p[0], 0);
    CHECK(write(p[1], "set lel 1", 9) == 9);
    CHECK_INT(sim_input_read(&in, sim_control_device_line, dev, stderr), SIM_CTL_OK);
    sim_device_update(dev, 0);
    CHECK_INT(regs[LEL_REG], 0);                /* half a line does nothing yet */
    CHECK(write(p[1], "2.5\nbogus\nset status 1\n", 24) == 24);
    CHECK_INT(sim_input_read(&in, sim_control_device_line, dev, stderr), SIM_CTL_OK);
    sim_device_update(dev, 0);
    CHECK_INT(regs[LEL_REG], 125);
    CHECK_INT(regs[STATUS_REG], 1);
    char longline[SIM_LINE_MAX + 20];
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "set lel 9", 9);
    longline[sizeof longline - 1] = '\n';
    CHECK(write(p[1], longline, sizeof longline) == (ssize_t)sizeof longline);
    CHECK_INT(sim_input_read(&in, sim_control_device_line, dev, stderr), SIM_CTL_OK);
    sim_device_update(dev, 0);
    CHECK_INT(regs[LEL_REG], 125);              /* an overlong line is refused whole */
    CHECK(write(p[1], "quit\nset lel 3\n", 15) == 15);
    CHECK_INT(sim_input_read(&in, sim_control_device_line, dev, stderr), SIM_CTL_QUIT);
    close(p[1]);
    sim_input_init(&in, p[0], 0);
    CHECK_INT(sim_input_read(&in, sim_control_device_line, dev, stderr), SIM_CTL_OK);
    CHECK_INT(in.open, 0);                      /* EOF: no longer read, nothing else */
    close(p[0]);
    sim_device_free(dev);
}

static const char loop_profile[] =
    "{\"profile\":\"mix\",\"points\":["
    "{\"id\":\"h2s\",\"area\":\"input\",\"address\":4,\"type\":\"uint16\",\"scale\":0.01,"
    "\"signal\":\"loop_ma\",\"range\":[0,100],\"unit\":\"ppm\"},"
    "{\"id\":\"temp\",\"area\":\"holding\",\"address\":10,\"type\":\"float32\",\"order\":\"CDAB\",\"unit\":\"C\"},"
    "{\"id\":\"count\",\"area\":\"holding\",\"address\":0,\"type\":\"int32\"},"
    "{\"id\":\"fan\",\"area\":\"coil\",\"address\":3}]}";

static struct profile *load_mix(char *dir, size_t dirlen)
{
    struct cfg_err err = {{0}};
    char file[256];
    snprintf(dir, dirlen, "/tmp/test_sim_device.XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    snprintf(file, sizeof file, "%s/mix.json", dir);
    FILE *f = fopen(file, "w");
    if (!f)
        return NULL;
    fputs(loop_profile, f);
    fclose(f);
    struct profile *pf = profile_load(dir, "mix", &err);
    if (!pf)
        fprintf(stderr, "mix profile: %s\n", err.msg);
    unlink(file);
    rmdir(dir);
    return pf;
}

/* Fault signals and rest values for a loop, a float, an integer without range, a coil. */
static void test_point_kinds(void)
{
    char dir[64], why[SIM_WHY_MAX];
    struct cfg_err err = {{0}};
    struct profile *pf = load_mix(dir, sizeof dir);
    CHECK(pf != NULL);
    if (!pf)
        return;
    struct sim_device *dev = sim_device_new(pf, UNIT, NULL, &err);
    CHECK(dev != NULL);
    if (!dev)
        goto out;
    modbus_mapping_t *t = sim_device_tables(dev);
    CHECK_INT(t->nb_input_registers, 5);
    CHECK_INT(t->nb_registers, 12);
    CHECK_INT(t->nb_bits, 4);
    CHECK_INT(t->tab_input_registers[4], 400);  /* rest: 0 ppm = 4 mA = raw 400 */
    double v, fault;
    CHECK_INT(sim_device_fault(dev, "h2s", &err), 0);
    sim_device_update(dev, 0);
    CHECK_INT(t->tab_input_registers[4], 200);  /* 2.0 mA */
    CHECK_INT(decode_registers(&pf->points[0].map, t->tab_input_registers + 4, &v), QUALITY_SENSOR_FAULT);
    CHECK_INT(sim_point_fault_value(&pf->points[1].map, &fault, why, sizeof why), 0);
    CHECK(isnan(fault));                        /* a float with no range: NaN */
    CHECK_INT(sim_device_fault(dev, "temp", &err), 0);
    sim_device_update(dev, 0);
    CHECK_INT(decode_registers(&pf->points[1].map, t->tab_registers + 10, &v), QUALITY_SENSOR_FAULT);
    CHECK_INT(sim_device_fault(dev, "count", &err), -1);
    CHECK_CONTAINS(err.msg, "no \"plausible\" range");
    CHECK_INT(sim_device_set(dev, "temp", -12.25, &err), 0);
    CHECK_INT(sim_device_set(dev, "count", -70000, &err), 0);
    CHECK_INT(sim_device_set(dev, "fan", 1, &err), 0);
    CHECK_INT(sim_device_set(dev, "fan", 2, &err), -1);
    sim_device_update(dev, 0);
    CHECK_INT(decode_registers(&pf->points[1].map, t->tab_registers + 10, &v), QUALITY_GOOD);
    CHECK_NEAR(v, -12.25, 0);
    CHECK_INT(decode_registers(&pf->points[2].map, t->tab_registers, &v), QUALITY_GOOD);
    CHECK_NEAR(v, -70000, 0);
    CHECK_INT(t->tab_bits[3], 1);
out:
    sim_device_free(dev);
    profile_free(pf);
}

/* gas_leak.json, read back through the decoder and judged by the real alarm rules. */
static void test_gas_leak_alarms(void)
{
    struct cfg_err err = {{0}};
    struct sim_scenario *sc = sim_scenario_load(GAS_LEAK, &err);
    struct sim_device *dev = sc ? sim_device_new(gas, UNIT, sc, &err) : NULL;
    if (!dev)
        fprintf(stderr, "gas_leak: %s\n", err.msg);
    CHECK(dev != NULL);
    if (!dev)
        goto out;
    CHECK_STR(sc->profile, "gas_lel");
    CHECK(gas->points[0].rule.nlevels == 2);
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    int raised = 0, escalated = 0, cleared = 0, events = 0;
    double clean_max = 0, peak = 0;
    rules_state_init(&st);
    for (int s = 0; s <= GAS_LEAK_END_S; s++) {
        enum quality q;
        sim_device_update(dev, s);
        double v = decoded(dev, 0, &q);
        CHECK_INT(q, QUALITY_GOOD);
        if (s < 10 || s >= 50)
            clean_max = fmax(clean_max, v);
        peak = fmax(peak, v);
        struct sample smp = {.point = 0, .quality = q, .value = v, .ts_ms = s * MS_PER_S, .mono_ms = s * MS_PER_S};
        int n = rules_eval(&gas->points[0].rule, &st, &smp, smp.mono_ms, ev);
        for (int i = 0; i < n; i++, events++) {
            raised += ev[i].kind == EV_RAISED && strcmp(ev[i].level, "level1") == 0 && !escalated;
            escalated += ev[i].kind == EV_ESCALATED && strcmp(ev[i].level, "level2") == 0 && raised;
            cleared += ev[i].kind == EV_RETURNED && escalated;     /* gas_lel latches */
        }
    }
    CHECK_INT(raised, 1);
    CHECK_INT(escalated, 1);
    CHECK_INT(cleared, 1);
    CHECK(clean_max <= 3.0);                    /* clean air stays within 0-3 %LEL */
    CHECK(peak > 55 && peak < 65);
    CHECK_INT(st.severity, 0);
out:
    sim_device_free(dev);
    sim_scenario_free(sc);
}

int main(void)
{
    struct cfg_err err = {{0}};
    gas = profile_load(PROFILE_DIR, "gas_lel", &err);
    if (!gas) {
        fprintf(stderr, "cannot load the gas_lel profile: %s\n", err.msg);
        CHECK(gas != NULL);
        return check_summary();
    }
    test_bind_errors();
    test_tables_and_overrides();
    test_control_lines();
    test_input_stream();
    test_point_kinds();
    test_gas_leak_alarms();
    profile_free(gas);
    return check_summary();
}
