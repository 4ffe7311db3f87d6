/* SPDX-License-Identifier: MIT */
/* fuzz_cmd.c - libFuzzer target for browser command parsing. On success the
 * command must hold only valid patterns and valid since topics; on failure
 * the message must be printable ASCII and the command empty. */
#include "cmd.h"
#include "topic.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cmd_t c;
    char msg[160];
    memset(msg, 'Z', sizeof msg);
    cmd_err_t e = cmd_parse((const char *)data, size, 8, &c, msg, sizeof msg);
    if (!memchr(msg, '\0', sizeof msg))
        abort();
    for (const char *p = msg; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
            abort();
    if (e != CMD_OK) {
        if (msg[0] == '\0' || c.topics || c.since || c.ntopics || c.nsince)
            abort();
        if (cmd_err_code(e)[0] == '\0')
            abort();
        return 0;
    }
    if (c.ntopics > 8 || c.nsince > 8 || (c.ntopics && !c.has_topics))
        abort();
    for (size_t i = 0; i < c.ntopics; i++)
        if (!topic_pattern_is_valid(c.topics[i], strlen(c.topics[i])))
            abort();
    for (size_t i = 0; i < c.nsince; i++)
        if (!topic_is_valid(c.since[i].topic, strlen(c.since[i].topic)))
            abort();
    if (c.type != CMD_SUBSCRIBE && (c.nsince || c.history))
        abort();
    if ((c.type == CMD_SUBSCRIBE || c.type == CMD_UNSUBSCRIBE) && c.ntopics == 0)
        abort();
    cmd_free(&c);
    return 0;
}
