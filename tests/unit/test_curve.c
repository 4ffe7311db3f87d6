/* SPDX-License-Identifier: MIT */
/* test_curve.c - Z85 keys, key files, the CURVE allow-list and its lookups. */
#include "check.h"
#include "curve.h"
#include "curvekey.h"
#include "ingest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S(x) x, strlen(x)

/* Two keys written by zmq_curve_keypair() (pyzmq), public then secret. */
#define PUB_A "Ba/vT0OprihaSfuRz^Mog*LMksD+o9OVCV:9o-IB"
#define SEC_A "{E#$&zL2+s1X$#US&k^}Io$^FKPPcLmee-]OUAKh"
#define PUB_B "b^{:5=ZWeX)%T=LqP1gG*3r^JUJBkvqcCQ^ge9ZL"
#define SEC_B "t$6wq3-LF=L%Z9Dpe7lGYI:ee031^iOjh4P?B>kb"
/* Bytes 0..31: a key with '#' in it (no key can start with '#': a group
 * of five that starts with it is over 2^32, so "# " is always a comment). */
#define PUB_HASH "009c61o!#m2NH?C3>iWS5d]J*6CRx17-skh9337x"

static void test_z85(void)
{
    /* ZeroMQ RFC 32's example: 86 4F D2 6F B5 59 F7 5B is "HelloWorld" */
    static const uint8_t hw[8] = {0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B};
    uint8_t key[32], back[32];
    char z[41];
    CHECK(curvekey_z85_decode(S("HelloWorldHelloWorldHelloWorldHelloWorld"), key));
    for (int i = 0; i < 4; i++)
        CHECK(memcmp(key + 8 * i, hw, 8) == 0);
    curvekey_z85_encode(key, z);
    CHECK_STREQ(z, "HelloWorldHelloWorldHelloWorldHelloWorld");
    /* every byte value survives the round trip */
    for (int i = 0; i < 32; i++)
        key[i] = (uint8_t)(i * 37 + 11);
    curvekey_z85_encode(key, z);
    CHECK(strlen(z) == 40 && curvekey_z85_decode(z, 40, back) && !memcmp(key, back, 32));
    memset(key, 0xff, 32);
    curvekey_z85_encode(key, z);
    CHECK_STREQ(z, "%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0");
    /* one spelling per key: a group over 2^32 - 1 is refused */
    CHECK(!curvekey_z85_decode(S("%nSc1%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0"), key));
    CHECK(!curvekey_z85_decode(S("#####%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0%nSc0"), key));
    CHECK(!curvekey_z85_decode(S(PUB_A "0"), key));
    CHECK(!curvekey_z85_decode(PUB_A, 39, key));
    CHECK(!curvekey_z85_decode(S(""), key));
    CHECK(!curvekey_z85_decode(NULL, 40, key));
    const char bad[] = " \"',;_`|~\\\x7f\x80";
    for (size_t i = 0; i < sizeof bad - 1; i++) {
        char k[41];
        memcpy(k, PUB_A, 41);
        k[17] = bad[i];
        CHECK(!curvekey_z85_decode(k, 40, key));
    }
    char nul[40];
    memcpy(nul, PUB_A, 40);
    nul[39] = '\0';
    CHECK(!curvekey_z85_decode(nul, 40, key));
}

static void test_keyfile(void)
{
    curvekey_pair_t kp;
    char err[300];
    uint8_t want[32];
    CHECK(curvekey_parse(S(PUB_A " " SEC_A "\n"), &kp, err, sizeof err) == 0);
    CHECK_STREQ(kp.pub_z85, PUB_A);
    CHECK(curvekey_z85_decode(S(SEC_A), want) && !memcmp(kp.sec, want, 32));
    CHECK(curvekey_z85_decode(S(PUB_A), want) && !memcmp(kp.pub, want, 32));
    CHECK(curvekey_parse(S(PUB_A " " SEC_A), &kp, err, sizeof err) == 0);
    CHECK(curvekey_parse(S("  " PUB_A "\t\t" SEC_A " \r\n"), &kp, err, sizeof err) == 0);
    CHECK(curvekey_parse(S(PUB_A "\n"), &kp, err, sizeof err) < 0 &&
          strstr(err, "fewer than two words"));
    CHECK(curvekey_parse(S(""), &kp, err, sizeof err) < 0 && strstr(err, "fewer than two"));
    CHECK(curvekey_parse(S(PUB_A " " SEC_A " x\n"), &kp, err, sizeof err) < 0 &&
          strstr(err, "more than two words"));
    CHECK(curvekey_parse(S(PUB_A "\n" SEC_A "\n"), &kp, err, sizeof err) < 0 &&
          strstr(err, "more than one line"));
    CHECK(curvekey_parse(S(PUB_A " " SEC_A "\n\n"), &kp, err, sizeof err) < 0 &&
          strstr(err, "more than one line"));
    CHECK(curvekey_parse(S("# keys\n" PUB_A " " SEC_A "\n"), &kp, err, sizeof err) < 0);
    CHECK(curvekey_parse(S(PUB_A " short\n"), &kp, err, sizeof err) < 0 &&
          strstr(err, "secret key is not"));
    CHECK(curvekey_parse(S("short " SEC_A "\n"), &kp, err, sizeof err) < 0 &&
          strstr(err, "public key is not"));
    CHECK(curvekey_parse(PUB_A " " SEC_A "\0\n", 83, &kp, err, sizeof err) < 0);
}

