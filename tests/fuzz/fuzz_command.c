/*
 * fuzz_command.c - the platform command parser against arbitrary payloads.
 *
 * Whatever arrives on the MQTT command topic (sink_mqtt_recv.c copies it and adds
 * a NUL, as here) is parsed by command_parse on the core thread. It must yield a
 * complete command or a sentence; the reply echoes cmd.id and cmd.name, so those
 * must be NUL-terminated strings whatever happened.
 */
#include "command_parse.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg_err err = {""};
    struct command cmd;
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    int rc = command_parse(text, size, ORIGIN_MQTT, &cmd, &err);
    if (strnlen(cmd.id, sizeof cmd.id) == sizeof cmd.id ||
        strnlen(cmd.name, sizeof cmd.name) == sizeof cmd.name)
        abort();                        /* the reply would print an unterminated string */
    if (rc < 0 && err.msg[0] == '\0')
        abort();
    if (rc == 0 && ((unsigned)cmd.kind >= CMD_KIND_COUNT ||
                    strnlen(cmd.actor, sizeof cmd.actor) == sizeof cmd.actor))
        abort();
    free(text);
    return 0;
}
