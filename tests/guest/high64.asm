; high64.asm - x87, SSE, FXSAVE/XSAVE and CMPXCHG16B memory operands at
; high canonical addresses in 64-bit mode, the way a Linux kernel mapped at
; 0xffffffff8xxxxxxx uses them: the 64-bit code runs from the top 1 GiB
; (so RIP-relative operands are high too) and the data pointer is high.
; An effective address cut to 32 bits reads or writes the wrong page, or
; faults on an unmapped one (the 64-bit IDT reports any exception).
;
; The library's checks are 32-bit code, so the 64-bit part records what it
; sees in res_* and the checks run after the return to legacy mode.
%include "lib/pm.inc"
TEST_BEGIN "high64"

KCODE64 equ 0x30

PML4    equ SCRATCH
PDPT    equ SCRATCH + 0x1000
PD      equ SCRATCH + 0x2000
PDPT_HI equ SCRATCH + 0x3000
IDT64   equ SCRATCH + 0x4000
BUF     equ SCRATCH + 0x10000   ; data, used through its high alias
HIGH    equ 0xffffffffc0000000  ; the top 1 GiB maps the first one again

MSR_EFER equ 0xc0000080

test_main:
    mov [saved_esp], esp
    call build_tables
    call build_idt64
    mov eax, KCODE64
    xor ebx, ebx
    mov ecx, 0xfffff
    mov dx, 0xa09a
    call set_desc
    ; XSAVE, MOVBE, SSE4.1, POPCNT only where offered (CPUID.1:ECX)
    mov eax, 1
    cpuid
    mov eax, ecx
    and eax, 1 << 26
    mov [has_xsave], eax
    mov eax, ecx
    and eax, 1 << 22
    mov [has_movbe], eax
    mov eax, ecx
    and eax, 1 << 19
    mov [has_sse41], eax
    and ecx, 1 << 23
    mov [has_popcnt], ecx
    mov eax, cr0
    and eax, ~0xc                       ; EM, TS
    or eax, 0x22                        ; MP, NE
    mov cr0, eax
    fninit
    mov eax, cr4
    or eax, 0x620                       ; PAE, OSFXSR, OSXMMEXCPT
    cmp dword [has_xsave], 0
    je .noxs
    or eax, 1 << 18                     ; OSXSAVE
.noxs:
    mov cr4, eax
    cmp dword [has_xsave], 0
    je .noxs2
    xor ecx, ecx
    xor edx, edx
    mov eax, 3                          ; XCR0: x87, SSE
    xsetbv
.noxs2:
    mov eax, PML4
    mov cr3, eax
    mov ecx, MSR_EFER
    rdmsr
    or eax, 1 << 8                      ; LME
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    lidt [idt64_ptr]
    jmp KCODE64:lm_entry

; ---- back in 32-bit protected mode: the checks ------------------------------
report:
    EXPECT dword [res_rip_hi], 0xffffffff, "code runs from the top 1 GiB"
    EXPECT dword [BUF], 0, "FSTP m64 (high): low half of 1.5"
    EXPECT dword [BUF + 4], 0x3ff80000, "FSTP m64 (high): high half of 1.5"
    EXPECT dword [res_fild], 1234, "FILD m32 / FISTP m32 (high)"
    EXPECT dword [res_fnstenv], 0x37f, "FNSTENV (high): FCW"
    EXPECT dword [res_fldenv], 0x27f, "FLDENV (high): FCW loaded"
    EXPECT dword [res_frstor], 0x3ff80000, "FNSAVE/FRSTOR (high): ST0 kept"
    EXPECT dword [BUF + 0x200], 0x03020100, "MOVDQU load RIP-relative, store (high)"
    EXPECT dword [BUF + 0x20c], 0x0f0e0d0c, "MOVDQU store (high): last dword"
    EXPECT dword [BUF + 0x211], 0x03020100, "MOVAPS load/MOVUPS store (high)"
    EXPECT dword [res_pshufd], 0x03020100, "PSHUFD xmm, m128 (high)"
    EXPECT dword [res_paddd], 0x06040200, "PADDD xmm, m128 (high)"
    EXPECT dword [res_addss], 0x40400000, "ADDSS xmm, m32 (high): 1 + 2"
    EXPECT dword [BUF + 0x240], 0x0b0a0908, "MOVHPS m64, xmm (high)"
    EXPECT dword [BUF + 0x248], 0x03020100, "MOVD m32, xmm (high)"
    EXPECT dword [BUF + 0x250], 0x0302, "PEXTRW m16, xmm (high)"
    EXPECT dword [res_pinsrw], 0x0302, "PINSRW xmm, m16 (high)"
    EXPECT dword [res_popcnt], 32, "POPCNT r64, m64 (high)"
    EXPECT dword [res_movbe], 0x00010203, "MOVBE r32, m32 (high)"
    EXPECT dword [BUF + 0x260], 0x3f80, "STMXCSR (high) after LDMXCSR (RIP-relative)"
    EXPECT dword [BUF + 0x400 + 24], 0x1f80, "FXSAVE (high): MXCSR"
    EXPECT dword [BUF + 0x400 + 160], 0x03020100, "FXSAVE (high): XMM0"
    EXPECT dword [fxarea + 160], 0x03020100, "FXSAVE64 RIP-relative (high): XMM0"
    EXPECT dword [res_fxrstor], 0x03020100, "FXRSTOR (high): XMM0 back"
    EXPECT dword [res_xcr0], 3, "XGETBV in 64-bit code: XCR0 still x87|SSE"
    EXPECT dword [res_xsave], 0x03020100, "XSAVE (high): XMM0"
    EXPECT dword [res_xrstor], 0x03020100, "XRSTOR (high): XMM0 back"
    EXPECT dword [res_cx16], 0x40, "CMPXCHG16B (high): ZF set"
    EXPECT dword [BUF + 0x280], 3, "CMPXCHG16B (high): low quadword stored"
    EXPECT dword [BUF + 0x288], 4, "CMPXCHG16B (high): high quadword stored"
    EXPECT dword [BUF + 0x2a0], 0xffffff00, "MASKMOVDQU to [RDI] (high): byte 0"
    EXPECT dword [BUF + 0x2ac], 0x0fffffff, "MASKMOVDQU to [RDI] (high): byte 15"
    EXPECT dword [BUF + 0x2b0], 0xffffff00, "MASKMOVQ to [RDI] (high)"
    EXPECT dword [BUF + 0x2b4], 0xffffffff, "MASKMOVQ (high): unmasked bytes kept"
    FINISH

