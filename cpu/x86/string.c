/* String instructions MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE.
 * The source is d->seg (DS or the override), the destination always ES.
 * Every iteration commits its registers before the next one starts, so a
 * fault in iteration k leaves k iterations done and rip at the
 * instruction.  A long REP runs at most STR_BURST iterations and then
 * re-executes itself (next_rip = rip) so the exec loop can serve
 * interrupts and timers in between.
 *
 * REP MOVS and REP STOS also move whole runs at once (bulk_movs,
 * bulk_stos) where that is indistinguishable from the element loop: every
 * element of the run lies in one page per side, passes the segment checks
 * and hits plain RAM in the TLB, so none can fault or need the slow store
 * path (code pages, MMIO).  Anything else takes the element path, which
 * stays the reference.  A run counts as that many iterations of the burst. */
#include "accel/tcg/tlb.h"
#include "cpu/x86/int.h"

#define STR_BURST 4096

typedef struct StrOp {
    int size;
    int adsize;
    int64_t step;       /* +size or -size by DF */
} StrOp;

static StrOp str_setup(X86CPU *cpu, const Insn *d)
{
    StrOp s = { .size = insn_size_w(d), .adsize = d->adsize };
    s.step = (cpu->eflags & DF_MASK) ? -s.size : s.size;
    return s;
}

/* rSI/rDI move within the address size (a 32-bit address size in 64-bit
 * mode zero-extends them). */
static void advance(X86CPU *cpu, const StrOp *s, int reg)
{
    areg_set(cpu, reg, s->adsize, areg_get(cpu, reg, s->adsize) + (uint64_t)s->step);
}

/* One iteration of each instruction; returns false for CMPS/SCAS when a
 * REPE/REPNE ends on the flags. */
typedef bool (*StrStep)(X86CPU *cpu, const Insn *d, const StrOp *s);

static bool rep_cond(X86CPU *cpu, const Insn *d)
{
    bool zf = cc_test(cpu, 4);
    return d->rep == PFX_REPZ ? zf : !zf;
}

static bool step_movs(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    uint64_t v = mem_ld(cpu, d->seg, areg_get(cpu, R_ESI, s->adsize), s->size);
    mem_st(cpu, R_ES, areg_get(cpu, R_EDI, s->adsize), s->size, v);
    advance(cpu, s, R_ESI);
    advance(cpu, s, R_EDI);
    return true;
}

static bool step_stos(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    mem_st(cpu, R_ES, areg_get(cpu, R_EDI, s->adsize), s->size,
           reg_get(cpu, R_EAX, s->size));
    advance(cpu, s, R_EDI);
    return true;
}

static bool step_lods(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    uint64_t v = mem_ld(cpu, d->seg, areg_get(cpu, R_ESI, s->adsize), s->size);
    reg_set(cpu, R_EAX, s->size, v);
    advance(cpu, s, R_ESI);
    return true;
}

static bool step_cmps(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    uint64_t a = mem_ld(cpu, d->seg, areg_get(cpu, R_ESI, s->adsize), s->size);
    uint64_t b = mem_ld(cpu, R_ES, areg_get(cpu, R_EDI, s->adsize), s->size);
    alu_flags(cpu, ALU_CMP, s->size, a, b, alu_calc(cpu, ALU_CMP, s->size, a, b));
    advance(cpu, s, R_ESI);
    advance(cpu, s, R_EDI);
    return !d->rep || rep_cond(cpu, d);
}

static bool step_scas(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    uint64_t a = reg_get(cpu, R_EAX, s->size);
    uint64_t b = mem_ld(cpu, R_ES, areg_get(cpu, R_EDI, s->adsize), s->size);
    alu_flags(cpu, ALU_CMP, s->size, a, b, alu_calc(cpu, ALU_CMP, s->size, a, b));
    advance(cpu, s, R_EDI);
    return !d->rep || rep_cond(cpu, d);
}

/* ---- bulk runs ------------------------------------------------------- */

/* Moves up to max elements at once and returns how many (0: take one
 * element the slow way).  Advances rSI/rDI, leaves rCX to the caller. */
typedef uint64_t (*StrBulk)(X86CPU *cpu, const Insn *d, const StrOp *s, uint64_t max);

static bool str_mode64(const X86CPU *cpu)
{
    return x86_lma(cpu) && x86_code_mode(cpu) == 64;
}

/* The linear address of off in seg, as seg.c forms it (checks come later,
 * once the run's length is known). */
static uint64_t str_lin(X86CPU *cpu, int seg, uint64_t off, bool m64)
{
    if (m64)
        return (seg == R_FS || seg == R_GS) ? off + cpu->seg[seg].base : off;
    return (uint32_t)(cpu->seg[seg].base + (uint32_t)off);
}

/* Whether every element in [off, off + len) passes seg.c's checks: its
 * fast-path conditions over the whole range; where they do not hold the
 * element path decides.  The range does not wrap (str_room). */
static bool str_seg_ok(X86CPU *cpu, int seg, uint64_t off, uint64_t lin,
                       uint64_t len, bool write, bool m64)
{
    if (m64)
        return x86_canonical(lin) && x86_canonical(lin + len - 1);
    const SegCache *sc = &cpu->seg[seg];
    return (sc->flags & (DESC_P_MASK | DESC_CS_MASK | DESC_E_MASK)) == DESC_P_MASK &&
           off + len - 1 <= sc->limit && (!write || (sc->flags & DESC_W_MASK));
}

/* How many whole elements, from the one at off/lin on in the direction of
 * the step, stay inside lin's page and inside the address size (rSI/rDI
 * must not wrap within a run). */
