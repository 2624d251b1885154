; realmode - integer instructions, string ops, segments, IVT interrupts and
; faults in real mode.  Built as a 64 KiB ROM and run with -bios.
%include "lib/rm.inc"

BUF_A equ 0x600         ; scratch buffers at 0000:0600..
BUF_B equ 0x700
BUF_C equ 0x800

TEST_BEGIN "realmode"
test_main:
; ---- ALU and flags ---------------------------------------------------------
    mov al, 0x7f
    add al, 1
    CHECK o, "add 7f+1 sets OF"
    CHECK s, "add 7f+1 sets SF"
    CHECK nc, "add 7f+1 clears CF"
    movzx eax, al
    EXPECT eax, 0x80, "add 7f+1 result"
    xor ax, ax
    sub ax, 1
    CHECK c, "sub 0-1 sets CF"
    CHECK nz, "sub 0-1 clears ZF"
    movzx eax, ax
    EXPECT eax, 0xffff, "sub 0-1 result"
    stc
    mov ax, 5
    adc ax, 3
    movzx eax, ax
    EXPECT eax, 9, "adc with CF=1"
    stc
    mov ax, 5
    sbb ax, 3
    movzx eax, ax
    EXPECT eax, 1, "sbb with CF=1"
    stc
    inc ax
    CHECK c, "inc preserves CF"
    mov ax, 0
    neg ax
    CHECK nc, "neg 0 clears CF"
    mov ax, 5
    neg ax
    CHECK c, "neg 5 sets CF"
    mov al, 3
    or al, 0
    CHECK pe, "PF set for 03h (two bits)"
    mov al, 0x0f
    add al, 1
    lahf
    test ah, 0x10
    CHECK nz, "AF set by 0fh+1"
    mov eax, 0x80000000
    add eax, eax
    CHECK z, "32-bit add carries out: ZF"
    CHECK c, "32-bit add carries out: CF"
    CHECK o, "32-bit add carries out: OF"

; ---- LAHF/SAHF ----------------------------------------------------------------
    mov ah, 0xd5
    sahf
    mov ah, 0
    lahf
    movzx eax, ah
    EXPECT eax, 0xd7, "sahf/lahf round trip (bit 1 reads as 1)"

; ---- string ops ---------------------------------------------------------------
    mov si, .pattern
    mov di, BUF_A
    mov cx, 16
    push ds
    push cs
    pop ds
    cld
    rep movsb
    pop ds
    movzx ecx, cx
    EXPECT ecx, 0, "rep movsb runs CX to 0"
    movzx edi, di
    EXPECT edi, BUF_A+16, "rep movsb advances DI (DF=0)"
    mov si, BUF_A
    mov di, BUF_B
    mov cx, 8
    rep movsw
    mov si, BUF_A
    mov di, BUF_B
    mov cx, 16
    repe cmpsb
    CHECK z, "repe cmpsb over equal buffers ends with ZF=1"
    movzx ecx, cx
    EXPECT ecx, 0, "repe cmpsb equal: CX=0"
    mov byte [BUF_B+5], 0xee
    mov si, BUF_A
    mov di, BUF_B
    mov cx, 16
    repe cmpsb
    CHECK nz, "repe cmpsb stops on mismatch with ZF=0"
    movzx ecx, cx
    EXPECT ecx, 10, "repe cmpsb stops after the mismatching byte"
    mov di, BUF_A
    mov al, 'k'
    mov cx, 16
    repne scasb
    CHECK z, "repne scasb finds the byte"
    movzx edi, di
    EXPECT edi, BUF_A+11, "repne scasb: DI one past the match"
    ; backwards copy with DF=1
    std
    mov si, BUF_A+14
    mov di, BUF_C+14
    mov cx, 8
    rep movsw
    cld
    movzx esi, si
    EXPECT esi, BUF_A-2, "std; rep movsw decrements SI"
    mov eax, [BUF_C]
    EXPECT eax, [BUF_A], "std; rep movsw copied the first dword"
    mov eax, [BUF_C+12]
    EXPECT eax, [BUF_A+12], "std; rep movsw copied the last dword"
    std
    mov si, BUF_A+3
    lodsb
    cld
    movzx esi, si
    EXPECT esi, BUF_A+2, "lodsb with DF=1 decrements SI"
    movzx eax, al
    EXPECT eax, 'd', "lodsb loads the byte"
    mov di, BUF_C
    mov eax, 0x11223344
    mov cx, 4
    rep stosd
    EXPECT dword [BUF_C+12], 0x11223344, "rep stosd fills dwords"
    mov di, BUF_C
    xor cx, cx
    mov al, 0x99
    rep stosb
    movzx edi, di
    EXPECT edi, BUF_C, "rep with CX=0 does nothing"

