// Controller register map (byte offsets, 32-bit registers); documented in docs/memory-and-control.md.
#pragma once

#include <cstdint>

namespace lpsim::hw {

// Address map seen by the host and the DMA (docs/architecture.md, "Address map").
inline constexpr std::uint64_t kDramBase = 0x0;
inline constexpr std::uint64_t kCtrlBase = 0xF000'0000;

}  // namespace lpsim::hw

namespace lpsim::hw::regs {

constexpr std::uint64_t kWindowBytes = 0x100;  // register window size (router map entry size)

// Control and status block.
constexpr std::uint32_t ID = 0x00;          // RO  'LPA' + 0x00
constexpr std::uint32_t VERSION = 0x04;     // RO  major << 16 | minor
constexpr std::uint32_t CTRL = 0x08;        // WO-ish: bit 0 START (self-clearing, reads 0)
constexpr std::uint32_t STATUS = 0x0C;      // RO  bit 0 BUSY, bit 1 DONE, bit 2 ERROR
constexpr std::uint32_t IRQ_ENABLE = 0x10;  // RW  bit 0 DONE, bit 1 ERROR
constexpr std::uint32_t IRQ_STATUS = 0x14;  // W1C bit 0 DONE, bit 1 ERROR
constexpr std::uint32_t ERROR_CODE = 0x18;  // RO  ErrorCode of the last layer
constexpr std::uint32_t TILES_DONE = 0x1C;  // RO  tiles completed in the current/last layer
constexpr std::uint32_t CYCLES_LO = 0x20;   // RO  controller cycles of the last layer
constexpr std::uint32_t CYCLES_HI = 0x24;   // RO

// Layer descriptor block (RW; writes while BUSY are command errors).
constexpr std::uint32_t DESC_BASE = 0x40;
constexpr std::uint32_t OP = 0x40;          // 0 GEMM, 1 conv
constexpr std::uint32_t SHAPE_M = 0x44;
constexpr std::uint32_t SHAPE_N = 0x48;     // conv: output channels
constexpr std::uint32_t SHAPE_K = 0x4C;
constexpr std::uint32_t CONV_H = 0x50;
constexpr std::uint32_t CONV_W = 0x54;
constexpr std::uint32_t CONV_C = 0x58;
constexpr std::uint32_t CONV_R = 0x5C;
constexpr std::uint32_t CONV_S = 0x60;
constexpr std::uint32_t CONV_STRIDE = 0x64;
constexpr std::uint32_t CONV_PAD = 0x68;
constexpr std::uint32_t CONV_GROUPS = 0x6C;
constexpr std::uint32_t FMT_W = 0x70;       // [7:0] family, [15:8] n, [19:16] es, [23:20] rs, [31:24] sf (int8)
constexpr std::uint32_t FMT_A = 0x74;
constexpr std::uint32_t FMT_O = 0x78;
constexpr std::uint32_t MODE = 0x7C;        // 8, 4 or 2
constexpr std::uint32_t DATAFLOW = 0x80;    // 0 ws, 1 os, 2 is
constexpr std::uint32_t PP_FLAGS = 0x84;    // bit 0 BIAS, 1 RELU, 2 RELU6, 3 RESIDUAL, 4 REQUANT, 5 CHSCALE
constexpr std::uint32_t PP_SCALE = 0x88;    // IEEE-754 binary32 requantization scale
// 0x8C is a hole (unmapped).
constexpr std::uint32_t W_ADDR_LO = 0x90;
constexpr std::uint32_t W_ADDR_HI = 0x94;
constexpr std::uint32_t I_ADDR_LO = 0x98;
constexpr std::uint32_t I_ADDR_HI = 0x9C;
constexpr std::uint32_t O_ADDR_LO = 0xA0;
constexpr std::uint32_t O_ADDR_HI = 0xA4;
constexpr std::uint32_t B_ADDR_LO = 0xA8;
constexpr std::uint32_t B_ADDR_HI = 0xAC;
constexpr std::uint32_t R_ADDR_LO = 0xB0;
constexpr std::uint32_t R_ADDR_HI = 0xB4;
constexpr std::uint32_t DESC_END = 0xB8;    // one past the last descriptor register

constexpr std::uint32_t kIdValue = 0x4C504100;       // "LPA\0"
constexpr std::uint32_t kVersionValue = 0x00010000;  // 1.0

constexpr std::uint32_t CTRL_START = 1u << 0;
constexpr std::uint32_t STATUS_BUSY = 1u << 0;
constexpr std::uint32_t STATUS_DONE = 1u << 1;
constexpr std::uint32_t STATUS_ERROR = 1u << 2;
constexpr std::uint32_t IRQ_DONE = 1u << 0;
constexpr std::uint32_t IRQ_ERROR = 1u << 1;

}  // namespace lpsim::hw::regs