static uint64_t str_room(const StrOp *s, uint64_t off, uint64_t lin)
{
    uint64_t in_page = lin & TLB_PAGE_OFF, bytes;
    uint64_t amask = addr_mask(s->adsize, UINT64_MAX);
    if (s->step > 0) {
        bytes = YL_PAGE_SIZE - in_page;
        if (amask - off < bytes)
            bytes = amask - off + 1;
    } else {
        if (in_page + s->size > YL_PAGE_SIZE)
            return 0;
        bytes = in_page + s->size;
        if (off < in_page)
            bytes = off + s->size;
    }
    return bytes / s->size;
}

static uint64_t umin(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static void str_advance_n(X86CPU *cpu, const StrOp *s, int reg, uint64_t n)
{
    areg_set(cpu, reg, s->adsize, areg_get(cpu, reg, s->adsize) + n * (uint64_t)s->step);
}

static uint64_t bulk_movs(X86CPU *cpu, const Insn *d, const StrOp *s, uint64_t max)
{
    bool m64 = str_mode64(cpu);
    uint64_t si = areg_get(cpu, R_ESI, s->adsize), di = areg_get(cpu, R_EDI, s->adsize);
    uint64_t sl = str_lin(cpu, d->seg, si, m64), dl = str_lin(cpu, R_ES, di, m64);
    uint64_t n = umin(max, umin(str_room(s, si, sl), str_room(s, di, dl)));
    if (n == 0)
        return 0;
    int mmu = tlb_mmu_index(cpu);
    uint8_t *hs = tlb_host_ptr(cpu, sl, false, mmu);
    uint8_t *hd = tlb_host_ptr(cpu, dl, true, mmu);
    if (!hs || !hd)
        return 0;
    /* The element loop re-reads what it wrote when the destination lies
     * ahead of the source (in the step's direction) within the run: a
     * piece no longer than that distance still copies like memmove. */
    uint64_t gap = s->step > 0 ? (uintptr_t)hd - (uintptr_t)hs : (uintptr_t)hs - (uintptr_t)hd;
    if (gap != 0 && gap < n * s->size)
        n = gap / s->size;
    if (n == 0)
        return 0;
    uint64_t len = n * s->size, back = s->step > 0 ? 0 : len - s->size;
    if (!str_seg_ok(cpu, d->seg, si - back, sl - back, len, false, m64) ||
        !str_seg_ok(cpu, R_ES, di - back, dl - back, len, true, m64))
        return 0;
    memmove(hd - back, hs - back, len);
    str_advance_n(cpu, s, R_ESI, n);
    str_advance_n(cpu, s, R_EDI, n);
    return n;
}

static void str_fill(uint8_t *p, uint64_t n, int size, uint64_t v)
{
    if (size == 1 || v == (((uint8_t)v * 0x0101010101010101ull) & size_mask_of(size))) {
        memset(p, (uint8_t)v, n * size);
        return;
    }
    /* A constant size per loop, so that the copies become plain stores
     * (little-endian host: the low size bytes). */
    switch (size) {
    case 2:
        for (uint64_t i = 0; i < n; i++, p += 2)
            memcpy(p, &v, 2);
        break;
    case 4:
        for (uint64_t i = 0; i < n; i++, p += 4)
            memcpy(p, &v, 4);
        break;
    default:
        for (uint64_t i = 0; i < n; i++, p += 8)
            memcpy(p, &v, 8);
        break;
    }
}

static uint64_t bulk_stos(X86CPU *cpu, const Insn *d, const StrOp *s, uint64_t max)
{
    (void)d;
    bool m64 = str_mode64(cpu);
    uint64_t di = areg_get(cpu, R_EDI, s->adsize);
    uint64_t dl = str_lin(cpu, R_ES, di, m64);
    uint64_t n = umin(max, str_room(s, di, dl));
    if (n == 0)
        return 0;
    uint8_t *hd = tlb_host_ptr(cpu, dl, true, tlb_mmu_index(cpu));
    uint64_t len = n * s->size, back = s->step > 0 ? 0 : len - s->size;
    if (!hd || !str_seg_ok(cpu, R_ES, di - back, dl - back, len, true, m64))
        return 0;
    str_fill(hd - back, n, s->size, reg_get(cpu, R_EAX, s->size));
    str_advance_n(cpu, s, R_EDI, n);
    return n;
}

/* ---- the REP loop ----------------------------------------------------- */

static void run_string(X86CPU *cpu, const Insn *d, StrStep step, StrBulk bulk)
{
    StrOp s = str_setup(cpu, d);
    if (!d->rep) {
        step(cpu, d, &s);
        return;
    }
    for (uint64_t n = 0; n < STR_BURST;) {
        uint64_t count = areg_get(cpu, R_ECX, s.adsize);
        if (count == 0)
            return;
        uint64_t done = bulk ? bulk(cpu, d, &s, umin(count, STR_BURST - n)) : 0;
        if (done) {
            areg_set(cpu, R_ECX, s.adsize, count - done);
            n += done;
            if (count == done)
                return;
            continue;
        }
        bool go_on = step(cpu, d, &s);
        areg_set(cpu, R_ECX, s.adsize, count - 1);
        n++;
        if (!go_on || count == 1)
            return;
    }
    cpu->next_rip = cpu->rip;   /* more to do: come back after a check */
}

/* A4 A5 */
void op_movs(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_movs, bulk_movs);
}

/* A6 A7 */
void op_cmps(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_cmps, NULL);
}

/* AA AB */
void op_stos(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_stos, bulk_stos);
}

/* AC AD */
void op_lods(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_lods, NULL);
}

/* AE AF */
void op_scas(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_scas, NULL);
}
