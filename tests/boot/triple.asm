; A boot sector for tests/boot/reset.sh: triple fault and reset under
; SeaBIOS.  It counts its boots in CMOS NVRAM byte 0x48, which a reset
; keeps (SeaBIOS does not use it):
;   boot 1: marks the byte, prints "triple: boot 1" on COM1, loads an empty
;           IDT (limit 0) and executes UD2.  The #UD cannot be delivered,
;           neither can the #GP/#DF that follow: the CPU shuts down, which
;           the chipset turns into a reset (or, with -no-reboot, an exit
;           with status 0).  Still running after that prints "not ok" and
;           exits with isa-debug-exit code 0x11 (status 35).
;   boot 2: SeaBIOS ran again and booted this sector once more: prints
;           "triple: boot 2 after reset" and exits with code 0x10
;           (status 33).
        bits 16
        org 0x7c00

CMOS_IDX  equ 0x70
CMOS_DATA equ 0x71
BOOTS     equ 0x48          ; NVRAM byte outside what SeaBIOS/QEMU use
MARK1     equ 0xb1
MARK2     equ 0xb2

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        cld
        mov al, BOOTS
        out CMOS_IDX, al
        in al, CMOS_DATA
        cmp al, MARK1
        je second

        mov al, BOOTS
        out CMOS_IDX, al
        mov al, MARK1
        out CMOS_DATA, al
        mov si, msg_first
        call print
        lidt [null_idt]
        ud2
        mov si, msg_alive
        call print
        mov al, 0x11
        out 0xf4, al
        jmp halt

second:
        mov al, BOOTS
        out CMOS_IDX, al
        mov al, MARK2
        out CMOS_DATA, al
        mov si, msg_second
        call print
        mov al, 0x10
        out 0xf4, al
halt:
        hlt
        jmp halt

; si = NUL-terminated string, straight to COM1
print:
        mov dx, 0x3fd
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        lodsb
        test al, al
        jz .done
        mov dx, 0x3f8
        out dx, al
        jmp print
.done:
        ret

null_idt:   dw 0
            dd 0
msg_first:  db "triple: boot 1", 13, 10, 0
msg_second: db "triple: boot 2 after reset", 13, 10, 0
msg_alive:  db "not ok - still running after the triple fault", 13, 10, 0

        times 510 - ($ - $$) db 0
        dw 0xaa55
