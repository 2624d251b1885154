/* sst: runs the hardware-recorded 80286 real-mode vectors (SingleStepTests
 * subset in shared/sst-80286) on Yinglong's CPU.
 *
 *   sst [-v] [-f FILE-PREFIX] DIR
 *
 * Each test: real mode, registers and memory loaded, run from CS:IP until
 * the HLT after the instruction (or in the exception handler) executes;
 * then every register and every listed memory byte is compared.
 *
 * Yinglong is a later CPU than the 80286; where they differ the later CPU
 * wins, and every such difference is in the one table below
 * (sst_differences), never a blanket skip. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Before zlib.h: it pulls in unistd.h, whose F_LOCK macro clashes with
 * x86.h's table flag. */
#include "tests/diff/harness.h"
#include "tests/sst/json.h"
#include <zlib.h>

#define RAM_SIZE (16u << 20)
#define LINE_MAX_BYTES (1u << 20)
#define RUN_NS 200000000ll
#define SHOW_MAX 10

enum { RAX, RBX, RCX, RDX, RCS, RSS, RDS, RES, RSP, RBP, RSI, RDI, RIP, RFLAGS, NREGS };
static const char *const reg_keys[NREGS] = {
    "ax", "bx", "cx", "dx", "cs", "ss", "ds", "es", "sp", "bp", "si", "di", "ip", "flags",
};

#define FL_CF 0x001
#define FL_PF 0x004
#define FL_AF 0x010
#define FL_ZF 0x040
#define FL_SF 0x080
#define FL_OF 0x800
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

typedef struct Test {
    const char *file;       /* opcode file name without .jsonl.gz */
    int op, grp;            /* opcode byte; ModRM.reg group or -1 */
    uint8_t bytes[32];
    int nbytes;             /* including the trailing HLT */
    uint16_t init[NREGS], final[NREGS];
    bool has_exc;
    int exc_num;
    uint32_t flag_addr;
} Test;

/* ---- the 286-versus-later-CPU table ------------------------------------------
 *
 * 1. Flags the manuals call undefined for an instruction are not compared
 *    (in FLAGS and in any FLAGS image the instruction or its exception
 *    pushed):
 *      logic ops (OR AND XOR TEST, 80-83 /1 /4 /6, F6/F7 /0):  AF
 *      DAA DAS:                                             OF
 *      AAA AAS:                                             OF SF ZF PF
 *      AAM AAD:                                             OF AF CF
 *      MUL IMUL (F6/F7 /4 /5, 69, 6B):                      SF ZF AF PF
 *      DIV IDIV (F6/F7 /6 /7):                              all six
 *      shifts by a count c (masked to 5 bits), c != 0:      AF; OF unless c = 1;
 *                                                           CF for SHL/SHR/SAL if c >= size
 *      rotates by c != 0:                                   OF unless c = 1
 * 2. FLAGS bits 12-15: the 286 keeps them 0 in real mode; the 386 and later
 *    load IOPL and NT from POPF/IRET.  They are loaded as the 286 had them
 *    (0) and not compared, in FLAGS nor in pushed FLAGS images.
 * 3. Instruction length: the 286 faults past 10 bytes, later CPUs at 15.
 *    A test longer than 10 bytes that recorded an exception is not run.
 * 4. LOCK: the 286 accepts it on any instruction; later CPUs raise #UD
 *    unless the instruction is a lockable read-modify-write of memory.
 *    Such tests are not run.
 * 5. MOV r/m, Sreg and MOV Sreg, r/m (8C, 8E) with ModRM.reg 4 or 5 name
 *    FS and GS on later CPUs and raise #UD on the 286.  Not run.
 * 6. Segment overruns on stack accesses in real mode (SP or a BP-based or
 *    SS-overridden operand reaching past 0FFFFh) raise interrupt 13 on the
 *    286 and #SS (12) on later CPUs.  For such tests that recorded
 *    interrupt 13, vector 12 gets the same handler as 13 in the IVT, so the
 *    rest of the test (frame, handler, HLT) is compared as usual.
 * 7. A string instruction that faults on a segment overrun has already
 *    stepped SI/DI (and CX with REP) on the 286; later CPUs fault before,
 *    so the instruction restarts.  For string tests that recorded an
 *    exception, SI, DI and CX are not compared.
 * 8. Multi-word memory operands (far pointers of FF /3 /5, LES/LDS, BOUND)
 *    starting at offset 0FFFDh or above: the 286 fetches each word on its
 *    own and wraps the second to offset 0; later CPUs raise #GP(0) for an
 *    operand that crosses the segment limit.  Not run.
 * 9. The recorded exception flag_address is not used: for an odd SP it is
 *    one off.  The FLAGS image is found at SS:SP+4 of the final state
 *    (IP, CS, FLAGS pushed).
 * Tests skipped by 3, 4 and 5 are counted and reported as "differ by
 * design". */

