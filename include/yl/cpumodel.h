/* -cpu: the CPU models and their feature flags (cpu/x86/cpumodel.c).
 *
 * A model names an identity (vendor, family/model/stepping, model-id
 * string) and a set of CPUID feature bits.  What a guest finally sees is
 * the model's set intersected with what the accelerator can really offer:
 * the software CPU's implemented features under TCG, KVM_GET_SUPPORTED_CPUID
 * under KVM.  Modifiers (+flag, -flag, flag=on|off) may only remove, or
 * add back what the accelerator offers; asking for more is an error. */
#ifndef YL_CPUMODEL_H
#define YL_CPUMODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The CPUID feature registers a model controls. */
enum {
    CPUID_W_1_EDX,          /* leaf 1 */
    CPUID_W_1_ECX,
    CPUID_W_7_EBX,          /* leaf 7 sub-leaf 0 */
    CPUID_W_7_ECX,
    CPUID_W_7_EDX,
    CPUID_W_81_EDX,         /* leaf 80000001h */
    CPUID_W_81_ECX,
    CPUID_NWORDS
};

/* CPUID.(EAX=7,ECX=0):EDX[29]: IA32_ARCH_CAPABILITIES (MSR 10Ah) exists. */
#define CPUID_7_EDX_ARCH_CAPABILITIES (1u << 29)

typedef struct X86CPUModel {
    char name[16];
    char vendor[13];        /* "GenuineIntel" */
    uint8_t family, model, stepping;
    char model_id[49];      /* leaves 80000002h-80000004h */
    uint32_t feat[CPUID_NWORDS];
    /* KVM: identity and every other leaf as the host's KVM reports them,
     * with feat applied to the words above (-cpu host and max). */
    bool host_identity;
    bool resolved;          /* filled by an accelerator for this machine */
} X86CPUModel;

/* The model a CPU without one (unit tests) or without -cpu gets under
 * TCG: everything the software CPU implements. */
const X86CPUModel *x86_cpu_model_default(void);
/* CPUID.1.EAX of a model (NULL: the default). */
uint32_t x86_cpu_model_version(const X86CPUModel *m);

/* Command-line check only: the model and every flag name exist.  Returns 0,
 * or -1 with one line in err. */
int x86_cpu_model_check(const char *spec, char *err, int errlen);
/* "MODEL[,+flag|-flag|flag=on|off...]" against what the accelerator offers
 * (avail, in CPUID_W_* order; for_kvm says which accelerator that is).
 * Returns 0, or -1 with one line in err: unknown model or flag, -cpu host
 * without KVM, a flag the accelerator cannot offer. */
int x86_cpu_model_resolve(const char *spec, const uint32_t avail[CPUID_NWORDS],
                          bool for_kvm, X86CPUModel *out, char *err, int errlen);
/* -cpu help: the models and the flags with their CPUID positions. */
void x86_cpu_model_help(FILE *f);
/* The Linux /proc/cpuinfo name of a feature bit, or NULL when the table
 * does not know it. */
const char *x86_cpu_flag_name(int word, int bit);

/* The software CPU's implemented features (cpu/x86/cpuid.c), including
 * those that depend on the machine (APIC, TSC-deadline timer). */
void x86_cpuid_implemented(uint32_t feat[CPUID_NWORDS]);

struct Machine;
/* Resolves m->opt.cpu into m->cpu_model for the software CPU unless the
 * accelerator already did (KVM does in its init). */
int x86_cpu_model_setup(struct Machine *m, char *err, int errlen);

#endif
