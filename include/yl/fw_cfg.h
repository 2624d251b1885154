/* The firmware configuration device (QEMU's fw_cfg ABI, as SeaBIOS reads
 * it): numbered items and named files the board hands to the firmware.
 * Items are copied when added; a file added twice is replaced. */
#ifndef YL_FW_CFG_H
#define YL_FW_CFG_H

#include <stdint.h>

struct Machine;
typedef struct FWCfg FWCfg;

enum {
    FW_CFG_SIGNATURE = 0x00,
    FW_CFG_ID = 0x01,
    FW_CFG_UUID = 0x02,
    FW_CFG_RAM_SIZE = 0x03,
    FW_CFG_NOGRAPHIC = 0x04,
    FW_CFG_NB_CPUS = 0x05,
    FW_CFG_MACHINE_ID = 0x06,
    FW_CFG_KERNEL_ADDR = 0x07,
    FW_CFG_KERNEL_SIZE = 0x08,
    FW_CFG_KERNEL_CMDLINE = 0x09,
    FW_CFG_INITRD_ADDR = 0x0a,
    FW_CFG_INITRD_SIZE = 0x0b,
    FW_CFG_BOOT_DEVICE = 0x0c,
    FW_CFG_NUMA = 0x0d,
    FW_CFG_BOOT_MENU = 0x0e,
    FW_CFG_MAX_CPUS = 0x0f,
    FW_CFG_KERNEL_ENTRY = 0x10,
    FW_CFG_KERNEL_DATA = 0x11,
    FW_CFG_INITRD_DATA = 0x12,
    FW_CFG_CMDLINE_ADDR = 0x13,
    FW_CFG_CMDLINE_SIZE = 0x14,
    FW_CFG_CMDLINE_DATA = 0x15,
    FW_CFG_SETUP_ADDR = 0x16,
    FW_CFG_SETUP_SIZE = 0x17,
    FW_CFG_SETUP_DATA = 0x18,
    FW_CFG_FILE_DIR = 0x19,
    FW_CFG_FILE_FIRST = 0x20,
    FW_CFG_ARCH_LOCAL = 0x8000,
};

#define FW_CFG_MAX_ITEMS 96
#define FW_CFG_NAME_LEN 56

/* The machine's fw_cfg device (m->fw_cfg), NULL if it has none. */
FWCfg *fw_cfg_of(struct Machine *m);
/* Returns 0, or -1 when the table is full or the key out of range. */
int fw_cfg_add_bytes(FWCfg *s, uint16_t key, const void *data, uint32_t len);
int fw_cfg_add_i16(FWCfg *s, uint16_t key, uint16_t v);     /* little endian */
int fw_cfg_add_i32(FWCfg *s, uint16_t key, uint32_t v);
int fw_cfg_add_i64(FWCfg *s, uint16_t key, uint64_t v);
/* A named file in the directory (key assigned from 0x20 up). */
int fw_cfg_add_file(FWCfg *s, const char *name, const void *data, uint32_t len);

#endif