static bool is_logic(int op, int grp)
{
    if ((op >= 0x08 && op <= 0x0d) || (op >= 0x20 && op <= 0x25) || (op >= 0x30 && op <= 0x35))
        return true;
    if (op == 0x84 || op == 0x85 || op == 0xa8 || op == 0xa9)
        return true;
    if (op >= 0x80 && op <= 0x83)
        return grp == 1 || grp == 4 || grp == 6;
    return (op == 0xf6 || op == 0xf7) && (grp == 0 || grp == 1);
}

static int shift_count(const Test *t)
{
    if (t->op == 0xd0 || t->op == 0xd1)
        return 1;
    if (t->op == 0xd2 || t->op == 0xd3)
        return t->init[RCX] & 0xff;
    return t->bytes[t->nbytes - 2];     /* C0/C1: the imm8 before the HLT */
}

static uint16_t undefined_flags(const Test *t)
{
    int op = t->op, grp = t->grp;
    if (is_logic(op, grp))
        return FL_AF;
    switch (op) {
    case 0x27: case 0x2f: return FL_OF;
    case 0x37: case 0x3f: return FL_OF | FL_SF | FL_ZF | FL_PF;
    case 0xd4: case 0xd5: return FL_OF | FL_AF | FL_CF;
    case 0x69: case 0x6b: return FL_SF | FL_ZF | FL_AF | FL_PF;
    case 0xf6: case 0xf7:
        if (grp == 4 || grp == 5)
            return FL_SF | FL_ZF | FL_AF | FL_PF;
        return grp >= 6 ? FL_ARITH : 0;
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        int c = shift_count(t) & 31, bits = (op & 1) ? 16 : 8;
        if (c == 0)
            return 0;
        uint16_t u = c == 1 ? 0 : FL_OF;
        if (grp >= 4)
            u |= FL_AF;
        if ((grp == 4 || grp == 5 || grp == 6) && c >= bits)
            u |= FL_CF;
        return u;
    }
    default:
        return 0;
    }
}

/* The opcode byte after the prefixes, and where it is. */
static int opcode_at(const Test *t, int *pos)
{
    int i = 0;
    while (i < t->nbytes && (t->bytes[i] == 0xf0 || t->bytes[i] == 0xf2 ||
                             t->bytes[i] == 0xf3 || t->bytes[i] == 0x26 ||
                             t->bytes[i] == 0x2e || t->bytes[i] == 0x36 ||
                             t->bytes[i] == 0x3e))
        i++;
    *pos = i;
    return i < t->nbytes ? t->bytes[i] : -1;
}

static bool lock_ud_on_later_cpus(const Test *t)
{
    bool lock = false;
    int pos;
    int op = opcode_at(t, &pos);
    for (int i = 0; i < pos; i++)
        lock |= t->bytes[i] == 0xf0;
    if (!lock || op < 0 || pos + 1 >= t->nbytes)
        return !lock ? false : true;
    int modrm = t->bytes[pos + 1], mod = modrm >> 6, reg = (modrm >> 3) & 7;
    if (mod == 3)
        return true;
    if (op <= 0x3f && (op & 7) <= 1 && (op & 0x38) != 0x38)
        return false;           /* ALU r/m, r (not CMP) */
    if (op >= 0x80 && op <= 0x83)
        return reg == 7;
    if (op == 0x86 || op == 0x87)
        return false;
    if (op == 0xf6 || op == 0xf7)
        return reg != 2 && reg != 3;
    if (op == 0xfe || op == 0xff)
        return reg > 1;
    return true;
}