static curve_t *s_clients(const char *text, char *err, int *n)
{
    curve_t *c = curve_new();
    *n = curve_parse_clients(c, text, strlen(text), err, 300);
    return c;
}

static int s_parse(const char *text, char *err)
{
    int n;
    curve_t *c = s_clients(text, err, &n);
    curve_destroy(&c);
    return n;
}

static void test_clients(void)
{
    char err[300];
    int n;
    curve_t *c = s_clients("# collectors\n"
                           "\n" PUB_A " sysmetrics system.*\r\n"
                           "   # indented comment\n"
                           "#\n" PUB_B "\tdemo  demo.*\tdemo2.x \n" PUB_HASH " any\n",
                           err, &n);
    CHECK(n == 3 && curve_count(c) == 3);
    uint8_t ka[32], kb[32], kh[32];
    CHECK(curvekey_z85_decode(S(PUB_A), ka) && curvekey_z85_decode(S(PUB_B), kb) &&
          curvekey_z85_decode(S(PUB_HASH), kh));
    const curve_client_t *a = curve_find(c, ka), *b = curve_find_z85(c, S(PUB_B));
    CHECK(a && !strcmp(a->name, "sysmetrics") && a->npatterns == 1 &&
          !strcmp(a->patterns[0], "system.*") && !strcmp(a->z85, PUB_A));
    CHECK(b && !strcmp(b->name, "demo") && b->npatterns == 2 && !strcmp(b->patterns[1], "demo2.x"));
    const curve_client_t *h = curve_find(c, kh);
    CHECK(h && !strcmp(h->name, "any") && h->npatterns == 1 && !strcmp(h->patterns[0], "*"));
    CHECK(curve_at(c, 0) == a && curve_at(c, 1) == b && curve_at(c, 2) == h && !curve_at(c, 3));
    /* patterns */
    CHECK(a && curve_permits(a, S("system.cpu")) && curve_permits(a, S("system.net.eth0")));
    CHECK(a && !curve_permits(a, S("system")) && !curve_permits(a, S("demo.sales")));
    CHECK(b && curve_permits(b, S("demo.x")) && curve_permits(b, S("demo2.x")));
    CHECK(b && !curve_permits(b, S("demo2.y")) && !curve_permits(b, S("system.cpu")));
    CHECK(h && curve_permits(h, S("anything.at.all")));
    /* unknown keys, and what is not a key */
    CHECK(!curve_find_z85(c, S(SEC_A)) && !curve_find_z85(c, S("nope")));
    CHECK(!curve_find_z85(c, PUB_A, 39));
    /* a supervised collector's key: any name, even one of the file */
    CHECK(curve_add(c, kb, "demo", "*", err, sizeof err) < 0 && strstr(err, "already listed"));
    uint8_t kx[32];
    memset(kx, 7, 32);
    CHECK(curve_add(c, kx, "demo", "*", err, sizeof err) == 0 && curve_count(c) == 4);
    const curve_client_t *x = curve_find(c, kx);
    CHECK(x && !strcmp(x->name, "demo") && curve_permits(x, S("system.cpu")));
    kx[0] = 8;
    CHECK(curve_add(c, kx, "bad name", "*", err, sizeof err) < 0);
    CHECK(curve_add(c, kx, "", "*", err, sizeof err) < 0);
    CHECK(curve_add(c, kx, "ok", "a..b", err, sizeof err) < 0);
    CHECK(curve_add(c, kx, "rtdash-demo#2", "demo.*", err, sizeof err) == 0);
    curve_destroy(&c);
    CHECK(c == NULL);
    curve_destroy(&c);
    curve_destroy(NULL);

    /* every error names its line, and no broken file allows anybody */
    CHECK(s_parse("", err) < 0 && strstr(err, "no collector"));
    CHECK(s_parse("# only\n\n#\n   \n# c\n", err) < 0 && strstr(err, "allows nobody"));
    CHECK(s_parse("# c\nshort demo\n", err) < 0 && strstr(err, "line 2: the key is not"));
    CHECK(s_parse(SEC_A "x demo\n", err) < 0 && strstr(err, "line 1: the key"));
    CHECK(s_parse(PUB_A "\n", err) < 0 && strstr(err, "line 1: PUBLICKEY NAME [PATTERN...]"));
    CHECK(s_parse(PUB_A " a\n" PUB_A " b\n", err) < 0 && strstr(err, "line 2: the same key twice"));
    CHECK(s_parse(PUB_A " a\n\n" PUB_B " a\n", err) < 0 &&
          strstr(err, "line 3: the name \"a\" twice"));
    CHECK(s_parse(PUB_A " a demo..x\n", err) < 0 && strstr(err, "line 1: bad topic pattern"));
    CHECK(s_parse(PUB_A " a demo.*.x\n", err) < 0 && strstr(err, "bad topic pattern"));
    CHECK(s_parse(PUB_A " a/b\n", err) < 0 && strstr(err, "line 1: a name has"));
    CHECK(s_parse(PUB_A " a\x01\n", err) < 0 && strstr(err, "a name has"));
    CHECK(s_parse("#" PUB_A " a\n", err) < 0 && strstr(err, "line 1: the key"));
    char nul[] = PUB_A " a\n" PUB_B " b\0c\n";
    c = curve_new();
    CHECK(curve_parse_clients(c, nul, sizeof nul - 1, err, sizeof err) < 0 &&
          strstr(err, "line 2: a NUL byte"));
    curve_destroy(&c);
    char name[80];
    memset(name, 'n', sizeof name);
    char line[200];
    snprintf(line, sizeof line, PUB_A " %.*s\n", CURVE_NAME_MAX, name);
    CHECK(s_parse(line, err) == 1);
    snprintf(line, sizeof line, PUB_A " %.*s\n", CURVE_NAME_MAX + 1, name);
    CHECK(s_parse(line, err) < 0 && strstr(err, "a name has"));
    /* at most CURVE_PATTERNS_MAX patterns on a line */
    size_t cap = 64 + (CURVE_PATTERNS_MAX + 1) * 8;
    char *many = malloc(cap);
    size_t at = (size_t)snprintf(many, cap, PUB_A " m");
    for (int i = 0; i < CURVE_PATTERNS_MAX; i++)
        at += (size_t)snprintf(many + at, cap - at, " p%d.*", i);
    CHECK(s_parse(many, err) == 1);
    snprintf(many + at, cap - at, " last");
    CHECK(s_parse(many, err) < 0 && strstr(err, "more than 256 patterns"));
    free(many);
}

