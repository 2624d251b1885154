/* A small AML encoder (ACPI 6.x, chapter 20): names, integers, strings,
 * and the package-length constructs (Scope, Device, Method, Package,
 * Buffer, If/Else, Field) written by open/close pairs, plus resource
 * template descriptors (chapter 6.4). */
#ifndef YL_HW_ACPI_AML_H
#define YL_HW_ACPI_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Aml {
    uint8_t *data;
    size_t len, cap;
    bool oom;                   /* an allocation failed: data is incomplete */
} Aml;

/* Opcodes (the extended ones as 0x5bXX). */
enum {
    AML_ZERO = 0x00, AML_ONE = 0x01, AML_NAME = 0x08, AML_BYTE = 0x0a,
    AML_WORD = 0x0b, AML_DWORD = 0x0c, AML_STRING = 0x0d, AML_QWORD = 0x0e,
    AML_SCOPE = 0x10, AML_BUFFER = 0x11, AML_PACKAGE = 0x12, AML_METHOD = 0x14,
    AML_DUAL_NAME = 0x2e, AML_MULTI_NAME = 0x2f, AML_ROOT = 0x5c, AML_PARENT = 0x5e,
    AML_LOCAL0 = 0x60, AML_ARG0 = 0x68, AML_STORE = 0x70, AML_AND = 0x7b,
    AML_OR = 0x7d, AML_CREATE_DWORD_FIELD = 0x8a, AML_LNOT = 0x92,
    AML_LEQUAL = 0x93, AML_IF = 0xa0, AML_ELSE = 0xa1, AML_RETURN = 0xa4,
    AML_ONES = 0xff,
    AML_EXT = 0x5b,
    AML_OP_REGION = 0x5b80, AML_FIELD = 0x5b81, AML_DEVICE = 0x5b82,
};

/* Operation region spaces and field flags. */
enum { AML_SYSTEM_MEMORY = 0, AML_SYSTEM_IO = 1, AML_PCI_CONFIG = 2 };
#define AML_FIELD_BYTE_ACC 0x01

void aml_init(Aml *a);
void aml_free(Aml *a);
void aml_byte(Aml *a, uint8_t b);
void aml_bytes(Aml *a, const void *p, size_t n);
/* "\\_SB.PCI0", "^LNKA", "ISA": segments padded with '_' to four. */
void aml_name(Aml *a, const char *path);
void aml_int(Aml *a, uint64_t v);
void aml_string(Aml *a, const char *s);
/* "PNP0A03" compressed to the EISA ID dword. */
uint32_t aml_eisaid_value(const char *id);
void aml_eisaid(Aml *a, const char *id);

/* Package-length constructs: open returns a mark for close, which writes
 * the length of everything emitted in between. */
size_t aml_open(Aml *a, uint16_t op);
void aml_close(Aml *a, size_t mark);
size_t aml_scope(Aml *a, const char *name);
size_t aml_device(Aml *a, const char *name);
size_t aml_method(Aml *a, const char *name, int nargs, bool serialized);
size_t aml_package(Aml *a, uint8_t nelem);
/* Name(name, ...): the caller emits the value next. */
void aml_name_decl(Aml *a, const char *name);
void aml_buffer(Aml *a, const void *data, size_t n);
void aml_op_region(Aml *a, const char *name, uint8_t space, uint64_t off, uint64_t len);
size_t aml_field(Aml *a, const char *region, uint8_t flags);
void aml_field_unit(Aml *a, const char *name, uint32_t bits);

/* Resource descriptors, appended to r; aml_resource_template ends r with
 * the end tag and emits it as a Buffer. */
void res_io(Aml *r, uint16_t base, uint8_t len);
void res_irq_noflags(Aml *r, uint16_t mask);
void res_interrupt(Aml *r, uint8_t flags, const uint32_t *irqs, int n);
void res_mem32_fixed(Aml *r, bool writable, uint32_t base, uint32_t len);
void res_word_bus(Aml *r, uint16_t min, uint16_t max);
void res_word_io(Aml *r, uint16_t min, uint16_t max);
void res_dword_mem(Aml *r, bool cacheable, uint32_t min, uint32_t max);
void aml_resource_template(Aml *a, Aml *r);

/* Interrupt descriptor flags. */
#define RES_INT_CONSUMER 0x01
#define RES_INT_EDGE 0x02
#define RES_INT_ACTIVE_LOW 0x04
#define RES_INT_SHARED 0x08

#endif
