; acpi-poweroff - a multiboot guest (tests/guest framework) that powers the
; machine off through ACPI S5 the way an OS does, and so must end the
; emulator with status 0 (run by tests/boot/poweroff.sh).
;
; It takes everything from the platform instead of assuming it:
;   - the ACPI tables from fw_cfg (etc/acpi/tables, the blob the firmware
;     installs): the FADT's PM1a_EVT_BLK / PM1a_CNT_BLK and, from the DSDT,
;     the first element of the \_S5 package, the SLP_TYP for soft-off;
;   - the PIIX4 PM function 00:01.3 through PCI configuration mechanism #1:
;     where no firmware ran (direct -kernel boot) PMBA (0x40) is still
;     unprogrammed, and the guest maps it where the FADT says, enabling
;     PMIOSE (0x80 bit 0), as firmware does;
;   - the PM timer must run there, which shows the block is decoded.
; Then it writes SLP_TYP << 10 | SLP_EN to PM1a_CNT.  If it is still running
; a while later it prints "not ok" and leaves through isa-debug-exit with
; the failure code (status 35).  A failed check leaves the same way before
; the write.
%include "lib/pm.inc"

FW_CTL      equ 0x510
FW_DATA     equ 0x511
FW_DIR      equ 0x19
PCI_ADDR    equ 0xcf8
PCI_DATA    equ 0xcfc
PM_FN       equ 0x80000000 | (1 << 11) | (3 << 8)   ; bus 0, dev 1, fn 3
BLOB        equ SCRATCH
BLOB_MAX    equ 0x100000
SLP_EN      equ 0x2000

TEST_BEGIN "acpi-poweroff"
test_main:
    mov eax, PM_FN
    call pci_read
    EXPECT eax, 0x71138086, "00:01.3 is the PIIX4 PM function (8086:7113)"

    call fw_find_tables
    CHECK nc, "fw_cfg lists etc/acpi/tables"
    jc .failed
    call fw_read_blob

    mov eax, 'FACP'
    call find_sig
    CHECK nc, "the blob holds a FADT"
    jc .failed
    mov eax, [ebx + 56]
    mov [pm1a_evt], eax
    mov eax, [ebx + 64]
    mov [pm1a_cnt], eax
    mov eax, [pm1a_evt]
    add eax, 4
    EXPECT [pm1a_cnt], eax, "FADT: PM1a_CNT_BLK = PM1a_EVT_BLK + 4"
    mov eax, [pm1a_evt]
    test eax, eax
    CHECK nz, "FADT: PM1a_EVT_BLK is set"
    jz .failed

    call map_pm
    mov eax, PM_FN | 0x40
    call pci_read
    and eax, 0xffc1
    mov edx, [pm1a_evt]
    or edx, 1
    EXPECT eax, edx, "PMBA holds the FADT's PM block (I/O space)"
    mov eax, PM_FN | 0x80
    call pci_read
    and eax, 1
    EXPECT eax, 1, "PMIOSE is on"

    mov edx, [pm1a_evt]
    add edx, 8
    in eax, dx
    mov ebx, eax
    mov ecx, 200000
.spin:
    in al, 0x80                  ; ~µs each on hardware; time passes anyway
    loop .spin
    in eax, dx
    sub eax, ebx
    and eax, 0xffffff
    test eax, eax
    CHECK nz, "the PM timer at PMBA+8 runs"

    call find_s5
    CHECK nc, "the DSDT has a \_S5 package with a SLP_TYP value"
    jc .failed
    PRINTHEX "S5 SLP_TYP", [slp_typ]
    cmp dword [fail_count], 0
    jne .failed

    PRINT {"# S5: writing SLP_TYP|SLP_EN to PM1a_CNT", 10}
    mov eax, [slp_typ]
    shl eax, 10
    or eax, SLP_EN
    mov edx, [pm1a_cnt]
    out dx, ax
    mov ecx, 20000000
.alive:
    loop .alive
    PRINT {"not ok - still running after the S5 write", 10}
    EXIT EXIT_FAIL
.failed:
    FINISH

