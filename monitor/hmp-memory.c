/* `x/FMT ADDR` (linear addresses, through the guest's page tables) and
 * `xp/FMT ADDR` (physical): count, format x/d/u/o/c/i and size b/h/w/g,
 * instructions disassembled with capstone in the CPU's current mode. */
#include <capstone/capstone.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_int.h"
#include "yl/accel.h"

#define DUMP_MAX_BYTES (1 << 20)

typedef struct DumpFmt {
    long count;
    char format;    /* x d u o c i */
    int size;       /* 1 2 4 8 */
} DumpFmt;

/* "/[count][format][size]" with format and size in either order. */
static int parse_fmt(const char *s, DumpFmt *f, const char **rest)
{
    *f = (DumpFmt){ 1, 'x', 0 };
    if (*s == '/') {
        char *end;
        s++;
        if (isdigit((unsigned char)*s)) {
            f->count = strtol(s, &end, 10);
            s = end;
        }
        for (; *s && *s != ' ' && *s != '\t'; s++) {
            if (strchr("xduoci", *s))
                f->format = *s;
            else if (*s == 'b') f->size = 1;
            else if (*s == 'h') f->size = 2;
            else if (*s == 'w') f->size = 4;
            else if (*s == 'g') f->size = 8;
            else
                return -1;
        }
    }
    if (!f->size)
        f->size = (f->format == 'c' || f->format == 'i') ? 1 : 4;
    if (f->format == 'c')
        f->size = 1;
    while (*s == ' ' || *s == '\t')
        s++;
    *rest = s;
    return f->count > 0 ? 0 : -1;
}

static uint64_t a20(X86CPU *cpu, uint64_t pa)
{
    return pa & ~(uint64_t)(uint32_t)~cpu->a20_mask;
}

static bool walk_pae(X86CPU *cpu, AddressSpace *as, uint64_t lin, uint64_t *phys)
{
    const uint64_t frame = 0x000ffffffffff000ull;
    uint64_t pdpte = cpu->pdpte[(lin >> 30) & 3];
    if (!(pdpte & 1))
        return false;
    uint64_t pde = phys_read(as, a20(cpu, (pdpte & frame) + ((lin >> 21) & 0x1ff) * 8), 8);
    if (!(pde & 1))
        return false;
    if (pde & 0x80) {
        *phys = (pde & frame & ~0x1fffffull) | (lin & 0x1fffff);
        return true;
    }
    uint64_t pte = phys_read(as, a20(cpu, (pde & frame) + ((lin >> 12) & 0x1ff) * 8), 8);
    if (!(pte & 1))
        return false;
    *phys = (pte & frame) | (lin & 0xfff);
    return true;
}

bool monitor_lin_to_phys(X86CPU *cpu, uint64_t lin, uint64_t *phys)
{
    AddressSpace *as = cpu->as;
    lin &= 0xffffffffull;
    if (!(cpu->cr[0] & CR0_PG)) {
        *phys = a20(cpu, lin);
        return true;
    }
    if (cpu->cr[4] & CR4_PAE) {
        if (!walk_pae(cpu, as, lin, phys))
            return false;
        *phys = a20(cpu, *phys);
        return true;
    }
    uint32_t pde = phys_read(as, a20(cpu, (cpu->cr[3] & ~0xfffull) + (lin >> 22) * 4), 4);
    if (!(pde & 1))
        return false;
    if ((pde & 0x80) && (cpu->cr[4] & CR4_PSE)) {
        *phys = a20(cpu, (pde & 0xffc00000u) | (lin & 0x3fffff));
        return true;
    }
    uint32_t pte = phys_read(as, a20(cpu, (pde & ~0xfffu) + ((lin >> 12) & 0x3ff) * 4), 4);
    if (!(pte & 1))
        return false;
    *phys = a20(cpu, (pte & ~0xfffu) | (lin & 0xfff));
    return true;
}

/* Reads len bytes from addr (physical or linear) into buf. */
static int dump_read(Monitor *mon, bool physical, uint64_t addr, uint8_t *buf, size_t len)
{
    X86CPU *cpu = mon->m->ncpus ? mon->m->cpus[0] : NULL;
    for (size_t i = 0; i < len; i++) {
        uint64_t pa = addr + i;
        if (!physical && (!cpu || !monitor_lin_to_phys(cpu, addr + i, &pa))) {
            monitor_printf(mon, "Cannot access memory at 0x%" PRIx64 "\n", addr + i);
            return -1;
        }
        buf[i] = phys_read(&mon->m->as, pa, 1);
    }
    return 0;
}

static int cpu_cs_mode(Machine *m)
{
    if (!m->ncpus)
        return CS_MODE_16;
    X86CPU *cpu = m->cpus[0];
    if (!(cpu->cr[0] & CR0_PE) || (x86_get_eflags(cpu) & 0x20000))
        return CS_MODE_16;
    return (cpu->seg[R_CS].flags & DESC_B_MASK) ? CS_MODE_32 : CS_MODE_16;
}

