; long.asm - IA-32e (long) mode from the system side: 4-level paging with
; 4 KiB, 2 MiB and 1 GiB pages, EFER.LME/LMA, a far jump to 64-bit code,
; RIP-relative addressing, r8-r15, #PF error codes with the I/D bit (NX) and
; CR2 through a 64-bit IDT, an IST stack, non-canonical #GP, CR8, FS/GS
; bases by MSR and SWAPGS, SYSCALL/SYSRET to ring 3 and back, IRETQ to
; ring 3 with the stack switch to RSP0, RETFQ, a compatibility-mode code
; segment, SGDT's 10-byte form, and the way back to 32-bit protected mode.
;
; The library's checks are 32-bit code, so the 64-bit part records what it
; sees in res_* and the checks run after the return to legacy mode.
%include "lib/pm.inc"
TEST_BEGIN "long"

; GDT entries added here
KCODE64 equ 0x30            ; 64-bit code, DPL0  (STAR[47:32])
KDATA64 equ 0x38            ; data, DPL0         (STAR[47:32] + 8)
UCODE32 equ 0x40            ; compat code, DPL3  (STAR[63:48])
UDATA64 equ 0x48            ; data, DPL3         (STAR[63:48] + 8)
UCODE64 equ 0x50            ; 64-bit code, DPL3  (STAR[63:48] + 16)
TSS64   equ 0x60            ; 16-byte 64-bit TSS descriptor

PML4    equ SCRATCH
PDPT    equ SCRATCH + 0x1000
PD      equ SCRATCH + 0x2000
PT      equ SCRATCH + 0x3000
PDPT_HI equ SCRATCH + 0x4000
IDT64   equ SCRATCH + 0x5000
IST1_TOP equ 0x1b0000
NX_PAGE equ 0x1c0000        ; XD set, holds a RET
RO_PAGE equ 0x1c1000        ; read-only
HIGH    equ 0xffffffffc0000000  ; the top 1 GiB maps the first one again

MSR_EFER equ 0xc0000080
MSR_STAR equ 0xc0000081
MSR_LSTAR equ 0xc0000082
MSR_SFMASK equ 0xc0000084
MSR_FS_BASE equ 0xc0000100
MSR_GS_BASE equ 0xc0000101
MSR_KGS_BASE equ 0xc0000102
APIC_TPR equ 0xfee00080     ; CR8 is its bits 7:4 (paging is off around it)

test_main:
    mov [saved_esp], esp
    call build_tables
    call build_gdt
    call build_idt64
    mov dword [APIC_TPR], 0x70
    ; 1 GiB pages only where the CPU offers them (CPUID 80000001h EDX.26)
    mov eax, 0x80000001
    cpuid
    and edx, 1 << 26
    mov [has_1g], edx
    jz .no1g
    mov dword [PDPT + 8], 0x87          ; 1 GiB..2 GiB -> physical 0
.no1g:
    mov eax, PML4
    mov cr3, eax
    mov eax, cr4
    or eax, 0x20                        ; PAE
    mov cr4, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, (1 << 8) | (1 << 11) | 1    ; LME NXE SCE
    wrmsr
    mov eax, cr0
    or eax, 0x80010000                  ; PG, WP
    mov cr0, eax                        ; IA-32e mode, compatibility mode
    mov ecx, MSR_EFER
    rdmsr
    mov [res_efer], eax
    lidt [idt64_ptr]
    mov ax, TSS64
    ltr ax
    jmp KCODE64:lm_entry

