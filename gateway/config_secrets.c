/*
 * config_secrets.c - a config that holds secrets must not be readable by every user.
 *
 * The broker password, the national platform's appsecret and SM4 key, a
 * webhook's token and the console's password hashes all sit in the site file.
 * The package installs it 0640 root:riskgw; a hand-made copy often ends up 0644.
 * The gateway says so at start.
 */
#include <string.h>
#include <sys/stat.h>

#include "config.h"

static int holds_secrets(const struct config *cfg)
{
    return cfg->mqtt.password[0] || cfg->mqtt.key_file[0] || cfg->national_enabled || cfg->nwebhooks > 0 ||
           cfg->console.noperators > 0;
}

int config_secrets_exposed(const struct config *cfg)
{
    struct stat st;
    return holds_secrets(cfg) && stat(cfg->source, &st) == 0 && (st.st_mode & S_IROTH);
}