/* The 16-bit effective address of the ModRM at bytes[at]. */
static uint32_t ea16(const Test *t, int at)
{
    int modrm = t->bytes[at], mod = modrm >> 6, rm = modrm & 7;
    const uint16_t *r = t->init;
    static const int base[4] = { RBX, RBX, RBP, RBP };
    static const int index[4] = { RSI, RDI, RSI, RDI };
    uint32_t a = 0;
    if (rm < 4)
        a = r[base[rm]] + r[index[rm]];
    else if (rm != 6 || mod != 0)
        a = r[rm == 4 ? RSI : rm == 5 ? RDI : rm == 6 ? RBP : RBX];
    if (mod == 1)
        a += (uint32_t)(int8_t)t->bytes[at + 1];
    else if (mod == 2 || (mod == 0 && rm == 6))
        a += t->bytes[at + 1] | t->bytes[at + 2] << 8;
    return a & 0xffff;
}

/* Returns a reason if the test lies in a documented 286 difference. */
static const char *by_design(const Test *t)
{
    if (t->has_exc && t->nbytes - 1 > 10)
        return "10-byte limit";
    if (lock_ud_on_later_cpus(t))
        return "LOCK #UD";
    int pos, op = opcode_at(t, &pos);
    if ((op == 0x8c || op == 0x8e) && pos + 1 < t->nbytes &&
        ((t->bytes[pos + 1] >> 3) & 7) >= 4 && ((t->bytes[pos + 1] >> 3) & 7) <= 5)
        return "FS/GS";
    if (pos + 1 < t->nbytes && (op == 0xc4 || op == 0xc5 || op == 0x62 ||
        (op == 0xff && (((t->bytes[pos + 1] >> 3) & 7) == 3 ||
                        ((t->bytes[pos + 1] >> 3) & 7) == 5))) &&
        (t->bytes[pos + 1] >> 6) != 3 && ea16(t, pos + 1) > 0xfffc)
        return "far pointer wraps";
    return NULL;
}

static bool is_string_op(int op)
{
    return (op >= 0x6c && op <= 0x6f) || (op >= 0xa4 && op <= 0xa7) || (op >= 0xaa && op <= 0xaf);
}

/* Instructions whose accesses include the stack or an SS-relative operand
 * (table item 6). */
static bool ss_relative(const Test *t)
{
    static const uint8_t stack_ops[] = {
        0x06, 0x07, 0x0e, 0x16, 0x17, 0x1e, 0x1f, 0x60, 0x61, 0x68, 0x6a, 0x8f,
        0x9a, 0x9c, 0x9d, 0xc2, 0xc3, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce,
        0xcf, 0xe8,
    };
    int pos, op = opcode_at(t, &pos);
    for (int i = 0; i < pos; i++)
        if (t->bytes[i] == 0x36)
            return true;
    if ((op >= 0x50 && op <= 0x5f) || memchr(stack_ops, op, sizeof(stack_ops)))
        return true;
    if (op == 0xff && pos + 1 < t->nbytes) {
        int reg = (t->bytes[pos + 1] >> 3) & 7;
        if (reg == 2 || reg == 3 || reg == 6)
            return true;
    }
    if (pos + 1 >= t->nbytes)
        return false;
    /* A BP-based 16-bit memory operand (when the opcode takes a ModRM). */
    int modrm = t->bytes[pos + 1], mod = modrm >> 6, rm = modrm & 7;
    return mod != 3 && (rm == 2 || rm == 3 || (rm == 6 && mod != 0));
}

/* ---- loading a test ----------------------------------------------------------- */

static bool load_regs(const JDoc *d, int obj, uint16_t *regs, bool all)
{
    for (int r = 0; r < NREGS; r++) {
        int x = json_get(d, obj, reg_keys[r]);
        if (x >= 0)
            regs[r] = (uint16_t)json_num(d, x, 0);
        else if (all)
            return false;
    }
    return true;
}