; ---- segment arithmetic and 64K wraparound ----------------------------------
    push ds
    mov ax, 0x1000
    mov ds, ax
    mov dword [0x0010], 0xcafef00d
    mov ax, 0x1001
    mov ds, ax
    mov eax, [0x0000]
    pop ds
    EXPECT eax, 0xcafef00d, "1000:0010 and 1001:0000 are the same byte"
    push es
    mov ax, 0x1000
    mov es, ax
    mov byte [es:0x0001], 0x5a
    mov bx, 0xffff
    mov al, [es:bx+2]
    pop es
    movzx eax, al
    EXPECT eax, 0x5a, "16-bit effective address wraps at 64K"
    push ds
    mov ax, 0x1000
    mov ds, ax
    mov byte [0x0000], 0x77
    mov si, 0xffff
    cld
    lodsb
    lodsb
    pop ds
    movzx eax, al
    EXPECT eax, 0x77, "lodsb: SI wraps from FFFF to 0"
    movzx esi, si
    EXPECT esi, 1, "SI after the wrap"
    ; push with SP=0 wraps to FFFE
    mov dx, ss
    mov bx, sp
    mov ax, 0x2000
    mov ss, ax
    xor sp, sp
    push word 0xbeef
    mov cx, sp
    mov ss, dx
    mov sp, bx
    movzx ecx, cx
    EXPECT ecx, 0xfffe, "push with SP=0 leaves SP=FFFE"
    push ds
    mov ax, 0x2000
    mov ds, ax
    movzx eax, word [0xfffe]
    pop ds
    EXPECT eax, 0xbeef, "push with SP=0 stores at SS:FFFE"

; ---- PUSHA/POPA ---------------------------------------------------------------
    mov ax, 0x1111
    mov cx, 0x2222
    mov dx, 0x3333
    mov bx, 0x4444
    mov bp, 0x5555
    mov si, 0x6666
    mov di, 0x7777
    movzx esp, sp
    mov [BUF_C], esp
    pusha
    mov bp, sp
    movzx eax, word [bp+6]
    EXPECT eax, [BUF_C], "pusha stores the original SP"
    movzx eax, word [bp+14]
    EXPECT eax, 0x1111, "pusha stores AX highest"
    movzx eax, word [bp+0]
    EXPECT eax, 0x7777, "pusha stores DI lowest"
    mov word [bp+6], 0x1234     ; popa must ignore the saved SP
    xor ax, ax
    xor bx, bx
    popa
    movzx eax, sp
    EXPECT eax, [BUF_C], "popa skips SP"
    movzx ebx, bx
    EXPECT ebx, 0x4444, "popa restores BX"

; ---- ENTER/LEAVE ----------------------------------------------------------------
    mov bp, 0xabcd
    mov [BUF_C], esp
    enter 8, 0
    movzx eax, bp
    mov ebx, [BUF_C]
    sub ebx, 2
    EXPECT eax, ebx, "enter 8,0: BP = SP after pushing BP"
    movzx eax, sp
    sub ebx, 8
    EXPECT eax, ebx, "enter 8,0: SP = BP - 8"
    leave
    movzx eax, bp
    EXPECT eax, 0xabcd, "leave restores BP"
    movzx eax, sp
    EXPECT eax, [BUF_C], "leave restores SP"
    enter 4, 1
    movzx eax, word [bp-2]
    movzx ebx, bp
    EXPECT eax, ebx, "enter 4,1 pushes the new frame pointer"
    movzx eax, sp
    sub ebx, 6
    EXPECT eax, ebx, "enter 4,1: SP = BP - 2 - 4"
    leave

