/* SSE: what the differential tester cannot see - the entry conditions
 * (#UD, #NM, #XM vs #UD), alignment faults, LDMXCSR checks, the FXSAVE
 * image layout and round trip, XSAVE's header and component selection,
 * XGETBV/XSETBV, CPUID.  Guest code runs as flat 32-bit protected-mode
 * code on the real exec loop (tests/diff/harness.h). */
#include <check.h>

#include "cpu/x86/sse.h"
#include "tests/diff/harness.h"

#define RAM_BASE 0x100000u
#define RAM_SIZE 0x100000u
#define CODE (RAM_BASE + 0x1000u)
#define GDT (RAM_BASE + 0x2000u)
#define IDT (RAM_BASE + 0x2100u)
#define HANDLERS (RAM_BASE + 0x3000u)
#define DATA (RAM_BASE + 0x8000u)       /* 64-byte aligned */
#define STACK (RAM_BASE + 0xf0000u)

static Harness h;
static X86CPU *cpu;

static void setup(void)
{
    ck_assert_int_eq(harness_init(&h, RAM_BASE, RAM_SIZE), 0);
    cpu = h.cpu;
    harness_flat_tables(&h, GDT, IDT, HANDLERS);
    harness_flat32(&h);
    cpu->cr[0] |= CR0_NE;
    cpu->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    cpu->regs[R_ESP] = STACK;
}

static void teardown(void)
{
    harness_free(&h);
}

/* Runs code (HLT appended); returns -1 when it ran through, else the
 * vector of the exception it took. */
static int run(const uint8_t *code, int len)
{
    uint8_t buf[64];
    memcpy(buf, code, len);
    buf[len] = 0xf4;
    /* Through phys_rw, so blocks translated from the previous code go. */
    phys_rw(&h.m->as, CODE, buf, len + 1, true);
    cpu->rip = CODE;
    cpu->regs[R_ESP] = STACK;
    ck_assert_int_eq(harness_run(&h, 1000000000ll), HARNESS_HALTED);
    if (cpu->rip == CODE + len + 1)
        return -1;
    ck_assert(cpu->rip > HANDLERS && cpu->rip <= HANDLERS + 32);
    return (int)(cpu->rip - HANDLERS - 1);
}
#define RUN(...) ({ static const uint8_t c_[] = { __VA_ARGS__ }; run(c_, sizeof(c_)); })

static uint8_t *data(void) { return harness_ram(&h, DATA); }

/* addps xmm0, xmm1 */
#define ADDPS 0x0f, 0x58, 0xc1
/* mov ebx, DATA */
#define MOV_EBX_DATA 0xbb, DATA & 0xff, (DATA >> 8) & 0xff, (DATA >> 16) & 0xff, DATA >> 24

START_TEST(test_entry_checks)
{
    ck_assert_int_eq(RUN(ADDPS), -1);
    cpu->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    ck_assert_int_eq(RUN(ADDPS), EXC_UD);
    cpu->cr[4] |= CR4_OSFXSR;
    cpu->cr[0] |= CR0_EM;
    ck_assert_int_eq(RUN(ADDPS), EXC_UD);
    cpu->cr[0] &= ~(uint64_t)CR0_EM;
    cpu->cr[0] |= CR0_TS;
    ck_assert_int_eq(RUN(ADDPS), EXC_NM);
    ck_assert_int_eq(RUN(0x66, 0x0f, 0xef, 0xc1), EXC_NM);      /* pxor */
    cpu->cr[0] &= ~(uint64_t)CR0_TS;
    /* POPCNT needs none of it */
    cpu->cr[4] &= ~(uint64_t)CR4_OSFXSR;
    cpu->regs[R_ECX] = 0xf0f0;
    ck_assert_int_eq(RUN(0xf3, 0x0f, 0xb8, 0xc1), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 8);
}
END_TEST