static int dump_insns(Monitor *mon, const uint8_t *buf, size_t len, uint64_t addr, long count)
{
    csh h;
    if (cs_open(CS_ARCH_X86, cpu_cs_mode(mon->m), &h) != CS_ERR_OK) {
        monitor_printf(mon, "x: the disassembler failed to start\n");
        return -1;
    }
    const uint8_t *code = buf;
    size_t left = len;
    uint64_t pc = addr;
    cs_insn *insn = cs_malloc(h);
    for (long i = 0; i < count && insn; i++) {
        if (!cs_disasm_iter(h, &code, &left, &pc, insn)) {
            monitor_printf(mon, "0x%08" PRIx64 ":  (bad)\n", pc);
            if (!left)
                break;
            code++, left--, pc++;
            continue;
        }
        monitor_printf(mon, "0x%08" PRIx64 ":  %s%s%s\n", insn->address, insn->mnemonic,
                       insn->op_str[0] ? " " : "", insn->op_str);
    }
    if (insn)
        cs_free(insn, 1);
    cs_close(&h);
    return 0;
}

static void print_char(Monitor *mon, uint8_t c)
{
    if (c == '\'' || c == '\\')
        monitor_printf(mon, "'\\%c'", c);
    else if (c >= 0x20 && c < 0x7f)
        monitor_printf(mon, "'%c'", c);
    else
        monitor_printf(mon, "'\\x%02x'", c);
}

static void print_value(Monitor *mon, const DumpFmt *f, uint64_t v)
{
    int bits = f->size * 8;
    switch (f->format) {
    case 'c':
        print_char(mon, v);
        break;
    case 'd': {
        int64_t sv = bits == 64 ? (int64_t)v : (int64_t)(v << (64 - bits)) >> (64 - bits);
        monitor_printf(mon, "%*" PRId64, f->size * 3 + 1, sv);
        break;
    }
    case 'u':
        monitor_printf(mon, "%*" PRIu64, f->size * 3 + 1, v);
        break;
    case 'o':
        monitor_printf(mon, "%#*" PRIo64, f->size * 3 + 1, v);
        break;
    default:
        monitor_printf(mon, "0x%0*" PRIx64, f->size * 2, v);
        break;
    }
}

static void dump_values(Monitor *mon, const DumpFmt *f, const uint8_t *buf, uint64_t addr)
{
    int per_line = (f->format == 'c' ? 16 : 16 / f->size);
    for (long i = 0; i < f->count; i++) {
        if (i % per_line == 0)
            monitor_printf(mon, "%s%016" PRIx64 ":", i ? "\n" : "", addr + i * f->size);
        uint64_t v = 0;
        for (int b = 0; b < f->size; b++)
            v |= (uint64_t)buf[i * f->size + b] << (8 * b);
        monitor_printf(mon, " ");
        print_value(mon, f, v);
    }
    monitor_printf(mon, "\n");
}

static int parse_addr(Monitor *mon, const char *s, uint64_t *addr)
{
    X86CPU *cpu = mon->m->ncpus ? mon->m->cpus[0] : NULL;
    if ((!strcmp(s, "$pc") || !strcmp(s, "$eip")) && cpu) {
        *addr = cpu->seg[R_CS].base + cpu->rip;
        return 0;
    }
    char *end;
    if (!*s)
        return -1;
    *addr = strtoull(s, &end, 0);
    return *end ? -1 : 0;
}

int hmp_x(Monitor *mon, const char *name, const char *args)
{
    bool physical = !strcmp(name, "xp");
    DumpFmt f;
    const char *rest;
    uint64_t addr;
    if (parse_fmt(args, &f, &rest) < 0 || parse_addr(mon, rest, &addr) < 0) {
        monitor_printf(mon, "%s: usage: %s/[count][xduoci][bhwg] ADDR\n", name, name);
        return -1;
    }
    size_t len = f.format == 'i' ? (size_t)f.count * 15 : (size_t)f.count * f.size;
    if (f.count > DUMP_MAX_BYTES || len > DUMP_MAX_BYTES) {
        monitor_printf(mon, "%s: at most %d bytes at a time\n", name, DUMP_MAX_BYTES);
        return -1;
    }
    uint8_t *buf = malloc(len);
    if (!buf) {
        monitor_printf(mon, "%s: out of memory\n", name);
        return -1;
    }
    int r = dump_read(mon, physical, addr, buf, len);
    if (r == 0 && f.format == 'i')
        r = dump_insns(mon, buf, len, addr, f.count);
    else if (r == 0)
        dump_values(mon, &f, buf, addr);
    free(buf);
    return r;
}
