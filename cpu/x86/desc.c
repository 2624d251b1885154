/* Segment descriptors: fetching them from the GDT/LDT, loading the segment
 * caches, and the protection checks of MOV/POP Sreg and LxS (SDM Vol 3
 * ch. 3 and 5). */
#include "cpu/x86/prot.h"

bool desc_addr(X86CPU *cpu, uint16_t sel, uint64_t *addr)
{
    uint64_t base;
    uint32_t limit;
    if (sel & 4) {
        const SegCache *ldt = &cpu->seg[R_LDTR];
        if ((ldt->sel & ~3) == 0 || !(ldt->flags & DESC_P_MASK))
            return false;
        base = ldt->base;
        limit = ldt->limit;
    } else {
        base = cpu->gdt.base;
        limit = cpu->gdt.limit;
    }
    if ((uint32_t)(sel | 7) > limit)
        return false;
    *addr = base + (sel & ~7);
    return true;
}

bool desc_read(X86CPU *cpu, uint16_t sel, Desc *d)
{
    uint64_t a;
    if (!desc_addr(cpu, sel, &a))
        return false;
    d->lo = sys_ld32(cpu, a);
    d->hi = sys_ld32(cpu, a + 4);
    return true;
}

bool desc_read16(X86CPU *cpu, uint16_t sel, Desc *d, uint32_t *upper)
{
    uint64_t a;
    if (!desc_read(cpu, sel, d) || !desc_addr(cpu, (uint16_t)(sel + 8), &a))
        return false;
    uint64_t base = a - 8;
    *upper = sys_ld32(cpu, base + 8);
    return ((sys_ld32(cpu, base + 12) >> 8) & 0x1f) == 0;
}

void desc_write_hi(X86CPU *cpu, uint16_t sel, Desc *d)
{
    uint64_t a;
    if (desc_addr(cpu, sel, &a))
        sys_st32(cpu, a + 4, d->hi);
}

/* The accessed bit is written back only when it changes, so read-only
 * descriptor tables in ROM-like memory are not written for nothing. */
void desc_set_accessed(X86CPU *cpu, uint16_t sel, Desc *d)
{
    uint64_t a;
    if ((d->hi & DESC_A_MASK) || !desc_addr(cpu, sel, &a))
        return;
    d->hi |= DESC_A_MASK;
    sys_st8(cpu, a + 5, (uint8_t)(d->hi >> 8));
}

void seg_load_desc(X86CPU *cpu, int seg, uint16_t sel, const Desc *d)
{
    SegCache *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = desc_base(d);
    s->limit = desc_limit(d);
    s->flags = desc_flags(d);
}

void seg_load_desc16(X86CPU *cpu, int seg, uint16_t sel, const Desc *d, uint32_t upper)
{
    seg_load_desc(cpu, seg, sel, d);
    cpu->seg[seg].base |= (uint64_t)upper << 32;
}

void seg_load_flat(X86CPU *cpu, int seg, uint16_t sel, int dpl, bool code, bool long64)
{
    SegCache *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->flags = DESC_P_MASK | DESC_S_MASK | ((uint32_t)dpl << DESC_DPL_SHIFT) |
               DESC_G_MASK | DESC_A_MASK | DESC_W_MASK |
               (code ? DESC_CS_MASK : 0) | (long64 ? DESC_L_MASK : DESC_B_MASK);
}

/* A null selector in DS/ES/FS/GS: the cache is marked not present, so any
 * access through it faults with #GP(0). */
void seg_load_null(X86CPU *cpu, int seg, uint16_t sel)
{
    SegCache *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = 0;
    s->limit = 0;
    s->flags = 0;
}

void seg_load_real(X86CPU *cpu, int seg, uint16_t sel)
{
    SegCache *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
}

void seg_load_v86(X86CPU *cpu, int seg, uint16_t sel)
{
    SegCache *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = (uint32_t)sel << 4;
    s->limit = 0xffff;
    /* present, DPL 3, read/write data, accessed: what KVM expects too */
    s->flags = DESC_P_MASK | DESC_S_MASK | DESC_DPL_MASK | DESC_W_MASK | DESC_A_MASK;
    if (seg == R_CS)
        cpu->cpl = 3;
}

void seg_load_cs(X86CPU *cpu, uint16_t sel, const Desc *d, int cpl)
{
    seg_load_desc(cpu, R_CS, (sel & ~3) | cpl, d);
    cpu->cpl = cpl;
}

