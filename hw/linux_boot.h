/* Direct Linux boot (-kernel bzImage -initrd FILE -append CMDLINE): the
 * x86 boot protocol (Documentation/arch/x86/boot.rst), entered without
 * firmware. */
#ifndef YL_HW_LINUX_BOOT_H
#define YL_HW_LINUX_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yl/machine.h"

/* Where the loader puts its pieces in low memory. */
#define LINUX_GDT_ADDR      0x1000
#define LINUX_PML4_ADDR     0x2000      /* 64-bit entry: PML4, PDPT, 4 PDs */
#define LINUX_STACK_TOP     0x10000
#define LINUX_ZERO_PAGE     0x10000     /* boot_params */
#define LINUX_CMDLINE_ADDR  0x20000
#define LINUX_KERNEL_ADDR   0x100000
/* The ACPI tables sit at the top of RAM below 4 GiB, in this much room. */
#define LINUX_ACPI_SIZE     0x10000

#define LINUX_MIN_PROTOCOL  0x206
#define LINUX_BOOT_CS       0x10
#define LINUX_BOOT_DS       0x18

/* boot_params (the zero page) offsets. */
#define BP_EXT_MEM_K        0x002
#define BP_ACPI_RSDP_ADDR   0x070
#define BP_ALT_MEM_K        0x1e0
#define BP_E820_ENTRIES     0x1e8
#define BP_HDR              0x1f1
#define BP_E820_TABLE       0x2d0
#define BP_E820_MAX         128

/* Setup header offsets (in the file and in boot_params alike). */
#define HDR_SETUP_SECTS     0x1f1
#define HDR_BOOT_FLAG       0x1fe
#define HDR_JUMP            0x200
#define HDR_MAGIC           0x202
#define HDR_VERSION         0x206
#define HDR_TYPE_OF_LOADER  0x210
#define HDR_LOADFLAGS       0x211
#define HDR_CODE32_START    0x214
#define HDR_RAMDISK_IMAGE   0x218
#define HDR_RAMDISK_SIZE    0x21c
#define HDR_HEAP_END_PTR    0x224
#define HDR_CMD_LINE_PTR    0x228
#define HDR_INITRD_ADDR_MAX 0x22c
#define HDR_KERNEL_ALIGN    0x230
#define HDR_RELOCATABLE     0x234
#define HDR_CMDLINE_SIZE    0x238
#define HDR_PREF_ADDRESS    0x258
#define HDR_INIT_SIZE       0x260

#define LOADED_HIGH         0x01
#define CAN_USE_HEAP        0x80

enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3 };

/* Does the file start like a bzImage ("HdrS" at 0x202)?  false when it
 * cannot be read (the caller's loader then names the error). */
bool linux_is_bzimage(const char *path);

/* Loads m->opt.kernel/initrd/append, places the ACPI tables and sets the
 * CPU up for the kernel's 32-bit entry (entry64: the 64-bit one, in long
 * mode with an identity map of the low 4 GiB).  Returns 0, or -1 with one
 * line in err. */
int linux_boot_load(Machine *m, X86CPU *cpu, bool entry64, char *err, int errlen);

#endif
