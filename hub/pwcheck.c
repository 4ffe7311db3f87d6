/* SPDX-License-Identifier: MIT */
/* pwcheck.c - one worker thread for argon2id checks (see pwcheck.h). */
#include "pwcheck.h"
#include "authdb.h"
#include <libwebsockets.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct job {
    uint64_t id;
    char hash[256];
    char pw[1024];
    size_t len;
    bool done, ok;
} job_t;

struct pwcheck {
    struct lws_context *cx;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    job_t *jobs; /* max slots: waiting (id, !done) or finished (done) */
    size_t max;
    uint64_t next_id;
    bool stop;
};

static void *s_worker(void *arg)
{
    pwcheck_t *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        job_t *j = NULL;
        for (size_t i = 0; i < p->max && !j; i++)
            if (p->jobs[i].id && !p->jobs[i].done)
                j = &p->jobs[i];
        if (p->stop)
            break;
        if (!j) {
            pthread_cond_wait(&p->cv, &p->mu);
            continue;
        }
        job_t work = *j;
        pthread_mutex_unlock(&p->mu);
        bool ok = authdb_password_ok(work.hash, work.pw, work.len);
        OPENSSL_cleanse(&work, sizeof work);
        pthread_mutex_lock(&p->mu);
        OPENSSL_cleanse(j->pw, sizeof j->pw);
        j->done = true;
        j->ok = ok;
        lws_cancel_service(p->cx); /* the only lws call allowed from here */
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

pwcheck_t *pwcheck_new(struct lws_context *cx, size_t max_pending)
{
    pwcheck_t *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->cx = cx;
    p->max = max_pending ? max_pending : 1;
    p->next_id = 1;
    p->jobs = calloc(p->max, sizeof(job_t));
    if (!p->jobs || pthread_mutex_init(&p->mu, NULL)) {
        free(p->jobs);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->cv, NULL)) {
        pthread_mutex_destroy(&p->mu);
        free(p->jobs);
        free(p);
        return NULL;
    }
    if (pthread_create(&p->thread, NULL, s_worker, p)) {
        pthread_cond_destroy(&p->cv);
        pthread_mutex_destroy(&p->mu);
        free(p->jobs);
        free(p);
        return NULL;
    }
    return p;
}

void pwcheck_destroy(pwcheck_t **pp)
{
    if (!pp || !*pp)
        return;
    pwcheck_t *p = *pp;
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
    OPENSSL_cleanse(p->jobs, p->max * sizeof(job_t));
    free(p->jobs);
    free(p);
    *pp = NULL;
}

uint64_t pwcheck_submit(pwcheck_t *p, const char *hash, const char *pw, size_t len)
{
    if (strlen(hash) >= sizeof(((job_t *)0)->hash) || len >= sizeof(((job_t *)0)->pw))
        return 0;
    uint64_t id = 0;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->max; i++) {
        job_t *j = &p->jobs[i];
        if (j->id)
            continue;
        id = j->id = p->next_id++;
        j->done = j->ok = false;
        strcpy(j->hash, hash);
        memcpy(j->pw, pw, len);
        j->len = len;
        pthread_cond_signal(&p->cv);
        break;
    }
    pthread_mutex_unlock(&p->mu);
    return id;
}

bool pwcheck_take(pwcheck_t *p, uint64_t *id, bool *ok)
{
    bool got = false;
    pthread_mutex_lock(&p->mu);
    for (size_t i = 0; i < p->max && !got; i++) {
        job_t *j = &p->jobs[i];
        if (j->id && j->done) {
            *id = j->id;
            *ok = j->ok;
            memset(j, 0, sizeof(*j));
            got = true;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return got;
}
