/* The translation cache: blocks live in one arena and are dropped all at
 * once when it fills; writes to guest RAM that hold code invalidate just the
 * blocks whose bytes they overlap. */
#include <capstone.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "accel/tcg/tb.h"
#include "yl/machine.h"

#define TB_ALIGN 16

TBCache *tb_cache_new(AddressSpace *as, size_t arena_bytes)
{
    TBCache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->arena = mmap(NULL, arena_bytes, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    c->ram_pages = (as->ram_size + YL_PAGE_SIZE - 1) >> YL_PAGE_BITS;
    c->page_tbs = calloc(c->ram_pages ? c->ram_pages : 1, sizeof(TB *));
    if (c->arena == MAP_FAILED || !c->page_tbs) {
        if (c->arena != MAP_FAILED)
            munmap(c->arena, arena_bytes);
        free(c->page_tbs);
        free(c);
        return NULL;
    }
    c->arena_size = arena_bytes;
    c->as = as;
    /* Host code: a quarter of the block arena's reservation is plenty
     * (a decoded instruction is larger than its code). */
    c->jit = jit_buffer_new(arena_bytes / 4);
    return c;
}

int tb_cache_attach(TBCache *c, X86CPU *cpu)
{
    if (c->ncpus == MACHINE_MAX_CPUS)
        return -1;
    cpu->tb_jmp = calloc(1, sizeof(*cpu->tb_jmp));
    if (!cpu->tb_jmp)
        return -1;
    /* -d nochain is a debugging switch of every CPU of the machine. */
    if (cpu->log && (cpu->log->mask & LOG_NOCHAIN))
        cpu->tcg_nochain = true;
    cpu->tbc = c;
    c->cpus[c->ncpus++] = cpu;
    return 0;
}

int tb_cache_detach(TBCache *c, X86CPU *cpu)
{
    for (int i = 0; i < c->ncpus; i++) {
        if (c->cpus[i] == cpu) {
            c->cpus[i] = c->cpus[--c->ncpus];
            break;
        }
    }
    free(cpu->tb_jmp);
    cpu->tb_jmp = NULL;
    cpu->tbc = NULL;
    return c->ncpus;
}

void tb_cache_free(TBCache *c)
{
    if (!c)
        return;
    munmap(c->arena, c->arena_size);
    jit_buffer_free(c->jit);
    if (c->perfmap)
        fclose(c->perfmap);
    free(c->page_tbs);
    free(c);
}

static uint32_t hash_index(uint64_t phys_pc, uint32_t flags)
{
    uint64_t h = (phys_pc ^ ((uint64_t)flags << 29)) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> (64 - TB_HASH_BITS));
}

void tb_flush_jmp_cache(X86CPU *cpu)
{
    if (cpu->tb_jmp)
        memset(cpu->tb_jmp->entry, 0, sizeof(cpu->tb_jmp->entry));
}

void tb_flush_jmp_cache_page(X86CPU *cpu, uint64_t lin)
{
    if (!cpu->tb_jmp)
        return;
    uint32_t b = tb_jmp_bucket(lin), prev = tb_jmp_bucket(lin - YL_PAGE_SIZE);
    memset(&cpu->tb_jmp->entry[b], 0, TB_JMP_BUCKET * sizeof(TB *));
    memset(&cpu->tb_jmp->entry[prev], 0, TB_JMP_BUCKET * sizeof(TB *));
}

void tb_flush_all(TBCache *c)
{
    AddressSpace *as = c->as;
    memset(c->hash, 0, sizeof(c->hash));
    for (int i = 0; i < c->ncpus; i++) {
        TBJmpCache *j = c->cpus[i]->tb_jmp;
        memset(j->entry, 0, sizeof(j->entry));
        if (j->current)
            c->cpus[i]->tb_invalidated = true;
        c->cpus[i]->jit_chain_from = NULL;
        j->current = NULL;
        j->fresh = NULL;
    }
    for (uint64_t p = 0; p < c->ram_pages; p++) {
        if (c->page_tbs[p]) {
            c->page_tbs[p] = NULL;
            as->page_flags[p] &= ~PAGE_CODE;
        }
    }
    c->arena_used = 0;
    if (c->jit)
        jit_buffer_reset(c->jit);
    c->flushes++;
}