START_TEST(test_xm_and_masks)
{
    /* 1.0 / 0.0 with ZE unmasked: #XM, destination unchanged, ZE set. */
    cpu->xmm[0].d[0] = 0x3f800000;
    cpu->xmm[1].d[0] = 0;
    cpu->mxcsr = MXCSR_RESET & ~(MXCSR_ZE << MXCSR_MASK_SHIFT);
    ck_assert_int_eq(RUN(0xf3, 0x0f, 0x5e, 0xc1), EXC_XM);     /* divss */
    ck_assert_uint_eq(cpu->xmm[0].d[0], 0x3f800000);
    ck_assert_uint_eq(cpu->mxcsr & MXCSR_FLAGS, MXCSR_ZE);
    /* Without OSXMMEXCPT it is #UD. */
    cpu->cr[4] &= ~(uint64_t)CR4_OSXMMEXCPT;
    ck_assert_int_eq(RUN(0xf3, 0x0f, 0x5e, 0xc1), EXC_UD);
    /* Masked: infinity, ZE sticky. */
    cpu->mxcsr = MXCSR_RESET;
    ck_assert_int_eq(RUN(0xf3, 0x0f, 0x5e, 0xc1), -1);
    ck_assert_uint_eq(cpu->xmm[0].d[0], 0x7f800000);
    ck_assert_uint_eq(cpu->mxcsr, MXCSR_RESET | MXCSR_ZE);
    /* Rounding control: 1/3 rounded up and down differ in the last bit. */
    cpu->xmm[0].d[0] = 0x3f800000;
    cpu->xmm[1].d[0] = 0x40400000;
    cpu->mxcsr = MXCSR_RESET | 2 << MXCSR_RC_SHIFT;
    ck_assert_int_eq(RUN(0xf3, 0x0f, 0x5e, 0xc1), -1);
    uint32_t up = cpu->xmm[0].d[0];
    cpu->xmm[0].d[0] = 0x3f800000;
    cpu->mxcsr = MXCSR_RESET | 1 << MXCSR_RC_SHIFT;
    ck_assert_int_eq(RUN(0xf3, 0x0f, 0x5e, 0xc1), -1);
    ck_assert_uint_eq(up - cpu->xmm[0].d[0], 1);
    ck_assert_uint_eq(cpu->mxcsr & MXCSR_FLAGS, MXCSR_PE);
}
END_TEST

START_TEST(test_ldmxcsr)
{
    uint32_t v = 0x1f80 | 0x40;
    memcpy(data(), &v, 4);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xae, 0x13), -1);  /* ldmxcsr [ebx] */
    ck_assert_uint_eq(cpu->mxcsr, v);
    v = 0x10000;
    memcpy(data(), &v, 4);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xae, 0x13), EXC_GP);
    ck_assert_uint_eq(cpu->mxcsr, 0x1fc0);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xae, 0x1b), -1);  /* stmxcsr [ebx] */
    memcpy(&v, data(), 4);
    ck_assert_uint_eq(v, 0x1fc0);
}
END_TEST

START_TEST(test_alignment)
{
    memset(data(), 0x5a, 64);
    /* movaps xmm0, [ebx+1]: #GP(0); movups fine; addps [ebx+8] #GP;
     * addss [ebx+1] fine (scalar). */
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0x28, 0x43, 0x01), EXC_GP);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0x10, 0x43, 0x01), -1);
    ck_assert_uint_eq(cpu->xmm[0].q[0], 0x5a5a5a5a5a5a5a5aull);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0x58, 0x43, 0x08), EXC_GP);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0xf3, 0x0f, 0x58, 0x43, 0x01), -1);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x66, 0x0f, 0xef, 0x43, 0x04), EXC_GP);  /* pxor */
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x66, 0x0f, 0x7f, 0x43, 0x04), EXC_GP);  /* movdqa store */
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0xf3, 0x0f, 0x7f, 0x43, 0x04), -1);      /* movdqu */
}
END_TEST