; ---- back in 32-bit protected mode: the checks ------------------------------
report:
    EXPECT dword [res_efer], 0xd01, "EFER after CR0.PG: SCE LME LMA NXE"
    EXPECT dword [res_lea], lm_entry, "RIP-relative LEA"
    EXPECT dword [res_ripload], 0x55667788, "RIP-relative load (low)"
    EXPECT dword [res_ripload+4], 0x11223344, "RIP-relative load (high)"
    EXPECT dword [res_r15], 0x3579bde0, "r8/r15: 64-bit add (low)"
    EXPECT dword [res_r15+4], 0x2468acf1, "r8/r15: 64-bit add (high)"
    EXPECT dword [res_r9hi], 0, "32-bit write to r9d zero-extends"
    EXPECT dword [res_high], 0x55667788, "load through the top 1 GiB (2nd PML4/PDPT)"
    EXPECT dword [res_high_call], 0x1234, "call into the top 1 GiB"
    EXPECT dword [res_1g], 0x55667788, "load through a 1 GiB page"
    EXPECT dword [res_2m], 0xcafe, "store/load through a 2 MiB page"
    EXPECT dword [res_nx_err], 0x11, "#PF fetch from an XD page: P|I/D"
    EXPECT dword [res_nx_cr2], NX_PAGE, "#PF XD: CR2"
    EXPECT dword [res_nx_rip], NX_PAGE, "#PF XD: saved RIP is the target"
    EXPECT dword [res_ro_err], 3, "#PF write to a read-only page: P|W"
    EXPECT dword [res_ro_cr2], RO_PAGE + 8, "#PF read-only: CR2"
    EXPECT dword [res_np_err], 0, "#PF not present in the PML4"
    EXPECT dword [res_np_cr2], 0x1000, "#PF not present: CR2 (low)"
    EXPECT dword [res_np_cr2+4], 0x7f00, "#PF not present: CR2 (high)"
    EXPECT dword [res_nc_vec], 13, "non-canonical load: #GP"
    EXPECT dword [res_nc_err], 0, "non-canonical load: error code 0"
    EXPECT dword [res_ist_rsp], IST1_TOP - 40, "INT through an IST1 gate: frame on the IST stack"
    EXPECT dword [res_ist_rsp+4], 0, "IST stack address (high)"
    EXPECT dword [res_cr8_in], 7, "CR8 reads TPR[7:4] as the APIC's TPR register set it"
    EXPECT dword [res_cr8], 5, "MOV CR8 round trip"
    mov eax, [APIC_TPR]
    and eax, 0xff
    EXPECT eax, 0x50, "MOV CR8, 5 set the APIC's TPR to 50h"
    mov dword [APIC_TPR], 0
    EXPECT dword [res_fs], 0x55667788, "FS base from IA32_FS_BASE"
    EXPECT dword [res_fs_sel], 0x55667788, "MOV FS loads the descriptor base (0)"
    EXPECT dword [res_gs], 0x0badcafe, "SWAPGS: GS base from IA32_KERNEL_GS_BASE"
    EXPECT dword [res_kgs], qdata, "SWAPGS: the old GS base in IA32_KERNEL_GS_BASE"
    EXPECT dword [res_retf], 1, "RETFQ to the same level"
    EXPECT dword [res_u_cs], UCODE64 | 3, "SYSRET (REX.W): ring 3 64-bit CS"
    EXPECT dword [res_u_ss], UDATA64 | 3, "SYSRET: SS from STAR[63:48] + 8"
    EXPECT dword [res_sc_rcx], u_after_syscall, "SYSCALL: RCX = return RIP"
    EXPECT dword [res_sc_r11], 0x402, "SYSCALL: R11 = RFLAGS (DF set in ring 3)"
    EXPECT dword [res_sc_fl], 0x2, "SYSCALL: SFMASK cleared DF"
    EXPECT dword [res_sc_cs], KCODE64, "SYSCALL: CS from STAR[47:32]"
    EXPECT dword [res_sc_ss], KDATA64, "SYSCALL: SS from STAR[47:32] + 8"
    EXPECT dword [res_i3_cs], UCODE64 | 3, "IRETQ to ring 3: INT frame CS"
    EXPECT dword [res_i3_ss], UDATA64 | 3, "IRETQ to ring 3: INT frame SS"
    EXPECT dword [res_i3_rsp], USTACK_TOP - 8, "INT frame: ring-3 RSP"
    EXPECT dword [res_i3_hrsp], ISTACK_TOP - 40, "INT from ring 3: frame on RSP0"
    EXPECT dword [res_compat_cs], KCODE_SEL, "compatibility mode: CS"
    EXPECT dword [res_compat], 0x12345678, "compatibility mode: 32-bit code ran"
    EXPECT dword [res_compat_push], 4, "compatibility mode: PUSH moves ESP by 4"
    EXPECT dword [res_sgdt_hi], 0, "SGDT in 64-bit mode: 8-byte base"
    EXPECT dword [res_sgdt], gdt, "SGDT in 64-bit mode: base"
    EXPECT dword [res_back_efer], 0x801, "back in legacy mode: LMA and LME clear"
    EXPECT dword [res_i3_ds], 0, "IRETQ to ring 3 nulled DS (DPL 0)"
    FINISH

