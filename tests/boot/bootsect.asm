; A boot sector for the disk and CD boot tests (tests/boot/disk-boot.sh).
; It prints through INT 10h AH=0Eh and straight to COM1, reads sectors
; through INT 13h and checks them, and ends through isa-debug-exit at 0xf4:
; value 0 (exit status 1) when every check passed, 1 (status 3) otherwise.
;
; Disk build (default): sector LBA n >= 1 of the image holds the dwords
; (n << 16 | k), k = 0..127.  Reads: CHS AH=02h of LBA 1-2 and AH=42h of
; LBA 5000-5003.
; CD build (-DCDROM): El Torito no-emulation, 2048-byte sectors.  Reads
; LBA 16-17 with AH=42h: the primary volume descriptor and the El Torito
; boot record ("CD001").  The whole 2048-byte boot image was loaded, and
; its tail carries the same kind of pattern, checked first.
        bits 16
        org 0x7c00

start:
        cli
        xor ax, ax
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov sp, 0x7c00
        sti
        cld
        mov [drive], dl
        mov si, msg_hello
        call print

%ifdef CDROM
        ; the loaded image: bytes 512..2047 are the pattern (n = 0x7e)
        mov si, 0x7c00 + 512
        mov ax, 0x7e
        mov cx, 384
        call check_pattern
        jc fail_load
        mov si, msg_loaded
        call print

        ; AH=42h: LBA 16, 2 sectors of 2048 bytes to 0x8000
        mov dword [dap.lba], 16
        mov word [dap.count], 2
        call ext_read
        jc fail_ext
        cmp byte [0x8000], 1                ; primary volume descriptor
        jne fail_ext
        cmp dword [0x8001], 'CD00'
        jne fail_ext
        cmp byte [0x8800], 0                ; boot record
        jne fail_ext
        cmp dword [0x8801], 'CD00'
        jne fail_ext
        cmp dword [0x8807], 'EL T'
        jne fail_ext
        mov si, msg_ext
        call print
%else
        ; AH=02h: cylinder 0, head 0, sectors 2-3 (LBA 1-2) to 0x8000
        mov ax, 0x0202
        mov cx, 0x0002
        xor dh, dh
        mov dl, [drive]
        mov bx, 0x8000
        int 0x13
        jc fail_chs
        cmp al, 2
        jne fail_chs
        mov si, 0x8000
        mov ax, 1
        mov cx, 128
        call check_pattern
        jc fail_chs
        mov si, 0x8200
        mov ax, 2
        mov cx, 128
        call check_pattern
        jc fail_chs
        mov si, msg_chs
        call print

        ; AH=42h: LBA 5000, 4 sectors to 0x8000
        mov dword [dap.lba], 5000
        mov word [dap.count], 4
        call ext_read
        jc fail_ext
        mov si, 0x8000
        mov ax, 5000
.next:
        mov cx, 128
        call check_pattern
        jc fail_ext
        inc ax
        cmp ax, 5004
        jne .next
        mov si, msg_ext
        call print

        ; AH=43h: write this boot sector to LBA 3, read it back to 0x8000
        mov word [dap.buf], 0x7c00
        mov dword [dap.lba], 3
        mov word [dap.count], 1
        mov ax, 0x4300
        mov dl, [drive]
        mov si, dap
        int 0x13
        jc fail_write
        mov word [dap.buf], 0x8000
        call ext_read
        jc fail_write
        mov si, 0x7c00
        mov di, 0x8000
        mov cx, (dap - start) / 2           ; the code; dap changed since
        repe cmpsw
        jne fail_write
        mov si, msg_write
        call print
%endif
        mov si, msg_ok
        call print
        mov al, 0
        jmp exit

%ifdef CDROM
fail_load:
        mov si, msg_fail_load
        jmp fail
%else
fail_chs:
        mov si, msg_fail_chs
        jmp fail
fail_write:
        mov si, msg_fail_write
        jmp fail
%endif
fail_ext:
        mov si, msg_fail_ext
fail:
        call print
        mov al, 1
exit:
        out 0xf4, al
        hlt
        jmp exit

; AH=42h with the disk address packet at dap; CF on error.
ext_read:
        mov ah, 0x42
        mov dl, [drive]
        mov si, dap
        int 0x13
        ret

; Checks CX dwords at DS:SI against (AX << 16 | k); SI advances. CF on error.
check_pattern:
        push bx
        xor bx, bx
.loop:
        cmp [si], bx
        jne .bad
        cmp [si + 2], ax
        jne .bad
        add si, 4
        inc bx
        loop .loop
        pop bx
        clc
        ret
.bad:
        pop bx
        stc
        ret

; Prints the NUL-terminated string at SI on the screen and on COM1.
print:
        lodsb
        test al, al
        jz .done
        push si
        mov ah, 0x0e
        mov bx, 0x0007
        push ax
        int 0x10
        pop ax
        mov ah, al
        mov dx, 0x3fd
.wait:
        in al, dx
        test al, 0x20
        jz .wait
        mov al, ah
        mov dx, 0x3f8
        out dx, al
        pop si
        jmp print
.done:
        ret

align 4
dap:    db 16, 0
.count: dw 0
.buf:   dw 0x8000, 0                        ; buffer 0000:8000
.lba:   dd 0, 0
drive:  db 0

%ifdef CDROM
msg_hello:      db "bootsect: CD boot", 13, 10, 0
msg_loaded:     db "bootsect: image loaded", 13, 10, 0
msg_fail_load:  db "FAIL boot image", 13, 10, 0
%else
msg_hello:      db "bootsect: disk boot", 13, 10, 0
msg_chs:        db "bootsect: CHS read ok", 13, 10, 0
msg_fail_chs:   db "FAIL CHS read", 13, 10, 0
msg_write:      db "bootsect: write ok", 13, 10, 0
msg_fail_write: db "FAIL write", 13, 10, 0
%endif
msg_ext:        db "bootsect: ext read ok", 13, 10, 0
msg_fail_ext:   db "FAIL extended read", 13, 10, 0
msg_ok:         db "bootsect: all reads ok", 13, 10, 0

        times 510 - ($ - $$) db 0
        dw 0xaa55

%ifdef CDROM
; the rest of the 2048-byte boot image: the pattern for n = 0x7e
%assign k 0
%rep 384
        dd (0x7e << 16) | k
%assign k k + 1
%endrep
%endif