START_TEST(test_fxsave_layout)
{
    cpu->fpu.fcw = 0x027f;
    cpu->fpu.top = 6;
    cpu->fpu.fsw = 0x0001;
    cpu->fpu.ftw = 0xffff & ~(3u << 12) & ~(3u << 14);   /* R6, R7 valid */
    cpu->fpu.st[6] = (FPReg){ 0x8000000000000000ull, 0x3fff };     /* ST0 = 1.0 */
    cpu->fpu.st[7] = (FPReg){ 0xc000000000000000ull, 0x4000 };     /* ST1 = 3.0 */
    cpu->fpu.fop = 0x1d9;
    cpu->mxcsr = 0x1f81;
    for (int i = 0; i < 8; i++)
        memset(cpu->xmm[i].b, 0x10 + i, 16);
    memset(data(), 0xcc, 512);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xae, 0x03), -1);  /* fxsave [ebx] */
    uint8_t *p = data();
    uint16_t w;
    uint32_t dw;
    memcpy(&w, p, 2);
    ck_assert_uint_eq(w, 0x027f);
    memcpy(&w, p + 2, 2);
    ck_assert_uint_eq(w, 0x3001);           /* TOP 6 */
    ck_assert_uint_eq(p[4], 0xc0);          /* abridged: R6, R7 */
    memcpy(&w, p + 6, 2);
    ck_assert_uint_eq(w, 0x1d9);
    memcpy(&dw, p + 24, 4);
    ck_assert_uint_eq(dw, 0x1f81);
    memcpy(&dw, p + 28, 4);
    ck_assert_uint_eq(dw, 0xffff);
    ck_assert_uint_eq(p[32 + 7], 0x80);     /* ST0 mantissa top byte */
    ck_assert_uint_eq(p[32 + 9], 0x3f);
    ck_assert_uint_eq(p[48 + 7], 0xc0);     /* ST1 */
    ck_assert_uint_eq(p[160], 0x10);
    ck_assert_uint_eq(p[160 + 16 * 7 + 15], 0x17);
    ck_assert_uint_eq(p[300], 0xcc);        /* XMM8-15 only in 64-bit mode */

    /* Round trip through a cleared state. */
    cpu->fpu.fcw = 0x037f;
    cpu->fpu.top = 0;
    cpu->fpu.ftw = 0xffff;
    cpu->mxcsr = 0x1f80;
    memset(cpu->xmm, 0, sizeof(cpu->xmm));
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xae, 0x0b), -1);  /* fxrstor [ebx] */
    ck_assert_uint_eq(cpu->fpu.fcw, 0x027f);
    ck_assert_uint_eq(cpu->fpu.top, 6);
    ck_assert_uint_eq(cpu->fpu.ftw, 0x0fff);  /* both valid, the rest empty */
    ck_assert_uint_eq(cpu->fpu.st[7].exp, 0x4000);
    ck_assert_uint_eq(cpu->mxcsr, 0x1f81);
    ck_assert_uint_eq(cpu->xmm[3].b[5], 0x13);

    /* Bad MXCSR in the image: #GP, nothing loaded. */
    dw = 0x20000;
    memcpy(p + 24, &dw, 4);
    cpu->fpu.fcw = 0x037f;
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xae, 0x0b), EXC_GP);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x037f);
    /* Misaligned, and CR0.TS */
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xae, 0x43, 0x08), EXC_GP);
    cpu->cr[0] |= CR0_TS;
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xae, 0x03), EXC_NM);
}
END_TEST