; ---- 32-bit setup ------------------------------------------------------------
build_tables:
    mov edi, SCRATCH
    mov ecx, 0x5000 / 4
    xor eax, eax
    rep stosd
    mov dword [PML4], PDPT | 7
    mov dword [PML4 + 511 * 8], PDPT_HI | 7
    mov dword [PDPT], PD | 7
    mov dword [PDPT_HI + 511 * 8], PD | 7
    mov dword [PD], PT | 7
    ; 2 MiB .. 64 MiB: 2 MiB pages
    mov ecx, 1
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x87
    mov [PD + ecx * 8], eax
    inc ecx
    cmp ecx, 32
    jb .pd
    ; 0 .. 2 MiB: 4 KiB pages, user accessible
    xor ecx, ecx
.pt:
    mov eax, ecx
    shl eax, 12
    or eax, 7
    mov [PT + ecx * 8], eax
    inc ecx
    cmp ecx, 512
    jb .pt
    mov dword [PT + (NX_PAGE >> 12) * 8 + 4], 0x80000000
    mov byte [NX_PAGE], 0xc3
    and dword [PT + (RO_PAGE >> 12) * 8], ~2
    ret

build_gdt:
    mov eax, KCODE64
    xor ebx, ebx
    mov ecx, 0xfffff
    mov dx, 0xa09a
    call set_desc
    mov eax, KDATA64
    mov dx, 0xc092
    call set_desc
    mov eax, UCODE32
    mov dx, 0xc0fa
    call set_desc
    mov eax, UDATA64
    mov dx, 0xc0f2
    call set_desc
    mov eax, UCODE64
    mov dx, 0xa0fa
    call set_desc
    ; 64-bit TSS: RSP0 = ISTACK_TOP, IST1 = IST1_TOP
    mov dword [tss64 + 4], ISTACK_TOP
    mov dword [tss64 + 0x24], IST1_TOP
    mov eax, TSS64
    mov ebx, tss64
    mov ecx, 0x67
    mov dx, 0x0089
    call set_desc
    mov dword [gdt + TSS64 + 8], 0
    mov dword [gdt + TSS64 + 12], 0
    ret

; 16-byte interrupt gates to KCODE64:stub[v] for vectors 0..31; 0x40 with
; IST1; 0x41 DPL3.
build_idt64:
    mov edi, IDT64
    mov ecx, 256 * 4
    xor eax, eax
    rep stosd
    xor ecx, ecx
.v:
    mov eax, ecx
    shl eax, 4
    add eax, stubs64
    mov dl, 0x8e
    xor dh, dh
    call gate64
    inc ecx
    cmp ecx, 32
    jb .v
    mov ecx, 0x40
    mov eax, stub_int
    mov dx, 0x018e
    call gate64
    mov ecx, 0x41
    mov eax, stub_int
    mov dx, 0x00ee
    call gate64
    ret

; ecx = vector, eax = handler, dl = type/attr, dh = IST
gate64:
    push edi
    mov edi, ecx
    shl edi, 4
    add edi, IDT64
    mov [edi], ax
    mov word [edi + 2], KCODE64
    mov [edi + 4], dh
    mov [edi + 5], dl
    shr eax, 16
    mov [edi + 6], ax
    pop edi
    ret

; ---- 64-bit part ------------------------------------------------------------
BITS 64
lm_entry:
    mov ax, KDATA64
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, [rel saved_esp]
    sub rsp, 64

    ; RIP-relative addressing
    lea rax, [rel lm_entry]
    mov [rel res_lea], rax
    mov rax, [rel qdata]
    mov [rel res_ripload], rax

    ; r8-r15
    mov r8, 0x123456789abcdef0
    mov r15, r8
    add r15, r8
    mov [rel res_r15], r15
    mov r9, -1
    mov r9d, 5
    mov [rel res_r9], r9

    ; the top 1 GiB: data and code
    mov rbx, HIGH
    mov rax, [rbx + qdata]
    mov [rel res_high], rax
    lea rax, [rel high_fn]
    add rax, rbx
    call rax
    mov [rel res_high_call], rax

    ; a 1 GiB page (where offered) and a 2 MiB page
    mov rax, [rel qdata]
    cmp dword [rel has_1g], 0
    je .no1g
    mov rax, [0x40000000 + qdata]
