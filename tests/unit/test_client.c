/* SPDX-License-Identifier: MIT */
/* test_client.c - subscriptions, unsubscribe coverage, pause/resume state. */
#include "check.h"
#include "client.h"
#include <string.h>

static int s_resumed;
static uint64_t s_resumed_gen;

static void s_on_resume(void *ud, client_t *c, rtopic_t *t, uint64_t gen)
{
    (void)ud;
    (void)c;
    (void)t;
    s_resumed++;
    s_resumed_gen = gen;
}

int main(void)
{
    registry_t *r = registry_new(100, 10);
    rtopic_t *sales = registry_add(r, "demo.sales", 10);
    rtopic_t *cpu = registry_add(r, "system.cpu", 10);
    rtopic_t *cores = registry_add(r, "system.cpu.cores", 16);
    client_t *c = client_new(1, 64, 1 << 20);

    CHECK(client_subscribe(c, r, "system.*", 10, 1) == CLIENT_OK);
    CHECK(c->ntopics == 2 && cpu->nsubs == 1 && cores->nsubs == 1 && sales->nsubs == 0);
    /* a topic matched twice is joined once */
    CHECK(client_subscribe(c, r, "system.cpu", 10, 1) == CLIENT_OK);
    CHECK(c->ntopics == 2 && cpu->nsubs == 1);
    /* the same pattern twice is one subscription */
    CHECK(client_subscribe(c, r, "system.*", 10, 1) == CLIENT_OK);
    CHECK(c->npatterns == 2);
    /* limit */
    CHECK(client_subscribe(c, r, "demo.sales", 2, 1) == CLIENT_E_LIMIT);
    CHECK(sales->nsubs == 0);

    /* a new topic that matches is joined */
    rtopic_t *mem = registry_add(r, "system.memory", 13);
    CHECK(client_topic_added(c, mem, 5));
    CHECK(mem->nsubs == 1 && c->ntopics == 3);
    rtopic_t *other = registry_add(r, "systemx", 7);
    CHECK(!client_topic_added(c, other, 5));

    /* unsubscribe system.cpu: system.* still covers it */
    client_unsubscribe(c, "system.cpu");
    CHECK(c->npatterns == 1 && cpu->nsubs == 1);
    /* unsubscribe system.* removes everything under it */
    client_unsubscribe(c, "system.*");
    CHECK(c->npatterns == 0 && c->ntopics == 0 && cpu->nsubs == 0 && mem->nsubs == 0);

    /* unsubscribe demo.* covers the exact demo.sales */
    CHECK(client_subscribe(c, r, "demo.sales", 10, 1) == CLIENT_OK);
    CHECK(client_subscribe(c, r, "*", 10, 1) == CLIENT_OK);
    client_unsubscribe(c, "demo.*");
    CHECK(c->npatterns == 1 && !strcmp(c->patterns[0], "*"));
    CHECK(sales->nsubs == 1); /* "*" stays in force */

    /* pause all at gen 7, then resume: the callback gets gen 7 per topic */
    CHECK(client_pause(c, NULL, 7) == CLIENT_OK);
    CHECK(registry_sub_find(sales, c)->paused_gen == 7);
    /* a topic appearing while paused starts paused */
    rtopic_t *views = registry_add(r, "demo.views", 10);
    CHECK(client_topic_added(c, views, 9));
    CHECK(registry_sub_find(views, c)->paused_gen == 9);
    client_resume(c, NULL, s_on_resume, NULL);
    CHECK(s_resumed == (int)c->ntopics);
    CHECK(registry_sub_find(sales, c)->paused_gen == 0);
    CHECK(registry_sub_find(views, c)->paused_gen == 0);
    CHECK(c->nrules == 0);

    /* pause one pattern, resume it */
    s_resumed = 0;
    client_pause(c, "demo.*", 11);
    CHECK(registry_sub_find(sales, c)->paused_gen == 11);
    CHECK(registry_sub_find(cpu, c)->paused_gen == 0);
    client_resume(c, "demo.*", s_on_resume, NULL);
    CHECK(s_resumed == 2 && s_resumed_gen == 11);

    /* resume by pattern after a broader pause: demo resumes, the rest stays
     * paused, and later topics follow the last matching rule */
    s_resumed = 0;
    client_pause(c, NULL, 13);
    CHECK(client_resume(c, "demo.*", s_on_resume, NULL) == CLIENT_OK);
    CHECK(s_resumed == 2 && registry_sub_find(sales, c)->paused_gen == 0);
    CHECK(registry_sub_find(cpu, c)->paused_gen == 13);
    rtopic_t *d2 = registry_add(r, "demo.x", 6), *s2 = registry_add(r, "system.x", 8);
    CHECK(client_topic_added(c, d2, 14) && client_topic_added(c, s2, 14));
    CHECK(registry_sub_find(d2, c)->paused_gen == 0);
    CHECK(registry_sub_find(s2, c)->paused_gen == 14);
    client_resume(c, NULL, s_on_resume, NULL);
    CHECK(c->nrules == 0 && registry_sub_find(cpu, c)->paused_gen == 0);
    /* pause one topic under a pattern, resume the pattern */
    client_pause(c, "demo.sales", 15);
    s_resumed = 0;
    client_resume(c, "demo.*", s_on_resume, NULL);
    CHECK(s_resumed == 1 && s_resumed_gen == 15);

    /* gap marks */
    client_mark_gap(c, sales);
    client_mark_gap(c, sales);
    CHECK(c->ngaps == 1);
    CHECK(!client_take_gap(c, cpu));
    CHECK(client_take_gap(c, sales));
    CHECK(!client_take_gap(c, sales));

    /* destroy leaves every topic */
    client_destroy(&c);
    CHECK(c == NULL);
    CHECK(sales->nsubs == 0 && cpu->nsubs == 0 && views->nsubs == 0);
    registry_destroy(&r);
    return CHECK_DONE();
}
