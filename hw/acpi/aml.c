/* AML encoder: the byte forms of ACPI 6.x section 20.2, written into a
 * growable buffer. */
#include <stdlib.h>
#include <string.h>

#include "hw/acpi/aml.h"

#define PKGLEN_RESERVE 4

void aml_init(Aml *a)
{
    memset(a, 0, sizeof(*a));
}

void aml_free(Aml *a)
{
    free(a->data);
    aml_init(a);
}

static bool aml_grow(Aml *a, size_t n)
{
    if (a->oom)
        return false;
    if (a->len + n <= a->cap)
        return true;
    size_t cap = a->cap ? a->cap : 256;
    while (cap < a->len + n)
        cap *= 2;
    uint8_t *d = realloc(a->data, cap);
    if (!d) {
        a->oom = true;
        return false;
    }
    a->data = d;
    a->cap = cap;
    return true;
}

void aml_bytes(Aml *a, const void *p, size_t n)
{
    if (!aml_grow(a, n))
        return;
    memcpy(a->data + a->len, p, n);
    a->len += n;
}

void aml_byte(Aml *a, uint8_t b)
{
    aml_bytes(a, &b, 1);
}

static void aml_le(Aml *a, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        aml_byte(a, v >> (8 * i));
}

static void aml_nameseg(Aml *a, const char *s, size_t n)
{
    for (size_t i = 0; i < 4; i++)
        aml_byte(a, i < n ? s[i] : '_');
}

void aml_name(Aml *a, const char *path)
{
    while (*path == '\\' || *path == '^')
        aml_byte(a, *path++ == '\\' ? AML_ROOT : AML_PARENT);
    int nseg = *path ? 1 : 0;
    for (const char *p = path; *p; p++)
        nseg += *p == '.';
    if (nseg == 0) {
        aml_byte(a, 0);     /* NullName */
        return;
    }
    if (nseg == 2)
        aml_byte(a, AML_DUAL_NAME);
    else if (nseg > 2) {
        aml_byte(a, AML_MULTI_NAME);
        aml_byte(a, nseg);
    }
    while (*path) {
        size_t n = strcspn(path, ".");
        aml_nameseg(a, path, n);
        path += n + (path[n] == '.');
    }
}

void aml_int(Aml *a, uint64_t v)
{
    if (v == 0 || v == 1)
        aml_byte(a, v ? AML_ONE : AML_ZERO);
    else if (v <= 0xff) {
        aml_byte(a, AML_BYTE);
        aml_le(a, v, 1);
    } else if (v <= 0xffff) {
        aml_byte(a, AML_WORD);
        aml_le(a, v, 2);
    } else if (v <= 0xffffffff) {
        aml_byte(a, AML_DWORD);
        aml_le(a, v, 4);
    } else {
        aml_byte(a, AML_QWORD);
        aml_le(a, v, 8);
    }
}

void aml_string(Aml *a, const char *s)
{
    aml_byte(a, AML_STRING);
    aml_bytes(a, s, strlen(s) + 1);
}

/* Three letters of five bits ('A' = 1) and four hex digits, stored as a
 * big-endian dword. */
