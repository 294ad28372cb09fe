/* SPDX-License-Identifier: MIT */
/* config-read.c: how reading and looking up a configuration scales with the
 * number of sections and of options in one section (make bench-config). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "credstack/credstack.h"
#include "config.h"
#include "config_int.h"

/*
 * Usage: bench/config-read [-r ROUNDS] [-m MAX]
 *
 * Writes, in a fresh directory under $TMPDIR, two families of files for
 * n = 40, 400, 4,000 and 40,000 (up to MAX):
 *   sections-n: [DEFAULT] domain = example.com, then n sections of
 *               `server = h<i>.%(domain)s` and `port = <i>`;
 *   options-n:  one section of n options `opt<i> = value <i>`.
 * For each it times, median of ROUNDS (default 5):
 *   read:    the file's bytes into memory with read(2) (the baseline);
 *   load:    cs_config_load_file() (the whole reader: lines, inih, tables);
 *   lookups: cs_config_get() of every option once (sections: server, with
 *            its interpolation through [DEFAULT], and port), on the loaded
 *            configuration;
 * and counts the name comparisons the tables make (config.c built with
 * CS_CONFIG_COUNT_PROBES), which do not depend on the machine.  A reader
 * that is linear costs the same per entry at every n; the ratios to the
 * 40-entry file and to the bare read say whether it is.
 */

extern unsigned long cs_config_probes;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void die(const char *what)
{
    fprintf(stderr, "config-read: %s: %s\n", what, strerror(errno));
    exit(1);
}

static size_t write_sections(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    long size;

    if (!f)
        die(path);
    fprintf(f, "[DEFAULT]\ndomain = example.com\n\n");
    for (long i = 0; i < n; i++)
        fprintf(f, "[host-%06ld]\nserver = h%ld.%%(domain)s\nport = %ld\n\n", i,
                i, 1024 + i % 60000);
    size = ftell(f);
    if (fclose(f) != 0)
        die(path);
    return (size_t)size;
}

static size_t write_options(const char *path, long n)
{
    FILE *f = fopen(path, "w");
    long size;

    if (!f)
        die(path);
    fprintf(f, "[big]\n");
    for (long i = 0; i < n; i++)
        fprintf(f, "opt%06ld = value %ld\n", i, i);
    size = ftell(f);
    if (fclose(f) != 0)
        die(path);
    return (size_t)size;
}

/* The baseline: the file's bytes, as cs_config_load_file() reads them. */
static void read_bytes(const char *path, size_t size)
{
    char *buf = malloc(size + 1);
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (!buf || fd < 0)
        die(path);
    while (got < size) {
        ssize_t r = read(fd, buf + got, 4096);
        if (r <= 0)
            die(path);
        got += (size_t)r;
    }
    close(fd);
    free(buf);
}

static void lookups(cs_config *cfg, int sections, long n)
{
    char sect[32], opt[32], err[256];
    const char *v = NULL;

    for (long i = 0; i < n; i++) {
        int rc;
        if (sections) {
            snprintf(sect, sizeof(sect), "host-%06ld", i);
            rc = cs_config_get(cfg, sect, "server", &v, err, sizeof(err));
            if (rc == CREDSTACK_OK)
                rc = cs_config_get(cfg, sect, "PORT", &v, err, sizeof(err));
        } else {
            snprintf(opt, sizeof(opt), "opt%06ld", i);
            rc = cs_config_get(cfg, "big", opt, &v, err, sizeof(err));
        }
        if (rc != CREDSTACK_OK) {
            fprintf(stderr, "config-read: lookup %ld failed: %s\n", i, err);
            exit(1);
        }
    }
}

struct result {
    long n;
    size_t bytes;
    double read, load, get;
    double load_probes, get_probes; /* per entry */
};

static struct result measure(const char *dir, int sections, long n, int rounds)
{
    struct result r = {n, 0, 0, 0, 0, 0, 0};
    char path[600], err[512];
    double *t_read = calloc((size_t)rounds * 3, sizeof(double));
    double *t_load = t_read + rounds, *t_get = t_load + rounds;