/* RAM-block offset of a guest physical address, or TB_NO_PAGE. */
static uint64_t ram_offset_of(AddressSpace *as, uint64_t phys)
{
    const MemRegion *r = mem_find(as, phys);
    if (!r || r->kind != MEM_RAM || !as->ram)
        return TB_NO_PAGE;
    return (uint64_t)(r->host - as->ram) + (phys - r->base);
}

static int tb_page_slot(const TB *tb, uint64_t page)
{
    if (tb->ram_start[0] != TB_NO_PAGE && (tb->ram_start[0] >> YL_PAGE_BITS) == page)
        return 0;
    return 1;
}

static void page_list_remove(TBCache *c, uint64_t page, TB *tb)
{
    TB **pp = &c->page_tbs[page];
    while (*pp) {
        TB *t = *pp;
        int slot = tb_page_slot(t, page);
        if (t == tb) {
            *pp = t->page_next[slot];
            break;
        }
        pp = &t->page_next[slot];
    }
    if (!c->page_tbs[page])
        c->as->page_flags[page] &= ~PAGE_CODE;
}

static void tb_remove(TBCache *c, TB *tb)
{
    TB **pp = &c->hash[hash_index(tb->phys_pc, tb->flags)];
    while (*pp && *pp != tb)
        pp = &(*pp)->hash_next;
    if (*pp)
        *pp = tb->hash_next;
    uint32_t j = tb_jmp_index(tb->pc);
    for (int i = 0; i < c->ncpus; i++) {
        TBJmpCache *jc = c->cpus[i]->tb_jmp;
        if (jc->entry[j] == tb)
            jc->entry[j] = NULL;
        /* current is the first block of a chain: the one hit may be any
         * block of it, so whatever runs stops after its store. */
        if (jc->current)
            c->cpus[i]->tb_invalidated = true;
    }
    if (tb->host && c->jit)
        jit_unchain(c->jit, tb);
    for (int s = 0; s < 2; s++)
        if (tb->ram_start[s] != TB_NO_PAGE)
            page_list_remove(c, tb->ram_start[s] >> YL_PAGE_BITS, tb);
    tb->valid = false;
}

void tb_invalidate_ram(TBCache *c, uint64_t off, uint64_t len)
{
    uint64_t end = off + len;
    for (uint64_t page = off >> YL_PAGE_BITS;
         page <= (end - 1) >> YL_PAGE_BITS && page < c->ram_pages; page++) {
        TB *tb = c->page_tbs[page];
        while (tb) {
            int slot = tb_page_slot(tb, page);
            TB *next = tb->page_next[slot];
            if (tb->ram_start[slot] < end && off < tb->ram_end[slot]) {
                tb_remove(c, tb);
                c->invalidated++;
            }
            tb = next;
        }
    }
}

static void tb_link_page(TBCache *c, TB *tb, int slot)
{
    uint64_t page = tb->ram_start[slot] >> YL_PAGE_BITS;
    if (page >= c->ram_pages) {
        tb->ram_start[slot] = TB_NO_PAGE;
        return;
    }
    AddressSpace *as = c->as;
    tb->page_next[slot] = c->page_tbs[page];
    c->page_tbs[page] = tb;
    if (!(as->page_flags[page] & PAGE_CODE)) {
        as->page_flags[page] |= PAGE_CODE;
        /* Every CPU's writes to the page must now take the slow path. */
        uint64_t phys = slot == 0 ? tb->phys_pc & YL_PAGE_MASK : tb->phys_page2;
        for (int i = 0; i < c->ncpus; i++)
            tlb_protect_code(c->cpus[i], phys);
    }
}

