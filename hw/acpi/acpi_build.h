/* ACPI tables for the PC, built in C: RSDP, RSDT, XSDT, FADT, FACS, DSDT
 * (AML from hw/acpi/aml.c), MADT and HPET when those devices exist.
 *
 * The tables come as two blobs and a script in the BIOS linker/loader
 * format (fw_cfg "etc/table-loader", as SeaBIOS executes it): pointers
 * inside the blobs hold offsets into the blob they point to, and the
 * script's ADD_POINTER commands add the blob's address once allocated,
 * then ADD_CHECKSUM fixes each table's checksum.  The direct kernel boot
 * runs the same script itself (acpi_loader_run). */
#ifndef YL_HW_ACPI_BUILD_H
#define YL_HW_ACPI_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#include "yl/apic.h"
#include "yl/machine.h"

/* Where the PIIX4 PM block lives: SeaBIOS programs PMBA to this (its log:
 * "Using pmtimer, ioport 0x608"), and the direct kernel boot does the same. */
#define ACPI_PM_BASE        0x600
#define ACPI_SCI_IRQ        9
#define ACPI_IOAPIC_ADDR    IOAPIC_ADDRESS
#define ACPI_LAPIC_ADDR     APIC_DEFAULT_ADDRESS
#define ACPI_HPET_ADDR      HPET_ADDRESS

#define ACPI_FILE_TABLES    "etc/acpi/tables"
#define ACPI_FILE_RSDP      "etc/acpi/rsdp"
#define ACPI_FILE_LOADER    "etc/table-loader"

/* Linker/loader commands: 128-byte little-endian entries. */
#define ACPI_LOADER_ENTRY   128
#define ACPI_LOADER_FILESZ  56
enum {
    ACPI_LOADER_ALLOCATE = 1,
    ACPI_LOADER_ADD_POINTER = 2,
    ACPI_LOADER_ADD_CHECKSUM = 3,
};
enum { ACPI_ZONE_HIGH = 1, ACPI_ZONE_FSEG = 2 };

typedef struct AcpiConfig {
    int ncpus;
    uint16_t pm_base;           /* PM1a event block; control +4, timer +8 */
    uint8_t sci_irq;
    bool has_lapic;             /* MADT only with a local APIC */
    bool has_ioapic;
    bool has_hpet;
    uint32_t hpet_block_id;     /* the HPET's capabilities, low dword */
    uint8_t com_mask;           /* bit i: COM(i+1) exists */
    uint32_t pci_mem_start;     /* 32-bit PCI window, up to the IOAPIC */
} AcpiConfig;

typedef struct AcpiTables {
    uint8_t *tables;            /* FACS, DSDT, FADT, [MADT], [HPET], RSDT, XSDT */
    uint32_t tables_len;
    uint8_t rsdp[36];
    uint8_t *loader;            /* the linker/loader script */
    uint32_t loader_len;
} AcpiTables;

/* What the machine has, for the tables to describe. */
void acpi_config_of(Machine *m, AcpiConfig *c);
/* Returns 0, or -1 when out of memory. */
int acpi_build(const AcpiConfig *c, AcpiTables *t);
void acpi_tables_free(AcpiTables *t);
/* Runs t->loader over t's own blobs as if the firmware had placed the
 * tables at tables_addr and the RSDP at rsdp_addr.  Returns 0, or -1 with
 * a message for a malformed script. */
int acpi_loader_run(AcpiTables *t, uint64_t tables_addr, uint64_t rsdp_addr,
                    char *err, int errlen);
/* Hands the tables to the firmware through fw_cfg (no-op without one). */
int acpi_setup_fw_cfg(Machine *m, char *err, int errlen);

#endif