START_TEST(test_xsave)
{
    /* Without CR4.OSXSAVE: #UD for XGETBV and XSAVE. */
    ck_assert_int_eq(RUN(0x31, 0xc9, 0x0f, 0x01, 0xd0), EXC_UD);
    cpu->cr[4] |= CR4_OSXSAVE;
    ck_assert_int_eq(RUN(0x31, 0xc9, 0x0f, 0x01, 0xd0), -1);    /* xgetbv */
    ck_assert_uint_eq(cpu->regs[R_EAX], 1);
    ck_assert_uint_eq(cpu->regs[R_EDX], 0);
    /* XSETBV: bit 0 required, unsupported bits refused, 3 accepted. */
    ck_assert_int_eq(RUN(0x31, 0xc9, 0x31, 0xd2, 0xb8, 2, 0, 0, 0, 0x0f, 0x01, 0xd1), EXC_GP);
    ck_assert_int_eq(RUN(0x31, 0xc9, 0x31, 0xd2, 0xb8, 7, 0, 0, 0, 0x0f, 0x01, 0xd1), EXC_GP);
    ck_assert_int_eq(RUN(0x31, 0xc9, 0x31, 0xd2, 0xb8, 3, 0, 0, 0, 0x0f, 0x01, 0xd1), -1);
    ck_assert_uint_eq(cpu->msr.xcr0, 3);

    /* XSAVE with EDX:EAX = 2: SSE only; header XSTATE_BV gets bit 1. */
    memset(data(), 0xcc, 1024);
    memset(data() + 512, 0, 64);
    cpu->mxcsr = 0x1f82;
    memset(cpu->xmm[2].b, 0x42, 16);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x31, 0xd2, 0xb8, 2, 0, 0, 0, 0x0f, 0xae, 0x23), -1);
    uint8_t *p = data();
    uint64_t bv;
    uint32_t mx;
    memcpy(&bv, p + 512, 8);
    ck_assert_uint_eq(bv, 2);
    memcpy(&mx, p + 24, 4);
    ck_assert_uint_eq(mx, 0x1f82);
    ck_assert_uint_eq(p[0], 0xcc);          /* x87 part untouched */
    ck_assert_uint_eq(p[160 + 32], 0x42);
    /* XRSTOR with XSTATE_BV = 0 for SSE: XMM registers to their init state,
     * MXCSR still loaded from memory. */
    bv = 0;
    memcpy(p + 512, &bv, 8);
    mx = 0x1f80;
    memcpy(p + 24, &mx, 4);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x31, 0xd2, 0xb8, 3, 0, 0, 0, 0x0f, 0xae, 0x2b), -1);
    ck_assert_uint_eq(cpu->xmm[2].q[0], 0);
    ck_assert_uint_eq(cpu->mxcsr, 0x1f80);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x037f);   /* x87 initialised too */
    ck_assert_uint_eq(cpu->fpu.ftw, 0xffff);
    /* A header naming a component outside XCR0: #GP. */
    bv = 4;
    memcpy(p + 512, &bv, 8);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x31, 0xd2, 0xb8, 3, 0, 0, 0, 0x0f, 0xae, 0x2b), EXC_GP);
    /* Not 64-byte aligned: #GP. */
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x31, 0xd2, 0xb8, 3, 0, 0, 0, 0x0f, 0xae, 0x63, 0x10), EXC_GP);
}
END_TEST

START_TEST(test_cpuid)
{
    cpu->regs[R_EAX] = 1;
    ck_assert_int_eq(RUN(0x0f, 0xa2), -1);
    ck_assert_uint_eq(cpu->regs[R_EDX] & (7u << 24), 7u << 24);    /* FXSR SSE SSE2 */
    ck_assert_uint_eq(cpu->regs[R_EDX] & (1u << 23), 1u << 23);    /* MMX */
    ck_assert_uint_eq(cpu->regs[R_ECX] & (1u << 27), 0);            /* OSXSAVE */
    /* SSE3, SSSE3, SSE4.1, SSE4.2 */
    ck_assert_uint_eq(cpu->regs[R_ECX] & 0x180201u, 0x180201u);
    cpu->cr[4] |= CR4_OSXSAVE;
    cpu->regs[R_EAX] = 1;
    ck_assert_int_eq(RUN(0x0f, 0xa2), -1);
    ck_assert_uint_eq(cpu->regs[R_ECX] & (3u << 26), 3u << 26);
    cpu->regs[R_EAX] = 0xd;
    cpu->regs[R_ECX] = 0;
    ck_assert_int_eq(RUN(0x0f, 0xa2), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 3);
    ck_assert_uint_eq(cpu->regs[R_ECX], 576);
}
END_TEST