/* Many keys: the index grows and every key is found again. */
static void test_many(void)
{
    enum { N = 3000 };
    size_t cap = (size_t)N * 64;
    char *text = malloc(cap);
    size_t at = 0;
    uint8_t key[32];
    char z[41];
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < 32; j++)
            key[j] = (uint8_t)((i * 131 + j * 7) ^ (i >> 3));
        key[0] = (uint8_t)i; /* a few homes collide: probing is exercised */
        key[1] = (uint8_t)(i >> 8);
        key[4] = 1;
        curvekey_z85_encode(key, z);
        at += (size_t)snprintf(text + at, cap - at, "%s c%d c%d.*\n", z, i, i);
    }
    char err[300];
    curve_t *c = curve_new();
    CHECK(curve_parse_clients(c, text, at, err, sizeof err) == N);
    int found = 0;
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < 32; j++)
            key[j] = (uint8_t)((i * 131 + j * 7) ^ (i >> 3));
        key[0] = (uint8_t)i;
        key[1] = (uint8_t)(i >> 8);
        key[4] = 1;
        const curve_client_t *e = curve_find(c, key);
        char want[16];
        snprintf(want, sizeof want, "c%d", i);
        found += e && !strcmp(e->name, want);
    }
    CHECK(found == N);
    key[4] = 2;
    CHECK(curve_find(c, key) == NULL);
    curve_destroy(&c);
    free(text);
}

static char s_dir[256];

static const char *s_file(const char *name, const char *text, mode_t mode)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    chmod(path, mode);
    return path;
}