static void tb_log_asm(X86CPU *cpu, const TB *tb)
{
    uint8_t buf[TB_MAX_INSNS * 15];
    for (unsigned i = 0; i < tb->size && i < sizeof(buf); i++)
        buf[i] = x86_fetch_code8(cpu, tb->pc + i);
    csh h;
    cs_mode mode = (tb->flags & TBF_CODE64) ? CS_MODE_64
                 : (tb->flags & TBF_CODE32) ? CS_MODE_32 : CS_MODE_16;
    yl_log(cpu->log, "IN:\n");
    if (cs_open(CS_ARCH_X86, mode, &h) != CS_ERR_OK)
        return;
    uint64_t eip = tb->pc - tb->cs_base;
    const uint8_t *p = buf;
    size_t left = tb->size;
    for (unsigned i = 0; i < tb->n; i++) {
        cs_insn *ins;
        unsigned len = tb->insn[i].len;
        if (cs_disasm(h, p, len, eip, 1, &ins) == 1) {
            yl_log(cpu->log, "0x%08" PRIx64 ":  %s %s\n", tb->pc + (eip - (tb->pc - tb->cs_base)),
                   ins->mnemonic, ins->op_str);
            cs_free(ins, 1);
        } else {
            yl_log(cpu->log, "0x%08" PRIx64 ":  (bad)\n", tb->pc + (eip - (tb->pc - tb->cs_base)));
        }
        p += len;
        left -= len;
        eip += len;
    }
    (void)left;
    yl_log(cpu->log, "\n");
    cs_close(&h);
}

/* PAUSE (F3 90) says the CPU spins waiting for another one, which in
 * round-robin runs only when this one stops: it ends the slice when
 * another CPU could run. */
static void tcg_pause(X86CPU *cpu, const Insn *d)
{
    Machine *m = cpu->machine;
    for (int i = 0; m && i < m->ncpus; i++) {
        X86CPU *o = m->cpus[i];
        if (o != cpu && !o->wait_for_sipi && (!o->halted || o->irq_line || o->nmi_pending)) {
            cpu->exit_request = 1;
            x86_cpu_stop_chain(cpu);
            return;
        }
    }
}

static bool insn_is_pause(const Insn *d)
{
    return d->map == MAP_1 && d->op == 0x90 && d->rep == PFX_REPZ && !(d->rex & 1);
}

static TB *tb_alloc(TBCache *c)
{
    size_t need = sizeof(TB) + TB_MAX_INSNS * sizeof(Insn);
    if (c->arena_used + need > c->arena_size || (c->jit && jit_buffer_full(c->jit)))
        tb_flush_all(c);
    return (TB *)(c->arena + c->arena_used);
}

/* -d out_asm: the block's host code. */
static void tb_log_host_asm(X86CPU *cpu, const TB *tb)
{
    csh h;
    cs_insn *ins;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        return;
    const uint8_t *code = (const uint8_t *)(uintptr_t)tb->host;
    size_t n = cs_disasm(h, code, tb->host_size, (uint64_t)(uintptr_t)code, 0, &ins);
    yl_log(cpu->log, "OUT: [size=%u, chained entry +%u]\n", tb->host_size, tb->chain_entry);
    for (size_t i = 0; i < n; i++)
        yl_log(cpu->log, "0x%012" PRIx64 ":  %s %s\n", ins[i].address, ins[i].mnemonic,
               ins[i].op_str);
    if (n)
        cs_free(ins, n);
    cs_close(&h);
}

/* Decodes a block at cpu's CS:EIP.  Stops at an instruction that ends
 * blocks, at the page end (only the first instruction may cross it), at an
 * IP wrap in 16-bit code, or at TB_MAX_INSNS. */