; ---- 32-bit setup ------------------------------------------------------------
build_tables:
    mov edi, SCRATCH
    mov ecx, 0x4000 / 4
    xor eax, eax
    rep stosd
    mov edi, BUF
    mov ecx, 0x1000 / 4
    rep stosd
    mov dword [PML4], PDPT | 3
    mov dword [PML4 + 511 * 8], PDPT_HI | 3
    mov dword [PDPT], PD | 3
    mov dword [PDPT_HI + 511 * 8], PD | 3
    xor ecx, ecx                        ; 0 .. 64 MiB: 2 MiB pages
.pd:
    mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov [PD + ecx * 8], eax
    inc ecx
    cmp ecx, 32
    jb .pd
    ret

; 16-byte interrupt gates to KCODE64:fatal64 for vectors 0..31
build_idt64:
    mov edi, IDT64
    mov ecx, 256 * 4
    xor eax, eax
    rep stosd
    mov edi, IDT64
    mov ecx, 32
.v:
    mov eax, fatal64
    mov [edi], ax
    mov word [edi + 2], KCODE64
    mov word [edi + 4], 0x8e00
    shr eax, 16
    mov [edi + 6], ax
    add edi, 16
    loop .v
    ret

; ---- 64-bit part ------------------------------------------------------------
BITS 64
lm_entry:
    mov ax, KDATA_SEL
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rax, HIGH
    lea rcx, [rel hi_entry]
    add rax, rcx
    jmp rax

hi_entry:
    mov rsp, HIGH
    add rsp, [rel saved_esp]
    lea rax, [rel hi_entry]
    shr rax, 32
    mov [rel res_rip_hi], eax
    mov rsi, HIGH + BUF

    ; x87
    fld qword [rel one_five]
    fstp qword [rsi]
    fild dword [rel i1234]
    fistp dword [rsi + 8]
    mov eax, [rsi + 8]
    mov [rel res_fild], eax
    fnstenv [rsi + 0x40]
    movzx eax, word [rsi + 0x40]
    mov [rel res_fnstenv], eax
    mov word [rsi + 0x40], 0x27f
    fldenv [rsi + 0x40]
    fnstcw [rel res_fldenv]
    fld qword [rel one_five]
    fnsave [rsi + 0x100]
    fninit
    frstor [rsi + 0x100]
    fstp qword [rsi + 0x30]
    mov eax, [rsi + 0x34]
    mov [rel res_frstor], eax

    ; SSE loads and stores
    movdqu xmm0, [rel pattern]
    movdqu [rsi + 0x200], xmm0
    movaps xmm1, [rsi + 0x200]
    movups [rsi + 0x211], xmm1
    pshufd xmm2, [rsi + 0x200], 0xe4
    movd [rel res_pshufd], xmm2
    movdqa xmm3, xmm0
    paddd xmm3, [rsi + 0x200]
    movd [rel res_paddd], xmm3
    movss xmm4, [rel f_one]
    addss xmm4, [rel f_two]
    movd [rel res_addss], xmm4
    movhps [rsi + 0x240], xmm0
    movd [rsi + 0x248], xmm0
    mov dword [rsi + 0x250], 0x0302
    cmp dword [rel has_sse41], 0
    je .nosse41
    mov dword [rsi + 0x250], 0
    pextrw [rsi + 0x250], xmm0, 1       ; SSE4.1 memory form