START_TEST(test_lzcnt_movbe)
{
    cpu->regs[R_ECX] = 0x00010000;
    ck_assert_int_eq(RUN(0xf3, 0x0f, 0xbd, 0xc1), -1);  /* lzcnt eax, ecx */
    ck_assert_uint_eq(cpu->regs[R_EAX], 15);
    cpu->regs[R_ECX] = 0;
    ck_assert_int_eq(RUN(0xf3, 0x0f, 0xbd, 0xc1), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 32);
    ck_assert(x86_get_eflags(cpu) & CC_C);
    memcpy(data(), "\x11\x22\x33\x44", 4);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0x38, 0xf0, 0x03), -1);  /* movbe eax, [ebx] */
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x11223344);
    /* The register form of MOVBE does not exist. */
    ck_assert_int_eq(RUN(0x0f, 0x38, 0xf0, 0xc1), EXC_UD);
}
END_TEST

/* FISTTP (SSE3): truncates whatever the rounding control says, pops, and
 * stores the integer indefinite with IE when the value does not fit. */
START_TEST(test_fisttp)
{
    uint8_t *p = data();
    static const uint32_t v[] = { 0xc0300000u /* -2.75f */, 0, 0, 0x501502f9u /* 1e10f */ };
    memset(p, 0xcc, 32);
    memcpy(p, &v[0], 4);
    memcpy(p + 12, &v[3], 4);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0xdb, 0xe3,      /* fninit */
                         0xd9, 0x03, 0xdb, 0x4b, 0x04,  /* fld [ebx]; fisttp dword [ebx+4] */
                         0xd9, 0x03, 0xdf, 0x4b, 0x08,  /* fld [ebx]; fisttp word [ebx+8] */
                         0xd9, 0x03, 0xdd, 0x4b, 0x18), /* fld [ebx]; fisttp qword [ebx+24] */
                     -1);
    int32_t d;
    int16_t w;
    int64_t q;
    memcpy(&d, p + 4, 4);
    memcpy(&w, p + 8, 2);
    memcpy(&q, p + 24, 8);
    ck_assert_int_eq(d, -2);
    ck_assert_int_eq(w, -2);
    ck_assert_int_eq(q, -2);
    ck_assert_uint_eq(p[10], 0xcc);
    ck_assert_uint_eq(cpu->fpu.top, 0);
    ck_assert_uint_eq(cpu->fpu.ftw, 0xffff);
    ck_assert_uint_eq(cpu->fpu.fsw & 1, 0);
    /* 1e10 does not fit 16 bits: 0x8000, IE (masked), popped. */
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0xdb, 0xe3, 0xd9, 0x43, 0x0c, 0xdf, 0x4b, 0x10), -1);
    memcpy(&w, p + 16, 2);
    ck_assert_uint_eq((uint16_t)w, 0x8000);
    ck_assert_uint_eq(cpu->fpu.fsw & 1, 1);
    ck_assert_uint_eq(cpu->fpu.top, 0);
    /* CR0.EM: #NM like every x87 instruction. */
    cpu->cr[0] |= CR0_EM;
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0xdf, 0x4b, 0x10), EXC_NM);
    cpu->cr[0] &= ~(uint64_t)CR0_EM;
}
END_TEST

/* SSE4.2 string compares: a few known answers (the diff tester covers
 * the modes against the host). */
