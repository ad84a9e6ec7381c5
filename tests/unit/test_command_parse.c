/*
 * test_command_parse.c - commands as the parser takes them: the write command's value is
 * required, must be a number, belongs to write alone, and the actor carries where it came
 * from; "v": 1 (the interface version every payload carries) is accepted and any other
 * version refused by name; a history request's device, points, range and resolution;
 * "via": "console" (the site console's acts) is taken from the control socket only.
 */
#include "check.h"
#include "command_parse.h"

static int parse(const char *text, enum command_origin origin, struct command *cmd, struct cfg_err *err)
{
    return command_parse(text, strlen(text), origin, cmd, err);
}

static void test_write(void)
{
    struct command cmd;
    struct cfg_err err = {""};
    CHECK_INT(parse("{\"id\":\"w\",\"cmd\":\"write\",\"device\":\"siren1\",\"point\":\"tone\","
                    "\"value\":3.5,\"actor\":\"li\"}", ORIGIN_LOCAL, &cmd, &err), 0);
    CHECK_INT(cmd.kind, CMD_WRITE);
    CHECK_STR(cmd.device, "siren1");
    CHECK_STR(cmd.point, "tone");
    CHECK_NEAR(cmd.value, 3.5, 0);
    CHECK_STR(cmd.actor, "cli:li");
    CHECK_INT(parse("{\"cmd\":\"write\",\"device\":\"d\",\"point\":\"p\",\"value\":0}", ORIGIN_MQTT,
                    &cmd, &err), 0);
    CHECK_STR(cmd.actor, "mqtt:platform");

    static const struct { const char *text, *msg; } bad[] = {
        {"{\"cmd\":\"write\",\"device\":\"d\",\"point\":\"p\"}", "value: is required"},
        {"{\"cmd\":\"write\",\"device\":\"d\",\"point\":\"p\",\"value\":\"on\"}", "value: expected a number"},
        {"{\"cmd\":\"write\",\"device\":\"d\",\"value\":1}", "point: is required"},
        {"{\"cmd\":\"write\",\"device\":\"d\",\"point\":\"p\",\"value\":1e300}", "value: 1e+300 is out of range"},
        {"{\"cmd\":\"silence\",\"device\":\"d\",\"point\":\"p\",\"value\":1}",
         "value: only the write command takes a value"},
        {"{\"cmd\":\"wrtie\"}", "unknown command \"wrtie\" (known: status, read, silence, reset, reload, write, history)"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(parse(bad[i].text, ORIGIN_MQTT, &cmd, &err), -1);
        CHECK_CONTAINS(err.msg, bad[i].msg);
    }
}

static void test_via_console(void)
{
    struct command cmd;
    struct cfg_err err;
    const char *via = "{\"cmd\":\"silence\",\"device\":\"gas1\",\"point\":\"lel\",\"actor\":\"wang\","
                      "\"via\":\"console\"}";
    CHECK_INT(parse(via, ORIGIN_LOCAL, &cmd, &err), 0);
    CHECK_STR(cmd.actor, "console:wang");
    CHECK_INT(parse(via, ORIGIN_MQTT, &cmd, &err), -1);     /* the platform cannot pose as the console */
    CHECK(strstr(err.msg, "control socket") != NULL);
    CHECK_INT(parse("{\"cmd\":\"silence\",\"device\":\"gas1\",\"point\":\"lel\",\"via\":\"cli\"}", ORIGIN_LOCAL,
                    &cmd, &err), -1);
    CHECK_INT(parse("{\"cmd\":\"silence\",\"device\":\"gas1\",\"point\":\"lel\",\"actor\":\"wang\"}", ORIGIN_LOCAL,
                    &cmd, &err), 0);
    CHECK_STR(cmd.actor, "cli:wang");
}

static void test_version(void)
{
    struct command cmd;
    struct cfg_err err = {""};
    CHECK_INT(parse("{\"id\":\"x1\",\"cmd\":\"silence\",\"device\":\"d\",\"point\":\"p\","
                    "\"actor\":\"wang\",\"v\":1}", ORIGIN_MQTT, &cmd, &err), 0);
    CHECK_INT(cmd.kind, CMD_SILENCE);
    CHECK_STR(cmd.id, "x1");
    CHECK_INT(parse("{\"cmd\":\"status\",\"v\":2}", ORIGIN_MQTT, &cmd, &err), -1);
    CHECK_CONTAINS(err.msg, "v: this gateway speaks interface version 1; a command for version 2 is refused");
    CHECK_INT(parse("{\"cmd\":\"status\",\"v\":\"1\"}", ORIGIN_MQTT, &cmd, &err), -1);
    CHECK_CONTAINS(err.msg, "v: the interface version is a number (1)");
}

static void test_history(void)
{
    struct command cmd;
    struct cfg_err err = {""};
    CHECK_INT(parse("{\"id\":\"h\",\"cmd\":\"history\",\"device\":\"gas1\",\"points\":[\"lel\",\"o2\"],"
                    "\"from\":1795420800000,\"to\":1795424400000,\"resolution\":\"minute\"}", ORIGIN_MQTT,
                    &cmd, &err), 0);
    CHECK_INT(cmd.kind, CMD_HISTORY);
    CHECK_STR(cmd.device, "gas1");
    CHECK_INT(cmd.history.npoints, 2);
    CHECK_STR(cmd.history.points[1], "o2");
    CHECK(cmd.history.from_ms == 1795420800000LL && cmd.history.to_ms == 1795424400000LL);
    CHECK_INT(cmd.history.minute, 1);
    CHECK_INT(parse("{\"cmd\":\"history\",\"device\":\"gas1\",\"from\":5}", ORIGIN_MQTT, &cmd, &err), 0);
    CHECK_INT(cmd.history.npoints, 0);
    CHECK_INT(cmd.history.minute, 0);
    CHECK(cmd.history.to_ms == 0);

    static const struct { const char *text, *msg; } bad[] = {
        {"{\"cmd\":\"history\",\"from\":5}", "device: is required"},
        {"{\"cmd\":\"history\",\"device\":\"d\"}", "from: is required"},
        {"{\"cmd\":\"history\",\"device\":\"d\",\"from\":-1}", "from: -1 is out of range"},
        {"{\"cmd\":\"history\",\"device\":\"d\",\"from\":\"yesterday\"}", "from: expected a whole number"},
        {"{\"cmd\":\"history\",\"device\":\"d\",\"from\":9,\"to\":9}", "to: must be later than from"},
        {"{\"cmd\":\"history\",\"device\":\"d\",\"from\":9,\"resolution\":\"hour\"}",
         "resolution: \"hour\" is not one of \"raw\", \"minute\""},
        {"{\"cmd\":\"history\",\"device\":\"d\",\"from\":9,\"points\":\"lel\"}", "points: expected an array"},
        {"{\"cmd\":\"history\",\"device\":\"d\",\"from\":9,\"points\":[]}", "points: is empty"},
        {"{\"cmd\":\"history\",\"device\":\"d\",\"from\":9,\"points\":[\"a\",7]}", "points[1]: expected a point id"},
        {"{\"cmd\":\"history\",\"device\":\"d\",\"point\":\"p\",\"from\":9}", "point: history names its points"},
        {"{\"cmd\":\"read\",\"device\":\"d\",\"point\":\"p\",\"from\":9}", "from: only the history command"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(parse(bad[i].text, ORIGIN_MQTT, &cmd, &err), -1);
        CHECK_CONTAINS(err.msg, bad[i].msg);
    }
    char many[4096] = "{\"cmd\":\"history\",\"device\":\"d\",\"from\":9,\"points\":[\"p0\"";
    for (int i = 1; i <= HISTORY_POINTS_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), ",\"p%d\"", i);
    strcat(many, "]}");
    CHECK_INT(parse(many, ORIGIN_MQTT, &cmd, &err), -1);
    CHECK_CONTAINS(err.msg, "points: at most 32 points per request");
}

int main(void)
{
    test_write();
    test_version();
    test_history();
    test_via_console();
    return check_summary();
}
