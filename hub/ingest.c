/* ingest.c - ZeroMQ SUB socket drained inside the lws loop. */
#include "ingest.h"
#include "rtclock.h"
#include "rlog.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

/* Messages per loop turn. Small enough that one WebSocket frame (64 KiB) can
 * carry a turn's worth to a client, so under a flood the writes keep pace
 * with the drain instead of the client queues overflowing. */
#define INGEST_BUDGET 128

struct ingest {
    void *zctx;
    void *sock;
    broker_t *broker;
    struct lws_context *cx;
    struct lws *wsi;
    lws_sorted_usec_list_t sul_more;   /* continuation after a full budget */
    lws_sorted_usec_list_t sul_safety; /* slow safety net against a lost edge */
    bool more_pending; /* a continuation is scheduled: it drains, not the fd wake */
};

ingest_t *ingest_new(const char *endpoint, size_t max_wire, broker_t *b)
{
    ingest_t *in = calloc(1, sizeof(*in));
    if (!in)
        return NULL;
    in->broker = b;
    in->zctx = zmq_ctx_new();
    if (!in->zctx)
        goto fail;
    in->sock = zmq_socket(in->zctx, ZMQ_SUB);
    if (!in->sock)
        goto fail;
    int hwm = 100000, linger = 0;
    int64_t maxmsg = (int64_t)max_wire;
    if (zmq_setsockopt(in->sock, ZMQ_RCVHWM, &hwm, sizeof(hwm)) ||
        zmq_setsockopt(in->sock, ZMQ_LINGER, &linger, sizeof(linger)) ||
        zmq_setsockopt(in->sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof(maxmsg)) ||
        zmq_setsockopt(in->sock, ZMQ_SUBSCRIBE, "", 0))
        goto fail;
    if (zmq_bind(in->sock, endpoint)) {
        rlog(RLOG_ERROR, "cannot bind ingest %s: %s", endpoint, zmq_strerror(errno));
        goto fail_quiet;
    }
    return in;
fail:
    rlog(RLOG_ERROR, "ZeroMQ set-up failed: %s", zmq_strerror(errno));
fail_quiet:
    ingest_destroy(&in);
    return NULL;
}

void ingest_destroy(ingest_t **pin)
{
    if (!pin || !*pin)
        return;
    ingest_t *in = *pin;
    if (in->sock)
        zmq_close(in->sock);
    if (in->zctx)
        zmq_ctx_term(in->zctx);
    free(in);
    *pin = NULL;
}

static void s_drain(ingest_t *in);

static void s_more_cb(lws_sorted_usec_list_t *sul)
{
    ingest_t *in = lws_container_of(sul, ingest_t, sul_more);
    in->more_pending = false;
    s_drain(in);
}

static void s_safety_cb(lws_sorted_usec_list_t *sul)
{
    ingest_t *in = lws_container_of(sul, ingest_t, sul_safety);
    s_drain(in);
    lws_sul_schedule(in->cx, 0, &in->sul_safety, s_safety_cb, 250 * LWS_US_PER_MS);
}

static void s_drain(ingest_t *in)
{
    broker_t *b = in->broker;
    int64_t wall = rtclock_wall_ms(), mono = rtclock_mono_ms();
    zmq_msg_t topic, body;
    int budget = INGEST_BUDGET;
    /* Receive until EAGAIN rather than asking ZMQ_EVENTS per message: every
     * ZMQ_EVENTS query makes libzmq poll() its mailbox, while a receive that
     * finds a message waiting does not. EAGAIN also re-arms the ZMQ_FD edge. */
    for (;;) {
        if (budget-- == 0) {
            in->more_pending = true;
            lws_sul_schedule(in->cx, 0, &in->sul_more, s_more_cb, 1);
            break;
        }
        zmq_msg_init(&topic);
        if (zmq_msg_recv(&topic, in->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&topic);
            break;
        }
        if (!zmq_msg_more(&topic)) {
            broker_reject(b, REJ_BAD_FRAMES);
            zmq_msg_close(&topic);
            continue;
        }
        zmq_msg_init(&body);
        if (zmq_msg_recv(&body, in->sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&body);
            zmq_msg_close(&topic);
            break;
        }
        if (zmq_msg_more(&body)) {
            /* a third frame: read the rest of this message and drop it all */
            broker_reject(b, REJ_BAD_FRAMES);
            int more = 1;
            while (more) {
                zmq_msg_t extra;
                zmq_msg_init(&extra);
                if (zmq_msg_recv(&extra, in->sock, ZMQ_DONTWAIT) < 0)
                    more = 0;
                else
                    more = zmq_msg_more(&extra);
                zmq_msg_close(&extra);
            }
        } else {
            broker_ingest(b, zmq_msg_data(&topic), zmq_msg_size(&topic), zmq_msg_data(&body),
                          zmq_msg_size(&body), wall, mono);
        }
        zmq_msg_close(&body);
        zmq_msg_close(&topic);
    }
    broker_flush(b);
}

int ingest_attach(ingest_t *in, struct lws_context *cx, struct lws_vhost *vh)
{
    int zfd;
    size_t sz = sizeof(zfd);
    if (zmq_getsockopt(in->sock, ZMQ_FD, &zfd, &sz)) {
        rlog(RLOG_ERROR, "ZMQ_FD: %s", zmq_strerror(errno));
        return -1;
    }
    /* lws close()s what it adopts; libzmq must keep its own fd */
    lws_sock_file_fd_type u;
    u.filefd = dup(zfd);
    if (u.filefd < 0) {
        rlog(RLOG_ERROR, "dup(ZMQ_FD): %s", strerror(errno));
        return -1;
    }
    in->cx = cx;
    in->wsi = lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, u, "rtdash-ingest", NULL);
    if (!in->wsi) {
        close(u.filefd);
        rlog(RLOG_ERROR, "cannot adopt the ZeroMQ fd into the event loop");
        return -1;
    }
    lws_set_opaque_user_data(in->wsi, in);
    /* messages may already be queued with no edge pending */
    lws_sul_schedule(cx, 0, &in->sul_more, s_more_cb, 1);
    lws_sul_schedule(cx, 0, &in->sul_safety, s_safety_cb, 250 * LWS_US_PER_MS);
    return 0;
}

int ingest_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *data,
                    size_t len)
{
    ingest_t *in = lws_get_opaque_user_data(wsi);
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        /* one drain per turn: with a continuation pending, it does the work */
        if (in && !in->more_pending)
            s_drain(in);
        return 0;
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        if (in) {
            lws_sul_cancel(&in->sul_more);
            lws_sul_cancel(&in->sul_safety);
            in->wsi = NULL;
        }
        return 0;
    default:
        return 0;
    }
}