; ---- BOUND ------------------------------------------------------------------------
    mov word [BUF_C], 10
    mov word [BUF_C+2], 20
    mov ax, 15
    CLEAR_EXC
    bound ax, [BUF_C]
    EXPECT_NOEXC "bound within range: no #BR"
    mov ax, 21
    SET_RESUME .br_done
.br_insn:
    bound ax, [BUF_C]
.br_done:
    EXPECT_EXC 5, -1, .br_insn, "bound out of range: #BR at the BOUND"

; ---- BCD adjust --------------------------------------------------------------
    mov ax, 0x0009
    add al, 3
    aaa
    CHECK c, "aaa sets CF"
    movzx eax, ax
    EXPECT eax, 0x0102, "aaa 09h+3"
    mov ax, 0x0200
    sub al, 1
    aas
    movzx eax, ax
    EXPECT eax, 0x0109, "aas 0200h-1"
    mov al, 0x79
    add al, 0x35
    daa
    CHECK c, "daa 79+35 carries"
    movzx eax, al
    EXPECT eax, 0x14, "daa 79+35 = (1)14"
    mov al, 0x35
    sub al, 0x47
    das
    CHECK c, "das 35-47 borrows"
    movzx eax, al
    EXPECT eax, 0x88, "das 35-47 = 88"
    mov ax, 0x003f
    aam
    movzx eax, ax
    EXPECT eax, 0x0603, "aam 63"
    mov ax, 0x00ff
    aam 16
    movzx eax, ax
    EXPECT eax, 0x0f0f, "aam 16 (imm8 base)"
    mov ax, 0x0607
    aad
    movzx eax, ax
    EXPECT eax, 0x0043, "aad 0607h"
    SET_RESUME .aam_done
.aam_insn:
    aam 0
.aam_done:
    EXPECT_EXC 0, -1, .aam_insn, "aam 0: #DE at the AAM"

; ---- IVT interrupts ---------------------------------------------------------------
    mov al, 0x40
    mov bx, int40_handler
    call set_vector
    mov dword [BUF_C], 0
    ; No BIOS programmed the interrupt controllers: mask every IRQ so a
    ; timer tick cannot land between STI and CLI.
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    sti
    int 0x40
.int40_ret:
    cli
    EXPECT dword [BUF_C], 1, "int 40h ran the IVT handler"
    movzx eax, word [BUF_C+4]
    EXPECT eax, .int40_ret, "int 40h pushed the return IP"
    movzx eax, word [BUF_C+6]
    EXPECT eax, 0xf000, "int 40h pushed CS"
    movzx eax, word [BUF_C+8]
    and eax, 0x200
    EXPECT eax, 0, "IF clear inside the handler"
    movzx eax, word [BUF_C+10]
    and eax, 0x200
    EXPECT eax, 0x200, "pushed FLAGS has IF set"
    mov al, 0x40
    call restore_vector
    ; INTO
    CLEAR_EXC
    mov al, 1
    add al, 1
    into
    EXPECT_NOEXC "into with OF=0 does nothing"
    mov al, 0x7f
    add al, 1
    SET_RESUME .into_next
    into
.into_next:
    EXPECT_EXC 4, -1, .into_next, "into with OF=1: #OF, IP after INTO"
    SET_RESUME .int3_next
    int3
.int3_next:
    EXPECT_EXC 3, -1, .int3_next, "int3: vector 3, IP after"
    ; IRET restores FLAGS
    pushf
    push word 0x0001              ; frame FLAGS: CF=1, SF=0
    push cs
    push .iret_to
    mov al, 0x80
    add al, 0                     ; live flags: CF=0, SF=1
    iret
