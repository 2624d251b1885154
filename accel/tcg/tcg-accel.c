/* The software accelerator behind the AccelOps contract. */
#include <stdio.h>
#include <unistd.h>

#include "accel/tcg/tb.h"
#include "yl/accel.h"
#include "yl/machine.h"

#define TB_ARENA_BYTES (256u << 20)   /* reserved, touched only as used */

int cpu_exec(X86CPU *cpu, int64_t deadline_ns);

/* perf reads /tmp/perf-PID.map to name code outside any ELF file. */
static FILE *perfmap_open(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
    FILE *f = fopen(path, "w");
    if (f)
        setvbuf(f, NULL, _IOLBF, 0);
    return f;
}

static int tcg_init(Machine *m, char *err, int errlen)
{
    return 0;
}

static void tcg_code_write(void *opaque, uint64_t ram_offset, uint64_t len)
{
    tb_invalidate_ram(opaque, ram_offset, len);
}

static void tcg_cache_free(Machine *m, TBCache *c)
{
    if (c->as->code_write_opaque == c) {
        c->as->code_write = NULL;
        c->as->code_write_opaque = NULL;
    }
    if (m && m->accel_state == c)
        m->accel_state = NULL;
    tb_cache_free(c);
}

/* The machine's CPUs share one translation cache (tb.h), made with the
 * first of them: then the address space's code_write hook reaches it. */
static int tcg_vcpu_create(Machine *m, X86CPU *cpu)
{
    TBCache *c = m ? m->accel_state : NULL;
    if (!c) {
        c = tb_cache_new(cpu->as, TB_ARENA_BYTES);
        if (!c)
            return -1;
        if (m && m->opt.perfmap)
            c->perfmap = perfmap_open();
        cpu->as->code_write = tcg_code_write;
        cpu->as->code_write_opaque = c;
        if (m)
            m->accel_state = c;
    }
    if (m && m->opt.tcg_jit_off)
        cpu->tcg_nojit = true;
    if (tb_cache_attach(c, cpu) < 0) {
        if (!c->ncpus)
            tcg_cache_free(m, c);
        return -1;
    }
    return 0;
}

static int tcg_vcpu_run(Machine *m, X86CPU *cpu, int64_t budget_ns)
{
    int64_t now = m ? clock_ns(&m->clock) : 0;
    return cpu_exec(cpu, now + budget_ns);
}

static void tcg_vcpu_destroy(Machine *m, X86CPU *cpu)
{
    TBCache *c = cpu->tbc;
    if (c && tb_cache_detach(c, cpu) == 0)
        tcg_cache_free(m, c);
}

static void tcg_vcpu_kick(X86CPU *cpu)
{
    cpu->exit_request = 1;
    x86_cpu_stop_chain(cpu);
}

static void tcg_sync_state(X86CPU *cpu)
{
}

const AccelOps tcg_accel_ops = {
    .name = "tcg",
    .init = tcg_init,
    .vcpu_create = tcg_vcpu_create,
    .vcpu_run = tcg_vcpu_run,
    .vcpu_destroy = tcg_vcpu_destroy,
    .vcpu_kick = tcg_vcpu_kick,
    .sync_state = tcg_sync_state,
};