uint32_t aml_eisaid_value(const char *id)
{
    uint32_t v = (uint32_t)(id[0] - 0x40) << 26 | (uint32_t)(id[1] - 0x40) << 21
                 | (uint32_t)(id[2] - 0x40) << 16 | strtoul(id + 3, NULL, 16);
    return (v >> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | v << 24;
}

void aml_eisaid(Aml *a, const char *id)
{
    aml_byte(a, AML_DWORD);
    aml_le(a, aml_eisaid_value(id), 4);
}

size_t aml_open(Aml *a, uint16_t op)
{
    if (op > 0xff)
        aml_byte(a, op >> 8);
    aml_byte(a, op);
    size_t mark = a->len;
    uint8_t pad[PKGLEN_RESERVE] = { 0 };
    aml_bytes(a, pad, sizeof(pad));
    return mark;
}

/* PkgLength counts its own bytes: one byte up to 63, else 2-4 bytes
 * with the low nibble first. */
void aml_close(Aml *a, size_t mark)
{
    if (a->oom)
        return;
    size_t body = a->len - mark - PKGLEN_RESERVE;
    int n = body + 1 <= 0x3f ? 1 : body + 2 <= 0xfff ? 2 : body + 3 <= 0xfffff ? 3 : 4;
    size_t total = body + n;
    uint8_t *p = a->data + mark;
    if (n == 1)
        p[0] = total;
    else {
        p[0] = (n - 1) << 6 | (total & 0xf);
        for (int i = 1; i < n; i++)
            p[i] = total >> (4 + 8 * (i - 1));
    }
    memmove(p + n, p + PKGLEN_RESERVE, body);
    a->len -= PKGLEN_RESERVE - n;
}

size_t aml_scope(Aml *a, const char *name)
{
    size_t m = aml_open(a, AML_SCOPE);
    aml_name(a, name);
    return m;
}

size_t aml_device(Aml *a, const char *name)
{
    size_t m = aml_open(a, AML_DEVICE);
    aml_name(a, name);
    return m;
}

size_t aml_method(Aml *a, const char *name, int nargs, bool serialized)
{
    size_t m = aml_open(a, AML_METHOD);
    aml_name(a, name);
    aml_byte(a, (nargs & 7) | (serialized ? 0x08 : 0));
    return m;
}

size_t aml_package(Aml *a, uint8_t nelem)
{
    size_t m = aml_open(a, AML_PACKAGE);
    aml_byte(a, nelem);
    return m;
}

void aml_name_decl(Aml *a, const char *name)
{
    aml_byte(a, AML_NAME);
    aml_name(a, name);
}

void aml_buffer(Aml *a, const void *data, size_t n)
{
    size_t m = aml_open(a, AML_BUFFER);
    aml_int(a, n);
    aml_bytes(a, data, n);
    aml_close(a, m);
}

void aml_op_region(Aml *a, const char *name, uint8_t space, uint64_t off, uint64_t len)
{
    aml_byte(a, AML_EXT);
    aml_byte(a, AML_OP_REGION & 0xff);
    aml_name(a, name);
    aml_byte(a, space);
    aml_int(a, off);
    aml_int(a, len);
}

size_t aml_field(Aml *a, const char *region, uint8_t flags)
{
    size_t m = aml_open(a, AML_FIELD);
    aml_name(a, region);
    aml_byte(a, flags);
    return m;
}

/* NamedField: NameSeg then the width as a PkgLength-encoded number. */
void aml_field_unit(Aml *a, const char *name, uint32_t bits)
{
    aml_nameseg(a, name, strlen(name));
    if (bits <= 0x3f)
        aml_byte(a, bits);
    else {
        aml_byte(a, 0x40 | (bits & 0xf));
        aml_byte(a, bits >> 4);
    }
}

/* --- resource descriptors (ACPI 6.x, 6.4) --------------------------- */

void res_io(Aml *r, uint16_t base, uint8_t len)
{
    aml_byte(r, 0x47);          /* small item 8, length 7 */
    aml_byte(r, 0x01);          /* 16-bit decode */
    aml_le(r, base, 2);
    aml_le(r, base, 2);
    aml_byte(r, 1);
    aml_byte(r, len);
}

void res_irq_noflags(Aml *r, uint16_t mask)
{
    aml_byte(r, 0x22);          /* small item 4, length 2 */
    aml_le(r, mask, 2);
}

void res_interrupt(Aml *r, uint8_t flags, const uint32_t *irqs, int n)
{
    aml_byte(r, 0x89);
    aml_le(r, 2 + 4 * n, 2);
    aml_byte(r, flags);
    aml_byte(r, n);
    for (int i = 0; i < n; i++)
        aml_le(r, irqs[i], 4);
}

void res_mem32_fixed(Aml *r, bool writable, uint32_t base, uint32_t len)
{
    aml_byte(r, 0x86);
    aml_le(r, 9, 2);
    aml_byte(r, writable);
    aml_le(r, base, 4);
    aml_le(r, len, 4);
}

/* Address space descriptors: a producer with fixed min and max. */
static void res_addr(Aml *r, uint8_t tag, int width, uint8_t type, uint8_t tflags,
                     uint64_t min, uint64_t max)
{
    aml_byte(r, tag);
    aml_le(r, 3 + 5 * width, 2);
    aml_byte(r, type);
    aml_byte(r, 0x0c);          /* _MAF, _MIF, positive decode, producer */
    aml_byte(r, tflags);
    aml_le(r, 0, width);        /* granularity */
    aml_le(r, min, width);
    aml_le(r, max, width);
    aml_le(r, 0, width);        /* translation */
    aml_le(r, max - min + 1, width);
}

void res_word_bus(Aml *r, uint16_t min, uint16_t max)
{
    res_addr(r, 0x88, 2, 2, 0, min, max);
}

void res_word_io(Aml *r, uint16_t min, uint16_t max)
{
    res_addr(r, 0x88, 2, 1, 3, min, max);   /* entire ISA range */
}

void res_dword_mem(Aml *r, bool cacheable, uint32_t min, uint32_t max)
{
    res_addr(r, 0x87, 4, 0, 1 | (cacheable ? 2 : 0), min, max);    /* RW */
}

void aml_resource_template(Aml *a, Aml *r)
{
    aml_byte(r, 0x79);          /* end tag, checksum 0: "ignore" */
    aml_byte(r, 0);
    aml_buffer(a, r->data, r->len);
    if (r->oom)
        a->oom = true;
}
