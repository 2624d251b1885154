/* Shared by the -kernel loader tests (test-linux-boot.c, test-multiboot.c):
 * image files in a scratch directory, a PC built with -kernel/-initrd/
 * -append by pc_init (nothing runs), and a main that runs one suite with
 * that directory around it. */
#ifndef YL_TESTS_KERNEL_FIXTURE_H
#define YL_TESTS_KERNEL_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yl/machine.h"

/* The scratch directory of this test program (set by kernel_test_main). */
static char dir[64];

static inline void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* Writes data to dir/name; the path stays valid for the next 7 calls. */
static inline const char *write_file(const char *name, const void *data, size_t len)
{
    static char path[8][128];
    static int n;
    char *p = path[n++ % 8];
    snprintf(p, 128, "%s/%s", dir, name);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    fclose(f);
    return p;
}

/* A PC with ram bytes of RAM that pc_init loaded the kernel into, or NULL
 * with the loader's error. */
static inline Machine *boot_ram(const char *kernel, const char *initrd, const char *append,
                                uint64_t ram, char *err, int errlen)
{
    Machine *m = calloc(1, sizeof(*m));
    machine_init(m);
    m->opt.ram_size = ram;
    m->opt.nodefaults = true;
    m->opt.kernel = kernel;
    m->opt.initrd = initrd;
    m->opt.append = append;
    if (pc_init(m, err, errlen) < 0) {
        machine_destroy(m);
        free(m);
        return NULL;
    }
    return m;
}

static inline void done(Machine *m)
{
    machine_destroy(m);
    free(m);
}

/* Runs the suite's tests (one TCase, 30 s each) inside a fresh
 * /tmp/yl-test-NAME-PID, removed afterwards. */
static inline int kernel_test_main(const char *name, const TTest *const *tests, int ntests)
{
    snprintf(dir, sizeof(dir), "/tmp/yl-test-%s-%d", name, (int)getpid());
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "mkdir -p %s", dir);
    if (system(cmd) != 0)
        return EXIT_FAILURE;
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 30);
    for (int i = 0; i < ntests; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        failed++;
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