static bool parse_test(JDoc *d, const char *line, Test *t)
{
    int root = json_parse(d, line);
    if (root < 0)
        return false;
    int ini = json_get(d, root, "initial"), fin = json_get(d, root, "final");
    if (ini < 0 || fin < 0)
        return false;
    if (!load_regs(d, json_get(d, ini, "regs"), t->init, true))
        return false;
    memcpy(t->final, t->init, sizeof(t->final));
    load_regs(d, json_get(d, fin, "regs"), t->final, false);
    t->nbytes = 0;
    int b = json_get(d, root, "bytes");
    for (int c = b >= 0 ? d->n[b].child : -1; c >= 0 && t->nbytes < 32; c = d->n[c].next)
        t->bytes[t->nbytes++] = (uint8_t)d->n[c].num;
    int e = json_get(d, root, "exception");
    t->has_exc = e >= 0;
    t->exc_num = (int)json_num(d, json_get(d, e, "number"), -1);
    t->flag_addr = (uint32_t)json_num(d, json_get(d, e, "flag_address"), 0);
    return true;
}

/* ---- running ------------------------------------------------------------------- */

typedef struct Sst {
    Harness h;
    JDoc doc;
    char *line;
    bool verbose;
    int shown;
    long pass, fail, design;
    const char *reasons[8];
    long reason_count[8];
} Sst;

static void count_reason(Sst *s, const char *why)
{
    int i = 0;
    while (i < 8 && s->reasons[i] && strcmp(s->reasons[i], why))
        i++;
    if (i == 8)
        return;
    s->reasons[i] = why;
    s->reason_count[i]++;
}

static void set_state(Sst *s, const Test *t)
{
    X86CPU *cpu = s->h.cpu;
    x86_cpu_reset(cpu);
    x86_cpu_set_a20(cpu, true);
    harness_real_mode(&s->h);
    static const int gpr[] = { R_EAX, R_EBX, R_ECX, R_EDX };
    for (int i = 0; i < 4; i++)
        cpu->regs[gpr[i]] = t->init[RAX + i];
    cpu->regs[R_ESP] = t->init[RSP];
    cpu->regs[R_EBP] = t->init[RBP];
    cpu->regs[R_ESI] = t->init[RSI];
    cpu->regs[R_EDI] = t->init[RDI];
    static const int segs[] = { R_CS, R_SS, R_DS, R_ES };
    for (int i = 0; i < 4; i++) {
        uint16_t sel = t->init[RCS + i];
        x86_load_seg_raw(cpu, segs[i], sel, (uint64_t)sel << 4, 0xffff,
                         segs[i] == R_CS ? HARNESS_CODE16 : HARNESS_DATA16);
    }
    cpu->idt.base = 0;
    cpu->idt.limit = 0x3ff;
    cpu->rip = t->init[RIP];
    /* The 286 keeps FLAGS bits 12-15 clear in real mode (table item 2). */
    x86_set_eflags(cpu, (t->init[RFLAGS] & 0x0fff) | 0x2, 0xffffffffu);
}

static void get_regs(X86CPU *cpu, uint16_t *r)
{
    static const int gpr[] = { R_EAX, R_EBX, R_ECX, R_EDX };
    for (int i = 0; i < 4; i++)
        r[RAX + i] = (uint16_t)cpu->regs[gpr[i]];
    r[RCS] = cpu->seg[R_CS].sel;
    r[RSS] = cpu->seg[R_SS].sel;
    r[RDS] = cpu->seg[R_DS].sel;
    r[RES] = cpu->seg[R_ES].sel;
    r[RSP] = (uint16_t)cpu->regs[R_ESP];
    r[RBP] = (uint16_t)cpu->regs[R_EBP];
    r[RSI] = (uint16_t)cpu->regs[R_ESI];
    r[RDI] = (uint16_t)cpu->regs[R_EDI];
    r[RIP] = (uint16_t)cpu->rip;
    r[RFLAGS] = (uint16_t)x86_get_eflags(cpu);
}

/* Bits of the byte at addr to compare: FLAGS images lose the undefined
 * flags and bits 12-15. */