START_TEST(test_pcmpstr)
{
    memset(&cpu->xmm[1], 0, 16);
    memset(&cpu->xmm[2], 0, 16);
    memcpy(cpu->xmm[1].b, "lo", 2);
    memcpy(cpu->xmm[2].b, "hello world", 11);
    /* pcmpistri xmm1, xmm2, 0x0c: equal ordered, first match */
    ck_assert_int_eq(RUN(0x66, 0x0f, 0x3a, 0x63, 0xca, 0x0c), -1);
    ck_assert_uint_eq(cpu->regs[R_ECX], 3);
    ck_assert_uint_eq(x86_get_eflags(cpu) & CC_ALL, CC_C | CC_Z | CC_S);
    /* pcmpestri with lengths 2 (EAX) and |-4| (EDX): "hell" holds no "lo"
     * (a valid character against an invalid element does not match). */
    cpu->regs[R_EAX] = 2;
    cpu->regs[R_EDX] = (uint32_t)-4;
    ck_assert_int_eq(RUN(0x66, 0x0f, 0x3a, 0x61, 0xca, 0x0c), -1);
    ck_assert_uint_eq(cpu->regs[R_ECX], 16);
    ck_assert_uint_eq(x86_get_eflags(cpu) & CC_ALL, CC_Z | CC_S);
    /* pcmpistrm xmm1, xmm2, 0x44: ranges 'l'..'o', byte mask in xmm0 */
    memcpy(cpu->xmm[1].b, "lo", 2);
    ck_assert_int_eq(RUN(0x66, 0x0f, 0x3a, 0x62, 0xca, 0x44), -1);
    static const uint8_t want[16] = { 0, 0, 0xff, 0xff, 0xff, 0, 0, 0xff, 0, 0xff, 0 };
    ck_assert_mem_eq(cpu->xmm[0].b, want, 16);
    /* 0x04 bit mask: bits 2,3,4,7,9 */
    ck_assert_int_eq(RUN(0x66, 0x0f, 0x3a, 0x62, 0xca, 0x04), -1);
    ck_assert_uint_eq(cpu->xmm[0].q[0], 0x29c);
    ck_assert_uint_eq(cpu->xmm[0].q[1], 0);
}
END_TEST

/* RDTSCP returns IA32_TSC_AUX (MSR C0000103h, 32 bits) in ECX. */
START_TEST(test_rdtscp)
{
    cpu->regs[R_EAX] = 0x80000001u;
    ck_assert_int_eq(RUN(0x0f, 0xa2), -1);
    ck_assert_uint_eq(cpu->regs[R_EDX] & (1u << 27), 1u << 27);
    cpu->regs[R_ECX] = 0xc0000103u;
    cpu->regs[R_EAX] = 0x12345678u;
    cpu->regs[R_EDX] = 0;
    ck_assert_int_eq(RUN(0x0f, 0x30), -1);                      /* wrmsr */
    ck_assert_uint_eq(cpu->msr.tsc_aux, 0x12345678u);
    cpu->regs[R_ECX] = 0;
    ck_assert_int_eq(RUN(0x0f, 0x01, 0xf9), -1);                /* rdtscp */
    ck_assert_uint_eq(cpu->regs[R_ECX], 0x12345678u);
    cpu->regs[R_ECX] = 0xc0000103u;
    cpu->regs[R_EAX] = cpu->regs[R_EDX] = 0;
    ck_assert_int_eq(RUN(0x0f, 0x32), -1);                      /* rdmsr */
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x12345678u);
    ck_assert_uint_eq(cpu->regs[R_EDX], 0);
    /* The high half is reserved. */
    cpu->regs[R_EDX] = 1;
    ck_assert_int_eq(RUN(0x0f, 0x30), EXC_GP);
    ck_assert_uint_eq(cpu->msr.tsc_aux, 0x12345678u);
}
END_TEST

/* MMX: the registers alias the x87 significands; the entry rules; EMMS;
 * what the differential tester cannot reach (MASKMOVQ, faults). */
