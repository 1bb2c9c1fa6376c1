/*
 * pjproject's compile-time limits for minipbx (copied to pjlib/include/pj/config_site.h
 * by pjproject/build-wheel.sh; changing this file changes the wheel's cache key).
 *
 * Upstream defaults hold 4 calls per process: a PBX then needs one process per two
 * bridged calls. Raised so one call worker holds a few hundred legs; crash isolation
 * and the second core are why we still run more than one worker, not capacity.
 * Names checked against pjsua.h, pj/config.h and pjsip/sip_config.h of 2.16.
 */
#ifndef MINIPBX_CONFIG_SITE_H
#define MINIPBX_CONFIG_SITE_H

/* Calls (legs) per process: 128 bridged calls. pjsua silently clamps
 * uaConfig.maxCalls to this, which is why the worker probes its capacity. */
#define PJSUA_MAX_CALLS                         256
/* Gateway agents register one account per port; upstream's 8 aborts on the 9th. */
#define PJSUA_MAX_ACC                           64
/* Prompts, tones and voicemail: a player or recorder per leg at most. */
#define PJSUA_MAX_PLAYERS                       256
#define PJSUA_MAX_RECORDERS                     256
/* Every leg, player, recorder and AudioMediaPort is a conference port. */
#define PJSUA_MAX_CONF_PORTS                    1024

/* Each call holds an RTP and an RTCP socket: 1024 handles leave room for 256 calls
 * plus SIP transports. epoll (configure --enable-epoll) has no FD_SETSIZE cap. */
#define PJ_IOQUEUE_MAX_HANDLES                  1024
#define PJ_IOQUEUE_MAX_EVENTS_IN_SINGLE_POLL    64

/* A call has one dialog and a few transactions alive (INVITE, re-INVITE, BYE,
 * NOTIFY for transfers); upstream sizes these for tens of calls. */
#define PJSIP_MAX_TSX_COUNT                     (4096-1)
#define PJSIP_MAX_DIALOG_COUNT                  (2048-1)

/* Audio only; sound goes through the null device and our own hal audio. */
#define PJMEDIA_HAS_VIDEO                       0

#endif /* MINIPBX_CONFIG_SITE_H */
