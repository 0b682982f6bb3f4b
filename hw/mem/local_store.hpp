// A byte-addressed local memory a DMA can fill or drain (an SRAM half, or a plain vector).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace lpsim::hw {

class LocalStore {
 public:
  virtual ~LocalStore() = default;
  virtual std::uint64_t size() const = 0;
  // Callers (Dma) check offset + n <= size() first; implementations may assume it.
  virtual void read(std::uint64_t offset, std::uint8_t* dst, std::size_t n) = 0;
  virtual void write(std::uint64_t offset, const std::uint8_t* src, std::size_t n) = 0;
};

// A LocalStore over a caller-owned byte vector (tests, scratch buffers).
class VectorStore final : public LocalStore {
 public:
  explicit VectorStore(std::vector<std::uint8_t>& bytes) : m_bytes(bytes) {}
  std::uint64_t size() const override { return m_bytes.size(); }
  void read(std::uint64_t offset, std::uint8_t* dst, std::size_t n) override {
    std::memcpy(dst, m_bytes.data() + offset, n);
  }
  void write(std::uint64_t offset, const std::uint8_t* src, std::size_t n) override {
    std::memcpy(m_bytes.data() + offset, src, n);
  }

 private:
  std::vector<std::uint8_t>& m_bytes;
};

}  // namespace lpsim::hw