.no1g:
    mov [rel res_1g], rax
    mov dword [0x400000 + 0x1234], 0xcafe
    mov eax, [0x400000 + 0x1234]
    mov [rel res_2m], eax

    ; #PF: fetch from an XD page
    lea rax, [rel .nx_done]
    mov [rel x_resume], rax
    mov eax, NX_PAGE
    call rax
.nx_done:
    mov eax, [rel x_err]
    mov [rel res_nx_err], eax
    mov rax, [rel x_cr2]
    mov [rel res_nx_cr2], rax
    mov rax, [rel x_rip]
    mov [rel res_nx_rip], rax
    add rsp, 8                      ; the CALL's return address

    ; #PF: write to a read-only page
    lea rax, [rel .ro_done]
    mov [rel x_resume], rax
    mov dword [RO_PAGE + 8], 1
.ro_done:
    mov eax, [rel x_err]
    mov [rel res_ro_err], eax
    mov rax, [rel x_cr2]
    mov [rel res_ro_cr2], rax

    ; #PF: nothing mapped at 0x7f00_0000_1000
    lea rax, [rel .np_done]
    mov [rel x_resume], rax
    mov rax, 0x00007f0000001000
    mov rax, [rax]
.np_done:
    mov eax, [rel x_err]
    mov [rel res_np_err], eax
    mov rax, [rel x_cr2]
    mov [rel res_np_cr2], rax

    ; non-canonical address: #GP(0)
    lea rax, [rel .nc_done]
    mov [rel x_resume], rax
    mov rax, 0x0000800000000000
    mov rax, [rax]
