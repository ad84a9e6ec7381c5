/*
 * sink_http.h - the HTTP uplinks: the national dust-enterprise platform and webhooks.
 *
 * Both are struct sink (sink.h) over libcurl, each with one worker thread that
 * POSTs one message at a time over a kept-alive connection. send() only queues
 * (at most base.window messages held; -1 when full), so the core never waits on
 * the network. Every message send() accepted is settled exactly once, by
 * CTL_DELIVERED or CTL_FAILED on the control queue, until destroy:
 *   - delivered: HTTP 2xx and the reply body reports no application error
 *     (a JSON object with "success": false, a non-zero "errcode", or a "code"
 *     other than 0 or 200 is an error);
 *   - failed: anything else. A failure also fails everything else the sink
 *     holds (the outbox resends from its cursor anyway) and starts a back-off
 *     (1 s doubling to 60 s, monotonic clock) during which connected() is 0.
 *     A network failure (not an HTTP answer) also reports CTL_LINK_DOWN, and the
 *     next success CTL_LINK_UP.
 * A class the sink does not carry is confirmed at once without sending.
 * Details and the wire formats: docs/uplinks-http.md.
 */
#ifndef RISKGW_SINK_HTTP_H
#define RISKGW_SINK_HTTP_H

#include <stddef.h>
#include "queue.h"
#include "sink.h"
#include "sink_http_cfg.h"

/*
 * The national platform: each carried message's payload (interface v1 JSON, as
 * stored) is SM4-CBC encrypted and POSTed as {"appid": ..., "data": "<hex>"}
 * with the header "appsecret". Cursor key "national". NULL and err when the
 * settings cannot work (no SM4 in OpenSSL, a URL libcurl refuses).
 */
struct sink *sink_http_national_create(const struct national_cfg *cfg, struct queue *ctl,
                                       int index, char *err, size_t errlen);

/*
 * A duty-staff webhook (WeCom / DingTalk group robot): each event becomes one
 * text line; telemetry is confirmed without sending. At most rate_count posts
 * per rate_window_s; events beyond that are held and, when the window ends,
 * represented by one summary post, whose answer settles them all. Cursor key
 * "webhook" or "webhook:<name>".
 */
struct sink *sink_http_webhook_create(const struct webhook_cfg *cfg, struct queue *ctl,
                                      int index, char *err, size_t errlen);

#endif