static uint8_t byte_mask(const Test *t, uint32_t addr, uint16_t undef)
{
    uint32_t img = 0xffffffff;
    if (t->has_exc)
        img = ((uint32_t)t->final[RSS] << 4) + (uint16_t)(t->final[RSP] + 4);
    else if (t->op == 0x9c)
        img = ((uint32_t)t->final[RSS] << 4) + t->final[RSP];
    uint16_t m = ~(undef | 0xf000);
    if (addr == img)
        return m & 0xff;
    if (addr == img + 1)
        return m >> 8;
    return 0xff;
}

static void report(Sst *s, const Test *t, const char *name, int len, const char *why)
{
    if (s->shown++ >= SHOW_MAX && !s->verbose)
        return;
    printf("FAIL %s: %.*s: %s\n  bytes:", t->file, len, name, why);
    for (int i = 0; i < t->nbytes; i++)
        printf(" %02x", t->bytes[i]);
    printf("\n");
}

/* Runs one test; returns 1 pass, 0 fail, -1 by design. */
static int run_test(Sst *s, const char *line, Test *t)
{
    if (!parse_test(&s->doc, line, t)) {
        printf("FAIL %s: unparsable line\n", t->file);
        return 0;
    }
    JDoc *d = &s->doc;
    int root = 0;
    int nm = json_get(d, root, "name");
    const char *name = nm >= 0 ? d->n[nm].str : "?";
    int nlen = nm >= 0 ? d->n[nm].slen : 1;
    const char *design = by_design(t);
    if (design) {
        count_reason(s, design);
        return -1;
    }
    int pos;
    t->op = opcode_at(t, &pos);
    t->grp = strchr(t->file, '.') ? (t->bytes[pos + 1] >> 3) & 7 : -1;

    AddressSpace *as = &s->h.m->as;
    int ini_ram = json_get(d, json_get(d, root, "initial"), "ram");
    int fin_ram = json_get(d, json_get(d, root, "final"), "ram");
    for (int c = d->n[ini_ram].child; c >= 0; c = d->n[c].next) {
        int a = d->n[c].child;
        phys_write(as, (uint64_t)d->n[a].num, (uint8_t)d->n[d->n[a].next].num, 1);
    }
    bool alias12 = t->has_exc && t->exc_num == 13 && ss_relative(t);
    if (alias12)
        for (int k = 0; k < 4; k++)
            phys_write(as, 48 + k, phys_read(as, 52 + k, 1), 1);
    set_state(s, t);
    int r = harness_run(&s->h, RUN_NS);
    if (alias12)
        for (int k = 0; k < 4; k++)
            phys_write(as, 48 + k, 0, 1);

    char why[256] = "";
    uint16_t undef = undefined_flags(t);
    uint16_t got[NREGS];
    get_regs(s->h.cpu, got);
    if (r != HARNESS_HALTED)
        snprintf(why, sizeof(why), r == HARNESS_TIMEOUT ? "did not halt" : "triple fault");
    bool string_fault = t->has_exc && is_string_op(t->op);
    for (int i = 0; i < NREGS && !why[0]; i++) {
        uint16_t m = i == RFLAGS ? (uint16_t)~(undef | 0xf000) : 0xffff;
        if (string_fault && (i == RSI || i == RDI || i == RCX))
            continue;           /* table item 7 */
        if ((got[i] ^ t->final[i]) & m)
            snprintf(why, sizeof(why), "%s = %04x, expected %04x (initial %04x%s)",
                     reg_keys[i], got[i], t->final[i], t->init[i],
                     i == RFLAGS ? ", bits 12-15 and undefined flags ignored" : "");
    }
    /* Listed final bytes, then initial bytes the test did not change. */
    for (int pass = 0; pass < 2 && !why[0]; pass++) {
        int list = pass ? ini_ram : fin_ram;
        for (int c = d->n[list].child; c >= 0 && !why[0]; c = d->n[c].next) {
            int a = d->n[c].child;
            uint32_t addr = (uint32_t)d->n[a].num;
            uint8_t want = (uint8_t)d->n[d->n[a].next].num;
            if (pass) {
                bool changed = false;
                for (int f = d->n[fin_ram].child; f >= 0; f = d->n[f].next)
                    changed |= d->n[d->n[f].child].num == addr;
                if (changed)
                    continue;
            }
            uint8_t have = (uint8_t)phys_read(as, addr, 1), m = byte_mask(t, addr, undef);
            if ((have ^ want) & m)
                snprintf(why, sizeof(why), "memory[%06x] = %02x, expected %02x", addr,
                         have, want);
        }
    }
    /* Leave RAM zero for the next test. */
    for (int pass = 0; pass < 2; pass++)
        for (int c = d->n[pass ? fin_ram : ini_ram].child; c >= 0; c = d->n[c].next)
            phys_write(as, (uint64_t)d->n[d->n[c].child].num, 0, 1);
    if (why[0]) {
        report(s, t, name, nlen, why);
        return 0;
    }
    return 1;
}