.iret_to:
    CHECK c, "iret loads CF from the frame"
    CHECK ns, "iret loads SF from the frame"
    popf

; ---- faults through the IVT -------------------------------------------------------
    mov ax, 1
    mov bl, 0
    SET_RESUME .de1_done
.de1_insn:
    div bl
.de1_done:
    EXPECT_EXC 0, -1, .de1_insn, "div by 0: #DE at the DIV"
    mov ax, 0x1000
    mov bl, 2
    SET_RESUME .de2_done
.de2_insn:
    div bl
.de2_done:
    EXPECT_EXC 0, -1, .de2_insn, "div quotient overflow: #DE"
    mov ax, -128
    mov bl, -1
    SET_RESUME .de3_done
.de3_insn:
    idiv bl
.de3_done:
    EXPECT_EXC 0, -1, .de3_insn, "idiv -128/-1 overflow: #DE"
    SET_RESUME .ud_done
.ud_insn:
    ud2
.ud_done:
    EXPECT_EXC 6, -1, .ud_insn, "ud2: #UD at the UD2"
    SET_RESUME .ud2_done
.ud2_insn:
    db 0xf0, 0x90                 ; lock nop
.ud2_done:
    EXPECT_EXC 6, -1, .ud2_insn, "lock nop: #UD"

; ---- CPUID, RDTSC ------------------------------------------------------------------
    xor eax, eax
    cpuid
    cmp eax, 1
    CHECK ae, "cpuid 0: max leaf >= 1"
    or ebx, ecx
    or ebx, edx
    CHECK nz, "cpuid 0: vendor string present"
    mov eax, 1
    cpuid
    and edx, 0x11
    EXPECT edx, 0x11, "cpuid 1: FPU and TSC features"
    rdtsc
    mov esi, eax
    mov edi, edx
    mov cx, 100
.spin:
    loop .spin
    rdtsc
    sub eax, esi
    sbb edx, edi
    CHECK nc, "rdtsc does not go backwards"
    or eax, edx
    CHECK nz, "rdtsc advances"

; ---- exchange and compare ------------------------------------------------------------
    mov eax, 1
    mov ebx, 2
    xchg eax, ebx
    EXPECT eax, 2, "xchg eax, ebx"
    mov dword [BUF_C], 10
    mov eax, 5
    xadd [BUF_C], eax
    EXPECT eax, 10, "xadd returns the old value"
    EXPECT dword [BUF_C], 15, "xadd stores the sum"
    mov eax, 15
    mov ecx, 99
    cmpxchg [BUF_C], ecx
    CHECK z, "cmpxchg equal: ZF"
    EXPECT dword [BUF_C], 99, "cmpxchg equal stores the source"
    mov eax, 1
    cmpxchg [BUF_C], ecx
    CHECK nz, "cmpxchg unequal: ZF=0"
    EXPECT eax, 99, "cmpxchg unequal loads the accumulator"
    mov dword [BUF_C], 0x11111111
    mov dword [BUF_C+4], 0x22222222
    mov eax, 0x11111111
    mov edx, 0x22222222
    mov ebx, 0xaaaaaaaa
    mov ecx, 0xbbbbbbbb
    cmpxchg8b [BUF_C]
    CHECK z, "cmpxchg8b equal: ZF"
    EXPECT dword [BUF_C+4], 0xbbbbbbbb, "cmpxchg8b equal stores ECX:EBX"
    xor eax, eax
    xor edx, edx
    cmpxchg8b [BUF_C]
    CHECK nz, "cmpxchg8b unequal: ZF=0"
    EXPECT eax, 0xaaaaaaaa, "cmpxchg8b unequal loads EDX:EAX"
    mov eax, 0x12345678
    bswap eax
    EXPECT eax, 0x78563412, "bswap"
    mov eax, 1
    mov ebx, 2
    cmp eax, eax
    cmove eax, ebx
    EXPECT eax, 2, "cmove taken"
    mov ecx, 7
    cmp eax, ebx
    cmovne eax, ecx
    EXPECT eax, 2, "cmovne not taken"
    mov eax, -1
    cmp eax, 1
    setl al
    setb ah
    movzx eax, ax
    EXPECT eax, 0x0001, "setl (signed) / setb (unsigned) after cmp -1,1"