; eax = config address (mechanism #1) -> eax = dword there
pci_read:
    push edx
    mov dx, PCI_ADDR
    out dx, eax
    mov dx, PCI_DATA
    in eax, dx
    pop edx
    ret

; eax = config address, ebx = dword to write
pci_write:
    push edx
    mov dx, PCI_ADDR
    out dx, eax
    mov dx, PCI_DATA
    mov eax, ebx
    out dx, eax
    pop edx
    ret

; What firmware does: PMBA and PMIOSE, unless already programmed so.
map_pm:
    mov eax, PM_FN | 0x80
    call pci_read
    test al, 1
    jz .program
    mov eax, PM_FN | 0x40
    call pci_read
    and eax, 0xffc0
    jz .program
    PRINT {"# PMBA: mapped by the firmware already", 10}
    ret
.program:
    PRINT {"# PMBA: unmapped, programming it as firmware would", 10}
    mov eax, PM_FN | 0x40
    mov ebx, [pm1a_evt]
    or ebx, 1
    call pci_write
    mov eax, PM_FN | 0x80
    call pci_read
    mov ebx, eax
    or ebx, 1
    mov eax, PM_FN | 0x80
    call pci_write
    ret

; Reads a 32-bit big-endian value from the selected fw_cfg item -> eax
fw_be32:
    push ecx
    push edx
    mov dx, FW_DATA
    mov ecx, 4
.b:
    shl eax, 8
    in al, dx
    loop .b
    pop edx
    pop ecx
    ret

; Finds etc/acpi/tables in the file directory: CF on failure, otherwise
; [blob_sel] and [blob_len] set.
fw_find_tables:
    mov dx, FW_CTL
    mov ax, FW_DIR
    out dx, ax
    call fw_be32
    mov ecx, eax
    cmp ecx, 0x1000
    ja .none
.entry:
    jecxz .none
    dec ecx
    call fw_be32
    mov [blob_len], eax
    call fw_be32
    shr eax, 16                  ; select (BE16), then 2 reserved bytes
    mov [blob_sel], eax
    mov edi, name_buf
    push ecx
    mov ecx, 56
    mov dx, FW_DATA
    rep insb
    pop ecx
    mov esi, tables_name
    mov edi, name_buf
    push ecx
    mov ecx, tables_name_len
    repe cmpsb
    pop ecx
    jne .entry
    clc
    ret
.none:
    stc
    ret

fw_read_blob:
    mov dx, FW_CTL
    mov eax, [blob_sel]
    out dx, ax
    mov ecx, [blob_len]
    cmp ecx, BLOB_MAX
    jbe .len_ok
    mov ecx, BLOB_MAX
.len_ok:
    mov [blob_len], ecx
    mov edi, BLOB
    mov dx, FW_DATA
    rep insb
    ret

; eax = 4-byte table signature -> ebx = the table in the blob; CF if none.
; A table starts on a signature whose length field fits in the blob.
find_sig:
    mov ebx, BLOB
    mov ecx, [blob_len]
    sub ecx, 36
    jbe .none
.next:
    cmp [ebx], eax
    jne .skip
    mov edx, [ebx + 4]
    cmp edx, 36
    jb .skip
    add edx, ebx
    sub edx, BLOB
    cmp edx, [blob_len]
    ja .skip
    clc
    ret
.skip:
    inc ebx
    loop .next
.none:
    stc
    ret

; Finds "_S5_" followed by PackageOp inside the DSDT and decodes the first
; element (ZeroOp, OneOp or BytePrefix n) into [slp_typ]; CF on failure.
find_s5:
    mov eax, 'DSDT'
    call find_sig
    jc .fail
    mov ecx, [ebx + 4]
    sub ecx, 8
    jbe .fail
.scan:
    cmp dword [ebx], '_S5_'
    jne .skip
    cmp byte [ebx + 4], 0x12     ; PackageOp
    je .package
.skip:
    inc ebx
    loop .scan
    jmp .fail
.package:
    movzx eax, byte [ebx + 5]    ; PkgLength lead byte: bits 7-6 = extra bytes
    shr eax, 6
    lea esi, [ebx + 6 + eax]     ; NumElements
    cmp byte [esi], 1
    jb .fail
    movzx eax, byte [esi + 1]
    cmp al, 0x01                 ; ZeroOp / OneOp
    jbe .value
    cmp al, 0x0a                 ; BytePrefix
    jne .fail
    movzx eax, byte [esi + 2]
.value:
    cmp eax, 7
    ja .fail
    mov [slp_typ], eax
    clc
    ret
.fail:
    stc
    ret

    align 4
pm1a_evt:   dd 0
pm1a_cnt:   dd 0
slp_typ:    dd 0
blob_sel:   dd 0
blob_len:   dd 0
tables_name: db "etc/acpi/tables", 0
tables_name_len equ $ - tables_name
name_buf:   times 56 db 0
TEST_END
