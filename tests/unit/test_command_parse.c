/*
 * test_command_parse.c - the write command as the parser takes it: a value is required,
 * must be a number, belongs to write alone, and the actor carries where it came from;
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
        {"{\"cmd\":\"wrtie\"}", "unknown command \"wrtie\" (known: status, read, silence, reset, reload, write)"},
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

int main(void)
{
    test_write();
    test_via_console();
    return check_summary();
}