static void run_file(Sst *s, const char *dir, const char *fname)
{
    char path[4096], base[64];
    snprintf(path, sizeof(path), "%s/%s", dir, fname);
    snprintf(base, sizeof(base), "%.*s", (int)(strstr(fname, ".jsonl.gz") - fname), fname);
    gzFile f = gzopen(path, "rb");
    if (!f) {
        printf("FAIL %s: cannot open\n", path);
        s->fail++;
        return;
    }
    long p = 0, q = 0, dz = 0;
    Test t;
    while (gzgets(f, s->line, LINE_MAX_BYTES)) {
        if (s->line[0] != '{')
            continue;
        memset(&t, 0, sizeof(t));
        t.file = base;
        int r = run_test(s, s->line, &t);
        if (r > 0) p++;
        else if (r == 0) q++;
        else dz++;
    }
    gzclose(f);
    s->pass += p;
    s->fail += q;
    s->design += dz;
    printf("  %-6s %4ld pass %4ld fail%s", base, p, q, dz ? "" : "\n");
    if (dz)
        printf(" %4ld differ by design\n", dz);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    Sst *s = calloc(1, sizeof(*s));
    const char *only = NULL;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-v"))
            s->verbose = true;
        else if (!strcmp(argv[i], "-f") && i + 1 < argc)
            only = argv[++i];
    }
    if (i >= argc) {
        fprintf(stderr, "usage: %s [-v] [-f FILE-PREFIX] DIR\n", argv[0]);
        return 2;
    }
    const char *dir = argv[i];
    DIR *dp = opendir(dir);
    if (!dp) {
        printf("SKIP: sst (no 80286 vectors at %s)\n", dir);
        return 0;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    char **names = NULL;
    int n = 0;
    for (struct dirent *e; (e = readdir(dp));) {
        if (!strstr(e->d_name, ".jsonl.gz"))
            continue;
        if (only && strncmp(e->d_name, only, strlen(only)))
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        names[n++] = strdup(e->d_name);
    }
    closedir(dp);
    qsort(names, n, sizeof(*names), name_cmp);
    s->line = malloc(LINE_MAX_BYTES);
    if (harness_init(&s->h, 0, RAM_SIZE) < 0) {
        printf("FAIL: sst (cannot set up the CPU)\n");
        return 1;
    }
    for (int k = 0; k < n; k++)
        run_file(s, dir, names[k]);
    printf("differ by design:");
    for (int k = 0; k < 8 && s->reasons[k]; k++)
        printf(" %s %ld;", s->reasons[k], s->reason_count[k]);
    printf("\n");
    int rc = 0;
    if (!n || s->fail) {
        printf("FAIL: sst (%ld of %ld tests failed in %d files; %ld differ by design)\n",
               s->fail, s->pass + s->fail, n, s->design);
        rc = 1;
    } else {
        printf("PASS: sst (%ld tests in %d files; %ld differ by design)\n", s->pass, n,
               s->design);
    }
    harness_free(&s->h);
    for (int k = 0; k < n; k++)
        free(names[k]);
    free(names);
    free(s->line);
    free(s->doc.n);
    free(s);
    return rc;
}
