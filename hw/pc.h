/* Pieces of the PC board shared between hw/ files. */
#ifndef YL_HW_PC_H
#define YL_HW_PC_H

#include "yl/machine.h"

/* RAM below 4 GiB ends here at most; the rest goes above 4 GiB. */
#define PC_LOWMEM_MAX 0xe0000000ull
#define PC_HIGHMEM_BASE 0x100000000ull

static inline uint64_t pc_lowmem_size(const Machine *m)
{
    return m->as.ram_size < PC_LOWMEM_MAX ? m->as.ram_size : PC_LOWMEM_MAX;
}

/* Loads the multiboot v1 kernel m->opt.kernel (with -initrd modules and
 * -append) and sets the CPU up as the specification says.  Returns 0, or
 * -1 with a one-line message in err. */
int multiboot_load(Machine *m, X86CPU *cpu, char *err, int errlen);

/* Stores val at CMOS address addr (0-127) of the machine's RTC, keeping the
 * 0x10-0x2d checksum right.  Returns -1 if there is no RTC. */
int rtc_cmos_set(Machine *m, uint8_t addr, uint8_t val);

/* hw/ide/drives.c: the PIIX3 IDE function with the -drive/-hdX/-cdrom
 * drives (after the PCI bus exists). */
int pc_ide_init(Machine *m, char *err, int errlen);
/* hw/bootorder.c: -boot order and menu into CMOS and fw_cfg (after the
 * RTC and fw_cfg exist). */
int pc_boot_init(Machine *m, char *err, int errlen);

#endif
