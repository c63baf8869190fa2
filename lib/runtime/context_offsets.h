// Byte offsets of the saved registers inside conc::rt::Context, shared by context.h (where each
// one is static_assert'ed against offsetof) and the assembly files (which can only see numbers).
// Change the struct and these together: a mismatch fails to compile instead of corrupting
// registers at run time.
#pragma once

#if defined(__x86_64__)
#define CONC_CTX_RBX 0
#define CONC_CTX_RBP 8
#define CONC_CTX_R12 16
#define CONC_CTX_R13 24
#define CONC_CTX_R14 32
#define CONC_CTX_R15 40
#define CONC_CTX_RSP 48
#define CONC_CTX_RIP 56
#define CONC_CTX_SIZE 64
#elif defined(__aarch64__)
#define CONC_CTX_X19 0
#define CONC_CTX_X21 16
#define CONC_CTX_X23 32
#define CONC_CTX_X25 48
#define CONC_CTX_X27 64
#define CONC_CTX_X29 80
#define CONC_CTX_SP 96
#define CONC_CTX_D8 104
#define CONC_CTX_D10 120
#define CONC_CTX_D12 136
#define CONC_CTX_D14 152
#define CONC_CTX_SIZE 168
#endif