.nc_done:
    mov eax, [rel x_vec]
    mov [rel res_nc_vec], eax
    mov eax, [rel x_err]
    mov [rel res_nc_err], eax

    ; IST: INT 40h runs on IST1
    int 0x40
    mov rax, [rel x_hrsp]
    mov [rel res_ist_rsp], rax

    ; CR8: the TPR set through the APIC before, then MOV CR8 (left at 5
    ; for the check of the APIC's TPR in legacy mode)
    mov rbx, cr8
    mov [rel res_cr8_in], rbx
    mov eax, 5
    mov cr8, rax
    xor ebx, ebx
    mov rbx, cr8
    mov [rel res_cr8], rbx

    ; FS base through the MSR, then through MOV FS
    mov ecx, MSR_FS_BASE
    mov eax, qdata - 8
    xor edx, edx
    wrmsr
    mov eax, [fs:8]
    mov [rel res_fs], eax
    mov ax, KDATA64
    mov fs, ax
    mov eax, [fs:qdata]
    mov [rel res_fs_sel], eax

    ; SWAPGS
    mov ecx, MSR_GS_BASE
    mov eax, qdata
    xor edx, edx
    wrmsr
    mov ecx, MSR_KGS_BASE
    mov eax, qdata2
    wrmsr
    swapgs
    mov eax, [gs:0]
    mov [rel res_gs], eax
    mov ecx, MSR_KGS_BASE
    rdmsr
    mov [rel res_kgs], eax
    swapgs

    ; RETFQ to the same level
    lea rax, [rel .retf_done]
    push KCODE64
    push rax
    o64 retf
.retf_done:
    mov dword [rel res_retf], 1

    ; SGDT: 10 bytes in 64-bit mode
    mov qword [rel sgdt_buf + 8], -1
    sgdt [rel sgdt_buf]
    mov eax, [rel sgdt_buf + 2]
    mov [rel res_sgdt], eax
    mov eax, [rel sgdt_buf + 6]
    mov [rel res_sgdt_hi], eax

    ; SYSRET to ring 3, SYSCALL back
    mov ecx, MSR_STAR
    xor eax, eax
    mov edx, (UCODE32 << 16) | KCODE64
    wrmsr
    mov ecx, MSR_LSTAR
    lea rax, [rel syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, MSR_SFMASK
    mov eax, 0x400
    xor edx, edx
    wrmsr
    mov [rel kernel_rsp], rsp
    lea rax, [rel .sc_done]
    mov [rel syscall_cont], rax
    lea rcx, [rel user_entry]
    mov r11d, 0x2
    o64 sysret
.sc_done:
    mov rax, [rel sc_rcx]
    mov [rel res_sc_rcx], rax
    mov rax, [rel sc_r11]
    mov [rel res_sc_r11], rax
    mov rax, [rel sc_fl]
    mov [rel res_sc_fl], rax
    mov rax, [rel sc_cs]
    mov [rel res_sc_cs], rax
    mov rax, [rel sc_ss]
    mov [rel res_sc_ss], rax
    ; IRETQ to ring 3; INT 41h from there switches to RSP0
    lea rax, [rel .i3_done]
    mov [rel syscall_cont], rax
    mov [rel kernel_rsp], rsp
    push UDATA64 | 3
    push USTACK_TOP
    push 2
    push UCODE64 | 3
    lea rax, [rel user_entry2]
    push rax
    iretq
.i3_done:
    mov ax, KDATA64                 ; IRET to ring 3 nulled DS and ES
    mov ds, ax
    mov es, ax
    mov rax, [rel x_cs]
    mov [rel res_i3_cs], rax
    mov rax, [rel x_ss]
    mov [rel res_i3_ss], rax
    mov rax, [rel x_rsp]
    mov [rel res_i3_rsp], rax
    mov rax, [rel x_hrsp]
    mov [rel res_i3_hrsp], rax
    mov rax, [rel u_ds]
    mov [rel res_i3_ds], rax

    ; compatibility mode and back
    jmp dword far [rel compat_ptr]   ; m16:32
back64:
    mov ax, KDATA64
    mov ss, ax

    ; leave IA-32e mode through compatibility mode
    jmp far [rel leave_ptr]          ; m16:64 (REX.W)

high_fn:
    mov eax, 0x1234
    ret

; records what it finds in sc_*; the first continuation keeps them
syscall_entry:
    mov [rel sc_rcx], rcx
    mov [rel sc_r11], r11
    mov ax, cs
    mov [rel sc_cs], ax
    mov ax, ss
    mov [rel sc_ss], ax
    mov rsp, [rel kernel_rsp]
    pushfq
    pop rax
    mov [rel sc_fl], rax
    cld
    jmp [rel syscall_cont]

; ring 3 (the pages are user pages)
user_entry:
    mov ax, cs
    mov [rel res_u_cs], ax
    mov ax, ss
    mov [rel res_u_ss], ax
    std
    syscall
u_after_syscall:
    jmp u_after_syscall

user_entry2:
    mov [rel u_ds], ds
    push rax
    int 0x41
    syscall

; exception stubs: 16 bytes each
    align 16
stubs64:
%assign V 0
%rep 32
    mov dword [rel x_vec], V
    jmp near x_common
    align 16
%assign V V+1
%endrep

stub_int:
    mov dword [rel x_vec], 0x40
    jmp near x_common

x_common:
    mov [rel x_rax], rax
    mov eax, [rel x_vec]
    cmp eax, 8
    je .err
    cmp eax, 10
    jb .noerr
    cmp eax, 14
    jbe .err
    cmp eax, 17
    je .err
.noerr:
    mov qword [rel x_err], -1
    jmp .frame
.err:
    mov rax, [rsp]
    mov [rel x_err], rax
    add rsp, 8
.frame:
    mov [rel x_hrsp], rsp
    mov rax, [rsp]
    mov [rel x_rip], rax
    mov rax, [rsp + 8]
    mov [rel x_cs], rax
    mov rax, [rsp + 24]
    mov [rel x_rsp], rax
    mov rax, [rsp + 32]
    mov [rel x_ss], rax
    mov rax, cr2
    mov [rel x_cr2], rax
    mov rax, [rel x_resume]
    test rax, rax
    jz .noresume
    mov [rsp], rax
    mov qword [rel x_resume], 0
    mov rax, [rel x_rax]
    iretq
.noresume:
    cmp dword [rel x_vec], 32
    jb .fatal
    mov rax, [rel x_rax]
    iretq
.fatal:
    lea rsi, [rel fatal_msg]
    mov dx, 0x3f8
.puts:
    mov al, [rsi]
    test al, al
    jz .hex
    out dx, al
    inc rsi
    jmp .puts
.hex:
    mov ebx, [rel x_vec]
    shr ebx, 4
    call .digit
    mov ebx, [rel x_vec]
    call .digit
    mov al, 10
    out dx, al
    mov al, EXIT_FAIL
    out 0xf4, al
    hlt
.digit:
    and ebx, 15
    lea rsi, [rel hexdig]
    mov al, [rsi + rbx]
    out dx, al
    ret

; ---- compatibility mode ------------------------------------------------------
BITS 32
compat_code:
    mov ax, cs
    mov [res_compat_cs], ax
    mov eax, 0x12345678
    mov [res_compat], eax
    mov ecx, esp
    push eax
    sub ecx, esp
    mov [res_compat_push], ecx
    pop eax
    jmp KCODE64:back64

leave_compat:
    mov eax, cr0
    and eax, 0x7fffffff
    mov cr0, eax
    mov ecx, MSR_EFER
    rdmsr
    and eax, ~(1 << 8)
    wrmsr
    rdmsr
    mov [res_back_efer], eax
    mov ax, KDATA_SEL
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, [saved_esp]
    lidt [idt_ptr]
    and byte [gdt + TSS_SEL + 5], ~2
    mov ax, TSS_SEL
    ltr ax
    jmp report

; ---- data --------------------------------------------------------------------
    align 8
qdata:      dq 0x1122334455667788
qdata2:     dq 0x000000000badcafe
compat_ptr: dd compat_code
            dw KCODE_SEL
leave_ptr:  dq leave_compat
            dw KCODE_SEL
    align 8
saved_esp:  dq 0
kernel_rsp: dq 0
syscall_cont: dq 0
has_1g:     dq 0
x_vec:      dq 0
x_err:      dq 0
x_rip:      dq 0
x_cs:       dq 0
x_rsp:      dq 0
x_ss:       dq 0
x_hrsp:     dq 0
x_cr2:      dq 0
x_rax:      dq 0
x_resume:   dq 0
sgdt_buf:   times 2 dq 0
res_efer:   dq 0
res_lea:    dq 0
res_ripload: dq 0
res_r15:    dq 0
res_r9:     dd 0
res_r9hi:   dd 0
res_high:   dq 0
res_high_call: dq 0
res_1g:     dq 0
res_2m:     dq 0
res_nx_err: dq 0
res_nx_cr2: dq 0
res_nx_rip: dq 0
res_ro_err: dq 0
res_ro_cr2: dq 0
res_np_err: dq 0
res_np_cr2: dq 0
res_nc_vec: dq 0
res_nc_err: dq 0
res_ist_rsp: dq 0
res_cr8:    dq 0
res_cr8_in: dq 0
res_fs:     dq 0
res_fs_sel: dq 0
res_gs:     dq 0
res_kgs:    dq 0
res_retf:   dq 0
res_sgdt:   dq 0
res_sgdt_hi: dq 0
res_u_cs:   dq 0
res_u_ss:   dq 0
res_sc_rcx: dq 0
res_sc_r11: dq 0
res_sc_fl:  dq 0
res_sc_cs:  dq 0
res_sc_ss:  dq 0
res_i3_cs:  dq 0
res_i3_ss:  dq 0
res_i3_rsp: dq 0
res_i3_hrsp: dq 0
res_compat_cs: dq 0
res_compat: dq 0
res_compat_push: dq 0
res_back_efer: dq 0
res_i3_ds:  dq 0
sc_rcx:     dq 0
sc_r11:     dq 0
sc_fl:      dq 0
sc_cs:      dq 0
sc_ss:      dq 0
u_ds:       dq 0xffff
fatal_msg:  db "not ok - unexpected exception in 64-bit mode, vector 0x", 0
hexdig:     db "0123456789abcdef"
    align 16
idt64_ptr:  dw 256 * 16 - 1
            dd IDT64
    align 16
tss64:      times 0x68 db 0

TEST_END
