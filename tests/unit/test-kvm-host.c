/* -accel kvm on a KVM that VT-x/AMD-V does not back (PVM): refused with
 * one line; a hardware KVM, whatever its hypervisor leaves, is taken. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "accel/kvm/kvm_int.h"

#define MAX_ENT 8
#define SIG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | \
                         (uint32_t)(d) << 24)

typedef struct {
    struct kvm_cpuid2 h;
    struct kvm_cpuid_entry2 e[MAX_ENT];
} Cpuid;

static void add(Cpuid *c, uint32_t fn, uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    ck_assert_uint_lt(c->h.nent, MAX_ENT);
    c->e[c->h.nent++] = (struct kvm_cpuid_entry2){ .function = fn, .eax = eax, .ebx = ebx,
                                                   .ecx = ecx, .edx = edx };
}

/* What a hardware KVM reports: a vendor leaf and KVM's "KVMKVMKVM". */
static void hardware_kvm(Cpuid *c, uint32_t kvm_max)
{
    memset(c, 0, sizeof(*c));
    add(c, 0, 0x1f, SIG('G', 'e', 'n', 'u'), SIG('n', 't', 'e', 'l'), SIG('i', 'n', 'e', 'I'));
    add(c, 1, 0x806f8, 0, 0x80000000u, 0x0f8bfbffu);
    add(c, 0x40000000u, kvm_max, SIG('K', 'V', 'M', 'K'), SIG('V', 'M', 'K', 'V'),
        SIG('M', 0, 0, 0));
    add(c, 0x40000001u, 0x01007afb, 0, 0, 0);
}

static int check(const Cpuid *c, bool virt, char *err)
{
    err[0] = 0;
    return kvm_hw_assist_check(&c->h, virt, err, 256);
}

START_TEST(test_hardware_kvm_taken)
{
    Cpuid c;
    char err[256];
    hardware_kvm(&c, 0x40000001u);
    ck_assert_int_eq(check(&c, true, err), 0);
    ck_assert_str_eq(err, "");
    /* "PVM" outside the hypervisor range is some other leaf's data. */
    add(&c, 0xd, 0, 0x4d5650u, 0, 0);
    ck_assert_int_eq(check(&c, true, err), 0);
}
END_TEST

START_TEST(test_no_vmx_svm_refused)
{
    Cpuid c;
    char err[256];
    hardware_kvm(&c, 0x40000001u);
    ck_assert_int_eq(check(&c, false, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "not hardware-assisted"));
    ck_assert_ptr_nonnull(strstr(err, "VT-x/AMD-V"));
    ck_assert_ptr_null(strchr(err, '\n'));
}
END_TEST

/* PVM's first ABI: KVM's leaf points at 0x40000002, whose EBX is "PVM". */
START_TEST(test_pvm_vendor_leaf_refused)
{
    Cpuid c;
    char err[256];
    hardware_kvm(&c, 0x40000002u);
    add(&c, 0x40000002u, 0, SIG('P', 'V', 'M', 0), 0, 0);
    ck_assert_int_eq(check(&c, true, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "PVM"));
    ck_assert_ptr_nonnull(strstr(err, "not hardware-assisted"));
}
END_TEST

/* A later one: a hypervisor leaf of its own whose signature begins "PVM". */
START_TEST(test_pvm_own_leaf_refused)
{
    Cpuid c;
    char err[256];
    hardware_kvm(&c, 0x40000001u);
    add(&c, 0x40000200u, 0x40000201u, SIG('P', 'V', 'M', 'P'), SIG('V', 'M', 'P', 'V'),
        SIG('M', 0, 0, 0));
    ck_assert_int_eq(check(&c, false, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "PVM"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("kvm-host");
    TCase *tc = tcase_create("kvm-host");
    tcase_add_test(tc, test_hardware_kvm_taken);
    tcase_add_test(tc, test_no_vmx_svm_refused);
    tcase_add_test(tc, test_pvm_vendor_leaf_refused);
    tcase_add_test(tc, test_pvm_own_leaf_refused);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