/* Data segments and non-conforming code segments more privileged than
 * the new CPL become null (IRET/RETF to an outer level). */
void seg_revalidate(X86CPU *cpu)
{
    static const int segs[] = { R_ES, R_DS, R_FS, R_GS };
    for (unsigned i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
        SegCache *s = &cpu->seg[segs[i]];
        bool conf_code = (s->flags & DESC_CS_MASK) && (s->flags & DESC_C_MASK);
        if ((s->sel & ~3) == 0 || !(s->flags & DESC_P_MASK))
            continue;
        if (!conf_code && (int)seg_dpl(s) < cpu->cpl)
            seg_load_null(cpu, segs[i], 0);
    }
}

void check_new_ss(X86CPU *cpu, uint16_t sel, int cpl, Desc *d, int vec, bool ext)
{
    if ((sel & ~3) == 0)
        raise_exception_err(cpu, vec, ext ? 1 : 0);
    if (!desc_read(cpu, sel, d))
        raise_exception_err(cpu, vec, sel_err(sel, ext));
    if ((sel & 3) != cpl || desc_dpl(d) != cpl || !desc_is_data(d) ||
        !(d->hi & DESC_W_MASK))
        raise_exception_err(cpu, vec, sel_err(sel, ext));
    if (!desc_present(d))
        raise_exception_err(cpu, EXC_SS, sel_err(sel, ext));
}

static void load_ss_prot(X86CPU *cpu, uint16_t sel)
{
    Desc d;
    /* 64-bit mode allows a null SS below ring 3 (RPL = CPL). */
    if ((sel & ~3) == 0 && x86_code_mode(cpu) == 64 && cpu->cpl != 3 &&
        (sel & 3) == cpu->cpl) {
        seg_load_null(cpu, R_SS, sel);
        return;
    }
    if ((sel & ~3) == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    check_new_ss(cpu, sel, cpu->cpl, &d, EXC_GP, false);
    desc_set_accessed(cpu, sel, &d);
    seg_load_desc(cpu, R_SS, sel, &d);
}

static void load_data_prot(X86CPU *cpu, int seg, uint16_t sel)
{
    Desc d;
    int rpl = sel & 3;
    if ((sel & ~3) == 0) {
        seg_load_null(cpu, seg, sel);
        return;
    }
    if (!desc_read(cpu, sel, &d) || !desc_is_seg(&d))
        raise_exception_err(cpu, EXC_GP, sel & 0xfffc);
    if (desc_is_code(&d) && !(d.hi & DESC_R_MASK))
        raise_exception_err(cpu, EXC_GP, sel & 0xfffc);
    if (!desc_conforming(&d) && (desc_dpl(&d) < cpu->cpl || desc_dpl(&d) < rpl))
        raise_exception_err(cpu, EXC_GP, sel & 0xfffc);
    if (!desc_present(&d))
        raise_exception_err(cpu, EXC_NP, sel & 0xfffc);
    desc_set_accessed(cpu, sel, &d);
    seg_load_desc(cpu, seg, sel, &d);
}

void x86_load_seg(X86CPU *cpu, int seg, uint16_t sel)
{
    if (!cpu_pe(cpu)) {
        seg_load_real(cpu, seg, sel);
        return;
    }
    if (cpu_vm86(cpu)) {
        seg_load_v86(cpu, seg, sel);
        return;
    }
    if (seg == R_SS)
        load_ss_prot(cpu, sel);
    else
        load_data_prot(cpu, seg, sel);
}

/* LLDT and the LDT of a new task: a GDT descriptor of type LDT (16 bytes
 * in IA-32e mode). */
void load_ldtr(X86CPU *cpu, uint16_t sel, int vec, bool ext)
{
    Desc d;
    uint32_t upper = 0;
    if ((sel & ~3) == 0) {
        seg_load_null(cpu, R_LDTR, sel);
        return;
    }
    bool ok = !(sel & 4) && (x86_lma(cpu) ? desc_read16(cpu, sel, &d, &upper)
                                          : desc_read(cpu, sel, &d));
    if (!ok || desc_is_seg(&d) || desc_type(&d) != SYS_LDT)
        raise_exception_err(cpu, vec, sel_err(sel, ext));
    if (!desc_present(&d))
        raise_exception_err(cpu, vec == EXC_TS ? EXC_TS : EXC_NP, sel_err(sel, ext));
    seg_load_desc16(cpu, R_LDTR, sel, &d, upper);
}