START_TEST(test_mmx)
{
    X87State *f = &cpu->fpu;
    f->top = 5;
    f->ftw = 0xffff;
    cpu->regs[R_EAX] = 0x11223344;
    ck_assert_int_eq(RUN(0x0f, 0x6e, 0xd0), -1);                /* movd mm2, eax */
    ck_assert_uint_eq(f->top, 0);
    ck_assert_uint_eq(f->ftw, 0);
    ck_assert_uint_eq(f->st[2].mant, 0x11223344);
    ck_assert_uint_eq(f->st[2].exp, 0xffff);
    /* paddb mm2, mm2; movq [ebx], mm2 */
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0xfc, 0xd2, 0x0f, 0x7f, 0x13), -1);
    ck_assert_uint_eq(f->st[2].mant, 0x22446688);
    uint64_t q;
    memcpy(&q, data(), 8);
    ck_assert_uint_eq(q, 0x22446688);
    ck_assert_int_eq(RUN(0x0f, 0x77), -1);                      /* emms */
    ck_assert_uint_eq(f->ftw, 0xffff);
    /* MASKMOVQ mm2, mm1: bytes 0 and 2 go to DS:EDI. */
    f->st[1].mant = 0x0000000000800080ull;
    memset(data(), 0xee, 8);
    cpu->regs[R_EDI] = DATA;
    ck_assert_int_eq(RUN(0x0f, 0xf7, 0xd1), -1);
    static const uint8_t want[8] = { 0x88, 0xee, 0x44, 0xee, 0xee, 0xee, 0xee, 0xee };
    ck_assert_mem_eq(data(), want, 8);
    /* CVTPI2PS from memory makes no transition. */
    f->ftw = 0xffff;
    f->top = 3;
    memcpy(data(), "\x01\0\0\0\xfe\xff\xff\xff", 8);
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x0f, 0x2a, 0x03), -1);  /* cvtpi2ps xmm0, [ebx] */
    ck_assert_uint_eq(cpu->xmm[0].d[0], 0x3f800000);
    ck_assert_uint_eq(cpu->xmm[0].d[1], 0xc0000000);
    ck_assert_uint_eq(f->top, 3);
    ck_assert_uint_eq(f->ftw, 0xffff);
    /* A faulting MMX instruction changes nothing: cvtpd2pi mm0, [ebx+1]
     * (a misaligned m128). */
    ck_assert_int_eq(RUN(MOV_EBX_DATA, 0x66, 0x0f, 0x2d, 0x43, 0x01), EXC_GP);
    ck_assert_uint_eq(f->top, 3);
    /* Entry rules: EM -> #UD (EMMS too), TS -> #NM, pending x87 -> #MF. */
    cpu->cr[0] |= CR0_EM;
    ck_assert_int_eq(RUN(0x0f, 0xfc, 0xd2), EXC_UD);
    ck_assert_int_eq(RUN(0x0f, 0x77), EXC_UD);
    cpu->cr[0] &= ~(uint64_t)CR0_EM;
    cpu->cr[0] |= CR0_TS;
    ck_assert_int_eq(RUN(0x0f, 0xfc, 0xd2), EXC_NM);
    cpu->cr[0] &= ~(uint64_t)CR0_TS;
    f->fsw |= 0x81;         /* IE + ES, unmasked */
    f->fcw &= ~1;
    ck_assert_int_eq(RUN(0x0f, 0xfc, 0xd2), EXC_MF);
    ck_assert_int_eq(RUN(0x0f, 0x77), EXC_MF);
    ck_assert_uint_eq(f->top, 3);
    f->fsw &= ~0x81;
    f->fcw |= 1;
}
END_TEST

int main(void)
{
    Suite *s = suite_create("sse");
    TCase *tc = tcase_create("sse");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_entry_checks);
    tcase_add_test(tc, test_xm_and_masks);
    tcase_add_test(tc, test_ldmxcsr);
    tcase_add_test(tc, test_alignment);
    tcase_add_test(tc, test_fxsave_layout);
    tcase_add_test(tc, test_xsave);
    tcase_add_test(tc, test_cpuid);
    tcase_add_test(tc, test_lzcnt_movbe);
    tcase_add_test(tc, test_fisttp);
    tcase_add_test(tc, test_pcmpstr);
    tcase_add_test(tc, test_rdtscp);
    tcase_add_test(tc, test_mmx);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