.nosse41:
    pxor xmm5, xmm5
    pinsrw xmm5, [rsi + 0x250], 0
    movd [rel res_pinsrw], xmm5
    mov dword [rel res_popcnt], 32
    cmp dword [rel has_popcnt], 0
    je .nopopcnt
    mov rax, -1
    mov [rsi + 0x258], eax
    popcnt rax, [rsi + 0x258]
    mov [rel res_popcnt], eax
.nopopcnt:
    mov dword [rel res_movbe], 0x00010203
    cmp dword [rel has_movbe], 0
    je .nomovbe
    movbe eax, [rsi + 0x200]
    mov [rel res_movbe], eax
.nomovbe:
    ldmxcsr [rel mxcsr_rd]
    stmxcsr [rsi + 0x260]
    ldmxcsr [rel mxcsr_def]

    ; FXSAVE/FXRSTOR
    fxsave [rsi + 0x400]
    o64 fxsave [rel fxarea]
    pxor xmm0, xmm0
    fxrstor [rsi + 0x400]
    movd [rel res_fxrstor], xmm0

    ; XSAVE/XRSTOR (x87 and SSE components)
    mov dword [rel res_xcr0], 3
    mov dword [rel res_xsave], 0x03020100
    mov dword [rel res_xrstor], 0x03020100
    cmp dword [rel has_xsave], 0
    je .noxs
    xor ecx, ecx
    xgetbv                              ; the XCR0 this XSAVE works with
    mov [rel res_xcr0], eax
    mov eax, 3
    xor edx, edx
    xsave [rsi + 0x800]
    mov eax, [rsi + 0x800 + 160]
    mov [rel res_xsave], eax
    pxor xmm0, xmm0
    mov eax, 3
    xor edx, edx
    o64 xrstor [rsi + 0x800]
    movd [rel res_xrstor], xmm0
.noxs:

    ; CMPXCHG16B
    mov qword [rsi + 0x280], 1
    mov qword [rsi + 0x288], 2
    mov eax, 1
    mov edx, 2
    mov ebx, 3
    mov ecx, 4
    lock cmpxchg16b [rsi + 0x280]
    pushfq
    pop rax
    and eax, 0x40
    mov [rel res_cx16], eax

    ; MASKMOVDQU / MASKMOVQ: implicit destination DS:[RDI], high
    lea rdi, [rsi + 0x2a0]
    mov rax, -1
    mov [rdi], rax
    mov [rdi + 8], rax
    mov [rdi + 16], rax
    movdqu xmm0, [rel pattern]
    movdqu xmm6, [rel maskpat]
    maskmovdqu xmm0, xmm6
    add rdi, 16
    movq mm0, [rel pattern]
    movq mm1, [rel maskpat]
    maskmovq mm0, mm1
    emms

    ; back to legacy mode through compatibility mode, from low code
    lea rax, [rel leave64]
    mov rcx, HIGH
    sub rax, rcx                        ; its low alias
    jmp rax
leave64:
    mov esp, [rel saved_esp]
    jmp far [rel leave_ptr]             ; m16:64 (REX.W)

fatal64:
    lea rsi, [rel fatal_msg]
    mov dx, 0x3f8
.puts:
    mov al, [rsi]
    test al, al
    jz .out
    out dx, al
    inc rsi
    jmp .puts
.out:
    mov al, EXIT_FAIL
    out 0xf4, al
    hlt

; ---- compatibility mode ------------------------------------------------------
BITS 32
leave_compat:
    mov eax, cr0
    and eax, 0x7fffffff
    mov cr0, eax
    mov ecx, MSR_EFER
    rdmsr
    and eax, ~(1 << 8)
    wrmsr
    mov ax, KDATA_SEL
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov esp, [saved_esp]
    lidt [idt_ptr]
    jmp report

; ---- data --------------------------------------------------------------------
    align 16
pattern:    db 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
maskpat:    db 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80
one_five:   dq 1.5
f_one:      dd 1.0
f_two:      dd 2.0
i1234:      dd 1234
mxcsr_rd:   dd 0x3f80                   ; round down
mxcsr_def:  dd 0x1f80
leave_ptr:  dq leave_compat
            dw KCODE_SEL
    align 8
saved_esp:  dq 0
has_xsave:  dd 0
has_movbe:  dd 0
has_sse41:  dd 0
has_popcnt: dd 0
res_fnstenv: dd 0
res_rip_hi: dd 0
res_fild:   dd 0
res_fldenv: dd 0
res_frstor: dd 0
res_pshufd: dd 0
res_paddd:  dd 0
res_addss:  dd 0
res_pinsrw: dd 0
res_popcnt: dd 0
res_movbe:  dd 0
res_fxrstor: dd 0
res_xcr0:   dd 0
res_xsave:  dd 0
res_xrstor: dd 0
res_cx16:   dd 0
fatal_msg:  db "not ok - unexpected exception in 64-bit mode", 10, 0
    align 16
idt64_ptr:  dw 256 * 16 - 1
            dd IDT64
    align 16
fxarea:     times 512 db 0

TEST_END