static void test_read_file(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(s_dir, sizeof s_dir, "%s/rtdash-test-curve.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    CHECK(mkdtemp(s_dir) != NULL);
    char *buf, err[600];
    size_t len;
    const char *p = s_file("key", PUB_A " " SEC_A "\n", 0600);
    CHECK(curvekey_read_file(p, CURVEKEY_FILE_MAX, true, &buf, &len, err, sizeof err) == 0 &&
          len == 82 && buf[82] == '\0');
    free(buf);
    p = s_file("key", PUB_A " " SEC_A "\n", 0400);
    CHECK(curvekey_read_file(p, CURVEKEY_FILE_MAX, true, &buf, &len, err, sizeof err) == 0);
    free(buf);
    p = s_file("key", PUB_A " " SEC_A "\n", 0644);
    CHECK(curvekey_read_file(p, CURVEKEY_FILE_MAX, true, &buf, &len, err, sizeof err) < 0 &&
          strstr(err, "readable by group or others") && !buf);
    CHECK(curvekey_read_file(p, CURVEKEY_FILE_MAX, false, &buf, &len, err, sizeof err) == 0);
    free(buf);
    p = s_file("key", PUB_A " " SEC_A "\n", 0620);
    CHECK(curvekey_read_file(p, CURVEKEY_FILE_MAX, false, &buf, &len, err, sizeof err) < 0 &&
          strstr(err, "writable by group or others"));
    p = s_file("key", PUB_A " " SEC_A "\n", 0602);
    CHECK(curvekey_read_file(p, CURVEKEY_FILE_MAX, false, &buf, &len, err, sizeof err) < 0 &&
          strstr(err, "writable by group or others"));
    p = s_file("key", PUB_A " " SEC_A "\n", 0600);
    CHECK(curvekey_read_file(p, 20, false, &buf, &len, err, sizeof err) < 0 &&
          strstr(err, "too large"));
    p = s_file("empty", "", 0600);
    CHECK(curvekey_read_file(p, CURVEKEY_FILE_MAX, false, &buf, &len, err, sizeof err) < 0 &&
          strstr(err, ": empty"));
    unlink(p);
    CHECK(curvekey_read_file(p, CURVEKEY_FILE_MAX, false, &buf, &len, err, sizeof err) < 0 &&
          strstr(err, "No such file"));
    CHECK(curvekey_read_file(s_dir, CURVEKEY_FILE_MAX, false, &buf, &len, err, sizeof err) < 0 &&
          strstr(err, "not a regular file"));
    char path[600];
    snprintf(path, sizeof path, "%s/key", s_dir);
    unlink(path);
    rmdir(s_dir);
}

/* The ingest's secure default: what counts as reachable from this machine only. */
static void test_local_endpoints(void)
{
    CHECK(ingest_endpoint_is_local("tcp://127.0.0.1:5556"));
    CHECK(ingest_endpoint_is_local("tcp://127.1.2.3:5556"));
    CHECK(ingest_endpoint_is_local("tcp://[::1]:5556"));
    CHECK(ingest_endpoint_is_local("tcp://[::ffff:127.0.0.1]:5556"));
    CHECK(ingest_endpoint_is_local("tcp://lo:5556"));
    CHECK(ingest_endpoint_is_local("tcp://localhost:5556"));
    CHECK(ingest_endpoint_is_local("ipc:///run/rtdash/ingest"));
    CHECK(ingest_endpoint_is_local("inproc://x"));
    CHECK(!ingest_endpoint_is_local("tcp://*:5556"));
    CHECK(!ingest_endpoint_is_local("tcp://0.0.0.0:5556"));
    CHECK(!ingest_endpoint_is_local("tcp://[::]:5556"));
    CHECK(!ingest_endpoint_is_local("tcp://[*]:5556"));
    CHECK(!ingest_endpoint_is_local("tcp://192.168.1.5:5556"));
    CHECK(!ingest_endpoint_is_local("tcp://128.0.0.1:5556"));
    CHECK(!ingest_endpoint_is_local("tcp://eth0:5556"));
    CHECK(!ingest_endpoint_is_local("tcp://[::2]:5556"));
    CHECK(!ingest_endpoint_is_local("tcp://127.0.0.1"));
    CHECK(!ingest_endpoint_is_local("tcp://:5556"));
    CHECK(!ingest_endpoint_is_local("ws://127.0.0.1:5556"));
    CHECK(!ingest_endpoint_is_local("pgm://eth0;239.192.1.1:5555"));
    CHECK(!ingest_endpoint_is_local(""));
    CHECK(!ingest_endpoint_is_local(NULL));
}

int main(void)
{
    test_local_endpoints();
    test_z85();
    test_keyfile();
    test_clients();
    test_many();
    test_read_file();
    return CHECK_DONE();
}