static TB *tb_gen(X86CPU *cpu, uint64_t pc, uint64_t phys_pc, uint32_t flags)
{
    TBCache *c = cpu->tbc;
    TB *tb = tb_alloc(c);
    int mode = (flags & TBF_CODE64) ? 64 : (flags & TBF_CODE32) ? 32 : 16;
    uint64_t page_end = (pc & YL_PAGE_MASK) + YL_PAGE_SIZE;
    uint64_t lin = pc, ip = cpu->rip;
    int max = (flags & TBF_STEP) ? 1 : TB_MAX_INSNS;
    int n = 0;

    /* 64-bit mode has no CS limit (canonical checks happen on jumps). */
    uint64_t cs_limit = mode == 64 ? UINT64_MAX : cpu->seg[R_CS].limit;

    if (ip > cs_limit)
        raise_exception_err(cpu, EXC_GP, 0);
    while (n < max) {
        Insn *d = &tb->insn[n];
        int len = n == 0 ? x86_decode_mode(cpu, lin, mode, d)
                         : x86_decode_bounded(cpu, lin, page_end, mode, d);
        if (len < 0)
            break;
        /* An instruction reaching past the CS limit faults when it is
         * reached, so it starts a block of its own. */
        if (ip + len - 1 > cs_limit) {
            if (n > 0)
                break;
            raise_exception_err(cpu, EXC_GP, 0);
        }
        n++;
        lin += len;
        ip += len;
        if ((d->flags & F_END) || lin >= page_end)
            break;
        /* The yield must come before the next instruction (typically the
         * retried lock), so PAUSE ends its block. */
        if (unlikely(insn_is_pause(d))) {
            d->fn = tcg_pause;
            break;
        }
    }
    memset(tb, 0, offsetof(TB, insn));
    tb->pc = pc;
    tb->cs_base = cpu->seg[R_CS].base;
    tb->flags = flags;
    tb->n = n;
    tb->size = (uint16_t)(lin - pc);
    tb->phys_pc = phys_pc;
    tb->valid = true;
    tb->phys_page2 = TB_NO_PAGE;
    tb->ram_start[1] = TB_NO_PAGE;
    /* The first instruction may reach into the next page. */
    uint64_t first_end = lin < page_end ? lin : page_end;
    tb->ram_start[0] = ram_offset_of(cpu->as, phys_pc);
    if (tb->ram_start[0] != TB_NO_PAGE)
        tb->ram_end[0] = tb->ram_start[0] + (first_end - pc);
    if (lin > page_end) {
        tb->phys_page2 = x86_code_phys(cpu, page_end);
        tb->ram_start[1] = ram_offset_of(cpu->as, tb->phys_page2);
        if (tb->ram_start[1] != TB_NO_PAGE)
            tb->ram_end[1] = tb->ram_start[1] + (lin - page_end);
    }
    c->arena_used += (offsetof(TB, insn) + n * sizeof(Insn) + TB_ALIGN - 1) & ~(size_t)(TB_ALIGN - 1);

    uint32_t h = hash_index(phys_pc, flags);
    tb->hash_next = c->hash[h];
    c->hash[h] = tb;
    for (int s = 0; s < 2; s++)
        if (tb->ram_start[s] != TB_NO_PAGE)
            tb_link_page(c, tb, s);
    c->generated++;
    if (c->jit)
        tb->host = jit_translate(c->jit, tb);
    if (c->perfmap && tb->host)
        fprintf(c->perfmap, "%" PRIxPTR " %x yl-tb-%" PRIx64 "\n",
                (uintptr_t)tb->host, tb->host_size, tb->pc);
    if (cpu->log && (cpu->log->mask & LOG_IN_ASM))
        tb_log_asm(cpu, tb);
    if (cpu->log && (cpu->log->mask & LOG_OUT_ASM) && tb->host)
        tb_log_host_asm(cpu, tb);
    return tb;
}

static bool tb_matches(X86CPU *cpu, const TB *tb, uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    return tb->valid && tb->pc == pc && tb->cs_base == cs_base && tb->flags == flags;
}

TB *tb_find_slow(X86CPU *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags)
{
    TBCache *c = cpu->tbc;
    uint32_t j = tb_jmp_index(pc);
    TB *tb;
    uint64_t phys_pc = x86_code_phys(cpu, pc);
    for (tb = c->hash[hash_index(phys_pc, flags)]; tb; tb = tb->hash_next) {
        if (tb->phys_pc == phys_pc && tb_matches(cpu, tb, pc, cs_base, flags) &&
            (tb->phys_page2 == TB_NO_PAGE ||
             x86_code_phys(cpu, (pc & YL_PAGE_MASK) + YL_PAGE_SIZE) == tb->phys_page2))
            break;
    }
    if (!tb)
        tb = tb_gen(cpu, pc, phys_pc, flags);
    cpu->tb_jmp->entry[j] = tb;
    return tb;
}

/* Nothing is reused: the block this CPU made last is dropped (unless a
 * write already did) and the code decoded anew.  The new block still joins
 * the hash and its pages' lists, so a write to its own code stops it and
 * the arena is reclaimed by the usual flush when it fills. */
TB *tb_find_fresh(X86CPU *cpu, uint64_t pc, uint32_t flags)
{
    TBJmpCache *j = cpu->tb_jmp;
    if (j->fresh && j->fresh->valid)
        tb_remove(cpu->tbc, j->fresh);
    j->fresh = NULL;
    j->fresh = tb_gen(cpu, pc, x86_code_phys(cpu, pc), flags);
    return j->fresh;
}