    if (!t_read)
        die("memory");

    snprintf(path, sizeof(path), "%s/%s-%ld.conf", dir,
             sections ? "sections" : "options", n);
    r.bytes = sections ? write_sections(path, n) : write_options(path, n);
    for (int k = 0; k < rounds; k++) {
        cs_config *cfg = NULL;
        double t0;

        t0 = now();
        read_bytes(path, r.bytes);
        t_read[k] = now() - t0;

        cs_config_probes = 0;
        t0 = now();
        if (cs_config_load_file(path, &cfg, err, sizeof(err)) != CREDSTACK_OK) {
            fprintf(stderr, "config-read: %s\n", err);
            exit(1);
        }
        t_load[k] = now() - t0;
        r.load_probes = (double)cs_config_probes / (double)n;

        cs_config_probes = 0;
        t0 = now();
        lookups(cfg, sections, n);
        t_get[k] = now() - t0;
        r.get_probes = (double)cs_config_probes / (double)n;
        cs_config_free(cfg);
    }
    unlink(path);
    r.read = median(t_read, rounds);
    r.load = median(t_load, rounds);
    r.get = median(t_get, rounds);
    free(t_read);
    return r;
}

static void report(const char *title, const char *unit, struct result *res,
                   int nres)
{
    double base_load = res[0].load / (double)res[0].n;
    double base_get = res[0].get / (double)res[0].n;

    printf("\n%s\n\n", title);
    printf("| %s | bytes | read (baseline) | load | load / read | load per "
           "%s | vs n=%ld | lookups | lookups per %s | vs n=%ld | "
           "comparisons per %s: load, lookup |\n",
           unit, unit, res[0].n, unit, res[0].n, unit);
    printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (int i = 0; i < nres; i++) {
        struct result *r = &res[i];
        double per_load = r->load / (double)r->n;
        double per_get = r->get / (double)r->n;
        printf("| %ld | %zu | %.3f ms | %.3f ms | %.1f | %.2f us | %.2f | "
               "%.3f ms | %.2f us | %.2f | %.2f, %.2f |\n",
               r->n, r->bytes, r->read * 1e3, r->load * 1e3, r->load / r->read,
               per_load * 1e6, per_load / base_load, r->get * 1e3,
               per_get * 1e6, per_get / base_get, r->load_probes,
               r->get_probes);
    }
}

int main(int argc, char **argv)
{
    static const long sizes[] = {40, 400, 4000, 40000};
    struct result sec[4], opt[4];
    const char *base = getenv("TMPDIR");
    char dir[512];
    int rounds = 5, nres = 0, c;
    long max = 40000;

    while ((c = getopt(argc, argv, "r:m:h")) != -1) {
        if (c == 'r')
            rounds = atoi(optarg);
        else if (c == 'm')
            max = atol(optarg);
        else {
            fprintf(stderr, "usage: %s [-r ROUNDS] [-m MAX]\n", argv[0]);
            return c == 'h' ? 0 : 2;
        }
    }
    if (rounds < 1 || rounds > 1000) {
        fprintf(stderr, "config-read: -r takes 1..1000\n");
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s/credstack-bench.XXXXXX",
             base && *base ? base : "/tmp");
    if (!mkdtemp(dir))
        die(dir);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (sizes[i] > max)
            break;
        sec[nres] = measure(dir, 1, sizes[i], rounds);
        opt[nres] = measure(dir, 0, sizes[i], rounds);
        nres++;
    }
    rmdir(dir);
    printf("configuration reader, median of %d rounds (times: wall clock)\n",
           rounds);
    report("n sections of 2 options (+ [DEFAULT]); lookups: server "
           "(interpolated through [DEFAULT]) and port of each",
           "section", sec, nres);
    report("one section of n options; lookups: each option", "option", opt,
           nres);
    return 0;
}