; ---- bit operations -------------------------------------------------------------------
    mov eax, 0x00000010
    bt eax, 4
    CHECK c, "bt finds bit 4"
    bts eax, 0
    CHECK nc, "bts old bit 0 clear"
    EXPECT eax, 0x11, "bts sets bit 0"
    btr eax, 4
    CHECK c, "btr old bit 4 set"
    EXPECT eax, 0x01, "btr clears bit 4"
    btc eax, 31
    EXPECT eax, 0x80000001, "btc toggles bit 31"
    mov dword [BUF_C], 0
    mov dword [BUF_C+4], 0
    mov ecx, 35
    bts [BUF_C], ecx
    EXPECT dword [BUF_C+4], 8, "bts mem,reg with offset 35 reaches the next dword"
    mov ecx, -1
    bt [BUF_C+4], ecx
    CHECK nc, "bt mem,reg with offset -1 reads the previous dword"
    mov eax, 0x00f0
    bsf ebx, eax
    EXPECT ebx, 4, "bsf"
    bsr ebx, eax
    EXPECT ebx, 7, "bsr"
    xor eax, eax
    bsf ebx, eax
    CHECK z, "bsf of 0 sets ZF"
    mov eax, 0x12345678
    mov ebx, 0x9abcdef0
    shld eax, ebx, 8
    EXPECT eax, 0x3456789a, "shld by 8"
    mov eax, 0x12345678
    shrd eax, ebx, 12
    EXPECT eax, 0xef012345, "shrd by 12"

; ---- multiply and divide -----------------------------------------------------------
    mov al, 200
    mov bl, 3
    mul bl
    movzx eax, ax
    EXPECT eax, 600, "mul r8 -> AX"
    CHECK c, "mul r8 high half nonzero: CF"
    mov ax, 0x1234
    mov bx, 0x100
    mul bx
    shl edx, 16
    mov dx, ax
    EXPECT edx, 0x123400, "mul r16 -> DX:AX"
    mov eax, 0x80000000
    mov ebx, 4
    mul ebx
    EXPECT edx, 2, "mul r32 high half"
    mov al, -3
    mov bl, 5
    imul bl
    movsx eax, ax
    EXPECT eax, -15, "imul r8 signed"
    CHECK nc, "imul r8 fits: CF=0"
    mov eax, -7
    imul eax, eax, 6
    EXPECT eax, -42, "imul r32, r32, imm"
    mov ecx, 0x10000
    imul ecx, ecx
    CHECK o, "imul r32, r32 overflow: OF"
    mov edx, 0
    mov eax, 100
    mov ebx, 7
    div ebx
    EXPECT eax, 14, "div r32 quotient"
    EXPECT edx, 2, "div r32 remainder"
    mov eax, -100
    cdq
    mov ebx, 7
    idiv ebx
    EXPECT eax, -14, "idiv truncates toward zero"
    EXPECT edx, -2, "idiv remainder has the dividend's sign"
    mov ax, -1000
    cwd
    mov bx, 10
    idiv bx
    movsx eax, ax
    EXPECT eax, -100, "idiv r16"

    FINISH

.pattern: db "abcdefghijklmnop"

; int 40h handler: count, record the frame and the live FLAGS.
int40_handler:
    push bp
    mov bp, sp
    push ax
    inc dword [BUF_C]
    mov ax, [bp+2]
    mov [BUF_C+4], ax
    mov ax, [bp+4]
    mov [BUF_C+6], ax
    pushf
    pop ax
    mov [BUF_C+8], ax
    mov ax, [bp+6]
    mov [BUF_C+10], ax
    pop ax
    pop bp
    iret

TEST_END
